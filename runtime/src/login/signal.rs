//! Flask-Login's signals as values: which one, and the event a callback receives.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

/// One of Flask-Login's signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginSignal {
    /// `user_logged_in`: `login_user` succeeded.
    LoggedIn,
    /// `user_logged_out`: `logout_user` ran.
    LoggedOut,
    /// `user_loaded_from_cookie`: a login was restored from the remember cookie.
    LoadedFromCookie,
    /// `user_loaded_from_request`: a request loader authenticated the request.
    LoadedFromRequest,
    /// `user_login_confirmed`: `confirm_login` made the login fresh again.
    LoginConfirmed,
    /// `user_unauthorized`: an anonymous request reached a protected route.
    Unauthorized,
    /// `user_needs_refresh`: a non-fresh login reached a fresh-only route.
    NeedsRefresh,
    /// `session_protected`: session protection saw another client and acted.
    SessionProtected,
}

impl LoginSignal {
    /// Flask-Login's name for it, without the `user_` prefix (`logged_in`, ...).
    pub fn name(self) -> &'static str {
        match self {
            LoginSignal::LoggedIn => "logged_in",
            LoginSignal::LoggedOut => "logged_out",
            LoginSignal::LoadedFromCookie => "loaded_from_cookie",
            LoginSignal::LoadedFromRequest => "loaded_from_request",
            LoginSignal::LoginConfirmed => "login_confirmed",
            LoginSignal::Unauthorized => "unauthorized",
            LoginSignal::NeedsRefresh => "needs_refresh",
            LoginSignal::SessionProtected => "session_protected",
        }
    }
}

/// A signal as an app's callback receives it ([`LoginManager::on_signal`]): which one,
/// the user id (`None` for an anonymous request), and the request it happened in.
///
/// [`LoginManager::on_signal`]: crate::LoginManager::on_signal
#[derive(Clone)]
#[non_exhaustive]
pub struct LoginEvent {
    /// Which signal.
    pub signal: LoginSignal,
    /// The user's id, as `AuthUser::id` printed it.
    pub user_id: Option<String>,
    /// The request's method, URI, headers and extensions (with `ConnectInfo` when the
    /// server records peers). Its `Cookie` header is a credential: do not log it.
    pub request: Arc<Parts>,
}

impl fmt::Debug for LoginEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The request's headers carry cookies: only the method and path are printed.
        f.debug_struct("LoginEvent")
            .field("signal", &self.signal)
            .field("user_id", &self.user_id)
            .field("method", &self.request.method)
            .field("path", &self.request.uri.path())
            .finish()
    }
}
