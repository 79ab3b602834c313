//! Flask-Login: the remember cookie, the session identifier, and the session keys that
//! `login_user`, `logout_user`, `confirm_login` and the remember cookie write.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Number, Value};
use sha2::Sha512;

use super::identifier::{HEX_DIGEST_LEN, push_hex};
use subtle::ConstantTimeEq;

use super::keys::{FRESH, ID, REMEMBER, REMEMBER_SECONDS, SESSION_KEYS, USER_ID};
use super::session::{is_permanent, truthy};
use super::signer::{FlaskSigner, MAX_COOKIE_LEN};
use crate::protection::SessionProtection;

type HmacSha512 = Hmac<Sha512>;

impl FlaskSigner {
    /// Flask-Login's remember cookie for `user_id`: `user_id|hex(HMAC-SHA512(key, user_id))`
    /// with the current key, as `encode_cookie` writes it.
    ///
    /// This is the cookie's value as Flask reads it. Werkzeug's `set_cookie` writes a
    /// value with characters outside ``[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]`` (a space, a
    /// comma, a semicolon, `"`, `\`, non-ASCII…) in double quotes with octal escapes;
    /// ids made of letters, digits and `@.-_` need no quoting.
    ///
    /// # Errors
    /// [`RememberError::KeyNotLatin1`] when the current key is a `str` that Latin-1 can't
    /// encode (Flask-Login raises `UnicodeEncodeError` then).
    ///
    /// ```
    /// let signer = axum_sesame::flask::FlaskSigner::from_text("k");
    /// let cookie = signer.encode_remember("1").unwrap();
    /// assert!(cookie.starts_with("1|f8221c28a8be11f1"));
    /// assert_eq!(cookie.len(), 2 + 128);
    /// ```
    pub fn encode_remember(&self, user_id: &str) -> Result<String, RememberError> {
        let key = self
            .current
            .remember
            .as_ref()
            .ok_or(RememberError::KeyNotLatin1)?;
        let mut out = String::with_capacity(user_id.len() + 1 + HEX_DIGEST_LEN);
        out.push_str(user_id);
        out.push('|');
        push_hex(&mut out, &remember_mac(key, user_id.as_bytes()));
        Ok(out)
    }

    /// Verifies a remember cookie value (as Flask reads it, unquoted) and returns the user
    /// id, as Flask-Login's `decode_cookie`: split at the last `|`, then compare the hex
    /// digest in constant time. Only 128 lowercase hex digits can match.
    ///
    /// Flask-Login (0.6.3 and main) checks the current `SECRET_KEY` only; this also
    /// accepts the fallbacks and says so in [`Remembered::by_fallback`], so that a key
    /// rotation doesn't log everyone out: re-issue the cookie then.
    ///
    /// # Errors
    /// A [`RememberError`] for anything but an authentic cookie: no remembered user.
    ///
    /// ```
    /// use axum_sesame::flask::{FlaskSigner, RememberError};
    ///
    /// let signer = FlaskSigner::from_text("k");
    /// let cookie = signer.encode_remember("foo@bar.tld").unwrap();
    /// let remembered = signer.decode_remember(&cookie).unwrap();
    /// assert_eq!(remembered.user_id, "foo@bar.tld");
    ///
    /// let forged = cookie.replace("foo", "bar");
    /// assert_eq!(signer.decode_remember(&forged).unwrap_err(), RememberError::BadSignature);
    /// ```
    pub fn decode_remember(&self, cookie: impl AsRef<[u8]>) -> Result<Remembered, RememberError> {
        let cookie = cookie.as_ref();
        if cookie.len() > MAX_COOKIE_LEN {
            return Err(RememberError::Malformed);
        }
        let bar = cookie
            .iter()
            .rposition(|&b| b == b'|')
            .ok_or(RememberError::Malformed)?;
        let (payload, digest) = (
            cookie.get(..bar).ok_or(RememberError::Malformed)?,
            cookie.get(bar + 1..).ok_or(RememberError::Malformed)?,
        );
        if digest.len() != HEX_DIGEST_LEN {
            return Err(RememberError::Malformed);
        }
        if self.current.remember.is_none() {
            return Err(RememberError::KeyNotLatin1);
        }
        let mut by_fallback = None;
        for (fallback, secret) in self.secrets() {
            let Some(key) = secret.remember.as_ref() else {
                continue;
            };
            let mut expected = String::with_capacity(HEX_DIGEST_LEN);
            push_hex(&mut expected, &remember_mac(key, payload));
            if bool::from(expected.as_bytes().ct_eq(digest)) {
                by_fallback = Some(fallback);
                break;
            }
        }
        let by_fallback = by_fallback.ok_or(RememberError::BadSignature)?;
        let user_id = std::str::from_utf8(payload)
            .map_err(|_| RememberError::Malformed)?
            .to_owned();
        Ok(Remembered {
            user_id,
            by_fallback,
        })
    }
}

fn remember_mac(key: &[u8], payload: &[u8]) -> [u8; 64] {
    let mut mac = <HmacSha512 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(payload);
    mac.finalize().into_bytes().into()
}

/// A verified remember cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Remembered {
    /// The user id (any string, even empty, as Flask-Login accepts it).
    pub user_id: String,
    /// Whether a key from `SECRET_KEY_FALLBACKS` verified it: re-issue the cookie.
    pub by_fallback: bool,
}

/// Why a remember cookie was refused. Every case means "no remembered user".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RememberError {
    /// Not `payload|` and 128 hex digits, over 4096 bytes, or a payload that isn't UTF-8.
    Malformed,
    /// No key made this digest.
    BadSignature,
    /// The current key is a `str` that Latin-1 can't encode, so Flask-Login can't use it.
    KeyNotLatin1,
}

impl fmt::Display for RememberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RememberError::Malformed => "malformed Flask-Login remember cookie",
            RememberError::BadSignature => "bad Flask-Login remember cookie digest",
            RememberError::KeyNotLatin1 => "SECRET_KEY is a str that Latin-1 can't encode",
        })
    }
}

impl std::error::Error for RememberError {}

/// Flask-Login's `_user_id`: the logged-in user's id, from a string or an integer (what
/// `get_id()` returned; `UserMixin` returns a string).
///
/// ```
/// let session = serde_json::json!({"_user_id": "foo@bar.tld"});
/// assert_eq!(axum_sesame::flask::user_id(session.as_object().unwrap()).as_deref(), Some("foo@bar.tld"));
/// ```
pub fn user_id(session: &Map<String, Value>) -> Option<String> {
    match session.get(USER_ID)? {
        Value::String(id) => Some(id.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// Flask-Login's `login_fresh()`: whether `_fresh` is truthy.
///
/// ```
/// let session = serde_json::json!({"_user_id": "1", "_fresh": false});
/// assert!(!axum_sesame::flask::is_fresh(session.as_object().unwrap()));
/// ```
pub fn is_fresh(session: &Map<String, Value>) -> bool {
    truthy(session.get(FRESH))
}

/// `_remember_seconds`: the remember cookie's lifetime chosen at login, which overrides
/// `REMEMBER_COOKIE_DURATION` each time the cookie is set.
///
/// ```
/// let session = serde_json::json!({"_remember_seconds": 172800.0});
/// assert_eq!(axum_sesame::flask::remember_seconds(session.as_object().unwrap()), Some(172800.0));
/// ```
pub fn remember_seconds(session: &Map<String, Value>) -> Option<f64> {
    session.get(REMEMBER_SECONDS)?.as_f64()
}

/// Whether `login_user` asks for a remember cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remember {
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
/// ```
/// use axum_sesame::flask::{login_user, Remember};
/// use std::time::Duration;
///
/// let mut session = serde_json::Map::new();
/// login_user(&mut session, "1", true, "0ab1", Remember::For(Duration::from_secs(2 * 86400)));
/// assert_eq!(
///     serde_json::Value::Object(session),
///     serde_json::json!({"_user_id": "1", "_fresh": true, "_id": "0ab1",
///                        "_remember": "set", "_remember_seconds": 172800.0}),
/// );
/// ```
pub fn login_user(
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
/// ```
/// let mut session = serde_json::json!({"_user_id": "1", "_fresh": true, "_id": "0ab1", "theme": "dark"});
/// let session = session.as_object_mut().unwrap();
/// axum_sesame::flask::logout_user(session, true);
/// assert_eq!(serde_json::Value::Object(session.clone()), serde_json::json!({"theme": "dark", "_remember": "clear"}));
/// ```
pub fn logout_user(session: &mut Map<String, Value>, had_remember_cookie: bool) {
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
/// ```
/// let mut session = serde_json::Map::new();
/// axum_sesame::flask::confirm_login(&mut session, "0ab1");
/// assert_eq!(session["_fresh"], true);
/// ```
pub fn confirm_login(session: &mut Map<String, Value>, identifier: &str) {
    session.insert(FRESH.to_owned(), true.into());
    session.insert(ID.to_owned(), identifier.into());
}

/// What Flask-Login's `_load_user_from_remember_cookie` writes once the cookie verifies:
/// `_user_id` and `_fresh = False`. It writes no `_id`, so the next request's session
/// protection sees a mismatch (harmless in basic mode, where the session is already not
/// fresh; in strong mode a non-permanent session is then logged out).
///
/// ```
/// let mut session = serde_json::Map::new();
/// axum_sesame::flask::restore_from_remember(&mut session, "1");
/// assert_eq!(serde_json::Value::Object(session), serde_json::json!({"_user_id": "1", "_fresh": false}));
/// ```
pub fn restore_from_remember(session: &mut Map<String, Value>, user_id: &str) {
    session.insert(USER_ID.to_owned(), user_id.into());
    session.insert(FRESH.to_owned(), false.into());
}

/// Flask-Login's `_session_protection_failed`, run before the user is loaded. When the
/// session is not empty and its `_id` differs from this request's `identifier`: in basic
/// mode, or for a permanent session, `_fresh` becomes false; in strong mode every key of
/// [`SESSION_KEYS`](super::keys::SESSION_KEYS) is removed and `_remember = "clear"`.
/// Returns whether the session was purged (the request is then anonymous).
///
/// ```
/// use axum_sesame::SessionProtection;
/// use axum_sesame::flask::protect_session;
///
/// let mut session = serde_json::json!({"_user_id": "1", "_fresh": true, "_id": "other client"});
/// let session = session.as_object_mut().unwrap();
/// assert!(!protect_session(session, "this client", SessionProtection::Basic));
/// assert_eq!(session["_fresh"], false);
/// assert!(protect_session(session, "this client", SessionProtection::Strong));
/// assert_eq!(serde_json::Value::Object(session.clone()), serde_json::json!({"_remember": "clear"}));
/// ```
pub fn protect_session(
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
pub enum RememberOp {
    /// `"set"`: write the remember cookie for `_user_id`.
    Set,
    /// `"clear"`: delete the remember cookie.
    Clear,
}

impl RememberOp {
    /// The value stored in `_remember`.
    ///
    /// ```
    /// assert_eq!(axum_sesame::flask::RememberOp::Clear.as_str(), "clear");
    /// ```
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
/// ```
/// use axum_sesame::flask::{RememberOp, take_remember_op};
///
/// let mut session = serde_json::json!({"_user_id": "1", "_remember": "set"});
/// let session = session.as_object_mut().unwrap();
/// assert_eq!(take_remember_op(session), Some(RememberOp::Set));
/// assert!(!session.contains_key("_remember"));
/// ```
pub fn take_remember_op(session: &mut Map<String, Value>) -> Option<RememberOp> {
    match session.remove(REMEMBER)?.as_str()? {
        "set" => Some(RememberOp::Set),
        "clear" => Some(RememberOp::Clear),
        _ => None,
    }
}
