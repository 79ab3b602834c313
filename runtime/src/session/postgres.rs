//! `PostgresStore`: sessions in PostgreSQL, for many processes that already share one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};

use crate::session::payload::SessionId;
use crate::session::sql::{Common, Dialect, sql_session_store};
use crate::session::store::{
    MOVED, Record, RecordKind, SaveMode, SessionStore, StoreError, StoreFuture, UserRecord,
};

/// Sessions in PostgreSQL, through a `sqlx` pool: one row per session, remember token and
/// moved marker in one table (`sesame_sessions`, see [`schema`](Self::schema)), indexed
/// by user (listing, revocation and the per-user cap use the index, never a scan) and by
/// expiry (expired rows are never read, and are deleted in small batches off the request
/// path).
///
/// A request that only reads its session costs one indexed `SELECT`; every write is one
/// statement (compare-and-swap for updates, see [`SaveMode::Replace`]), and a new
/// logged-in record a second one that applies the per-user cap. Each statement times out
/// after one second ([`with_timeout`](Self::with_timeout)): a database that is down
/// answers 503, and nobody is ever logged in on a stale read.
///
/// # Example
/// ```no_run
/// use axum_sesame::{Key, PostgresStore, SessionConfig};
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://app@localhost/app")?;
/// store.migrate().await?; // or put `store.schema()` in your migrations
/// let layer = SessionConfig::new(Key::from_env("SECRET_KEY")?)
///     .with_store(store)
///     .build()?;
/// # let _ = layer; Ok(()) }
/// # let _ = f();
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    common: Common,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options hold the password: not printed.
        f.debug_struct("PostgresStore")
            .field("table", &self.common.sql.table)
            .field("max_per_user", &self.common.max_per_user)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// A store on an existing pool (the app's own), table `sesame_sessions`. Build it
    /// with `test_before_acquire(false)`, as [`connect`](Self::connect) does, for one
    /// round trip per read.
    pub fn new(pool: PgPool) -> PostgresStore {
        PostgresStore {
            pool,
            common: Common::new(Dialect::Postgres, Duration::from_secs(1)),
        }
    }

    /// A store with its own pool for `url` (`postgres://user:password@host/db`), at most
    /// ten connections, connecting lazily: a server that is down now is reached once it
    /// is up.
    ///
    /// # Errors
    /// When the URL cannot be parsed. Must be called inside a Tokio runtime.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(1))
            // No ping before each lend (a read is one round trip; a dead connection's
            // read is sent once more), except for a connection idle for a while, which
            // a restart or a proxy may have closed.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(10) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_lazy(url)
            .map_err(crate::session::sql::err)?;
        Ok(PostgresStore::new(pool))
    }
}

sql_session_store!(PostgresStore, Postgres);
