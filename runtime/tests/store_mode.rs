//! Store mode under abuse and concurrency (SECURITY.md R38, R39, R41, R42), run against
//! `MemoryStore` and, with `--features redis`, against a real Redis at `REDIS_URL`.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use axum_sesame::store::{Record, RecordKind, SaveMode, SessionId};
use axum_sesame::{MemoryStore, SessionStore};
use support::{WRITERS, app, app_with, send, send_as, sid_of};

/// Live sessions and remember tokens of `user`, as the per-user index lists them.
async fn records(store: &impl SessionStore, user: &str) -> (usize, usize) {
    let all = store.list_user(user).await.unwrap();
    let sessions = all.iter().filter(|r| r.kind == RecordKind::Session).count();
    (sessions, all.len() - sessions)
}

/// R38: a login that replaces a remember cookie, with or without `remember`, ends its
/// token; after logout no earlier remember cookie logs in.
async fn replaced_remember_tokens_die(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let first = send(&app, "POST", "/remember/a", None).await;
    let (s1, r1) = (
        first.cookie("session").unwrap(),
        first.cookie("remember_token").unwrap(),
    );
    // The same client logs in again with remember: a new token, the first one dies.
    let second = send(&app, "POST", "/remember/a", Some(&format!("{s1}; {r1}"))).await;
    let (s2, r2) = (
        second.cookie("session").unwrap(),
        second.cookie("remember_token").unwrap(),
    );
    assert_ne!(r1, r2);
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&r1)).await.body,
        "anonymous None"
    );
    assert_eq!(send(&app, "GET", "/whoami", Some(&r2)).await.body, "a None");
    // Then without remember: the second token dies as well (its cookie is cleared).
    let third = send(&app, "POST", "/login/a", Some(&format!("{s2}; {r2}"))).await;
    assert!(
        third
            .set_cookie_lines()
            .iter()
            .any(|c| c.starts_with("remember_token=;"))
    );
    let s3 = third.cookie("session").unwrap();
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&r2)).await.body,
        "anonymous None"
    );
    send(&app, "GET", "/logout", Some(&s3)).await;
    for r in [&r1, &r2] {
        assert_eq!(
            send(&app, "GET", "/whoami", Some(r)).await.body,
            "anonymous None"
        );
    }
    assert_eq!(records(&store, "a").await.1, 0, "no token of `a` is left");
}

/// R38: a client whose session was restored by a token and which then logs out ends that
/// token too, even when it no longer sends the remember cookie.
async fn logout_ends_the_token_tied_to_the_session(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let r = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    let restored = send(&app, "GET", "/whoami", Some(&r)).await;
    assert_eq!(restored.body, "a None");
    let s = restored.cookie("session").unwrap();
    send(&app, "GET", "/logout", Some(&s)).await;
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&r)).await.body,
        "anonymous None"
    );
}

/// R39: a client that drops its session cookie and sends only its remember cookie, over
/// and over, continues one session: no new record, no new id.
async fn remember_only_replays_stay_bounded(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let r = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    let first = send(&app, "GET", "/whoami", Some(&r)).await;
    assert_eq!(first.body, "a None");
    let continued = first
        .cookie("session")
        .expect("the restored session's cookie");
    let before = records(&store, "a").await;
    for _ in 0..300 {
        let again = send(&app, "GET", "/whoami", Some(&r)).await;
        assert_eq!(again.body, "a None");
        assert_eq!(
            again.cookie("session").as_deref(),
            Some(continued.as_str()),
            "the same session goes on"
        );
    }
    assert_eq!(records(&store, "a").await, before, "no record per replay");
    // Once that session is gone, a replay starts one new session (and only one).
    send(&app, "GET", "/logout", Some(&continued)).await;
    let r = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    let s = send(&app, "GET", "/whoami", Some(&r))
        .await
        .cookie("session")
        .unwrap();
    store.delete(&sid_of(&s)).await.unwrap();
    let fresh = send(&app, "GET", "/whoami", Some(&r))
        .await
        .cookie("session")
        .unwrap();
    assert_ne!(fresh, s);
    for _ in 0..20 {
        let again = send(&app, "GET", "/whoami", Some(&r)).await;
        assert_eq!(again.cookie("session").as_deref(), Some(fresh.as_str()));
    }
}

/// R39: parallel replays of one token create at most one session between them.
async fn parallel_remember_replays_stay_bounded(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let r = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    let before = records(&store, "a").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, r) = (app.clone(), r.clone());
            tokio::spawn(async move { send(&app, "GET", "/whoami", Some(&r)).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().body, "a None", "every replay is served");
    }
    let after = records(&store, "a").await;
    assert!(after.0 <= before.0 + 1, "{before:?} -> {after:?}");
    assert_eq!(after.1, before.1, "no new token");
}

/// R39: a session refused for a stale auth hash is deleted, not left to its TTL.
async fn stale_auth_hash_deletes_the_record(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    send(&app, "POST", "/rehash/a", None).await;
    let r = send(&app, "GET", "/whoami", Some(&c)).await;
    assert_eq!(r.body, "anonymous None");
    assert!(store.load(&sid_of(&c)).await.unwrap().is_none());
    assert_eq!(records(&store, "a").await, (0, 0));
}

/// R41: a request still in flight when the session id rotates (a login) neither writes
/// to the old session nor deletes the new cookie.
async fn a_request_in_flight_during_login_keeps_the_new_cookie(store: impl SessionStore + Clone) {
    let (app, state) = app(store.clone());
    let c = send(&app, "GET", "/data", None)
        .await
        .cookie("session")
        .unwrap();
    let slow = {
        let (app, c) = (app.clone(), c.clone());
        tokio::spawn(async move { send(&app, "GET", "/slow", Some(&c)).await })
    };
    state.loaded.notified().await;
    let login = send(&app, "POST", "/login/a", Some(&c)).await;
    let new = login.cookie("session").unwrap();
    state.release.notify_one();
    let late = slow.await.unwrap();
    assert_eq!(late.body, "late write");
    assert!(
        late.set_cookie_lines().is_empty(),
        "{:?}",
        late.set_cookie_lines()
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&new)).await.body,
        "a Some(\"d\")"
    );
}

/// R41: concurrent requests of one client that set different keys or flash lose nothing.
async fn concurrent_writers_lose_nothing(store: impl SessionStore + Clone) {
    let (app, _) = app(store);
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (app, c) = (app.clone(), c.clone());
            let path = if i % 2 == 0 {
                format!("/set/k{i:02}")
            } else {
                format!("/flash/m{i:02}")
            };
            tokio::spawn(async move { send(&app, "GET", &path, Some(&c)).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, StatusCode::OK);
    }
    let r = send(&app, "GET", "/keys", Some(&c)).await;
    let (keys, flashes) = r.body.split_once('\n').unwrap();
    let keys: Vec<&str> = keys.split(',').collect();
    let mut flashes: Vec<&str> = flashes.split(',').collect();
    flashes.sort_unstable();
    let want_keys: Vec<String> = (0..WRITERS)
        .step_by(2)
        .map(|i| format!("k{i:02}"))
        .collect();
    let want_flashes: Vec<String> = (1..WRITERS)
        .step_by(2)
        .map(|i| format!("m{i:02}"))
        .collect();
    assert_eq!(keys, want_keys);
    assert_eq!(flashes, want_flashes);
    // Taken flashes are gone for good.
    let again = send(&app, "GET", "/keys", Some(&c)).await;
    assert!(again.body.ends_with('\n'), "{}", again.body);
}

/// R42: list a user's sessions, revoke one (and the remember token issued in it), revoke
/// all others.
async fn sessions_can_be_listed_and_revoked(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let a1 = send_as(&app, "POST", "/login/a", None, Some("Agent One"))
        .await
        .cookie("session")
        .unwrap();
    let second = send_as(&app, "POST", "/remember/a", None, Some("Agent Two")).await;
    let (a2, r2) = (
        second.cookie("session").unwrap(),
        second.cookie("remember_token").unwrap(),
    );
    let b = send(&app, "POST", "/login/b", None)
        .await
        .cookie("session")
        .unwrap();
    let list = send(&app, "GET", "/sessions", Some(&a1)).await.body;
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.splitn(3, ' ').collect()).collect();
    assert_eq!(rows.len(), 2, "{list}");
    let current: Vec<_> = rows.iter().filter(|r| r[1] == "true").collect();
    assert_eq!(current.len(), 1, "{list}");
    assert_eq!(current[0][2], "Agent One");
    let other = rows.iter().find(|r| r[1] == "false").unwrap();
    assert_eq!(other[2], "Agent Two");
    let other_id = other[0];
    assert!(other_id.len() >= 22);
    for secret in [&a1, &a2, &r2] {
        let value = secret.split_once('=').unwrap().1;
        assert!(!list.contains(value), "a cookie value in the list");
    }
    assert!(
        !list.contains(&sid_of(&a2).to_base64()),
        "a store key in the list"
    );
    // Another user cannot revoke it; an unknown id is 404.
    let r = send(&app, "POST", &format!("/revoke/{other_id}"), Some(&b)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(&app, "POST", "/revoke/AAAAAAAAAAAAAAAAAAAAAA", Some(&a1)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&app, "GET", "/whoami", Some(&a2)).await.body, "a None");
    // Revoked: the session and the remember token issued in it.
    let r = send(&app, "POST", &format!("/revoke/{other_id}"), Some(&a1)).await;
    assert_eq!(r.body, "revoked");
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&a2)).await.body,
        "anonymous None"
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&r2)).await.body,
        "anonymous None"
    );
    assert_eq!(send(&app, "GET", "/whoami", Some(&a1)).await.body, "a None");
    // Re-authentication moves the session to a new id; it keeps its User-Agent.
    let a1 = send_as(&app, "POST", "/confirm", Some(&a1), Some("Agent One"))
        .await
        .cookie("session")
        .unwrap();
    let list = send(&app, "GET", "/sessions", Some(&a1)).await.body;
    assert!(
        list.starts_with(&format!(
            "{} true Agent One",
            list.split(' ').next().unwrap()
        )),
        "{list}"
    );
    // Revoke all others: two more sessions (one remembered) end; this one stays.
    let a3 = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    let r4 = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    let r = send(&app, "POST", "/revoke-others", Some(&a1)).await;
    assert_eq!(r.status, StatusCode::OK);
    for gone in [&a3, &r4] {
        assert_eq!(
            send(&app, "GET", "/whoami", Some(gone)).await.body,
            "anonymous None"
        );
    }
    assert_eq!(send(&app, "GET", "/whoami", Some(&a1)).await.body, "a None");
    assert_eq!(send(&app, "GET", "/whoami", Some(&b)).await.body, "b None");
    assert_eq!(records(&store, "a").await, (1, 0));
    // Its own id logs this client out.
    let list = send(&app, "GET", "/sessions", Some(&a1)).await.body;
    let own = list.split(' ').next().unwrap().to_owned();
    let r = send(&app, "POST", &format!("/revoke/{own}"), Some(&a1)).await;
    assert!(r.deletes("session"), "{r:?}");
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&a1)).await.body,
        "anonymous None"
    );
}

/// R39: each user keeps at most the cap of live sessions; the oldest ends first.
async fn sessions_per_user_are_capped(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let mut cookies = Vec::new();
    for _ in 0..5 {
        cookies.push(
            send(&app, "POST", "/login/a", None)
                .await
                .cookie("session")
                .unwrap(),
        );
        // Expiries a little apart (Redis scores them to the microsecond).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(records(&store, "a").await, (3, 0));
    let mut who = Vec::new();
    for c in &cookies {
        who.push(send(&app, "GET", "/whoami", Some(c)).await.body);
    }
    assert_eq!(
        who,
        [
            "anonymous None",
            "anonymous None",
            "a None",
            "a None",
            "a None"
        ]
    );
}

/// R47 in store mode: a session cookie signed with another key (another instance's, or
/// before a rotation) is anonymous and left alone, even by the login redirect.
async fn a_cookie_of_another_key_is_left_alone(store: impl SessionStore + Clone) {
    let (app, _) = app(store);
    let other = axum_sesame::codec::Codec::new(axum_sesame::Key::from_bytes(&[42u8; 32]))
        .encode(
            axum_sesame::key::Purpose::Session,
            "session",
            SessionId::random().unwrap().as_bytes(),
        )
        .unwrap();
    let cookie = format!("session={other}");
    for path in ["/whoami", "/protected", "/data"] {
        let r = send(&app, "GET", path, Some(&cookie)).await;
        assert!(!r.deletes("session"), "{path}: {:?}", r.set_cookie_lines());
        if path != "/data" {
            assert!(
                r.set_cookie_lines().is_empty(),
                "{path}: {:?}",
                r.set_cookie_lines()
            );
        }
    }
}

/// A record written by an instance whose clock runs ahead is anonymous on one whose clock
/// is behind (beyond the skew), and stays: the other instance still reads it.
async fn a_record_from_the_future_is_left_alone(store: impl SessionStore + Clone) {
    let ahead = |config: axum_sesame::SessionConfig| {
        config.with_clock(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(0, |d| d.as_secs()) + 300
        })
    };
    let (a, _) = app_with(store.clone(), ahead);
    let (b, _) = app(store.clone());
    let cookie = send(&a, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    for path in ["/whoami", "/protected", "/data"] {
        let r = send(&b, "GET", path, Some(&cookie)).await;
        assert!(!r.deletes("session"), "{path}: {:?}", r.set_cookie_lines());
        assert!(!r.body.starts_with("a "), "{path}: {}", r.body);
    }
    assert_eq!(
        send(&a, "GET", "/whoami", Some(&cookie)).await.body,
        "a None"
    );
}

macro_rules! suite {
    ($modname:ident, $make:expr, $capped:expr) => {
        mod $modname {
            use super::*;

            #[tokio::test]
            async fn replaced_remember_tokens_die() {
                super::replaced_remember_tokens_die($make).await
            }
            #[tokio::test]
            async fn logout_ends_the_token_tied_to_the_session() {
                super::logout_ends_the_token_tied_to_the_session($make).await
            }
            #[tokio::test]
            async fn remember_only_replays_stay_bounded() {
                super::remember_only_replays_stay_bounded($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn parallel_remember_replays_stay_bounded() {
                super::parallel_remember_replays_stay_bounded($make).await
            }
            #[tokio::test]
            async fn stale_auth_hash_deletes_the_record() {
                super::stale_auth_hash_deletes_the_record($make).await
            }
            #[tokio::test]
            async fn a_request_in_flight_during_login_keeps_the_new_cookie() {
                super::a_request_in_flight_during_login_keeps_the_new_cookie($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_writers_lose_nothing() {
                super::concurrent_writers_lose_nothing($make).await
            }
            #[tokio::test]
            async fn sessions_can_be_listed_and_revoked() {
                super::sessions_can_be_listed_and_revoked($make).await
            }
            #[tokio::test]
            async fn a_record_from_the_future_is_left_alone() {
                super::a_record_from_the_future_is_left_alone($make).await;
            }
            #[tokio::test]
            async fn a_cookie_of_another_key_is_left_alone() {
                super::a_cookie_of_another_key_is_left_alone($make).await
            }
            #[tokio::test]
            async fn sessions_per_user_are_capped() {
                super::sessions_per_user_are_capped($capped).await
            }
        }
    };
}

suite!(
    memory,
    MemoryStore::new(),
    MemoryStore::new().with_max_per_user(3)
);

#[cfg(feature = "redis")]
suite!(
    redis,
    support::redis_store(),
    support::redis_store().with_max_per_user(3)
);

/// R39: a memory store full of anonymous sessions still lets a user log in.
#[tokio::test]
async fn a_full_memory_store_never_locks_out_a_login() {
    let store = MemoryStore::with_capacity(64);
    let (app, _) = app(store.clone());
    for _ in 0..2000 {
        let r = send(&app, "GET", "/data", None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert!(store.len() <= 64, "{}", store.len());
    let c = send(&app, "POST", "/login/a", None).await;
    assert_eq!(c.status, StatusCode::OK);
    let c = c.cookie("session").unwrap();
    // More anonymous floods: the logged-in session is evicted last.
    for _ in 0..200 {
        send(&app, "GET", "/data", None).await;
    }
    assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
}

/// A record written straight to the store: `list_user` sees it, `delete_user` ends it.
#[tokio::test]
async fn the_per_user_index_follows_records() {
    let store = MemoryStore::new();
    let id = SessionId::random().unwrap();
    let record = Record::new(b"{}".to_vec(), Some("u".into()));
    assert!(
        store
            .save(&id, &record, Duration::from_secs(60), SaveMode::Create)
            .await
            .unwrap()
    );
    assert_eq!(records(&store, "u").await, (1, 0));
    store.delete(&id).await.unwrap();
    assert_eq!(records(&store, "u").await, (0, 0));
    assert_eq!(store.indexed_users(), 0);
}

#[cfg(feature = "redis")]
mod redis_keys {
    use super::*;

    /// Every key under `prefix` with its TTL (-1: none).
    async fn ttls(prefix: &str) -> Vec<(String, i64)> {
        let client = ::redis::Client::open(support::redis_url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut cursor = 0u64;
        let mut out = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{prefix}*"))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .unwrap();
            for k in keys {
                let ttl: i64 = ::redis::cmd("TTL")
                    .arg(&k)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                out.push((k, ttl));
            }
            if next == 0 {
                return out;
            }
            cursor = next;
        }
    }

    /// R39: every key the library writes has a TTL, and the user's index holds only
    /// live sessions however many logins there were.
    #[tokio::test]
    async fn every_key_has_a_ttl_and_indexes_stay_small() {
        let prefix = support::redis_prefix();
        let store = support::redis_store_with_prefix(&prefix);
        let (app, _) = app(store.clone());
        let mut last = None;
        for i in 0..60 {
            let path = if i % 3 == 0 {
                "/remember/a"
            } else {
                "/login/a"
            };
            let r = send(&app, "POST", path, last.as_deref()).await;
            last = r.cookie("session");
            send(&app, "GET", "/data", None).await;
        }
        let r = send(&app, "POST", "/remember/b", None).await;
        send(
            &app,
            "GET",
            "/whoami",
            r.cookie("remember_token").as_deref(),
        )
        .await;
        send(&app, "POST", "/login/c", None).await;
        let keys = ttls(&prefix).await;
        assert!(keys.len() > 20, "{keys:?}");
        let without: Vec<_> = keys.iter().filter(|(_, ttl)| *ttl < 0).collect();
        assert!(without.is_empty(), "keys without a TTL: {without:?}");
        // Each login of `a` replaced the last (same client): one live session is left,
        // and the index says so.
        assert_eq!(records(&store, "a").await.0, 1);
        let client = ::redis::Client::open(support::redis_url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let members: usize = ::redis::cmd("ZCARD")
            .arg(format!("{prefix}u:a"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(members, 1);
        // Independent logins (no cookie): capped at 32.
        for _ in 0..40 {
            send(&app, "POST", "/login/d", None).await;
        }
        let members: usize = ::redis::cmd("ZCARD")
            .arg(format!("{prefix}u:d"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(members, 32);
        assert_eq!(records(&store, "d").await.0, 32);
    }
}
