//! `LoginManagerLayer::test_login` in every mode (cookie, memory store, Redis): the
//! cookies it mints log in through `oneshot` and over real HTTP, with a remember cookie,
//! a fresh or non-fresh login and session data.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use axum_sesame::{
    AuthUser, CurrentUser, LoginManager, LoginManagerLayer, MemoryStore, Session, SessionConfig,
    SessionStore, login_required, user_loader,
};
use axum_sesame_testkit::{Server, call, request};

#[derive(Clone, Debug)]
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

async fn me(user: Option<CurrentUser<User>>, session: Session) -> String {
    format!(
        "{} cart={:?}",
        user.map_or("anonymous".to_owned(), |u| u.id.clone()),
        session.get::<Vec<u32>>("cart")
    )
}

#[login_required(fresh)]
async fn fresh(user: CurrentUser<User>) -> String {
    format!("fresh {}", user.id)
}

fn layer(store: Option<Box<dyn FnOnce(SessionConfig) -> SessionConfig>>) -> LoginManagerLayer {
    let session = SessionConfig::new(support::key());
    let session = match store {
        Some(with) => with(session),
        None => session,
    };
    LoginManager::with_session(session)
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .build()
        .expect("valid settings")
}

fn router(layer: LoginManagerLayer) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/fresh", get(fresh))
        .layer(layer)
}

async fn every_helper_works(layer: LoginManagerLayer) {
    let ada = User { id: "ada".into() };
    let cookies = layer
        .test_login(&ada)
        .remember(true)
        .data("cart", [1, 2])
        .expect("serializable")
        .await
        .expect("a test login");
    let app = router(layer.clone());
    // Through `oneshot`: logged in, with the data, fresh.
    let r = call(&app, request("GET", "/me", &[("cookie", &cookies.session)])).await;
    r.assert_ok("ada cart=Some([1, 2])");
    let r = call(
        &app,
        request("GET", "/fresh", &[("cookie", &cookies.session)]),
    )
    .await;
    r.assert_ok("fresh ada");
    // The remember cookie alone restores the login (not fresh).
    let remember = cookies.remember.clone().expect("a remember cookie");
    let r = call(&app, request("GET", "/me", &[("cookie", &remember)])).await;
    assert!(r.body.starts_with("ada "), "{r:?}");
    // A non-fresh login is sent to the refresh view.
    let stale = layer
        .test_login(&ada)
        .fresh(false)
        .await
        .expect("a test login");
    assert!(stale.remember.is_none());
    call(
        &app,
        request("GET", "/fresh", &[("cookie", &stale.header())]),
    )
    .await
    .assert_redirect("/reauth?next=%2Ffresh");
    // Over real HTTP, for a client that sends a User-Agent.
    let bob = User { id: "bob".into() };
    let cookies = layer
        .test_login(&bob)
        .user_agent("test-client/1")
        .await
        .expect("a test login");
    let server = Server::serve(router(layer));
    let headers = [
        ("cookie", cookies.header()),
        ("user-agent", "test-client/1".to_owned()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    server
        .send("GET", "/fresh", &headers)
        .await
        .assert_ok("fresh bob");
    // Another client with the same cookie is not the one that logged in: not fresh.
    let r = server
        .send(
            "GET",
            "/fresh",
            &[("cookie", &cookies.header()), ("user-agent", "other")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{r:?}");
}

#[tokio::test]
async fn cookie_mode() {
    every_helper_works(layer(None)).await;
}

#[tokio::test]
async fn memory_store_mode() {
    let store = MemoryStore::new();
    every_helper_works(layer(Some(Box::new({
        let store = store.clone();
        move |s: SessionConfig| s.with_store(store)
    }))))
    .await;
    // The records are where the store keeps them.
    let records = store.list_user("ada").await.expect("the store answers");
    assert!(records.len() >= 2, "{} records for ada", records.len());
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_store_mode() {
    let store = support::redis_store();
    every_helper_works(layer(Some(Box::new({
        let store = store.clone();
        move |s: SessionConfig| s.with_store(store)
    }))))
    .await;
    let records = store.list_user("ada").await.expect("Redis answers");
    assert!(records.len() >= 2, "{} records for ada", records.len());
}
