//! What a response does to the session, decided once after the handler ran: nothing,
//! a cookie, store work, or an error.

use std::time::Duration;

use http::HeaderValue;

use crate::key::Purpose;
use crate::session::cookie_header::set_cookie_header;
use crate::session::cookie_settings::CookieSettings;
use crate::session::extras::Callbacks;
use crate::session::failure::{Failure, StoreWork};
use crate::session::format::{RecordFinish, RecordOp};
use crate::session::incoming::Incoming;
use crate::session::payload::{Payload, SessionId, needs_refresh};
use crate::session::slot::Slot;
use crate::session::state::{ClientId, SessionState};
use crate::session::store_op::{How, Save, StoreOp};
use crate::session::{memo, record};

/// Store mode: a logged-in session's record is rewritten at most this often just to
/// record its last use.
const LAST_USED_EVERY_SECS: u64 = 60;

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
    /// A format's own record (Flask-Session's): write or delete it, then set its cookie.
    Record(Box<RecordOp>),
    /// The session could not be written.
    Failed(Failure),
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
    /// Record work that decides the session cookie (a format's own records).
    pub(crate) record: Option<Box<RecordOp>>,
    /// The layer above's callbacks, awaited before the store work.
    pub(crate) callbacks: Callbacks,
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

impl Slot {
    /// Whether the session as it stands would make a cookie this layer reads back (size,
    /// inflated size, encoding): the check `finish` would fail, made now, so a handler
    /// can act on it (R45). Store mode's cookie is an id: it always fits.
    pub(crate) fn check_fits(&self) -> Result<(), crate::codec::EncodeError> {
        if self.settings.store.is_some() || self.settings.format.keeps_records() {
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
        finish.callbacks = extras.callbacks;
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
            Outcome::Record(_) if no_cookies => finish.vary = true,
            Outcome::Record(op) => {
                finish.vary = true;
                finish.no_store = op.sets_cookie();
                finish.record = Some(op);
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

    /// The work `finish` left (the layer above's callbacks, then the store's), to run
    /// before the response's cookies are known.
    pub(crate) fn store_work(&self, finish: &mut Finish) -> Option<StoreWork> {
        let callbacks = finish.callbacks.0.take();
        let work: Option<StoreWork> = if let Some(op) = finish.record.take() {
            Some(Box::pin(op.run()))
        } else if let Some(op) = finish.store.take()
            && let Some(store) = self.settings.store.clone()
        {
            Some(Box::pin(async move { op.run(&*store).await }))
        } else {
            None
        };
        let Some(callbacks) = callbacks else {
            return work;
        };
        Some(Box::pin(async move {
            for callback in *callbacks {
                callback.await;
            }
            match work {
                Some(work) => work.await,
                None => Ok(Vec::new()),
            }
        }))
    }

    pub(crate) fn finish_session(&self, state: Option<SessionState>) -> Outcome {
        let Some(mut state) = state else {
            return Outcome::Untouched;
        };
        let s = &*self.settings;
        if let Some(record) = s.format.finish_record(&s.cookie, &s.lifetimes, &mut state) {
            return match record {
                RecordFinish::Accessed => Outcome::Accessed,
                RecordFinish::Removal => removal_outcome(&s.cookie),
                RecordFinish::Op(op) => Outcome::Record(op),
                RecordFinish::Failed(failure) => Outcome::Failed(failure),
            };
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
        let needs_id = store_mode || (state.uid.is_some() && s.format.login_has_id());
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
        // A format that writes the whole session its own way (Flask's).
        if let Some(value) = s.format.seal_own(&state, now) {
            let max_age = state.permanent.then_some(s.lifetimes.permanent);
            return match value
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
            return match memo::seal(&s.codec, &s.cookie, &payload, max_age) {
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
                    (None, Some(loaded)) => record::tail_of(&loaded).to_vec(),
                    (None, None) => Vec::new(),
                };
                (Some(How::Create), tail)
            }
            (false, Some(loaded)) if write => {
                // The list-of-sessions line goes over as it was.
                let tail = record::tail_of(&loaded).to_vec();
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
