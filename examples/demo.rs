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
//! Redis are one app). `/sessions` lists the user's sessions and ends them.
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

use std::collections::HashMap;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};

/// Argon2id behind a bounded queue.
#[path = "demo_parts/hashing.rs"]
mod hashing;
/// `/sessions`: the user's sessions, and ending them.
#[path = "demo_parts/sessions.rs"]
mod sessions;
/// Ctrl-C or SIGTERM (shared with the `flask_migration` example).
#[path = "demo_parts/shutdown.rs"]
mod shutdown;
/// The users, in SQLite.
#[path = "demo_parts/users.rs"]
mod users;

use axum_sesame::{
    Auth, AuthUser, CurrentUser, Flash, KeyRing, LoginManager, MemoryStore, SameOrigin, Session,
    SessionConfig, SessionStore, login_required, user_loader,
};
pub use users::{Db, DbError, DemoUser};

/// The demo's settings, normally read from the environment.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// The secret key, with older keys still accepted (`SECRET_KEY_FALLBACKS`).
    pub key: KeyRing,
    /// `SESSION_LIFETIME`: logins make the session permanent with this lifetime.
    pub session_lifetime: Option<Duration>,
    /// `REMEMBER_DURATION`.
    pub remember_duration: Duration,
    /// `SECURE_COOKIES=1`.
    pub secure_cookies: bool,
    /// `CLOCK_SKEW`: how far a cookie's timestamps may lie in the future (default 60 s).
    pub clock_skew: Duration,
    /// `SESSION_STORE` (`cookie`, the default, `memory` or `redis` with `REDIS_URL`).
    pub store: StoreChoice,
    /// `DATABASE_URL`: the users' SQLite database (default `sqlite://demo.db`).
    pub database_url: String,
    /// The Redis key prefix (`sesame:`; tests give each run its own).
    pub redis_prefix: Option<String>,
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
    pub fn new(key: impl Into<KeyRing>) -> DemoConfig {
        DemoConfig {
            key: key.into(),
            session_lifetime: None,
            remember_duration: Duration::from_secs(365 * 24 * 3600),
            secure_cookies: false,
            clock_skew: Duration::from_secs(60),
            store: StoreChoice::Cookie,
            database_url: "sqlite://demo.db".to_owned(),
            redis_prefix: None,
        }
    }

    /// Reads `SECRET_KEY`, `SECRET_KEY_FALLBACKS`, `SESSION_LIFETIME`, `REMEMBER_DURATION`,
    /// `SECURE_COOKIES`, `CLOCK_SKEW`, `SESSION_STORE`, `REDIS_URL` and `DATABASE_URL`.
    pub fn from_env() -> Result<DemoConfig, String> {
        // The current key and, during a rotation, the old ones: cookies they signed are
        // accepted and re-issued under SECRET_KEY.
        let key = KeyRing::from_env_or_development("SECRET_KEY", "SECRET_KEY_FALLBACKS")
            .map_err(|e| e.to_string())?;
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
        if let Ok(url) = std::env::var("DATABASE_URL") {
            config.database_url = url;
        }
        if let Some(d) = secs("REMEMBER_DURATION")? {
            config.remember_duration = d;
        }
        config.secure_cookies = std::env::var("SECURE_COOKIES").is_ok_and(|v| v == "1");
        if let Ok(v) = std::env::var("CLOCK_SKEW") {
            // Zero is allowed: no tolerance at all.
            let secs = v
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("CLOCK_SKEW={v:?} is not a number of seconds"))?;
            config.clock_skew = Duration::from_secs(secs);
        }
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

/// Failed logins allowed per (email, client address) before 429.
const FAILURES_ALLOWED: u32 = 10;
/// The window those failures are counted in.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a pair's cells take to come back in full.
const FULL_REFILL: Duration = Duration::from_secs(15 * 60 * FAILURES_ALLOWED as u64);
/// At most this many (email, address) pairs are tracked, so a flood of made-up emails
/// cannot grow memory without bound (each entry is well under 1 KiB).
const MAX_TRACKED_PAIRS: usize = 50_000;
/// Emails are cut to this many bytes in throttle keys and logs.
const MAX_EMAIL_LEN: usize = 254;

/// `s` cut to at most `max` bytes, at a character boundary.
fn truncated(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Failed-login throttling per (lower-cased email, client IP), with `governor`'s GCRA:
/// a burst of [`FAILURES_ALLOWED`] failures, then one attempt back per [`FAILURE_WINDOW`]
/// (so after 10 quick failures the pair gets 429 until the window has passed, as
/// demo-spec.md says, and then one attempt per window while it keeps failing).
///
/// Every attempt takes a cell *before* its password is hashed, so parallel attempts
/// cannot all slip past the check; an attempt whose password turns out right (or that
/// never got hashed) gives its cell back, so only failures count. Governor has no way to
/// give a cell back (nor to test a key without taking one), so the limiter runs over our
/// own [`StateStore`](governor::state::StateStore), which can undo one cell and which
/// caps the tracked pairs at [`MAX_TRACKED_PAIRS`].
#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Arc<
        governor::RateLimiter<
            Pair,
            FailureStore,
            governor::clock::MonotonicClock,
            governor::middleware::NoOpMiddleware<std::time::Instant>,
        >,
    >,
    store: FailureStore,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle").finish_non_exhaustive()
    }
}

/// One throttled (email, address) pair.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Pair {
    email: String,
    ip: std::net::IpAddr,
}

impl Pair {
    fn new(email: &str, ip: std::net::IpAddr) -> Pair {
        Pair {
            email: truncated(email, MAX_EMAIL_LEN).to_lowercase(),
            ip,
        }
    }
}

/// Governor's state per pair (its theoretical arrival time), with when it was last written.
type PairStates = HashMap<Pair, (governor::nanos::Nanos, std::time::Instant)>;

/// The throttle's state store: shared by the limiter and [`LoginThrottle::refund`].
#[derive(Clone, Default)]
struct FailureStore(Arc<std::sync::Mutex<PairStates>>);

impl FailureStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, PairStates> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl governor::state::StateStore for FailureStore {
    type Key = Pair;

    fn measure_and_replace<T, F, E>(&self, key: &Pair, f: F) -> Result<T, E>
    where
        F: Fn(Option<governor::nanos::Nanos>) -> Result<(T, governor::nanos::Nanos), E>,
    {
        let mut pairs = self.lock();
        let (verdict, state) = f(pairs.get(key).map(|(state, _)| *state))?;
        let now = std::time::Instant::now();
        if pairs.len() >= MAX_TRACKED_PAIRS && !pairs.contains_key(key) {
            // A pair untouched until all its cells are back is as good as new: forget those; if that
            // frees nothing, forget the tenth written longest ago (in one pass, so a flood
            // costs one scan per MAX_TRACKED_PAIRS / 10 new pairs, not one per pair).
            pairs.retain(|_, (_, at)| now.duration_since(*at) < FULL_REFILL);
            if pairs.len() >= MAX_TRACKED_PAIRS {
                let mut written: Vec<std::time::Instant> =
                    pairs.values().map(|(_, at)| *at).collect();
                // `written` holds at least MAX_TRACKED_PAIRS (> 0) entries: `cut` is in range.
                let cut = written.len() / 10;
                let (_, newest_dropped, _) = written.select_nth_unstable(cut);
                let newest_dropped = *newest_dropped;
                pairs.retain(|_, (_, at)| *at > newest_dropped);
            }
        }
        pairs.insert(key.clone(), (state, now));
        Ok(verdict)
    }
}

/// An attempt that holds one of its pair's cells until it is known to have failed.
#[must_use]
struct Attempt {
    pair: Pair,
}

impl LoginThrottle {
    fn new() -> LoginThrottle {
        let quota = governor::Quota::with_period(FAILURE_WINDOW)
            .and_then(|q| Some(q.allow_burst(std::num::NonZeroU32::new(FAILURES_ALLOWED)?)))
            .unwrap_or_else(|| governor::Quota::per_minute(std::num::NonZeroU32::MIN));
        let store = FailureStore::default();
        LoginThrottle {
            limiter: Arc::new(governor::RateLimiter::new(
                quota,
                store.clone(),
                governor::clock::MonotonicClock,
            )),
            store,
        }
    }

    /// Takes a cell for one attempt of this pair; `Err(wait)` when they are used up: try
    /// again after `wait`.
    fn attempt(&self, email: &str, ip: std::net::IpAddr) -> Result<Attempt, Duration> {
        use governor::clock::Clock as _;
        let pair = Pair::new(email, ip);
        let now = governor::clock::MonotonicClock.now();
        match self.limiter.check_key(&pair) {
            Ok(()) => Ok(Attempt { pair }),
            Err(not_until) => Err(not_until.wait_time_from(now)),
        }
    }

    /// The attempt did not fail (right password, or never checked): its cell goes back.
    fn refund(&self, attempt: Attempt) {
        let period = FAILURE_WINDOW.as_nanos();
        let period = u64::try_from(period).unwrap_or(u64::MAX);
        if let Some((tat, _)) = self.store.lock().get_mut(&attempt.pair) {
            // GCRA took a cell by moving the arrival time one period on: move it back.
            *tat = governor::nanos::Nanos::new(tat.as_u64().saturating_sub(period));
        }
    }
}

/// 429 with `Retry-After` in whole seconds (at least 1).
fn too_many_attempts(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::RETRY_AFTER, secs.max(1).to_string())],
        "Too many failed logins, try again later",
    )
        .into_response()
}

/// The client's IP address, from the connection (`ConnectInfo`); `None` when the router
/// runs without one (in-process tests), which the throttle treats as one fixed address.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(Option<std::net::SocketAddr>);

impl ClientAddr {
    fn ip(self) -> std::net::IpAddr {
        self.0
            .map_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), |a| {
                a.ip()
            })
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(addr) => write!(f, "{}", addr.ip()),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

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
        .with_state(AppState {
            db,
            throttle: LoginThrottle::new(),
        })
        .route("/healthz", get(healthz).with_state(health)))
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

#[login_required(role = "admin")]
async fn admin(user: CurrentUser<DemoUser>) -> String {
    format!("Admin: {}", user.email)
}

#[login_required]
async fn api_me(user: CurrentUser<DemoUser>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "email": user.email }))
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

/// What `demo --help` prints: the settings, read from the environment.
const HELP: &str = "\
axum-sesame demo: Flask-Login's demo app on axum (see examples/demo.rs).

Usage: demo [--help]

Settings (environment variables):
  PORT                  port on 127.0.0.1 (default 3000; 0 picks a free one)
  SECRET_KEY            the signing key, at least 32 bytes (unset: a public development key)
  SECRET_KEY_FALLBACKS  older keys, comma-separated, still accepted and re-issued under
                        SECRET_KEY (a key rotation by rolling restart)
  SESSION_LIFETIME      seconds: every login makes the session permanent with this lifetime
  REMEMBER_DURATION     seconds a remember-me cookie lasts (default 365 days)
  SECURE_COOKIES=1      adds Secure to the cookies (behind HTTPS)
  CLOCK_SKEW            seconds a cookie's timestamps may lie in the future (default 60;
                        refusals are logged at WARN); keep the fleet's clocks in sync
  SESSION_STORE         cookie (default), memory, or redis (with REDIS_URL; --features redis)
  REDIS_URL             redis://host:port[/db] (default redis://127.0.0.1:6379)
  DATABASE_URL          the users' SQLite database (default sqlite://demo.db; created and seeded)
  RUST_LOG              log filter (default info); logs go to stderr
  LOG_FORMAT            text (default; no colour codes off a terminal) or json (one
                        object per line)

Routes for operators: GET /healthz answers 200 when the session store does (503 if not).
";

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

/// A client must send a request's headers within this time or be disconnected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for the requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves HTTP/1.1 until SIGTERM or Ctrl-C, then stops accepting and lets the requests in
/// flight finish. Each request carries its peer address as `ConnectInfo<SocketAddr>`.
async fn serve(listener: tokio::net::TcpListener, router: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown::shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, as axum does.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: axum::http::Request<_>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower_service::Service::call(&mut router.clone(), req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing the requests in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: connections still open after {SHUTDOWN_GRACE:?}, closing");
    }
}
