//! Server-side session stores: the cookie carries only a signed random session id, the
//! session lives on the server.
//!
//! Semantics every store keeps (SECURITY.md R15, R21, R36):
//! - strict: an id the store does not know is never adopted; the client gets a new one
//!   when something is written;
//! - no record for an anonymous visitor until data is written;
//! - [`SaveMode::Create`] writes only when the id is free and [`SaveMode::Update`] only
//!   when the record still exists, so a request racing a logout cannot bring the logged-out
//!   session back;
//! - [`SessionStore::delete_user`] ends every session of one user ("log out everywhere").

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::session::payload::SessionId;

/// The future a store method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store failed (unreachable, full, protocol error). Requests that need the session are
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
pub enum SaveMode {
    /// Only if no record has this id (a new session).
    Create,
    /// Only if the record still exists (an existing session).
    Update,
}

/// What a store keeps for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// The serialized session (opaque to the store).
    pub data: Vec<u8>,
    /// The logged-in user, for [`SessionStore::delete_user`].
    pub user_id: Option<String>,
}

impl Record {
    /// A record of `data`, belonging to `user_id` when logged in.
    pub fn new(data: Vec<u8>, user_id: Option<String>) -> Record {
        Record { data, user_id }
    }
}

/// A place to keep sessions on the server. Implemented by [`MemoryStore`] and, with the
/// `redis` feature, `RedisStore`.
///
/// Methods return boxed futures so the layer can hold any store behind one pointer.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The record with `id`, if it exists and has not expired.
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Writes `record` under `id` to expire after `ttl`, as `mode` allows. Returns `false`
    /// when the mode refused (the id was taken, or the record is gone).
    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
        mode: SaveMode,
    ) -> StoreFuture<'a, bool>;

    /// Deletes the record with `id` (no error when absent).
    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()>;

    /// Deletes every session of `user_id`; returns how many were found.
    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize>;
}

const SHARDS: usize = 16;
/// Every this many writes, one shard is swept for expired records.
const SWEEP_EVERY: usize = 256;

struct Entry {
    data: Vec<u8>,
    user_id: Option<String>,
    expires: Instant,
}

struct MemoryInner {
    shards: [Mutex<HashMap<[u8; 16], Entry>>; SHARDS],
    per_shard: usize,
    writes: AtomicUsize,
}

/// Sessions in this process's memory: sharded by id (no global lock), expired records
/// swept as it goes, bounded in size. For one process; use Redis for several.
///
/// Cheap to clone: clones share the sessions. Keep one to call
/// [`delete_user`](SessionStore::delete_user).
///
/// # Example
/// ```
/// use axum_sesame::{Key, MemoryStore, SessionConfig};
///
/// let store = MemoryStore::new();
/// let layer = SessionConfig::new(Key::from_bytes(&[7u8; 32]))
///     .with_store(store.clone())
///     .build()
///     .unwrap();
/// # let _ = layer;
/// ```
#[derive(Clone)]
pub struct MemoryStore(Arc<MemoryInner>);

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &(self.0.per_shard * SHARDS))
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// A store of at most 100 000 sessions.
    pub fn new() -> MemoryStore {
        MemoryStore::with_capacity(100_000)
    }

    /// A store of at most `max_sessions` sessions (rounded up to a multiple of 16). When full,
    /// creating a session fails (503) until records expire or are deleted.
    pub fn with_capacity(max_sessions: usize) -> MemoryStore {
        MemoryStore(Arc::new(MemoryInner {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            per_shard: max_sessions.div_ceil(SHARDS).max(1),
            writes: AtomicUsize::new(0),
        }))
    }

    /// The number of records held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.0.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, id: &SessionId) -> &Mutex<HashMap<[u8; 16], Entry>> {
        &self.0.shards[usize::from(id.as_bytes()[0]) % SHARDS]
    }

    fn sweep_sometimes(&self) {
        let n = self.0.writes.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(SWEEP_EVERY) {
            let now = Instant::now();
            lock(&self.0.shards[(n / SWEEP_EVERY) % SHARDS]).retain(|_, e| e.expires > now);
        }
    }

    fn load_now(&self, id: &SessionId) -> Option<Vec<u8>> {
        let mut shard = lock(self.shard(id));
        match shard.get(id.as_bytes()) {
            Some(e) if e.expires > Instant::now() => Some(e.data.clone()),
            Some(_) => {
                shard.remove(id.as_bytes());
                None
            }
            None => None,
        }
    }

    fn save_now(
        &self,
        id: &SessionId,
        record: &Record,
        ttl: Duration,
        mode: SaveMode,
    ) -> Result<bool, StoreError> {
        self.sweep_sometimes();
        let now = Instant::now();
        let mut shard = lock(self.shard(id));
        let live = shard.get(id.as_bytes()).is_some_and(|e| e.expires > now);
        match mode {
            SaveMode::Create if live => return Ok(false),
            SaveMode::Update if !live => return Ok(false),
            _ => {}
        }
        if !live && shard.len() >= self.0.per_shard {
            shard.retain(|_, e| e.expires > now);
            if shard.len() >= self.0.per_shard {
                return Err(StoreError::new("memory store is full"));
            }
        }
        shard.insert(
            *id.as_bytes(),
            Entry {
                data: record.data.clone(),
                user_id: record.user_id.clone(),
                expires: now + ttl,
            },
        );
        Ok(true)
    }

    fn delete_user_now(&self, user_id: &str) -> usize {
        let mut n = 0;
        for shard in &self.0.shards {
            let mut shard = lock(shard);
            let before = shard.len();
            shard.retain(|_, e| e.user_id.as_deref() != Some(user_id));
            n += before - shard.len();
        }
        n
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section is a single map operation: a panic cannot leave it torn.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SessionStore for MemoryStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(std::future::ready(Ok(self.load_now(id))))
    }

    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
        mode: SaveMode,
    ) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(self.save_now(id, record, ttl, mode)))
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        lock(self.shard(id)).remove(id.as_bytes());
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(std::future::ready(Ok(self.delete_user_now(user_id))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: Option<&str>) -> Record {
        Record {
            data: b"{}".to_vec(),
            user_id: user.map(str::to_owned),
        }
    }

    fn block<T>(f: StoreFuture<'_, T>) -> T {
        // Memory store futures are always ready.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = f;
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(r) => r.unwrap(),
            std::task::Poll::Pending => panic!("memory store future pending"),
        }
    }

    #[test]
    fn create_update_delete_and_capacity() {
        let store = MemoryStore::with_capacity(16);
        let id = SessionId::random().unwrap();
        let ttl = Duration::from_secs(60);
        assert!(
            !block(store.save(&id, &record(None), ttl, SaveMode::Update)),
            "no resurrection"
        );
        assert!(block(store.save(&id, &record(None), ttl, SaveMode::Create)));
        assert!(
            !block(store.save(&id, &record(None), ttl, SaveMode::Create)),
            "no overwrite"
        );
        assert!(block(store.save(&id, &record(None), ttl, SaveMode::Update)));
        assert!(block(store.load(&id)).is_some());
        block(store.delete(&id));
        assert!(block(store.load(&id)).is_none());
        // Full shards refuse new sessions.
        let mut created = 0;
        for _ in 0..200 {
            let id = SessionId::random().unwrap();
            if store
                .save_now(&id, &record(None), ttl, SaveMode::Create)
                .is_ok()
            {
                created += 1;
            }
        }
        assert!(created <= 16, "{created}");
    }

    #[test]
    fn expired_records_are_gone() {
        let store = MemoryStore::new();
        let id = SessionId::random().unwrap();
        assert!(block(store.save(
            &id,
            &record(None),
            Duration::ZERO,
            SaveMode::Create
        )));
        assert!(block(store.load(&id)).is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn delete_user_ends_all_of_them() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        let ids: Vec<_> = (0..5).map(|_| SessionId::random().unwrap()).collect();
        for (i, id) in ids.iter().enumerate() {
            let user = if i < 3 { "foo" } else { "bar" };
            block(store.save(id, &record(Some(user)), ttl, SaveMode::Create));
        }
        assert_eq!(block(store.delete_user("foo")), 3);
        assert_eq!(store.len(), 2);
    }
}
