//! What `#[login_required]` does at run time, one test per option: a real `Router` behind
//! the `LoginManager` layer, driven with `oneshot`, asserting status, `Location` and
//! `Set-Cookie`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum_sesame::{
    Auth, AuthUser, CurrentUser, Key, LoginManager, Session, login_required, user_loader,
};
use tower::ServiceExt;

/// The runtime under another path, for `crate = "…"`.
mod auth {
    pub(crate) use axum_sesame::*;
}

// ---------------------------------------------------------------------------------------
// An in-memory user store.

#[derive(Clone, Debug)]
struct User {
    name: &'static str,
    roles: &'static [&'static str],
    permissions: &'static [&'static str],
}

const USERS: &[User] = &[
    User {
        name: "alice",
        roles: &["admin"],
        permissions: &["posts:write"],
    },
    User {
        name: "bob",
        roles: &[],
        permissions: &[],
    },
    // Can log in, but the loader fails for it.
    User {
        name: "broken",
        roles: &[],
        permissions: &[],
    },
];

fn find(name: &str) -> Option<User> {
    USERS.iter().find(|u| u.name == name).cloned()
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.name.to_owned()
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.name.as_bytes()
    }
    fn has_role(&self, role: &str) -> bool {
        self.roles.contains(&role)
    }
    fn has_permission(&self, permission: &str) -> bool {
        self.permissions.contains(&permission)
    }
}

/// The router state: counts the user loader's calls.
#[derive(Clone, Default)]
struct AppState {
    loads: Loads,
}

#[derive(Clone, Default)]
struct Loads(Arc<AtomicUsize>);

impl FromRef<AppState> for Loads {
    fn from_ref(state: &AppState) -> Loads {
        state.loads.clone()
    }
}

#[user_loader]
async fn load_user(id: String, State(loads): State<Loads>) -> Result<Option<User>, String> {
    loads.0.fetch_add(1, Ordering::SeqCst);
    if id == "broken" {
        return Err("the user store is down".to_owned());
    }
    Ok(find(&id))
}

// ---------------------------------------------------------------------------------------
// Handlers, one per option.

#[login_required]
async fn plain(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.name)
}

#[login_required(fresh)]
async fn fresh(user: CurrentUser<User>) -> String {
    format!("Fresh: {}", user.name)
}

#[login_required(role = "admin")]
async fn admin(user: CurrentUser<User>) -> String {
    format!("Admin: {}", user.name)
}

#[login_required(permission = "posts:write")]
async fn write(user: CurrentUser<User>) -> String {
    format!("Writer: {}", user.name)
}

#[login_required(redirect = "/other-login")]
async fn other(user: CurrentUser<User>) -> String {
    format!("Other: {}", user.name)
}

/// No user argument: the user type is named.
#[login_required(User)]
async fn explicit() -> &'static str {
    "explicit"
}

#[login_required]
async fn maybe(user: Option<CurrentUser<User>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.name.to_owned())
}

#[login_required(crate = "crate::auth")]
async fn renamed(user: auth::CurrentUser<User>) -> String {
    format!("Renamed: {}", user.name)
}

struct Handlers;

impl Handlers {
    #[login_required]
    async fn page(user: CurrentUser<User>) -> String {
        format!("Associated: {}", user.name)
    }
}

async fn login(auth: Auth<User>, Path(name): Path<String>) -> StatusCode {
    let Some(user) = find(&name) else {
        return StatusCode::NOT_FOUND;
    };
    match auth.login_user(&user).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

async fn login_stale(auth: Auth<User>, Path(name): Path<String>) -> StatusCode {
    let Some(user) = find(&name) else {
        return StatusCode::NOT_FOUND;
    };
    match auth.login_user(&user).fresh(false).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

/// The flashed messages, as `category: message` lines.
async fn flashes(session: Session) -> String {
    session
        .take_flashes()
        .into_iter()
        .map(|f| format!("{}: {}", f.category, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------
// The app and a small client.

fn manager() -> LoginManager {
    LoginManager::new(Key::from_bytes(&[7u8; 32]))
        .with_login_view("/login")
        .with_refresh_view("/reauth")
}

fn app_with(manager: LoginManager) -> (Router, Loads) {
    let state = AppState::default();
    let loads = state.loads.clone();
    let router = Router::new()
        .route("/p", get(plain))
        .route("/fresh", get(fresh))
        .route("/admin", get(admin))
        .route("/write", get(write))
        .route("/other", get(other))
        .route("/explicit", get(explicit).options(explicit))
        .route("/maybe", get(maybe))
        .route("/renamed", get(renamed))
        .route("/assoc", get(Handlers::page))
        .route("/login/{name}", post(login))
        .route("/login-stale/{name}", post(login_stale))
        .route("/flashes", get(flashes))
        .layer(manager.build().unwrap())
        .with_state(state);
    (router, loads)
}

fn app() -> (Router, Loads) {
    app_with(manager())
}

async fn send(app: &Router, method: Method, uri: &str, headers: &[(&str, &str)]) -> Response {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn get_with(app: &Router, uri: &str, cookie: &str) -> Response {
    send(app, Method::GET, uri, &[("cookie", cookie)]).await
}

/// Logs `name` in through `route` and returns the `Cookie` header to send afterwards.
async fn log_in(app: &Router, route: &str, name: &str) -> String {
    let res = send(app, Method::POST, &format!("{route}/{name}"), &[]).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let cookie = cookies(res.headers()).join("; ");
    assert!(cookie.starts_with("session="), "{cookie}");
    cookie
}

/// `name=value` of every `Set-Cookie`.
fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| {
            let v = v.to_str().unwrap();
            v.split(';').next().unwrap().to_owned()
        })
        .collect()
}

fn location(res: &Response) -> Option<&str> {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap())
}

async fn body(res: Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

// ---------------------------------------------------------------------------------------
// Plain `#[login_required]`.

#[tokio::test]
async fn anonymous_browser_is_redirected_to_the_login_view_with_next_and_a_flash() {
    let (app, loads) = app();
    let res = send(&app, Method::GET, "/p?x=1", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Fp%3Fx%3D1"));
    // The flashed "Please log in" message lives in the session cookie.
    let set = cookies(res.headers());
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with("session="), "{set:?}");
    assert_eq!(loads.0.load(Ordering::SeqCst), 0);
    let res = get_with(&app, "/flashes", &set[0]).await;
    assert_eq!(
        body(res).await,
        "message: Please log in to access this page."
    );
}

#[tokio::test]
async fn anonymous_api_client_gets_401_without_location() {
    let (app, _) = app();
    let res = send(
        &app,
        Method::GET,
        "/p?x=1",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
}

#[tokio::test]
async fn logged_in_user_gets_the_page() {
    let (app, _) = app();
    let cookie = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/p?x=1", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
    assert_eq!(body(res).await, "Logged in as: alice");
}

#[tokio::test]
async fn loader_failure_is_a_500_without_details() {
    let (app, _) = app();
    let cookie = log_in(&app, "/login", "broken").await;
    let res = get_with(&app, "/p", &cookie).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body(res).await.contains("store is down"));
}

// ---------------------------------------------------------------------------------------
// `fresh`

#[tokio::test]
async fn fresh_route_sends_a_non_fresh_login_to_the_refresh_view() {
    let (app, _) = app();
    let cookie = log_in(&app, "/login-stale", "alice").await;
    let res = get_with(&app, "/fresh?x=1", &cookie).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/reauth?next=%2Ffresh%3Fx%3D1"));
    // The "Please reauthenticate" flash is written to the session, which stays logged in.
    let set = cookies(res.headers());
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with("session="), "{set:?}");
    let res = get_with(&app, "/flashes", &set[0]).await;
    assert_eq!(
        body(res).await,
        "message: Please reauthenticate to access this page."
    );
    let cookie = set[0].clone();

    // The same non-fresh login may use a plain route.
    let res = get_with(&app, "/p", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn fresh_route_admits_a_fresh_login() {
    let (app, _) = app();
    let cookie = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/fresh", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Fresh: alice");
}

#[tokio::test]
async fn fresh_route_redirects_anonymous_to_the_login_view() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/fresh", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Ffresh"));
}

// ---------------------------------------------------------------------------------------
// `role = "…"` and `permission = "…"`

#[tokio::test]
async fn role_present_is_200_and_absent_is_403() {
    let (app, _) = app();
    let alice = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/admin", &alice).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Admin: alice");

    let bob = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/admin", &bob).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
    // The response does not name the missing role.
    assert!(!body(res).await.contains("admin"));
}

#[tokio::test]
async fn role_route_redirects_anonymous_to_the_login_view() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/admin", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Fadmin"));
}

#[tokio::test]
async fn permission_present_is_200_and_absent_is_403() {
    let (app, _) = app();
    let alice = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/write", &alice).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Writer: alice");

    let bob = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/write", &bob).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
}

// ---------------------------------------------------------------------------------------
// `redirect = "/path"`

#[tokio::test]
async fn redirect_option_replaces_the_login_view() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/other?x=1", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res).unwrap();
    assert!(to.starts_with("/other-login?next="), "{to}");
    assert_eq!(to, "/other-login?next=%2Fother%3Fx%3D1");
    assert_eq!(cookies(res.headers()).len(), 1);

    // API clients still get a 401.
    let res = send(
        &app,
        Method::GET,
        "/other",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(location(&res), None);

    let cookie = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/other", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Other: bob");
}

// ---------------------------------------------------------------------------------------
// The user type named in the attribute, with no user argument.

#[tokio::test]
async fn explicit_user_type_guards_a_handler_without_user_argument() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/explicit", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Fexplicit"));

    let cookie = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/explicit", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "explicit");
}

// ---------------------------------------------------------------------------------------
// `crate = "path"`

#[tokio::test]
async fn crate_option_guards_like_the_default_path() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/renamed", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Frenamed"));

    let cookie = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/renamed", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Renamed: alice");
}

// ---------------------------------------------------------------------------------------
// Handler shapes.

#[tokio::test]
async fn associated_fn_handler_is_guarded() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/assoc", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Fassoc"));

    let cookie = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/assoc", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Associated: alice");
}

// ---------------------------------------------------------------------------------------
// The manager's exemptions.

#[tokio::test]
async fn options_requests_pass_the_guard_when_exempt() {
    // Guarded by default...
    let (app, _) = app();
    let res = send(&app, Method::OPTIONS, "/explicit", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // ...and let through when configured, like Flask-Login's EXEMPT_METHODS.
    let (app, loads) = app_with(manager().with_exempt_methods([Method::OPTIONS]));
    let res = send(&app, Method::OPTIONS, "/explicit", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
    assert_eq!(body(res).await, "explicit");
    // The exemption does not even look the user up.
    assert_eq!(loads.0.load(Ordering::SeqCst), 0);

    // GET on the same route is still guarded.
    let res = send(&app, Method::GET, "/explicit", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_disabled_lets_anonymous_requests_through() {
    let (app, _) = app_with(manager().with_login_disabled(true));
    let res = send(&app, Method::GET, "/explicit", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res), None);
    assert!(cookies(res.headers()).is_empty());
    assert_eq!(body(res).await, "explicit");

    // Roles are not checked either.
    let bob = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/admin", &bob).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "Admin: bob");

    // Only the guard is off: `CurrentUser<User>` itself still needs a user.
    let res = send(&app, Method::GET, "/p", &[("accept", "application/json")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------
// `Option<CurrentUser<User>>`

#[tokio::test]
async fn option_current_user_is_none_for_anonymous() {
    // With the guard off, the handler runs for anonymous requests and sees `None`.
    let (app, _) = app_with(manager().with_login_disabled(true));
    let res = send(&app, Method::GET, "/maybe", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "anonymous");

    let cookie = log_in(&app, "/login", "bob").await;
    let res = get_with(&app, "/maybe", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "bob");
}

#[tokio::test]
async fn option_current_user_route_is_still_guarded() {
    let (app, _) = app();
    let res = send(&app, Method::GET, "/maybe", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), Some("/login?next=%2Fmaybe"));

    let cookie = log_in(&app, "/login", "alice").await;
    let res = get_with(&app, "/maybe", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "alice");
}

// ---------------------------------------------------------------------------------------
// The user loader runs at most once per request.

#[tokio::test]
async fn loader_runs_once_per_request_for_guard_and_current_user() {
    let (app, loads) = app();
    let cookie = log_in(&app, "/login", "alice").await;
    assert_eq!(
        loads.0.load(Ordering::SeqCst),
        0,
        "login_user does not load"
    );

    // Guard + `CurrentUser<User>`.
    let res = get_with(&app, "/p", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(loads.0.swap(0, Ordering::SeqCst), 1);

    // Guard with a role + `CurrentUser<User>`.
    let res = get_with(&app, "/admin", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(loads.0.swap(0, Ordering::SeqCst), 1);

    // Guard + `Option<CurrentUser<User>>`.
    let res = get_with(&app, "/maybe", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(loads.0.swap(0, Ordering::SeqCst), 1);

    // Guard alone.
    let res = get_with(&app, "/explicit", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(loads.0.swap(0, Ordering::SeqCst), 1);
}
