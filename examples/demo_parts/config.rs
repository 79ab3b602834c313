//! The demo's settings, read from the environment, and what `demo --help` prints.

use std::time::Duration;

use axum_sesame::KeyRing;

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
    /// `SESSION_STORE` (`cookie`, the default, `memory`, `redis` with `REDIS_URL` or
    /// `REDIS_CLUSTER_NODES`, `postgres` with `POSTGRES_URL`, or `sqlite`).
    pub store: StoreChoice,
    /// `DATABASE_URL`: the users' SQLite database (default `sqlite://demo.db`).
    pub database_url: String,
    /// The Redis key prefix (`sesame:`; tests give each run its own).
    pub redis_prefix: Option<String>,
    /// The SQL stores' table (`sesame_sessions`; tests give each run its own).
    pub session_table: Option<String>,
    /// `TRUSTED_ORIGINS`: other origins whose POSTs are accepted (`https://auth.example.com`).
    pub trusted_origins: Vec<String>,
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
    /// In the Redis Cluster these nodes belong to (build with `--features redis`).
    RedisCluster(Vec<String>),
    /// In PostgreSQL at this URL (build with `--features postgres`).
    Postgres(String),
    /// In the users' SQLite database (`DATABASE_URL`): sessions survive a restart (build
    /// with `--features sqlite`).
    Sqlite,
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
            session_table: None,
            trusted_origins: Vec::new(),
        }
    }

    /// Reads `SECRET_KEY`, `SECRET_KEY_FALLBACKS`, `SESSION_LIFETIME`, `REMEMBER_DURATION`,
    /// `SECURE_COOKIES`, `CLOCK_SKEW`, `SESSION_STORE`, `REDIS_URL`, `DATABASE_URL` and
    /// `TRUSTED_ORIGINS`.
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
        if let Ok(v) = std::env::var("TRUSTED_ORIGINS") {
            config.trusted_origins = v
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
        }
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
            Ok("redis") => match std::env::var("REDIS_CLUSTER_NODES") {
                Ok(nodes) => StoreChoice::RedisCluster(
                    nodes.split(',').map(|n| n.trim().to_owned()).collect(),
                ),
                Err(_) => StoreChoice::Redis(
                    std::env::var("REDIS_URL")
                        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()),
                ),
            },
            Ok("postgres") => {
                StoreChoice::Postgres(std::env::var("POSTGRES_URL").map_err(|_| {
                    "SESSION_STORE=postgres needs POSTGRES_URL (postgres://user:password@host/db)"
                        .to_owned()
                })?)
            }
            Ok("sqlite") => StoreChoice::Sqlite,
            Ok(other) => {
                return Err(format!(
                    "SESSION_STORE={other:?}: use `cookie`, `memory`, `redis`, `postgres` or `sqlite`"
                ));
            }
        };
        Ok(config)
    }
}

/// What `demo --help` prints: the settings, read from the environment.
pub(crate) const HELP: &str = "\
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
  TRUSTED_ORIGINS       comma-separated origins (https://auth.example.com) whose POSTs are
                        accepted beside this one's
  CLOCK_SKEW            seconds a cookie's timestamps may lie in the future (default 60;
                        refusals are logged at WARN); keep the fleet's clocks in sync
  SESSION_STORE         cookie (default), memory, redis (with REDIS_URL; --features redis),
                        postgres (with POSTGRES_URL; --features postgres) or sqlite (in
                        the DATABASE_URL database, kept across restarts; --features sqlite)
  REDIS_URL             redis://host:port[/db] (default redis://127.0.0.1:6379)
  REDIS_CLUSTER_NODES   redis://host:port,... : SESSION_STORE=redis on a Redis Cluster
  POSTGRES_URL          postgres://user:password@host/db (SESSION_STORE=postgres)
  DATABASE_URL          the users' SQLite database (default sqlite://demo.db; created and seeded)
  RUST_LOG              log filter (default info); logs go to stderr
  LOG_FORMAT            text (default; no colour codes off a terminal) or json (one
                        object per line)

Routes for operators: GET /healthz answers 200 when the session store does (503 if not).
";
