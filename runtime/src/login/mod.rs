//! The login manager: Flask-Login for axum.
//!
//! - [`AuthUser`]: what a user type tells the manager (id, active, auth hash, roles).
//! - `#[user_loader]`: the one place users are loaded, wired to the user type at compile
//!   time ([`UserLoader`]).
//! - [`LoginManager`]: the layer, with every Flask-Login setting.
//! - [`CurrentUser`], [`Auth`]: the extractors; `#[login_required]` guards a handler.

mod api_only;
mod check;
mod client;
pub(crate) mod config;
pub(crate) mod ctx;
pub(crate) mod events;
mod extract;
mod format;
mod guard;
mod hooks;
mod layer;
mod refusal;
mod refusal_extract;
mod rejection;
pub(crate) mod remember;
pub(crate) mod resolve;
mod router_guard;
mod sessions;
pub(crate) mod settings;
mod signal;
mod store_mode;
mod test_login;

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

pub use self::api_only::{ApiOnly, ApiOnlyService};
pub use self::check::Check;
pub use self::config::LoginManager;
pub use self::extract::{Auth, CurrentUser, LoginError, LoginUser};
pub use self::guard::{Fresh, GuardSpec, Plain, RequireLogin, Tag};
pub use self::layer::{LoginManagerLayer, LoginManagerService};
pub use self::refusal_extract::{Refusal, Refused};
pub use self::rejection::{
    Forbidden, LoaderFailed, LoginRejection, MissingLoginManager, NeedsRefresh, Unauthorized,
};
pub use self::router_guard::{LoginRequired, LoginRequiredService};
pub use self::sessions::SessionInfo;
pub use self::settings::SessionProtection;
pub use self::signal::{LoginEvent, LoginSignal};
pub use self::test_login::{TestCookies, TestLogin, TestLoginError};

/// A user type the login manager can log in.
///
/// # Example
/// ```
/// use axum_sesame::AuthUser;
///
/// struct User { email: String, pw_hash: String, active: bool, roles: Vec<String> }
///
/// impl AuthUser for User {
///     type Id = String;
///     fn id(&self) -> String { self.email.clone() }
///     fn is_active(&self) -> bool { self.active }
///     // Changes when the password changes: every other session of the user ends.
///     fn session_auth_hash(&self) -> &[u8] { self.pw_hash.as_bytes() }
///     fn has_role(&self, role: &str) -> bool { self.roles.iter().any(|r| r == role) }
/// }
/// # let u = User { email: "a@b.c".into(), pw_hash: "x".into(), active: true, roles: vec![] };
/// # assert!(u.is_active() && !u.has_role("admin") && u.id() == "a@b.c");
/// # assert_eq!(u.session_auth_hash(), b"x");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a user type for axum-sesame",
    label = "`{Self}` does not implement `axum_sesame::AuthUser`",
    note = "add `impl axum_sesame::AuthUser for {Self} {{ type Id = …; fn id(&self) -> …; fn session_auth_hash(&self) -> &[u8] {{ … }} }}`"
)]
pub trait AuthUser: Send + Sync + 'static {
    /// The id stored in the session: any type that round-trips through a string.
    type Id: FromStr + fmt::Display + Send + Sync + 'static;

    /// The user's id.
    fn id(&self) -> Self::Id;

    /// Whether the user may log in (Flask-Login's `is_active`). Inactive users are refused
    /// by `login_user` (unless forced) and logged out on their next request.
    fn is_active(&self) -> bool {
        true
    }

    /// Bytes that change whenever every other session of the user must end: the password
    /// hash, optionally followed by a per-user "session epoch".
    fn session_auth_hash(&self) -> &[u8];

    /// Whether the user has `role` (for `#[login_required(role = "…")]`).
    fn has_role(&self, role: &str) -> bool {
        let _ = role;
        false
    }

    /// Whether the user has `permission` (for `#[login_required(permission = "…")]`).
    fn has_permission(&self, permission: &str) -> bool {
        let _ = permission;
        false
    }
}

/// Marks a user type that has a `#[user_loader]`. Implemented by that macro only.
#[diagnostic::on_unimplemented(
    message = "no user loader for `{Self}`: add `#[user_loader]` to the function that loads it",
    label = "`{Self}` has no `#[user_loader]`",
    note = "write `#[axum_sesame::user_loader] async fn load_user(id: <id type>, …) -> Option<{Self}> {{ … }}` once in your crate"
)]
pub trait HasUserLoader: AuthUser {}

/// Loads a user by id with the router state `S`. Implemented by `#[user_loader]`.
#[diagnostic::on_unimplemented(
    message = "the `#[user_loader]` of `{Self}` cannot run with the router state `{S}`",
    note = "each argument after the id must be an extractor for this state, e.g. `State<Db>` needs `Db: FromRef<{S}>`"
)]
pub trait UserLoader<S>: HasUserLoader + Sized {
    /// Loads the user with `id`; `Ok(None)` when there is none.
    fn load_user(
        id: Self::Id,
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Option<Self>, LoadError>> + Send;
}

/// A user loader that failed. The request gets a 500 (or the response of the extractor
/// that failed); the details go to the log, never to the client.
pub struct LoadError {
    response: Option<Box<Response>>,
    message: String,
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadError")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// A loader error: logged, answered with 500.
    ///
    /// ```
    /// let e = axum_sesame::auth::LoadError::new("database is down");
    /// assert_eq!(e.to_string(), "database is down");
    /// ```
    pub fn new(message: impl fmt::Display) -> LoadError {
        LoadError {
            response: None,
            message: message.to_string(),
        }
    }

    /// An extractor of the loader rejected the request: answer with its response.
    pub fn from_rejection(rejection: impl IntoResponse) -> LoadError {
        let response = rejection.into_response();
        LoadError {
            message: format!(
                "an extractor of the user loader rejected the request ({})",
                response.status()
            ),
            response: Some(Box::new(response)),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        tracing::error!(target: "axum_sesame::rejection", error = %self.message, "user loader failed");
        match self.response {
            Some(response) => *response,
            None => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        }
    }
}

/// Converts what a `#[user_loader]` function returns into the loader's result.
#[diagnostic::on_unimplemented(
    message = "a `#[user_loader]` must return `Option<{U}>` or `Result<Option<{U}>, E>`",
    label = "this returns `{Self}`"
)]
pub trait IntoLoadResult<U> {
    /// The conversion.
    fn into_load_result(self) -> Result<Option<U>, LoadError>;
}

impl<U> IntoLoadResult<U> for Option<U> {
    fn into_load_result(self) -> Result<Option<U>, LoadError> {
        Ok(self)
    }
}

impl<U, E: fmt::Display> IntoLoadResult<U> for Result<Option<U>, E> {
    fn into_load_result(self) -> Result<Option<U>, LoadError> {
        self.map_err(LoadError::new)
    }
}
