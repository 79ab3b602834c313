//! Cross-origin protection for state-changing requests (login CSRF).
//!
//! The rule of Go's `http.CrossOriginProtection`: a request with an unsafe method is
//! refused when the browser says it comes from elsewhere — a `Sec-Fetch-Site` other than
//! `same-origin` or `none`, or, without that header, an `Origin` (including `null`) whose
//! host is not the request's `Host`. A request with neither header comes from a
//! non-browser client and is let through, so forms need no token and `curl -d` works.

use std::fmt;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::request::Parts;
use http::{HeaderName, Method, StatusCode};

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Whether the request is a cross-origin state-changing request (see the module docs).
///
/// ```
/// use axum_sesame::csrf::is_cross_origin;
/// let req = |h: &[(&str, &str)]| {
///     let mut b = http::Request::post("/login").header("host", "app.example");
///     for (k, v) in h { b = b.header(*k, *v); }
///     b.body(()).unwrap().into_parts().0
/// };
/// assert!(!is_cross_origin(&req(&[])));
/// assert!(!is_cross_origin(&req(&[("origin", "https://app.example")])));
/// assert!(is_cross_origin(&req(&[("origin", "https://evil.example")])));
/// assert!(is_cross_origin(&req(&[("sec-fetch-site", "cross-site")])));
/// ```
pub fn is_cross_origin(parts: &Parts) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = parts.headers.get(SEC_FETCH_SITE) {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = parts.headers.get(ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// An extractor that refuses cross-origin state-changing requests with 403 (see the
/// module docs). Put it first in `POST` handlers that log in or change credentials.
///
/// ```
/// use axum_sesame::SameOrigin;
///
/// async fn change_password(_: SameOrigin) -> &'static str { "Password changed" }
/// # let _ = axum::Router::<()>::new().route("/password", axum::routing::post(change_password));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SameOrigin;

/// The request came from another origin: 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrossOriginRequest;

impl CrossOriginRequest {
    /// Always 403.
    pub fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    /// The response text.
    pub fn body_text(&self) -> String {
        "Forbidden: cross-origin request".to_owned()
    }
}

impl fmt::Display for CrossOriginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for CrossOriginRequest {}

impl IntoResponse for CrossOriginRequest {
    fn into_response(self) -> Response {
        tracing::debug!(target: "axum_sesame::rejection", "refused a cross-origin request");
        (self.status(), self.body_text()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = CrossOriginRequest;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if is_cross_origin(parts) {
            Err(CrossOriginRequest)
        } else {
            Ok(SameOrigin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder()
            .method(method)
            .uri("/login")
            .header("host", "127.0.0.1:3000");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn go_cross_origin_protection_rule() {
        let post = |h: &[(&str, &str)]| is_cross_origin(&parts(Method::POST, h));
        assert!(!post(&[]));
        assert!(!post(&[("sec-fetch-site", "same-origin")]));
        assert!(!post(&[("sec-fetch-site", "none")]));
        assert!(post(&[("sec-fetch-site", "same-site")]));
        assert!(post(&[("sec-fetch-site", "cross-site")]));
        // Sec-Fetch-Site wins over Origin.
        assert!(!post(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.com")
        ]));
        assert!(!post(&[("origin", "http://127.0.0.1:3000")]));
        assert!(post(&[("origin", "http://127.0.0.1:3001")]));
        assert!(post(&[("origin", "https://evil.com")]));
        assert!(post(&[("origin", "null")]));
        assert!(post(&[("origin", "http://127.0.0.1:3000.evil.com")]));
        // Safe methods are never refused.
        assert!(!is_cross_origin(&parts(
            Method::GET,
            &[("sec-fetch-site", "cross-site")]
        )));
    }
}
