//! Flask mode over Flask-Session's Redis records, end to end: the real Flask app
//! (`tests/flask/app.py` with Flask-Session 0.8, `SESSION_TYPE = "redis"`) and an axum app
//! with `with_flask_session` share one Redis, and logins, session data and flashes cross
//! both ways over real HTTP.
//!
//! Needs `FLASK_PYTHON` (a Python with `tests/flask/requirements.txt`) and `REDIS_URL`
//! (a Redis it may write to); `.ci/run` provides both:
//!
//! ```text
//! python3 -m venv /tmp/flaskvenv && /tmp/flaskvenv/bin/pip install -r tests/flask/requirements.txt
//! redis-server --port 6390 --save '' --daemonize yes
//! FLASK_PYTHON=/tmp/flaskvenv/bin/python REDIS_URL=redis://127.0.0.1:6390 \
//!   cargo test -p axum-sesame --all-features --test flask_session
//! ```
#![cfg(all(feature = "flask", feature = "redis"))]

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use axum_sesame::flask::{FlaskSessionRedis, FlaskSigner};
use axum_sesame::{Auth, AuthUser, CurrentUser, LoginManager, Session, SessionConfig, user_loader};
use axum_sesame_testkit::{ChildApp as FlaskApp, Jar, Reply, form};
use serde_json::Value;

const KEY: &str = "flask-session interop key";
const UA: &str = "flask-session-test/1";

fn env(name: &str, what: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: it must name {what}. See the head of runtime/tests/flask_session.rs."
        )
    })
}

fn redis_url() -> String {
    env("REDIS_URL", "a Redis server this test may write to")
}

// ---------------------------------------------------------------- the axum app

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    ["foo@bar.tld", "bar@bar.tld"]
        .contains(&id.as_str())
        .then_some(User { id })
}

async fn whoami(user: Option<CurrentUser<User>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.id.clone())
}

async fn login(auth: Auth<User>, Path(email): Path<String>) -> String {
    match auth.login_user(&User { id: email }).await {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("error: {e}"),
    }
}

async fn logout(auth: Auth<User>) -> &'static str {
    auth.logout_user();
    "ok"
}

async fn get_value(session: Session, Path(key): Path<String>) -> String {
    session.get_value(&key).unwrap_or(Value::Null).to_string()
}

async fn set_value(session: Session, Path((key, value)): Path<(String, String)>) -> &'static str {
    session.insert_value(key, Value::String(value));
    "ok"
}

async fn add_flash(session: Session, Path(msg): Path<String>) -> &'static str {
    session.flash(msg);
    "ok"
}

async fn flashes(session: Session) -> String {
    let list: Vec<(String, String)> = session
        .take_flashes()
        .into_iter()
        .map(|f| (f.category, f.message))
        .collect();
    serde_json::to_string(&list).unwrap_or_default()
}

async fn clear(session: Session) -> &'static str {
    session.clear();
    "ok"
}

async fn axum_app(store: FlaskSessionRedis) -> String {
    let session = SessionConfig::flask(FlaskSigner::from_text(KEY)).with_flask_session(store);
    let manager = LoginManager::with_session(session).with_login_view("/login");
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route("/login/{email}", post(login))
        .route("/logout", post(logout))
        .route("/session/{key}", get(get_value))
        .route("/session/{key}/{value}", post(set_value))
        .route("/flash/{msg}", post(add_flash))
        .route("/flashes", get(flashes))
        .route("/clear", post(clear))
        .layer(manager.build().expect("valid settings"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------- the Flask app

/// The Flask twin over Flask-Session's Redis records under `prefix`.
fn start_flask(prefix: &str, signed: bool) -> FlaskApp {
    FlaskApp::start(
        &env("FLASK_PYTHON", "a Python with tests/flask/requirements.txt"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/flask/app.py"),
        &[
            ("FLASK_SECRET_KEY", KEY),
            ("FLASK_SESSION_REDIS", &redis_url()),
            ("FLASK_SESSION_PREFIX", prefix),
            ("FLASK_SESSION_USE_SIGNER", if signed { "1" } else { "0" }),
        ],
    )
}

// ---------------------------------------------------------------- HTTP and Redis by hand

/// The jar's session cookie.
fn session_of(jar: &Jar) -> Option<&str> {
    jar.get("session")
}

/// `send` with this suite's User-Agent and an optional form.
async fn send(method: &str, url: &str, jar: &mut Jar, fields: &[(&str, &str)]) -> Reply {
    let body = (method != "GET").then(|| form(fields));
    axum_sesame_testkit::send(method, url, jar, UA, body).await
}

async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .expect("REDIS_URL parses")
        .get_multiplexed_async_connection()
        .await
        .expect("connect to REDIS_URL")
}

async fn keys(prefix: &str) -> Vec<String> {
    let mut conn = redis().await;
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .expect("KEYS");
    keys.sort();
    keys
}

async fn forget(prefix: &str) {
    let mut conn = redis().await;
    for key in keys(prefix).await {
        let () = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("DEL");
    }
}

// ---------------------------------------------------------------- the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_data_and_flashes_cross_both_ways() {
    let prefix = "fs-test-plain:";
    forget(prefix).await;
    let flask = start_flask(prefix, false);
    let rust = axum_app(
        FlaskSessionRedis::connect(&redis_url())
            .expect("a URL")
            .with_key_prefix(prefix),
    )
    .await;

    // Flask logs in; axum reads the login and the cart from Flask-Session's record.
    let mut jar = Jar::default();
    let r = send(
        "POST",
        &format!("{}/login", flask.url),
        &mut jar,
        &[("email", "foo@bar.tld")],
    )
    .await;
    assert_eq!(r.body, "ok");
    let flask_sid = session_of(&jar).expect("Flask-Session's cookie").to_owned();
    assert_eq!(keys(prefix).await, vec![format!("{prefix}{flask_sid}")]);
    send(
        "POST",
        &format!("{}/session?key=cart&value=apple", flask.url),
        &mut jar,
        &[],
    )
    .await;
    assert_eq!(
        send("GET", &format!("{rust}/whoami"), &mut jar, &[])
            .await
            .body,
        "foo@bar.tld"
    );
    assert_eq!(
        send("GET", &format!("{rust}/session/cart"), &mut jar, &[])
            .await
            .body,
        "\"apple\""
    );

    // axum writes; msgspec reads our record on the Flask side.
    let r = send("POST", &format!("{rust}/session/note/pear"), &mut jar, &[]).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(
        session_of(&jar),
        Some(flask_sid.as_str()),
        "same session, same id"
    );
    let seen: Value = serde_json::from_str(
        &send("GET", &format!("{}/session", flask.url), &mut jar, &[])
            .await
            .body,
    )
    .expect("JSON");
    assert_eq!(seen["note"], "'pear'");
    assert_eq!(seen["cart"], "'apple'");
    assert_eq!(seen["_user_id"], "'foo@bar.tld'");
    assert_eq!(
        send("GET", &format!("{}/whoami", flask.url), &mut jar, &[])
            .await
            .body,
        "foo@bar.tld"
    );

    // Flashes both ways.
    send(
        "POST",
        &format!("{}/flash?msg=from-flask", flask.url),
        &mut jar,
        &[],
    )
    .await;
    assert_eq!(
        send("GET", &format!("{rust}/flashes"), &mut jar, &[])
            .await
            .body,
        r#"[["message","from-flask"]]"#
    );
    send("POST", &format!("{rust}/flash/from-axum"), &mut jar, &[]).await;
    assert_eq!(
        send("GET", &format!("{}/flashes", flask.url), &mut jar, &[])
            .await
            .body
            .trim(),
        r#"[["message","from-axum"]]"#
    );

    // An axum logout drops Flask-Login's keys only and moves the session to a new id;
    // the old record is gone, the cart lives on under the new one.
    send("POST", &format!("{rust}/logout"), &mut jar, &[]).await;
    let after_logout = session_of(&jar).expect("a new session cookie").to_owned();
    assert_ne!(after_logout, flask_sid);
    assert_eq!(keys(prefix).await, vec![format!("{prefix}{after_logout}")]);
    assert_eq!(
        send("GET", &format!("{}/whoami", flask.url), &mut jar, &[])
            .await
            .body,
        "anonymous"
    );
    let seen: Value = serde_json::from_str(
        &send("GET", &format!("{}/session", flask.url), &mut jar, &[])
            .await
            .body,
    )
    .expect("JSON");
    assert_eq!(seen["cart"], "'apple'");
    assert!(seen.get("_user_id").is_none(), "{seen}");

    // An axum login (a new id, R15); Flask sees it.
    let r = send("POST", &format!("{rust}/login/bar@bar.tld"), &mut jar, &[]).await;
    assert_eq!(r.body, "ok");
    let after_login = session_of(&jar).expect("a session cookie").to_owned();
    assert_ne!(
        after_login, after_logout,
        "a login moves the session to a new id"
    );
    assert_eq!(keys(prefix).await, vec![format!("{prefix}{after_login}")]);
    assert_eq!(
        send("GET", &format!("{}/whoami", flask.url), &mut jar, &[])
            .await
            .body,
        "bar@bar.tld"
    );

    // Emptied by the app: record and cookie go.
    let r = send("POST", &format!("{rust}/clear"), &mut jar, &[]).await;
    assert!(
        r.set_cookie_lines()
            .iter()
            .any(|c| c.starts_with("session=;")),
        "{:?}",
        r.set_cookie_lines()
    );
    assert!(keys(prefix).await.is_empty());

    // Flask-Session keeps records PERMANENT_SESSION_LIFETIME; a read slides it.
    send(
        "POST",
        &format!("{}/login", flask.url),
        &mut jar,
        &[("email", "foo@bar.tld")],
    )
    .await;
    let key = format!("{prefix}{}", session_of(&jar).expect("a cookie"));
    let mut conn = redis().await;
    let () = redis::cmd("EXPIRE")
        .arg(&key)
        .arg(100)
        .query_async(&mut conn)
        .await
        .expect("EXPIRE");
    assert_eq!(
        send("GET", &format!("{rust}/whoami"), &mut jar, &[])
            .await
            .body,
        "foo@bar.tld"
    );
    let ttl: i64 = redis::cmd("TTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("TTL");
    assert!(ttl > 31 * 24 * 3600 - 60, "ttl {ttl}");
    forget(prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_ids_and_hostile_cookies() {
    let prefix = "fs-test-signed:";
    forget(prefix).await;
    let flask = start_flask(prefix, true);
    let store = FlaskSessionRedis::connect(&redis_url())
        .expect("a URL")
        .with_key_prefix(prefix)
        .with_signer(true);
    let rust = axum_app(store).await;

    let mut jar = Jar::default();
    send(
        "POST",
        &format!("{}/login", flask.url),
        &mut jar,
        &[("email", "foo@bar.tld")],
    )
    .await;
    let signed = session_of(&jar).expect("a cookie").to_owned();
    let (sid, _) = signed.rsplit_once('.').expect("id.signature");
    assert_eq!(keys(prefix).await, vec![format!("{prefix}{sid}")]);
    assert_eq!(
        send("GET", &format!("{rust}/whoami"), &mut jar, &[])
            .await
            .body,
        "foo@bar.tld"
    );
    // axum's new sessions are signed as Flask signs them.
    let mut fresh = Jar::default();
    send(
        "POST",
        &format!("{rust}/login/bar@bar.tld"),
        &mut fresh,
        &[],
    )
    .await;
    assert_eq!(
        send("GET", &format!("{}/whoami", flask.url), &mut fresh, &[])
            .await
            .body,
        "bar@bar.tld"
    );

    // Hostile cookies: the bare id (unsigned), a forged signature, ids that would reach
    // other keys, a huge one. Each is anonymous, never a 5xx, and never deleted (R47).
    let record_key = format!("{prefix}{sid}");
    for value in [
        sid.to_owned(),
        format!("{sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "*".to_owned(),
        "a:b".to_owned(),
        "x".repeat(5000),
    ] {
        let mut hostile = Jar::default();
        hostile.set("session", &value);
        let r = send("GET", &format!("{rust}/whoami"), &mut hostile, &[]).await;
        assert_eq!(
            (r.status.as_u16(), r.body.as_str()),
            (200, "anonymous"),
            "{value:.40}"
        );
        assert!(
            r.set_cookie_lines().is_empty(),
            "{value:.40}: {:?}",
            r.set_cookie_lines()
        );
    }
    assert!(keys(prefix).await.contains(&record_key));

    // A record this side can't read (a pickle from an older Flask-Session, say) is
    // anonymous and left as it is.
    let mut conn = redis().await;
    let unreadable_sid = "unreadable-record-id";
    let unreadable_key = format!("{prefix}{unreadable_sid}");
    let pickle: &[u8] = b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.";
    let () = redis::cmd("SET")
        .arg(&unreadable_key)
        .arg(pickle)
        .query_async(&mut conn)
        .await
        .expect("SET");
    let mut jar2 = Jar::default();
    jar2.set(
        "session",
        &FlaskSigner::from_text(KEY).sign_session_id(unreadable_sid),
    );
    let r = send("POST", &format!("{rust}/flash/hello"), &mut jar2, &[]).await;
    assert_eq!(r.status.as_u16(), 200);
    let left: Vec<u8> = redis::cmd("GET")
        .arg(&unreadable_key)
        .query_async(&mut conn)
        .await
        .expect("GET");
    assert_eq!(left, pickle);
    forget(prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_is_down_answers_503_never_anonymous() {
    // Nothing listens on port 1.
    let rust = axum_app(FlaskSessionRedis::connect("redis://127.0.0.1:1").expect("a URL")).await;
    let mut jar = Jar::default();
    jar.0
        .insert("session".to_owned(), "some-session-id".to_owned());
    let r = send("GET", &format!("{rust}/whoami"), &mut jar, &[]).await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.body);
    // Without a session cookie nothing is read, so nothing fails.
    let r = send("GET", &format!("{rust}/whoami"), &mut Jar::default(), &[]).await;
    assert_eq!((r.status.as_u16(), r.body.as_str()), (200, "anonymous"));
}

#[tokio::test]
async fn flask_session_records_need_flask_mode() {
    let store = FlaskSessionRedis::connect("redis://127.0.0.1:1").expect("a URL");
    let err = SessionConfig::new(axum_sesame::Key::from_bytes(&[7u8; 32]))
        .with_flask_session(store)
        .build()
        .expect_err("refused outside Flask mode");
    assert_eq!(err, axum_sesame::ConfigError::NotFlaskMode);
    assert!(err.to_string().contains("SessionConfig::flask"), "{err}");
}
