//! The remember-me cookie: its own purpose, expiry checked on the server, and the
//! session auth hash, so a password change ends it.

use serde::{Deserialize, Serialize};

use crate::codec::{Codec, EncodeError};
use crate::key::Purpose;
use crate::session::incoming::Unread;
use crate::session::payload::{Digest16, SessionId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RememberPayload {
    /// User id.
    pub(crate) uid: String,
    /// Random token id.
    pub(crate) rid: SessionId,
    /// Issued at.
    pub(crate) iat: u64,
    /// Expires at (enforced here, whatever the cookie's `Max-Age`).
    pub(crate) exp: u64,
    /// Session auth hash of the user when it was issued.
    pub(crate) ah: Digest16,
    /// Verified under a fallback key: re-issue it under the current one (R46; in Flask
    /// mode the current key is all Flask-Login checks).
    #[serde(skip)]
    pub(crate) rotated: bool,
}

impl RememberPayload {
    /// A new token `rid` for `uid`, valid `secs` from `now`.
    pub(crate) fn new(uid: String, rid: SessionId, ah: Digest16, now: u64, secs: u64) -> Self {
        RememberPayload {
            uid,
            rid,
            iat: now,
            exp: now.saturating_add(secs),
            ah,
            rotated: false,
        }
    }

    /// A remember cookie that says only the user id (Flask-Login's), honoured for `secs`
    /// from now (the cookie carries no time).
    #[cfg(feature = "flask")]
    pub(crate) fn untimed(uid: String, rotated: bool, now: u64, secs: u64) -> Self {
        RememberPayload {
            uid,
            rid: SessionId::from_bytes([0; 16]),
            iat: now,
            exp: now.saturating_add(secs),
            ah: Digest16([0; 16]),
            rotated,
        }
    }

    /// Verifies, parses and time-checks a remember cookie: [`Unread::Unreadable`] when it
    /// does not verify or is dated in the future (left alone, R47), [`Unread::Stale`] when
    /// it is ours but expired (deleted, R25).
    pub(crate) fn open(
        codec: &Codec,
        name: &str,
        value: &[u8],
        now: u64,
        skew: u64,
    ) -> Result<Self, Unread> {
        let decoded = codec
            .decode(Purpose::Remember, name, value)
            .map_err(|_| Unread::Unreadable)?;
        let mut p: RememberPayload =
            serde_json::from_slice(&decoded.payload).map_err(|_| Unread::Stale)?;
        p.rotated = decoded.rotated;
        if p.iat > now.saturating_add(skew) {
            crate::session::incoming::note_clock_skew("remember", p.iat - now, skew);
            return Err(Unread::Unreadable);
        }
        if p.iat > p.exp || now > p.exp {
            return Err(Unread::Stale);
        }
        Ok(p)
    }

    pub(crate) fn seal(&self, codec: &Codec, name: &str) -> Result<String, EncodeError> {
        // Strings and integers always serialize.
        let json = serde_json::to_vec(self).unwrap_or_default();
        codec.encode(Purpose::Remember, name, &json)
    }

    /// Seconds left, for the cookie's `Max-Age`.
    pub(crate) fn remaining(&self, now: u64) -> u64 {
        self.exp.saturating_sub(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    #[test]
    fn expiry_is_enforced_and_purpose_is_bound() {
        let codec = Codec::new(Key::from_bytes(&[4; 32]));
        let rid = SessionId::random().unwrap();
        let p = RememberPayload::new("foo".into(), rid, Digest16([9; 16]), 1000, 60);
        let v = p.seal(&codec, "remember_token").unwrap();
        assert_eq!(
            RememberPayload::open(&codec, "remember_token", v.as_bytes(), 1060, 60),
            Ok(p.clone())
        );
        assert_eq!(
            RememberPayload::open(&codec, "remember_token", v.as_bytes(), 1061, 60),
            Err(Unread::Stale)
        );
        assert_eq!(
            RememberPayload::open(&codec, "remember_token", v.as_bytes(), 900, 60),
            Err(Unread::Unreadable)
        );
        assert_eq!(
            RememberPayload::open(&codec, "session", v.as_bytes(), 1000, 60),
            Err(Unread::Unreadable)
        );
        // A session value in the remember cookie is refused (another purpose).
        let s = codec
            .encode(
                Purpose::Session,
                "remember_token",
                &serde_json::to_vec(&p).unwrap(),
            )
            .unwrap();
        assert_eq!(
            RememberPayload::open(&codec, "remember_token", s.as_bytes(), 1000, 60),
            Err(Unread::Unreadable)
        );
    }
}
