//! Store mode's part of the login: remember tokens as records (so that a login or logout
//! can end them, R38) that remember the session they restored last (so that replays of
//! one token continue that session instead of piling up new ones, R39).

use http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::login::ctx::LoginCtx;
use crate::login::rejection::LoginRejection;
use crate::login::remember::RememberPayload;
use crate::session::payload::{Digest16, Payload};
use crate::session::record;
use crate::session::state::{ClientId, SessionState};
use crate::session::{Record, RecordKind, SaveMode, SessionId, StoreError, StoreUnavailable};

/// The longest User-Agent kept in a session record (for the list of sessions).
const MAX_USER_AGENT: usize = 256;

/// What a store keeps for a remember token.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenRecord {
    /// Always 1: tells a token's record from a session's.
    rem: u8,
    /// The session this token restored last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<SessionId>,
}

impl TokenRecord {
    fn to_json(&self) -> Vec<u8> {
        // A number and an id always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The request's User-Agent, cut to a sane length on a character boundary.
pub(crate) fn user_agent(parts: &Parts) -> Option<String> {
    let ua = parts.headers.get(http::header::USER_AGENT)?.to_str().ok()?;
    let mut end = ua.len().min(MAX_USER_AGENT);
    while !ua.is_char_boundary(end) {
        end -= 1;
    }
    Some(ua[..end].to_owned())
}

fn no_random(_: crate::codec::EncodeError) -> LoginRejection {
    unavailable(&StoreError::new("the OS random generator failed"))
}

fn unavailable(e: &StoreError) -> LoginRejection {
    LoginRejection::StoreUnavailable(StoreUnavailable::logged(e))
}

/// How a remember cookie restored the login.
pub(crate) enum Restored {
    /// Cookie mode: the login goes into the request's session (a new id).
    Cookie,
    /// The session this token restored last is still live: it goes on (no new record).
    Continued { fat: Option<u64> },
    /// A new session, which the token now points at.
    Started,
    /// A concurrent replay of the same token started the session first: this request
    /// is served as the user but writes nothing and sets no cookie.
    NoCookies,
}

/// The login fields a restore writes.
pub(crate) struct Login {
    pub(crate) ah: Digest16,
    pub(crate) identity: ClientId,
    pub(crate) permanent: bool,
}

impl LoginCtx {
    /// Store mode: registers a new remember token, so a login or logout can end it.
    pub(crate) async fn register_remember(
        &self,
        r: &RememberPayload,
        now: u64,
    ) -> Result<(), StoreError> {
        let Some(store) = &self.slot.settings.store else {
            return Ok(());
        };
        let data = TokenRecord { rem: 1, sid: None }.to_json();
        let record = Record::of_kind(RecordKind::Remember, data, Some(r.uid.clone()));
        let ttl = std::time::Duration::from_secs(r.remaining(now).max(1));
        store.save(&r.rid, &record, ttl, SaveMode::Create).await?;
        Ok(())
    }

    /// The token's record when it is live (store mode), `Some(empty)` in cookie mode,
    /// `None` when revoked.
    pub(crate) async fn remember_record(
        &self,
        r: &RememberPayload,
    ) -> Result<Option<Vec<u8>>, LoginRejection> {
        match &self.slot.settings.store {
            None => Ok(Some(Vec::new())),
            Some(store) => store.load(&r.rid).await.map_err(|e| unavailable(&e)),
        }
    }

    /// Puts the login restored from `r` into the request's session: in store mode the
    /// session the token restored last when it is still live, else a new one the token
    /// then points at.
    pub(crate) async fn restore(
        &self,
        r: &RememberPayload,
        token: Vec<u8>,
        login: Login,
        parts: &Parts,
    ) -> Result<Restored, LoginRejection> {
        let Some(store) = &self.slot.settings.store else {
            self.start_restored(r, None, login, None);
            return Ok(Restored::Cookie);
        };
        let now = self.now();
        let record: TokenRecord = serde_json::from_slice(&token).unwrap_or_default();
        let own_session = self.slot.with(|s| s.has_stored());
        if let Some(sid) = record.sid
            && !own_session
            && let Some(bytes) = store.load(&sid).await.map_err(|e| unavailable(&e))?
            && let Some(p) = record::payload(&bytes)
            && p.sid == Some(sid)
            && p.uid.as_deref() == Some(r.uid.as_str())
            && p.ah.is_some_and(|ah| ah.ct_eq(&login.ah))
            && p.check_times(now, &self.slot.settings.lifetimes).is_ok()
        {
            let fat = p.fat;
            self.slot.with(|s| {
                *s = SessionState::from_record(p, false, sid, bytes);
                s.resend = true;
            });
            return Ok(Restored::Continued { fat });
        }
        if own_session {
            // The client sent a session cookie of its own: the login moves into it (a new
            // id at the end of the request, the old record marked as moved).
            self.start_restored(
                r,
                Some(SessionId::random().map_err(no_random)?),
                login,
                user_agent(parts),
            );
            return Ok(Restored::Started);
        }
        // A new session, written now, then the token pointed at it (compare-and-swap: of
        // concurrent replays of one token only one session survives).
        let sid = SessionId::random().map_err(no_random)?;
        let lifetimes = &self.slot.settings.lifetimes;
        let mut p = Payload::new(now);
        p.sid = Some(sid);
        p.perm = login.permanent || self.slot.with(|s| s.permanent);
        p.uid = Some(r.uid.clone());
        p.ah = Some(login.ah);
        p.cid = login.identity.digest();
        p.rem = true;
        p.rt = Some(r.rid);
        (p.d, p.f) = self.slot.with(|s| (s.data.clone(), s.flashes.clone()));
        let (_, ttl) = lifetimes.cookie_and_record(p.perm, now, now);
        let ttl = std::time::Duration::from_secs(ttl.max(1));
        let meta = record::Meta {
            ua: user_agent(parts),
        };
        let bytes = record::join(&p, &record::tail(&meta));
        let session = Record::new(bytes.clone(), p.uid.clone());
        if !store
            .save(&sid, &session, ttl, SaveMode::Create)
            .await
            .map_err(|e| unavailable(&e))?
        {
            return Err(unavailable(&StoreError::new("session id collision")));
        }
        let data = TokenRecord {
            rem: 1,
            sid: Some(sid),
        }
        .to_json();
        let updated = Record::of_kind(RecordKind::Remember, data, Some(r.uid.clone()));
        let token_ttl = std::time::Duration::from_secs(r.remaining(now).max(1));
        let swapped = store
            .save(&r.rid, &updated, token_ttl, SaveMode::Replace(&token))
            .await
            .map_err(|e| unavailable(&e))?;
        if !swapped {
            store.delete(&sid).await.map_err(|e| unavailable(&e))?;
            return Ok(Restored::NoCookies);
        }
        self.slot.with(|s| {
            *s = SessionState::from_record(p, false, sid, bytes);
            s.resend = true;
        });
        Ok(Restored::Started)
    }

    fn start_restored(
        &self,
        r: &RememberPayload,
        sid: Option<SessionId>,
        login: Login,
        ua: Option<String>,
    ) {
        let store_mode = sid.is_some();
        let uid = r.uid.clone();
        let rid = r.rid;
        self.slot.with(|s| {
            s.set_id(sid); // a new session id (R16)
            s.new_id = store_mode;
            s.uid = Some(uid);
            s.ah = Some(login.ah);
            s.fat = None; // restored sessions are never fresh (R24)
            s.cid = Some(login.identity);
            s.remembered = true;
            s.permanent |= login.permanent;
            if store_mode {
                s.rt = Some(rid);
                s.ua = ua;
            }
            s.modified = true;
        });
    }

    /// Store mode: ends the remember tokens this client holds or its session was tied
    /// to (a login replaces them, a logout ends them).
    pub(crate) fn revoke_client_tokens(&self, cookie: Option<&RememberPayload>) {
        if self.slot.settings.store.is_none() {
            return;
        }
        let linked = self.slot.with(|s| s.rt.take());
        for rid in cookie.map(|r| r.rid).into_iter().chain(linked) {
            self.state().revoke(rid);
        }
    }
}
