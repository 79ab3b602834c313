//! One `Set-Cookie` line, parsed.

/// One parsed `Set-Cookie` line.
#[derive(Debug, Clone)]
pub struct SetCookie {
    /// The line as sent.
    pub raw: String,
    /// The cookie's name.
    pub name: String,
    /// The cookie's value.
    pub value: String,
    /// Attributes, names lower-cased, in order.
    pub attrs: Vec<(String, Option<String>)>,
}

impl SetCookie {
    /// Parses a line. Panics on a line without `name=value` (no server may send one).
    #[track_caller]
    pub fn parse(raw: &str) -> SetCookie {
        let mut parts = raw.split(';');
        let pair = parts.next().unwrap_or_default();
        let (name, value) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("Set-Cookie without name=value: {raw}"));
        let attrs = parts
            .map(|a| match a.trim().split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_owned())),
                None => (a.trim().to_ascii_lowercase(), None),
            })
            .collect();
        SetCookie {
            raw: raw.to_owned(),
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            attrs,
        }
    }

    /// `name=value`, as a client sends it back.
    pub fn pair(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// Whether the attribute (lower-case name) is present.
    pub fn has(&self, attr: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == attr)
    }

    /// The attribute's value (lower-case name).
    pub fn attr(&self, attr: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == attr)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the line deletes the cookie (`Max-Age` of zero or less, an `Expires` in
    /// 1970, or an empty value).
    pub fn is_removal(&self) -> bool {
        self.attr("max-age")
            .is_some_and(|v| v == "0" || v.starts_with('-'))
            || self.attr("expires").is_some_and(|v| v.contains("1970"))
            || self.value.is_empty()
    }

    /// The attributes that must match between setting and clearing: all but the lifetime.
    pub fn scope(&self) -> Vec<(String, Option<String>)> {
        let mut scope: Vec<_> = self
            .attrs
            .iter()
            .filter(|(k, _)| k != "max-age" && k != "expires")
            .map(|(k, v)| (k.clone(), v.as_ref().map(|v| v.to_ascii_lowercase())))
            .collect();
        scope.sort();
        scope
    }
}
