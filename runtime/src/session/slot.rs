//! The per-request slot the layer shares with the extractors: loads the session on
//! first use (cookie, store or Flask-Session record) under one lock.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::header::{COOKIE, GetAll};
use http::{HeaderMap, HeaderValue};

use crate::key::Purpose;
use crate::session::cookie_header::{MAX_CANDIDATES, named};
use crate::session::extras::Extras;
use crate::session::incoming::{Incoming, Unread, note_clock_skew, note_unreadable};
use crate::session::payload::{self, SessionId};
use crate::session::record;
use crate::session::settings::SessionSettings;
use crate::session::state::SessionState;
use crate::session::store::{self, SessionStore, StoreError};

/// The per-request slot the layer shares with the extractors.
pub(crate) struct Slot {
    pub(crate) settings: Arc<SessionSettings>,
    /// The request's clock reading, taken once (0 until first read).
    now: AtomicU64,
    /// The session was read from the request: every extractor of the session or the
    /// login loads first, so until then the response needs no work at all (set once,
    /// never cleared: `finish` runs after every extractor).
    loaded: AtomicBool,
    /// The request sent no `Cookie` header at all (known once a cookie or store session
    /// was read): the layer above need not look for its own cookies.
    cookieless: AtomicBool,
    /// The session and the login state, under one lock (a request takes it a handful of
    /// times, never contended: one task at a time).
    inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) state: Option<SessionState>,
    pub(crate) extras: Extras,
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

impl Slot {
    pub(crate) fn new(settings: Arc<SessionSettings>) -> Slot {
        Slot {
            settings,
            now: AtomicU64::new(0),
            loaded: AtomicBool::new(false),
            cookieless: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether anything extracted the session or the login during this request.
    pub(crate) fn loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Whether the request is known to have sent no `Cookie` header (`false` when unknown).
    pub(crate) fn cookieless(&self) -> bool {
        self.cookieless.load(Ordering::Relaxed)
    }

    /// The request's `Cookie` headers, noting when there are none.
    fn cookies<'h>(&self, headers: &'h HeaderMap) -> GetAll<'h, HeaderValue> {
        let cookies = headers.get_all(COOKIE);
        if cookies.iter().next().is_none() {
            self.cookieless.store(true, Ordering::Relaxed);
        }
        cookies
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

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
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
        let s = &*self.settings;
        if s.format.keeps_records()
            && let Some(state) = s
                .format
                .read_record(&s.cookie, &s.lifetimes, headers, self.now())
                .await
        {
            self.settle(state?);
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
        self.settle(state);
        Ok(())
    }

    /// Keeps a session read while unlocked, unless another extractor of this request
    /// settled one first, and marks the slot loaded.
    fn settle(&self, state: SessionState) {
        let mut guard = self.lock();
        if guard.state.is_none() {
            guard.state = Some(state);
        }
        self.loaded.store(true, Ordering::Release);
    }

    fn read(&self, headers: &HeaderMap) -> SessionState {
        let s = &*self.settings;
        let mut incoming = Incoming::Absent;
        for value in named(self.cookies(headers), &s.cookie.name).take(MAX_CANDIDATES) {
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
        s.format
            .open(&s.codec, &s.cookie.name, value, self.now(), &s.lifetimes)
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
        for value in named(self.cookies(headers), &s.cookie.name).take(MAX_CANDIDATES) {
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
            let payload = record::payload(&data).filter(|p| p.sid == Some(sid));
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
}
