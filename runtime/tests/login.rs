//! The login manager's settings, through a real `Router` (the demo's end-to-end tests
//! cover the common flows; these cover the options the demo does not use).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum_sesame::{
    Auth, AuthUser, ConfigError, CurrentUser, Key, KeyRing, LoginError, LoginManager,
    LoginManagerLayer, Session, SessionConfig, SessionLayer, SessionProtection, login_required,
    user_loader,
};
use axum_sesame_testkit::{Reply, call, request};

#[derive(Clone, Debug)]
struct User {
    id: String,
    hash: String,
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
        self.hash.as_bytes()
    }
}

#[derive(Clone, Default)]
struct Users {
    map: Arc<RwLock<HashMap<String, User>>>,
    loads: Arc<AtomicUsize>,
    fail: Arc<std::sync::atomic::AtomicBool>,
}

impl Users {
    fn with(ids: &[&str]) -> Users {
        let users = Users::default();
        for id in ids {
            users.put(User {
                id: (*id).to_owned(),
                hash: "h1".to_owned(),
                active: true,
            });
        }
        users
    }
    fn put(&self, u: User) {
        self.map.write().unwrap().insert(u.id.clone(), u);
    }
    fn get(&self, id: &str) -> Option<User> {
        self.map.read().unwrap().get(id).cloned()
    }
}

#[user_loader]
async fn load_user(id: String, State(users): State<Users>) -> Result<Option<User>, String> {
    users.loads.fetch_add(1, Ordering::SeqCst);
    if users.fail.load(Ordering::SeqCst) {
        return Err("database is down".to_owned());
    }
    Ok(users.get(&id))
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("user {}", user.id)
}

#[login_required(fresh)]
async fn fresh_only(user: CurrentUser<User>) -> String {
    format!("fresh {}", user.id)
}

async fn whoami(user: Option<CurrentUser<User>>, session: Session) -> String {
    format!(
        "{} data={:?}",
        user.map_or("anonymous".to_owned(), |u| u.id.clone()),
        session.get::<String>("data")
    )
}

async fn login_as(
    auth: Auth<User>,
    State(users): State<Users>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let Some(user) = users.get(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match auth.login_user(&user).remember(true).await {
        Ok(()) => "ok".into_response(),
        Err(e) => e.into_response(),
    }
}

async fn put_data(session: Session) -> &'static str {
    session.insert("data", "kept").unwrap();
    "stored"
}

fn routes() -> Router<Users> {
    Router::new()
        .route("/p", get(protected))
        .route("/fresh", get(fresh_only))
        .route("/whoami", get(whoami))
        .route("/login/{id}", post(login_as))
        .route("/data", get(put_data))
}

fn key() -> Key {
    Key::from_bytes(b"login test key login test key 1234")
}

fn app(users: &Users, manager: LoginManager) -> Router {
    routes()
        .layer(manager.build().unwrap())
        .with_state(users.clone())
}

async fn send<S>(app: &S, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply
where
    S: tower::Service<
            axum::http::Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone,
{
    call(app, request(method, path, headers)).await
}

async fn get_with(app: &Router, path: &str, cookie: &str) -> Reply {
    send(app, "GET", path, &[("cookie", cookie)]).await
}

#[tokio::test]
async fn missing_login_manager_is_a_500_naming_it() {
    let users = Users::with(&["a"]);
    for router in [
        routes().with_state(users.clone()),
        routes()
            .layer(SessionLayer::new(key()))
            .with_state(users.clone()),
    ] {
        let r = send(&router, "GET", "/whoami", &[]).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.body.contains("LoginManager"), "{}", r.body);
    }
}

#[tokio::test]
async fn layer_works_unbuilt_and_minted_cookies_log_in() {
    let users = Users::with(&["a"]);
    let built: LoginManagerLayer = LoginManager::new(key()).build().unwrap();
    let cookie = built
        .test_login(&users.get("a").unwrap())
        .await
        .unwrap()
        .header();
    // Another layer built from the same settings reads it.
    let router = routes()
        .layer(LoginManager::new(key()).build().unwrap())
        .with_state(users.clone());
    let r = get_with(&router, "/fresh", &cookie).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "fresh a"));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    // Without a login view, anonymous browsers get 401.
    let r = send(&router, "GET", "/p", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_router_wrapped_from_outside_behaves_as_a_layered_one() {
    let users = Users::with(&["a"]);
    let app = LoginManager::new(key())
        .with_login_view("/signin")
        .build()
        .unwrap()
        .wrap(routes().with_state(users.clone()));
    let r = send(&app, "GET", "/p?x=1", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/signin?next=%2Fp%3Fx%3D1"));
    let r = send(&app, "POST", "/login/a", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let cookie = r.cookie("session").expect("a session cookie");
    let r = send(&app, "GET", "/data", &[("cookie", &cookie)]).await;
    let cookie = r.cookie("session").expect("the session changed");
    let r = send(&app, "GET", "/p", &[("cookie", &cookie)]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "user a"));
    let r = send(&app, "GET", "/whoami", &[("cookie", &cookie)]).await;
    assert_eq!(r.body, r#"a data=Some("kept")"#);
    // Requests that match no route pass through untouched.
    let r = send(&app, "GET", "/nowhere", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.cookie("session").is_none() && r.headers.get(header::VARY).is_none());
    // A layer built first wraps the same way, and reads the same cookie.
    let built = LoginManager::new(key()).build().unwrap();
    let app = built.wrap(routes().with_state(users.clone()));
    let r = send(&app, "GET", "/p", &[("cookie", &cookie)]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "user a"));
}

#[tokio::test]
async fn user_is_loaded_once_per_request() {
    let users = Users::with(&["a"]);
    let layer = LoginManager::new(key()).build().unwrap();
    let cookie = layer
        .test_login(&users.get("a").unwrap())
        .await
        .unwrap()
        .header();
    let router = routes().layer(layer).with_state(users.clone());
    get_with(&router, "/p", &cookie).await;
    assert_eq!(
        users.loads.load(Ordering::SeqCst),
        1,
        "guard and CurrentUser share one load"
    );
}

#[tokio::test]
async fn invalid_settings_are_refused() {
    let bad_view = LoginManager::new(key()).with_login_view("javascript:alert(1)");
    assert_eq!(bad_view.build().unwrap_err(), ConfigError::InvalidView);
    // A view on another origin needs the public origin `next` is built on.
    let elsewhere = LoginManager::new(key()).with_login_view("https://auth.example/login");
    assert_eq!(elsewhere.build().unwrap_err(), ConfigError::ViewNeedsOrigin);
    let same_name = LoginManager::new(key()).with_remember_cookie_name("session");
    assert_eq!(
        same_name.build().unwrap_err(),
        ConfigError::InvalidCookieName
    );
    let zero = LoginManager::new(key()).with_remember_duration(Duration::ZERO);
    assert_eq!(zero.build().unwrap_err(), ConfigError::ZeroLifetime);
}

#[tokio::test]
async fn custom_unauthorized_and_needs_refresh_handlers_win() {
    let users = Users::with(&["a"]);
    let manager = LoginManager::new(key())
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .with_unauthorized_handler(|session: Session| async move {
            session.flash("custom");
            (StatusCode::IM_A_TEAPOT, "who are you?")
        })
        .with_needs_refresh_handler(|| async { (StatusCode::PRECONDITION_REQUIRED, "again") });
    let router = app(&users, manager);
    let r = send(&router, "GET", "/p", &[]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::IM_A_TEAPOT, "who are you?")
    );
    assert!(
        r.cookie("session").is_some(),
        "the handler's flash is saved"
    );
    let login = send(&router, "POST", "/login/a", &[]).await;
    let cookie = login.cookie("remember_token").unwrap();
    // Restored from the remember cookie: not fresh.
    let r = get_with(&router, "/fresh", &cookie).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::PRECONDITION_REQUIRED, "again")
    );
}

#[tokio::test]
async fn strong_protection_logs_out_on_a_new_client() {
    let users = Users::with(&["a"]);
    let router = app(
        &users,
        LoginManager::new(key()).with_session_protection(SessionProtection::Strong),
    );
    let login = send(&router, "POST", "/login/a", &[("user-agent", "A")]).await;
    let s = login.cookie("session").unwrap();
    let same = send(
        &router,
        "GET",
        "/whoami",
        &[("cookie", &s), ("user-agent", "A")],
    )
    .await;
    assert!(same.body.starts_with("a "), "{}", same.body);
    let other = send(
        &router,
        "GET",
        "/whoami",
        &[("cookie", &s), ("user-agent", "B")],
    )
    .await;
    assert!(other.body.starts_with("anonymous"), "{}", other.body);
    // Basic only marks it non-fresh; Off ignores it.
    for (mode, fresh_status) in [
        (SessionProtection::Basic, StatusCode::UNAUTHORIZED),
        (SessionProtection::Off, StatusCode::OK),
    ] {
        let router = app(
            &users,
            LoginManager::new(key()).with_session_protection(mode),
        );
        let login = send(&router, "POST", "/login/a", &[("user-agent", "A")]).await;
        let s = login.cookie("session").unwrap();
        let r = send(
            &router,
            "GET",
            "/fresh",
            &[("cookie", &s), ("user-agent", "B")],
        )
        .await;
        assert_eq!(r.status, fresh_status, "{mode:?}");
        let r = send(&router, "GET", "/p", &[("cookie", &s), ("user-agent", "B")]).await;
        assert_eq!(r.status, StatusCode::OK, "{mode:?}");
    }
}

#[tokio::test]
async fn header_loader_authenticates_without_cookies() {
    let users = Users::with(&["a"]);
    let router = app(
        &users,
        LoginManager::new(key()).with_header_loader(
            HeaderName::from_static("x-api-key"),
            |k: String| async move { (k == "key-a").then(|| "a".to_owned()) },
        ),
    );
    let r = send(&router, "GET", "/p", &[("x-api-key", "key-a")]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "user a"));
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    // Even when the handler writes to the session.
    let r = send(&router, "GET", "/data", &[("x-api-key", "key-a")]).await;
    assert_eq!(r.body, "stored");
    let r = send(&router, "GET", "/whoami", &[("x-api-key", "key-a")]).await;
    assert!(r.body.starts_with("a "));
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let r = send(&router, "GET", "/p", &[("x-api-key", "wrong")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn freshness_can_expire() {
    let users = Users::with(&["a"]);
    let now = Arc::new(AtomicU64::new(1_700_000_000));
    let clock = now.clone();
    let session = SessionConfig::new(key()).with_clock(move || clock.load(Ordering::SeqCst));
    let router = app(
        &users,
        LoginManager::with_session(session).with_fresh_for(Duration::from_secs(600)),
    );
    let s = send(&router, "POST", "/login/a", &[])
        .await
        .cookie("session")
        .unwrap();
    now.fetch_add(600, Ordering::SeqCst);
    assert_eq!(get_with(&router, "/fresh", &s).await.status, StatusCode::OK);
    now.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        get_with(&router, "/fresh", &s).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get_with(&router, "/p", &s).await.status, StatusCode::OK);
}

#[tokio::test]
async fn login_rotates_the_session_and_switching_users_drops_data() {
    let users = Users::with(&["a", "b"]);
    let router = app(&users, LoginManager::new(key()));
    let anon = send(&router, "GET", "/data", &[])
        .await
        .cookie("session")
        .unwrap();
    // Logging in keeps anonymous data but issues a new session.
    let a = send(&router, "POST", "/login/a", &[("cookie", &anon)]).await;
    let a_cookie = a.cookie("session").unwrap();
    assert_ne!(a_cookie, anon);
    assert_eq!(
        get_with(&router, "/whoami", &a_cookie).await.body,
        "a data=Some(\"kept\")"
    );
    // The pre-login cookie is still anonymous.
    assert!(
        get_with(&router, "/whoami", &anon)
            .await
            .body
            .starts_with("anonymous")
    );
    // Logging in as someone else starts from an empty session.
    let b = send(&router, "POST", "/login/b", &[("cookie", &a_cookie)]).await;
    let b_cookie = b.cookie("session").unwrap();
    assert_eq!(
        get_with(&router, "/whoami", &b_cookie).await.body,
        "b data=None"
    );
}

#[tokio::test]
async fn inactive_users_cannot_log_in_and_are_logged_out() {
    let users = Users::with(&["a"]);
    users.put(User {
        id: "off".to_owned(),
        hash: "h".to_owned(),
        active: false,
    });
    let router = app(&users, LoginManager::new(key()));
    let r = send(&router, "POST", "/login/off", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.cookie("session").is_none());

    let login = send(&router, "POST", "/login/a", &[]).await;
    let cookies = format!(
        "{}; {}",
        login.cookie("session").unwrap(),
        login.cookie("remember_token").unwrap()
    );
    users.put(User {
        id: "a".to_owned(),
        hash: "h1".to_owned(),
        active: false,
    });
    let r = get_with(&router, "/whoami", &cookies).await;
    assert!(r.body.starts_with("anonymous"), "{}", r.body);
    let set: Vec<_> = r.headers.get_all(header::SET_COOKIE).iter().collect();
    assert!(
        set.iter()
            .any(|c| c.to_str().unwrap().starts_with("remember_token=;")),
        "{set:?}"
    );
}

#[tokio::test]
async fn login_error_type_is_typed() {
    let e: LoginError = LoginError::Inactive;
    assert_eq!(e.into_response().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn loader_errors_are_500_and_logged_not_panics() {
    let users = Users::with(&["a"]);
    let router = app(&users, LoginManager::new(key()));
    let s = send(&router, "POST", "/login/a", &[])
        .await
        .cookie("session")
        .unwrap();
    users.fail.store(true, Ordering::SeqCst);
    let r = get_with(&router, "/p", &s).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.body.contains("database"), "details stay in the log");
}

#[tokio::test]
async fn auth_hashes_survive_key_rotation() {
    let users = Users::with(&["a"]);
    let old = Key::from_bytes(&[1; 32]);
    let new = Key::from_bytes(&[2; 32]);
    let before = app(&users, LoginManager::new(old.clone()));
    let s = send(&before, "POST", "/login/a", &[])
        .await
        .cookie("session")
        .unwrap();
    let ring = KeyRing::new(new.clone()).with_fallback(old).unwrap();
    let after = app(&users, LoginManager::new(ring));
    let r = get_with(&after, "/p", &s).await;
    assert_eq!(r.body, "user a");
    let reissued = r.cookie("session").expect("re-issued under the new key");
    let only_new = app(&users, LoginManager::new(new));
    assert_eq!(get_with(&only_new, "/p", &reissued).await.body, "user a");
}

#[tokio::test]
async fn remember_cookie_can_refresh_on_each_request() {
    let users = Users::with(&["a"]);
    let now = Arc::new(AtomicU64::new(1_700_000_000));
    let clock = now.clone();
    let session = SessionConfig::new(key()).with_clock(move || clock.load(Ordering::SeqCst));
    let router = app(
        &users,
        LoginManager::with_session(session)
            .with_remember_duration(Duration::from_secs(100))
            .with_remember_refresh_each_request(true),
    );
    let login = send(&router, "POST", "/login/a", &[]).await;
    let s = login.cookie("session").unwrap();
    let rem = login.cookie("remember_token").unwrap();
    now.fetch_add(90, Ordering::SeqCst);
    let r = get_with(&router, "/p", &format!("{s}; {rem}")).await;
    let rem2 = r.cookie("remember_token").expect("refreshed");
    now.fetch_add(90, Ordering::SeqCst);
    // The old one has expired (180 s > 100 s); the refreshed one (90 s old) works.
    assert!(
        get_with(&router, "/whoami", &rem)
            .await
            .body
            .starts_with("anonymous")
    );
    assert!(
        get_with(&router, "/whoami", &rem2)
            .await
            .body
            .starts_with("a ")
    );
}

#[tokio::test]
async fn disabled_login_lets_guards_through() {
    let users = Users::with(&["a"]);
    async fn open_page() -> &'static str {
        "open"
    }
    #[login_required(User)]
    async fn guarded() -> &'static str {
        "guarded"
    }
    let router = Router::new()
        .route("/g", get(guarded))
        .route("/o", get(open_page))
        .layer(
            LoginManager::new(key())
                .with_login_disabled(true)
                .build()
                .unwrap(),
        )
        .with_state(users);
    let r = send(&router, "GET", "/g", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "guarded"));
}

#[tokio::test]
async fn json_clients_get_401_and_browsers_a_redirect() {
    let users = Users::with(&["a"]);
    let router = app(&users, LoginManager::new(key()).with_login_view("/login"));
    let r = send(&router, "GET", "/p?a=%2F&b", &[("accept", "text/html")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login?next=%2Fp%3Fa%3D%252F%26b"));
    let r = send(&router, "GET", "/p", &[("accept", "application/json")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.location().is_none());
}

#[tokio::test]
async fn responses_that_set_auth_cookies_are_never_cacheable() {
    async fn cached_login(auth: Auth<User>, State(users): State<Users>) -> impl IntoResponse {
        auth.login_user(&users.get("a").unwrap()).await.unwrap();
        ([(header::CACHE_CONTROL, "public, max-age=3600")], "in")
    }
    async fn cached_page(user: CurrentUser<User>) -> impl IntoResponse {
        (
            [(header::CACHE_CONTROL, "private, max-age=60")],
            user.id.clone(),
        )
    }
    let users = Users::with(&["a"]);
    let router = Router::new()
        .route("/cached-login", post(cached_login))
        .route("/page", get(cached_page))
        .layer(LoginManager::new(key()).build().unwrap())
        .with_state(users);
    let r = send(&router, "POST", "/cached-login", &[]).await;
    assert!(r.cookie("session").is_some());
    assert_eq!(
        r.headers[header::CACHE_CONTROL],
        "no-store",
        "the handler's public caching is overridden"
    );
    // A logged-in page without cookies keeps the handler's explicit (private) choice.
    let r = get_with(&router, "/page", &r.cookie("session").unwrap()).await;
    assert_eq!(r.body, "a");
    assert_eq!(r.headers[header::CACHE_CONTROL], "private, max-age=60");
}

/// A login view on another origin (Flask owns /login during a migration): accepted at
/// build, with `next` an absolute URL on the configured public origin, never on `Host`.
#[tokio::test]
async fn a_login_view_on_another_origin_gets_an_absolute_next() {
    let users = Users::with(&["a"]);
    let router = routes()
        .layer(
            LoginManager::new(key())
                .with_login_view("http://127.0.0.1:5000/login")
                .with_public_origin("https://app.example.com/")
                .build()
                .unwrap(),
        )
        .with_state(users);
    for host in [None, Some("evil.example")] {
        let mut headers = vec![("accept", "text/html")];
        if let Some(h) = host {
            headers.push(("host", h));
        }
        let r = send(&router, "GET", "/p?x=1", &headers).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            r.location(),
            Some("http://127.0.0.1:5000/login?next=https%3A%2F%2Fapp.example.com%2Fp%3Fx%3D1")
        );
    }
    // Errors at build, never a panic while serving.
    let build = |view: &str, origin: Option<&str>| {
        let mut m = LoginManager::new(key()).with_login_view(view);
        if let Some(o) = origin {
            m = m.with_public_origin(o);
        }
        m.build().err()
    };
    assert_eq!(
        build("http://127.0.0.1:5000/login", None),
        Some(ConfigError::ViewNeedsOrigin)
    );
    for bad in [
        "https://app.example.com/x",
        "ftp://app",
        "https://u:p@app",
        "app.example.com",
    ] {
        assert_eq!(
            build("http://127.0.0.1:5000/login", Some(bad)),
            Some(ConfigError::InvalidOrigin),
            "{bad}"
        );
    }
    for bad in [
        "javascript:alert(1)",
        "//evil.com/login",
        "https://u@evil.com/login",
        "login",
    ] {
        assert_eq!(
            build(bad, Some("https://app.example.com")),
            Some(ConfigError::InvalidView),
            "{bad}"
        );
    }
}
