//! The signed session payload and its server-side time checks. The cookie and a store
//! record carry it as compact bytes (`compact.rs`, which also opens a cookie).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codec::{DecodeError, EncodeError};
use crate::session::lifetimes::Lifetimes;

/// A random 128-bit session id (from the OS's CSPRNG). In store mode it is the record's
/// key and the only thing the cookie carries; its `Debug` output is redacted.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub(crate) [u8; 16]);

impl SessionId {
    /// A fresh id from the operating system's CSPRNG.
    ///
    /// # Errors
    /// When the OS random generator fails.
    ///
    /// ```
    /// let id = axum_sesame::store::SessionId::random().unwrap();
    /// assert_eq!(id.to_base64().len(), 22);
    /// ```
    pub fn random() -> Result<SessionId, EncodeError> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| EncodeError::Random)?;
        Ok(SessionId(id))
    }

    /// An id with these bytes (for stores that list their keys; new ids come from
    /// [`SessionId::random`]).
    pub fn from_bytes(bytes: [u8; 16]) -> SessionId {
        SessionId(bytes)
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The id as 22 characters of unpadded base64url (e.g. for a store key).
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Parses what [`to_base64`](SessionId::to_base64) wrote (`None` for anything else).
    ///
    /// ```
    /// let id = axum_sesame::store::SessionId::random().unwrap();
    /// assert_eq!(axum_sesame::store::SessionId::from_base64(&id.to_base64()), Some(id));
    /// assert_eq!(axum_sesame::store::SessionId::from_base64("short"), None);
    /// ```
    pub fn from_base64(text: &str) -> Option<SessionId> {
        let mut out = [0u8; 18];
        match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut out) {
            Ok(16) if text.len() == 22 => {
                let mut id = [0u8; 16];
                id.copy_from_slice(&out[..16]);
                Some(SessionId(id))
            }
            _ => None,
        }
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Session ids are bearer secrets in store mode: never print them.
        f.write_str("SessionId(..)")
    }
}

impl Serialize for SessionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        b64_16::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SessionId, D::Error> {
        b64_16::deserialize(d).map(SessionId)
    }
}

/// 16 bytes on the wire as exactly 22 characters of unpadded base64url, with no
/// allocation either way.
mod b64_16 {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::Deserialize as _;

    pub(super) fn serialize<S: serde::Serializer>(
        bytes: &[u8; 16],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 22];
        let n = URL_SAFE_NO_PAD
            .encode_slice(bytes, &mut buf)
            .map_err(serde::ser::Error::custom)?;
        let text = std::str::from_utf8(&buf[..n]).map_err(serde::ser::Error::custom)?;
        s.serialize_str(text)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<[u8; 16], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let mut out = [0u8; 18];
        match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut out) {
            Ok(16) => {
                let mut id = [0u8; 16];
                id.copy_from_slice(&out[..16]);
                Ok(id)
            }
            _ => Err(serde::de::Error::custom("expected 16 bytes of base64url")),
        }
    }
}

/// A 16-byte digest carried in the payload (the auth hash, the client identity): on the
/// wire 22 characters of base64url, in memory a fixed array compared in constant time.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Digest16(#[serde(with = "b64_16")] pub(crate) [u8; 16]);

impl Digest16 {
    /// Constant-time equality.
    pub(crate) fn ct_eq(&self, other: &Digest16) -> bool {
        constant_time_eq::constant_time_eq_16(&self.0, &other.0)
    }
}

impl PartialEq for Digest16 {
    fn eq(&self, other: &Digest16) -> bool {
        self.ct_eq(other)
    }
}

impl std::fmt::Debug for Digest16 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Digest16(..)")
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the session cookie carries. Field names are short: they travel on every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Payload {
    /// Session id: created with the first login (rotated on every authentication event),
    /// always present in store mode. A cookie-mode session that never had a login (say,
    /// only a flashed message) needs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<SessionId>,
    /// Created at (seconds since the epoch); never refreshed.
    pub(crate) iat: u64,
    /// Last written at.
    pub(crate) seen: u64,
    /// Permanent session.
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) perm: bool,
    /// Logged-in user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) uid: Option<String>,
    /// Time of the last password entry (fresh login); absent when not fresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fat: Option<u64>,
    /// Session auth hash of the logged-in user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ah: Option<Digest16>,
    /// Client identity at login (session protection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cid: Option<Digest16>,
    /// Restored from the remember cookie.
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) rem: bool,
    /// Application data (the Flask `session` dict).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) d: Map<String, Value>,
    /// Flashed messages: `[category, message]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) f: Vec<(String, String)>,
    /// Store mode: the remember token issued in (or restoring) this session, ended with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rt: Option<SessionId>,
}

/// Whether a session last written at `seen` should be re-sent to slide its lifetime
/// forward.
pub(crate) fn needs_refresh(permanent: bool, seen: u64, now: u64, lifetimes: &Lifetimes) -> bool {
    let window = match (permanent, lifetimes.idle) {
        (true, Some(idle)) => lifetimes.permanent.min(idle),
        (true, None) => lifetimes.permanent,
        (false, Some(idle)) => idle,
        (false, None) => return false,
    };
    // Re-send at most once a minute, sooner for short windows.
    now.saturating_sub(seen) >= (window / 2).min(60)
}

/// Why an authentic payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Decode(DecodeError),
    Schema,
    /// Dated this many seconds ahead of the local clock, beyond the skew tolerated.
    Future(u64),
    Expired,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Decode(e) => e.fmt(f),
            Refused::Schema => f.write_str("session payload does not match the schema"),
            Refused::Future(ahead) => write!(
                f,
                "session timestamp lies {ahead} s in the future, beyond the clock skew tolerated"
            ),
            Refused::Expired => f.write_str("session expired"),
        }
    }
}

impl Payload {
    /// A session created (and last written) at `iat` that carries nothing yet.
    pub(crate) fn new(iat: u64) -> Payload {
        Payload {
            sid: None,
            iat,
            seen: iat,
            perm: false,
            uid: None,
            fat: None,
            ah: None,
            cid: None,
            rem: false,
            d: Map::new(),
            f: Vec::new(),
            rt: None,
        }
    }

    /// Checks the timestamps against `now`. An age equal to a lifetime is still valid.
    pub(crate) fn check_times(&self, now: u64, lifetimes: &Lifetimes) -> Result<(), Refused> {
        let limit = now.saturating_add(lifetimes.skew);
        let latest = self.iat.max(self.seen).max(self.fat.unwrap_or(0));
        if latest > limit {
            return Err(Refused::Future(latest - now));
        }
        if self.seen < self.iat {
            return Err(Refused::Schema);
        }
        let since_created = now.saturating_sub(self.iat);
        let since_seen = now.saturating_sub(self.seen);
        if since_created > lifetimes.absolute
            || (self.perm && since_seen > lifetimes.permanent)
            || lifetimes.idle.is_some_and(|idle| since_seen > idle)
        {
            return Err(Refused::Expired);
        }
        Ok(())
    }

    /// The payload as compact JSON (what the compact bytes are measured against).
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Vec<u8> {
        // Serializing plain strings, numbers and `Value`s cannot fail.
        let mut json = Vec::with_capacity(256);
        let _ = serde_json::to_writer(&mut json, self);
        json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 3600;
    const NOW: u64 = 1_700_000_000;

    fn lifetimes() -> Lifetimes {
        Lifetimes {
            permanent: 31 * DAY,
            absolute: 31 * DAY,
            idle: None,
            skew: 60,
        }
    }

    fn payload(iat: u64, seen: u64) -> Payload {
        Payload {
            sid: Some(SessionId([7; 16])),
            seen,
            ..Payload::new(iat)
        }
    }

    #[test]
    fn expiry_boundaries() {
        let l = lifetimes();
        // Absolute: age == lifetime is valid, one more second is not.
        assert!(payload(NOW - 31 * DAY, NOW).check_times(NOW, &l).is_ok());
        assert_eq!(
            payload(NOW - 31 * DAY - 1, NOW).check_times(NOW, &l),
            Err(Refused::Expired)
        );
        // Permanent sessions slide from the last write.
        let short = Lifetimes { permanent: 60, ..l };
        let mut p = payload(NOW - 1000, NOW - 60);
        p.perm = true;
        assert!(p.check_times(NOW, &short).is_ok());
        p.seen = NOW - 61;
        assert_eq!(p.check_times(NOW, &short), Err(Refused::Expired));
        // Idle timeout applies to all sessions.
        let idle = Lifetimes {
            idle: Some(30),
            ..l
        };
        assert!(payload(NOW - 100, NOW - 30).check_times(NOW, &idle).is_ok());
        assert_eq!(
            payload(NOW - 100, NOW - 31).check_times(NOW, &idle),
            Err(Refused::Expired)
        );
    }

    #[test]
    fn future_and_inconsistent_timestamps_are_refused() {
        let l = lifetimes();
        assert_eq!(
            payload(NOW + 3600, NOW + 3600).check_times(NOW, &l),
            Err(Refused::Future(3600))
        );
        assert!(payload(NOW + 60, NOW + 60).check_times(NOW, &l).is_ok());
        assert_eq!(
            payload(NOW, NOW + 61).check_times(NOW, &l),
            Err(Refused::Future(61))
        );
        // The tolerance is a setting.
        let wide = Lifetimes { skew: 600, ..l };
        assert!(
            payload(NOW + 600, NOW + 600)
                .check_times(NOW, &wide)
                .is_ok()
        );
        let none = Lifetimes { skew: 0, ..l };
        assert_eq!(
            payload(NOW + 1, NOW + 1).check_times(NOW, &none),
            Err(Refused::Future(1))
        );
        assert_eq!(
            payload(NOW, NOW - 1).check_times(NOW, &l),
            Err(Refused::Schema)
        );
        assert_eq!(
            payload(u64::MAX, u64::MAX).check_times(NOW, &l),
            Err(Refused::Future(u64::MAX - NOW))
        );
        assert_eq!(payload(0, 0).check_times(NOW, &l), Err(Refused::Expired));
    }

    #[test]
    fn session_ids_are_random_and_22_chars() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            let id = SessionId::random().unwrap();
            assert!(seen.insert(id.0), "collision");
        }
        let json = serde_json::to_string(&SessionId::random().unwrap()).unwrap();
        assert_eq!(json.len(), 22 + 2);
    }
}
