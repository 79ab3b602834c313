//! Server-side session stores: the cookie carries only a signed random session id, the
//! session lives on the server.
//!
//! Semantics every store keeps (SECURITY.md R15, R21, R36, R39, R41):
//! - strict: an id the store does not know is never adopted; the client gets a new one
//!   when something is written;
//! - no record for an anonymous visitor until data is written;
//! - [`SaveMode::Create`] writes only when the id is free and [`SaveMode::Replace`] only
//!   when the record still holds the bytes the request loaded (compare-and-swap), so a
//!   request racing a logout cannot bring the session back, and concurrent requests never
//!   overwrite each other's changes unseen (the layer merges and retries);
//! - every record expires (its `ttl`); a per-user index of sessions and of remember tokens,
//!   pruned as they end, lets [`SessionStore::list_user`] and
//!   [`SessionStore::delete_user`] work without a scan;
//! - each user keeps at most a bounded number of live sessions and of remember tokens: a
//!   new one beyond the cap ends the one closest to expiry (for sliding sessions, the
//!   least recently used);
//! - a full store evicts, it never refuses a new session (see [`MemoryStore`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::session::payload::SessionId;

/// The future a store method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store failed (unreachable, protocol error). Requests that need the session are
/// answered 503 while it lasts; nobody is ever authenticated by a failing store.
#[derive(Debug)]
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any error.
    ///
    /// ```
    /// let e = axum_sesame::StoreError::new("connection refused");
    /// assert_eq!(e.to_string(), "session store: connection refused");
    /// ```
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError(error.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// How [`SessionStore::save`] may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode<'a> {
    /// Only if no record has this id (a new session or token).
    Create,
    /// Only if the record still holds exactly these bytes (the ones the request loaded):
    /// a compare-and-swap. Refused when the record changed or is gone.
    Replace(&'a [u8]),
}

/// What a record is, for the per-user index and for eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A session.
    Session,
    /// A remember-me token (its record says only that it is live, and which session it
    /// restored last).
    Remember,
    /// The marker left for a short while where a session's id was rotated away: a request
    /// still carrying the old id is anonymous but must not delete the newer cookie.
    Moved,
}

impl RecordKind {
    /// One letter, for stores that keep the kind beside the data.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Session => "s",
            RecordKind::Remember => "r",
            RecordKind::Moved => "m",
        }
    }
}

/// What a store keeps for one session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// The serialized session (opaque to the store).
    pub data: Vec<u8>,
    /// The logged-in user, for the per-user index.
    pub user_id: Option<String>,
    /// What the record is.
    pub kind: RecordKind,
}

impl Record {
    /// A session record of `data`, belonging to `user_id` when logged in.
    ///
    /// ```
    /// let r = axum_sesame::store::Record::new(b"{}".to_vec(), Some("alice".into()));
    /// assert_eq!(r.kind, axum_sesame::store::RecordKind::Session);
    /// ```
    pub fn new(data: Vec<u8>, user_id: Option<String>) -> Record {
        Record {
            data,
            user_id,
            kind: RecordKind::Session,
        }
    }

    /// A record of another kind.
    pub fn of_kind(kind: RecordKind, data: Vec<u8>, user_id: Option<String>) -> Record {
        Record {
            data,
            user_id,
            kind,
        }
    }
}

/// One live record of a user, as [`SessionStore::list_user`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserRecord {
    /// The record's id.
    pub id: SessionId,
    /// [`RecordKind::Session`] or [`RecordKind::Remember`].
    pub kind: RecordKind,
    /// The record's data.
    pub data: Vec<u8>,
}

impl UserRecord {
    /// A listed record.
    pub fn new(id: SessionId, kind: RecordKind, data: Vec<u8>) -> UserRecord {
        UserRecord { id, kind, data }
    }
}

/// The data of a [`RecordKind::Moved`] marker.
pub(crate) const MOVED: &[u8] = b"{\"moved\":1}";

/// How long a rotated-away id stays known as moved: a request still in flight with it
/// (slower than this is unusual) sends no cookie instead of deleting the newer one.
pub(crate) const MOVED_GRACE: Duration = Duration::from_secs(120);

/// The default cap of live sessions (and, separately, of remember tokens) per user.
pub const DEFAULT_MAX_PER_USER: usize = 32;

/// A place to keep sessions on the server. Implemented by [`MemoryStore`] and, with the
/// `redis` feature, `RedisStore`.
///
/// Methods return boxed futures so the layer can hold any store behind one pointer.
///
/// [`MemoryStore`]: crate::MemoryStore
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The data of the record with `id`, if it exists and has not expired.
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Writes `record` under `id` to expire after `ttl`, as `mode` allows, and keeps the
    /// per-user index (and its cap) up to date. Returns `false` when the mode refused.
    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
        mode: SaveMode<'a>,
    ) -> StoreFuture<'a, bool>;

    /// Deletes the record with `id` and its index entry (no error when absent).
    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()>;

    /// Replaces the record with `id` by a [`RecordKind::Moved`] marker that lives `ttl`
    /// (its session moved to a new id); the old record leaves the index.
    fn mark_moved<'a>(&'a self, id: &'a SessionId, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Deletes every session and remember token of `user_id`; returns how many records
    /// were found.
    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize>;

    /// The live sessions and remember tokens of `user_id`, from the per-user index (one
    /// lookup, never a scan). Index entries whose record has ended are pruned.
    fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>>;

    /// Whether the store answers, for health checks (`GET /healthz`). The default says
    /// yes: an in-process store always answers.
    ///
    /// ```
    /// use axum_sesame::{MemoryStore, SessionStore};
    ///
    /// # async fn f() {
    /// assert!(MemoryStore::new().ping().await.is_ok());
    /// # }
    /// # let _ = f();
    /// ```
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}
