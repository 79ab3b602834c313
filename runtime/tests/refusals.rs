//! Responses the app owns, over real HTTP: unauthorized, needs-refresh and forbidden
//! handlers are ordinary axum handlers (state, extractors, the user), global or per
//! router; a bare body keeps the refusal's status; a route's own login view wins over
//! the global handler.

use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum_sesame::{
    Auth, AuthUser, CurrentUser, Key, LoginManager, LoginRequired, login_required, user_loader,
};
use axum_sesame_testkit::Server;

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
        role == "admin" && self.id == "admin"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id })
}

/// The app's state, which the handlers read.
#[derive(Clone)]
struct AppName(&'static str);

#[login_required]
async fn page(user: CurrentUser<User>) -> String {
    format!("page {}", user.id)
}

#[login_required(redirect = "/own-login")]
async fn own_view(user: CurrentUser<User>) -> String {
    format!("own {}", user.id)
}

#[login_required(role = "admin")]
async fn admin(user: CurrentUser<User>) -> String {
    format!("admin {}", user.id)
}

#[login_required(fresh)]
async fn fresh(user: CurrentUser<User>) -> String {
    format!("fresh {}", user.id)
}

#[login_required(permission = "docs.delete")]
async fn delete(user: CurrentUser<User>) -> String {
    format!("deleted by {}", user.id)
}

async fn login(auth: Auth<User>, axum::extract::Path(id): axum::extract::Path<String>) -> String {
    auth.login_user(&User { id }).await.expect("a login");
    "ok".to_owned()
}

async fn plain(user: CurrentUser<User>) -> String {
    format!("plain {}", user.id)
}

/// A permission that needs data: doc 1 is the admin's, doc 2 anyone's; the app's name
/// comes from the state.
async fn can_edit(
    user: CurrentUser<User>,
    axum::extract::Path(doc): axum::extract::Path<u32>,
    State(app): State<AppName>,
) -> bool {
    app.0 == "demo" && (doc == 2 || (doc == 1 && user.id == "admin"))
}

fn app() -> Server {
    let state = AppName("demo");
    let manager = LoginManager::new(Key::from_bytes(&[5u8; 32]))
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        // State and any extractor; a bare body: 401.
        .with_unauthorized_handler_and_state(
            |State(app): State<AppName>, OriginalUri(uri): OriginalUri| async move {
                format!("{}: log in to see {uri}", app.0)
            },
            state.clone(),
        )
        .with_needs_refresh_handler(|| async { Redirect::to("/confirm") })
        // Permissions that need data: only carol may delete; "broken" fails the lookup.
        .with_permission_source(|user: &User, _: &AppName| {
            let id = user.id.clone();
            async move {
                match id.as_str() {
                    "broken" => Err("the permission table is unreachable".to_owned()),
                    "carol" => Ok(std::collections::HashSet::from(["docs.delete".to_owned()])),
                    _ => Ok(std::collections::HashSet::new()),
                }
            }
        })
        // The user who was refused, loaded once.
        .with_forbidden_handler(
            |user: CurrentUser<User>| async move { format!("sorry {}", user.id) },
        );
    let guarded = Router::new().route("/users", get(plain)).route_layer(
        LoginRequired::<User, AppName>::with_state(state.clone())
            .role("admin")
            .on_unauthorized(|State(app): State<AppName>| async move {
                (StatusCode::IM_A_TEAPOT, format!("{} admin login", app.0))
            })
            .on_forbidden(
                |user: CurrentUser<User>| async move { format!("admins only, {}", user.id) },
            ),
    );
    let docs = Router::new()
        .route("/{doc}/edit", get(|| async { "editing" }))
        .route_layer(LoginRequired::<User, AppName>::with_state(state.clone()).check(can_edit));
    let router = Router::new()
        .route("/login/{id}", post(login))
        .nest("/docs", docs)
        .route("/page", get(page))
        .route("/own", get(own_view))
        .route("/admin", get(admin))
        .route("/fresh", get(fresh))
        .route("/delete", get(delete))
        .nest("/guarded", guarded)
        .layer(manager.build().expect("valid settings"))
        .with_state(state);
    Server::serve(router)
}

async fn login_as(app: &Server, id: &str, ua: &str) -> String {
    let r = app
        .send("POST", &format!("/login/{id}"), &[("user-agent", ua)])
        .await;
    r.cookie("session").expect("a session cookie")
}

#[tokio::test]
async fn global_handlers_take_state_and_keep_their_status() {
    let app = app();
    let r = app.send("GET", "/page?x=1", &[]).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a bare body stays a 401: {r:?}"
    );
    assert_eq!(r.body, "demo: log in to see /page?x=1");
    // A handler that chooses its status keeps it.
    let bob = login_as(&app, "bob", "A").await;
    let r = app
        .send("GET", "/fresh", &[("cookie", &bob), ("user-agent", "B")])
        .await;
    r.assert_redirect("/confirm");
    // Forbidden: the handler sees the user; a bare body stays a 403.
    let r = app
        .send("GET", "/admin", &[("cookie", &bob), ("user-agent", "A")])
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "sorry bob")
    );
}

#[tokio::test]
async fn a_routes_own_login_view_wins_over_the_global_handler() {
    let app = app();
    app.send("GET", "/own", &[])
        .await
        .assert_redirect("/own-login?next=%2Fown");
}

#[tokio::test]
async fn a_router_has_handlers_of_its_own() {
    let app = app();
    let r = app.send("GET", "/guarded/users", &[]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::IM_A_TEAPOT, "demo admin login")
    );
    let bob = login_as(&app, "bob", "A").await;
    let r = app
        .send(
            "GET",
            "/guarded/users",
            &[("cookie", &bob), ("user-agent", "A")],
        )
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "admins only, bob")
    );
    let admin = login_as(&app, "admin", "A").await;
    app.send(
        "GET",
        "/guarded/users",
        &[("cookie", &admin), ("user-agent", "A")],
    )
    .await
    .assert_ok("plain admin");
}

#[tokio::test]
async fn a_router_check_sees_the_user_and_the_requests_extractors() {
    let app = app();
    let bob = login_as(&app, "bob", "A").await;
    let admin = login_as(&app, "admin", "A").await;
    let as_ = |cookie: &str| {
        [
            ("cookie", cookie.to_owned()),
            ("user-agent", "A".to_owned()),
        ]
    };
    let send = |path: &'static str, who: [(&'static str, String); 2]| {
        let app = app.clone();
        async move {
            let headers: Vec<(&str, &str)> = who.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.send("GET", path, &headers).await
        }
    };
    send("/docs/2/edit", as_(&bob)).await.assert_ok("editing");
    send("/docs/1/edit", as_(&admin)).await.assert_ok("editing");
    // false: the forbidden handler answers, with the user it refused.
    let r = send("/docs/1/edit", as_(&bob)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "sorry bob")
    );
    // An extractor that fails answers with its own rejection.
    let r = send("/docs/abc/edit", as_(&bob)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    // Anonymous never reaches the check.
    let r = app.send("GET", "/docs/2/edit", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
}

#[tokio::test]
async fn a_permission_source_answers_for_the_user_type() {
    let app = app();
    let carol = login_as(&app, "carol", "A").await;
    app.send("GET", "/delete", &[("cookie", &carol), ("user-agent", "A")])
        .await
        .assert_ok("deleted by carol");
    let bob = login_as(&app, "bob", "A").await;
    let r = app
        .send("GET", "/delete", &[("cookie", &bob), ("user-agent", "A")])
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "sorry bob")
    );
    let broken = login_as(&app, "broken", "A").await;
    let r = app
        .send(
            "GET",
            "/delete",
            &[("cookie", &broken), ("user-agent", "A")],
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{r:?}");
    assert!(
        !r.body.contains("unreachable"),
        "details stay in the log: {r:?}"
    );
}
