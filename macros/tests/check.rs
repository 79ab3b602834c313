//! `#[login_required(check = …)]`: an async call over the handler's own arguments runs
//! after the guard and before the body; `false` answers the manager's 403.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum_sesame::{ApiOnly, AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};
use tower::ServiceExt;

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

/// Documents and their owners.
#[derive(Clone)]
struct Db;

impl Db {
    async fn owner(&self, doc: u32) -> Option<&'static str> {
        match doc {
            1 => Some("ada"),
            2 => Some("bob"),
            _ => None,
        }
    }
}

async fn owns(user: &CurrentUser<User>, db: &Db, doc: u32) -> bool {
    db.owner(doc).await == Some(user.id.as_str())
}

#[login_required(check = owns(&user, &db, doc))]
async fn edit(user: CurrentUser<User>, State(db): State<Db>, Path(doc): Path<u32>) -> String {
    // The body's own early return keeps working.
    if doc == 2 {
        return format!("{} edits the second", user.id);
    }
    let _ = db;
    format!("{} edits {doc}", user.id)
}

async fn fetch(user: &CurrentUser<User>) -> bool {
    user.id != "mallory"
}

#[login_required(check = fetch(&user))]
async fn api(user: CurrentUser<User>) -> &'static str {
    let _ = user;
    "data"
}

#[tokio::test]
async fn the_check_guards_the_body() {
    let layer = LoginManager::new(Key::from_bytes(&[6u8; 32]))
        .with_forbidden_handler(|user: CurrentUser<User>| async move { format!("no, {}", user.id) })
        .build()
        .expect("valid");
    let cookie = |id: &str| {
        let layer = layer.clone();
        let id = id.to_owned();
        async move {
            layer
                .test_login(&User { id })
                .await
                .expect("a login")
                .header()
        }
    };
    let (ada, bob, mallory) = (
        cookie("ada").await,
        cookie("bob").await,
        cookie("mallory").await,
    );
    let app = Router::new()
        .route("/docs/{doc}", get(edit))
        .route("/api", get(api).layer(ApiOnly))
        .layer(layer.clone())
        .with_state(Db);
    let call = |path: &str, cookie: &str| {
        let req = Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .expect("a request");
        let app = app.clone();
        async move {
            let res = app.oneshot(req).await.expect("infallible");
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 16)
                .await
                .expect("a body");
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    assert_eq!(
        call("/docs/1", &ada).await,
        (StatusCode::OK, "ada edits 1".to_owned())
    );
    assert_eq!(
        call("/docs/2", &bob).await,
        (StatusCode::OK, "bob edits the second".to_owned())
    );
    // Refused: the manager's forbidden handler, with the user, as a 403.
    assert_eq!(
        call("/docs/1", &bob).await,
        (StatusCode::FORBIDDEN, "no, bob".to_owned())
    );
    assert_eq!(call("/docs/9", &ada).await.0, StatusCode::FORBIDDEN);
    // Anonymous never reaches the check.
    assert_eq!(call("/docs/1", "").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call("/api", &ada).await,
        (StatusCode::OK, "data".to_owned())
    );
    assert_eq!(call("/api", &mallory).await.0, StatusCode::FORBIDDEN);
}
