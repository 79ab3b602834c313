//! Flask-Session's session ids: `secrets.token_urlsafe(32)`, sent as the session cookie's
//! value, itsdangerous-signed when the app sets `SESSION_USE_SIGNER`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use subtle::ConstantTimeEq;

use super::signer::{FlaskSigner, SIG_B64_LEN, sign};

/// The longest session id read from a cookie. Flask-Session makes 43 characters
/// (`SESSION_ID_LENGTH` of 32 bytes); anything much longer is not one of its ids.
pub const MAX_SESSION_ID_LEN: usize = 256;

/// A new Flask-Session id: 32 random bytes in unpadded base64url, as
/// `secrets.token_urlsafe(32)` makes them.
///
/// # Errors
/// [`EncodeError::Random`](crate::codec::EncodeError::Random) when the OS random source
/// fails.
///
/// ```
/// let sid = axum_sesame::flask::generate_session_id().unwrap();
/// assert_eq!(sid.len(), 43);
/// assert!(axum_sesame::flask::is_session_id(&sid));
/// ```
pub fn generate_session_id() -> Result<String, crate::codec::EncodeError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).map_err(|_| crate::codec::EncodeError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(&bytes[..]))
}

/// Whether `sid` can be a Flask-Session id: 1 to [`MAX_SESSION_ID_LEN`] characters of the
/// base64url alphabet. Anything else from a cookie is refused before it names a store
/// key, so a client can't reach keys outside the session prefix or send huge ones.
///
/// ```
/// use axum_sesame::flask::is_session_id;
///
/// assert!(is_session_id("Wm9v-YmFy_"));
/// assert!(!is_session_id("a:b") && !is_session_id("*") && !is_session_id(""));
/// ```
#[must_use]
pub fn is_session_id(sid: &str) -> bool {
    (1..=MAX_SESSION_ID_LEN).contains(&sid.len())
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FlaskSigner {
    /// Flask-Session's cookie value for `sid` with `SESSION_USE_SIGNER`: itsdangerous's
    /// `Signer(SECRET_KEY, salt="flask-session", key_derivation="hmac").sign(sid)`, with
    /// the current key.
    ///
    /// ```
    /// use axum_sesame::flask::FlaskSigner;
    ///
    /// let signer = FlaskSigner::from_text("k");
    /// let value = signer.sign_session_id("abc");
    /// assert_eq!(signer.unsign_session_id(value.as_bytes()).as_deref(), Some("abc"));
    /// ```
    #[must_use]
    pub fn sign_session_id(&self, sid: &str) -> String {
        sign(self.current.sid_mac(), sid)
    }

    /// The session id in a signed Flask-Session cookie value, verified with the current
    /// key and the fallbacks; `None` when no key signed it or it is no session id
    /// ([`is_session_id`]).
    #[must_use]
    pub fn unsign_session_id(&self, value: &[u8]) -> Option<String> {
        self.open_session_id(value).map(|(sid, _)| sid)
    }

    /// [`unsign_session_id`](Self::unsign_session_id), and whether a fallback key signed
    /// it (the cookie is then re-issued under the current key).
    pub(crate) fn open_session_id(&self, value: &[u8]) -> Option<(String, bool)> {
        let dot = value.iter().rposition(|&b| b == b'.')?;
        let (sid, sig) = (&value[..dot], &value[dot + 1..]);
        let sid = std::str::from_utf8(sid).ok().filter(|s| is_session_id(s))?;
        if sig.len() != SIG_B64_LEN {
            return None;
        }
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        self.secrets().find_map(|(by_fallback, secret)| {
            let mut mac = secret.sid_mac();
            mac.update(sid.as_bytes());
            bool::from(mac.finalize().into_bytes().as_slice().ct_eq(&sig))
                .then(|| (sid.to_owned(), by_fallback))
        })
    }
}
