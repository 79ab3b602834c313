//! The session cookie's format, chosen once when the layer is built: ours (the v1 format
//! of [`crate::codec`]) or Flask's.
//!
//! This is the seam of Flask mode. Every session-level question whose answer differs
//! between the two formats is asked here, and the login layer's own cookies ask theirs
//! in `login/format.rs`; no other file branches on Flask mode. The rest of the code
//! calls [`CookieFormat`]'s methods, which say what the format does, never which format
//! it is.

use http::HeaderMap;

use crate::codec::{Codec, EncodeError};
use crate::session::cookie_settings::CookieSettings;
use crate::session::failure::Failure;
use crate::session::incoming::{Unread, note_clock_skew};
use crate::session::lifetimes::Lifetimes;
use crate::session::memo;
use crate::session::payload;
use crate::session::state::SessionState;
use crate::session::store::StoreError;

/// How sessions and logins are written into cookies.
#[derive(Debug)]
pub(crate) enum CookieFormat {
    /// Ours: a signed (optionally encrypted) payload, or in store mode a signed id.
    Sesame,
    /// Flask's session cookie with Flask-Login's keys, or Flask-Session's records.
    #[cfg(feature = "flask")]
    Flask(FlaskFormat),
}

/// Flask mode's settings.
#[cfg(feature = "flask")]
#[derive(Debug)]
pub(crate) struct FlaskFormat {
    /// Flask's signer and Flask-Login's identifier format.
    pub(crate) mode: crate::session::flask_mode::FlaskMode,
    /// Flask-Session's records: the session is the record, the cookie its id.
    #[cfg(feature = "redis")]
    pub(crate) records: Option<std::sync::Arc<crate::session::flask_store::FlaskSessionRedis>>,
}

#[cfg(feature = "flask")]
impl FlaskFormat {
    #[cfg_attr(not(feature = "redis"), allow(clippy::unused_self))]
    fn keeps_records(&self) -> bool {
        #[cfg(feature = "redis")]
        return self.records.is_some();
        #[cfg(not(feature = "redis"))]
        false
    }
}

/// Record work of a format that keeps its own records (Flask-Session's), run after the
/// handler; without such a format, a type with no values.
#[cfg(all(feature = "flask", feature = "redis"))]
pub(crate) type RecordOp = crate::session::flask_store::FlaskOp;

/// Record work of a format that keeps its own records: none in this build.
#[cfg(not(all(feature = "flask", feature = "redis")))]
#[derive(Debug)]
pub(crate) enum RecordOp {}

#[cfg(not(all(feature = "flask", feature = "redis")))]
impl RecordOp {
    pub(crate) fn sets_cookie(&self) -> bool {
        match *self {}
    }

    #[allow(clippy::unused_async)]
    pub(crate) async fn run(self) -> Result<Vec<String>, Failure> {
        match self {}
    }
}

/// What a response does with a session kept in a format's own records.
#[cfg_attr(not(all(feature = "flask", feature = "redis")), allow(dead_code))]
pub(crate) enum RecordFinish {
    /// Read, nothing to send.
    Accessed,
    /// Delete the session cookie.
    Removal,
    /// Write or delete records, then send the cookie.
    Op(Box<RecordOp>),
    /// The response becomes an error.
    Failed(Failure),
}

impl CookieFormat {
    /// Whether a fallback key is configured: cookies may verify under one and then need
    /// re-issuing under the current key (R46).
    pub(crate) fn rotating(&self, codec: &Codec) -> bool {
        match self {
            CookieFormat::Sesame => codec.keys().iter().nth(1).is_some(),
            #[cfg(feature = "flask")]
            CookieFormat::Flask(flask) => flask.mode.signer.has_fallbacks(),
        }
    }

    /// Whether the cookie holds only the id of a record the format keeps itself
    /// (Flask-Session's); the store of store mode is not such a record.
    pub(crate) fn keeps_records(&self) -> bool {
        match self {
            CookieFormat::Sesame => false,
            #[cfg(feature = "flask")]
            CookieFormat::Flask(flask) => flask.keeps_records(),
        }
    }

    /// Whether a login carries a session auth hash that must match the user's (ours).
    /// Flask-Login has none: a loaded user is the login.
    pub(crate) fn has_auth_hash(&self) -> bool {
        matches!(self, CookieFormat::Sesame)
    }

    /// Whether a logged-in session carries its own id in the cookie (ours: the list of
    /// sessions and revocation need it). Flask's cookie has none.
    pub(crate) fn login_has_id(&self) -> bool {
        matches!(self, CookieFormat::Sesame)
    }

    /// Whether a fresh login records when it happened (ours). Flask-Login's `_fresh` is
    /// a flag, so a time limit on freshness cannot hold.
    pub(crate) fn fresh_has_time(&self) -> bool {
        matches!(self, CookieFormat::Sesame)
    }

    /// Whether logout keeps the session's other data: Flask-Login's `logout_user`
    /// removes only its own keys; ours empties the session, as Django does.
    pub(crate) fn logout_keeps_data(&self) -> bool {
        !matches!(self, CookieFormat::Sesame)
    }

    /// Verifies, decodes and time-checks one session cookie that carries the session
    /// itself (not store mode's id, not a record's id).
    pub(crate) fn open(
        &self,
        codec: &Codec,
        name: &str,
        value: &[u8],
        now: u64,
        lifetimes: &Lifetimes,
    ) -> Result<SessionState, Unread> {
        match self {
            CookieFormat::Sesame => open_payload(codec, name, value, now, lifetimes),
            #[cfg(feature = "flask")]
            CookieFormat::Flask(flask) => flask.mode.open(value, now, lifetimes),
        }
    }

    /// Reads the session from the format's own record, when it keeps one
    /// ([`keeps_records`](Self::keeps_records)); `None` otherwise.
    #[cfg_attr(
        not(all(feature = "flask", feature = "redis")),
        allow(clippy::unused_async, unused_variables)
    )]
    pub(crate) async fn read_record(
        &self,
        cookie: &CookieSettings,
        lifetimes: &Lifetimes,
        headers: &HeaderMap,
        now: u64,
    ) -> Option<Result<SessionState, StoreError>> {
        #[cfg(all(feature = "flask", feature = "redis"))]
        if let CookieFormat::Flask(flask) = self
            && let Some(records) = &flask.records
        {
            return Some(
                records
                    .read(cookie, lifetimes, &flask.mode, headers, now)
                    .await,
            );
        }
        None
    }

    /// Decides the record and cookie work for a session the format keeps in its own
    /// record; `None` when it keeps none (the caller writes the session).
    #[cfg_attr(
        not(all(feature = "flask", feature = "redis")),
        allow(clippy::unused_self, unused_variables)
    )]
    pub(crate) fn finish_record(
        &self,
        cookie: &CookieSettings,
        lifetimes: &Lifetimes,
        state: &mut SessionState,
    ) -> Option<RecordFinish> {
        #[cfg(all(feature = "flask", feature = "redis"))]
        if let CookieFormat::Flask(flask) = self
            && let Some(records) = &flask.records
        {
            use crate::session::flask_store::FlaskFinish;
            return Some(
                match records.finish(cookie, lifetimes, &flask.mode, state) {
                    FlaskFinish::Accessed => RecordFinish::Accessed,
                    FlaskFinish::Removal => RecordFinish::Removal,
                    FlaskFinish::Op(op) => RecordFinish::Op(op),
                    FlaskFinish::Failed(failure) => RecordFinish::Failed(failure),
                },
            );
        }
        None
    }

    /// The cookie value of a session in a format that writes the whole session its own
    /// way (Flask's dict); `None` for ours, which the caller seals as a [`Payload`] (with
    /// its memo, or as a store record).
    #[cfg_attr(not(feature = "flask"), allow(clippy::unused_self, unused_variables))]
    pub(crate) fn seal_own(
        &self,
        state: &SessionState,
        now: u64,
    ) -> Option<Result<String, EncodeError>> {
        #[cfg(feature = "flask")]
        if let CookieFormat::Flask(flask) = self {
            return Some(flask.mode.seal(state, now));
        }
        None
    }
}

/// Ours: verifies, decodes and time-checks a session payload (through its memo).
fn open_payload(
    codec: &Codec,
    name: &str,
    value: &[u8],
    now: u64,
    lifetimes: &Lifetimes,
) -> Result<SessionState, Unread> {
    match memo::open(codec, name, value, now, lifetimes) {
        Ok((payload, rotated)) => Ok(SessionState::from_payload(payload, rotated)),
        Err(reason) => {
            tracing::debug!(target: "axum_sesame::session", %reason, "ignoring session cookie");
            if let payload::Refused::Future(ahead) = reason {
                note_clock_skew("session", ahead, lifetimes.skew);
            }
            Err(match reason {
                payload::Refused::Decode(_) | payload::Refused::Future(_) => Unread::Unreadable,
                payload::Refused::Expired | payload::Refused::Schema => Unread::Stale,
            })
        }
    }
}
