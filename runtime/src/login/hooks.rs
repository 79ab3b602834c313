//! The login manager's hooks into the app: refusal handlers, request loaders,
//! permission sources and signal callbacks (the rest of the builder is in `config.rs`).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use axum::handler::Handler;
use http::HeaderName;

use crate::login::IntoLoadResult;
use crate::login::config::LoginManager;
use crate::login::settings::{
    BoxHandler, RequestLoader, TypedPermissionSource, TypedRequestLoader,
};
use crate::login::signal::LoginEvent;

pub(crate) fn box_handler<H, T, S>(handler: H, state: S) -> BoxHandler
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Arc::new(move |req| Box::pin(handler.clone().call(req, state.clone())))
}

impl LoginManager {
    /// An axum handler (without state) that answers unauthorized requests instead of the
    /// default redirect-or-401 (Flask-Login's `unauthorized_handler`). It takes any
    /// extractors (`Session`, `OriginalUri`, headers, ...); a response it leaves at
    /// `200 OK` (a bare body) is sent as `401`, any other status as it is. A route's or a
    /// router's own login view ([`LoginRequired::login_view`](crate::LoginRequired::login_view),
    /// `#[login_required(redirect = ...)]`) wins over it.
    ///
    /// ```
    /// # use axum_sesame::{Key, LoginManager};
    /// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_unauthorized_handler(|| async { "Please log in" }); // a 401
    /// # let _ = manager;
    /// ```
    pub fn with_unauthorized_handler<H, T>(self, handler: H) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        self.with_unauthorized_handler_and_state(handler, ())
    }

    /// [`with_unauthorized_handler`](Self::with_unauthorized_handler) for a handler that
    /// takes `State<S>` (give the router's state).
    pub fn with_unauthorized_handler_and_state<H, T, S>(mut self, handler: H, state: S) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        self.spec_mut().unauthorized = Some(box_handler(handler, state));
        self
    }

    /// An axum handler (without state) that answers requests that need a fresh login
    /// (Flask-Login's `needs_refresh_handler`); a `200 OK` it returns is sent as `401`.
    pub fn with_needs_refresh_handler<H, T>(self, handler: H) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        self.with_needs_refresh_handler_and_state(handler, ())
    }

    /// [`with_needs_refresh_handler`](Self::with_needs_refresh_handler) for a handler that
    /// takes `State<S>`.
    pub fn with_needs_refresh_handler_and_state<H, T, S>(mut self, handler: H, state: S) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        self.spec_mut().needs_refresh = Some(box_handler(handler, state));
        self
    }

    /// An axum handler (without state) that answers a logged-in user who lacks a required
    /// role or permission; it can take `CurrentUser<U>` (already loaded: no second load).
    /// A `200 OK` it returns is sent as `403`.
    pub fn with_forbidden_handler<H, T>(self, handler: H) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        self.with_forbidden_handler_and_state(handler, ())
    }

    /// [`with_forbidden_handler`](Self::with_forbidden_handler) for a handler that takes
    /// `State<S>`.
    pub fn with_forbidden_handler_and_state<H, T, S>(mut self, handler: H, state: S) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        self.spec_mut().forbidden = Some(box_handler(handler, state));
        self
    }

    /// Where a user's permissions come from when they need data (axum-login's authz
    /// backend): `source` gets the user and the router's state and returns the set of
    /// permission names, at most once per request and only for a route that requires a
    /// permission (`#[login_required(permission = "...")]`,
    /// [`LoginRequired::permission`](crate::LoginRequired::permission)). A permission is
    /// granted when the set names it or [`AuthUser::has_permission`](crate::AuthUser::has_permission)
    /// says so. An `Err` is logged and answered 500.
    ///
    /// The future must own what it uses: clone it out of the user and the state first.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use axum_sesame::{AuthUser, Key, LoginManager};
    ///
    /// # #[derive(Clone)] struct User { id: String }
    /// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.id.clone() }
    /// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
    /// #[derive(Clone)]
    /// struct Db;
    /// impl Db {
    ///     async fn permissions_of(&self, _id: &str) -> Result<HashSet<String>, String> {
    ///         Ok(HashSet::from(["docs.edit".to_owned()]))
    ///     }
    /// }
    ///
    /// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_permission_source(|user: &User, db: &Db| {
    ///         let (id, db) = (user.id.clone(), db.clone());
    ///         async move { db.permissions_of(&id).await }
    ///     });
    /// # let _ = manager;
    /// ```
    pub fn with_permission_source<U, S, F, Fut, E>(mut self, source: F) -> Self
    where
        U: Send + Sync + 'static,
        S: 'static,
        F: Fn(&U, &S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<std::collections::HashSet<String>, E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        let typed: TypedPermissionSource<U, S> = Arc::new(move |user, state| {
            let fut = source(user, state);
            Box::pin(async move { fut.await.map_err(crate::login::LoadError::new) })
        });
        self.spec_mut().permission_sources.push(Arc::new(typed));
        self
    }

    /// Calls `callback` for every one of Flask-Login's signals (logged in, logged out,
    /// loaded from cookie or request, login confirmed, unauthorized, needs refresh,
    /// session protected), with the user id and the request. The callbacks of a request
    /// run, in order, before its response leaves; they cannot change it. The library
    /// also logs each signal as a `tracing` event (target `axum_sesame::login`).
    ///
    /// ```
    /// use axum_sesame::{Key, LoginManager};
    /// use axum_sesame::signals::{LoginEvent, LoginSignal};
    ///
    /// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .on_signal(|event: LoginEvent| async move {
    ///         if event.signal == LoginSignal::LoggedIn {
    ///             tracing::info!(user = ?event.user_id, path = %event.request.uri.path(), "login");
    ///         }
    ///     });
    /// # let _ = manager;
    /// ```
    pub fn on_signal<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(LoginEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.spec_mut()
            .signal_handlers
            .push(Arc::new(move |event| Box::pin(callback(event))));
        self
    }

    /// Flask-Login's `request_loader`: authenticates a request from anything it carries
    /// (an API key in a header or the query, a bearer token looked up in a database),
    /// when it has no login in its session or remember cookie. `loader` gets the request
    /// parts and the router's state and returns the user as `Option<U>` or
    /// `Result<Option<U>, E>`. Such requests never get a cookie; an inactive user counts
    /// as none; an `Err` is logged and answered 500, never taken for anonymous.
    ///
    /// The loader's future must own what it uses: clone it out of `parts` and `state`
    /// first.
    ///
    /// ```
    /// use axum_sesame::{AuthUser, Key, LoginManager};
    ///
    /// # #[derive(Clone)] struct User { id: String }
    /// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.id.clone() }
    /// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
    /// #[derive(Clone)]
    /// struct Db;
    /// impl Db {
    ///     async fn user_by_api_key(&self, key: &str) -> Result<Option<User>, String> {
    ///         Ok((key == "k-123").then(|| User { id: "ada".into() }))
    ///     }
    /// }
    ///
    /// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_request_loader(|parts: &http::request::Parts, db: &Db| {
    ///         let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    ///         let db = db.clone();
    ///         async move {
    ///             match key {
    ///                 Some(key) => db.user_by_api_key(&key).await,
    ///                 None => Ok(None),
    ///             }
    ///         }
    ///     });
    /// # let _ = manager;
    /// ```
    pub fn with_request_loader<U, S, F, Fut, R>(mut self, loader: F) -> Self
    where
        U: Send + Sync + 'static,
        S: 'static,
        F: Fn(&http::request::Parts, &S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoLoadResult<U> + 'static,
    {
        let typed: TypedRequestLoader<U, S> = Arc::new(move |parts, state| {
            let fut = loader(parts, state);
            Box::pin(async move { fut.await.into_load_result() })
        });
        self.spec_mut().typed_loaders.push(Arc::new(typed));
        self
    }

    /// Authenticates requests with `Authorization: Bearer <token>`: `load` maps the token
    /// to a user id (then loaded by the `#[user_loader]`). Such requests never get a cookie.
    ///
    /// ```
    /// # use axum_sesame::{Key, LoginManager};
    /// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_bearer_loader(|token: String| async move {
    ///         (token == "foo-token").then(|| "foo@bar.tld".to_owned())
    ///     });
    /// # let _ = manager;
    /// ```
    pub fn with_bearer_loader<F, Fut>(mut self, load: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + Send + 'static,
    {
        self.spec_mut().request_loaders.push(RequestLoader {
            header: http::header::AUTHORIZATION,
            bearer: true,
            load: Arc::new(move |token| Box::pin(load(token))),
        });
        self
    }

    /// Authenticates requests by a header (e.g. `X-API-Key`): `load` maps its value to a
    /// user id. Such requests never get a cookie.
    pub fn with_header_loader<F, Fut>(mut self, header: HeaderName, load: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + Send + 'static,
    {
        self.spec_mut().request_loaders.push(RequestLoader {
            header,
            bearer: false,
            load: Arc::new(move |value| Box::pin(load(value))),
        });
        self
    }
}
