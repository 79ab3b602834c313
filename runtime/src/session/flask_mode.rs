//! Flask mode: the session cookie is Flask's, the login keys are Flask-Login's, and the
//! remember cookie is Flask-Login's, so a Flask app and this one share logins.
//!
//! A Flask session dict maps onto the request's session state:
//!
//! | Flask | here |
//! |---|---|
//! | `_user_id` | the logged-in user id |
//! | `_fresh` | fresh (the cookie's signing time counts as the time of the login) |
//! | `_id` | the client identity of session protection, in Flask-Login's format |
//! | `_permanent` | permanent |
//! | `_flashes` | flashed messages |
//! | anything else | session data, in the untagged form of [`crate::flask`] |
//!
//! Flask-Login has no session auth hash, so in this mode a password change does not end
//! other sessions by itself (give users an id that changes with the password, as
//! Flask-Login's documentation suggests, to get that).

use std::sync::Arc;

use http::request::Parts;
use serde_json::{Map, Value};

use crate::codec::EncodeError;
use crate::flask_format::{FlaskSigner, IdentifierFormat, keys};
use crate::session::incoming::{Incoming, Unread};
use crate::session::lifetimes::Lifetimes;
use crate::session::state::{ClientId, SessionState};

/// The Flask side of a session layer's settings.
pub(crate) struct FlaskMode {
    pub(crate) signer: Arc<FlaskSigner>,
    pub(crate) identifier: IdentifierFormat,
}

impl std::fmt::Debug for FlaskMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlaskMode")
            .field("signer", &self.signer)
            .field("identifier", &self.identifier)
            .finish()
    }
}

/// Keys that live in their own fields of the session state.
const OWN_KEYS: [&str; 5] = [
    keys::USER_ID,
    keys::FRESH,
    keys::ID,
    keys::PERMANENT,
    keys::FLASHES,
];

impl FlaskMode {
    /// Verifies and reads a Flask session cookie. Flask refuses cookies signed more than
    /// `PERMANENT_SESSION_LIFETIME` ago, permanent or not, and so does this.
    pub(crate) fn open(
        &self,
        value: &[u8],
        now: u64,
        lifetimes: &Lifetimes,
    ) -> Result<SessionState, Unread> {
        let decoded = self
            .signer
            .decode_session(value, now, lifetimes.permanent)
            .map_err(|reason| {
                tracing::debug!(target: "axum_sesame::session", %reason, "ignoring Flask session cookie");
                // Flask deletes nothing it cannot read; an expired cookie may go (R47).
                match reason {
                    crate::flask_format::DecodeError::Expired => Unread::Stale,
                    _ => Unread::Unreadable,
                }
            })?;
        Self::state_of(decoded.session, decoded.timestamp, decoded.by_fallback)
    }

    /// Reads a Flask-Session record, loaded at `now`.
    #[cfg(feature = "redis")]
    pub(crate) fn from_record(
        record: &[u8],
        now: u64,
        by_fallback: bool,
    ) -> Result<SessionState, Unread> {
        let data = crate::flask_format::from_msgpack(record).map_err(|reason| {
            tracing::debug!(target: "axum_sesame::session", %reason, "ignoring Flask-Session record");
            Unread::Unreadable
        })?;
        Self::state_of(data, now, by_fallback)
    }

    /// The session state of a Flask session dict, written (or read) at `timestamp`.
    fn state_of(
        mut data: Map<String, Value>,
        timestamp: u64,
        by_fallback: bool,
    ) -> Result<SessionState, Unread> {
        let flashes = crate::flask_format::flashes(&data).map_err(|_| Unread::Unreadable)?;
        let uid = match data.get(keys::USER_ID) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(Unread::Unreadable),
        };
        let fresh = crate::flask_format::is_fresh(&data);
        let cid = match data.get(keys::ID) {
            Some(Value::String(s)) => Some(ClientId::Flask(s.clone())),
            _ => None,
        };
        let permanent = crate::flask_format::is_permanent(&data);
        for key in OWN_KEYS {
            data.remove(key);
        }
        let mut state = SessionState::empty(Incoming::Valid {
            rotated: by_fallback,
        });
        state.iat = timestamp;
        state.seen = timestamp;
        state.permanent = permanent;
        state.fat = (uid.is_some() && fresh).then_some(timestamp);
        state.uid = uid;
        state.cid = cid;
        state.data = data;
        state.flashes = flashes;
        Ok(state)
    }

    /// The session as the dict Flask keeps, signed now.
    pub(crate) fn seal(&self, state: &SessionState, now: u64) -> Result<String, EncodeError> {
        let map = Self::to_map(state);
        self.signer.encode_session(&map, now).map_err(|e| match e {
            crate::flask_format::EncodeError::TooLong { len } => EncodeError::TooLarge { len },
            _ => EncodeError::Unencodable,
        })
    }

    /// The session as the dict Flask keeps.
    pub(crate) fn to_map(state: &SessionState) -> Map<String, Value> {
        let mut map: Map<String, Value> = state.data.clone();
        if let Some(uid) = &state.uid {
            map.insert(keys::USER_ID.to_owned(), Value::from(uid.as_str()));
            map.insert(keys::FRESH.to_owned(), Value::Bool(state.fat.is_some()));
            if let Some(ClientId::Flask(id)) = &state.cid {
                map.insert(keys::ID.to_owned(), Value::from(id.as_str()));
            }
        }
        if state.permanent {
            crate::flask_format::set_permanent(&mut map, true);
        }
        if !state.flashes.is_empty() {
            crate::flask_format::set_flashes(&mut map, &state.flashes);
        }
        map
    }

    /// Flask-Login's `_id` for this request.
    pub(crate) fn identifier(&self, parts: &Parts) -> String {
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .map(http::HeaderValue::as_bytes);
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip().to_string());
        match self.identifier {
            IdentifierFormat::V06 => {
                let forwarded = parts
                    .headers
                    .get("x-forwarded-for")
                    .map(http::HeaderValue::as_bytes);
                crate::flask_format::session_identifier_v06(peer.as_deref(), forwarded, user_agent)
            }
            IdentifierFormat::Main => {
                crate::flask_format::session_identifier(peer.as_deref(), user_agent)
            }
        }
    }
}
