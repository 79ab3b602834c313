//! What `PostgresStore` and `SqliteStore` share: one table, the same statements (with each
//! database's placeholders), and one implementation of [`SessionStore`] written once for
//! both pools.
//!
//! The table (see [`Sql::schema`]): one row per session, remember token and moved marker,
//! with its kind, its user (for the per-user index) and its expiry in milliseconds since
//! the Unix epoch. Every read ignores expired rows, so expiry is enforced by the query, not
//! by a sweeper; expired rows are deleted in small batches by the expiry index, off the
//! request path.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::session::store::StoreError;

/// The default table name.
pub(crate) const DEFAULT_TABLE: &str = "sesame_sessions";

/// Every this many new records, a batch of expired rows is deleted (in a spawned task).
pub(crate) const CLEAN_EVERY: usize = 64;

/// The most expired rows one clean-up deletes (by the expiry index: never a full scan).
pub(crate) const CLEAN_BATCH: i64 = 500;

/// The two SQL dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(
        all(not(feature = "postgres"), not(test)),
        expect(dead_code, reason = "only `SqliteStore` is built")
    )]
    Postgres,
    #[cfg_attr(
        all(not(feature = "sqlite"), not(test)),
        expect(dead_code, reason = "only `PostgresStore` is built")
    )]
    Sqlite,
}

/// The statements of one store, for its table and dialect.
#[derive(Debug)]
pub(crate) struct Sql {
    pub(crate) table: String,
    pub(crate) dialect: Dialect,
    pub(crate) load: String,
    pub(crate) create: String,
    pub(crate) replace: String,
    pub(crate) trim: String,
    pub(crate) delete: String,
    pub(crate) mark_moved: String,
    pub(crate) delete_user: String,
    pub(crate) list_user: String,
    pub(crate) clean: String,
}

/// Whether `name` can be a table name as it is (`[A-Za-z_][A-Za-z0-9_]*`, at most 63
/// bytes): it is written into the statements, never quoted.
pub(crate) fn valid_table(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=63).contains(&b.len())
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

impl Sql {
    /// The statements for `table` (already validated) in `dialect`.
    pub(crate) fn new(table: &str, dialect: Dialect) -> Sql {
        let t = table;
        // A user's rows of one kind beyond the newest `max`, and its expired ones; never the
        // row just written. SQLite needs a LIMIT before an OFFSET.
        let all = match dialect {
            Dialect::Postgres => "",
            Dialect::Sqlite => "LIMIT -1",
        };
        let sql = |text: String| match dialect {
            Dialect::Postgres => text,
            // `?NNN` is SQLite's numbered parameter (`$NNN` would be a named one).
            Dialect::Sqlite => text.replace('$', "?"),
        };
        Sql {
            table: t.to_owned(),
            dialect,
            load: sql(format!(
                "SELECT data FROM {t} WHERE id = $1 AND expires_at > $2"
            )),
            // A live row with this id refuses; an expired one is replaced.
            create: sql(format!(
                "INSERT INTO {t} (id, data, kind, user_id, expires_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, kind = excluded.kind, \
                 user_id = excluded.user_id, expires_at = excluded.expires_at \
                 WHERE {t}.expires_at <= $6"
            )),
            replace: sql(format!(
                "UPDATE {t} SET data = $1, kind = $2, user_id = $3, expires_at = $4 \
                 WHERE id = $5 AND data = $6 AND expires_at > $7"
            )),
            trim: sql(format!(
                "DELETE FROM {t} WHERE user_id = $1 AND kind = $2 AND id <> $3 AND \
                 (expires_at <= $4 OR id IN (SELECT id FROM {t} WHERE user_id = $1 AND kind = $2 \
                 AND id <> $3 AND expires_at > $4 ORDER BY expires_at DESC {all} OFFSET $5))"
            )),
            delete: sql(format!("DELETE FROM {t} WHERE id = $1")),
            mark_moved: sql(format!(
                "INSERT INTO {t} (id, data, kind, user_id, expires_at) VALUES ($1, $2, 'm', NULL, $3) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, kind = 'm', user_id = NULL, \
                 expires_at = excluded.expires_at"
            )),
            delete_user: sql(format!(
                "DELETE FROM {t} WHERE user_id = $1 AND kind IN ('s', 'r') RETURNING expires_at"
            )),
            list_user: sql(format!(
                "SELECT id, kind, data FROM {t} WHERE user_id = $1 AND kind IN ('s', 'r') \
                 AND expires_at > $2 ORDER BY kind DESC, expires_at"
            )),
            clean: sql(format!(
                "DELETE FROM {t} WHERE id IN \
                 (SELECT id FROM {t} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)"
            )),
        }
    }

    /// The table and its indexes (idempotent): the per-user index serves listing,
    /// revocation and the cap, the expiry index the clean-up.
    pub(crate) fn schema(&self) -> String {
        let t = &self.table;
        let bytes = match self.dialect {
            Dialect::Postgres => "BYTEA",
            Dialect::Sqlite => "BLOB",
        };
        format!(
            "CREATE TABLE IF NOT EXISTS {t} (\n    \
             id TEXT PRIMARY KEY,\n    \
             data {bytes} NOT NULL,\n    \
             kind TEXT NOT NULL,\n    \
             user_id TEXT,\n    \
             expires_at BIGINT NOT NULL\n\
             );\n\
             CREATE INDEX IF NOT EXISTS {t}_user ON {t} (user_id, kind, expires_at) \
             WHERE user_id IS NOT NULL;\n\
             CREATE INDEX IF NOT EXISTS {t}_expiry ON {t} (expires_at);\n"
        )
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The expiry of a record written now to live `ttl`.
pub(crate) fn expiry(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// Wraps a database error.
pub(crate) fn err(e: sqlx::Error) -> StoreError {
    StoreError::new(e)
}

/// Runs `op`, failing after `limit`: a database that hangs answers 503 quickly.
pub(crate) async fn timed<T>(
    limit: Duration,
    op: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(limit, op).await {
        Ok(result) => result.map_err(err),
        Err(_) => Err(StoreError::new("the database did not answer in time")),
    }
}

/// [`timed`] for a read, sent once more when the connection turned out dead (the
/// database restarted, a proxy closed an idle connection): the pool does not ping a
/// connection before lending it, so a read costs one round trip, and the request that
/// finds a dead one is still served. Writes are never sent twice.
pub(crate) async fn read<T, F, Fut>(limit: Duration, op: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    match tokio::time::timeout(limit, op()).await {
        Ok(Err(sqlx::Error::Io(e))) => {
            tracing::debug!(
                target: "axum_sesame::store",
                error = %e,
                "database connection was dead; reading once more on another"
            );
            timed(limit, op()).await
        }
        Ok(result) => result.map_err(err),
        Err(_) => Err(StoreError::new("the database did not answer in time")),
    }
}

/// Counts new records; says when a clean-up is due.
#[derive(Debug, Default)]
pub(crate) struct CleanUp(AtomicUsize);

impl CleanUp {
    pub(crate) fn due(&self) -> bool {
        self.0.fetch_add(1, Ordering::Relaxed) % CLEAN_EVERY == CLEAN_EVERY - 1
    }
}

/// What both stores hold besides their pool.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub(crate) sql: Arc<Sql>,
    pub(crate) max_per_user: usize,
    pub(crate) timeout: Duration,
    pub(crate) clean_up: Arc<CleanUp>,
    /// Opt-in: the table is created on first use (set once it exists; a failure is
    /// retried by the next request).
    pub(crate) auto_migrate: Option<Arc<tokio::sync::OnceCell<()>>>,
}

impl Common {
    pub(crate) fn new(dialect: Dialect, timeout: Duration) -> Common {
        Common {
            sql: Arc::new(Sql::new(DEFAULT_TABLE, dialect)),
            max_per_user: crate::session::store::DEFAULT_MAX_PER_USER,
            timeout,
            clean_up: Arc::default(),
            auto_migrate: None,
        }
    }

    /// The same store on another table.
    pub(crate) fn with_table(mut self, table: &str) -> Result<Common, StoreError> {
        if !valid_table(table) {
            return Err(StoreError::new(format!(
                "table name {table:?} must be letters, digits and `_` (at most 63 bytes, not starting with a digit)"
            )));
        }
        self.sql = Arc::new(Sql::new(table, self.sql.dialect));
        Ok(self)
    }
}

/// Implements [`SessionStore`] for a store with a `pool` of database `$db` and a
/// `common: Common` field: the same code for PostgreSQL and SQLite.
macro_rules! sql_session_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// With [`with_auto_migrate`](Self::with_auto_migrate), creates the table
            /// before the first statement (once; a failure is retried next time).
            async fn ready(&self) -> Result<(), StoreError> {
                if let Some(once) = &self.common.auto_migrate {
                    once.get_or_try_init(|| self.migrate()).await?;
                }
                Ok(())
            }

            async fn trim(
                &self,
                id: &str,
                kind: &str,
                user: &str,
                now: i64,
            ) -> Result<(), sqlx::Error> {
                let keep = i64::try_from(self.common.max_per_user.saturating_sub(1))
                    .unwrap_or(i64::MAX);
                sqlx::query::<$db>(&self.common.sql.trim)
                    .bind(user)
                    .bind(kind)
                    .bind(id)
                    .bind(now)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            /// Deletes one batch of expired rows (by the expiry index); how many.
            async fn clean_batch(
                pool: &sqlx::Pool<$db>,
                sql: &$crate::session::sql::Sql,
            ) -> Result<u64, sqlx::Error> {
                Ok(sqlx::query::<$db>(&sql.clean)
                    .bind($crate::session::sql::now_ms())
                    .bind($crate::session::sql::CLEAN_BATCH)
                    .execute(pool)
                    .await?
                    .rows_affected())
            }

            /// Deletes a batch of expired rows in a spawned task.
            fn spawn_clean_up(&self) {
                let pool = self.pool.clone();
                let sql = self.common.sql.clone();
                tokio::spawn(async move {
                    if let Err(e) = Self::clean_batch(&pool, &sql).await {
                        tracing::warn!(
                            target: "axum_sesame::store",
                            error = %e,
                            "could not delete expired sessions"
                        );
                    }
                });
            }

            /// Deletes every expired row now (for a periodic job; the store also does it
            /// in small batches as it goes). Returns how many were deleted.
            ///
            /// # Errors
            /// When the database fails.
            pub async fn delete_expired(&self) -> Result<u64, StoreError> {
                let mut total = 0;
                loop {
                    let n = Self::clean_batch(&self.pool, &self.common.sql)
                        .await
                        .map_err($crate::session::sql::err)?;
                    total += n;
                    if n < $crate::session::sql::CLEAN_BATCH as u64 {
                        return Ok(total);
                    }
                }
            }

            /// The SQL that creates the table and its indexes, for the app's own
            /// migrations ([`migrate`](Self::migrate) runs it).
            pub fn schema(&self) -> String {
                self.common.sql.schema()
            }

            /// Creates the table and its indexes if they do not exist (idempotent; run it
            /// once at start, or put [`schema`](Self::schema) in your migrations).
            ///
            /// # Errors
            /// When the database fails.
            pub async fn migrate(&self) -> Result<(), StoreError> {
                sqlx::raw_sql(&self.common.sql.schema())
                    .execute(&self.pool)
                    .await
                    .map_err($crate::session::sql::err)?;
                Ok(())
            }

            /// Stores in `table` instead of `sesame_sessions` (several apps can share one
            /// database).
            ///
            /// # Errors
            /// When `table` is not letters, digits and `_` (it is written into the SQL).
            pub fn with_table(mut self, table: &str) -> Result<Self, StoreError> {
                self.common = self.common.with_table(table)?;
                Ok(self)
            }

            /// Each user keeps at most `max` live sessions, and at most `max` remember
            /// tokens (default 32, at least 1); a new one beyond that ends the one closest
            /// to expiry.
            #[must_use]
            pub fn with_max_per_user(mut self, max: usize) -> Self {
                self.common.max_per_user = max.max(1);
                self
            }

            /// Creates the table and its indexes on first use, instead of a call to
            /// [`migrate`](Self::migrate) at start (for apps that build their router
            /// outside an async context).
            #[must_use]
            pub fn with_auto_migrate(mut self) -> Self {
                self.common.auto_migrate = Some(Arc::default());
                self
            }

            /// How long each statement may take before the request answers 503.
            #[must_use]
            pub fn with_timeout(mut self, timeout: Duration) -> Self {
                self.common.timeout = timeout;
                self
            }
        }

        impl SessionStore for $store {
            fn ping(&self) -> StoreFuture<'_, ()> {
                Box::pin(async move {
                    self.ready().await?;
                    $crate::session::sql::read(self.common.timeout, || async {
                        sqlx::query::<$db>("SELECT 1").execute(&self.pool).await
                    })
                    .await?;
                    Ok(())
                })
            }

            fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
                Box::pin(async move {
                    self.ready().await?;
                    let id = id.to_base64();
                    let row: Option<(Vec<u8>,)> =
                        $crate::session::sql::read(self.common.timeout, || async {
                            sqlx::query_as::<$db, (Vec<u8>,)>(&self.common.sql.load)
                                .bind(&id)
                                .bind($crate::session::sql::now_ms())
                                .fetch_optional(&self.pool)
                                .await
                        })
                        .await?;
                    Ok(row.map(|(data,)| data))
                })
            }

            fn save<'a>(
                &'a self,
                id: &'a SessionId,
                record: &'a Record,
                ttl: Duration,
                mode: SaveMode<'a>,
            ) -> StoreFuture<'a, bool> {
                Box::pin(async move {
                    self.ready().await?;
                    let sql = &self.common.sql;
                    let id = id.to_base64();
                    let now = $crate::session::sql::now_ms();
                    let expires = $crate::session::sql::expiry(now, ttl);
                    let kind = record.kind.as_str();
                    let user = record.user_id.as_deref();
                    $crate::session::sql::timed(self.common.timeout, async {
                        let written = match mode {
                            SaveMode::Create => {
                                sqlx::query::<$db>(&sql.create)
                                    .bind(&id)
                                    .bind(&record.data)
                                    .bind(kind)
                                    .bind(user)
                                    .bind(expires)
                                    .bind(now)
                                    .execute(&self.pool)
                                    .await?
                            }
                            SaveMode::Replace(expected) => {
                                sqlx::query::<$db>(&sql.replace)
                                    .bind(&record.data)
                                    .bind(kind)
                                    .bind(user)
                                    .bind(expires)
                                    .bind(&id)
                                    .bind(expected)
                                    .bind(now)
                                    .execute(&self.pool)
                                    .await?
                            }
                        }
                        .rows_affected()
                            == 1;
                        // A new record of a user: the cap and the user's ended rows. (An
                        // update keeps the user's count.)
                        if written
                            && matches!(mode, SaveMode::Create)
                            && let Some(user) = user
                            && record.kind != RecordKind::Moved
                        {
                            self.trim(&id, kind, user, now).await?;
                        }
                        Ok(written)
                    })
                    .await
                    .inspect(|&written| {
                        if written
                            && matches!(mode, SaveMode::Create)
                            && self.common.clean_up.due()
                        {
                            self.spawn_clean_up();
                        }
                    })
                })
            }

            fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
                Box::pin(async move {
                    self.ready().await?;
                    let id = id.to_base64();
                    $crate::session::sql::timed(self.common.timeout, async {
                        sqlx::query::<$db>(&self.common.sql.delete)
                            .bind(&id)
                            .execute(&self.pool)
                            .await
                    })
                    .await?;
                    Ok(())
                })
            }

            fn mark_moved<'a>(&'a self, id: &'a SessionId, ttl: Duration) -> StoreFuture<'a, ()> {
                Box::pin(async move {
                    self.ready().await?;
                    let id = id.to_base64();
                    let expires =
                        $crate::session::sql::expiry($crate::session::sql::now_ms(), ttl);
                    $crate::session::sql::timed(self.common.timeout, async {
                        sqlx::query::<$db>(&self.common.sql.mark_moved)
                            .bind(&id)
                            .bind(MOVED)
                            .bind(expires)
                            .execute(&self.pool)
                            .await
                    })
                    .await?;
                    Ok(())
                })
            }

            fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
                Box::pin(async move {
                    self.ready().await?;
                    let rows: Vec<(i64,)> =
                        $crate::session::sql::timed(self.common.timeout, async {
                            sqlx::query_as::<$db, (i64,)>(&self.common.sql.delete_user)
                                .bind(user_id)
                                .fetch_all(&self.pool)
                                .await
                        })
                        .await?;
                    let now = $crate::session::sql::now_ms();
                    Ok(rows.iter().filter(|(expires,)| *expires > now).count())
                })
            }

            fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>> {
                Box::pin(async move {
                    self.ready().await?;
                    let rows: Vec<(String, String, Vec<u8>)> =
                        $crate::session::sql::read(self.common.timeout, || async {
                            sqlx::query_as::<$db, (String, String, Vec<u8>)>(
                                &self.common.sql.list_user,
                            )
                            .bind(user_id)
                            .bind($crate::session::sql::now_ms())
                            .fetch_all(&self.pool)
                            .await
                        })
                        .await?;
                    Ok(rows
                        .into_iter()
                        .filter_map(|(id, kind, data)| {
                            let id = SessionId::from_base64(&id)?;
                            let kind = if kind == "r" {
                                RecordKind::Remember
                            } else {
                                RecordKind::Session
                            };
                            Some(UserRecord::new(id, kind, data))
                        })
                        .collect())
                })
            }
        }
    };
}

pub(crate) use sql_session_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        assert!(valid_table("sesame_sessions"));
        assert!(valid_table("_s2"));
        for bad in ["", "2s", "s;drop", "s s", "s\"", &"s".repeat(64)] {
            assert!(!valid_table(bad), "{bad:?}");
        }
    }

    #[test]
    fn sqlite_statements_use_numbered_parameters() {
        let sql = Sql::new("t", Dialect::Sqlite);
        assert!(sql.replace.contains("?7") && !sql.replace.contains('$'));
        assert!(sql.trim.contains("LIMIT -1 OFFSET ?5"));
        let pg = Sql::new("t", Dialect::Postgres);
        assert!(pg.trim.contains("DESC  OFFSET $5"));
        assert!(pg.schema().contains("BYTEA") && sql.schema().contains("BLOB"));
    }
}
