//! Cross-origin protection for state-changing requests (login CSRF).
//!
//! The rule of Go's `http.CrossOriginProtection`: a request with an unsafe method is
//! refused when the browser says it comes from elsewhere — a `Sec-Fetch-Site` other than
//! `same-origin` or `none`, or, without that header, an `Origin` (including `null`) whose
//! host is not the request's `Host`. A request with neither header comes from a
//! non-browser client and is let through, so forms need no token and `curl -d` works.
//!
//! [`CrossOriginProtection`] adds what real deployments need: trusted origins (a login
//! form on `auth.example.com` posting to `app.example.com`), `X-Forwarded-Host` from the
//! proxies the app declares, exempt paths (webhooks), and a layer that guards every
//! unsafe method of a router.

use std::fmt;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

mod protection;

pub use protection::{CrossOriginLayer, CrossOriginProtection, CrossOriginService, InvalidOrigin};

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
    CrossOriginProtection::DEFAULT.refuses(parts)
}

/// An extractor that refuses cross-origin state-changing requests with 403 (see the
/// module docs). Put it first in `POST` handlers that log in or change credentials.
/// Under a [`CrossOriginLayer`] it applies that layer's settings (trusted origins,
/// proxies, exempt paths); elsewhere the default rule.
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
        let refused = match parts.extensions.get::<protection::Applied>() {
            Some(applied) => applied.0.refuses(parts),
            None => is_cross_origin(parts),
        };
        if refused {
            Err(CrossOriginRequest)
        } else {
            Ok(SameOrigin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

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
