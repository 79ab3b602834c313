//! `LoginManagerLayer`: what `LoginManager::build` makes, the tower layer an app adds.

use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::login::settings::LoginSettings;
use crate::session::settings::SessionSettings;
use crate::session::{SessionLayer, SessionResponseFuture, SessionService};

/// The layer built by [`LoginManager::build`](crate::LoginManager::build): sessions plus login.
#[derive(Clone, Debug)]
pub struct LoginManagerLayer(SessionLayer);

impl LoginManagerLayer {
    pub(crate) fn new(layer: SessionLayer) -> LoginManagerLayer {
        LoginManagerLayer(layer)
    }
}

impl LoginManagerLayer {
    /// Wraps a whole router, outside its routing: the cheapest way to serve it.
    ///
    /// `.layer(layer)` wraps every route in its own boxed service, which costs each
    /// request an allocation and a few moves of its futures (about 840 instructions, a
    /// twentieth of what an authenticated request costs in user space in `BENCHMARKS.md`),
    /// and costs each new connection a layering of every route. Wrapped from outside, the
    /// router is layered once, and requests to routes that never touch the session pay
    /// almost nothing. The router's handlers are turned into routes here, once, as
    /// `axum::serve` would do per connection. Requests that match no route also pass
    /// through the manager (which does nothing for them).
    ///
    /// Serve it with `axum::ServiceExt::into_make_service` (or
    /// `into_make_service_with_connect_info`).
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use axum_sesame::{Key, LoginManager};
    ///
    /// # fn main() -> Result<(), axum_sesame::ConfigError> {
    /// let layer = LoginManager::new(Key::from_bytes(&[7u8; 32])).build()?;
    /// let app = layer.wrap(Router::new().route("/", get(|| async { "hello" })));
    /// # let _ = app;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wrap(&self, router: axum::Router) -> LoginManagerService<axum::Router> {
        // `Router<()>` called as a service turns its handlers into routes on every request;
        // `with_state` does it once.
        self.layer(router.with_state(()))
    }

    pub(crate) fn settings(&self) -> &SessionSettings {
        self.0.settings()
    }

    pub(crate) fn login_settings(&self) -> &LoginSettings {
        self.0
            .settings()
            .extension
            .as_deref()
            .and_then(|e| e.downcast_ref::<LoginSettings>())
            .unwrap_or_else(|| unreachable!("LoginManager::build sets the login settings"))
    }
}

impl<S> Layer<S> for LoginManagerLayer {
    type Service = LoginManagerService<S>;

    fn layer(&self, inner: S) -> LoginManagerService<S> {
        LoginManagerService(self.0.layer(inner))
    }
}

/// The service [`LoginManagerLayer`] wraps around the app: sessions plus login, the
/// session's `SessionService` under the login manager's name.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_sesame::{Key, LoginManager};
/// use axum_sesame::service::LoginManagerService;
///
/// # fn main() -> Result<(), axum_sesame::ConfigError> {
/// let layer = LoginManager::new(Key::from_bytes(&[7u8; 32])).build()?;
/// let app: LoginManagerService<Router> = layer.wrap(Router::new().route("/", get(|| async { "hi" })));
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct LoginManagerService<S>(SessionService<S>);

impl<S> LoginManagerService<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        self.0.get_ref()
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        self.0.get_mut()
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> S {
        self.0.into_inner()
    }

    #[cfg(test)]
    pub(crate) fn session(&self) -> &SessionService<S> {
        &self.0
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for LoginManagerService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = SessionResponseFuture<S::Future, ResBody>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        self.0.call(req)
    }
}
