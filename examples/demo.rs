//! The axum-sesame demo: Flask-Login's README app, and more, on axum.
//!
//! ```text
//! cargo run --example demo            # http://127.0.0.1:3000
//! ```
//!
//! Users (password `secret`): `foo@bar.tld` (admin, API token `foo-token`),
//! `bar@bar.tld` (token `bar-token`) and `inactive@bar.tld` (inactive).
//!
//! Environment: `PORT` (default 3000); `SECRET_KEY` (at least 32 bytes; without it a
//! public development key is used and a warning logged); `SESSION_LIFETIME` (seconds:
//! every login makes the session permanent with that lifetime, enforced on the server);
//! `REMEMBER_DURATION` (seconds, default 365 days); `SECURE_COOKIES=1` adds `Secure`;
//! `SESSION_STORE=memory|redis` keeps sessions on the server (the cookie then holds only
//! a signed id, and logout makes it useless) with `REDIS_URL` for Redis (build with
//! `--features redis`).
//!
//! ```text
//! curl -i -c jar -b jar -d 'email=foo@bar.tld&pw=secret&remember=on' localhost:3000/login
//! curl -b jar localhost:3000/protected                       # Logged in as: foo@bar.tld
//! curl -H 'Authorization: Bearer foo-token' localhost:3000/api/me
//! curl -i -H 'Accept: application/json' localhost:3000/protected   # 401
//! ```

use std::collections::HashMap;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use axum_sesame::{
    Auth, AuthUser, CurrentUser, Flash, Key, LoginManager, MemoryStore, SameOrigin, Session,
    SessionConfig, login_required, user_loader,
};

/// The demo's settings, normally read from the environment.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// The secret key.
    pub key: Key,
    /// `SESSION_LIFETIME`: logins make the session permanent with this lifetime.
    pub session_lifetime: Option<Duration>,
    /// `REMEMBER_DURATION`.
    pub remember_duration: Duration,
    /// `SECURE_COOKIES=1`.
    pub secure_cookies: bool,
    /// `SESSION_STORE` (`cookie`, the default, `memory` or `redis` with `REDIS_URL`).
    pub store: StoreChoice,
}

/// Where sessions live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    /// In the signed cookie (stateless).
    Cookie,
    /// In this process's memory: logout revokes the cookie.
    Memory,
    /// In Redis at this URL (build with `--features redis`).
    Redis(String),
}

impl DemoConfig {
    /// Defaults with `key`.
    pub fn new(key: Key) -> DemoConfig {
        DemoConfig {
            key,
            session_lifetime: None,
            remember_duration: Duration::from_secs(365 * 24 * 3600),
            secure_cookies: false,
            store: StoreChoice::Cookie,
        }
    }

    /// Reads `SECRET_KEY`, `SESSION_LIFETIME`, `REMEMBER_DURATION`, `SECURE_COOKIES`.
    pub fn from_env() -> Result<DemoConfig, String> {
        let key = Key::from_env_or_development("SECRET_KEY").map_err(|e| e.to_string())?;
        let secs = |var: &str| -> Result<Option<Duration>, String> {
            match std::env::var(var) {
                Ok(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(Duration::from_secs(n))),
                    _ => Err(format!("{var}={v:?} is not a positive number of seconds")),
                },
                Err(_) => Ok(None),
            }
        };
        let mut config = DemoConfig::new(key);
        config.session_lifetime = secs("SESSION_LIFETIME")?;
        if let Some(d) = secs("REMEMBER_DURATION")? {
            config.remember_duration = d;
        }
        config.secure_cookies = std::env::var("SECURE_COOKIES").is_ok_and(|v| v == "1");
        config.store = match std::env::var("SESSION_STORE").as_deref() {
            Err(_) | Ok("cookie") => StoreChoice::Cookie,
            Ok("memory") => StoreChoice::Memory,
            Ok("redis") => StoreChoice::Redis(
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()),
            ),
            Ok(other) => {
                return Err(format!(
                    "SESSION_STORE={other:?}: use `cookie`, `memory` or `redis`"
                ));
            }
        };
        Ok(config)
    }
}

/// A user of the in-memory store.
#[derive(Clone)]
pub struct DemoUser {
    /// The id.
    pub email: String,
    /// Argon2id PHC string.
    pw_hash: String,
    active: bool,
    roles: Vec<&'static str>,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password hash stays out of logs.
        f.debug_struct("DemoUser")
            .field("email", &self.email)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AuthUser for DemoUser {
    type Id = String;

    fn id(&self) -> String {
        self.email.clone()
    }

    fn is_active(&self) -> bool {
        self.active
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.pw_hash.as_bytes()
    }

    fn has_role(&self, role: &str) -> bool {
        self.roles.contains(&role)
    }
}

/// The in-memory user store, with the password hasher.
#[derive(Clone)]
pub struct Db {
    users: Arc<RwLock<HashMap<String, DemoUser>>>,
    tokens: Arc<HashMap<&'static str, &'static str>>,
    /// Verified against for unknown users, so they cost what a wrong password costs.
    dummy_hash: Arc<String>,
    /// Password verifications run, for the tests of uniform login cost.
    verifications: Arc<std::sync::atomic::AtomicUsize>,
}

/// Argon2id with a demo-sized cost (4 MiB, one pass): real hashing, quick start-up.
fn hasher() -> Argon2<'static> {
    let params = Params::new(4 * 1024, 1, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_password(pw: &str) -> Option<String> {
    hasher()
        .hash_password(pw.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| hasher().verify_password(pw.as_bytes(), &h).is_ok())
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// The three demo users.
    pub fn new() -> Option<Db> {
        let user = |email: &str, active, roles: Vec<&'static str>| {
            Some(DemoUser {
                email: email.to_owned(),
                pw_hash: hash_password("secret")?,
                active,
                roles,
            })
        };
        let users = [
            user("foo@bar.tld", true, vec!["admin"])?,
            user("bar@bar.tld", true, vec![])?,
            user("inactive@bar.tld", false, vec![])?,
        ];
        Some(Db {
            users: Arc::new(RwLock::new(
                users.into_iter().map(|u| (u.email.clone(), u)).collect(),
            )),
            tokens: Arc::new(HashMap::from([
                ("foo-token", "foo@bar.tld"),
                ("bar-token", "bar@bar.tld"),
            ])),
            dummy_hash: Arc::new(hash_password("not a password of anyone")?),
            verifications: Arc::default(),
        })
    }

    fn get(&self, email: &str) -> Option<DemoUser> {
        let users = self.users.read().unwrap_or_else(|e| e.into_inner());
        users.get(email).cloned()
    }

    /// The user with this email and password (active or not), in constant-ish time.
    async fn check(&self, email: &str, pw: &str) -> Option<DemoUser> {
        let user = self.get(email);
        let hash = user.as_ref().map_or_else(
            || self.dummy_hash.as_str().to_owned(),
            |u| u.pw_hash.clone(),
        );
        let pw = pw.to_owned();
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .unwrap_or(false);
        user.filter(|_| ok)
    }

    /// How many password verifications (argon2id) have run.
    pub fn verifications(&self) -> usize {
        self.verifications
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set_password(&self, email: &str, pw_hash: String) -> Option<DemoUser> {
        let mut users = self.users.write().unwrap_or_else(|e| e.into_inner());
        let user = users.get_mut(email)?;
        user.pw_hash = pw_hash;
        Some(user.clone())
    }
}

/// The router's state.
#[derive(Clone, Debug)]
pub struct AppState {
    db: Db,
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

#[user_loader]
async fn load_user(id: String, State(db): State<Db>) -> Option<DemoUser> {
    db.get(&id)
}

/// Builds the demo's router.
pub fn app(config: DemoConfig, db: Db) -> Result<Router, String> {
    let mut session = SessionConfig::new(config.key).with_secure(config.secure_cookies);
    session = match &config.store {
        StoreChoice::Cookie => session,
        StoreChoice::Memory => session.with_store(MemoryStore::new()),
        #[cfg(feature = "redis")]
        StoreChoice::Redis(url) => {
            session.with_store(axum_sesame::RedisStore::connect(url).map_err(|e| e.to_string())?)
        }
        #[cfg(not(feature = "redis"))]
        StoreChoice::Redis(_) => {
            return Err("SESSION_STORE=redis needs the `redis` feature: \
                        cargo run --features redis --example demo"
                .to_owned());
        }
    };
    if let Some(lifetime) = config.session_lifetime {
        // Sliding and absolute: no session outlives SESSION_LIFETIME since its login.
        session = session
            .with_permanent_lifetime(lifetime)
            .with_absolute_lifetime(lifetime);
    }
    let tokens = db.tokens.clone();
    let manager = LoginManager::with_session(session)
        .with_permanent_login(config.session_lifetime.is_some())
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .with_remember_duration(config.remember_duration)
        .with_bearer_loader(move |token: String| {
            let id = tokens.get(token.as_str()).map(|e| (*e).to_owned());
            async move { id }
        });
    // Cross-site POSTs are refused before anything else runs: no login work, no cookie.
    let same_origin = || axum::middleware::from_extractor::<SameOrigin>();
    Ok(Router::new()
        .route(
            "/login",
            get(login_page).post(login).route_layer(same_origin()),
        )
        .route("/protected", get(protected))
        .route("/settings", get(settings))
        .route(
            "/reauth",
            get(reauth_page).post(reauth).route_layer(same_origin()),
        )
        .route(
            "/password",
            axum::routing::post(change_password).route_layer(same_origin()),
        )
        .route("/admin", get(admin))
        .route("/api/me", get(api_me))
        .route("/logout", get(logout))
        .layer(manager.build().map_err(|e| e.to_string())?)
        .with_state(AppState { db }))
}

fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

fn flashes_html(flashes: &[Flash]) -> String {
    flashes
        .iter()
        .map(|f| {
            format!(
                "<p class=\"flash {}\">{}</p>\n",
                escape(&f.category),
                html_escape::encode_text(&f.message)
            )
        })
        .collect()
}

fn next_input(next: Option<&str>) -> String {
    next.map(|n| {
        format!(
            "<input type=\"hidden\" name=\"next\" value=\"{}\">\n",
            escape(n)
        )
    })
    .unwrap_or_default()
}

fn login_form(flashes: &[Flash], next: Option<&str>, error: Option<&str>) -> String {
    format!(
        "<!doctype html>\n<title>Log in</title>\n{}{}<form method=\"post\" action=\"/login\">\n\
         <input type=\"email\" name=\"email\" placeholder=\"email\">\n\
         <input type=\"password\" name=\"pw\" placeholder=\"password\">\n\
         <label><input type=\"checkbox\" name=\"remember\" value=\"on\"> Remember me</label>\n\
         {}<input type=\"submit\" value=\"Log in\">\n</form>\n",
        flashes_html(flashes),
        error
            .map(|e| format!("<p class=\"error\">{e}</p>\n"))
            .unwrap_or_default(),
        next_input(next),
    )
}

/// Query strings and forms as pairs: a repeated field takes its first value, as in Flask.
type Pairs = Vec<(String, String)>;

fn first<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn login_page(session: Session, Query(q): Query<Pairs>) -> Html<String> {
    Html(login_form(&session.take_flashes(), first(&q, "next"), None))
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        ["on", "1", "true", "yes"]
            .iter()
            .any(|t| v.eq_ignore_ascii_case(t))
    })
}

fn bad_login(next: Option<&str>) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Html(login_form(&[], next, Some("Bad login"))),
    )
        .into_response()
}

async fn login(auth: Auth<DemoUser>, State(db): State<Db>, Form(f): Form<Pairs>) -> Response {
    let (email, pw) = (
        first(&f, "email").unwrap_or(""),
        first(&f, "pw").unwrap_or(""),
    );
    let next = first(&f, "next");
    let Some(user) = db.check(email, pw).await.filter(|u| u.active) else {
        return bad_login(next);
    };
    if let Err(e) = auth
        .login_user(&user)
        .remember(truthy(first(&f, "remember")))
        .await
    {
        return e.into_response();
    }
    auth.redirect_to(next, "/protected")
}

#[login_required]
async fn protected(user: CurrentUser<DemoUser>) -> String {
    format!("Logged in as: {}", user.email)
}

#[login_required(fresh)]
async fn settings(user: CurrentUser<DemoUser>) -> String {
    format!("Settings for {}", user.email)
}

fn reauth_form(flashes: &[Flash], next: Option<&str>, error: Option<&str>) -> String {
    format!(
        "<!doctype html>\n<title>Confirm your password</title>\n{}{}\
         <form method=\"post\" action=\"/reauth\">\n\
         <input type=\"password\" name=\"pw\" placeholder=\"password\">\n\
         {}<input type=\"submit\" value=\"Confirm\">\n</form>\n",
        flashes_html(flashes),
        error
            .map(|e| format!("<p class=\"error\">{e}</p>\n"))
            .unwrap_or_default(),
        next_input(next),
    )
}

#[login_required(DemoUser)]
async fn reauth_page(session: Session, Query(q): Query<Pairs>) -> Html<String> {
    Html(reauth_form(
        &session.take_flashes(),
        first(&q, "next"),
        None,
    ))
}

#[login_required]
async fn reauth(
    user: CurrentUser<DemoUser>,
    auth: Auth<DemoUser>,
    State(db): State<Db>,
    Form(f): Form<Pairs>,
) -> Response {
    let next = first(&f, "next");
    let pw = first(&f, "pw").unwrap_or("");
    if db.check(&user.email, pw).await.is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            Html(reauth_form(&[], next, Some("Bad login"))),
        )
            .into_response();
    }
    auth.confirm_login();
    auth.redirect_to(next, "/settings")
}

#[login_required(fresh)]
async fn change_password(
    user: CurrentUser<DemoUser>,
    auth: Auth<DemoUser>,
    State(db): State<Db>,
    Form(f): Form<Pairs>,
) -> Response {
    let new_pw = first(&f, "new_pw").unwrap_or("").to_owned();
    if new_pw.is_empty() || new_pw.len() > 1024 {
        return (StatusCode::BAD_REQUEST, "new_pw must be 1 to 1024 bytes").into_response();
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&new_pw))
        .await
        .ok()
        .flatten();
    match hash.and_then(|h| db.set_password(&user.email, h)) {
        Some(updated) => {
            // This session goes on with the new hash; every other one ends.
            auth.update_session_auth_hash(&updated);
            "Password changed".into_response()
        }
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[login_required(role = "admin")]
async fn admin(user: CurrentUser<DemoUser>) -> String {
    format!("Admin: {}", user.email)
}

#[login_required]
async fn api_me(user: CurrentUser<DemoUser>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "email": user.email }))
}

async fn logout(auth: Auth<DemoUser>) -> &'static str {
    auth.logout_user();
    "Logged out"
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout's first line is the address, for scripts and tests.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port = match std::env::var("PORT").map(|p| p.parse::<u16>()) {
        Err(_) => 3000,
        Ok(Ok(port)) => port,
        Ok(Err(e)) => {
            eprintln!("error: PORT is not a port number: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = match DemoConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(db) = Db::new() else {
        eprintln!("error: could not hash the demo passwords");
        return ExitCode::FAILURE;
    };
    let router = match app(config, db) {
        Ok(router) => router,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("demo listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("error: server failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
