//! The store conformance suite: what every [`SessionStore`] must do, written once and
//! run against each store with a real server behind it: `MemoryStore` always; Redis at
//! `REDIS_URL` and a Redis Cluster at `REDIS_CLUSTER_NODES` (`--features redis`), PostgreSQL at `POSTGRES_URL` (`--features
//! postgres`) and an SQLite file (`--features sqlite`).
//!
//! Each case takes a fresh store that keeps at most [`MAX`] sessions per user.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum_sesame::SessionStore;
use axum_sesame::store::{Record, RecordKind, SaveMode, SessionId, UserRecord};

/// The per-user cap every store in the suite is made with.
const MAX: usize = 3;

const MINUTE: Duration = Duration::from_secs(60);

fn id() -> SessionId {
    SessionId::random().unwrap()
}

fn session(data: &str, user: Option<&str>) -> Record {
    Record::new(data.as_bytes().to_vec(), user.map(str::to_owned))
}

fn ids(records: &[UserRecord]) -> HashSet<SessionId> {
    records.iter().map(|r| r.id).collect()
}

async fn create(store: &impl SessionStore, id: &SessionId, record: &Record, ttl: Duration) {
    assert!(
        store.save(id, record, ttl, SaveMode::Create).await.unwrap(),
        "a new id is free"
    );
}

// ----- the cases ----------------------------------------------------------------------

/// Create, load, compare-and-swap, delete.
async fn create_load_update_delete(store: impl SessionStore) {
    let a = id();
    assert_eq!(
        store.load(&a).await.unwrap(),
        None,
        "unknown ids load nothing"
    );
    create(&store, &a, &session("one", None), MINUTE).await;
    assert_eq!(store.load(&a).await.unwrap().as_deref(), Some(&b"one"[..]));
    // A live id is never created twice.
    let evil = session("evil", None);
    assert!(
        !store
            .save(&a, &evil, MINUTE, SaveMode::Create)
            .await
            .unwrap()
    );
    assert_eq!(store.load(&a).await.unwrap().as_deref(), Some(&b"one"[..]));
    // Replace only over the bytes the writer loaded.
    let stale = SaveMode::Replace(b"zero");
    assert!(
        !store
            .save(&a, &session("x", None), MINUTE, stale)
            .await
            .unwrap()
    );
    let fresh = SaveMode::Replace(b"one");
    assert!(
        store
            .save(&a, &session("two", None), MINUTE, fresh)
            .await
            .unwrap()
    );
    assert_eq!(store.load(&a).await.unwrap().as_deref(), Some(&b"two"[..]));
    store.delete(&a).await.unwrap();
    assert_eq!(store.load(&a).await.unwrap(), None);
    // Nothing comes back after a delete: not by a replace, and deleting again is no error.
    let late = SaveMode::Replace(b"two");
    assert!(
        !store
            .save(&a, &session("three", None), MINUTE, late)
            .await
            .unwrap()
    );
    assert_eq!(store.load(&a).await.unwrap(), None);
    store.delete(&a).await.unwrap();
    store.delete(&id()).await.unwrap();
}

/// The store itself ends a record at its TTL; the id is then free again.
async fn expiry_is_enforced_by_the_store(store: impl SessionStore) {
    let a = id();
    create(
        &store,
        &a,
        &session("short", Some("u")),
        Duration::from_secs(1),
    )
    .await;
    let long = id();
    create(&store, &long, &session("long", Some("u")), MINUTE).await;
    assert!(store.load(&a).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(store.load(&a).await.unwrap(), None, "expired");
    let listed = store.list_user("u").await.unwrap();
    assert_eq!(
        ids(&listed),
        HashSet::from([long]),
        "the index drops it too"
    );
    let stale = SaveMode::Replace(b"short");
    assert!(
        !store
            .save(&a, &session("back", None), MINUTE, stale)
            .await
            .unwrap()
    );
    create(&store, &a, &session("new", None), MINUTE).await;
    assert_eq!(store.load(&a).await.unwrap().as_deref(), Some(&b"new"[..]));
}

/// Every user's sessions and remember tokens are listed from the index, and revoked
/// one by one or all at once; other users keep theirs.
async fn per_user_index_and_revocation(store: impl SessionStore) {
    let (s1, s2, r1, other) = (id(), id(), id(), id());
    create(&store, &s1, &session("s1", Some("alice")), MINUTE).await;
    create(&store, &s2, &session("s2", Some("alice")), MINUTE).await;
    let token = Record::of_kind(RecordKind::Remember, b"r1".to_vec(), Some("alice".into()));
    create(&store, &r1, &token, MINUTE).await;
    create(&store, &other, &session("bob", Some("bob")), MINUTE).await;
    let anonymous = id();
    create(&store, &anonymous, &session("anon", None), MINUTE).await;

    let listed = store.list_user("alice").await.unwrap();
    assert_eq!(ids(&listed), HashSet::from([s1, s2, r1]));
    let kind_of = |id: &SessionId| listed.iter().find(|r| &r.id == id).unwrap().kind;
    assert_eq!(kind_of(&s1), RecordKind::Session);
    assert_eq!(kind_of(&r1), RecordKind::Remember);
    assert_eq!(listed.iter().find(|r| r.id == s2).unwrap().data, b"s2");

    // One revoked.
    store.delete(&s1).await.unwrap();
    let listed = store.list_user("alice").await.unwrap();
    assert_eq!(ids(&listed), HashSet::from([s2, r1]));
    // A rotated-away id leaves the index; its marker stays loadable for a while.
    store.mark_moved(&s2, MINUTE).await.unwrap();
    assert_eq!(
        ids(&store.list_user("alice").await.unwrap()),
        HashSet::from([r1])
    );
    assert_eq!(
        store.load(&s2).await.unwrap().as_deref(),
        Some(&br#"{"moved":1}"#[..])
    );
    // All at once.
    create(&store, &s1, &session("s1 again", Some("alice")), MINUTE).await;
    assert_eq!(store.delete_user("alice").await.unwrap(), 2);
    assert!(store.list_user("alice").await.unwrap().is_empty());
    assert_eq!(store.load(&s1).await.unwrap(), None);
    assert_eq!(store.load(&r1).await.unwrap(), None);
    assert_eq!(store.delete_user("alice").await.unwrap(), 0);
    // Others untouched.
    assert_eq!(
        ids(&store.list_user("bob").await.unwrap()),
        HashSet::from([other])
    );
    assert!(store.load(&anonymous).await.unwrap().is_some());
    assert!(store.list_user("nobody").await.unwrap().is_empty());
}

/// A user never holds more than `MAX` live sessions (nor tokens): a new one ends the one
/// closest to expiry, never itself.
async fn growth_per_user_is_bounded(store: impl SessionStore) {
    let mut made = Vec::new();
    for i in 1..=5u64 {
        let s = id();
        create(
            &store,
            &s,
            &session("s", Some("u")),
            MINUTE * (i as u32 + 1),
        )
        .await;
        made.push(s);
    }
    let listed = ids(&store.list_user("u").await.unwrap());
    assert_eq!(
        listed,
        made[2..].iter().cloned().collect(),
        "the latest to expire stay"
    );
    for gone in &made[..2] {
        assert_eq!(
            store.load(gone).await.unwrap(),
            None,
            "ended, not only unlisted"
        );
    }
    // The newest is kept even when it expires first.
    let short = id();
    create(
        &store,
        &short,
        &session("short", Some("u")),
        Duration::from_secs(30),
    )
    .await;
    let listed = ids(&store.list_user("u").await.unwrap());
    assert_eq!(listed.len(), MAX);
    assert!(listed.contains(&short));
    assert_eq!(store.load(&made[2]).await.unwrap(), None);
    // Tokens have a cap of their own.
    for _ in 0..MAX + 2 {
        let token = Record::of_kind(RecordKind::Remember, b"t".to_vec(), Some("u".into()));
        create(&store, &id(), &token, MINUTE).await;
    }
    let listed = store.list_user("u").await.unwrap();
    let tokens = listed
        .iter()
        .filter(|r| r.kind == RecordKind::Remember)
        .count();
    assert_eq!((listed.len() - tokens, tokens), (MAX, MAX));
}

/// Concurrent writers: of racing updates over the same bytes exactly one wins, and
/// racing logins of one user still leave at most `MAX` sessions.
async fn concurrent_writers(store: impl SessionStore + Clone) {
    let a = id();
    create(&store, &a, &session("base", Some("u")), MINUTE).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let record = session(&format!("writer {i}"), Some("u"));
            store
                .save(&a, &record, MINUTE, SaveMode::Replace(b"base"))
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one compare-and-swap wins");
    let data = store.load(&a).await.unwrap().unwrap();
    assert!(data.starts_with(b"writer "));

    let ids_made: Arc<Vec<SessionId>> = Arc::new((0..16).map(|_| id()).collect());
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let ids_made = ids_made.clone();
        tasks.push(tokio::spawn(async move {
            let record = session("racing", Some("v"));
            store
                .save(&ids_made[i], &record, MINUTE, SaveMode::Create)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap());
    }
    let listed = store.list_user("v").await.unwrap();
    assert!(
        (1..=MAX).contains(&listed.len()),
        "{} sessions listed",
        listed.len()
    );
    let mut live = 0;
    for s in ids_made.iter() {
        live += usize::from(store.load(s).await.unwrap().is_some());
    }
    assert_eq!(
        live,
        listed.len(),
        "the ended ones are gone, not only unlisted"
    );
}

/// The store answers its health check.
async fn answers_ping(store: impl SessionStore) {
    store.ping().await.unwrap();
}

/// Runs every case against stores made by `$make` (an expression, `.await` allowed;
/// each case gets its own store, capped at `MAX` per user).
macro_rules! conformance {
    ($modname:ident, $make:expr) => {
        mod $modname {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn create_load_update_delete() {
                super::create_load_update_delete($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn expiry_is_enforced_by_the_store() {
                super::expiry_is_enforced_by_the_store($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn per_user_index_and_revocation() {
                super::per_user_index_and_revocation($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn growth_per_user_is_bounded() {
                super::growth_per_user_is_bounded($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_writers() {
                super::concurrent_writers($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn answers_ping() {
                super::answers_ping($make).await
            }
        }
    };
}

conformance!(
    memory,
    axum_sesame::MemoryStore::new().with_max_per_user(MAX)
);

#[cfg(feature = "redis")]
conformance!(redis, support::redis_store().with_max_per_user(MAX));

#[cfg(feature = "redis")]
conformance!(
    redis_cluster,
    support::redis_cluster_store().with_max_per_user(MAX)
);

#[cfg(feature = "postgres")]
conformance!(
    postgres,
    support::postgres_store().await.with_max_per_user(MAX)
);

#[cfg(feature = "sqlite")]
conformance!(sqlite, support::sqlite_store().await.with_max_per_user(MAX));
