//! The login manager's settings as every request reads them, resolved once by
//! [`LoginManager::build`](crate::LoginManager::build).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum_core::response::Response;
use http::{HeaderName, Method, Request};

use crate::session::cookie_settings::CookieSettings;

pub use crate::protection::SessionProtection;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub(crate) type BoxHandler = Arc<dyn Fn(Request<Body>) -> BoxFuture<Response> + Send + Sync>;
pub(crate) type IdLoader = Arc<dyn Fn(String) -> BoxFuture<Option<String>> + Send + Sync>;

/// A request loader: a header whose value maps to a user id.
#[derive(Clone)]
pub(crate) struct RequestLoader {
    pub(crate) header: HeaderName,
    /// Strip a case-insensitive `Bearer ` scheme first (and require it).
    pub(crate) bearer: bool,
    pub(crate) load: IdLoader,
}

/// A request loader of a user type `U` with router state `S` (Flask-Login's
/// `request_loader`), kept type-erased as [`ErasedTyped`] until a request of that
/// type and state looks it up.
pub(crate) type TypedRequestLoader<U, S> = Arc<
    dyn Fn(&http::request::Parts, &S) -> BoxFuture<Result<Option<U>, crate::login::LoadError>>
        + Send
        + Sync,
>;

/// A permission source of a user type `U` with router state `S` (the async permissions of
/// axum-login's authz backend), kept type-erased like the request loaders.
pub(crate) type TypedPermissionSource<U, S> = Arc<
    dyn Fn(&U, &S) -> BoxFuture<Result<std::collections::HashSet<String>, crate::login::LoadError>>
        + Send
        + Sync,
>;

/// A [`TypedRequestLoader`] or [`TypedPermissionSource`] of some type, found again by
/// downcasting.
pub(crate) type ErasedTyped = Arc<dyn std::any::Any + Send + Sync>;

/// An app's signal callback.
pub(crate) type SignalHandler =
    Arc<dyn Fn(crate::login::signal::LoginEvent) -> BoxFuture<()> + Send + Sync>;

/// A flashed message: category and text.
pub(crate) type Message = Option<(String, String)>;

/// The resolved login settings, shared by every request.
pub(crate) struct LoginSettings {
    pub(crate) login_view: Option<String>,
    pub(crate) refresh_view: Option<String>,
    /// `https://app.example.com`, without a trailing `/`: makes `next` absolute when a
    /// view lives on another origin.
    pub(crate) public_origin: Option<String>,
    pub(crate) login_message: Message,
    pub(crate) needs_refresh_message: Message,
    pub(crate) protection: SessionProtection,
    pub(crate) remember: CookieSettings,
    pub(crate) remember_secs: u64,
    pub(crate) remember_refresh: bool,
    pub(crate) fresh_secs: Option<u64>,
    pub(crate) permanent_login: bool,
    pub(crate) unauthorized: Option<BoxHandler>,
    pub(crate) needs_refresh: Option<BoxHandler>,
    pub(crate) forbidden: Option<BoxHandler>,
    pub(crate) request_loaders: Vec<RequestLoader>,
    pub(crate) typed_loaders: Vec<ErasedTyped>,
    pub(crate) permission_sources: Vec<ErasedTyped>,
    pub(crate) signal_handlers: Vec<SignalHandler>,
    pub(crate) exempt_methods: Vec<Method>,
    pub(crate) disabled: bool,
}

impl fmt::Debug for LoginSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginSettings")
            .field("login_view", &self.login_view)
            .field("refresh_view", &self.refresh_view)
            .field("protection", &self.protection)
            .field("remember", &self.remember)
            .field("remember_secs", &self.remember_secs)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}
