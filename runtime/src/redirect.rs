//! Safe `next` targets and login URLs.
//!
//! A `next` value is used only when it is a local path that no browser can resolve to
//! another origin: it starts with exactly one `/`, its second character is not `/` or
//! `\`, it is 1 to 2048 bytes of printable ASCII (0x21–0x7E) and contains no `\`. The
//! check runs on the exact string that goes into `Location`; nothing decodes it again.

use axum_core::response::{IntoResponse, Response};
use http::header::LOCATION;
use http::{HeaderValue, StatusCode};

/// The longest `next` accepted, in bytes.
pub const MAX_NEXT_LEN: usize = 2048;

/// Whether `next` is a safe local redirect target (see the module docs).
///
/// ```
/// use axum_sesame::redirect::is_safe_next;
///
/// assert!(is_safe_next("/protected?x=1"));
/// assert!(!is_safe_next("//evil.com"));
/// assert!(!is_safe_next("/\\evil.com"));
/// assert!(!is_safe_next("https://evil.com"));
/// assert!(!is_safe_next("/\t/evil.com"));
/// ```
pub fn is_safe_next(next: &str) -> bool {
    let b = next.as_bytes();
    (1..=MAX_NEXT_LEN).contains(&b.len())
        && b[0] == b'/'
        && b.get(1).is_none_or(|&c| c != b'/' && c != b'\\')
        && b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\')
}

/// `next` when it is safe, else `None`.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| is_safe_next(n))
}

/// `view?next=<percent-encoded path_and_query>` (or `&next=` when `view` has a query).
///
/// ```
/// assert_eq!(
///     axum_sesame::redirect::login_url("/login", "/protected?x=1"),
///     "/login?next=%2Fprotected%3Fx%3D1"
/// );
/// ```
pub fn login_url(view: &str, path_and_query: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let sep = if view.as_bytes().contains(&b'?') {
        '&'
    } else {
        '?'
    };
    let mut url = String::with_capacity(view.len() + 6 + 3 * path_and_query.len());
    url.push_str(view);
    url.push(sep);
    url.push_str("next=");
    // Every byte but RFC 3986's unreserved characters becomes `%XX` (a byte of a
    // multi-byte character included, as UTF-8 percent-encoding does).
    for &b in path_and_query.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            url.push(char::from(b));
        } else {
            url.push('%');
            url.push(char::from(HEX[usize::from(b >> 4)]));
            url.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    url
}

/// Whether `url` is an absolute `http(s)://host…` URL fit for a `Location` header: no
/// credentials, no fragment, visible ASCII only.
pub(crate) fn is_absolute_http(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    !authority.is_empty()
        && !authority.contains('@')
        && !url.contains('#')
        && url
            .bytes()
            .all(|c| (0x21..=0x7e).contains(&c) && c != b'\\')
        && url.parse::<http::Uri>().is_ok_and(|u| u.host().is_some())
}

/// Whether `origin` is `http(s)://host[:port]` (a trailing `/` allowed).
pub(crate) fn is_origin(origin: &str) -> bool {
    is_absolute_http(origin)
        && origin
            .parse::<http::Uri>()
            .is_ok_and(|u| matches!(u.path(), "" | "/") && u.query().is_none())
}

/// The URI the client sent: axum's `OriginalUri` (a nested router strips its prefix from
/// the request's own URI), or the request's URI outside a router.
pub(crate) fn requested_uri(parts: &http::request::Parts) -> &http::Uri {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |o| &o.0)
}

/// A 303 See Other to `location`: a validated `next`, a configured view, or a login URL
/// built by [`login_url`], all header-safe. Anything else is a bug: 500, never a panic.
pub(crate) fn see_other(location: impl Into<String>) -> Response {
    match HeaderValue::try_from(location.into()) {
        Ok(v) => {
            let mut res = Response::new(axum_core::body::Body::empty());
            *res.status_mut() = StatusCode::SEE_OTHER;
            res.headers_mut().insert(LOCATION, v);
            res
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    include!("next_corpus.rs");

    #[test]
    fn the_shared_corpus_holds() {
        for (target, safe) in NEXT_CORPUS {
            assert_eq!(is_safe_next(target), *safe, "{target:?}");
        }
        assert!(is_safe_next(&format!("/{}", "a".repeat(MAX_NEXT_LEN - 1))));
        assert!(!is_safe_next(&format!("/{}", "a".repeat(MAX_NEXT_LEN))));
    }

    #[test]
    fn accepts_local_paths() {
        for ok in [
            "/",
            "/protected",
            "/protected?x=1&y=%2F%2F",
            "/a/b/../c",
            "/%2F/evil.com",
            "/.//evil.com",
            "/@evil.com",
            "/%5Cevil.com",
            "/%09/evil.com",
            "/%0d%0aSet-Cookie:x=1",
            "/\"><script>alert(1)</script>",
        ] {
            assert!(is_safe_next(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_that_can_leave_the_origin() {
        let long = format!("/{}", "a".repeat(5000));
        for bad in [
            "",
            "//evil.com",
            "///evil.com",
            "////evil.com/",
            "/\\evil.com",
            "\\\\evil.com",
            "\\/evil.com",
            "/\\/evil.com",
            "\\\\\\github.com",
            "https://evil.com",
            "http://evil.com/protected",
            "HTTPS://EVIL.COM",
            "http:evil.com",
            "https:evil.com",
            "https:/evil.com",
            "https:///evil.com",
            "https:\\\\evil.com",
            "http:/\\/evil.com",
            "ftp://evil.com",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(document.domain)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\x01javascript:alert(1)",
            "\x08//evil.com",
            "\njavascript:alert(x)",
            " //evil.com",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "mailto:a@b.c",
            "tel:1",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r\n/evil.com",
            "/\r/evil.com",
            "\t//evil.com",
            "\0//evil.com",
            "\x1f//evil.com",
            "//evil.com\0",
            "//127.0.0.1@evil.com",
            "//app.example@evil.com",
            "https://app.example@evil.com",
            "http://evil.com\\@app.example",
            "http://evil.com#@app.example",
            "///\\;@evil.com",
            "//evil\u{3002}com",
            "//\u{200b}evil.com",
            "//0x7f.1",
            "//[::1]",
            "//127.0.0.1",
            "http:999999999",
            "\u{ff0f}\u{ff0f}evil.com",
            "/\u{ff0f}evil.com",
            "/\u{ff3c}evil.com",
            "\u{2215}\u{2215}evil.com",
            "\u{feff}//evil.com",
            "\u{3000}//evil.com",
            "\u{2028}//evil.com",
            "/\u{a0}//evil.com",
            "%2F%2Fevil.com",
            "%252F%252Fevil.com",
            "https%3A%2F%2Fevil.com",
            "evil.com",
            "./evil.com",
            "?next=//evil.com",
            "#//evil.com",
            "/ /evil.com",
            "/\x7f",
            &long,
        ] {
            assert!(!is_safe_next(bad), "{bad:?}");
        }
    }

    /// The oracle of SECURITY.md R26: an accepted `next` is a valid header value and
    /// resolves to the same origin under a WHATWG parser (the `url` crate) for an http and
    /// an https base; a parse error counts as leaving the origin.
    fn stays_home(next: &str) -> bool {
        http::HeaderValue::from_str(next).is_ok()
            && [
                "http://app.example:3000/login",
                "https://app.example/a/b/login",
            ]
            .iter()
            .all(|base| {
                let base = url::Url::parse(base).unwrap();
                base.join(next).is_ok_and(|u| u.origin() == base.origin())
            })
    }

    const ALPHABET: [&str; 19] = [
        "/", "\\", ".", "\t", "\n", "\r", " ", ":", "@", "?", "#", "%", "e", "h", "\0", "\x7f",
        "\u{3002}", "\u{ff0f}", "j",
    ];

    /// Every string of up to four characters over the alphabet of SECURITY.md R26.
    #[test]
    fn exhaustive_short_strings_never_leave_the_origin() {
        let mut frontier = vec![String::new()];
        let mut accepted = 0;
        for _ in 0..4 {
            let mut next_frontier = Vec::with_capacity(frontier.len() * ALPHABET.len());
            for prefix in &frontier {
                for c in ALPHABET {
                    let s = format!("{prefix}{c}");
                    if is_safe_next(&s) {
                        accepted += 1;
                        assert!(stays_home(&s), "{s:?} accepted but leaves the origin");
                        // With a host-like suffix too.
                        let longer = format!("{s}evil.com");
                        assert!(!is_safe_next(&longer) || stays_home(&longer), "{longer:?}");
                    }
                    next_frontier.push(s);
                }
            }
            frontier = next_frontier;
        }
        // "/" then up to three of the ten printable, non-backslash characters, the second
        // not "/": 1 + 9 + 90 + 900 (SECURITY.md counts 10 000 for length five).
        assert_eq!(accepted, 1000);
    }

    proptest::proptest! {
        #[test]
        fn accepted_next_stays_home(s in "[/\\\\.\t\n :@?#%eh\u{0}\u{7f}\u{3002}\u{ff0f}jA-Za-z0-9]{0,16}") {
            if is_safe_next(&s) {
                proptest::prop_assert!(stays_home(&s), "{:?}", s);
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics_and_accepted_stays_home(s in "\\PC{0,40}") {
            if is_safe_next(&s) {
                proptest::prop_assert!(stays_home(&s), "{:?}", s);
            }
        }
    }

    #[test]
    fn generated_next_is_fully_encoded() {
        assert_eq!(
            login_url("/login", "/protected?x=1"),
            "/login?next=%2Fprotected%3Fx%3D1"
        );
        assert_eq!(login_url("/login?a=b", "/p"), "/login?a=b&next=%2Fp");
        assert_eq!(
            login_url("/login", "/a b/ü"),
            "/login?next=%2Fa%20b%2F%C3%BC"
        );
    }
}
