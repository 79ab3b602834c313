//! Store mode: one suite of semantics (SECURITY.md R15, R21, R36), run against
//! `MemoryStore` and, with their features, a real Redis at `REDIS_URL`, a real PostgreSQL
//! at `POSTGRES_URL` and an SQLite file, over real HTTP (`support::app` serves the router
//! on a loopback port). The store-level cases are in `conformance.rs`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::StatusCode;
use axum_sesame::store::{Record, SaveMode, SessionId, StoreFuture, UserRecord};
use axum_sesame::{MemoryStore, SessionStore, StoreError};
use support::{app, send, sid_of, signed_id_cookie};

// ----- the suite: each takes a fresh store -------------------------------------------

async fn cookie_carries_only_a_signed_id(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let r = send(&app, "GET", "/data", None).await;
    let cookie = r.cookie("session").unwrap();
    assert!(cookie.len() < 90, "{cookie}");
    let id = sid_of(&cookie);
    let record = store.load(&id).await.unwrap().expect("record written");
    assert!(String::from_utf8_lossy(&record).contains("\"data\":\"d\""));
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&cookie)).await.body,
        "anonymous Some(\"d\")"
    );
}

async fn unknown_ids_are_never_adopted(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    for _ in 0..200 {
        let id = SessionId::random().unwrap();
        let cookie = signed_id_cookie(id.as_bytes());
        let r = send(&app, "GET", "/whoami", Some(&cookie)).await;
        assert_eq!(r.body, "anonymous None");
        assert!(r.deletes("session"), "{:?}", r.set_cookie_lines());
        assert!(r.cookie("session").is_none(), "no new id for a read");
        assert!(
            store.load(&id).await.unwrap().is_none(),
            "no record created"
        );
        // Writing gives a new id, never the client's.
        let w = send(&app, "GET", "/data", Some(&cookie)).await;
        let new = w.cookie("session").unwrap();
        assert_ne!(sid_of(&new), id);
    }
}

/// Counts writes to the store it wraps.
#[derive(Clone, Debug)]
struct Counting<S> {
    inner: S,
    saves: Arc<std::sync::atomic::AtomicUsize>,
}

impl<S: SessionStore> SessionStore for Counting<S> {
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.inner.load(id)
    }
    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: std::time::Duration,
        mode: SaveMode<'a>,
    ) -> StoreFuture<'a, bool> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(id, record, ttl, mode)
    }
    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        self.inner.delete(id)
    }
    fn mark_moved<'a>(
        &'a self,
        id: &'a SessionId,
        ttl: std::time::Duration,
    ) -> StoreFuture<'a, ()> {
        self.inner.mark_moved(id, ttl)
    }
    fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>> {
        self.inner.list_user(user_id)
    }
    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        self.inner.delete_user(user_id)
    }
}

async fn anonymous_visitors_get_no_record(store: impl SessionStore + Clone) {
    let store = Counting {
        inner: store,
        saves: Arc::default(),
    };
    let (app, _) = app(store.clone());
    for path in [
        "/whoami",
        "/whoami",
        "/logout",
        "/protected",
        "/protected?x=1",
    ] {
        let r = send(&app, "GET", path, None).await;
        assert!(
            r.cookie("session").is_none(),
            "{path}: {:?}",
            r.set_cookie_lines()
        );
    }
    assert_eq!(
        store.saves.load(Ordering::SeqCst),
        0,
        "no record for anonymous visitors"
    );
    let c = send(&app, "GET", "/data", None)
        .await
        .cookie("session")
        .unwrap();
    assert_eq!(store.saves.load(Ordering::SeqCst), 1);
    assert!(store.load(&sid_of(&c)).await.unwrap().is_some());
}

async fn login_rotates_and_deletes_the_old_record(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let before = send(&app, "GET", "/data", None)
        .await
        .cookie("session")
        .unwrap();
    let after = send(&app, "POST", "/login/a", Some(&before))
        .await
        .cookie("session")
        .unwrap();
    assert_ne!(sid_of(&before), sid_of(&after));
    // The old record is gone: only a short-lived marker that it moved is left.
    let old = store.load(&sid_of(&before)).await.unwrap();
    assert!(
        old.as_deref()
            .is_none_or(|o| !String::from_utf8_lossy(o).contains("\"d\"")),
        "the old session's data is gone"
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&after)).await.body,
        "a Some(\"d\")"
    );
    // A request still carrying the old id is anonymous and leaves the cookie alone
    // (it was sent before the client got the new one: R41).
    let stale = send(&app, "GET", "/whoami", Some(&before)).await;
    assert_eq!(stale.body, "anonymous None");
    assert!(
        stale.set_cookie_lines().is_empty(),
        "{:?}",
        stale.set_cookie_lines()
    );
    let stale = send(&app, "GET", "/data", Some(&before)).await;
    assert!(
        stale.set_cookie_lines().is_empty(),
        "{:?}",
        stale.set_cookie_lines()
    );
}

async fn logout_deletes_the_record(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
    let out = send(&app, "GET", "/logout", Some(&c)).await;
    assert_eq!(out.body, "Logged out");
    assert!(out.deletes("session"));
    assert!(store.load(&sid_of(&c)).await.unwrap().is_none());
    // The saved cookie replayed: anonymous (R21).
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&c)).await.body,
        "anonymous None"
    );
}

async fn logout_revokes_the_remember_token(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let login = send(&app, "POST", "/remember/a", None).await;
    let (s, r) = (
        login.cookie("session").unwrap(),
        login.cookie("remember_token").unwrap(),
    );
    // The remember cookie alone logs in (a new session)...
    assert_eq!(send(&app, "GET", "/whoami", Some(&r)).await.body, "a None");
    // ...until logout, which deletes its token: the saved cookie is dead.
    send(&app, "GET", "/logout", Some(&format!("{s}; {r}"))).await;
    let replay = send(&app, "GET", "/whoami", Some(&r)).await;
    assert_eq!(replay.body, "anonymous None");
    assert!(
        replay
            .set_cookie_lines()
            .iter()
            .any(|c| c.starts_with("remember_token=;"))
    );
    // "Log out everywhere" ends remember tokens as well.
    let r2 = send(&app, "POST", "/remember/a", None)
        .await
        .cookie("remember_token")
        .unwrap();
    store.delete_user("a").await.unwrap();
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&r2)).await.body,
        "anonymous None"
    );
}

async fn a_racing_request_cannot_resurrect(store: impl SessionStore + Clone) {
    let (app, state) = app(store.clone());
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    let slow = {
        let (app, c) = (app.clone(), c.clone());
        tokio::spawn(async move { send(&app, "GET", "/slow", Some(&c)).await })
    };
    state.loaded.notified().await; // the slow request holds the logged-in session
    send(&app, "GET", "/logout", Some(&c)).await;
    state.release.notify_one();
    let late = slow.await.unwrap();
    assert_eq!(late.body, "late write");
    // The stale request writes nothing and sends no cookie (a newer one may exist).
    assert!(
        late.set_cookie_lines().is_empty(),
        "{:?}",
        late.set_cookie_lines()
    );
    assert!(
        store.load(&sid_of(&c)).await.unwrap().is_none(),
        "not resurrected"
    );
    assert_eq!(
        send(&app, "GET", "/whoami", Some(&c)).await.body,
        "anonymous None"
    );
}

async fn log_out_everywhere(store: impl SessionStore + Clone) {
    let (app, _) = app(store.clone());
    let a1 = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    let a2 = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    let b = send(&app, "POST", "/login/b", None)
        .await
        .cookie("session")
        .unwrap();
    assert_eq!(store.delete_user("a").await.unwrap(), 2);
    for c in [&a1, &a2] {
        assert_eq!(
            send(&app, "GET", "/whoami", Some(c)).await.body,
            "anonymous None"
        );
    }
    assert_eq!(send(&app, "GET", "/whoami", Some(&b)).await.body, "b None");
}

async fn sixteen_clients_never_mix(store: impl SessionStore + Clone) {
    let (app, _) = app(store);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let who = format!("user{i}");
            let c = send(&app, "POST", &format!("/login/{who}"), None)
                .await
                .cookie("session")
                .unwrap();
            for _ in 0..5 {
                let r = send(&app, "GET", "/whoami", Some(&c)).await;
                assert_eq!(r.body, format!("{who} None"));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Runs the whole suite against stores made by `$make` (each test gets its own).
macro_rules! suite {
    ($modname:ident, $make:expr) => {
        mod $modname {
            use super::*;

            #[tokio::test]
            async fn cookie_carries_only_a_signed_id() {
                super::cookie_carries_only_a_signed_id($make).await
            }
            #[tokio::test]
            async fn unknown_ids_are_never_adopted() {
                super::unknown_ids_are_never_adopted($make).await
            }
            #[tokio::test]
            async fn login_rotates_and_deletes_the_old_record() {
                super::login_rotates_and_deletes_the_old_record($make).await
            }
            #[tokio::test]
            async fn logout_deletes_the_record() {
                super::logout_deletes_the_record($make).await
            }
            #[tokio::test]
            async fn logout_revokes_the_remember_token() {
                super::logout_revokes_the_remember_token($make).await
            }
            #[tokio::test]
            async fn a_racing_request_cannot_resurrect() {
                super::a_racing_request_cannot_resurrect($make).await
            }
            #[tokio::test]
            async fn log_out_everywhere() {
                super::log_out_everywhere($make).await
            }
            #[tokio::test]
            async fn anonymous_visitors_get_no_record() {
                super::anonymous_visitors_get_no_record($make).await
            }
            #[tokio::test]
            async fn sixteen_clients_never_mix() {
                super::sixteen_clients_never_mix($make).await
            }
        }
    };
}

suite!(memory, MemoryStore::new());

/// A store that can be switched off, to check failing closed.
#[derive(Clone, Debug, Default)]
struct Flaky {
    inner: MemoryStore,
    down: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new("connection refused"))
        } else {
            Ok(())
        }
    }
}

impl SessionStore for Flaky {
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            self.check()?;
            self.inner.load(id).await
        })
    }
    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: std::time::Duration,
        mode: SaveMode<'a>,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.check()?;
            self.inner.save(id, record, ttl, mode).await
        })
    }
    fn mark_moved<'a>(
        &'a self,
        id: &'a SessionId,
        ttl: std::time::Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.check()?;
            self.inner.mark_moved(id, ttl).await
        })
    }
    fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>> {
        Box::pin(async move {
            self.check()?;
            self.inner.list_user(user_id).await
        })
    }
    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.check()?;
            self.inner.delete(id).await
        })
    }
    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            self.check()?;
            self.inner.delete_user(user_id).await
        })
    }
}

#[tokio::test]
async fn a_failing_store_fails_closed_and_recovers() {
    let store = Flaky::default();
    let (app, _) = app(store.clone());
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    store.down.store(true, Ordering::SeqCst);
    for path in ["/whoami", "/data", "/logout"] {
        let r = send(&app, "GET", path, Some(&c)).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(
            r.set_cookie_lines().is_empty(),
            "{path}: the client's cookie is left alone"
        );
        assert!(!r.body.contains("refused"), "details stay in the log");
    }
    // A login while it is down: 503, and no cookie that would point nowhere.
    let r = send(&app, "POST", "/login/b", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.set_cookie_lines().is_empty());
    store.down.store(false, Ordering::SeqCst);
    assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
}

#[cfg(feature = "redis")]
mod redis_store {
    use super::*;

    pub(super) fn store() -> axum_sesame::RedisStore {
        support::redis_store()
    }

    /// A record left as a hash (as records were before they became strings) is no
    /// record: loaded as none, never a 503, and replaced or deleted as any other.
    #[tokio::test]
    async fn a_record_of_another_type_is_no_record() {
        let prefix = support::redis_prefix();
        let store = support::redis_store_with_prefix(&prefix);
        let id = SessionId::random().unwrap();
        let key = format!("{prefix}s:{}", id.to_base64());
        let ok = std::process::Command::new("redis-cli")
            .args([
                "-u",
                &support::redis_url(),
                "HSET",
                &key,
                "d",
                "old",
                "u",
                "alice",
            ])
            .output()
            .expect("redis-cli (apt-get install redis-tools)")
            .status
            .success();
        assert!(ok, "HSET through redis-cli");
        assert_eq!(store.load(&id).await.unwrap(), None);
        let record = Record::new(b"new".to_vec(), Some("alice".into()));
        let ttl = std::time::Duration::from_secs(5);
        assert!(
            store
                .save(&id, &record, ttl, SaveMode::Create)
                .await
                .unwrap()
        );
        assert_eq!(store.load(&id).await.unwrap().as_deref(), Some(&b"new"[..]));
        assert_eq!(store.list_user("alice").await.unwrap().len(), 1);
        store.delete(&id).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn redis_is_reachable() {
        let store = store();
        let id = SessionId::random().unwrap();
        let record = Record::new(b"{}".to_vec(), None);
        let ttl = std::time::Duration::from_secs(5);
        let saved = store.save(&id, &record, ttl, SaveMode::Create).await;
        assert!(saved.expect("REDIS_URL is set but Redis cannot be reached"));
        assert_eq!(store.load(&id).await.unwrap().as_deref(), Some(&b"{}"[..]));
    }
}

#[cfg(feature = "redis")]
suite!(redis, redis_store::store());

/// A real Redis stopped and killed mid-run: requests fail closed (503, never logged in,
/// cookies left alone) and work again when it is back.
#[cfg(feature = "redis")]
mod redis_outage {
    use super::*;
    use axum_sesame::RedisStore;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};
    use support::{App, Reply};

    struct Server {
        child: Child,
        port: u16,
    }

    impl Server {
        fn start(port: u16) -> Server {
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start `redis-server` ({e}): install it (apt-get install redis-server)")
                });
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "redis-server did not start on {port}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Server { child, port }
        }

        fn signal(&self, sig: &str) {
            let ok = Command::new("kill")
                .args([sig, &self.child.id().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "kill {sig} failed");
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Polls `/whoami` until it is not 503 (bounded); every answer must be 200 or 503.
    async fn until_up(app: &App, cookie: Option<&str>) -> Reply {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = send(app, "GET", "/whoami", cookie).await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::SERVICE_UNAVAILABLE,
                "{}",
                r.status
            );
            if r.status == StatusCode::OK {
                return r;
            }
            assert!(Instant::now() < deadline, "Redis did not come back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test]
    async fn stop_and_restart_redis_mid_run() {
        let server = Server::start(free_port());
        let store = RedisStore::connect(&format!("redis://127.0.0.1:{}", server.port)).unwrap();
        let (app, _) = app(store);
        let c = send(&app, "POST", "/login/a", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");

        // Frozen: commands time out.
        server.signal("-STOP");
        let started = Instant::now();
        let r = send(&app, "GET", "/whoami", Some(&c)).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.set_cookie_lines().is_empty());
        assert!(started.elapsed() < Duration::from_secs(5), "fails fast");
        let r = send(&app, "POST", "/login/b", None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        server.signal("-CONT");
        // Back, with the data: the same cookie is logged in again.
        assert_eq!(until_up(&app, Some(&c)).await.body, "a None");

        // Killed: connection refused.
        let port = server.port;
        drop(server);
        let r = send(&app, "GET", "/whoami", Some(&c)).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        // A new server (empty: no persistence): the old session is gone, never an error.
        let _server = Server::start(port);
        assert_eq!(until_up(&app, Some(&c)).await.body, "anonymous None");
        let c2 = send(&app, "POST", "/login/a", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c2)).await.body, "a None");
    }

    /// Redis restarted while the instance was idle: its connection is stale, and the
    /// first request after the restart is served (retried once on a new connection),
    /// not a 503 "broken pipe".
    #[tokio::test]
    async fn the_first_request_after_a_restart_is_served() {
        let server = Server::start(free_port());
        let port = server.port;
        let store = RedisStore::connect(&format!("redis://127.0.0.1:{port}"))
            .unwrap()
            .with_timeouts(Duration::from_secs(2), Duration::from_secs(2))
            .unwrap();
        let (app, _) = app(store);
        let c = send(&app, "POST", "/login/a", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
        drop(server);
        let _server = Server::start(port);
        let r = send(&app, "GET", "/whoami", Some(&c)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body, "anonymous None");
        let c2 = send(&app, "POST", "/login/a", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c2)).await.body, "a None");
    }
}

#[cfg(feature = "redis")]
suite!(redis_cluster, support::redis_cluster_store());

#[cfg(feature = "postgres")]
suite!(postgres, support::postgres_store().await);

#[cfg(feature = "sqlite")]
suite!(sqlite, support::sqlite_store().await);

/// The store's server hangs, goes away and comes back (a TCP proxy between the app and a
/// real server): every request fails closed and fast (503, cookies left alone, nobody
/// logged in), and the same cookie works again once the server is back, with its data.
#[cfg(any(feature = "redis", feature = "postgres"))]
mod server_going_away {
    use super::*;
    use axum_sesame_testkit::{Link, Proxy};
    use std::time::{Duration, Instant};
    use support::App;

    async fn fails_closed_and_recovers(app: App, proxy: Proxy) {
        let c = send(&app, "POST", "/login/a", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
        for link in [Link::Frozen, Link::Down] {
            proxy.set(link);
            let started = Instant::now();
            for (method, path) in [("GET", "/whoami"), ("GET", "/logout"), ("POST", "/login/b")] {
                let cookie = (path != "/login/b").then_some(c.as_str());
                let r = send(&app, method, path, cookie).await;
                assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{link:?} {path}");
                assert!(
                    r.set_cookie_lines().is_empty(),
                    "{link:?} {path}: no cookie"
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{link:?}: three requests took {:?}",
                started.elapsed()
            );
            proxy.set(Link::Up);
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let r = send(&app, "GET", "/whoami", Some(&c)).await;
                assert!(
                    r.status == StatusCode::OK || r.status == StatusCode::SERVICE_UNAVAILABLE,
                    "{}",
                    r.status
                );
                if r.status == StatusCode::OK {
                    assert_eq!(r.body, "a None", "after {link:?}: the same login, back");
                    break;
                }
                assert!(Instant::now() < deadline, "the store did not come back");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let c2 = send(&app, "POST", "/login/b", None)
            .await
            .cookie("session")
            .unwrap();
        assert_eq!(send(&app, "GET", "/whoami", Some(&c2)).await.body, "b None");
    }

    #[cfg(feature = "redis")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let url = support::redis_url();
        let proxy = Proxy::start(support::server_addr(&url)).await;
        let store = support::redis_store_with_prefix_at(
            &support::via(&url, proxy.addr()),
            &support::redis_prefix(),
        );
        fails_closed_and_recovers(app(store).0, proxy).await;
    }

    #[cfg(feature = "postgres")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let url = support::postgres_url();
        let proxy = Proxy::start(support::server_addr(&url)).await;
        let store = support::postgres_store_at(&support::via(&url, proxy.addr())).await;
        fails_closed_and_recovers(app(store).0, proxy).await;
    }
}
