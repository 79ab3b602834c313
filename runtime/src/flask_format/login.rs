//! Flask-Login: the remember cookie, the session identifier, and the session keys that
//! `login_user`, `logout_user`, `confirm_login` and the remember cookie write.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha512;

use super::identifier::{HEX_DIGEST_LEN, push_hex};
use subtle::ConstantTimeEq;

use super::keys::{FRESH, REMEMBER_SECONDS, USER_ID};
use super::session::truthy;
use super::signer::{FlaskSigner, MAX_COOKIE_LEN};

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
