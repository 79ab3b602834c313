//! Flask-Login: the remember cookie, the session identifier, and the session keys that
//! `login_user`, `logout_user`, `confirm_login` and the remember cookie write.

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use super::keys::{FRESH, ID, REMEMBER, REMEMBER_SECONDS, SESSION_KEYS, USER_ID};
use super::session::{is_permanent, truthy};
use super::signer::{FlaskSigner, MAX_COOKIE_LEN};
use crate::SessionProtection;

type HmacSha512 = Hmac<Sha512>;

/// Length of a hex SHA-512 digest.
const HEX_DIGEST_LEN: usize = 128;

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

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
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

/// Flask-Login's session identifier (`_id`) as its main branch (the coming 0.7) computes
/// it: `sha512(f"{remote_addr}|{user_agent}")` in hex, where a missing `remote_addr` is
/// `None` and a missing `User-Agent` header is empty.
///
/// `user_agent` is the header's raw bytes: Werkzeug hands them over decoded as Latin-1
/// and Flask-Login encodes them as UTF-8, which this repeats. Flask-Login 0.7 never
/// reads `X-Forwarded-For`; behind a proxy, `remote_addr` is what `ProxyFix` made it.
///
/// ```
/// let id = axum_sesame::flask::session_identifier(Some("127.0.0.1"), Some(b"Mozilla/5.0"));
/// assert_eq!(id.len(), 128);
/// ```
pub fn session_identifier(remote_addr: Option<&str>, user_agent: Option<&[u8]>) -> String {
    let mut base = Vec::new();
    base.extend_from_slice(remote_addr.unwrap_or("None").as_bytes());
    base.push(b'|');
    base.extend(latin1_to_utf8(user_agent.unwrap_or_default()));
    sha512_hex(&base)
}

/// Flask-Login 0.6.x's session identifier (`_id`), the one the newest release (0.6.3)
/// writes: `sha512(f"{addr}|{ua}")` in hex, where `addr` and `ua` are Python `bytes`
/// formatted with their repr, as in `b'127.0.0.1'|b'Mozilla/5.0'`, or `None` when absent.
///
/// `addr` is the first comma-separated element of the `X-Forwarded-For` header, stripped
/// of ASCII whitespace, when the header is present (even empty), and `remote_addr`
/// otherwise. Pass `forwarded_for` exactly when the request has the header, whether or
/// not a trusted proxy set it: Flask-Login 0.6 trusts it blindly, and a different
/// input gives a different `_id`. Header values are raw bytes (see
/// [`session_identifier`]).
///
/// ```
/// let id = axum_sesame::flask::session_identifier_v06(Some("127.0.0.1"), None, None);
/// assert_eq!(id.len(), 128);
/// ```
pub fn session_identifier_v06(
    remote_addr: Option<&str>,
    forwarded_for: Option<&[u8]>,
    user_agent: Option<&[u8]>,
) -> String {
    let addr = match forwarded_for {
        Some(header) => Some(latin1_to_utf8(header)),
        None => remote_addr.map(|a| a.as_bytes().to_vec()),
    };
    let mut base = String::new();
    match addr {
        Some(addr) => {
            let first = addr.split(|&b| b == b',').next().unwrap_or_default();
            push_bytes_repr(&mut base, strip_ascii_whitespace(first));
        }
        None => base.push_str("None"),
    }
    base.push('|');
    match user_agent {
        Some(ua) => push_bytes_repr(&mut base, &latin1_to_utf8(ua)),
        None => base.push_str("None"),
    }
    sha512_hex(base.as_bytes())
}

fn sha512_hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(HEX_DIGEST_LEN);
    push_hex(&mut out, &Sha512::digest(data));
    out
}

/// PEP 3333: a header's bytes reach Python as a Latin-1 `str`; `.encode("utf-8")`.
fn latin1_to_utf8(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into_bytes()
}

/// Python's `bytes.strip()`: space, `\t`, `\n`, `\v`, `\f`, `\r` at both ends.
fn strip_ascii_whitespace(mut bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    while let [first, rest @ ..] = bytes {
        if !ws(first) {
            break;
        }
        bytes = rest;
    }
    while let [rest @ .., last] = bytes {
        if !ws(last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// Python's `repr(bytes)`: `b'…'`, or `b"…"` when there is a `'` and no `"`; `\\`,
/// the quote, `\t`, `\n`, `\r` escaped, other bytes outside `0x20..0x7F` as `\xhh`.
fn push_bytes_repr(out: &mut String, bytes: &[u8]) {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..0x7f => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
}

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
/// `_fresh` and `_id` (the [`session_identifier`] of this request); with remember,
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
