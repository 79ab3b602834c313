//! Who is asking: a browser, which a refused request sends to the login page, or an API
//! client, which gets a 401 and never a redirect to HTML.

use http::header::{ACCEPT, AUTHORIZATION};
use http::request::Parts;

/// Whether a refused request should be redirected to a login or refresh view: a browser
/// navigating. An API client is any request that
/// - carries an `Authorization` header (no loader accepted it, or it would be logged in),
/// - says `X-Requested-With: XMLHttpRequest`,
/// - has a `Sec-Fetch-Mode` other than `navigate` (a `fetch`, an XHR, an image), or
/// - ranks a non-HTML type first in `Accept`, by quality and then by order
///   (`application/json, text/plain, */*`, as axios sends).
///
/// A request with none of these signs and no `Accept`, or a bare `*/*` (curl), is a
/// browser.
pub(crate) fn wants_redirect(parts: &Parts) -> bool {
    // One pass over the headers: a refused request is often a bot's or a scanner's, and
    // a lookup by a name that is not a standard header costs a parse and a hash each.
    let mut accept = Accept::default();
    for (name, value) in &parts.headers {
        if name == AUTHORIZATION {
            return false;
        } else if name == ACCEPT {
            accept.add(value);
        } else if name.as_str() == "x-requested-with" {
            if value.as_bytes().eq_ignore_ascii_case(b"XMLHttpRequest") {
                return false;
            }
        } else if name.as_str() == "sec-fetch-mode"
            && !(value.as_bytes().eq_ignore_ascii_case(b"navigate")
                || value.as_bytes().eq_ignore_ascii_case(b"nested-navigate"))
        {
            return false;
        }
    }
    accept.prefers_html()
}

/// Whether the request carried credentials in `Authorization` with the `Bearer` scheme.
pub(crate) fn has_bearer(parts: &Parts) -> bool {
    parts
        .headers
        .get(AUTHORIZATION)
        .is_some_and(|v| is_bearer(v.as_bytes()))
}

/// Whether a header value starts with the `Bearer` scheme and its space (any case).
fn is_bearer(value: &[u8]) -> bool {
    value
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"bearer "))
}

/// The token of a `Bearer <token>` header value, trimmed; `None` for another scheme.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    // The first seven bytes are ASCII when they match, so index 7 is a char boundary.
    is_bearer(value.as_bytes()).then(|| value[7..].trim())
}

/// Media ranges a browser page is served under.
const HTML: [&str; 4] = ["text/html", "application/xhtml+xml", "text/*", "*/*"];

/// The `Accept` lines of a request, ranked as they come.
#[derive(Default)]
struct Accept {
    seen: bool,
    /// (quality in thousandths, is HTML) of the best range so far; the first one listed
    /// wins a tie.
    best: Option<(u16, bool)>,
}

impl Accept {
    fn add(&mut self, value: &http::HeaderValue) {
        self.seen = true;
        // A header that is no text admits nothing this side can rank.
        let Ok(value) = value.to_str() else { return };
        for range in value.split(',') {
            let mut params = range.split(';');
            let media = params.next().unwrap_or("").trim();
            if media.is_empty() {
                continue;
            }
            let q = params
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(1000, |(_, q)| quality(q.trim()));
            if q == 0 {
                continue;
            }
            if self.best.is_none_or(|(bq, _)| q > bq) {
                let html = HTML.iter().any(|m| media.eq_ignore_ascii_case(m));
                self.best = Some((q, html));
            }
        }
    }

    /// Whether the first choice (highest quality, then first listed) is HTML or a
    /// wildcard that admits it. No `Accept` at all admits anything, HTML first; an empty
    /// one admits nothing.
    fn prefers_html(&self) -> bool {
        match self.best {
            Some((_, html)) => html,
            None => !self.seen,
        }
    }
}

/// An RFC 9110 quality value in thousandths; anything malformed counts as 0 (the range
/// is ignored).
fn quality(q: &str) -> u16 {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let frac_value = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match int {
        "1" if frac_value == 0 => 1000,
        "0" => frac_value,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::get("/");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn accept(v: &str) -> bool {
        wants_redirect(&parts(&[("accept", v)]))
    }

    #[test]
    fn browsers_are_redirected() {
        assert!(wants_redirect(&parts(&[])), "no Accept: a browser");
        assert!(accept("*/*"), "curl");
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        ));
        assert!(accept("TEXT/*;q=0.5"));
        assert!(accept("application/json;q=0.5, text/html"));
        assert!(wants_redirect(&parts(&[
            ("accept", "text/html"),
            ("sec-fetch-mode", "navigate")
        ])));
    }

    #[test]
    fn api_clients_are_not() {
        assert!(!accept("application/json"));
        assert!(!accept("application/json, text/plain, */*"), "axios");
        assert!(!accept("application/json, text/html;q=0"));
        assert!(!accept("application/json, text/html; Q=0.0"));
        assert!(!accept("text/html;q=0.5, application/json"));
        assert!(!accept(""), "an empty Accept admits nothing");
        for (k, v) in [
            ("authorization", "Bearer bad"),
            ("authorization", "Basic Zm9vOmJhcg=="),
            ("x-requested-with", "XMLHttpRequest"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-mode", "same-origin"),
        ] {
            assert!(
                !wants_redirect(&parts(&[(k, v), ("accept", "*/*")])),
                "{k}: {v}"
            );
        }
    }

    #[test]
    fn qualities_parse_as_rfc_9110_says() {
        assert_eq!(quality("1"), 1000);
        assert_eq!(quality("1.000"), 1000);
        assert_eq!(quality("0.8"), 800);
        assert_eq!(quality("0.05"), 50);
        assert_eq!(quality("0"), 0);
        for bad in ["1.5", "2", "0.1234", "-1", "x", "0.a", ""] {
            assert_eq!(quality(bad), 0, "{bad}");
        }
    }

    #[test]
    fn bearer_is_recognised_in_any_case() {
        assert!(has_bearer(&parts(&[("authorization", "bearer x")])));
        assert!(has_bearer(&parts(&[("authorization", "Bearer x")])));
        assert!(!has_bearer(&parts(&[("authorization", "Basic x")])));
        assert!(!has_bearer(&parts(&[])));
        assert_eq!(bearer_token("Bearer  tok "), Some("tok"));
        assert_eq!(bearer_token("bearer tok"), Some("tok"));
        assert_eq!(bearer_token("Bearer "), Some(""));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer\ttok"), None);
        assert_eq!(bearer_token("Basic tok"), None);
    }
}
