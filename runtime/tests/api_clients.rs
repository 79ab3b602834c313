//! Real applications' shapes, over real HTTP: `next` under nested routers, API clients
//! that never get a redirect, and `ApiOnly` routers whose refusals are JSON.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum_sesame::{
    ApiOnly, Auth, AuthUser, CurrentUser, Key, LoginManager, LoginRequired, login_required,
    user_loader,
};
use axum_sesame_testkit::{Reply, Server};

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
    fn has_role(&self, role: &str) -> bool {
        self.id == "admin" && role == "admin"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("user {}", user.id)
}

#[login_required(fresh)]
async fn fresh_only(user: CurrentUser<User>) -> String {
    format!("fresh {}", user.id)
}

#[login_required(role = "admin")]
async fn admin_only(user: CurrentUser<User>) -> String {
    format!("admin {}", user.id)
}

async fn login(auth: Auth<User>, axum::extract::Path(id): axum::extract::Path<String>) -> String {
    auth.login_user(&User { id }).await.expect("a login");
    "ok".to_owned()
}

/// A handler with no guard of its own: the router's guard protects it.
async fn plain(user: CurrentUser<User>) -> String {
    format!("plain {}", user.id)
}

fn inner() -> Router {
    Router::new()
        .route("/users", get(protected))
        .route("/settings", get(fresh_only))
        .route("/only", get(admin_only))
}

fn app() -> Server {
    let manager = LoginManager::new(Key::from_bytes(&[9u8; 32]))
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .with_bearer_loader(
            |token: String| async move { (token == "good").then(|| "t".to_owned()) },
        );
    let router = Router::new()
        .route("/login/{id}", post(login))
        .route("/p", get(protected))
        .route("/api-route", get(protected).layer(ApiOnly))
        .nest("/admin", inner())
        .nest_service("/svc", inner())
        .nest("/api", inner().layer(ApiOnly))
        .nest(
            "/guarded",
            Router::new().route("/users", get(plain)).route_layer(
                LoginRequired::<User>::new()
                    .role("admin")
                    .login_view("/admin/login"),
            ),
        )
        .nest(
            "/guarded-fresh-api",
            Router::new()
                .route("/users", get(plain))
                .route_layer(LoginRequired::<User>::new().fresh().api()),
        )
        .layer(manager.build().expect("valid settings"));
    Server::serve(router)
}

async fn get_as(app: &Server, path: &str, headers: &[(&str, &str)]) -> Reply {
    app.send("GET", path, headers).await
}

#[tokio::test]
async fn next_is_the_path_the_client_sent_under_nest_and_nest_service() {
    let app = app();
    for (path, next) in [
        ("/admin/users?page=2", "%2Fadmin%2Fusers%3Fpage%3D2"),
        ("/svc/users", "%2Fsvc%2Fusers"),
        ("/p", "%2Fp"),
    ] {
        get_as(&app, path, &[])
            .await
            .assert_redirect(&format!("/login?next={next}"));
    }
    // The refresh view's `next` too: a non-fresh login (another client identity).
    let login = app
        .send("POST", "/login/alice", &[("user-agent", "A")])
        .await;
    let cookie = login.cookie("session").expect("a session");
    let r = get_as(
        &app,
        "/admin/settings?x=1",
        &[("cookie", &cookie), ("user-agent", "B")],
    )
    .await;
    r.assert_redirect("/reauth?next=%2Fadmin%2Fsettings%3Fx%3D1");
}

#[tokio::test]
async fn api_clients_get_401_never_a_redirect() {
    let app = app();
    for headers in [
        vec![("accept", "application/json, text/plain, */*")],
        vec![("accept", "application/json")],
        vec![("x-requested-with", "XMLHttpRequest")],
        vec![("sec-fetch-mode", "cors"), ("accept", "*/*")],
    ] {
        let r = get_as(&app, "/admin/users", &headers).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{headers:?}: {r:?}");
        assert!(r.location().is_none());
        assert_eq!(
            r.header(axum::http::header::WWW_AUTHENTICATE),
            Some("Bearer")
        );
    }
    // A bad bearer token: RFC 6750's answer.
    let r = get_as(
        &app,
        "/admin/users",
        &[("authorization", "Bearer bad"), ("accept", "*/*")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert_eq!(
        r.header(axum::http::header::WWW_AUTHENTICATE),
        Some("Bearer error=\"invalid_token\"")
    );
    // A good one logs in, with no cookie.
    let r = get_as(&app, "/admin/users", &[("authorization", "Bearer good")]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "user t"));
    r.assert_no_cookies();
    // A browser navigating still gets the login page.
    let r = get_as(
        &app,
        "/admin/users",
        &[
            ("accept", "text/html,*/*;q=0.8"),
            ("sec-fetch-mode", "navigate"),
        ],
    )
    .await;
    r.assert_redirect("/login?next=%2Fadmin%2Fusers");
}

#[tokio::test]
async fn api_only_routes_answer_json_whatever_the_request_accepts() {
    let app = app();
    let r = get_as(&app, "/api/users", &[("accept", "text/html")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.body, r#"{"error":"unauthorized"}"#);
    assert_eq!(
        r.header(axum::http::header::WWW_AUTHENTICATE),
        Some("Bearer")
    );
    // Logged in without the role: 403 JSON; with it: the page.
    let bob = app
        .send("POST", "/login/bob", &[])
        .await
        .cookie("session")
        .expect("bob");
    let r = get_as(&app, "/api/only", &[("cookie", &bob)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.body, r#"{"error":"forbidden"}"#);
    let admin = app
        .send("POST", "/login/admin", &[])
        .await
        .cookie("session")
        .expect("admin");
    get_as(&app, "/api/only", &[("cookie", &admin)])
        .await
        .assert_ok("admin admin");
    // One route alone can be an API's too.
    let r = get_as(&app, "/api-route", &[("accept", "text/html")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::UNAUTHORIZED, r#"{"error":"unauthorized"}"#)
    );
    // Outside the API the same refusal is the usual text.
    let r = get_as(&app, "/admin/only", &[("cookie", &bob)]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "Forbidden")
    );
    // Not fresh: 401 JSON, no redirect to the refresh view.
    let login = app
        .send("POST", "/login/carol", &[("user-agent", "A")])
        .await;
    let carol = login.cookie("session").expect("carol");
    let r = get_as(
        &app,
        "/api/settings",
        &[("cookie", &carol), ("user-agent", "B")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert_eq!(r.body, r#"{"error":"needs_refresh"}"#);
}

#[tokio::test]
async fn a_router_guard_protects_every_route_with_its_own_login_view() {
    let app = app();
    get_as(&app, "/guarded/users?x=1", &[])
        .await
        .assert_redirect("/admin/login?next=%2Fguarded%2Fusers%3Fx%3D1");
    let bob = app
        .send("POST", "/login/bob", &[])
        .await
        .cookie("session")
        .expect("bob");
    let r = get_as(&app, "/guarded/users", &[("cookie", &bob)]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "Forbidden")
    );
    let admin = app
        .send("POST", "/login/admin", &[])
        .await
        .cookie("session")
        .expect("admin");
    get_as(&app, "/guarded/users", &[("cookie", &admin)])
        .await
        .assert_ok("plain admin");
    // An unknown path under the guarded router stays a 404 (`route_layer`).
    assert_eq!(
        get_as(&app, "/guarded/nope", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // fresh + api: JSON refusals, for anonymous and non-fresh alike.
    let r = get_as(&app, "/guarded-fresh-api/users", &[("accept", "text/html")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::UNAUTHORIZED, r#"{"error":"unauthorized"}"#)
    );
    let login = app.send("POST", "/login/dan", &[("user-agent", "A")]).await;
    let dan = login.cookie("session").expect("dan");
    let r = get_as(
        &app,
        "/guarded-fresh-api/users",
        &[("cookie", &dan), ("user-agent", "B")],
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::UNAUTHORIZED, r#"{"error":"needs_refresh"}"#)
    );
    get_as(
        &app,
        "/guarded-fresh-api/users",
        &[("cookie", &dan), ("user-agent", "A")],
    )
    .await
    .assert_ok("plain dan");
}

mod with_state {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::State;

    use super::*;

    #[derive(Clone, Default)]
    struct Db {
        loads: Arc<AtomicUsize>,
    }

    #[derive(Clone, Debug)]
    struct Member {
        id: String,
    }

    impl AuthUser for Member {
        type Id = String;
        fn id(&self) -> String {
            self.id.clone()
        }
        fn session_auth_hash(&self) -> &[u8] {
            b"hash"
        }
    }

    #[user_loader]
    async fn load_member(id: String, State(db): State<Db>) -> Option<Member> {
        db.loads.fetch_add(1, Ordering::SeqCst);
        Some(Member { id })
    }

    async fn page(member: CurrentUser<Member>) -> String {
        format!("member {}", member.id)
    }

    async fn login(auth: Auth<Member>) -> &'static str {
        auth.login_user(&Member { id: "m".to_owned() })
            .await
            .expect("a login");
        "ok"
    }

    #[tokio::test]
    async fn a_guard_with_state_loads_the_user_once_per_request() {
        let db = Db::default();
        let guarded = Router::new()
            .route("/page", get(page))
            .route_layer(LoginRequired::<Member, Db>::with_state(db.clone()));
        let router = Router::new()
            .route("/login", post(login))
            .nest("/members", guarded)
            .layer(
                LoginManager::new(Key::from_bytes(&[8u8; 32]))
                    .with_login_view("/login")
                    .build()
                    .expect("valid settings"),
            )
            .with_state(db.clone());
        let app = Server::serve(router);
        get_as(&app, "/members/page", &[])
            .await
            .assert_redirect("/login?next=%2Fmembers%2Fpage");
        let cookie = app
            .send("POST", "/login", &[])
            .await
            .cookie("session")
            .expect("m");
        let before = db.loads.load(Ordering::SeqCst);
        get_as(&app, "/members/page", &[("cookie", &cookie)])
            .await
            .assert_ok("member m");
        assert_eq!(
            db.loads.load(Ordering::SeqCst) - before,
            1,
            "the handler reused the guard's user"
        );
    }
}
