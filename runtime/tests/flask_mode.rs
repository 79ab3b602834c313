//! Flask mode through the real layer with `oneshot`, without Python: cookies minted with
//! the Flask format (and the golden vector) are logins, what the layer writes is
//! a Flask cookie, session protection uses Flask-Login's `_id`, and settings Flask's cookie
//! cannot honour are refused. (`tests/flask.rs` at the root runs against real Flask.)
#![cfg(feature = "flask")]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum_sesame::flask::{
    FlaskSigner, IdentifierFormat, session_identifier, session_identifier_v06,
};
use axum_sesame::{
    Auth, AuthUser, ConfigError, CurrentUser, LoginManager, SessionConfig, login_required,
    user_loader,
};
use http_body_util::BodyExt as _;
use serde_json::json;
use tower::ServiceExt as _;

const NOW: u64 = 1_700_000_000;
const UA: &str = "flask-mode-test";

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
    ["1", "foo@bar.tld"]
        .contains(&id.as_str())
        .then_some(User { id })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.id)
}

async fn fresh(_user: CurrentUser<User>, auth: Auth<User>) -> &'static str {
    if auth.is_fresh() {
        "fresh"
    } else {
        "not fresh"
    }
}

async fn login(auth: Auth<User>) -> &'static str {
    let user = User {
        id: "foo@bar.tld".into(),
    };
    auth.login_user(&user).await.expect("login");
    "ok"
}

fn app(config: SessionConfig) -> Router {
    let manager = LoginManager::with_session(config.with_clock(|| NOW + 1))
        .with_login_view("/login")
        .build()
        .expect("valid Flask-mode settings");
    Router::new()
        .route("/protected", get(protected))
        .route("/fresh", get(fresh))
        .route("/login", get(login))
        .layer(manager)
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Vec<String>, String) {
    let mut req = Request::get(path).header(USER_AGENT, UA);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = res.status();
    let cookies = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ASCII").to_owned())
        .collect();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, cookies, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_golden_vector_is_a_login() {
    let app = app(SessionConfig::flask(FlaskSigner::from_text("k")));
    let cookie = "session=eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I";
    let (status, _, body) = call(&app, "/protected", &[(COOKIE.as_str(), cookie)]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "Logged in as: 1"));
    // Another key: nobody.
    let other = self::app(SessionConfig::flask(FlaskSigner::from_text("not k")));
    let (status, _, _) = call(&other, "/protected", &[(COOKIE.as_str(), cookie)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_login_here_is_a_flask_cookie() {
    let signer = || FlaskSigner::from_text("secret");
    let (status, cookies, _) = call(&app(SessionConfig::flask(signer())), "/login", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let line = cookies
        .iter()
        .find(|c| c.starts_with("session="))
        .expect("a session cookie");
    let value = line["session=".len()..].split(';').next().expect("value");
    let decoded = signer()
        .decode_session(value, NOW + 1, 31 * 24 * 3600)
        .expect("a Flask cookie under the same key");
    assert_eq!(decoded.session["_user_id"], json!("foo@bar.tld"));
    assert_eq!(decoded.session["_fresh"], json!(true));
    assert_eq!(
        decoded.session["_id"],
        json!(session_identifier_v06(None, None, Some(UA.as_bytes())))
    );
    assert!(
        !decoded.session.contains_key("sid") && !decoded.session.contains_key("ah"),
        "only Flask's keys: {:?}",
        decoded.session
    );
}

#[tokio::test]
async fn session_protection_uses_flask_logins_identifier() {
    let signer = FlaskSigner::from_text("secret");
    // What Flask-Login 0.6 stores for a client behind a proxy that sets X-Forwarded-For.
    let v06 = session_identifier_v06(None, Some(b"203.0.113.7"), Some(UA.as_bytes()));
    let mut session = serde_json::Map::new();
    session.insert("_user_id".into(), json!("1"));
    session.insert("_fresh".into(), json!(true));
    session.insert("_id".into(), json!(v06));
    let cookie = format!(
        "session={}",
        signer.encode_session(&session, NOW).expect("encode")
    );
    let headers = [
        (COOKIE.as_str(), cookie.as_str()),
        ("x-forwarded-for", "203.0.113.7"),
    ];

    let as_06 = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
    assert_eq!(call(&as_06, "/fresh", &headers).await.2, "fresh");
    // Another client (another forwarded address) with the same cookie is not fresh.
    let moved = [
        (COOKIE.as_str(), cookie.as_str()),
        ("x-forwarded-for", "198.51.100.1"),
    ];
    assert_eq!(call(&as_06, "/fresh", &moved).await.2, "not fresh");

    // Flask-Login main never reads X-Forwarded-For: its `_id` for this client differs.
    let as_main = app(SessionConfig::flask(FlaskSigner::from_text("secret"))
        .with_flask_identifier(IdentifierFormat::Main));
    assert_eq!(call(&as_main, "/fresh", &headers).await.2, "not fresh");
    let main_id = session_identifier(None, Some(UA.as_bytes()));
    session.insert("_id".into(), json!(main_id));
    let cookie = format!(
        "session={}",
        signer.encode_session(&session, NOW).expect("encode")
    );
    let headers = [(COOKIE.as_str(), cookie.as_str())];
    assert_eq!(call(&as_main, "/fresh", &headers).await.2, "fresh");
}

#[test]
fn settings_flask_cookies_cannot_honour_are_refused() {
    let flask = || SessionConfig::flask(FlaskSigner::from_text("secret"));
    for config in [
        flask().with_store(axum_sesame::MemoryStore::new()),
        flask().with_encryption(true),
        flask().with_idle_timeout(Duration::from_secs(60)),
        flask().with_absolute_lifetime(Duration::from_secs(60)),
    ] {
        assert_eq!(config.build().err(), Some(ConfigError::FlaskMode));
    }
    assert_eq!(
        LoginManager::with_session(flask())
            .with_fresh_for(Duration::from_secs(60))
            .build()
            .err(),
        Some(ConfigError::FlaskMode)
    );
    for signer in [
        FlaskSigner::from_text(""),
        FlaskSigner::from_text("secret").with_fallback(b""),
    ] {
        assert_eq!(
            SessionConfig::flask(signer).build().err(),
            Some(ConfigError::FlaskEmptySecret)
        );
    }
    assert!(flask().build().is_ok());
}

#[tokio::test]
async fn test_cookies_are_flask_cookies_in_flask_mode() {
    let layer = LoginManager::with_session(
        SessionConfig::flask(FlaskSigner::from_text("secret")).with_clock(|| NOW + 1),
    )
    .build()
    .expect("valid");
    let user = User {
        id: "foo@bar.tld".into(),
    };
    let cookie = layer.session_cookie_for(&user, false).expect("a cookie");
    let value = cookie.strip_prefix("session=").expect("the session cookie");
    let decoded = FlaskSigner::from_text("secret")
        .decode_session(value, NOW + 1, 31 * 24 * 3600)
        .expect("a Flask cookie");
    assert_eq!(decoded.session["_user_id"], json!("foo@bar.tld"));
    assert_eq!(decoded.session["_fresh"], json!(false));
    // And the app takes it as the login it names.
    let app = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
    let (status, _, body) = call(&app, "/protected", &[(COOKIE.as_str(), cookie.as_str())]).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "Logged in as: foo@bar.tld")
    );
}
