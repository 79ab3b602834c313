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
//! `CLOCK_SKEW` (seconds, default 60) is how far a cookie's timestamps may lie in the
//! future (the fleet's clocks differ; refusals are logged at WARN);
//! `SESSION_STORE=memory|redis` keeps sessions on the server (the cookie then holds only
//! a signed id, and logout makes it useless) with `REDIS_URL` for Redis (build with
//! `--features redis`); `DATABASE_URL` (default `sqlite://demo.db`) is the users' SQLite
//! database, created and seeded on first start (two demo processes on one database and one
//! Redis are one app). `/sessions` lists the user's sessions and ends them. `/admin` and
//! `/admin/users` sit in a nested router guarded once for the `admin` role; `/api/me` and
//! `/api/users` in an API router, whose refusals are JSON. API clients (an
//! `Authorization` header, `fetch`/XHR, JSON first in `Accept`) get 401, never a redirect.
//!
//! Abuse bounds (SECURITY.md R40): every argon2 hash runs on one of 2 hashing threads, with
//! at most 64 requests waiting for one (past that, 503 with `Retry-After: 1`); after 10
//! failed logins (or reauths) for one email from one client address, that pair gets 429 with
//! `Retry-After` before any hashing until 15 minutes have passed (then one attempt per 15
//! minutes while it keeps failing);
//! the server disconnects a client that takes over 30 s to send its headers, and SIGTERM
//! or Ctrl-C stop accepting and finish the requests in flight. Logins, failed logins and
//! logouts are logged at INFO (target `demo::audit`) with the email and client address.
//! Logs go to stderr; stdout's first line is `demo listening on http://127.0.0.1:PORT`
//! (`PORT=0` picks a free port).
//!
//! ```text
//! curl -i -c jar -b jar -d 'email=foo@bar.tld&pw=secret&remember=on' localhost:3000/login
//! curl -b jar localhost:3000/protected                       # Logged in as: foo@bar.tld
//! curl -H 'Authorization: Bearer foo-token' localhost:3000/api/me
//! curl -i -H 'Accept: application/json' localhost:3000/protected   # 401
//! ```

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

/// The nested `/admin` and `/api` routers.
#[path = "demo_parts/areas.rs"]
mod areas;
/// The settings, from the environment.
#[path = "demo_parts/config.rs"]
mod config;
/// Argon2id behind a bounded queue.
#[path = "demo_parts/hashing.rs"]
mod hashing;
/// The HTML forms.
#[path = "demo_parts/pages.rs"]
mod pages;
/// The accept loop.
#[path = "demo_parts/serve.rs"]
mod serve;
/// `/sessions`: the user's sessions, and ending them.
#[path = "demo_parts/sessions.rs"]
mod sessions;
/// Ctrl-C or SIGTERM (shared with the `flask_migration` example).
#[path = "demo_parts/shutdown.rs"]
mod shutdown;
/// Failed-login throttling.
#[path = "demo_parts/throttle.rs"]
mod throttle;
/// The users, in SQLite.
#[path = "demo_parts/users.rs"]
mod users;

use axum_sesame::csrf::CrossOriginProtection;
use axum_sesame::{
    Auth, AuthUser, CurrentUser, LoginManager, MemoryStore, Session, SessionConfig, SessionStore,
    login_required, user_loader,
};
use config::HELP;
pub use config::{DemoConfig, StoreChoice};
use pages::{escape, flashes_html, login_form, reauth_form};
use serve::serve;
pub use throttle::{ClientAddr, LoginThrottle};
use throttle::{MAX_EMAIL_LEN, too_many_attempts, truncated};
pub use users::{Db, DbError, DemoUser};

/// The router's state.
#[derive(Clone, Debug)]
pub struct AppState {
    db: Db,
    throttle: LoginThrottle,
}

/// `GET /healthz`: 200 `ok` when the session store answers (always in cookie mode), 503
/// when it does not. Served outside the login manager: no session, no cookie.
async fn healthz(State(store): State<Option<Arc<dyn SessionStore>>>) -> Response {
    let Some(store) = store else {
        return "ok".into_response();
    };
    match store.ping().await {
        Ok(()) => "ok".into_response(),
        Err(error) => {
            tracing::warn!(target: "demo", %error, "health check: the session store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "session store unavailable").into_response()
        }
    }
}

impl FromRef<AppState> for LoginThrottle {
    fn from_ref(state: &AppState) -> LoginThrottle {
        state.throttle.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

#[user_loader]
async fn load_user(id: String, State(db): State<Db>) -> Result<Option<DemoUser>, DbError> {
    db.get(&id).await
}

/// An SQL store on `table` (or the default one), creating it on first use.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
fn sql_table<T: SqlTable>(store: T, table: Option<&str>) -> Result<T, String> {
    let store = match table {
        Some(table) => store.table(table)?,
        None => store,
    };
    Ok(store.auto_migrate())
}

/// What `sql_table` needs of both SQL stores.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
trait SqlTable: Sized {
    fn table(self, table: &str) -> Result<Self, String>;
    fn auto_migrate(self) -> Self;
}

#[cfg(feature = "postgres")]
impl SqlTable for axum_sesame::PostgresStore {
    fn table(self, table: &str) -> Result<Self, String> {
        self.with_table(table).map_err(|e| e.to_string())
    }
    fn auto_migrate(self) -> Self {
        self.with_auto_migrate()
    }
}

#[cfg(feature = "sqlite")]
impl SqlTable for axum_sesame::SqliteStore {
    fn table(self, table: &str) -> Result<Self, String> {
        self.with_table(table).map_err(|e| e.to_string())
    }
    fn auto_migrate(self) -> Self {
        self.with_auto_migrate()
    }
}

/// Builds the demo's router.
pub fn app(config: DemoConfig, db: Db) -> Result<Router, String> {
    let mut session = SessionConfig::new(config.key)
        .with_secure(config.secure_cookies)
        .with_clock_skew(config.clock_skew);
    // The store's handle for /healthz (a clone shares the store).
    let mut health: Option<Arc<dyn SessionStore>> = None;
    session = match &config.store {
        StoreChoice::Cookie => session,
        StoreChoice::Memory => {
            let store = MemoryStore::new();
            health = Some(Arc::new(store.clone()));
            session.with_store(store)
        }
        #[cfg(feature = "redis")]
        StoreChoice::Redis(url) => {
            let store = axum_sesame::RedisStore::connect(url).map_err(|e| e.to_string())?;
            let store = match &config.redis_prefix {
                Some(prefix) => store.with_prefix(prefix),
                None => store,
            };
            health = Some(Arc::new(store.clone()));
            session.with_store(store)
        }
        #[cfg(feature = "redis")]
        StoreChoice::RedisCluster(nodes) => {
            let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
            let store =
                axum_sesame::RedisStore::connect_cluster(&nodes).map_err(|e| e.to_string())?;
            let store = match &config.redis_prefix {
                Some(prefix) => store.with_prefix(prefix),
                None => store,
            };
            health = Some(Arc::new(store.clone()));
            session.with_store(store)
        }
        #[cfg(not(feature = "redis"))]
        StoreChoice::Redis(_) | StoreChoice::RedisCluster(_) => {
            return Err("SESSION_STORE=redis needs the `redis` feature: \
                        cargo run --features redis --example demo"
                .to_owned());
        }
        #[cfg(feature = "postgres")]
        StoreChoice::Postgres(url) => {
            let store = axum_sesame::PostgresStore::connect(url).map_err(|e| e.to_string())?;
            let store = sql_table(store, config.session_table.as_deref())?;
            health = Some(Arc::new(store.clone()));
            session.with_store(store)
        }
        #[cfg(not(feature = "postgres"))]
        StoreChoice::Postgres(_) => {
            return Err("SESSION_STORE=postgres needs the `postgres` feature: \
                        cargo run --features postgres --example demo"
                .to_owned());
        }
        #[cfg(feature = "sqlite")]
        StoreChoice::Sqlite => {
            let store = axum_sesame::SqliteStore::connect(&config.database_url)
                .map_err(|e| e.to_string())?;
            let store = sql_table(store, config.session_table.as_deref())?;
            health = Some(Arc::new(store.clone()));
            session.with_store(store)
        }
        #[cfg(not(feature = "sqlite"))]
        StoreChoice::Sqlite => {
            return Err("SESSION_STORE=sqlite needs the `sqlite` feature: \
                        cargo run --features sqlite --example demo"
                .to_owned());
        }
    };
    if let Some(lifetime) = config.session_lifetime {
        // Sliding and absolute: no session outlives SESSION_LIFETIME since its login.
        session = session
            .with_permanent_lifetime(lifetime)
            .with_absolute_lifetime(lifetime);
    }
    let tokens = db.clone();
    let manager = LoginManager::with_session(session)
        .with_permanent_login(config.session_lifetime.is_some())
        .with_login_view("/login")
        .with_refresh_view("/reauth")
        .with_remember_duration(config.remember_duration)
        .with_bearer_loader(move |token: String| {
            let db = tokens.clone();
            async move {
                db.token_owner(&token).await.unwrap_or_else(|error| {
                    tracing::error!(target: "demo", %error, "API token lookup failed");
                    None
                })
            }
        });
    let state = AppState {
        db,
        throttle: LoginThrottle::new(),
    };
    // Cross-site POSTs are refused before anything else runs: no login work, no cookie.
    let mut protection = CrossOriginProtection::new();
    for origin in &config.trusted_origins {
        protection = protection
            .with_trusted_origin(origin)
            .map_err(|e| format!("TRUSTED_ORIGINS: {e}"))?;
    }
    let same_origin = || protection.clone().layer();
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
        .nest("/admin", areas::admin(state.clone()))
        .nest("/api", areas::api())
        .route("/logout", get(logout))
        .route("/sessions", get(sessions::sessions_page))
        .route(
            "/sessions/revoke",
            axum::routing::post(sessions::revoke_session).route_layer(same_origin()),
        )
        .route(
            "/sessions/revoke-others",
            axum::routing::post(sessions::revoke_other_sessions).route_layer(same_origin()),
        )
        .layer(manager.build().map_err(|e| e.to_string())?)
        .with_state(state)
        .route("/healthz", get(healthz).with_state(health)))
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

/// The audit log's name for an email as typed: cut short, and logged with `?` so that
/// control characters are escaped and cannot forge log lines.
fn typed(email: &str) -> &str {
    truncated(email, MAX_EMAIL_LEN)
}

async fn login(
    auth: Auth<DemoUser>,
    State(db): State<Db>,
    State(throttle): State<LoginThrottle>,
    client: ClientAddr,
    Form(f): Form<Pairs>,
) -> Response {
    let (email, pw) = (
        first(&f, "email").unwrap_or(""),
        first(&f, "pw").unwrap_or(""),
    );
    let next = first(&f, "next");
    // Throttled pairs are refused before any hashing.
    let attempt = match throttle.attempt(email, client.ip()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::info!(target: "demo::audit", email = ?typed(email), client = %client,
                "login refused: too many failed logins");
            return too_many_attempts(wait);
        }
    };
    let user = match db.check(email, pw).await {
        Ok(user) => user,
        Err(busy) => {
            throttle.refund(attempt);
            tracing::warn!(target: "demo::audit", email = ?typed(email), client = %client,
                "login refused: password checks are saturated");
            return busy.into_response();
        }
    };
    let Some(user) = user.filter(AuthUser::is_active) else {
        // The attempt keeps its cell: one failure counted.
        tracing::info!(target: "demo::audit", email = ?typed(email), client = %client,
            "login failed");
        return bad_login(next);
    };
    throttle.refund(attempt);
    if let Err(e) = auth
        .login_user(&user)
        .remember(truthy(first(&f, "remember")))
        .await
    {
        return e.into_response();
    }
    tracing::info!(target: "demo::audit", email = %user.email, client = %client, "login");
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
    State(throttle): State<LoginThrottle>,
    client: ClientAddr,
    Form(f): Form<Pairs>,
) -> Response {
    let next = first(&f, "next");
    let pw = first(&f, "pw").unwrap_or("");
    // A stolen session must not become a password-guessing oracle: the same throttle.
    let attempt = match throttle.attempt(&user.email, client.ip()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::info!(target: "demo::audit", email = %user.email, client = %client,
                "reauth refused: too many failed logins");
            return too_many_attempts(wait);
        }
    };
    let checked = match db.check(&user.email, pw).await {
        Ok(checked) => checked,
        Err(busy) => {
            throttle.refund(attempt);
            return busy.into_response();
        }
    };
    if checked.is_none() {
        // The attempt keeps its cell: one failure counted.
        tracing::info!(target: "demo::audit", email = %user.email, client = %client,
            "reauth failed");
        return (
            StatusCode::UNAUTHORIZED,
            Html(reauth_form(&[], next, Some("Bad login"))),
        )
            .into_response();
    }
    throttle.refund(attempt);
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
    let hash = match db.hash(new_pw).await {
        Ok(hash) => hash,
        Err(busy) => return busy.into_response(),
    };
    let Some(hash) = hash else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match db.set_password(&user.email, hash).await {
        Ok(Some(updated)) => {
            // This session goes on with the new hash; every other one ends.
            auth.update_session_auth_hash(&updated);
            "Password changed".into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(target: "demo", %error, "password update failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn logout(
    user: Option<CurrentUser<DemoUser>>,
    auth: Auth<DemoUser>,
    client: ClientAddr,
) -> &'static str {
    let email = user.as_ref().map_or("(anonymous)", |u| u.email.as_str());
    tracing::info!(target: "demo::audit", email = %email, client = %client, "logout");
    auth.logout_user();
    "Logged out"
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    // Logs go to stderr: stdout's first line is the address, for scripts and tests.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        );
    match std::env::var("LOG_FORMAT").as_deref() {
        // One JSON object per line, for log collectors.
        Ok("json") => logs.json().init(),
        Err(_) | Ok("text" | "") => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        Ok(other) => {
            eprintln!("error: LOG_FORMAT={other:?}: use `json` or `text`");
            return ExitCode::FAILURE;
        }
    }
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
    let db = match Db::open(&config.database_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
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
    serve(listener, router).await;
    ExitCode::SUCCESS
}
