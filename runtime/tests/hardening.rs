//! Cookies this layer writes are cookies it reads back (SECURITY.md R45), and a key
//! rotation keeps remember-me (R46), in the v1 format. (Flask mode's side of both is in
//! `flask_mode.rs`.)

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum_sesame::{
    Auth, AuthUser, CurrentUser, Key, KeyRing, LoginError, LoginManager, Session, user_loader,
};
use axum_sesame_testkit::{Reply, call, request};

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"hash"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id })
}

async fn whoami(user: Option<CurrentUser<User>>) -> String {
    user.map_or("anonymous".to_owned(), |u| u.id.clone())
}

/// Logs in as `id` with remember; the handler sees a login it cannot honour.
async fn login(auth: Auth<User>, Path(id): Path<String>) -> axum::response::Response {
    match auth.login_user(&User { id }).remember(true).await {
        Ok(()) => "ok".into_response(),
        Err(LoginError::Cookie(e)) => {
            (StatusCode::BAD_REQUEST, format!("refused: {e}")).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Stores `n` bytes, then reports whether the session still fits.
async fn store(session: Session, Path(n): Path<usize>) -> String {
    session.insert("blob", "x".repeat(n)).unwrap();
    match session.check_size() {
        Ok(()) => "fits".to_owned(),
        Err(e) => {
            assert!(e.is_too_large());
            session.remove_value("blob");
            "too large".to_owned()
        }
    }
}

fn app(keys: KeyRing) -> Router {
    Router::new()
        .route("/login/{id}", post(login))
        .route("/whoami", get(whoami))
        .route("/store/{n}", get(store))
        .layer(LoginManager::new(keys).build().unwrap())
}

async fn send(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> Reply {
    let headers: &[(&str, &str)] = match cookie {
        Some(c) => &[("cookie", c)],
        None => &[],
    };
    call(app, request(method, path, headers)).await
}

fn key(b: u8) -> Key {
    Key::from_bytes(&[b; 32])
}

/// R45: a login whose cookies could not be read back is an error the handler sees, not a
/// silent logout or a 500 after it returned.
#[tokio::test]
async fn a_login_too_large_for_its_cookie_is_an_error_the_handler_sees() {
    let app = app(KeyRing::new(key(1)));
    let long = "u".repeat(3000);
    let r = send(&app, "POST", &format!("/login/{long}"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.starts_with("refused"), "{}", r.body);
    assert!(r.cookie("session").is_none() && r.cookie("remember_token").is_none());
    // A normal id still logs in.
    let r = send(&app, "POST", "/login/alice", None).await;
    assert_eq!(r.body, "ok");
}

/// R45: a handler can check the session's size before its response is sent.
#[tokio::test]
async fn a_handler_can_check_that_the_session_fits() {
    let app = app(KeyRing::new(key(1)));
    let r = send(&app, "GET", "/store/100", None).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "fits"));
    assert!(r.cookie("session").is_some());
    let r = send(&app, "GET", "/store/5000", None).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "too large"));
    assert!(r.cookie("session").is_none(), "nothing unreadable is sent");
}

/// R46: a remember cookie that verifies only under a fallback key is re-issued while the
/// session is valid, so removing the old key later logs nobody out.
#[tokio::test]
async fn rotation_re_issues_the_remember_cookie_beside_a_valid_session() {
    let old = app(KeyRing::new(key(1)));
    let login = send(&old, "POST", "/login/alice", None).await;
    let (s, r) = (
        login.cookie("session").unwrap(),
        login.cookie("remember_token").unwrap(),
    );
    // The rolling restart: the new key signs, the old one verifies.
    let rotating = app(KeyRing::new(key(2)).with_fallback(key(1)).unwrap());
    let visit = send(&rotating, "GET", "/whoami", Some(&format!("{s}; {r}"))).await;
    assert_eq!(visit.body, "alice");
    let new_r = visit
        .cookie("remember_token")
        .expect("the remember cookie is re-issued under the new key");
    assert_ne!(new_r, r);
    // The old key is gone: the re-issued remember cookie alone still restores the login.
    let new = app(KeyRing::new(key(2)));
    assert_eq!(
        send(&new, "GET", "/whoami", Some(&new_r)).await.body,
        "alice"
    );
    assert_eq!(
        send(&new, "GET", "/whoami", Some(&r)).await.body,
        "anonymous"
    );
    // Without fallbacks there is nothing to rotate: no remember cookie beside a session.
    let s2 = visit.cookie("session").unwrap();
    let again = send(&new, "GET", "/whoami", Some(&format!("{s2}; {new_r}"))).await;
    assert!(again.cookie("remember_token").is_none());
}
