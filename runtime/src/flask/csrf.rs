//! Flask-WTF's CSRF tokens, so migrated POST forms keep their protection: the raw token
//! lives in the session under `csrf_token`, the form carries it signed with
//! `URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token")` (itsdangerous's defaults:
//! HMAC-SHA1, `django-concat` key derivation), valid for `WTF_CSRF_TIME_LIMIT` (3600 s).
//! A form rendered by Flask posts to axum, and one rendered here posts to Flask.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use subtle::ConstantTimeEq;

use super::error::DecodeError;
use super::signer::{FlaskSigner, Secret, compress};
use crate::Session;

/// The session key and form field Flask-WTF uses (`WTF_CSRF_FIELD_NAME`).
pub const CSRF_FIELD: &str = "csrf_token";

/// Flask-WTF's default `WTF_CSRF_TIME_LIMIT`, in seconds.
pub const CSRF_TIME_LIMIT: u64 = 3600;

/// Why a CSRF token was refused, as Flask-WTF's `validate_csrf` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfError {
    /// No token was posted.
    Missing,
    /// The session holds no raw token (it never rendered a form).
    SessionTokenMissing,
    /// Older than the time limit.
    Expired,
    /// Not signed with this key, or malformed.
    Invalid,
    /// Authentic, but for another session.
    Mismatch,
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfError::Missing => "The CSRF token is missing.",
            CsrfError::SessionTokenMissing => "The CSRF session token is missing.",
            CsrfError::Expired => "The CSRF token has expired.",
            CsrfError::Invalid => "The CSRF token is invalid.",
            CsrfError::Mismatch => "The CSRF tokens do not match.",
        })
    }
}

impl std::error::Error for CsrfError {}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl FlaskSigner {
    /// Flask-WTF's signed form token for the raw session token `raw`, signed at
    /// `timestamp` with the current key.
    pub fn encode_csrf_token(&self, raw: &str, timestamp: u64) -> String {
        // A JSON string; a hex token never compresses, others may, as itsdangerous does.
        let json = serde_json::to_vec(raw).unwrap_or_default();
        let mut out = String::new();
        match compress(&json) {
            Some(c) if c.len() + 1 < json.len() => {
                out.push('.');
                URL_SAFE_NO_PAD.encode_string(&c, &mut out);
            }
            _ => URL_SAFE_NO_PAD.encode_string(&json, &mut out),
        }
        out.push('.');
        let ts = timestamp.to_be_bytes();
        let first = ts.iter().position(|&b| b != 0).unwrap_or(ts.len());
        URL_SAFE_NO_PAD.encode_string(&ts[first..], &mut out);
        let mut mac = self.current.csrf_mac();
        mac.update(out.as_bytes());
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut out);
        out
    }

    /// The raw token inside a signed form token, checked as itsdangerous's
    /// `loads(token, max_age)` checks it (the current key, then the fallbacks).
    ///
    /// # Errors
    /// [`DecodeError::Expired`] past `max_age`; another [`DecodeError`] for anything that
    /// is not an authentic token.
    pub fn decode_csrf_token(
        &self,
        token: &[u8],
        now: u64,
        max_age: u64,
    ) -> Result<String, DecodeError> {
        if token.len() > 1024 {
            return Err(DecodeError::TooLong);
        }
        let opened = self.open_timed(token, now, max_age, Secret::csrf_mac)?;
        serde_json::from_slice(&opened.json).map_err(|_| DecodeError::BadJson)
    }
}

/// Flask-WTF's `generate_csrf`: the signed token for this session's form, creating the
/// session's raw token (40 hex digits) when it has none.
///
/// # Errors
/// [`EncodeError::Random`](crate::codec::EncodeError::Random) when the OS random
/// generator fails.
///
/// ```
/// use axum_sesame::Session;
/// use axum_sesame::flask::{CSRF_TIME_LIMIT, FlaskSigner, generate_csrf, validate_csrf};
///
/// fn signer() -> FlaskSigner {
///     FlaskSigner::from_text("the Flask app's SECRET_KEY")
/// }
///
/// async fn form(session: Session) -> String {
///     let token = generate_csrf(&session, &signer()).unwrap();
///     format!(r#"<form method="post"><input type="hidden" name="csrf_token" value="{token}">"#)
/// }
///
/// async fn submit(session: Session, posted: String) -> Result<&'static str, String> {
///     validate_csrf(&session, &signer(), &posted, CSRF_TIME_LIMIT).map_err(|e| e.to_string())?;
///     Ok("saved")
/// }
/// # let _ = (form, submit);
/// ```
pub fn generate_csrf(
    session: &Session,
    signer: &FlaskSigner,
) -> Result<String, crate::codec::EncodeError> {
    let raw = match session.get::<String>(CSRF_FIELD) {
        Some(raw) => raw,
        None => {
            let mut bytes = [0u8; 20];
            getrandom::fill(&mut bytes).map_err(|_| crate::codec::EncodeError::Random)?;
            let raw: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            session.insert_value(CSRF_FIELD, serde_json::Value::String(raw.clone()));
            raw
        }
    };
    Ok(signer.encode_csrf_token(&raw, now()))
}

/// Flask-WTF's `validate_csrf`: whether `token` (the posted field) is this session's,
/// signed within `time_limit` seconds ([`CSRF_TIME_LIMIT`] by default in Flask-WTF).
///
/// # Errors
/// A [`CsrfError`] saying why, with Flask-WTF's messages: answer 400.
pub fn validate_csrf(
    session: &Session,
    signer: &FlaskSigner,
    token: &str,
    time_limit: u64,
) -> Result<(), CsrfError> {
    if token.is_empty() {
        return Err(CsrfError::Missing);
    }
    let Some(raw) = session.get::<String>(CSRF_FIELD) else {
        return Err(CsrfError::SessionTokenMissing);
    };
    let posted = match signer.decode_csrf_token(token.as_bytes(), now(), time_limit) {
        Ok(posted) => posted,
        Err(DecodeError::Expired) => return Err(CsrfError::Expired),
        Err(_) => return Err(CsrfError::Invalid),
    };
    if bool::from(posted.as_bytes().ct_eq(raw.as_bytes())) {
        Ok(())
    } else {
        Err(CsrfError::Mismatch)
    }
}
