//! `LoginManagerLayer`: what `LoginManager::build` makes, the tower layer an app adds.

use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::codec::EncodeError;
use crate::login::AuthUser;
use crate::login::format::client_identity;
use crate::login::resolve::auth_hash;
use crate::session::state::SessionState;
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

    /// Mints a session cookie logged in as `user` (fresh or not), for tests: the returned
    /// `name=value` goes straight into a `Cookie` header.
    ///
    /// The login belongs to a client that sends no `User-Agent` and has no recorded peer
    /// address (as requests built for `tower::ServiceExt::oneshot` are): session
    /// protection sees another client as a mismatch (not fresh, or logged out under
    /// `Strong`), as it would a stolen cookie.
    ///
    /// # Errors
    /// When the OS random generator fails, or the cookie would be too large.
    ///
    /// ```
    /// use axum_sesame::{AuthUser, Key, LoginManager};
    ///
    /// struct User;
    /// impl AuthUser for User {
    ///     type Id = String;
    ///     fn id(&self) -> String { "foo@bar.tld".into() }
    ///     fn session_auth_hash(&self) -> &[u8] { b"hash" }
    /// }
    ///
    /// let layer = LoginManager::new(Key::from_bytes(&[7u8; 32])).build().unwrap();
    /// let cookie = layer.session_cookie_for(&User, true).unwrap();
    /// assert!(cookie.starts_with("session=v1."));
    /// ```
    pub fn session_cookie_for<U: AuthUser>(
        &self,
        user: &U,
        fresh: bool,
    ) -> Result<String, EncodeError> {
        let s = self.0.settings();
        let now = (s.clock)();
        let uid = user.id().to_string();
        let (bare, ()) = http::Request::new(()).into_parts();
        let ah = s
            .format
            .has_auth_hash()
            .then(|| auth_hash(s.codec.keys().current(), &uid, user.session_auth_hash()));
        let mut state = SessionState::new_login(uid, fresh.then_some(now));
        state.cid = Some(client_identity(s, &bare));
        state.ah = ah;
        let value = s.format.mint(&s.codec, &s.cookie.name, state, now)?;
        Ok(format!("{}={value}", s.cookie.name))
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
