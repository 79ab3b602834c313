//! Flask's wire formats, byte for byte: the session cookie, Flask-Login's cookies and
//! session keys, Werkzeug's quoting and password hashes, Flask-WTF's tokens and
//! Flask-Session's records. Pure functions over bytes and `serde_json::Map`s, below the
//! session layer; the public `flask` module (`flask_api.rs`) presents them with the
//! session-level pieces built on them.

mod cookie_quote;
mod csrf;
mod error;
mod identifier;
mod json;
mod login;
mod msgpack;
mod password;
mod session;
mod session_id;
mod signer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

pub use cookie_quote::{quote_cookie_value, unquote_cookie_value};
pub use csrf::{CSRF_FIELD, CSRF_TIME_LIMIT, CsrfError};
pub use error::{DecodeError, EncodeError};
pub use identifier::{IdentifierFormat, session_identifier, session_identifier_v06};
pub use json::{from_json, to_json};
pub use login::{RememberError, Remembered, is_fresh, remember_seconds, user_id};
pub use msgpack::{from_msgpack, to_msgpack};
pub use password::{PasswordHashError, check_password_hash, generate_password_hash};
pub use session::{
    MalformedFlashes, flashes, is_permanent, push_flash, set_flashes, set_permanent,
};
pub use session_id::{MAX_SESSION_ID_LEN, generate_session_id, is_session_id};
pub use signer::{DecodedSession, FlaskSigner, MAX_COOKIE_LEN, MAX_DECOMPRESSED_LEN};

/// The session keys Flask and Flask-Login use, and their cookies' default names.
///
/// ```
/// use axum_sesame::flask::keys;
///
/// assert_eq!(keys::USER_ID, "_user_id");
/// assert!(keys::SESSION_KEYS.contains(&keys::REMEMBER));
/// ```
pub mod keys {
    /// Flask-Login: the logged-in user's id (`get_id()`, a string with `UserMixin`).
    pub const USER_ID: &str = "_user_id";
    /// Flask-Login: `True` after a login with a password, `False` after a restore from
    /// the remember cookie or a session-protection mismatch.
    pub const FRESH: &str = "_fresh";
    /// Flask-Login: the session identifier of the client that logged in
    /// ([`session_identifier`](super::session_identifier)).
    pub const ID: &str = "_id";
    /// Flask-Login: `"set"` or `"clear"`, an order to the response's remember cookie,
    /// popped before the session is saved.
    pub const REMEMBER: &str = "_remember";
    /// Flask-Login: the remember cookie's lifetime in seconds (a float), from
    /// `login_user(duration=…)`.
    pub const REMEMBER_SECONDS: &str = "_remember_seconds";
    /// Flask-Login with `USE_SESSION_FOR_NEXT`: the page to go back to after login.
    pub const NEXT: &str = "next";
    /// Flask: flashed messages, a list of `(category, message)` tuples.
    pub const FLASHES: &str = "_flashes";
    /// Flask: `session.permanent`.
    pub const PERMANENT: &str = "_permanent";
    /// Flask-Login's `SESSION_KEYS`: what strong session protection removes.
    pub const SESSION_KEYS: [&str; 6] = [USER_ID, REMEMBER, REMEMBER_SECONDS, ID, FRESH, NEXT];
    /// Flask's default `SESSION_COOKIE_NAME`.
    pub const SESSION_COOKIE: &str = "session";
    /// Flask-Login's default `REMEMBER_COOKIE_NAME`.
    pub const REMEMBER_COOKIE: &str = "remember_token";
    /// Flask's default `PERMANENT_SESSION_LIFETIME` (31 days), in seconds.
    pub const PERMANENT_SESSION_LIFETIME_SECS: u64 = 31 * 24 * 3600;
    /// Flask-Login's default `REMEMBER_COOKIE_DURATION` (365 days), in seconds.
    pub const REMEMBER_COOKIE_DURATION_SECS: u64 = 365 * 24 * 3600;
}
