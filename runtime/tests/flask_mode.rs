//! Flask mode through the real layer with `oneshot`, without Python: cookies minted with
//! the Flask format (and the golden vector) are logins, what the layer writes is
//! a Flask cookie, session protection uses Flask-Login's `_id`, and settings Flask's cookie
//! cannot honour are refused. (`tests/flask/` at the root runs against real Flask.)
#![cfg(feature = "flask")]

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{COOKIE, USER_AGENT};
use axum::routing::get;
use axum_sesame::flask::{
    FlaskSigner, IdentifierFormat, session_identifier, session_identifier_v06,
};
use axum_sesame::{
    Auth, AuthUser, ConfigError, CurrentUser, LoginManager, Session, SessionConfig,
    SessionProtection, login_required, user_loader,
};
use axum_sesame_testkit as testkit;
use serde_json::json;

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

/// Logs in as the path's id, with remember.
async fn login_as(
    auth: Auth<User>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> &'static str {
    auth.login_user(&User { id })
        .remember(true)
        .await
        .expect("login");
    "ok"
}

/// Stores `n` bytes of one repeated letter (it compresses to almost nothing), and takes
/// them out again when the session would not fit.
async fn big(session: Session, axum::extract::Path(n): axum::extract::Path<usize>) -> String {
    session.insert("cart", "a".repeat(n)).expect("a string");
    match session.check_size() {
        Ok(()) => "fits".to_owned(),
        Err(e) => {
            session.remove_value("cart");
            format!("too large: {e}")
        }
    }
}

/// A form with Flask-WTF's CSRF token.
async fn csrf_form(session: Session) -> String {
    axum_sesame::flask::generate_csrf(&session, &FlaskSigner::from_text("secret")).expect("random")
}

/// Checks a posted Flask-WTF token.
async fn csrf_submit(
    session: Session,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> String {
    let signer = FlaskSigner::from_text("secret");
    match axum_sesame::flask::validate_csrf(&session, &signer, &token, 3600) {
        Ok(()) => "valid".to_owned(),
        Err(e) => e.to_string(),
    }
}

/// [`big`] without the check.
async fn big_unchecked(
    session: Session,
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> &'static str {
    session.insert("cart", "a".repeat(n)).expect("a string");
    "stored"
}

fn app(config: SessionConfig) -> Router {
    app_with(LoginManager::with_session(config.with_clock(|| NOW + 1)))
}

fn app_with(manager: LoginManager) -> Router {
    let manager = manager
        .with_login_view("/login")
        .build()
        .expect("valid Flask-mode settings");
    Router::new()
        .route("/protected", get(protected))
        .route("/fresh", get(fresh))
        .route("/login", get(login))
        .route("/login/{id}", get(login_as))
        .route("/big/{n}", get(big))
        .route("/csrf", get(csrf_form))
        .route("/csrf/{token}", get(csrf_submit))
        .route("/big-unchecked/{n}", get(big_unchecked))
        .layer(manager)
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Vec<String>, String) {
    let mut all = vec![(USER_AGENT.as_str(), UA)];
    all.extend_from_slice(headers);
    let r = testkit::call(app, testkit::request("GET", path, &all)).await;
    (r.status, r.set_cookie_lines(), r.body)
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
    let cookie = layer
        .test_login(&user)
        .fresh(false)
        .await
        .expect("a cookie")
        .header();
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

/// R43: a Flask session without `_id` (what Flask-Login writes when it restores a login
/// from its remember cookie), or with a non-string `_id`, is a mismatch: not fresh under
/// basic protection, logged out under strong, as Flask-Login does.
#[tokio::test]
async fn a_missing_or_malformed_identity_is_a_mismatch() {
    let signer = FlaskSigner::from_text("secret");
    for id in [None, Some(json!(5)), Some(json!(null))] {
        let mut session = serde_json::Map::new();
        session.insert("_user_id".into(), json!("1"));
        session.insert("_fresh".into(), json!(true));
        if let Some(id) = &id {
            session.insert("_id".into(), id.clone());
        }
        let cookie = format!("session={}", signer.encode_session(&session, NOW).unwrap());
        let headers = [(COOKIE.as_str(), cookie.as_str())];
        let basic = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
        assert_eq!(
            call(&basic, "/fresh", &headers).await.2,
            "not fresh",
            "{id:?}"
        );
        let strong = app_with(
            LoginManager::with_session(
                SessionConfig::flask(FlaskSigner::from_text("secret")).with_clock(|| NOW + 1),
            )
            .with_session_protection(SessionProtection::Strong),
        );
        let (status, _, _) = call(&strong, "/protected", &headers).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{id:?}: logged out");
    }
}

/// R44: a user id that looks like cookie attributes stays inside the remember cookie's
/// value, quoted as Werkzeug quotes it, and reads back as the same id.
#[tokio::test]
async fn a_user_id_cannot_inject_cookie_attributes() {
    let app = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
    let id = "evil; Domain=bar.tld; Path=/admin";
    let path = format!(
        "/login/{}",
        id.replace(' ', "%20")
            .replace(';', "%3B")
            .replace('/', "%2F")
    );
    let (status, cookies, _) = call(&app, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let line = cookies
        .iter()
        .find(|c| c.starts_with("remember_token="))
        .expect("a remember cookie");
    let value_end = line[16..]
        .find('"')
        .map(|i| i + 17)
        .expect("a quoted value");
    let (value, attributes) = line["remember_token=".len()..].split_at(value_end - 15);
    assert!(value.starts_with('"') && value.ends_with('"'), "{line}");
    assert!(
        !attributes.contains("Domain") && !attributes.contains("/admin"),
        "{line}"
    );
    let unquoted = axum_sesame::flask::unquote_cookie_value(value.as_bytes());
    let remembered = FlaskSigner::from_text("secret")
        .decode_remember(unquoted)
        .expect("Flask reads it back");
    assert_eq!(remembered.user_id, id);
}

/// R45: a compressible Flask session too large once inflated is never written (the next
/// request would refuse it and lose the session); the handler can check first.
#[tokio::test]
async fn a_session_that_would_not_inflate_back_is_refused() {
    let app = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
    let (status, cookies, body) = call(&app, "/big/1000", &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "fits"));
    assert!(cookies.iter().any(|c| c.starts_with("session=")));
    let (status, cookies, body) = call(&app, "/big/66000", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("too large"), "{body}");
    assert!(
        !cookies.iter().any(|c| c.starts_with("session=")),
        "{cookies:?}"
    );
    // A handler that does not check: no unreadable cookie is sent, the response says so.
    let (status, cookies, _) = call(&app, "/big-unchecked/66000", &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !cookies.iter().any(|c| c.starts_with("session=")),
        "{cookies:?}"
    );
}

/// Flask-WTF's CSRF flow on a Flask-mode session: the form's token validates for its
/// session only (`tests/flask/` checks the tokens against Flask-WTF itself).
#[tokio::test]
async fn flask_wtf_csrf_tokens_validate_for_their_session() {
    let app = app(SessionConfig::flask(FlaskSigner::from_text("secret")));
    let (_, cookies, token) = call(&app, "/csrf", &[]).await;
    let session = cookies
        .iter()
        .find(|c| c.starts_with("session="))
        .and_then(|c| c.split(';').next())
        .expect("the raw token is stored in the session")
        .to_owned();
    let path = format!("/csrf/{token}");
    assert_eq!(
        call(&app, &path, &[(COOKIE.as_str(), &session)]).await.2,
        "valid"
    );
    assert_eq!(
        call(&app, &path, &[]).await.2,
        "The CSRF session token is missing."
    );
    let (_, other, _) = call(&app, "/csrf", &[]).await;
    let other = other[0].split(';').next().unwrap().to_owned();
    assert_eq!(
        call(&app, &path, &[(COOKIE.as_str(), &other)]).await.2,
        "The CSRF tokens do not match."
    );
}
