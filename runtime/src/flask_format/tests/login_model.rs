//! Flask-Login's own session-key operations (`login_user`, `logout_user`,
//! `confirm_login`, the remember restore, session protection, the `_remember` order),
//! written over a session `Map` as Flask-Login writes them: a model the golden vectors
//! are checked against. The library's one login implementation is `Auth`, which Flask
//! mode maps onto these keys (`session/flask_mode.rs`).
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use serde_json::{Map, Number, Value};

use crate::flask_format::keys::{FRESH, ID, REMEMBER, REMEMBER_SECONDS, SESSION_KEYS, USER_ID};
use crate::flask_format::session::is_permanent;
use crate::protection::SessionProtection;

/// Whether `login_user` asks for a remember cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Remember {
    /// `remember=False`.
    No,
    /// `remember=True`: the cookie lasts `REMEMBER_COOKIE_DURATION` (365 days by default).
    Yes,
    /// `remember=True, duration=…`: stored as `_remember_seconds`, to the microsecond.
    For(Duration),
}

/// Flask-Login's `login_user(user, remember, duration, fresh)`: sets `_user_id`,
/// `_fresh` and `_id` (the [`session_identifier`](super::session_identifier) of this request); with remember,
/// `_remember = "set"` and, with a duration, `_remember_seconds`. Flask-Login writes
/// nothing else; an old `_remember_seconds` stays when the new login has no duration.
///
pub(crate) fn login_user(
    session: &mut Map<String, Value>,
    user_id: &str,
    fresh: bool,
    identifier: &str,
    remember: Remember,
) {
    session.insert(USER_ID.to_owned(), user_id.into());
    session.insert(FRESH.to_owned(), fresh.into());
    session.insert(ID.to_owned(), identifier.into());
    if remember != Remember::No {
        session.insert(REMEMBER.to_owned(), RememberOp::Set.as_str().into());
    }
    if let Remember::For(duration) = remember {
        // `(microseconds + (seconds + days * 86400) * 10**6) / 10.0**6`
        #[allow(clippy::cast_precision_loss)]
        let seconds = duration.as_micros() as f64 / 1e6;
        if let Some(n) = Number::from_f64(seconds) {
            session.insert(REMEMBER_SECONDS.to_owned(), Value::Number(n));
        }
    }
}

/// Flask-Login's `logout_user()`: removes `_user_id`, `_fresh` and `_id`; when the
/// request carried a remember cookie, also sets `_remember = "clear"` and removes
/// `_remember_seconds`. Other keys (`_flashes`, `_permanent`, yours) stay.
///
pub(crate) fn logout_user(session: &mut Map<String, Value>, had_remember_cookie: bool) {
    for key in [USER_ID, FRESH, ID] {
        session.remove(key);
    }
    if had_remember_cookie {
        session.insert(REMEMBER.to_owned(), RememberOp::Clear.as_str().into());
        session.remove(REMEMBER_SECONDS);
    }
}

/// Flask-Login's `confirm_login()`: the session is fresh again, for this client.
///
pub(crate) fn confirm_login(session: &mut Map<String, Value>, identifier: &str) {
    session.insert(FRESH.to_owned(), true.into());
    session.insert(ID.to_owned(), identifier.into());
}

/// What Flask-Login's `_load_user_from_remember_cookie` writes once the cookie verifies:
/// `_user_id` and `_fresh = False`. It writes no `_id`, so the next request's session
/// protection sees a mismatch (harmless in basic mode, where the session is already not
/// fresh; in strong mode a non-permanent session is then logged out).
///
pub(crate) fn restore_from_remember(session: &mut Map<String, Value>, user_id: &str) {
    session.insert(USER_ID.to_owned(), user_id.into());
    session.insert(FRESH.to_owned(), false.into());
}

/// Flask-Login's `_session_protection_failed`, run before the user is loaded. When the
/// session is not empty and its `_id` differs from this request's `identifier`: in basic
/// mode, or for a permanent session, `_fresh` becomes false; in strong mode every key of
/// [`SESSION_KEYS`](super::keys::SESSION_KEYS) is removed and `_remember = "clear"`.
/// Returns whether the session was purged (the request is then anonymous).
///
pub(crate) fn protect_session(
    session: &mut Map<String, Value>,
    identifier: &str,
    mode: SessionProtection,
) -> bool {
    if mode == SessionProtection::Off || session.is_empty() {
        return false;
    }
    if session.get(ID).and_then(Value::as_str) == Some(identifier) {
        return false;
    }
    if mode == SessionProtection::Basic || is_permanent(session) {
        if session.get(FRESH) != Some(&Value::Bool(false)) {
            session.insert(FRESH.to_owned(), false.into());
        }
        return false;
    }
    for key in SESSION_KEYS {
        session.remove(key);
    }
    session.insert(REMEMBER.to_owned(), RememberOp::Clear.as_str().into());
    true
}

/// What `_remember` asks of the response's remember cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RememberOp {
    /// `"set"`: write the remember cookie for `_user_id`.
    Set,
    /// `"clear"`: delete the remember cookie.
    Clear,
}

impl RememberOp {
    /// The value stored in `_remember`.
    ///
    pub fn as_str(self) -> &'static str {
        match self {
            RememberOp::Set => "set",
            RememberOp::Clear => "clear",
        }
    }
}

/// Flask-Login's `after_request` hook (`_update_remember_cookie`) pops `_remember` before
/// the session is saved, so it never reaches the cookie: this removes it and says what
/// to do with the remember cookie. `Set` only applies while `_user_id` is in the
/// session. With `REMEMBER_COOKIE_REFRESH_EACH_REQUEST`, 0.6.3 also sets the cookie when
/// `_remember` is absent (main: when the request carried a remember cookie).
///
pub(crate) fn take_remember_op(session: &mut Map<String, Value>) -> Option<RememberOp> {
    match session.remove(REMEMBER)?.as_str()? {
        "set" => Some(RememberOp::Set),
        "clear" => Some(RememberOp::Clear),
        _ => None,
    }
}
