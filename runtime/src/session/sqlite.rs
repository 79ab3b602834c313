//! `SqliteStore`: sessions in an SQLite file, kept across restarts without a server.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};

use crate::session::payload::SessionId;
use crate::session::sql::{Common, Dialect, sql_session_store};
use crate::session::store::{
    MOVED, Record, RecordKind, SaveMode, SessionStore, StoreError, StoreFuture, UserRecord,
};

/// Sessions in an SQLite database, through a `sqlx` pool: the embedded server-side store,
/// so one machine keeps its sessions (and can list and revoke them) across restarts
/// without running anything else. The same table, statements and guarantees as
/// `PostgresStore`; several processes on one machine may share the file.
///
/// # Example
/// ```no_run
/// use axum_sesame::{Key, SessionConfig, SqliteStore};
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::connect("sqlite://sessions.db")?;
/// store.migrate().await?;
/// let layer = SessionConfig::new(Key::from_env("SECRET_KEY")?)
///     .with_store(store)
///     .build()?;
/// # let _ = layer; Ok(()) }
/// # let _ = f();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    common: Common,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("table", &self.common.sql.table)
            .field("max_per_user", &self.common.max_per_user)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// A store on an existing pool (the app's own), table `sesame_sessions`. Give the
    /// pool a `busy_timeout`, as [`connect`](Self::connect) does: writers wait for each
    /// other.
    pub fn new(pool: SqlitePool) -> SqliteStore {
        SqliteStore {
            pool,
            common: Common::new(Dialect::Sqlite, Duration::from_secs(2)),
        }
    }

    /// A store with its own pool on the database at `url` (`sqlite://path`, created
    /// when missing), in WAL mode (readers never wait for the writer), connecting
    /// lazily. Each statement may take two seconds, waiting for other writers included.
    ///
    /// # Errors
    /// When the URL cannot be parsed. Must be called inside a Tokio runtime.
    pub fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(crate::session::sql::err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_millis(1500));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(2))
            .test_before_acquire(false)
            .connect_lazy_with(options);
        Ok(SqliteStore::new(pool))
    }
}

sql_session_store!(SqliteStore, Sqlite);
