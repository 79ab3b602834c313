//! Signed-cookie sessions with the Flask `session` API.
//!
//! Add a [`SessionLayer`] to the router, then take a [`Session`] in any handler:
//!
//! ```
//! use axum::{routing::get, Router};
//! use axum_sesame::{Key, Session, SessionLayer};
//!
//! async fn visits(session: Session) -> String {
//!     let n = session.get::<u64>("visits").unwrap_or(0) + 1;
//!     session.insert("visits", n).expect("a number always serializes");
//!     format!("Visits: {n}")
//! }
//!
//! let app: Router = Router::new()
//!     .route("/visits", get(visits))
//!     .layer(SessionLayer::new(Key::from_bytes(&[7u8; 32])));
//! # let _ = app;
//! ```

pub(crate) mod config;
pub(crate) mod config_error;
pub(crate) mod cookie_settings;
pub(crate) mod extras;
#[cfg(feature = "flask")]
pub(crate) mod flask_mode;
#[cfg(all(feature = "flask", feature = "redis"))]
pub(crate) mod flask_store;
pub(crate) mod layer;
pub(crate) mod lifetimes;
pub(crate) mod memo;
mod memory;
pub(crate) mod merge;
pub(crate) mod payload;
pub(crate) mod record;
#[cfg(feature = "redis")]
mod redis;
mod rejection;
pub(crate) mod settings;
pub(crate) mod store;
pub(crate) mod store_op;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum_core::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use std::time::Duration;

use self::cookie_settings::CookieSettings;
use self::extras::Extras;
pub use self::memory::MemoryStore;
use self::merge::Changes;
pub use self::payload::SessionId;
use self::payload::{Digest16, Payload, needs_refresh};
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
pub use self::rejection::{MissingSessionLayer, SessionError, SessionRejection, StoreUnavailable};
use self::settings::SessionSettings;
pub use self::store::{
    DEFAULT_MAX_PER_USER, Record, RecordKind, SaveMode, SessionStore, StoreError, StoreFuture,
    UserRecord,
};
pub(crate) use self::store_op::StoreOp;
use self::store_op::{How, Save};
use crate::key::Purpose;

/// Store mode: a logged-in session's record is rewritten at most this often just to
/// record its last use.
const LAST_USED_EVERY_SECS: u64 = 60;

/// How many cookies of one name are tried, in order, until one verifies (cookie tossing
/// may add several; each costs one HMAC).
pub(crate) const MAX_CANDIDATES: usize = 16;

/// What the request brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Incoming {
    /// No cookie of our name.
    Absent,
    /// A cookie that verified; `rotated` when under a fallback key.
    Valid { rotated: bool },
    /// One or more cookies of our name, none valid (or, in store mode, none known).
    Invalid,
    /// Store mode: a signed id whose session moved to a new id moments ago (a request
    /// sent before the client got the new cookie).
    Moved,
    /// A cookie of our name that does not verify (another key, another app's format) or
    /// is dated in the future: anonymous, and never deleted or overwritten by an implicit
    /// write; only the app's own writes replace it (R47).
    Unreadable,
}

/// Why a candidate cookie was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Not verified, or dated in the future: leave it alone (R47).
    Unreadable,
    /// Authentic but expired or unusable: it may be deleted.
    Stale,
}

impl Unread {
    /// The state of a request whose candidates were refused for these reasons: one that
    /// could not be read at all wins, so nothing deletes it.
    fn incoming(self, before: Incoming) -> Incoming {
        match (self, before) {
            (Unread::Unreadable, _) | (_, Incoming::Unreadable) => Incoming::Unreadable,
            (Unread::Stale, _) => Incoming::Invalid,
        }
    }
}

/// Counts cookies that fail verification and warns, at most once a minute, when they
/// are many: the usual cause is a `SECRET_KEY` that differs from the one that signed
/// them (another instance, a rotation without the old key as a fallback).
pub(crate) fn note_unreadable() {
    use std::sync::atomic::AtomicU32;
    static SEEN: AtomicU32 = AtomicU32::new(0);
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 60);
    if WINDOW.swap(now, Ordering::Relaxed) != now {
        SEEN.store(0, Ordering::Relaxed);
    }
    if SEEN.fetch_add(1, Ordering::Relaxed) + 1 == UNREADABLE_WARN_AT {
        tracing::warn!(
            target: "axum_sesame::session",
            count = UNREADABLE_WARN_AT,
            "many cookies in the last minute fail verification and are left alone: if they \
             are valid elsewhere, this instance's SECRET_KEY differs from the one that signed \
             them (add the old key as a fallback while rotating)"
        );
    }
}

/// Warns, at most once a minute, that a cookie (`what`: `session` or `remember`) was
/// dated `ahead` seconds in the future, beyond the `skew` tolerated: this machine's clock
/// is behind the instance that signed it, or the cookie is forged. It is left alone.
pub(crate) fn note_clock_skew(what: &'static str, ahead: u64, skew: u64) {
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    let minute = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 60);
    if WINDOW.swap(minute, Ordering::Relaxed) != minute {
        tracing::warn!(
            target: "axum_sesame::session",
            cookie = what,
            ahead_secs = ahead,
            skew_secs = skew,
            "a cookie is dated beyond the clock skew tolerated and is anonymous here (left \
             alone): this machine's clock is behind the instance that signed it; keep the \
             fleet's clocks synchronised (NTP) or raise the tolerance"
        );
    }
}

/// How many unreadable cookies within a minute raise the warning.
const UNREADABLE_WARN_AT: u32 = 20;

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
    changes: Option<Box<Changes>>,
    incoming: Incoming,
    /// Store mode: the id of the record this session was loaded from (deleted when the
    /// session ends or moves to a new id).
    stored: Option<SessionId>,
    /// Store mode: the record's bytes as loaded (the compare-and-swap's expectation).
    loaded: Option<Vec<u8>>,
    /// Flask-Session mode: the session's id (`None`: a new id at the next write).
    #[cfg(all(feature = "flask", feature = "redis"))]
    flask_sid: Option<flask_store::FlaskSid>,
    /// Flask-Session mode: the id of the record this session was loaded from.
    #[cfg(all(feature = "flask", feature = "redis"))]
    flask_loaded: Option<flask_store::FlaskSid>,
}

impl SessionState {
    fn empty(incoming: Incoming) -> SessionState {
        SessionState {
            sid: None,
            iat: 0,
            seen: 0,
            permanent: false,
            uid: None,
            fat: None,
            ah: None,
            cid: None,
            remembered: false,
            data: Map::new(),
            flashes: Vec::new(),
            modified: false,
            rt: None,
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

    fn from_payload(p: Payload, rotated: bool) -> SessionState {
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
            modified: false,
            rt: p.rt,
            ua: None,
            new_id: false,
            resend: false,
            changes: None,
            incoming: Incoming::Valid { rotated },
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

    /// A new session logged in as `uid` (test cookies).
    #[cfg(feature = "flask")]
    pub(crate) fn new_login(uid: String, fat: Option<u64>) -> SessionState {
        let mut state = SessionState::empty(Incoming::Absent);
        state.uid = Some(uid);
        state.fat = fat;
        state
    }

    fn is_empty(&self) -> bool {
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

/// The per-request slot the layer shares with the extractors.
pub(crate) struct Slot {
    pub(crate) settings: Arc<SessionSettings>,
    /// The request's clock reading, taken once (0 until first read).
    now: AtomicU64,
    /// The session was read from the request: every extractor of the session or the
    /// login loads first, so until then the response needs no work at all (set once,
    /// never cleared: `finish` runs after every extractor).
    loaded: AtomicBool,
    /// The session and the login state, under one lock (a request takes it a handful of
    /// times, never contended: one task at a time).
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Option<SessionState>,
    extras: Extras,
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

/// What the session cookie needs.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing: the session was not used.
    Untouched,
    /// The session was read but needs no cookie.
    Accessed,
    /// Send this `Set-Cookie` value.
    SetCookie(HeaderValue),
    /// Store mode: run this against the store, then set its cookies.
    Store(Box<StoreOp>),
    /// Flask-Session mode: write or delete the record, then set its cookie.
    #[cfg(all(feature = "flask", feature = "redis"))]
    FlaskStore(Box<flask_store::FlaskOp>),
    /// The session could not be written.
    Failed(Failure),
}

/// Why the response becomes an error after the handler ran.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A cookie could not be made: 500.
    Encode(crate::codec::EncodeError),
    /// The store failed: 503.
    Store(StoreError),
}

/// What the layer must do to the response.
#[derive(Debug, Default)]
pub(crate) struct Finish {
    /// The response depends on the `Cookie` header.
    pub(crate) vary: bool,
    /// Private: it sets auth cookies or shows a logged-in page.
    pub(crate) no_store: bool,
    /// `Set-Cookie` values.
    pub(crate) cookies: Vec<HeaderValue>,
    /// Store work that decides more cookies (store mode).
    pub(crate) store: Option<Box<StoreOp>>,
    /// Record work that decides the session cookie (Flask-Session mode).
    #[cfg(all(feature = "flask", feature = "redis"))]
    pub(crate) flask_store: Option<Box<flask_store::FlaskOp>>,
    /// The response becomes an error.
    pub(crate) failed: Option<Failure>,
}

impl Finish {
    /// Adds a `Set-Cookie` line; one that is no valid header fails the response.
    pub(crate) fn push(&mut self, line: String) {
        match set_cookie_header(line) {
            Ok(v) => self.cookies.push(v),
            Err(e) => self.failed = Some(Failure::Encode(e)),
        }
    }
}

/// A `Set-Cookie` line as a header value (the `String`'s buffer is reused).
pub(crate) fn set_cookie_header(line: String) -> Result<HeaderValue, crate::codec::EncodeError> {
    HeaderValue::try_from(line).map_err(|_| crate::codec::EncodeError::InvalidHeader)
}

impl Slot {
    pub(crate) fn new(settings: Arc<SessionSettings>) -> Slot {
        Slot {
            settings,
            now: AtomicU64::new(0),
            loaded: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether anything extracted the session or the login during this request.
    pub(crate) fn loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Runs `f` on the state the layer above sessions keeps for this request.
    pub(crate) fn with_extras<R>(&self, f: impl FnOnce(&mut Extras) -> R) -> R {
        f(&mut self.lock().extras)
    }

    /// The time of this request (seconds since the epoch): one clock reading, so every
    /// check within a request agrees.
    pub(crate) fn now(&self) -> u64 {
        match self.now.load(Ordering::Relaxed) {
            0 => {
                let now = (self.settings.clock)();
                self.now.store(now, Ordering::Relaxed);
                now
            }
            now => now,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked while holding the lock left a consistent state (every
        // mutation is a single assignment), so poisoning is ignored.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the request's session on first use; later calls do nothing. Only a store
    /// can fail.
    pub(crate) async fn load(&self, headers: &HeaderMap) -> Result<(), StoreError> {
        if self.loaded() {
            // A second extractor of the same request: no lock needed to know.
            return Ok(());
        }
        #[cfg(all(feature = "flask", feature = "redis"))]
        if let Some(flask) = &self.settings.flask
            && let Some(server) = &self.settings.flask_session
        {
            let s = &*self.settings;
            let state = server
                .read(&s.cookie, &s.lifetimes, flask, headers, self.now())
                .await?;
            let mut guard = self.lock();
            if guard.state.is_none() {
                guard.state = Some(state);
            }
            self.loaded.store(true, Ordering::Release);
            return Ok(());
        }
        let Some(store) = &self.settings.store else {
            // Cookie mode: nothing to await, so one lock covers the check and the read.
            let mut guard = self.lock();
            if guard.state.is_none() {
                guard.state = Some(self.read(headers));
            }
            self.loaded.store(true, Ordering::Release);
            return Ok(());
        };
        let state = self.read_store(&**store, headers).await?;
        let mut guard = self.lock();
        if guard.state.is_none() {
            guard.state = Some(state);
        }
        self.loaded.store(true, Ordering::Release);
        Ok(())
    }

    fn read(&self, headers: &HeaderMap) -> SessionState {
        let s = &*self.settings;
        let mut incoming = Incoming::Absent;
        for value in cookie_values(headers, &s.cookie.name).take(MAX_CANDIDATES) {
            match self.open(value) {
                Ok(state) => return state,
                Err(why) => incoming = why.incoming(incoming),
            }
        }
        if incoming == Incoming::Unreadable {
            note_unreadable();
        }
        SessionState::empty(incoming)
    }

    /// Verifies, decodes and time-checks one cookie-mode candidate (the clock is read only
    /// when there is one).
    fn open(&self, value: &[u8]) -> Result<SessionState, Unread> {
        let s = &*self.settings;
        #[cfg(feature = "flask")]
        if let Some(flask) = &s.flask {
            return flask.open(value, self.now(), &s.lifetimes);
        }
        match memo::open(&s.codec, &s.cookie.name, value, self.now(), &s.lifetimes) {
            Ok((payload, rotated)) => Ok(SessionState::from_payload(payload, rotated)),
            Err(reason) => {
                tracing::debug!(target: "axum_sesame::session", %reason, "ignoring session cookie");
                if let payload::Refused::Future(ahead) = reason {
                    note_clock_skew("session", ahead, s.lifetimes.skew);
                }
                Err(match reason {
                    payload::Refused::Decode(_) | payload::Refused::Future(_) => Unread::Unreadable,
                    payload::Refused::Expired | payload::Refused::Schema => Unread::Stale,
                })
            }
        }
    }

    /// Store mode: the cookie is a signed session id; the session is the store's record.
    /// Only signed ids reach the store, and an unknown id is never adopted.
    async fn read_store(
        &self,
        store: &dyn SessionStore,
        headers: &HeaderMap,
    ) -> Result<SessionState, StoreError> {
        let s = &*self.settings;
        let now = self.now();
        let mut state = SessionState::empty(Incoming::Absent);
        for value in cookie_values(headers, &s.cookie.name).take(MAX_CANDIDATES) {
            let Ok(decoded) = s.codec.decode(Purpose::Session, &s.cookie.name, value) else {
                state.incoming = Unread::Unreadable.incoming(state.incoming);
                continue;
            };
            // Signed by us: an id the store no longer knows is ended, and may be deleted.
            state.incoming = Unread::Stale.incoming(state.incoming);
            let Ok(bytes) = <[u8; 16]>::try_from(decoded.payload.as_slice()) else {
                continue;
            };
            let sid = SessionId(bytes);
            let Some(data) = store.load(&sid).await? else {
                continue;
            };
            if data == store::MOVED {
                state.incoming = Incoming::Moved;
                return Ok(state);
            }
            let payload = serde_json::from_slice::<Payload>(record::split(&data).0)
                .ok()
                .filter(|p| p.sid == Some(sid));
            match payload.map(|p| (p.check_times(now, &s.lifetimes), p)) {
                Some((Ok(()), p)) => {
                    return Ok(SessionState::from_record(p, decoded.rotated, sid, data));
                }
                // Written by an instance whose clock is ahead: anonymous here, and the
                // record stays (that instance may be right).
                Some((Err(payload::Refused::Future(ahead)), _)) => {
                    note_clock_skew("session", ahead, s.lifetimes.skew);
                    state.incoming = Incoming::Unreadable;
                }
                // Expired or unreadable: the record goes when the response is sent.
                _ => state.stored = Some(sid),
            }
        }
        if state.incoming == Incoming::Unreadable {
            note_unreadable();
        }
        Ok(state)
    }

    /// Runs `f` on the loaded state. The extractor loads before any handle exists.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        let mut guard = self.lock();
        let state = guard
            .state
            .get_or_insert_with(|| SessionState::empty(Incoming::Absent));
        f(state)
    }

    /// Whether the session as it stands would make a cookie this layer reads back (size,
    /// inflated size, encoding): the check `finish` would fail, made now, so a handler
    /// can act on it (R45). Store mode's cookie is an id: it always fits.
    pub(crate) fn check_fits(&self) -> Result<(), crate::codec::EncodeError> {
        if self.settings.store.is_some() || self.settings.is_server_side_flask() {
            return Ok(());
        }
        let state = self.lock().state.clone();
        match self.finish_session(state) {
            Outcome::Failed(Failure::Encode(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Decides the response's cookies and headers, once, after the handler ran.
    pub(crate) fn finish(&self) -> Finish {
        let mut finish = Finish::default();
        // One lock for everything the request left behind.
        let (state, extras) = {
            let mut inner = self.lock();
            (inner.state.take(), std::mem::take(&mut inner.extras))
        };
        let no_cookies = extras.no_cookies;
        match self.finish_session(state) {
            Outcome::Untouched => {}
            Outcome::Accessed => finish.vary = true,
            // A request authenticated by a request loader gets no cookie and writes nothing.
            Outcome::SetCookie(_) | Outcome::Store(_) if no_cookies => finish.vary = true,
            Outcome::SetCookie(c) => {
                finish.vary = true;
                finish.cookies.push(c);
            }
            Outcome::Store(op) => {
                finish.vary = true;
                finish.no_store = op.sets_cookie();
                finish.store = Some(op);
            }
            #[cfg(all(feature = "flask", feature = "redis"))]
            Outcome::FlaskStore(_) if no_cookies => finish.vary = true,
            #[cfg(all(feature = "flask", feature = "redis"))]
            Outcome::FlaskStore(op) => {
                finish.vary = true;
                finish.no_store = op.sets_cookie();
                finish.flask_store = Some(op);
            }
            Outcome::Failed(e) => finish.failed = Some(e),
        }
        // Records the layer above ended (store mode: revoked remember tokens).
        if !extras.delete.is_empty() {
            finish
                .store
                .get_or_insert_with(Box::default)
                .delete
                .extend(extras.delete);
        }
        if let Some(line) = extras.cookie.filter(|_| !no_cookies) {
            finish.push(line);
        }
        finish.no_store |= !finish.cookies.is_empty() || extras.private;
        finish
    }

    /// The store work `finish` left, to run before the response's cookies are known.
    pub(crate) fn store_work(&self, finish: &mut Finish) -> Option<layer::StoreWork> {
        #[cfg(all(feature = "flask", feature = "redis"))]
        if let Some(op) = finish.flask_store.take() {
            return Some(Box::pin(op.run()));
        }
        let op = finish.store.take()?;
        let store = self.settings.store.clone()?;
        Some(Box::pin(async move { op.run(&*store).await }))
    }

    fn finish_session(&self, state: Option<SessionState>) -> Outcome {
        let Some(mut state) = state else {
            return Outcome::Untouched;
        };
        let s = &*self.settings;
        #[cfg(all(feature = "flask", feature = "redis"))]
        if let Some(flask) = &s.flask
            && let Some(server) = &s.flask_session
        {
            return server.finish(&s.cookie, &s.lifetimes, flask, state);
        }
        let store_mode = s.store.is_some();
        // A request that still carried a rotated-away id: the client holds the newer
        // cookie by now, so unless this request logged in itself it changes nothing.
        if state.incoming == Incoming::Moved && state.uid.is_none() {
            return Outcome::Accessed;
        }
        if state.is_empty() {
            if store_mode && let Some(old) = state.stored {
                return Outcome::Store(Box::new(StoreOp::end(old, s.cookie.removal())));
            }
            return match state.incoming {
                Incoming::Absent => Outcome::Accessed,
                // Never destroy what we cannot read, unless the app itself wrote (R47).
                Incoming::Unreadable if !state.modified => Outcome::Accessed,
                // (A flushed session is always `modified`.)
                _ if state.modified || state.incoming == Incoming::Invalid => {
                    removal_outcome(&s.cookie)
                }
                // An empty but valid cookie that nobody changed: leave it.
                _ => Outcome::Accessed,
            };
        }
        let now = self.now();
        let rotated = matches!(state.incoming, Incoming::Valid { rotated: true });
        // Store mode: a logged-in session's last use is recorded at most once a minute
        // (the user's list of sessions shows it).
        let touch = store_mode
            && state.uid.is_some()
            && now.saturating_sub(state.seen) >= LAST_USED_EVERY_SECS;
        let write = state.modified
            || rotated
            || touch
            || needs_refresh(state.permanent, state.seen, now, &s.lifetimes);
        // A session nobody changed, under the current key, not due to slide: no cookie.
        if !(write || state.resend) {
            return Outcome::Accessed;
        }
        // Store mode keys its record by the id; in cookie mode only a login needs one (and
        // Flask's cookie has none).
        let needs_id = store_mode || (state.uid.is_some() && !s.is_flask());
        let new_id = (state.sid.is_none() && needs_id) || state.new_id;
        let sid = match state.sid {
            Some(sid) => Some(sid),
            None if needs_id => match SessionId::random() {
                Ok(sid) => Some(sid),
                Err(e) => return Outcome::Failed(Failure::Encode(e)),
            },
            None => None,
        };
        // A new session (or a new id, at login) starts its absolute lifetime now.
        if new_id || state.iat == 0 {
            state.iat = now;
        }
        #[cfg(feature = "flask")]
        if let Some(flask) = &s.flask {
            let max_age = state.permanent.then_some(s.lifetimes.permanent);
            return match flask
                .seal(&state, now)
                .and_then(|value| s.cookie.set_cookie(value, max_age))
                .and_then(set_cookie_header)
            {
                Ok(v) => Outcome::SetCookie(v),
                Err(e) => Outcome::Failed(Failure::Encode(e)),
            };
        }
        let stored = state.stored;
        // Written now: `seen` moves forward with every cookie sent.
        let payload = Payload {
            sid,
            iat: state.iat,
            seen: if write { now } else { state.seen },
            perm: state.permanent,
            uid: state.uid,
            fat: state.fat,
            ah: state.ah,
            cid: state.cid.and_then(ClientId::digest),
            rem: state.remembered,
            d: state.data,
            f: state.flashes,
            rt: state.rt,
        };
        let (max_age, ttl) = s
            .lifetimes
            .cookie_and_record(payload.perm, payload.iat, now);
        if !store_mode {
            return match memo::seal(s, &payload, max_age) {
                Ok(line) => Outcome::SetCookie(line),
                Err(e) => Outcome::Failed(Failure::Encode(e)),
            };
        }

        // Store mode: the record carries the session, the cookie only the signed id.
        // (`needs_id` holds in store mode, so the id exists.)
        let Some(sid) = sid else {
            return Outcome::Failed(Failure::Encode(crate::codec::EncodeError::Random));
        };
        // The cookie changes only with the id, or to slide a permanent session's Max-Age.
        let cookie = if new_id || rotated || payload.perm || state.resend {
            match s
                .codec
                .encode(Purpose::Session, &s.cookie.name, sid.as_bytes())
                .and_then(|value| s.cookie.set_cookie(value, max_age))
            {
                Ok(line) => Some(line),
                Err(e) => return Outcome::Failed(Failure::Encode(e)),
            }
        } else {
            None
        };
        let (how, tail) = match (new_id, state.loaded) {
            (true, loaded) => {
                // A login names its User-Agent; a session moving to a new id (confirm_login,
                // a new auth hash) keeps the line it had.
                let tail = match (state.ua, loaded) {
                    (Some(ua), _) => record::tail(&record::Meta { ua: Some(ua) }),
                    (None, Some(loaded)) => record::split(&loaded).1.to_vec(),
                    (None, None) => Vec::new(),
                };
                (Some(How::Create), tail)
            }
            (false, Some(loaded)) if write => {
                // The list-of-sessions line goes over as it was.
                let tail = record::split(&loaded).1.to_vec();
                let how = How::Replace {
                    loaded,
                    changes: state.changes.map(|c| *c).unwrap_or_default(),
                };
                (Some(how), tail)
            }
            // Only the cookie to send again (a continued session), or nothing to write.
            (false, _) => (None, Vec::new()),
        };
        // A login's old id is marked as moved (a request still in flight with it must not
        // delete the new cookie); an ended anonymous session is deleted.
        let mut op = StoreOp {
            cookie,
            ..StoreOp::default()
        };
        if let Some(old) = stored.filter(|old| *old != sid) {
            if payload.uid.is_some() {
                op.moved.push(old);
            } else {
                op.delete.push(old);
            }
        }
        op.save = how.map(|how| Save {
            id: sid,
            payload,
            tail,
            ttl: Duration::from_secs(ttl.max(1)),
            how,
        });
        Outcome::Store(Box::new(op))
    }
}

/// Deletes the session cookie.
pub(crate) fn removal_outcome(cookie: &CookieSettings) -> Outcome {
    match set_cookie_header(cookie.removal()) {
        Ok(v) => Outcome::SetCookie(v),
        Err(e) => Outcome::Failed(Failure::Encode(e)),
    }
}

/// The values of every cookie named `name` in the request, in order, as raw bytes.
///
/// Matching is exact and case-sensitive; nothing is percent-decoded or unquoted, and bytes
/// that are not UTF-8 are passed through (the codec refuses them).
pub(crate) fn cookie_values<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .flat_map(|h| split_pairs(h.as_bytes()))
        .filter_map(move |pair| {
            let pair = pair.trim_ascii();
            let eq = pair.iter().position(|&b| b == b'=')?;
            let (k, v) = pair.split_at(eq);
            (k.trim_ascii() == name.as_bytes()).then(|| v[1..].trim_ascii())
        })
}

/// The `;`-separated parts of a `Cookie` header (memchr: values are long).
fn split_pairs(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(b';', r) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A flashed message, shown once (Flask's `flash` / `get_flashed_messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Flash {
    /// The category, `"message"` unless given (Flask's default).
    pub category: String,
    /// The text.
    pub message: String,
}

/// The session of the current request, like Flask's `session`.
///
/// Values are anything serde can turn into JSON. Changes are written back in a signed
/// cookie when the response leaves the [`SessionLayer`]; a session nobody changed sends no
/// cookie. Cheap to clone: clones share the request's session.
///
/// # Example
/// ```
/// use axum_sesame::Session;
///
/// async fn login(session: Session) -> &'static str {
///     session.insert("username", "alice").unwrap();
///     session.set_permanent(true);
///     session.flash("You were logged in");
///     "ok"
/// }
///
/// async fn profile(session: Session) -> String {
///     match session.get::<String>("username") {
///         Some(name) => format!("Hello, {name}"),
///         None => "Not logged in".to_owned(),
///     }
/// }
///
/// let app: axum::Router = axum::Router::new()
///     .route("/login", axum::routing::post(login))
///     .route("/profile", axum::routing::get(profile))
///     .layer(axum_sesame::SessionLayer::new(axum_sesame::Key::development()));
/// # let _ = app;
/// ```
///
/// The extractor's rejection is [`SessionRejection`]: a 500 when the layer is missing.
#[derive(Clone)]
pub struct Session {
    slot: Arc<Slot>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Session values may be personal data: print only the keys.
        self.slot.with(|s| {
            f.debug_struct("Session")
                .field("keys", &s.data.keys().collect::<Vec<_>>())
                .field("permanent", &s.permanent)
                .field("modified", &s.modified)
                .finish_non_exhaustive()
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Session::from_parts(parts).await
    }
}

impl Session {
    pub(crate) async fn from_parts(parts: &Parts) -> Result<Session, SessionRejection> {
        let slot =
            layer::current_slot().ok_or(SessionRejection::MissingLayer(MissingSessionLayer))?;
        slot.load(&parts.headers)
            .await
            .map_err(|e| SessionRejection::StoreUnavailable(StoreUnavailable::logged(&e)))?;
        Ok(Session { slot })
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        self.slot.with(f)
    }

    /// The value under `key`, or `None` when absent or not of type `T`.
    ///
    /// ```
    /// # use axum_sesame::Session;
    /// async fn profile(session: Session) -> String {
    ///     let name: Option<String> = session.get("username");
    ///     name.unwrap_or_else(|| "anonymous".to_owned())
    /// }
    /// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(profile));
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.try_get(key).ok().flatten()
    }

    /// The value under `key`; an error when it is present but not of type `T`.
    ///
    /// # Errors
    /// [`SessionError`] when the stored JSON does not deserialize into `T`.
    pub fn try_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let value = self.with(|s| s.data.get(key).cloned());
        value
            .map(|v| serde_json::from_value(v).map_err(SessionError::new))
            .transpose()
    }

    /// The raw JSON value under `key`.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.with(|s| s.data.get(key).cloned())
    }

    /// Stores `value` under `key` (Flask's `session[key] = value`).
    ///
    /// # Errors
    /// [`SessionError`] when `value` cannot be represented as JSON (for example a map with
    /// non-string keys). The session is then unchanged.
    pub fn insert<T: Serialize>(
        &self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), SessionError> {
        let value = serde_json::to_value(value).map_err(SessionError::new)?;
        self.insert_value(key, value);
        Ok(())
    }

    /// Stores a JSON value under `key`.
    pub fn insert_value(&self, key: impl Into<String>, value: Value) {
        let key = key.into();
        self.with(|s| {
            s.changes().key(&key);
            s.data.insert(key, value);
            s.modified = true;
        });
    }

    /// Removes `key` and returns its value if it was of type `T` (Flask's `session.pop`).
    pub fn remove<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.remove_value(key)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// Removes `key` and returns its raw JSON value.
    pub fn remove_value(&self, key: &str) -> Option<Value> {
        self.with(|s| {
            let old = s.data.remove(key);
            if old.is_some() {
                s.changes().key(key);
                s.modified = true;
            }
            old
        })
    }

    /// Whether `key` is present (Flask's `key in session`).
    pub fn contains(&self, key: &str) -> bool {
        self.with(|s| s.data.contains_key(key))
    }

    /// The keys present, in order.
    pub fn keys(&self) -> Vec<String> {
        self.with(|s| s.data.keys().cloned().collect())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.with(|s| s.data.len())
    }

    /// Whether the session holds no data (flashes and login state aside).
    pub fn is_empty(&self) -> bool {
        self.with(|s| s.data.is_empty())
    }

    /// Empties the whole session, flashes and login state included, and starts a new
    /// session id. The cookie is deleted unless something is stored again.
    pub fn clear(&self) {
        self.with(SessionState::flush);
    }

    /// Makes the session permanent (its cookie gets `Max-Age` = the permanent lifetime, and
    /// the server refuses it once unused that long) or a browser-session cookie again.
    pub fn set_permanent(&self, permanent: bool) {
        self.with(|s| {
            if s.permanent != permanent {
                s.permanent = permanent;
                s.changes().permanent = true;
                s.modified = true;
            }
        });
    }

    /// Whether the session is permanent.
    pub fn is_permanent(&self) -> bool {
        self.with(|s| s.permanent)
    }

    /// Checks that the session, as it stands now, fits in its cookie: at most 4096 bytes
    /// (in Flask mode also at most 64 KiB of JSON once inflated). The layer refuses to
    /// write a cookie it would not read back, and answers 500 instead; call this after
    /// storing something large to handle it yourself (remove data, or keep sessions in a
    /// [`SessionStore`], whose cookie only carries an id and always fits).
    ///
    /// # Errors
    /// [`SessionError`] saying how large the cookie would be.
    ///
    /// ```
    /// use axum_sesame::Session;
    ///
    /// async fn save_note(session: Session, note: String) -> Result<&'static str, &'static str> {
    ///     session.insert("note", &note).map_err(|_| "not storable")?;
    ///     if session.check_size().is_err() {
    ///         session.remove_value("note");
    ///         return Err("note too long for the session");
    ///     }
    ///     Ok("saved")
    /// }
    /// # let _ = save_note;
    /// ```
    pub fn check_size(&self) -> Result<(), SessionError> {
        self.slot.check_fits().map_err(SessionError::new)
    }

    /// Whether this request changed the session.
    pub fn is_modified(&self) -> bool {
        self.with(|s| s.modified)
    }

    /// Marks the session changed, so its cookie is re-sent (Flask's `session.modified = True`).
    pub fn mark_modified(&self) {
        self.with(|s| s.modified = true);
    }

    /// Flashes a message of category `"message"`, for the next page that takes flashes.
    pub fn flash(&self, message: impl Into<String>) {
        self.flash_with("message", message);
    }

    /// Flashes a message with a category (`"error"`, `"info"`, …).
    pub fn flash_with(&self, category: impl Into<String>, message: impl Into<String>) {
        let entry = (category.into(), message.into());
        self.with(|s| {
            s.flashes.push(entry);
            s.changes().added += 1;
            s.modified = true;
        });
    }

    /// Removes and returns every flashed message (Flask's `get_flashed_messages`), so each
    /// is shown once.
    pub fn take_flashes(&self) -> Vec<Flash> {
        self.with(|s| {
            if s.flashes.is_empty() {
                return Vec::new();
            }
            s.modified = true;
            let taken = std::mem::take(&mut s.flashes);
            // Shown flashes that came from the record are removed from a newer one too.
            let loaded = taken.len() - s.changes().added.min(taken.len());
            s.changes().taken.extend_from_slice(&taken[..loaded]);
            s.changes().added = 0;
            taken
                .into_iter()
                .map(|(category, message)| Flash { category, message })
                .collect()
        })
    }
}

pub use self::config::SessionConfig;
pub use self::config_error::ConfigError;
pub use self::cookie_settings::SameSite;
pub use self::layer::{SessionLayer, SessionResponseFuture, SessionService};

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_pairs_is_split_on_semicolons(bytes in proptest::collection::vec(
            prop_oneof![Just(b';'), Just(b'='), Just(b' '), any::<u8>()], 0..64)) {
            let ours: Vec<&[u8]> = split_pairs(&bytes).collect();
            let std: Vec<&[u8]> = bytes.split(|&b| b == b';').collect();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn cookie_values_match_names_exactly() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::COOKIE,
            HeaderValue::from_bytes(b"a=1; session=x; Session=y;SESSION=z; theme=\xff; session==w")
                .unwrap(),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static("session=second"),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static(";;; =v; session"),
        );
        let got: Vec<&[u8]> = cookie_values(&h, "session").collect();
        assert_eq!(got, vec![&b"x"[..], b"=w", b"second"]);
    }
}
