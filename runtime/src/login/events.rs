//! The login manager's events, as `tracing` events on target `axum_sesame::login`: one per
//! Flask-Login signal, with the user id (never a secret) and, for a refusal, the reason.
//!
//! Routine steps (`logged_in`, `logged_out`, `login_confirmed`, `loaded_from_cookie`,
//! `loaded_from_request`, `unauthorized`, `needs_refresh`) are DEBUG: an app writes its
//! own audit lines with what it knows (the client, the form). What an operator wants to
//! see at the default level is INFO: a session ended because the client changed
//! (`session_protected`) or the password did (`session_ended`), a refused role
//! (`forbidden`), revoked sessions (`session_revoked`, `sessions_revoked`).

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use crate::login::ctx::LoginCtx;

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

/// Queues the app's callbacks for `signal`; the session layer awaits them before the
/// response leaves. `request` is only made when a callback is registered.
pub(crate) fn dispatch(
    ctx: &LoginCtx,
    signal: LoginSignal,
    user: Option<&str>,
    request: impl FnOnce() -> Option<Arc<Parts>>,
) {
    let handlers = &ctx.login.signal_handlers;
    if handlers.is_empty() {
        return;
    }
    let Some(request) = request() else { return };
    let event = LoginEvent {
        signal,
        user_id: user.map(str::to_owned),
        request,
    };
    let futures: Vec<_> = handlers.iter().map(|h| h(event.clone())).collect();
    ctx.slot
        .with_extras(|e| e.callbacks.0.get_or_insert_with(Vec::new).extend(futures));
}

/// A routine step: DEBUG.
pub(crate) fn signal(name: &'static str, user: Option<&str>) {
    tracing::debug!(
        target: "axum_sesame::login",
        signal = name,
        user = user.unwrap_or("-"),
    );
}

/// A refusal or a revocation: INFO, with the reason.
pub(crate) fn notice(name: &'static str, user: Option<&str>, reason: &str) {
    tracing::info!(
        target: "axum_sesame::login",
        signal = name,
        user = user.unwrap_or("-"),
        reason,
        "{name}"
    );
}
