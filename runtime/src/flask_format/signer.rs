//! Flask's session cookie: itsdangerous's `URLSafeTimedSerializer` as Flask configures it.
//!
//! `SecureCookieSessionInterface` (Flask 3.1) signs with salt `cookie-session`, key
//! derivation `hmac` and SHA-1. The cookie is `payload.timestamp.signature`:
//!
//! - `payload`: the session as tagged JSON ([`to_json`](super::to_json)), unpadded
//!   base64url. When `zlib.compress` makes the JSON shorter by more than one byte, the
//!   compressed bytes are used instead and the payload starts with `.`.
//! - `timestamp`: the signing time in seconds since the epoch, as big-endian bytes without
//!   leading zeros, unpadded base64url.
//! - `signature`: `HMAC-SHA1(HMAC-SHA1(secret, "cookie-session"), "payload.timestamp")`,
//!   unpadded base64url (27 characters).

use std::fmt;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::{Compression, Decompress, FlushDecompress, Status};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{DecodeError, EncodeError};
use super::json::{from_json, to_json};

pub(super) type HmacSha1 = Hmac<Sha1>;

/// itsdangerous's salt for Flask's session cookie.
const SALT: &[u8] = b"cookie-session";

/// Length of an HMAC-SHA1 signature in unpadded base64url.
pub(super) const SIG_B64_LEN: usize = 27;

/// The longest cookie value [`FlaskSigner`] reads or writes, in bytes: browsers keep no
/// more than 4096 bytes per cookie.
pub const MAX_COOKIE_LEN: usize = 4096;

/// The most bytes a compressed (`.`-prefixed) session may inflate to. Flask has no such
/// limit; a cookie of at most [`MAX_COOKIE_LEN`] bytes over this is a decompression bomb.
pub const MAX_DECOMPRESSED_LEN: usize = 64 * 1024;

/// One secret, in the two forms the Flask stack uses it.
pub(super) struct Secret {
    /// `HMAC-SHA1(secret, "cookie-session")`: itsdangerous's `hmac` key derivation.
    session: Zeroizing<[u8; 20]>,
    /// The key Flask-Login's `_secret_key` hands to HMAC-SHA512 for the remember cookie,
    /// `None` for a `str` secret that Latin-1 can't encode (Flask-Login raises then).
    pub(super) remember: Option<Zeroizing<Vec<u8>>>,
    /// `SHA-1("wtf-csrf-token" ‖ "signer" ‖ secret)`: itsdangerous's default
    /// (`django-concat`) key derivation with Flask-WTF's salt, for CSRF tokens.
    pub(super) csrf: Zeroizing<[u8; 20]>,
    /// `HMAC-SHA1(secret, "flask-session")`: Flask-Session's signed session ids
    /// (`SESSION_USE_SIGNER`).
    pub(super) sid: Zeroizing<[u8; 20]>,
    /// The secret was empty.
    empty: bool,
}

impl Secret {
    fn new(session_bytes: &[u8], remember: Option<Zeroizing<Vec<u8>>>) -> Secret {
        let derive = |salt: &[u8]| {
            let mut mac = <HmacSha1 as KeyInit>::new_from_slice(session_bytes)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(salt);
            let mut key = Zeroizing::new([0u8; 20]);
            key.copy_from_slice(&mac.finalize().into_bytes());
            key
        };
        let session = derive(SALT);
        let sid = derive(b"flask-session");
        let mut csrf = Zeroizing::new([0u8; 20]);
        {
            use sha1::Digest as _;
            let mut h = Sha1::new();
            h.update(b"wtf-csrf-token");
            h.update(b"signer");
            h.update(session_bytes);
            csrf.copy_from_slice(&h.finalize());
        }
        Secret {
            session,
            csrf,
            sid,
            remember,
            empty: session_bytes.is_empty(),
        }
    }

    fn session_is_empty(&self) -> bool {
        self.empty
    }

    /// A Python `bytes` secret: the same bytes everywhere.
    fn from_bytes(secret: &[u8]) -> Secret {
        Secret::new(secret, Some(Zeroizing::new(secret.to_vec())))
    }

    /// A Python `str` secret: itsdangerous encodes it as UTF-8, Flask-Login as Latin-1.
    fn from_text(secret: &str) -> Secret {
        let latin1: Option<Vec<u8>> = secret.chars().map(|c| u8::try_from(c).ok()).collect();
        Secret::new(secret.as_bytes(), latin1.map(Zeroizing::new))
    }

    /// The MAC of Flask-WTF's CSRF tokens.
    pub(super) fn csrf_mac(&self) -> HmacSha1 {
        <HmacSha1 as KeyInit>::new_from_slice(self.csrf.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// The MAC of Flask-Session's signed session ids.
    pub(super) fn sid_mac(&self) -> HmacSha1 {
        <HmacSha1 as KeyInit>::new_from_slice(self.sid.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    pub(super) fn session_mac(&self) -> HmacSha1 {
        <HmacSha1 as KeyInit>::new_from_slice(self.session.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }
}

/// Flask's `SECRET_KEY` and `SECRET_KEY_FALLBACKS`: signs and verifies Flask session
/// cookies and Flask-Login remember cookies.
///
/// Secrets may be of any length, as in Flask. Build it from the Python value's type:
/// [`from_bytes`](Self::from_bytes) for a `bytes` key, [`from_text`](Self::from_text) for a
/// `str` key (itsdangerous encodes a `str` as UTF-8 but Flask-Login as Latin-1, which
/// differ once the secret isn't ASCII). New cookies are signed with the current key;
/// the fallbacks only verify (Flask 3.1.0 signed with the last fallback instead,
/// GHSA-4grg-w6v8-c28g, fixed in 3.1.1). Key material is zeroed on drop and never printed.
///
/// Flask has no sessions at all with an empty `SECRET_KEY`: don't build a signer from one.
///
/// ```
/// use axum_sesame::flask::FlaskSigner;
///
/// let signer = FlaskSigner::from_text("new secret").with_fallback_text("old secret");
/// assert_eq!(format!("{signer:?}"), "FlaskSigner { fallbacks: 1, .. }");
/// ```
pub struct FlaskSigner {
    /// `SECRET_KEY`.
    pub(super) current: Secret,
    /// `SECRET_KEY_FALLBACKS`, in the order given.
    pub(super) fallbacks: Vec<Secret>,
}

impl FlaskSigner {
    /// A signer for a `SECRET_KEY` that is Python `bytes`.
    ///
    /// ```
    /// let signer = axum_sesame::flask::FlaskSigner::from_bytes(b"\x00\xffraw");
    /// # let _ = signer;
    /// ```
    pub fn from_bytes(secret: &[u8]) -> FlaskSigner {
        FlaskSigner {
            current: Secret::from_bytes(secret),
            fallbacks: Vec::new(),
        }
    }

    /// A signer for a `SECRET_KEY` that is a Python `str` (the usual case).
    ///
    /// ```
    /// let signer = axum_sesame::flask::FlaskSigner::from_text("k");
    /// # let _ = signer;
    /// ```
    pub fn from_text(secret: &str) -> FlaskSigner {
        FlaskSigner {
            current: Secret::from_text(secret),
            fallbacks: Vec::new(),
        }
    }

    /// Adds a `bytes` entry of `SECRET_KEY_FALLBACKS`: verifies, never signs.
    ///
    /// ```
    /// let signer = axum_sesame::flask::FlaskSigner::from_text("new").with_fallback(b"old");
    /// # let _ = signer;
    /// ```
    #[must_use]
    pub fn with_fallback(mut self, secret: &[u8]) -> FlaskSigner {
        self.fallbacks.push(Secret::from_bytes(secret));
        self
    }

    /// Adds a `str` entry of `SECRET_KEY_FALLBACKS`: verifies, never signs.
    ///
    /// ```
    /// let signer = axum_sesame::flask::FlaskSigner::from_text("new").with_fallback_text("old");
    /// # let _ = signer;
    /// ```
    #[must_use]
    pub fn with_fallback_text(mut self, secret: &str) -> FlaskSigner {
        self.fallbacks.push(Secret::from_text(secret));
        self
    }

    /// Secret material derived from the current secret, for the crate's own key in Flask
    /// mode (HKDF takes it at any length; nothing Flask reads is signed with it).
    pub(crate) fn internal_secret(&self) -> zeroize::Zeroizing<[u8; 20]> {
        let mut mac = self.current.session_mac();
        mac.update(b"axum-sesame/flask-mode/internal-key");
        zeroize::Zeroizing::new(mac.finalize().into_bytes().into())
    }

    /// Whether the current key or a fallback is empty (Flask has no sessions then).
    pub(crate) fn has_empty_secret(&self) -> bool {
        self.secrets().any(|(_, s)| s.session_is_empty())
    }

    /// Signs `signed_part` (`payload "." timestamp`) with the current key: a cookie
    /// around any bytes, for the fuzz targets' authentic-but-hostile inputs.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn sign_raw(&self, signed_part: &str) -> String {
        sign(self.current.session_mac(), signed_part)
    }

    /// Whether fallback keys are configured (a rotation is under way).
    pub(crate) fn has_fallbacks(&self) -> bool {
        !self.fallbacks.is_empty()
    }

    /// The secrets in the order they are tried: the current key, then the fallbacks.
    pub(super) fn secrets(&self) -> impl Iterator<Item = (bool, &Secret)> {
        std::iter::once((false, &self.current)).chain(self.fallbacks.iter().map(|s| (true, s)))
    }

    /// Encodes `session` (in the untagged form described in [`flask`](crate::flask)) as a Flask
    /// session cookie value signed at `timestamp` (seconds since the epoch) with the
    /// current key, as Flask's `save_session` would. The JSON is byte-identical to
    /// Flask's, and so is an uncompressed cookie.
    ///
    /// Compression follows itsdangerous's rule (the zlib stream must be shorter than the
    /// JSON minus one byte), measured on this crate's deflate output, which is not
    /// zlib's: at the margin the choice may differ from Python's. Both read either.
    ///
    /// # Errors
    /// [`EncodeError::TooDeep`] for values nested more than 32 levels deep (the session
    /// object counts as one) and [`EncodeError::TooLong`] for a cookie value longer than
    /// [`MAX_COOKIE_LEN`] (Flask would still send it; browsers drop it).
    ///
    /// ```
    /// use axum_sesame::flask::FlaskSigner;
    /// use serde_json::json;
    ///
    /// let session = json!({"_user_id": "1"});
    /// let cookie = FlaskSigner::from_text("k")
    ///     .encode_session(session.as_object().unwrap(), 1_700_000_000)
    ///     .unwrap();
    /// assert_eq!(cookie, "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I");
    /// ```
    pub fn encode_session(
        &self,
        session: &Map<String, Value>,
        timestamp: u64,
    ) -> Result<String, EncodeError> {
        let json = to_json(session)?;
        // A cookie that would inflate past what `decode_session` accepts is never written
        // (R45): the next request would refuse it and lose the session.
        if json.len() > MAX_DECOMPRESSED_LEN {
            return Err(EncodeError::TooLong { len: json.len() });
        }
        let out = dump_timed(self.current.session_mac(), json.as_bytes(), timestamp);
        if out.len() > MAX_COOKIE_LEN {
            return Err(EncodeError::TooLong { len: out.len() });
        }
        Ok(out)
    }

    /// Verifies and decodes a Flask session cookie value, as Flask's `open_session` with
    /// `max_age = PERMANENT_SESSION_LIFETIME` (in seconds) at time `now`.
    ///
    /// The signature is checked first (constant-time, against the current key and then
    /// each fallback), before any base64, zlib or JSON decoding. Then, as itsdangerous:
    /// a cookie older than `max_age` seconds is [`Expired`](DecodeError::Expired)
    /// (exactly `max_age` is still valid), and one signed after `now` is refused too.
    ///
    /// # Errors
    /// A [`DecodeError`] for anything but an authentic, unexpired, well-formed cookie:
    /// treat the session as empty, as Flask does.
    ///
    /// ```
    /// use axum_sesame::flask::{DecodeError, FlaskSigner};
    ///
    /// let signer = FlaskSigner::from_text("k");
    /// let cookie = "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I";
    /// let max_age = 31 * 24 * 3600;
    /// let decoded = signer.decode_session(cookie, 1_700_000_060, max_age).unwrap();
    /// assert_eq!(decoded.session["_user_id"], "1");
    /// assert_eq!(decoded.timestamp, 1_700_000_000);
    /// assert!(!decoded.by_fallback);
    ///
    /// let later = 1_700_000_000 + max_age + 1;
    /// assert_eq!(signer.decode_session(cookie, later, max_age).unwrap_err(), DecodeError::Expired);
    /// ```
    pub fn decode_session(
        &self,
        cookie: impl AsRef<[u8]>,
        now: u64,
        max_age: u64,
    ) -> Result<DecodedSession, DecodeError> {
        let cookie = cookie.as_ref();
        if cookie.len() > MAX_COOKIE_LEN {
            return Err(DecodeError::TooLong);
        }
        let opened = self.open_timed(cookie, now, max_age, Secret::session_mac)?;
        Ok(DecodedSession {
            session: from_json(&opened.json)?,
            timestamp: opened.timestamp,
            by_fallback: opened.by_fallback,
        })
    }

    /// itsdangerous's `URLSafeTimedSerializer.loads`: the signature checked (constant
    /// time, the current key then each fallback, with `mac` deriving each key's MAC)
    /// before anything is decoded, then the age, then base64 and zlib. The JSON bytes.
    pub(super) fn open_timed(
        &self,
        value: &[u8],
        now: u64,
        max_age: u64,
        mac: impl Fn(&Secret) -> HmacSha1,
    ) -> Result<Opened, DecodeError> {
        let (signed, sig) = rsplit_dot(value).ok_or(DecodeError::Malformed)?;
        if sig.len() != SIG_B64_LEN {
            return Err(DecodeError::BadSignature);
        }
        let mut by_fallback = None;
        for (fallback, secret) in self.secrets() {
            let mut mac = mac(secret);
            mac.update(signed);
            let mut expected = [0u8; SIG_B64_LEN];
            let written = URL_SAFE_NO_PAD
                .encode_slice(mac.finalize().into_bytes(), &mut expected)
                .map_err(|_| DecodeError::BadSignature)?;
            if written == SIG_B64_LEN && bool::from(expected.ct_eq(sig)) {
                by_fallback = Some(fallback);
                break;
            }
        }
        let by_fallback = by_fallback.ok_or(DecodeError::BadSignature)?;

        // Authentic from here on: the key holder wrote it.
        let (payload, ts) = rsplit_dot(signed).ok_or(DecodeError::BadTimestamp)?;
        let timestamp = decode_timestamp(ts).ok_or(DecodeError::BadTimestamp)?;
        let age = i128::from(now) - i128::from(timestamp);
        if age > i128::from(max_age) {
            return Err(DecodeError::Expired);
        }
        if age < 0 {
            return Err(DecodeError::FutureTimestamp);
        }

        let (compressed, payload) = match payload.strip_prefix(b".") {
            Some(rest) => (true, rest),
            None => (false, payload),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| DecodeError::BadBase64)?;
        let json = if compressed {
            inflate(&bytes, MAX_DECOMPRESSED_LEN)?
        } else {
            bytes
        };
        Ok(Opened {
            json,
            timestamp,
            by_fallback,
        })
    }
}

/// What [`FlaskSigner::open_timed`] verified.
pub(super) struct Opened {
    pub(super) json: Vec<u8>,
    pub(super) timestamp: u64,
    pub(super) by_fallback: bool,
}

impl fmt::Debug for FlaskSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlaskSigner")
            .field("fallbacks", &self.fallbacks.len())
            .finish_non_exhaustive()
    }
}

/// `value.rsplit(b".", 1)`, or `None` without a dot.
/// itsdangerous's `Signer.sign`: `value "." base64url(MAC(value))`.
pub(super) fn sign(mut mac: HmacSha1, value: &str) -> String {
    mac.update(value.as_bytes());
    let mut out = String::with_capacity(value.len() + 1 + SIG_B64_LEN);
    out.push_str(value);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut out);
    out
}

/// itsdangerous's `URLSafeTimedSerializer.dumps` of `json` at `timestamp`, signed with
/// `mac`: the payload (zlib'd behind a `.` when that is shorter by more than a byte, as
/// `if len(compressed) < (len(json) - 1)`), `.`, the timestamp's significant bytes, then
/// the signature. The counterpart of [`FlaskSigner::open_timed`].
pub(super) fn dump_timed(mac: HmacSha1, json: &[u8], timestamp: u64) -> String {
    let mut out = String::new();
    match compress(json) {
        Some(compressed) if compressed.len() + 1 < json.len() => {
            out.push('.');
            URL_SAFE_NO_PAD.encode_string(&compressed, &mut out);
        }
        _ => URL_SAFE_NO_PAD.encode_string(json, &mut out),
    }
    out.push('.');
    let ts = timestamp.to_be_bytes();
    let first = ts.iter().position(|&b| b != 0).unwrap_or(ts.len());
    URL_SAFE_NO_PAD.encode_string(&ts[first..], &mut out);
    sign(mac, &out)
}

pub(super) fn rsplit_dot(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let dot = value.iter().rposition(|&b| b == b'.')?;
    Some((value.get(..dot)?, value.get(dot + 1..)?))
}

/// itsdangerous's `bytes_to_int(base64_decode(ts))`: up to 8 big-endian bytes.
pub(super) fn decode_timestamp(ts: &[u8]) -> Option<u64> {
    let mut buf = [0u8; 9];
    let len = URL_SAFE_NO_PAD.decode_slice(ts, &mut buf).ok()?;
    let bytes = buf.get(..len).filter(|b| b.len() <= 8)?;
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// `zlib.compress(json)` at the default level, or `None` if the encoder fails.
pub(super) fn compress(json: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(json).ok()?;
    encoder.finish().ok()
}

/// `zlib.decompress(data)`, refusing more than `cap` bytes of output (without ever
/// holding more than `cap + 1`), truncated streams and bytes after the stream's end.
pub(super) fn inflate(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    const STEP: usize = 16 * 1024;
    let limit = cap.saturating_add(1);
    let mut inflater = Decompress::new(true);
    let mut out = Vec::with_capacity(limit.min(STEP));
    loop {
        let consumed = usize::try_from(inflater.total_in()).map_err(|_| DecodeError::BadZlib)?;
        let input = data.get(consumed..).ok_or(DecodeError::BadZlib)?;
        let produced = out.len();
        let status = inflater
            // Not `Finish`: miniz_oxide then wants all the output in the first buffer.
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|_| DecodeError::BadZlib)?;
        if out.len() > cap {
            return Err(DecodeError::TooLarge);
        }
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError if out.len() == out.capacity() => {
                out.reserve_exact((limit - out.len()).min(STEP));
            }
            Status::Ok | Status::BufError => {
                let progress = out.len() != produced || inflater.total_in() != consumed as u64;
                if !progress {
                    // Out of input before the end of the stream.
                    return Err(DecodeError::BadZlib);
                }
            }
        }
    }
    if inflater.total_in() != data.len() as u64 {
        return Err(DecodeError::BadZlib);
    }
    Ok(out)
}

/// A verified Flask session cookie.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodedSession {
    /// The session, in the untagged form described in [`flask`](crate::flask).
    pub session: Map<String, Value>,
    /// When it was signed, in seconds since the epoch.
    pub timestamp: u64,
    /// Whether a key from `SECRET_KEY_FALLBACKS` verified it: re-issue the cookie with
    /// the current key.
    pub by_fallback: bool,
}
