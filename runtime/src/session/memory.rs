//! `MemoryStore`: sessions in this process's memory, bounded, evicting when full.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::session::payload::SessionId;
use crate::session::store::{
    DEFAULT_MAX_PER_USER, MOVED, Record, RecordKind, SaveMode, SessionStore, StoreFuture,
    UserRecord,
};

const SHARDS: usize = 16;
/// Every this many writes, one shard is swept for expired records.
const SWEEP_EVERY: usize = 256;

struct Entry {
    data: Vec<u8>,
    user_id: Option<String>,
    kind: RecordKind,
    expires: Instant,
}

impl Entry {
    /// Which records a full shard evicts first: moved markers (a stale request then only
    /// loses its quiet no-op), then anonymous sessions (nobody is logged out), then
    /// logged-in sessions and remember tokens; within a class, the one closest to expiry.
    fn eviction_rank(&self) -> (u8, Instant) {
        let class = match (self.kind, &self.user_id) {
            (RecordKind::Moved, _) => 0,
            (_, None) => 1,
            (_, Some(_)) => 2,
        };
        (class, self.expires)
    }
}

type Shard = HashMap<[u8; 16], Entry>;

/// A user's live records, each with its expiry (kept in step with the record).
#[derive(Default)]
struct UserIndex {
    sessions: HashMap<[u8; 16], Instant>,
    tokens: HashMap<[u8; 16], Instant>,
}

impl UserIndex {
    fn of_kind(&mut self, kind: RecordKind) -> Option<&mut HashMap<[u8; 16], Instant>> {
        match kind {
            RecordKind::Session => Some(&mut self.sessions),
            RecordKind::Remember => Some(&mut self.tokens),
            _ => None,
        }
    }
}

type Users = HashMap<String, UserIndex>;

struct MemoryInner {
    shards: [Mutex<Shard>; SHARDS],
    /// Lock order: a shard, then `users`; never a shard while `users` is held.
    users: Mutex<Users>,
    per_shard: usize,
    max_per_user: AtomicUsize,
    writes: AtomicUsize,
}

/// Sessions in this process's memory: sharded by id (no global lock), expired records
/// swept as it goes, bounded in size. For one process; use Redis for several.
///
/// When full, a new session never fails: the store evicts, first the markers of rotated
/// ids, then anonymous sessions, then logged-in ones, each class closest-to-expiry
/// first, so a flood of anonymous visitors cannot lock real users out. Each user keeps
/// at most [`with_max_per_user`](MemoryStore::with_max_per_user) live sessions (and as
/// many remember tokens); a new one beyond that ends the one closest to expiry.
///
/// Cheap to clone: clones share the sessions.
///
/// # Example
/// ```
/// use axum_sesame::{Key, MemoryStore, SessionConfig};
///
/// let store = MemoryStore::with_capacity(10_000).with_max_per_user(8);
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
            .field("max_per_user", &self.max_per_user())
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section leaves the maps consistent between statements that can
    // panic (none allocate half a change): poisoning is ignored.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unindex(users: &mut Users, user: &str, kind: RecordKind, id: &[u8; 16]) {
    if let Some(index) = users.get_mut(user) {
        if let Some(map) = index.of_kind(kind) {
            map.remove(id);
        }
        if index.sessions.is_empty() && index.tokens.is_empty() {
            users.remove(user);
        }
    }
}

impl MemoryStore {
    /// A store of at most 100 000 records, 32 sessions per user.
    pub fn new() -> MemoryStore {
        MemoryStore::with_capacity(100_000)
    }

    /// A store of at most `max_records` records (rounded up to a multiple of 16).
    pub fn with_capacity(max_records: usize) -> MemoryStore {
        MemoryStore(Arc::new(MemoryInner {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            users: Mutex::new(HashMap::new()),
            per_shard: max_records.div_ceil(SHARDS).max(1),
            max_per_user: AtomicUsize::new(DEFAULT_MAX_PER_USER),
            writes: AtomicUsize::new(0),
        }))
    }

    /// Each user keeps at most `max` live sessions, and at most `max` remember tokens
    /// (default 32, at least 1). Clones share the setting.
    #[must_use]
    pub fn with_max_per_user(self, max: usize) -> MemoryStore {
        self.0.max_per_user.store(max.max(1), Ordering::Relaxed);
        self
    }

    fn max_per_user(&self) -> usize {
        self.0.max_per_user.load(Ordering::Relaxed)
    }

    /// The number of records held (sessions, remember tokens and moved markers), expired
    /// ones not yet swept included.
    pub fn len(&self) -> usize {
        self.0.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many users have a live record in the per-user index.
    pub fn indexed_users(&self) -> usize {
        lock(&self.0.users).len()
    }

    fn shard(&self, id: &SessionId) -> &Mutex<Shard> {
        &self.0.shards[usize::from(id.as_bytes()[0]) % SHARDS]
    }

    /// Removes `id`'s entry from `shard` and from the index.
    fn remove_entry(&self, shard: &mut Shard, id: &[u8; 16]) -> Option<Entry> {
        let e = shard.remove(id)?;
        if let Some(user) = &e.user_id {
            unindex(&mut lock(&self.0.users), user, e.kind, id);
        }
        Some(e)
    }

    /// Drops the expired records of `shard` (and their index entries).
    fn sweep(&self, shard: &mut Shard, now: Instant) {
        let expired: Vec<[u8; 16]> = shard
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.remove_entry(shard, &id);
        }
    }

    fn sweep_sometimes(&self) {
        let n = self.0.writes.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(SWEEP_EVERY) {
            let mut shard = lock(&self.0.shards[(n / SWEEP_EVERY) % SHARDS]);
            self.sweep(&mut shard, Instant::now());
        }
    }

    /// Makes room in a full shard: expired records first, then a batch of the lowest
    /// [`Entry::eviction_rank`] (a batch, so a flood costs one scan per many inserts).
    fn make_room(&self, shard: &mut Shard, now: Instant) {
        if shard.len() < self.0.per_shard {
            return;
        }
        self.sweep(shard, now);
        if shard.len() < self.0.per_shard {
            return;
        }
        let batch = (self.0.per_shard / 32).max(1);
        let mut ranked: Vec<((u8, Instant), [u8; 16])> = shard
            .iter()
            .map(|(id, e)| (e.eviction_rank(), *id))
            .collect();
        let cut = batch.min(ranked.len()) - 1;
        ranked.select_nth_unstable_by_key(cut, |(rank, _)| *rank);
        for (_, id) in &ranked[..=cut] {
            self.remove_entry(shard, id);
        }
    }

    fn load_now(&self, id: &SessionId) -> Option<Vec<u8>> {
        let mut shard = lock(self.shard(id));
        match shard.get(id.as_bytes()) {
            Some(e) if e.expires > Instant::now() => Some(e.data.clone()),
            Some(_) => {
                self.remove_entry(&mut shard, id.as_bytes());
                None
            }
            None => None,
        }
    }

    fn save_now(&self, id: &SessionId, record: &Record, ttl: Duration, mode: SaveMode<'_>) -> bool {
        self.sweep_sometimes();
        let now = Instant::now();
        let expires = now + ttl;
        let victims = {
            let mut shard = lock(self.shard(id));
            let current = shard.get(id.as_bytes()).filter(|e| e.expires > now);
            match (mode, current) {
                (SaveMode::Create, Some(_)) | (SaveMode::Replace(_), None) => return false,
                (SaveMode::Replace(expected), Some(e)) if e.data != expected => return false,
                _ => {}
            }
            // The old entry (or an expired one) leaves, with its index entry.
            self.remove_entry(&mut shard, id.as_bytes());
            self.make_room(&mut shard, now);
            shard.insert(
                *id.as_bytes(),
                Entry {
                    data: record.data.clone(),
                    user_id: record.user_id.clone(),
                    kind: record.kind,
                    expires,
                },
            );
            match &record.user_id {
                Some(user) => self.index(user, record.kind, id, now, expires),
                None => Vec::new(),
            }
        };
        // Over the user's cap: the ones closest to expiry end (no `users` lock held here).
        for victim in victims {
            self.delete_now(&SessionId::from_bytes(victim));
        }
        true
    }

    /// Adds `id` to `user`'s index, prunes the index, and returns the ids beyond the cap
    /// (already out of the index) for the caller to delete.
    fn index(
        &self,
        user: &str,
        kind: RecordKind,
        id: &SessionId,
        now: Instant,
        expires: Instant,
    ) -> Vec<[u8; 16]> {
        let mut users = lock(&self.0.users);
        let Some(map) = users.entry(user.to_owned()).or_default().of_kind(kind) else {
            return Vec::new();
        };
        map.insert(*id.as_bytes(), expires);
        map.retain(|_, exp| *exp > now);
        let over = map.len().saturating_sub(self.max_per_user());
        if over == 0 {
            return Vec::new();
        }
        let mut by_expiry: Vec<([u8; 16], Instant)> = map
            .iter()
            .filter(|(other, _)| *other != id.as_bytes())
            .map(|(other, exp)| (*other, *exp))
            .collect();
        by_expiry.sort_by_key(|(_, exp)| *exp);
        let victims: Vec<[u8; 16]> = by_expiry.into_iter().take(over).map(|(v, _)| v).collect();
        for v in &victims {
            map.remove(v);
        }
        victims
    }

    fn delete_now(&self, id: &SessionId) {
        let mut shard = lock(self.shard(id));
        self.remove_entry(&mut shard, id.as_bytes());
    }

    fn mark_moved_now(&self, id: &SessionId, ttl: Duration) {
        let now = Instant::now();
        let mut shard = lock(self.shard(id));
        self.remove_entry(&mut shard, id.as_bytes());
        self.make_room(&mut shard, now);
        shard.insert(
            *id.as_bytes(),
            Entry {
                data: MOVED.to_vec(),
                user_id: None,
                kind: RecordKind::Moved,
                expires: now + ttl,
            },
        );
    }

    fn user_ids(&self, user_id: &str, take: bool) -> Vec<([u8; 16], RecordKind)> {
        let mut users = lock(&self.0.users);
        let index = if take {
            users.remove(user_id)
        } else {
            let now = Instant::now();
            users.get_mut(user_id).map(|i| {
                i.sessions.retain(|_, exp| *exp > now);
                i.tokens.retain(|_, exp| *exp > now);
                UserIndex {
                    sessions: i.sessions.clone(),
                    tokens: i.tokens.clone(),
                }
            })
        };
        let Some(index) = index else {
            return Vec::new();
        };
        let sessions = index
            .sessions
            .into_keys()
            .map(|id| (id, RecordKind::Session));
        let tokens = index
            .tokens
            .into_keys()
            .map(|id| (id, RecordKind::Remember));
        sessions.chain(tokens).collect()
    }

    fn delete_user_now(&self, user_id: &str) -> usize {
        let mut n = 0;
        for (id, _) in self.user_ids(user_id, true) {
            let mut shard = lock(self.shard(&SessionId::from_bytes(id)));
            if shard
                .get(&id)
                .is_some_and(|e| e.user_id.as_deref() == Some(user_id))
            {
                shard.remove(&id);
                n += 1;
            }
        }
        n
    }

    fn list_user_now(&self, user_id: &str) -> Vec<UserRecord> {
        let mut out = Vec::new();
        for (id, kind) in self.user_ids(user_id, false) {
            let sid = SessionId::from_bytes(id);
            match self.load_now(&sid) {
                Some(data) => out.push(UserRecord::new(sid, kind, data)),
                None => unindex(&mut lock(&self.0.users), user_id, kind, &id),
            }
        }
        out
    }
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
        mode: SaveMode<'a>,
    ) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.save_now(id, record, ttl, mode))))
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        self.delete_now(id);
        Box::pin(std::future::ready(Ok(())))
    }

    fn mark_moved<'a>(&'a self, id: &'a SessionId, ttl: Duration) -> StoreFuture<'a, ()> {
        self.mark_moved_now(id, ttl);
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(std::future::ready(Ok(self.delete_user_now(user_id))))
    }

    fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>> {
        Box::pin(std::future::ready(Ok(self.list_user_now(user_id))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: Option<&str>) -> Record {
        Record::new(b"{}".to_vec(), user.map(str::to_owned))
    }

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn create_replace_delete() {
        let store = MemoryStore::with_capacity(16);
        let id = SessionId::random().unwrap();
        assert!(
            !store.save_now(&id, &record(None), TTL, SaveMode::Replace(b"{}")),
            "no resurrection"
        );
        assert!(store.save_now(&id, &record(None), TTL, SaveMode::Create));
        assert!(
            !store.save_now(&id, &record(None), TTL, SaveMode::Create),
            "no overwrite"
        );
        let changed = Record::new(b"{\"a\":1}".to_vec(), None);
        assert!(
            !store.save_now(&id, &changed, TTL, SaveMode::Replace(b"{\"b\":1}")),
            "compare-and-swap refuses what changed"
        );
        assert!(store.save_now(&id, &changed, TTL, SaveMode::Replace(b"{}")));
        assert_eq!(store.load_now(&id).as_deref(), Some(&b"{\"a\":1}"[..]));
        store.delete_now(&id);
        assert!(store.load_now(&id).is_none());
    }

    #[test]
    fn a_full_store_evicts_anonymous_before_logged_in() {
        let store = MemoryStore::with_capacity(SHARDS * 8);
        let users: Vec<SessionId> = (0..SHARDS * 2)
            .map(|i| {
                let id = SessionId::random().unwrap();
                let user = format!("user{i}");
                assert!(store.save_now(&id, &record(Some(&user)), TTL, SaveMode::Create));
                id
            })
            .collect();
        // A flood of anonymous sessions: every one is created, none refused.
        for _ in 0..SHARDS * 100 {
            let id = SessionId::random().unwrap();
            assert!(store.save_now(&id, &record(None), TTL, SaveMode::Create));
        }
        assert!(store.len() <= SHARDS * 8);
        for id in &users {
            assert!(
                store.load_now(id).is_some(),
                "a logged-in session was evicted"
            );
        }
    }

    #[test]
    fn each_user_keeps_at_most_the_cap_and_the_oldest_goes() {
        let store = MemoryStore::new().with_max_per_user(3);
        let ids: Vec<SessionId> = (0..5u64)
            .map(|i| {
                let id = SessionId::random().unwrap();
                let ttl = TTL + Duration::from_secs(i);
                assert!(store.save_now(&id, &record(Some("foo")), ttl, SaveMode::Create));
                id
            })
            .collect();
        let live: Vec<bool> = ids.iter().map(|id| store.load_now(id).is_some()).collect();
        assert_eq!(live, [false, false, true, true, true]);
        assert_eq!(store.list_user_now("foo").len(), 3);
        // Tokens have their own cap.
        let token = SessionId::random().unwrap();
        let r = Record::of_kind(RecordKind::Remember, b"{}".to_vec(), Some("foo".into()));
        assert!(store.save_now(&token, &r, TTL, SaveMode::Create));
        assert_eq!(store.list_user_now("foo").len(), 4);
    }

    #[test]
    fn expired_records_leave_the_index() {
        let store = MemoryStore::new();
        let id = SessionId::random().unwrap();
        assert!(store.save_now(&id, &record(Some("foo")), Duration::ZERO, SaveMode::Create));
        assert!(store.load_now(&id).is_none());
        assert!(store.is_empty());
        assert_eq!(store.indexed_users(), 0);
    }

    #[test]
    fn delete_user_ends_all_of_them_and_moved_markers_leave_the_index() {
        let store = MemoryStore::new();
        let ids: Vec<_> = (0..5).map(|_| SessionId::random().unwrap()).collect();
        for (i, id) in ids.iter().enumerate() {
            let user = if i < 3 { "foo" } else { "bar" };
            assert!(store.save_now(id, &record(Some(user)), TTL, SaveMode::Create));
        }
        store.mark_moved_now(&ids[4], TTL);
        assert_eq!(store.load_now(&ids[4]).as_deref(), Some(MOVED));
        assert_eq!(store.list_user_now("bar").len(), 1);
        assert_eq!(store.delete_user_now("foo"), 3);
        assert_eq!(store.len(), 2);
        assert_eq!(store.indexed_users(), 1);
    }
}
