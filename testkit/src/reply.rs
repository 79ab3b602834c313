//! A response with its body read, and the checks every suite makes of one.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE, VARY};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use http_body_util::BodyExt as _;

use crate::set_cookie::SetCookie;

/// A response, its body read (lossily as UTF-8).
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: String,
}

impl Reply {
    /// Reads an in-process response.
    pub async fn read(res: axum::response::Response) -> Reply {
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("a readable body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Reads a response that came over HTTP.
    pub async fn read_http(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.expect("a readable body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A header, when it is text.
    pub fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Location`.
    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION)
    }

    /// `Content-Type`, empty when absent.
    pub fn content_type(&self) -> &str {
        self.header(CONTENT_TYPE).unwrap_or_default()
    }

    /// Every `Set-Cookie` line, as sent.
    pub fn set_cookie_lines(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("Set-Cookie is ASCII").to_owned())
            .collect()
    }

    /// Every `Set-Cookie` line, parsed.
    pub fn set_cookies(&self) -> Vec<SetCookie> {
        self.set_cookie_lines()
            .iter()
            .map(|line| SetCookie::parse(line))
            .collect()
    }

    /// The one `Set-Cookie` for `name`, if any (several fail the test).
    #[track_caller]
    pub fn set_cookie(&self, name: &str) -> Option<SetCookie> {
        let mut found = self.set_cookies().into_iter().filter(|c| c.name == name);
        let first = found.next();
        assert!(found.next().is_none(), "several {name} cookies: {self:?}");
        first
    }

    /// `name=value` of the cookie `name` this response sets (not deletes), to send back.
    pub fn cookie(&self, name: &str) -> Option<String> {
        cookie_in(&self.headers, name)
    }

    /// Whether this response deletes the cookie `name`.
    pub fn deletes(&self, name: &str) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.name == name && c.is_removal())
    }

    /// Whether the response varies on the `Cookie` header.
    pub fn varies_on_cookie(&self) -> bool {
        self.headers
            .get_all(VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("cookie"))
            })
    }

    /// A `303 See Other` to `to`.
    #[track_caller]
    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{self:?}");
        assert_eq!(self.location(), Some(to), "{self:?}");
    }

    /// A `200 OK` with exactly `body`.
    #[track_caller]
    pub fn assert_ok(&self, body: &str) {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert_eq!(self.body, body, "{self:?}");
    }

    /// A `200 OK` whose body contains `needle`.
    #[track_caller]
    pub fn assert_ok_containing(&self, needle: &str) {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert!(self.body.contains(needle), "{needle:?} missing: {self:?}");
    }

    /// No `Set-Cookie` at all.
    #[track_caller]
    pub fn assert_no_cookies(&self) {
        assert!(self.headers.get(SET_COOKIE).is_none(), "{self:?}");
    }

    /// Kept out of shared caches: `Cache-Control: no-store` and `Vary: Cookie`.
    #[track_caller]
    pub fn assert_private(&self) {
        let cc = self.header(CACHE_CONTROL).unwrap_or_default();
        assert!(cc.contains("no-store"), "Cache-Control: {self:?}");
        assert!(self.varies_on_cookie(), "Vary: Cookie: {self:?}");
    }
}

/// `name=value` of the cookie `name` these response headers set (not delete).
pub fn cookie_in(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(SetCookie::parse)
        .find(|c| c.name == name && !c.is_removal())
        .map(|c| c.pair())
}
