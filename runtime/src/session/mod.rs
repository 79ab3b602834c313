//! Signed-cookie sessions with the Flask `session` API.
//!
//! Add a [`SessionLayer`] to the router, then take a [`Session`] in any handler:
//!
//! ```
//! use axum::{routing::get, Router};
//! use axum_sesame::{Key, Session, SessionLayer};
//!
//! async fn visits(session: Session) -> String {
//!     let n = session.get::<u64>("visits").unwrap_or(0) + 1;
//!     session.insert("visits", n).expect("a number always serializes");
//!     format!("Visits: {n}")
//! }
//!
//! let app: Router = Router::new()
//!     .route("/visits", get(visits))
//!     .layer(SessionLayer::new(Key::from_bytes(&[7u8; 32])));
//! # let _ = app;
//! ```

pub(crate) mod compact;
pub(crate) mod config;
pub(crate) mod config_error;
pub(crate) mod cookie_header;
pub(crate) mod cookie_settings;
pub(crate) mod extras;
pub(crate) mod failure;
pub(crate) mod fingerprint;
pub(crate) mod finish;
#[cfg(feature = "flask")]
pub(crate) mod flask_csrf;
#[cfg(feature = "flask")]
pub(crate) mod flask_mode;
#[cfg(all(feature = "flask", feature = "redis"))]
pub(crate) mod flask_sid;
#[cfg(all(feature = "flask", feature = "redis"))]
pub(crate) mod flask_store;
pub(crate) mod format;
mod handle;
pub(crate) mod incoming;
pub(crate) mod layer;
pub(crate) mod lifetimes;
pub(crate) mod memo;
mod memory;
pub(crate) mod merge;
pub(crate) mod payload;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod record;
#[cfg(feature = "redis")]
pub(crate) mod redis;
#[cfg(feature = "redis")]
pub(crate) mod redis_cluster;
#[cfg(feature = "redis")]
pub(crate) mod redis_record;
mod rejection;
pub(crate) mod settings;
pub(crate) mod slot;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
pub(crate) mod state;
pub(crate) mod store;
pub(crate) mod store_op;

pub use self::config::SessionConfig;
pub use self::config_error::ConfigError;
pub use self::cookie_settings::SameSite;
pub use self::handle::{Flash, Session};
pub use self::layer::{SessionLayer, SessionResponseFuture, SessionService};
pub use self::memory::MemoryStore;
pub use self::payload::SessionId;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
pub use self::rejection::{MissingSessionLayer, SessionError, SessionRejection, StoreUnavailable};
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteStore;
pub use self::store::{
    DEFAULT_MAX_PER_USER, Record, RecordKind, SaveMode, SessionStore, StoreError, StoreFuture,
    UserRecord,
};
