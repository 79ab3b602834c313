//! `ApiOnly`: a layer that marks routes as an API, so their refusals are JSON.

use std::task::{Context, Poll};

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

/// Marks the routes it wraps as an API: a refused request there gets JSON and never a
/// redirect, whatever it accepts. Anonymous: `401 {"error":"unauthorized"}` (with
/// `WWW-Authenticate: Bearer` when a bearer loader is configured); logged in but not
/// fresh: `401 {"error":"needs_refresh"}`; without a required role or permission:
/// `403 {"error":"forbidden"}`.
///
/// Elsewhere, requests that look like an API client's (an `Authorization` header no
/// loader accepted, `X-Requested-With: XMLHttpRequest`, a `Sec-Fetch-Mode` other than
/// `navigate`, an `Accept` that ranks JSON above HTML) get a 401 instead of a redirect
/// too, without needing this layer.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_sesame::{ApiOnly, AuthUser, CurrentUser, Key, LoginManager, user_loader};
///
/// # #[derive(Clone)] struct User { id: String }
/// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.id.clone() }
/// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
/// #[user_loader]
/// async fn load(id: String) -> Option<User> { Some(User { id }) }
///
/// async fn me(user: CurrentUser<User>) -> String { user.id.clone() }
///
/// let api = Router::new().route("/me", get(me)).layer(ApiOnly);
/// let app: Router = Router::new()
///     .nest("/api", api)
///     .layer(LoginManager::new(Key::from_bytes(&[7u8; 32])).build().unwrap());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiOnly;

impl<S> Layer<S> for ApiOnly {
    type Service = ApiOnlyService<S>;

    fn layer(&self, inner: S) -> ApiOnlyService<S> {
        ApiOnlyService(inner)
    }
}

/// The service [`ApiOnly`] wraps around routes: marks each request, then calls them.
#[derive(Debug, Clone)]
pub struct ApiOnlyService<S>(S);

impl<S, B> Service<Request<B>> for ApiOnlyService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> S::Future {
        req.extensions_mut().insert(ApiOnly);
        self.0.call(req)
    }
}
