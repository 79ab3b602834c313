//! The login manager's events, as `tracing` events on target `axum_sesame::login`: one per
//! Flask-Login signal, with the user id (never a secret) and, for a refusal, the reason.
//!
//! Routine steps (`logged_in`, `logged_out`, `login_confirmed`, `loaded_from_cookie`,
//! `loaded_from_request`, `unauthorized`, `needs_refresh`) are DEBUG: an app writes its
//! own audit lines with what it knows (the client, the form). What an operator wants to
//! see at the default level is INFO: a session ended because the client changed
//! (`session_protected`) or the password did (`session_ended`), a refused role
//! (`forbidden`), revoked sessions (`session_revoked`, `sessions_revoked`).

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
