//! Why a Flask session cookie or record could not be read or written.

use std::fmt;

/// Why a Flask session cookie was refused. Every case means "no session".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Longer than [`MAX_COOKIE_LEN`](super::MAX_COOKIE_LEN).
    TooLong,
    /// Not `payload.timestamp.signature`.
    Malformed,
    /// No key made this signature.
    BadSignature,
    /// Signed, but the timestamp isn't base64 of at most 8 bytes.
    BadTimestamp,
    /// Signed more than `max_age` seconds before `now`.
    Expired,
    /// Signed after `now` (itsdangerous raises `SignatureExpired` for this too).
    FutureTimestamp,
    /// Signed, but the payload isn't canonical unpadded base64url.
    BadBase64,
    /// Signed, but the `.`-marked payload isn't one complete zlib stream.
    BadZlib,
    /// Signed, but the payload inflates past [`MAX_DECOMPRESSED_LEN`](super::MAX_DECOMPRESSED_LEN).
    TooLarge,
    /// Signed, but not a JSON object in UTF-8 (or nested too deep).
    BadJson,
    /// Signed, but a tagged value Flask doesn't write (` t` over a non-array, ` di` not
    /// over one `key__`, ` b`/` m`/` u`/` d` over a non-string), or a dict escaped with
    /// ` di` whose only key is ` b`, ` m`, ` u` or ` d` over a string, which the untagged
    /// form can't tell apart from the tagged value.
    BadTag,
    /// A Flask-Session record that isn't one msgpack map with string keys holding values
    /// the untagged form has ([`from_msgpack`](super::from_msgpack)).
    BadMsgpack,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::TooLong => "Flask session cookie longer than 4096 bytes",
            DecodeError::Malformed => "malformed Flask session cookie",
            DecodeError::BadSignature => "bad Flask session cookie signature",
            DecodeError::BadTimestamp => "malformed Flask session timestamp",
            DecodeError::Expired => "Flask session cookie expired",
            DecodeError::FutureTimestamp => "Flask session cookie signed in the future",
            DecodeError::BadBase64 => "Flask session payload is not base64url",
            DecodeError::BadZlib => "Flask session payload is not a complete zlib stream",
            DecodeError::TooLarge => "Flask session payload inflates past the limit",
            DecodeError::BadJson => "Flask session payload is not a JSON object",
            DecodeError::BadTag => "Flask session payload has a malformed tagged value",
            DecodeError::BadMsgpack => "Flask-Session record is not a msgpack map",
        })
    }
}

impl std::error::Error for DecodeError {}

/// Why a session could not be encoded as a Flask cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A value is nested more than 32 levels deep.
    TooDeep,
    /// The cookie value would be longer than [`MAX_COOKIE_LEN`](super::MAX_COOKIE_LEN) (browsers drop it), or
    /// its JSON longer than [`MAX_DECOMPRESSED_LEN`](super::MAX_DECOMPRESSED_LEN) (it would not be read back).
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A ` b` that isn't padded standard base64, or a ` d` that isn't an HTTP date (a
    /// Flask-Session record holds the typed value itself).
    BadTypedValue,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooDeep => f.write_str("session value nested too deep"),
            EncodeError::TooLong { len } => write!(
                f,
                "Flask session of {len} bytes is over the cookie's 4096 (or 65536 inflated)"
            ),
            EncodeError::BadTypedValue => f.write_str("malformed typed value in the session"),
        }
    }
}

impl std::error::Error for EncodeError {}
