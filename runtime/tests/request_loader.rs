//! Flask-Login's `request_loader`, over real HTTP: API keys in a header or the query,
//! looked up with the router's state; no cookie for such requests; a loader error is a
//! 500, never an anonymous request.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum_sesame::{Auth, AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};
use axum_sesame_testkit::Server;

#[derive(Clone, Debug)]
struct User {
    id: String,
    active: bool,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn is_active(&self) -> bool {
        self.active
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"hash"
    }
}

/// API keys → users; the key `broken` makes the lookup fail.
#[derive(Clone)]
struct Db(Arc<HashMap<&'static str, User>>);

impl Db {
    async fn by_key(&self, key: &str) -> Result<Option<User>, String> {
        if key == "broken" {
            return Err("the key table is unreachable".to_owned());
        }
        Ok(self.0.get(key).cloned())
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id, active: true })
}

#[login_required]
async fn me(user: CurrentUser<User>) -> String {
    format!("me {}", user.id)
}

async fn login(auth: Auth<User>) -> &'static str {
    let user = User {
        id: "session-user".into(),
        active: true,
    };
    auth.login_user(&user).await.expect("a login");
    "ok"
}

/// The API key from `X-Api-Key`, or else from `?api_key=`.
fn api_key(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get("x-api-key") {
        return v.to_str().ok().map(str::to_owned);
    }
    form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v.into_owned())
}

fn app() -> Server {
    let db = Db(Arc::new(HashMap::from([
        (
            "k-ada",
            User {
                id: "ada".into(),
                active: true,
            },
        ),
        (
            "k-off",
            User {
                id: "off".into(),
                active: false,
            },
        ),
    ])));
    let manager = LoginManager::new(Key::from_bytes(&[4u8; 32]))
        .with_login_view("/login")
        .with_request_loader(|parts: &Parts, db: &Db| {
            let key = api_key(parts);
            let db = db.clone();
            async move {
                match key {
                    Some(key) => db.by_key(&key).await,
                    None => Ok(None),
                }
            }
        });
    let router = Router::new()
        .route("/me", get(me))
        .route("/login", post(login))
        .layer(manager.build().expect("valid settings"))
        .with_state(db);
    Server::serve(router)
}

#[tokio::test]
async fn api_keys_in_a_header_or_the_query_authenticate_without_a_cookie() {
    let app = app();
    let r = app.send("GET", "/me", &[("x-api-key", "k-ada")]).await;
    r.assert_ok("me ada");
    r.assert_no_cookies();
    let r = app.send("GET", "/me?api_key=k-ada", &[]).await;
    r.assert_ok("me ada");
    r.assert_no_cookies();
    // An unknown key, or an inactive user's: anonymous (a JSON client: 401).
    for key in ["nope", "k-off"] {
        let headers = [("x-api-key", key), ("accept", "application/json")];
        let r = app.send("GET", "/me", &headers).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{key}: {r:?}");
    }
    // No key at all: a browser, sent to the login page.
    app.send("GET", "/me", &[])
        .await
        .assert_redirect("/login?next=%2Fme");
    // A session login comes first.
    let session = app
        .send("POST", "/login", &[])
        .await
        .cookie("session")
        .expect("a login");
    let r = app
        .send(
            "GET",
            "/me",
            &[("cookie", &session), ("x-api-key", "k-ada")],
        )
        .await;
    r.assert_ok("me session-user");
}

#[tokio::test]
async fn a_loader_error_is_a_500_never_anonymous() {
    let app = app();
    let r = app.send("GET", "/me", &[("x-api-key", "broken")]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{r:?}");
    assert!(
        !r.body.contains("unreachable"),
        "details stay in the log: {r:?}"
    );
    r.assert_no_cookies();
}
