//! The session of one request, once loaded: its data, flashes and login fields, and
//! where it came from.

use serde_json::{Map, Value};

use crate::session::incoming::Incoming;
use crate::session::merge::Changes;
use crate::session::payload::{Digest16, Payload, SessionId};

/// Who the client was when the session was logged in (session protection).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClientId {
    /// `SHA-256(User-Agent ‖ 0 ‖ peer)[..16]` (compared in constant time).
    Digest(Digest16),
    /// Flask mode: Flask-Login's `_id`.
    #[cfg(feature = "flask")]
    Flask(String),
}

impl ClientId {
    pub(crate) fn digest(self) -> Option<Digest16> {
        match self {
            ClientId::Digest(d) => Some(d),
            #[cfg(feature = "flask")]
            ClientId::Flask(_) => None,
        }
    }
}

/// The session of one request, once loaded.
#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    pub(crate) sid: Option<SessionId>,
    pub(crate) iat: u64,
    pub(crate) seen: u64,
    pub(crate) permanent: bool,
    pub(crate) uid: Option<String>,
    pub(crate) fat: Option<u64>,
    pub(crate) ah: Option<Digest16>,
    pub(crate) cid: Option<ClientId>,
    pub(crate) remembered: bool,
    pub(crate) data: Map<String, Value>,
    pub(crate) flashes: Vec<(String, String)>,
    pub(crate) modified: bool,
    /// Store mode: the remember token issued in (or restoring) this session.
    pub(crate) rt: Option<SessionId>,
    /// Store mode: the User-Agent that logged in.
    pub(crate) ua: Option<String>,
    /// `sid` was chosen during the request for a new record (not loaded).
    pub(crate) new_id: bool,
    /// Send the session cookie even if nothing changed (a session continued for a
    /// client that did not send its cookie).
    pub(crate) resend: bool,
    /// What changed, to merge with concurrent writers (store mode).
    /// Boxed: allocated by the first change, so a request that only reads moves less.
    pub(crate) changes: Option<Box<Changes>>,
    pub(crate) incoming: Incoming,
    /// Store mode: the id of the record this session was loaded from (deleted when the
    /// session ends or moves to a new id).
    pub(crate) stored: Option<SessionId>,
    /// Store mode: the record's bytes as loaded (the compare-and-swap's expectation).
    pub(crate) loaded: Option<Vec<u8>>,
    /// Flask-Session mode: the session's id (`None`: a new id at the next write).
    #[cfg(all(feature = "flask", feature = "redis"))]
    pub(crate) flask_sid: Option<crate::session::flask_sid::FlaskSid>,
    /// Flask-Session mode: the id of the record this session was loaded from.
    #[cfg(all(feature = "flask", feature = "redis"))]
    pub(crate) flask_loaded: Option<crate::session::flask_sid::FlaskSid>,
}

impl SessionState {
    pub(crate) fn empty(incoming: Incoming) -> SessionState {
        SessionState::of(Payload::new(0), incoming)
    }

    pub(crate) fn from_payload(p: Payload, rotated: bool) -> SessionState {
        SessionState::of(p, Incoming::Valid { rotated })
    }

    /// Every field written out: `..SessionState::empty(..)` would build a whole empty
    /// state and drop what it replaces (about 140 instructions per request, callgrind).
    fn of(p: Payload, incoming: Incoming) -> SessionState {
        SessionState {
            sid: p.sid,
            iat: p.iat,
            seen: p.seen,
            permanent: p.perm,
            uid: p.uid,
            fat: p.fat,
            ah: p.ah,
            cid: p.cid.map(ClientId::Digest),
            remembered: p.rem,
            data: p.d,
            flashes: p.f,
            rt: p.rt,
            modified: false,
            ua: None,
            new_id: false,
            resend: false,
            changes: None,
            incoming,
            stored: None,
            loaded: None,
            #[cfg(all(feature = "flask", feature = "redis"))]
            flask_sid: None,
            #[cfg(all(feature = "flask", feature = "redis"))]
            flask_loaded: None,
        }
    }

    /// Store mode: the session of record `sid`, loaded as `bytes`.
    pub(crate) fn from_record(p: Payload, rotated: bool, sid: SessionId, bytes: Vec<u8>) -> Self {
        let mut state = SessionState::from_payload(p, rotated);
        state.stored = Some(sid);
        state.loaded = Some(bytes);
        state
    }

    /// What this request changed so far.
    pub(crate) fn changes(&mut self) -> &mut Changes {
        self.changes.get_or_insert_with(Box::default)
    }

    /// Whether the request's cookie could not be read (R47: no implicit write may replace
    /// it).
    pub(crate) fn is_unreadable(&self) -> bool {
        self.incoming == Incoming::Unreadable
    }

    /// Store mode: whether this request loaded a record of its own.
    pub(crate) fn has_stored(&self) -> bool {
        self.stored.is_some()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty() && self.flashes.is_empty() && self.uid.is_none()
    }

    /// Store mode: whether this session was loaded from a live record.
    pub(crate) fn has_record(&self) -> bool {
        self.stored.is_some() && matches!(self.incoming, Incoming::Valid { .. })
    }

    /// Empties the session and forgets its id (Django's `flush`): the next write starts a
    /// new session, and in store mode the old record is deleted.
    pub(crate) fn flush(&mut self) {
        let (incoming, stored) = (self.incoming, self.stored);
        #[cfg(all(feature = "flask", feature = "redis"))]
        let flask_loaded = self.flask_loaded.take();
        *self = SessionState::empty(incoming);
        self.stored = stored;
        #[cfg(all(feature = "flask", feature = "redis"))]
        {
            self.flask_loaded = flask_loaded;
        }
        self.modified = true;
    }

    /// Moves the session to `sid` (`None`: a new id when it is next written), as a login,
    /// a logout or a new auth hash does (R15, R16).
    pub(crate) fn set_id(&mut self, sid: Option<SessionId>) {
        self.sid = sid;
        #[cfg(all(feature = "flask", feature = "redis"))]
        {
            self.flask_sid = None;
        }
    }

    /// Drops the login fields in place (kept data stays): the session moves to a new id,
    /// so in store mode the logged-in record is deleted at once.
    pub(crate) fn drop_login(&mut self) {
        self.uid = None;
        self.ah = None;
        self.fat = None;
        self.cid = None;
        self.remembered = false;
        self.rt = None;
        self.ua = None;
        self.set_id(None);
        self.new_id = false;
        self.modified = true;
    }
}
