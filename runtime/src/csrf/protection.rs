//! `CrossOriginProtection`: the cross-origin rule with trusted origins, trusted proxies
//! and exempt paths, checked by [`SameOrigin`](crate::SameOrigin) or by a layer over a
//! whole router.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::request::Parts;
use http::{HeaderName, Method, Request};
use tower_layer::Layer;
use tower_service::Service;

use super::CrossOriginRequest;

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The cross-origin rule of Go's `http.CrossOriginProtection` (see [the module
/// docs](crate::csrf)), with what a deployment adds to it:
/// - **trusted origins** (Go's `AddTrustedOrigin`, Django's `CSRF_TRUSTED_ORIGINS`): a
///   request whose `Origin` is one of them is accepted, even when `Sec-Fetch-Site` says
///   `cross-site` (a login form on `auth.example.com` posting to `app.example.com`);
/// - **trusted proxies**: behind a proxy that rewrites `Host`, the host the browser used
///   is taken from `X-Forwarded-Host`, but only on connections from the proxies declared
///   here (the server must record peers: `into_make_service_with_connect_info`);
/// - **exempt paths** (Go's `AddInsecureBypassPattern`): webhooks and other endpoints that
///   authenticate otherwise. A path ending in `/` exempts everything below it.
///
/// [`layer`](Self::layer) guards every unsafe method of a router; the
/// [`SameOrigin`](crate::SameOrigin) extractor applies the same settings under it.
///
/// ```
/// use axum::{routing::post, Router};
/// use axum_sesame::csrf::CrossOriginProtection;
///
/// let protection = CrossOriginProtection::new()
///     .with_trusted_origin("https://auth.example.com")?
///     .with_trusted_proxy("10.0.0.2".parse()?)
///     .with_exempt_path("/webhooks/");
/// let app: Router = Router::new()
///     .route("/login", post(|| async { "logged in" }))
///     .route("/webhooks/stripe", post(|| async { "ok" }))
///     .layer(protection.layer());
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CrossOriginProtection {
    /// Lower-cased `scheme://host[:port]`.
    trusted: Vec<String>,
    proxies: Vec<IpAddr>,
    exempt: Vec<String>,
}

/// A trusted origin that is not `http(s)://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidOrigin {
    /// The value given.
    pub origin: String,
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a trusted origin is `http(s)://host[:port]`, without a path (got {:?})",
            self.origin
        )
    }
}

impl std::error::Error for InvalidOrigin {}

impl CrossOriginProtection {
    /// The rule alone: no trusted origin, no proxy, no exemption.
    pub(crate) const DEFAULT: CrossOriginProtection = CrossOriginProtection {
        trusted: Vec::new(),
        proxies: Vec::new(),
        exempt: Vec::new(),
    };

    /// The rule alone: no trusted origin, no proxy, no exemption.
    pub fn new() -> CrossOriginProtection {
        CrossOriginProtection::DEFAULT
    }

    /// Also accepts requests from `origin` (`https://auth.example.com`).
    ///
    /// # Errors
    /// [`InvalidOrigin`] when `origin` is not `http(s)://host[:port]`.
    pub fn with_trusted_origin(mut self, origin: &str) -> Result<Self, InvalidOrigin> {
        if !crate::redirect::is_origin(origin) {
            return Err(InvalidOrigin {
                origin: origin.to_owned(),
            });
        }
        self.trusted
            .push(origin.trim_end_matches('/').to_ascii_lowercase());
        Ok(self)
    }

    /// Takes the browser's host from `X-Forwarded-Host` on connections from `proxy`.
    #[must_use]
    pub fn with_trusted_proxy(mut self, proxy: IpAddr) -> Self {
        self.proxies.push(proxy);
        self
    }

    /// Never refuses requests to `path` (or below it, when it ends in `/`). The path is
    /// the one the client sent, before any nested router strips a prefix.
    #[must_use]
    pub fn with_exempt_path(mut self, path: impl Into<String>) -> Self {
        self.exempt.push(path.into());
        self
    }

    /// A layer that answers 403 to every cross-origin request with an unsafe method.
    pub fn layer(self) -> CrossOriginLayer {
        CrossOriginLayer(Arc::new(self))
    }

    /// Whether this request is refused: an unsafe method, not exempt, from another
    /// origin that is not trusted.
    pub fn refuses(&self, parts: &Parts) -> bool {
        if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return false;
        }
        if self.is_exempt(parts) {
            return false;
        }
        let origin = parts.headers.get(ORIGIN).map(|o| o.to_str());
        let trusted = |origin: &str| self.trusted.iter().any(|t| t.eq_ignore_ascii_case(origin));
        if let Some(site) = parts.headers.get(SEC_FETCH_SITE) {
            if matches!(site.as_bytes(), b"same-origin" | b"none") {
                return false;
            }
            return !matches!(origin, Some(Ok(o)) if trusted(o));
        }
        let origin = match origin {
            None => return false,
            Some(Err(_)) => return true,
            Some(Ok(origin)) => origin,
        };
        if trusted(origin) {
            return false;
        }
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        match (origin_host, self.host(parts)) {
            (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
            _ => true,
        }
    }

    /// The host the browser addressed: `X-Forwarded-Host` (its last value, the one the
    /// nearest proxy set) from a trusted proxy, else `Host`.
    fn host<'a>(&self, parts: &'a Parts) -> Option<&'a str> {
        let from_proxy = !self.proxies.is_empty()
            && parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .is_some_and(|peer| self.proxies.contains(&peer.0.ip()));
        if from_proxy && let Some(forwarded) = parts.headers.get(X_FORWARDED_HOST) {
            return forwarded
                .to_str()
                .ok()
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim);
        }
        parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
    }

    fn is_exempt(&self, parts: &Parts) -> bool {
        if self.exempt.is_empty() {
            return false;
        }
        let path = crate::redirect::requested_uri(parts).path();
        self.exempt.iter().any(|e| {
            if e.ends_with('/') {
                path.starts_with(e.as_str())
            } else {
                path == e
            }
        })
    }
}

/// The settings a [`CrossOriginLayer`] applies, for [`SameOrigin`](crate::SameOrigin)
/// under it.
#[derive(Clone)]
pub(crate) struct Applied(pub(crate) Arc<CrossOriginProtection>);

/// The layer of [`CrossOriginProtection::layer`].
#[derive(Debug, Clone)]
pub struct CrossOriginLayer(Arc<CrossOriginProtection>);

impl<S> Layer<S> for CrossOriginLayer {
    type Service = CrossOriginService<S>;

    fn layer(&self, inner: S) -> CrossOriginService<S> {
        CrossOriginService {
            protection: self.0.clone(),
            inner,
        }
    }
}

/// The service a [`CrossOriginLayer`] wraps around routes.
#[derive(Debug, Clone)]
pub struct CrossOriginService<S> {
    protection: Arc<CrossOriginProtection>,
    inner: S,
}

impl<S, B> Service<Request<B>> for CrossOriginService<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CrossOriginFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        if self.protection.refuses(&parts) {
            return CrossOriginFuture::Refused {
                response: Some(CrossOriginRequest.into_response()),
            };
        }
        parts.extensions.insert(Applied(self.protection.clone()));
        CrossOriginFuture::Inner {
            future: self.inner.call(Request::from_parts(parts, body)),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`CrossOriginService`].
    #[project = Projection]
    pub enum CrossOriginFuture<F> {
        /// The inner service's.
        Inner { #[pin] future: F },
        /// A refusal, ready.
        Refused { response: Option<Response> },
    }
}

impl<F, E> Future for CrossOriginFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projection::Inner { future } => future.poll(cx),
            Projection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| CrossOriginRequest.into_response()))),
        }
    }
}

impl fmt::Debug for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<F> fmt::Debug for CrossOriginFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CrossOriginFuture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut b = Request::post("/login").header("host", "app.example.com");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            let addr: std::net::SocketAddr = peer.parse().unwrap();
            parts.extensions.insert(axum::extract::ConnectInfo(addr));
        }
        parts
    }

    #[test]
    fn trusted_origins_are_accepted_even_cross_site() {
        let p = CrossOriginProtection::new()
            .with_trusted_origin("https://Auth.Example.com/")
            .unwrap();
        let from_auth = [("origin", "https://auth.example.com")];
        assert!(!p.refuses(&parts(&from_auth, None)));
        assert!(!p.refuses(&parts(
            &[from_auth[0], ("sec-fetch-site", "same-site")],
            None
        )));
        assert!(p.refuses(&parts(&[("origin", "https://evil.example.com")], None)));
        assert!(
            p.refuses(&parts(&[("origin", "http://auth.example.com")], None)),
            "another scheme is another origin"
        );
        assert!(p.refuses(&parts(&[("sec-fetch-site", "cross-site")], None)));
        for bad in [
            "auth.example.com",
            "https://auth.example.com/login",
            "ftp://x",
            "",
        ] {
            assert!(
                CrossOriginProtection::new()
                    .with_trusted_origin(bad)
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn forwarded_host_counts_only_from_a_trusted_proxy() {
        let p = CrossOriginProtection::new().with_trusted_proxy("10.0.0.2".parse().unwrap());
        let behind = [
            ("origin", "https://public.example.com"),
            ("x-forwarded-host", "spoofed.example, public.example.com"),
        ];
        assert!(!p.refuses(&parts(&behind, Some("10.0.0.2:5000"))));
        assert!(
            p.refuses(&parts(&behind, Some("10.0.0.3:5000"))),
            "not our proxy"
        );
        assert!(p.refuses(&parts(&behind, None)), "peer unknown");
        assert!(CrossOriginProtection::new().refuses(&parts(&behind, Some("10.0.0.2:5000"))));
    }

    #[test]
    fn exempt_paths_are_exact_or_below_a_slash() {
        let p = CrossOriginProtection::new()
            .with_exempt_path("/webhooks/")
            .with_exempt_path("/ping");
        let evil = [("sec-fetch-site", "cross-site")];
        let at = |path: &str| {
            let mut parts = parts(&evil, None);
            parts.uri = path.parse().unwrap();
            p.refuses(&parts)
        };
        assert!(!at("/webhooks/stripe"));
        assert!(!at("/ping"));
        assert!(at("/ping/x"));
        assert!(at("/webhooksx"));
        assert!(at("/login"));
    }
}
