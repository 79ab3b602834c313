//! Flask-WTF's CSRF tokens, so migrated POST forms keep their protection: the raw token
//! lives in the session under `csrf_token`, the form carries it signed with
//! `URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token")` (itsdangerous's defaults:
//! HMAC-SHA1, `django-concat` key derivation), valid for `WTF_CSRF_TIME_LIMIT` (3600 s).
//! A form rendered by Flask posts to axum, and one rendered here posts to Flask.

use std::fmt;

use super::error::DecodeError;
use super::signer::{FlaskSigner, Secret, dump_timed};

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

impl FlaskSigner {
    /// Flask-WTF's signed form token for the raw session token `raw`, signed at
    /// `timestamp` with the current key.
    pub fn encode_csrf_token(&self, raw: &str, timestamp: u64) -> String {
        // A JSON string; a hex token never compresses, others may, as itsdangerous does.
        let json = serde_json::to_vec(raw).unwrap_or_default();
        dump_timed(self.current.csrf_mac(), &json, timestamp)
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
