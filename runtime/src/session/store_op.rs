//! Store-mode work decided when a response leaves: write the session (merging with what
//! concurrent requests wrote), mark rotated ids, delete ended records.

use std::time::Duration;

use crate::session::failure::Failure;
use crate::session::merge::{Changes, merge};
use crate::session::payload::{Payload, SessionId};
use crate::session::record;
use crate::session::store::{MOVED_GRACE, Record, SaveMode, SessionStore, StoreError};

/// How many times a contended update re-reads and merges before answering 503. Each
/// round at least one writer succeeds, so this many requests of one session writing at
/// once all get through; a short random pause between rounds spreads them.
const MAX_MERGES: u32 = 64;

/// A random pause before merge round `round`: up to `8 * 2^round` yields to the
/// scheduler (no timer: the app's runtime need not enable one).
async fn back_off(round: u32) {
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    let cap = 8u32 << round.min(6);
    for _ in 0..u32::from(u16::from_le_bytes(bytes)) % (cap + 1) {
        tokio::task::yield_now().await;
    }
}

/// How the session record is written.
#[derive(Debug)]
pub(crate) enum How {
    /// A new id: only if free.
    Create,
    /// An existing record: compare-and-swap against the bytes loaded, merging on conflict.
    Replace { loaded: Vec<u8>, changes: Changes },
}

/// The session record to write.
#[derive(Debug)]
pub(crate) struct Save {
    pub(crate) id: SessionId,
    pub(crate) payload: Payload,
    /// The record's metadata line (see [`record`](crate::session::record)).
    pub(crate) tail: Vec<u8>,
    pub(crate) ttl: Duration,
    pub(crate) how: How,
}

/// Store work decided after the handler ran.
#[derive(Debug, Default)]
pub(crate) struct StoreOp {
    pub(crate) save: Option<Save>,
    /// Records to delete (ended sessions, revoked remember tokens).
    pub(crate) delete: Vec<SessionId>,
    /// Ids rotated away: replaced by a short-lived moved marker.
    pub(crate) moved: Vec<SessionId>,
    /// Sent when the save succeeded, or when there is nothing to save.
    pub(crate) cookie: Option<String>,
    /// Sent when there is neither a save nor a cookie (the session ended).
    pub(crate) removal: Option<String>,
}

impl StoreOp {
    /// Deletes `old` and the client's cookie.
    pub(crate) fn end(old: SessionId, removal: String) -> StoreOp {
        StoreOp {
            delete: vec![old],
            removal: Some(removal),
            ..StoreOp::default()
        }
    }

    /// Whether the response sets or deletes the session cookie (it is private then).
    pub(crate) fn sets_cookie(&self) -> bool {
        self.cookie.is_some() || self.removal.is_some()
    }

    /// Runs the store operations; returns the cookies to send.
    pub(crate) async fn run(self, store: &dyn SessionStore) -> Result<Vec<String>, Failure> {
        let mut cookies = Vec::new();
        let saved = match self.save {
            Some(save) => Some(write(store, save).await?),
            None => None,
        };
        for old in &self.moved {
            store
                .mark_moved(old, MOVED_GRACE)
                .await
                .map_err(Failure::Store)?;
        }
        for old in &self.delete {
            store.delete(old).await.map_err(Failure::Store)?;
        }
        match saved {
            Some(true) => cookies.extend(self.cookie),
            // The record was ended or moved meanwhile: this stale request sends nothing,
            // so it can neither bring the session back nor delete a newer cookie.
            Some(false) => {}
            None => cookies.extend(self.cookie.or(self.removal)),
        }
        Ok(cookies)
    }
}

/// Writes the session; `false` when the record is gone (ended, moved, another login).
async fn write(store: &dyn SessionStore, save: Save) -> Result<bool, Failure> {
    let fail = Failure::Store;
    let data = record::join(&save.payload, &save.tail);
    let mut record = Record::new(data, save.payload.uid.clone());
    match save.how {
        How::Create => match store
            .save(&save.id, &record, save.ttl, SaveMode::Create)
            .await
        {
            Ok(true) => Ok(true),
            Ok(false) => Err(fail(StoreError::new("session id collision"))),
            Err(e) => Err(fail(e)),
        },
        How::Replace {
            mut loaded,
            changes,
        } => {
            for round in 0..MAX_MERGES {
                if round > 0 {
                    back_off(round).await;
                }
                let mode = SaveMode::Replace(&loaded);
                if store
                    .save(&save.id, &record, save.ttl, mode)
                    .await
                    .map_err(fail)?
                {
                    return Ok(true);
                }
                // Another request wrote first: merge onto what it left.
                let Some(current) = store.load(&save.id).await.map_err(fail)? else {
                    return Ok(false);
                };
                let tail = record::tail_of(&current);
                let Some(theirs) = record::payload(&current) else {
                    return Ok(false);
                };
                let Some(merged) = merge(&save.payload, &changes, theirs) else {
                    return Ok(false);
                };
                record.data = record::join(&merged, tail);
                loaded = current;
            }
            Err(fail(StoreError::new(
                "session record contended: too many concurrent writers",
            )))
        }
    }
}
