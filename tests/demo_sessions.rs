//! The demo's sessions over real HTTP: the `/sessions` routes (demo-spec.md "Routes",
//! SECURITY.md R42: list, revoke one, revoke all others, in store and cookie mode), and
//! store mode under abuse (demo-spec.md "Abuse", R38, R39, R41): replaced remember
//! cookies die, remember-only replays continue one session, 32 sessions per user.
//! (Concurrent writers, R41, are tested on the library's own app in
//! `runtime/tests/store_mode.rs`: the demo has no route that writes distinct keys, and
//! it shows a repeated flash once.) Memory store always; Redis with `--features redis`
//! and `REDIS_URL` (each server under a key prefix of its own), PostgreSQL with
//! `--features postgres` and `POSTGRES_URL`, SQLite with `--features sqlite` (each server
//! in a table of its own).

#[path = "../examples/demo.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

use axum_sesame::Key;
use axum_sesame_testkit::{cookie_in, jar_client};
use demo::{Db, DemoConfig, StoreChoice};
use reqwest::StatusCode;

const SECRET: &[u8; 32] = b"demo sessions tests secret 32 by";

async fn serve(store: StoreChoice) -> String {
    serve_with_prefix(store).await.0
}

/// Serves the demo; returns its base URL and its Redis key prefix.
async fn serve_with_prefix(store: StoreChoice) -> (String, String) {
    let mut config = DemoConfig::new(Key::from_bytes(SECRET));
    config.store = store;
    // Each server its own Redis keys: other tests log the same users in.
    let prefix = format!(
        "demo-sessions-{}:",
        axum_sesame::store::SessionId::random().unwrap().to_base64()
    );
    config.redis_prefix = Some(prefix.clone());
    // And its own SQL table; SQLite sessions in a file of their own (the users stay in
    // memory).
    let table: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    config.database_url = format!(
        "sqlite://{}",
        std::env::temp_dir().join(format!("{table}.db")).display()
    );
    config.session_table = Some(table);
    let db = Db::in_memory().await.expect("the demo database");
    let app = demo::app(config, db).expect("valid settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), prefix)
}

async fn login(base: &str, ua: &str, remember: bool) -> reqwest::Client {
    let c = jar_client();
    let body = format!(
        "email=foo%40bar.tld&pw=secret{}",
        if remember { "&remember=on" } else { "" }
    );
    let r = c
        .post(format!("{base}/login"))
        .header("User-Agent", ua)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

async fn protected(c: &reqwest::Client, base: &str) -> StatusCode {
    c.get(format!("{base}/protected"))
        .send()
        .await
        .unwrap()
        .status()
}

/// The `data-session-id` values of the page, and which one is current.
async fn list(c: &reqwest::Client, base: &str) -> Vec<(String, bool, String)> {
    let r = c.get(format!("{base}/sessions")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    page.split("<li ")
        .skip(1)
        .map(|li| {
            let id = li
                .split("data-session-id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_owned();
            let tag_end = li.find('>').unwrap();
            (id, li[..tag_end].contains("data-current"), li.to_owned())
        })
        .collect()
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: String) -> reqwest::Response {
    c.post(format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn list_and_revoke(store: StoreChoice) {
    let base = serve(store).await;
    let a = login(&base, "Agent A", false).await;
    let b = login(&base, "Agent B", true).await;
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!(sessions.iter().filter(|s| s.1).count(), 1);
    let (other, _, row) = sessions.iter().find(|s| !s.1).unwrap();
    assert!(other.len() >= 22 && row.contains("Agent B"), "{row}");
    // Someone else's session, or nonsense: 404.
    let r = post(&a, &base, "/sessions/revoke", "id=nonsense".into()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(&a, &base, "/sessions/revoke", format!("id={other}")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/sessions");
    // B is anonymous, its remember cookie included.
    assert_eq!(protected(&b, &base).await, StatusCode::SEE_OTHER);
    assert_eq!(protected(&a, &base).await, StatusCode::OK);
    // Revoking its own id logs A out.
    let own = list(&a, &base).await[0].0.clone();
    let r = post(&a, &base, "/sessions/revoke", format!("id={own}")).await;
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(protected(&a, &base).await, StatusCode::SEE_OTHER);
}

async fn revoke_others(store: StoreChoice) {
    let base = serve(store).await;
    let a = login(&base, "Agent A", false).await;
    let b = login(&base, "Agent B", true).await;
    let c = login(&base, "Agent C", false).await;
    let r = post(&a, &base, "/sessions/revoke-others", String::new()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(protected(&a, &base).await, StatusCode::OK);
    assert_eq!(protected(&b, &base).await, StatusCode::SEE_OTHER);
    assert_eq!(protected(&c, &base).await, StatusCode::SEE_OTHER);
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].1);
}

#[tokio::test]
async fn memory_store_lists_and_revokes() {
    list_and_revoke(StoreChoice::Memory).await;
    revoke_others(StoreChoice::Memory).await;
}

/// Cookie mode lists only the current session, and ends the others with the epoch.
#[tokio::test]
async fn cookie_mode_revokes_others_through_the_epoch() {
    revoke_others(StoreChoice::Cookie).await;
    let base = serve(StoreChoice::Cookie).await;
    let a = login(&base, "Agent A", false).await;
    let _b = login(&base, "Agent B", false).await;
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].1);
    let r = post(
        &a,
        &base,
        "/sessions/revoke",
        "id=AAAAAAAAAAAAAAAAAAAAAA".into(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_store_lists_and_revokes() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    list_and_revoke(StoreChoice::Redis(url.clone())).await;
    revoke_others(StoreChoice::Redis(url)).await;
}

#[cfg(feature = "redis")]
fn cluster_nodes() -> Vec<String> {
    std::env::var("REDIS_CLUSTER_NODES")
        .expect(
            "REDIS_CLUSTER_NODES is not set: start a Redis Cluster (as .ci/run does) and \
             export REDIS_CLUSTER_NODES=redis://127.0.0.1:7001,..., or run the tests without \
             --features redis",
        )
        .split(',')
        .map(|n| n.trim().to_owned())
        .collect()
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_cluster_lists_and_revokes() {
    list_and_revoke(StoreChoice::RedisCluster(cluster_nodes())).await;
    revoke_others(StoreChoice::RedisCluster(cluster_nodes())).await;
}

#[cfg(feature = "postgres")]
fn postgres_url() -> String {
    std::env::var("POSTGRES_URL").expect(
        "POSTGRES_URL is not set: start PostgreSQL and export \
         POSTGRES_URL=postgres://user:password@127.0.0.1/db (as .ci/run does), or run the \
         tests without --features postgres",
    )
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_store_lists_and_revokes() {
    list_and_revoke(StoreChoice::Postgres(postgres_url())).await;
    revoke_others(StoreChoice::Postgres(postgres_url())).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_store_lists_and_revokes() {
    list_and_revoke(StoreChoice::Sqlite).await;
    revoke_others(StoreChoice::Sqlite).await;
}

// ---------------------------------------------------------------------------------------
// Store mode under abuse (demo-spec.md "Abuse")
// ---------------------------------------------------------------------------------------

/// The `name=value` of the cookie `name` a response sets (not a removal).
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    cookie_in(r.headers(), name)
}

/// A request with exactly this `Cookie` header, from a client without a jar.
async fn get_with_cookie(base: &str, path: &str, cookie: &str) -> reqwest::Response {
    jar_client()
        .get(format!("{base}{path}"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn login_form(
    c: &reqwest::Client,
    base: &str,
    email: &str,
    remember: bool,
) -> reqwest::Response {
    let body = format!(
        "email={}&pw=secret{}",
        email.replace('@', "%40"),
        if remember { "&remember=on" } else { "" }
    );
    let r = post(c, base, "/login", body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r
}

/// A remember cookie replaced by a later login of the same client, with or without
/// remember, is dead: after logout no earlier remember cookie logs in (R38).
async fn replaced_remember_cookies_die(store: StoreChoice) {
    let base = serve(store).await;
    let c = jar_client();
    let r1 = set_cookie(&login_form(&c, &base, FOO, true).await, "remember_token").unwrap();
    let r2 = set_cookie(&login_form(&c, &base, FOO, true).await, "remember_token").unwrap();
    assert_ne!(r1, r2);
    login_form(&c, &base, FOO, false).await;
    c.get(format!("{base}/logout")).send().await.unwrap();
    for r in [&r1, &r2] {
        let replay = get_with_cookie(&base, "/protected", r).await;
        assert_eq!(replay.status(), StatusCode::SEE_OTHER, "{r} still logs in");
    }
}

/// How many keys the demo wrote to Redis under `prefix` (via `redis-cli`).
fn redis_keys(prefix: &str) -> Option<usize> {
    let url = std::env::var("REDIS_URL").ok()?;
    let out = std::process::Command::new("redis-cli")
        .args(["-u", &url, "--scan", "--pattern", &format!("{prefix}*")])
        .output()
        .expect("redis-cli runs (apt-get install redis-tools)");
    assert!(out.status.success(), "redis-cli failed: {out:?}");
    Some(String::from_utf8_lossy(&out.stdout).lines().count())
}

/// Requests that carry only a remember cookie continue one session: however many arrive,
/// the user's sessions (and Redis keys) grow by a small constant (R39).
async fn remember_only_replays_stay_bounded(store: StoreChoice) {
    let redis = matches!(store, StoreChoice::Redis(_));
    let (base, prefix) = serve_with_prefix(store).await;
    let watcher = jar_client();
    login_form(&watcher, &base, FOO, false).await;
    let c = jar_client();
    let r = set_cookie(&login_form(&c, &base, FOO, true).await, "remember_token").unwrap();
    let first = get_with_cookie(&base, "/protected", &r).await;
    assert_eq!(first.status(), StatusCode::OK);
    let sessions_before = list(&watcher, &base).await.len();
    let keys_before = if redis { redis_keys(&prefix) } else { None };
    for _ in 0..300 {
        let again = get_with_cookie(&base, "/protected", &r).await;
        assert_eq!(again.status(), StatusCode::OK);
    }
    let sessions_after = list(&watcher, &base).await.len();
    assert!(
        sessions_after <= sessions_before + 1,
        "{sessions_before} -> {sessions_after} sessions after 300 remember-only requests"
    );
    if let (Some(before), Some(after)) = (keys_before, redis.then(|| redis_keys(&prefix)).flatten())
    {
        assert!(after <= before + 2, "{before} -> {after} Redis keys");
    }
}

/// Each user keeps up to 32 live sessions; the oldest ends first.
async fn thirty_two_sessions_per_user(store: StoreChoice) {
    let base = serve(store).await;
    let mut clients = Vec::new();
    for _ in 0..40 {
        let c = jar_client();
        login_form(&c, &base, BAR, false).await;
        clients.push(c);
    }
    let last = clients.last().unwrap();
    assert_eq!(list(last, &base).await.len(), 32);
    assert_eq!(protected(&clients[0], &base).await, StatusCode::SEE_OTHER);
    assert_eq!(protected(last, &base).await, StatusCode::OK);
}

const FOO: &str = "foo@bar.tld";
const BAR: &str = "bar@bar.tld";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_under_abuse() {
    replaced_remember_cookies_die(StoreChoice::Memory).await;
    remember_only_replays_stay_bounded(StoreChoice::Memory).await;
    thirty_two_sessions_per_user(StoreChoice::Memory).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_under_abuse() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    replaced_remember_cookies_die(StoreChoice::Redis(url.clone())).await;
    remember_only_replays_stay_bounded(StoreChoice::Redis(url.clone())).await;
    thirty_two_sessions_per_user(StoreChoice::Redis(url)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_store_under_abuse() {
    replaced_remember_cookies_die(StoreChoice::Postgres(postgres_url())).await;
    remember_only_replays_stay_bounded(StoreChoice::Postgres(postgres_url())).await;
    thirty_two_sessions_per_user(StoreChoice::Postgres(postgres_url())).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_store_under_abuse() {
    replaced_remember_cookies_die(StoreChoice::Sqlite).await;
    remember_only_replays_stay_bounded(StoreChoice::Sqlite).await;
    thirty_two_sessions_per_user(StoreChoice::Sqlite).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_cluster_under_abuse() {
    replaced_remember_cookies_die(StoreChoice::RedisCluster(cluster_nodes())).await;
    remember_only_replays_stay_bounded(StoreChoice::RedisCluster(cluster_nodes())).await;
    thirty_two_sessions_per_user(StoreChoice::RedisCluster(cluster_nodes())).await;
}
