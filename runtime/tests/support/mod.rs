//! The store-mode test app and its client, shared by `stores.rs` and `store_mode.rs`: the
//! router served by `axum::serve` on a loopback port, every request real HTTP (through
//! `axum_sesame_testkit`).
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum_sesame::codec::Codec;
use axum_sesame::key::Purpose;
use axum_sesame::store::SessionId;
use axum_sesame::{
    Auth, AuthUser, CurrentUser, Key, LoginManager, Session, SessionConfig, SessionStore,
    user_loader,
};
use tokio::sync::{Barrier, Notify};

pub use axum_sesame_testkit::{Reply, Server};

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    /// Feeds the session auth hash: changing it ends the user's other sessions.
    pub hash: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.hash.as_bytes()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub users: Arc<RwLock<HashMap<String, User>>>,
    pub loaded: Arc<Notify>,
    pub release: Arc<Notify>,
    /// The concurrent writers wait here after loading, so they all start from one record.
    pub writers: Arc<Barrier>,
}

/// How many requests `/set` and `/flash` wait for at the barrier.
pub const WRITERS: usize = 40;

impl Default for AppState {
    fn default() -> Self {
        AppState {
            users: Arc::default(),
            loaded: Arc::default(),
            release: Arc::default(),
            writers: Arc::new(Barrier::new(WRITERS)),
        }
    }
}

#[user_loader]
async fn load_user(id: String, State(state): State<AppState>) -> Option<User> {
    state.users.read().unwrap().get(&id).cloned()
}

fn user(state: &AppState, id: String) -> User {
    let mut users = state.users.write().unwrap();
    users
        .entry(id.clone())
        .or_insert(User {
            id,
            hash: "hash".to_owned(),
        })
        .clone()
}

async fn login(
    auth: Auth<User>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> axum::response::Response {
    let user = user(&state, id);
    match auth.login_user(&user).await {
        Ok(()) => "ok".into_response(),
        Err(e) => e.into_response(),
    }
}

async fn login_remembered(
    auth: Auth<User>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> axum::response::Response {
    let user = user(&state, id);
    match auth.login_user(&user).remember(true).await {
        Ok(()) => "ok".into_response(),
        Err(e) => e.into_response(),
    }
}

/// Changes the user's auth hash (a password change elsewhere).
async fn rehash(State(state): State<AppState>, Path(id): Path<String>) -> &'static str {
    if let Some(u) = state.users.write().unwrap().get_mut(&id) {
        u.hash.push('!');
    }
    "rehashed"
}

/// Re-authentication: the session moves to a new id.
async fn confirm(auth: Auth<User>) -> &'static str {
    auth.confirm_login();
    "confirmed"
}

async fn logout(auth: Auth<User>) -> &'static str {
    auth.logout_user();
    "Logged out"
}

async fn whoami(user: Option<CurrentUser<User>>, session: Session) -> String {
    format!(
        "{} {:?}",
        user.map_or("anonymous".to_owned(), |u| u.id.clone()),
        session.get::<String>("data")
    )
}

#[axum_sesame::login_required]
async fn protected(user: CurrentUser<User>) -> String {
    user.id.clone()
}

async fn data(session: Session) -> &'static str {
    session.insert("data", "d").unwrap();
    "stored"
}

/// Loads the session, waits for the test, then writes to it.
async fn slow_write(session: Session, State(state): State<AppState>) -> &'static str {
    state.loaded.notify_one();
    state.release.notified().await;
    session.insert("late", 1).unwrap();
    "late write"
}

/// One of [`WRITERS`] concurrent writers: sets key `k`.
async fn set_key(
    session: Session,
    State(state): State<AppState>,
    Path(k): Path<String>,
) -> &'static str {
    state.writers.wait().await;
    session.insert(k, true).unwrap();
    "set"
}

/// One of [`WRITERS`] concurrent writers: flashes `m`.
async fn flash(
    session: Session,
    State(state): State<AppState>,
    Path(m): Path<String>,
) -> &'static str {
    state.writers.wait().await;
    session.flash(m);
    "flashed"
}

/// The session's keys, then its flashes (taken), one per line.
async fn keys(session: Session) -> String {
    let mut keys = session.keys();
    keys.sort();
    let flashes: Vec<String> = session
        .take_flashes()
        .into_iter()
        .map(|f| f.message)
        .collect();
    format!("{}\n{}", keys.join(","), flashes.join(","))
}

/// The user's sessions as JSON lines: `id current user_agent`.
#[axum_sesame::login_required(User)]
async fn sessions(auth: Auth<User>) -> axum::response::Response {
    match auth.sessions().await {
        Ok(list) => list
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}\n",
                    s.id,
                    s.current,
                    s.user_agent.as_deref().unwrap_or("-")
                )
            })
            .collect::<String>()
            .into_response(),
        Err(e) => e.into_response(),
    }
}

#[axum_sesame::login_required(User)]
async fn revoke(auth: Auth<User>, Path(id): Path<String>) -> axum::response::Response {
    match auth.revoke_session(&id).await {
        Ok(true) => "revoked".into_response(),
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => e.into_response(),
    }
}

#[axum_sesame::login_required(User)]
async fn revoke_others(auth: Auth<User>) -> axum::response::Response {
    match auth.revoke_other_sessions().await {
        Ok(n) => n.to_string().into_response(),
        Err(e) => e.into_response(),
    }
}

pub fn key() -> Key {
    Key::from_bytes(b"store suite key store suite key!!")
}

/// The test app, served on a loopback port, with its client.
pub type App = Server;

/// Serves `router` on a free loopback port (for as long as the test's runtime runs).
pub fn serve(router: Router) -> App {
    Server::serve(router)
}

pub fn app(store: impl SessionStore) -> (App, AppState) {
    app_with(store, |config| config)
}

/// [`app`] with more session settings (a clock, a skew, ...).
pub fn app_with(
    store: impl SessionStore,
    settings: impl FnOnce(SessionConfig) -> SessionConfig,
) -> (App, AppState) {
    let state = AppState::default();
    let manager = LoginManager::with_session(settings(SessionConfig::new(key()).with_store(store)))
        .with_login_view("/login");
    let router = Router::new()
        .route("/login/{id}", post(login))
        .route("/remember/{id}", post(login_remembered))
        .route("/rehash/{id}", post(rehash))
        .route("/logout", get(logout))
        .route("/confirm", post(confirm))
        .route("/whoami", get(whoami))
        .route("/data", get(data))
        .route("/slow", get(slow_write))
        .route("/protected", get(protected))
        .route("/set/{k}", get(set_key))
        .route("/flash/{m}", get(flash))
        .route("/keys", get(keys))
        .route("/sessions", get(sessions))
        .route("/revoke/{id}", post(revoke))
        .route("/revoke-others", post(revoke_others))
        .layer(manager.build().unwrap())
        .with_state(state.clone());
    (serve(router), state)
}

pub async fn send(app: &App, method: &str, path: &str, cookie: Option<&str>) -> Reply {
    send_as(app, method, path, cookie, None).await
}

/// [`send`] with a `User-Agent`.
pub async fn send_as(
    app: &App,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    user_agent: Option<&str>,
) -> Reply {
    let mut headers = Vec::new();
    if let Some(c) = cookie {
        headers.push(("cookie", c));
    }
    if let Some(ua) = user_agent {
        headers.push(("user-agent", ua));
    }
    app.send(method, path, &headers).await
}

/// The session id a store-mode cookie carries.
pub fn sid_of(cookie: &str) -> SessionId {
    let value = cookie.strip_prefix("session=").unwrap();
    let payload = Codec::new(key())
        .decode(Purpose::Session, "session", value.as_bytes())
        .unwrap()
        .payload;
    let bytes: [u8; 16] = payload
        .try_into()
        .expect("the cookie carries only the session id");
    SessionId::from_bytes(bytes)
}

pub fn signed_id_cookie(bytes: &[u8]) -> String {
    let v = Codec::new(key())
        .encode(Purpose::Session, "session", bytes)
        .unwrap();
    format!("session={v}")
}

/// The store at `REDIS_URL`, with a prefix of its own (`--features redis`).
#[cfg(feature = "redis")]
pub fn redis_store() -> axum_sesame::RedisStore {
    redis_store_with_prefix(&redis_prefix())
}

/// A fresh key prefix for one test.
pub fn redis_prefix() -> String {
    format!("test-{}:", SessionId::random().unwrap().to_base64())
}

#[cfg(feature = "redis")]
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "REDIS_URL is not set: start a Redis (e.g. `redis-server --port 6379`) and \
             export REDIS_URL=redis://127.0.0.1:6379, or run the tests without \
             `--features redis`"
        )
    })
}

#[cfg(feature = "redis")]
pub fn redis_store_with_prefix(prefix: &str) -> axum_sesame::RedisStore {
    redis_store_with_prefix_at(&redis_url(), prefix)
}

/// A store on the Redis at `url` under `prefix`.
#[cfg(feature = "redis")]
pub fn redis_store_with_prefix_at(url: &str, prefix: &str) -> axum_sesame::RedisStore {
    axum_sesame::RedisStore::connect(url)
        .unwrap()
        .with_prefix(prefix)
}

/// `POSTGRES_URL` (`--features postgres`).
#[cfg(feature = "postgres")]
pub fn postgres_url() -> String {
    std::env::var("POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "POSTGRES_URL is not set: start PostgreSQL and export \
             POSTGRES_URL=postgres://user:password@127.0.0.1/db (as .ci/run does), or run \
             the tests without `--features postgres`"
        )
    })
}

/// A store on the PostgreSQL at `POSTGRES_URL`, in a table of its own (`--features
/// postgres`).
#[cfg(feature = "postgres")]
pub async fn postgres_store() -> axum_sesame::PostgresStore {
    postgres_store_at(&postgres_url()).await
}

/// A store on the PostgreSQL at `url`, in a table of its own.
#[cfg(feature = "postgres")]
pub async fn postgres_store_at(url: &str) -> axum_sesame::PostgresStore {
    let store = axum_sesame::PostgresStore::connect(url)
        .unwrap()
        .with_table(&fresh_table())
        .unwrap();
    store
        .migrate()
        .await
        .expect("POSTGRES_URL is set but PostgreSQL cannot be reached");
    store
}

/// A store in a new SQLite file under the system's temporary directory (`--features
/// sqlite`).
#[cfg(feature = "sqlite")]
pub async fn sqlite_store() -> axum_sesame::SqliteStore {
    let path = std::env::temp_dir().join(format!("{}.db", fresh_table()));
    let store = axum_sesame::SqliteStore::connect(&format!("sqlite://{}", path.display())).unwrap();
    store.migrate().await.unwrap();
    store
}

/// A table name no other test uses.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub fn fresh_table() -> String {
    let id = SessionId::random().unwrap().to_base64();
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("sesame_test_{}", clean.to_ascii_lowercase())
}

/// `url` with its host and port replaced by `addr` (a proxy in front of the server).
pub fn via(url: &str, addr: std::net::SocketAddr) -> String {
    let mut url = url::Url::parse(url).expect("a valid server URL");
    url.set_host(Some(&addr.ip().to_string())).unwrap();
    url.set_port(Some(addr.port())).unwrap();
    url.to_string()
}

/// The server address of `url`.
pub fn server_addr(url: &str) -> std::net::SocketAddr {
    let url = url::Url::parse(url).expect("a valid server URL");
    let host = url.host_str().expect("a host");
    let port = url.port_or_known_default().or(match url.scheme() {
        "redis" => Some(6379),
        "postgres" | "postgresql" => Some(5432),
        _ => None,
    });
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port.expect("a port")))
        .expect("a resolvable host")
        .next()
        .expect("an address")
}

/// A store on the Redis Cluster at `REDIS_CLUSTER_NODES` (`url,url,...`), with a prefix
/// of its own (`--features redis`).
#[cfg(feature = "redis")]
pub fn redis_cluster_store() -> axum_sesame::RedisStore {
    let nodes = std::env::var("REDIS_CLUSTER_NODES").unwrap_or_else(|_| {
        panic!(
            "REDIS_CLUSTER_NODES is not set: start a Redis Cluster (three masters: \
             `redis-server --cluster-enabled yes` each, then `redis-cli --cluster create \
             ... --cluster-replicas 0`, as .ci/run does) and export \
             REDIS_CLUSTER_NODES=redis://127.0.0.1:7001,redis://127.0.0.1:7002,..., or run \
             the tests without `--features redis`"
        )
    });
    let nodes: Vec<&str> = nodes.split(',').map(str::trim).collect();
    axum_sesame::RedisStore::connect_cluster(&nodes)
        .unwrap()
        .with_prefix(&redis_prefix())
}
