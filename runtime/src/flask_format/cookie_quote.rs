//! Werkzeug's cookie value quoting (`dump_cookie` / `parse_cookie`, Werkzeug 3): a value
//! with a character outside ``[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]`` goes out in double
//! quotes, `"` and `\` backslash-escaped, controls, `,`, `;`, DEL and every non-ASCII byte
//! as a three-digit octal escape. So a user id such as `evil; Domain=x` stays inside the
//! value (SECURITY.md R44), and Flask reads back exactly what was written.

/// Whether Werkzeug writes `b` in a cookie value unquoted.
fn plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_!#$%&'()*+-./:<=>?@[]^`{|}~".contains(&b)
}

/// `value` as Werkzeug's `dump_cookie` writes it.
///
/// ```
/// use axum_sesame::flask::{quote_cookie_value, unquote_cookie_value};
///
/// assert_eq!(quote_cookie_value("foo@bar.tld|ab12"), "foo@bar.tld|ab12");
/// let quoted = quote_cookie_value("evil; Domain=x");
/// assert_eq!(quoted, r#""evil\073 Domain=x""#);
/// assert_eq!(unquote_cookie_value(quoted.as_bytes()), b"evil; Domain=x");
/// ```
pub fn quote_cookie_value(value: &str) -> String {
    if value.bytes().all(plain) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for b in value.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0..=0x1f | b',' | b';' | 0x7f..=0xff => {
                out.push('\\');
                for shift in [6, 3, 0] {
                    out.push(char::from(b'0' + ((b >> shift) & 7)));
                }
            }
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
    out
}

/// A cookie value as Werkzeug's `parse_cookie` reads it: the quotes and escapes of
/// [`quote_cookie_value`] undone (a value not in quotes is returned as it is).
pub fn unquote_cookie_value(value: &[u8]) -> Vec<u8> {
    let Some(inner) = value
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .filter(|_| value.len() >= 2)
    else {
        return value.to_vec();
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b'\\' if i + 1 < inner.len() => {
                let rest = &inner[i + 1..];
                let octal = rest.len() >= 3
                    && (b'0'..=b'3').contains(&rest[0])
                    && rest[1..3].iter().all(|d| (b'0'..=b'7').contains(d));
                if octal {
                    out.push(((rest[0] - b'0') << 6) | ((rest[1] - b'0') << 3) | (rest[2] - b'0'));
                    i += 4;
                } else {
                    out.push(rest[0]);
                    i += 2;
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn attributes_stay_inside_the_value() {
        let q = quote_cookie_value("evil; Domain=bar.tld; Path=/admin|0123");
        assert!(q.starts_with('"') && q.ends_with('"'));
        assert!(!q.contains(';'), "{q}");
        assert_eq!(
            quote_cookie_value("a \"b\" \\ é,"),
            r#""a \"b\" \\ \303\251\054""#
        );
    }

    proptest! {
        #[test]
        fn round_trips(s in ".{0,64}") {
            let q = quote_cookie_value(&s);
            prop_assert!(!q.contains(';') && !q.contains(',') && q.is_ascii());
            prop_assert_eq!(unquote_cookie_value(q.as_bytes()), s.as_bytes());
        }
    }
}
