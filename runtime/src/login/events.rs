//! The login manager's events, as `tracing` events on target `axum_sesame::login`: one per
//! Flask-Login signal, with the user id (never a secret) and, for a refusal, the reason.
//!
//! Routine steps (`logged_in`, `logged_out`, `login_confirmed`, `loaded_from_cookie`,
//! `loaded_from_request`, `unauthorized`, `needs_refresh`) are DEBUG: an app writes its
//! own audit lines with what it knows (the client, the form). What an operator wants to
//! see at the default level is INFO: a session ended because the client changed
//! (`session_protected`) or the password did (`session_ended`), a refused role
//! (`forbidden`), revoked sessions (`session_revoked`, `sessions_revoked`).

use std::sync::Arc;

use http::request::Parts;

use crate::login::ctx::LoginCtx;
use crate::login::signal::{LoginEvent, LoginSignal};

/// Queues the app's callbacks for `signal` in this request; the request's parts are
/// cloned only when a callback is registered.
#[inline]
pub(crate) fn dispatch(ctx: &LoginCtx, signal: LoginSignal, user: Option<&str>, parts: &Parts) {
    // Inlined: most apps register no callback, and then this is all a signal costs.
    if !ctx.login.signal_handlers.is_empty() {
        dispatch_with(ctx, signal, user, || Some(Arc::new(parts.clone())));
    }
}

/// Queues the app's callbacks for `signal`; the session layer awaits them before the
/// response leaves. `request` is only made when a callback is registered.
pub(crate) fn dispatch_with(
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
    ctx.slot.with_extras(|e| {
        e.callbacks
            .0
            .get_or_insert_with(Box::default)
            .extend(futures)
    });
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
