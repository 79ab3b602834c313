//! Regressions found by these tests, server-side stores (R21), equal cost of failed logins (R33), and logs without secrets (R35).

use super::*;
use crate::hostile::CROSS_SITE;

// Regression tests for discrepancies found by this file, fixed since.
// ---------------------------------------------------------------------------------------

/// Sends `n` requests through the jar, checking every response (no 5xx, every
/// `Set-Cookie` < 4096 bytes) as everywhere else.
async fn repeat_get(client: &mut Client, path: &str, n: usize) {
    for _ in 0..n {
        client.get(path).await;
    }
}

#[tokio::test]
async fn repeated_redirects_never_overflow_the_session_cookie() {
    let app = app().await;
    // A client that never renders /login (a HEAD checker, a script, a prefetcher).
    let mut anonymous = Client::new(&app);
    repeat_get(&mut anonymous, "/protected", 100).await;
    anonymous.assert_anonymous().await;
    // A logged-in, non-fresh user who keeps opening /settings without re-authenticating.
    let mut non_fresh = Client::non_fresh(&app, FOO).await;
    repeat_get(&mut non_fresh, "/settings", 100).await;
    non_fresh.assert_user(FOO).await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_any_login_work() {
    let app = app().await;
    let mut remembered = Client::new(&app);
    remembered.login_remembered(FOO).await;
    for headers in CROSS_SITE {
        for (path, body) in [("/reauth", "pw=secret"), ("/password", "new_pw=hacked")] {
            // Anonymous.
            let reply = Client::new(&app).post_form_with(path, body, headers).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path} {headers:?}: {reply:?}"
            );
            reply.assert_no_cookies();
            // Holding only a remember cookie: no session may be restored by the refusal.
            let reply = remembered
                .remember_only()
                .post_form_with(path, body, headers)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path} {headers:?}: {reply:?}"
            );
            reply.assert_no_cookies();
        }
    }
}

#[tokio::test]
async fn session_lifetime_caps_even_active_sessions() {
    let mut config = config();
    config.session_lifetime = Some(Duration::from_secs(2));
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let started = std::time::Instant::now();
    // Active every 0.7 s, so a sliding lifetime never runs out.
    while started.elapsed() < Duration::from_millis(3500) {
        tokio::time::sleep(Duration::from_millis(700)).await;
        client.get("/protected").await;
    }
    client.assert_anonymous().await;
}

#[tokio::test]
async fn session_lifetime_applies_to_every_login() {
    let mut config = config();
    config.session_lifetime = Some(Duration::from_secs(60));
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let reply = client.login_remembered(FOO).await;
    assert_cookie_attrs(
        &reply.set_cookie("session").expect("session"),
        false,
        Some(60),
    );
    let mut restored = client.remember_only();
    let reply = restored.get("/protected").await;
    assert_cookie_attrs(
        &reply.set_cookie("session").expect("session"),
        false,
        Some(60),
    );
    let reply = restored.post_form("/reauth", "pw=secret").await;
    assert_cookie_attrs(
        &reply.set_cookie("session").expect("session"),
        false,
        Some(60),
    );
}

#[tokio::test]
async fn repeated_parameters_are_tolerated() {
    let app = app().await;
    let reply = Client::new(&app).get("/login?next=%2Fa&next=%2Fb").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let body = format!("{}&next=%2Fa&next=%2Fb", login_body(FOO, PASSWORD));
    let reply = Client::new(&app).post_form("/login", &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
}

#[tokio::test]
async fn accept_quality_parameter_is_case_insensitive() {
    let app = app().await;
    let reply = Client::new(&app)
        .get_with(
            "/protected",
            &[("accept", "application/json, text/html;Q=0")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
}

// ---------------------------------------------------------------------------------------
// SESSION_STORE: with a server-side store, logout makes a saved cookie useless (R21).
// ---------------------------------------------------------------------------------------

async fn store_mode_logout_revokes_the_cookie(store: demo::StoreChoice) {
    let mut config = config();
    config.store = store;
    // SQL stores: a table (and an SQLite file) of this test's own.
    let random = axum_sesame::store::SessionId::random().unwrap().to_base64();
    let table: String = format!("regressions_{random}")
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
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let login = client.login_ok("foo@bar.tld").await;
    let cookie = login.set_cookie("session").expect("a session cookie");
    // The cookie is a signed id, not the session: no user id or data in it.
    assert!(cookie.value.len() < 90, "{}", cookie.value);
    client.assert_user("foo@bar.tld").await;
    let saved = client.value("session").expect("the session cookie");
    client.get("/logout").await.assert_ok("Logged out");
    client.assert_anonymous().await;
    // The saved cookie replayed: anonymous, because the record is gone.
    let mut replay = Client::with_cookies(&app, &[("session", &saved)]);
    replay.assert_anonymous().await;
    // The remember cookie too: logout deletes its token (R21).
    let mut remembered = Client::new(&app);
    remembered.login_remembered("foo@bar.tld").await;
    let saved_remember = remembered
        .value("remember_token")
        .expect("a remember cookie");
    remembered.remember_only().assert_user("foo@bar.tld").await;
    remembered.get("/logout").await.assert_ok("Logged out");
    Client::with_cookies(&app, &[("remember_token", &saved_remember)])
        .assert_anonymous()
        .await;
    // Password change still ends the other sessions in store mode.
    let mut a = Client::new(&app);
    let mut b = Client::new(&app);
    a.login_ok("bar@bar.tld").await;
    b.login_ok("bar@bar.tld").await;
    a.post_form("/password", "new_pw=changed")
        .await
        .assert_ok("Password changed");
    a.assert_user("bar@bar.tld").await;
    b.assert_anonymous().await;
}

#[tokio::test]
async fn memory_store_logout_revokes_the_cookie() {
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Memory).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_store_logout_revokes_the_cookie() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Redis(url)).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_cluster_logout_revokes_the_cookie() {
    let nodes = std::env::var("REDIS_CLUSTER_NODES").expect(
        "REDIS_CLUSTER_NODES is not set: start a Redis Cluster (as .ci/run does) and export \
         REDIS_CLUSTER_NODES=redis://127.0.0.1:7001,..., or run the tests without --features redis",
    );
    let nodes = nodes.split(',').map(|n| n.trim().to_owned()).collect();
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::RedisCluster(nodes)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_store_logout_revokes_the_cookie() {
    let url = std::env::var("POSTGRES_URL").expect(
        "POSTGRES_URL is not set: start PostgreSQL and export \
         POSTGRES_URL=postgres://user:password@127.0.0.1/db (as .ci/run does), or run the \
         tests without --features postgres",
    );
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Postgres(url)).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_store_logout_revokes_the_cookie() {
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Sqlite).await;
}

// ---------------------------------------------------------------------------------------
// R33: unknown user, wrong password and inactive user cost the same work.
// ---------------------------------------------------------------------------------------

/// Deterministic instead of timed (timings belong in benchmarks): every failed login runs
/// exactly one argon2id verification, whether or not the user exists or is active, and
/// answers the same status and body.
#[tokio::test]
async fn every_login_attempt_costs_one_password_verification() {
    let db = Db::in_memory().await.expect("the demo database");
    let app = demo::app(config(), db.clone()).expect("the demo settings are valid");
    let mut bodies = Vec::new();
    for (email, pw) in [
        ("nobody@bar.tld", "secret"),
        ("foo@bar.tld", "wrong"),
        ("inactive@bar.tld", "secret"),
        ("foo@bar.tld", "secret"),
    ] {
        let before = db.verifications();
        let reply = Client::new(&app).login(email, pw).await;
        assert_eq!(db.verifications() - before, 1, "{email}/{pw}");
        bodies.push((reply.status, reply.body));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "unknown user and wrong password look alike"
    );
    assert_eq!(
        bodies[0], bodies[2],
        "inactive user and wrong password look alike"
    );
    assert_eq!(bodies[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(bodies[3].0, StatusCode::SEE_OTHER);
}

// ---------------------------------------------------------------------------------------
// R35: no cookie value or password ever reaches the logs.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_cookie_values_or_passwords() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app().await;
    let mut seen = Vec::new();
    let mut client = Client::new(&app);
    let body = format!("{}&remember=on", login_body("foo@bar.tld", "secret"));
    client.post_form("/login", &body).await;
    seen.extend(client.value("session"));
    seen.extend(client.value("remember_token"));
    client.get("/protected").await;
    client.get("/settings").await;
    client.post_form("/password", "new_pw=hunter2-new").await;
    seen.extend(client.value("session"));
    client.get("/logout").await;
    // Failures and bad cookies are logged too; none may echo what was sent.
    Client::new(&app).login("foo@bar.tld", "wrong-pw-123").await;
    let tampered = format!("{}x", seen[0]);
    Client::with_cookies(
        &app,
        &[("session", &tampered), ("remember_token", "junk-remember")],
    )
    .get("/protected")
    .await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        !text.is_empty(),
        "the subscriber captured the library's events"
    );
    for secret in seen.iter().map(String::as_str).chain([
        tampered.as_str(),
        "junk-remember",
        "secret",
        "wrong-pw-123",
        "hunter2-new",
    ]) {
        // Long values: any 20-byte window of them is enough to leak.
        let probe = &secret[..secret.len().min(20)];
        assert!(!text.contains(probe), "the logs contain {probe:?}");
    }
}
