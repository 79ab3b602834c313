//! Cookie attributes (`SameSite`, `Secure`, path, domain, name), shared by the session
//! cookie and the remember cookie, checked when a layer is built.

use crate::codec::{EncodeError, MAX_COOKIE_LEN};
use crate::session::config_error::ConfigError;

/// The `SameSite` attribute of a cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Sent with same-site requests and top-level cross-site navigations (the default).
    #[default]
    Lax,
    /// Sent with every request; requires `Secure`.
    None,
}

impl SameSite {
    fn as_cookie(self) -> cookie::SameSite {
        match self {
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::None => cookie::SameSite::None,
        }
    }
}

/// Cookie attributes, shared by the session and (later) the remember cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CookieSettings {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) domain: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
}

impl CookieSettings {
    pub(crate) fn new(name: &str) -> CookieSettings {
        CookieSettings {
            name: name.to_owned(),
            path: "/".to_owned(),
            domain: None,
            secure: false,
            http_only: true,
            same_site: SameSite::Lax,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if self.name.is_empty()
            || self.name.len() > MAX_COOKIE_LEN / 2
            || !self.name.bytes().all(token)
        {
            return Err(ConfigError::InvalidCookieName);
        }
        if !self.path.starts_with('/')
            || !self
                .path
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b';')
        {
            return Err(ConfigError::InvalidPath);
        }
        let domain_ok = |d: &String| {
            !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        };
        if self.domain.as_ref().is_some_and(|d| !domain_ok(d)) {
            return Err(ConfigError::InvalidDomain);
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(ConfigError::SameSiteNoneWithoutSecure);
        }
        if self.name.starts_with("__Host-")
            && (!self.secure || self.path != "/" || self.domain.is_some())
        {
            return Err(ConfigError::HostPrefix);
        }
        if self.name.starts_with("__Secure-") && !self.secure {
            return Err(ConfigError::SecurePrefix);
        }
        Ok(())
    }

    fn builder(&self, value: String) -> cookie::CookieBuilder<'static> {
        let mut b = cookie::Cookie::build((self.name.clone(), value))
            .path(self.path.clone())
            .http_only(self.http_only)
            .secure(self.secure)
            .same_site(self.same_site.as_cookie());
        if let Some(domain) = &self.domain {
            b = b.domain(domain.clone());
        }
        b
    }

    /// `Set-Cookie` value carrying `value`, with `Max-Age` when given. The whole line,
    /// attributes included, stays within [`MAX_COOKIE_LEN`] bytes.
    pub(crate) fn set_cookie(
        &self,
        value: String,
        max_age: Option<u64>,
    ) -> Result<String, EncodeError> {
        let mut b = self.builder(value);
        if let Some(secs) = max_age {
            let secs = i64::try_from(secs).unwrap_or(i64::MAX);
            b = b.max_age(cookie::time::Duration::seconds(secs));
        }
        let line = b.build().to_string();
        if line.len() > MAX_COOKIE_LEN {
            return Err(EncodeError::TooLarge { len: line.len() });
        }
        Ok(line)
    }

    /// `Set-Cookie` value deleting the cookie, with the attributes it was set with.
    pub(crate) fn removal(&self) -> String {
        let mut c = self.builder(String::new()).build();
        c.make_removal();
        c.to_string()
    }
}
