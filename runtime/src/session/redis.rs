//! `RedisStore`: sessions in Redis (or Valkey), for many processes behind a load balancer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::session::payload::SessionId;
use crate::session::store::{Record, SaveMode, SessionStore, StoreError, StoreFuture};

/// Sessions in Redis or Valkey, over one multiplexed connection that reconnects by itself.
///
/// Keys: `<prefix>s:<session id>` holds a session with a TTL equal to its lifetime;
/// `<prefix>u:<user id>` is the set of a user's session ids, for
/// [`delete_user`](SessionStore::delete_user). Writes use `SET … NX` for new sessions and
/// `SET … XX` for existing ones, so a request racing a logout cannot bring it back.
/// Commands time out after one second: a store that is down answers 503 quickly, and the
/// next request after it comes back works again.
///
/// # Example
/// ```no_run
/// use axum_sesame::{Key, RedisStore, SessionConfig};
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379")?.with_prefix("myapp:");
/// let layer = SessionConfig::new(Key::from_env("SECRET_KEY")?)
///     .with_store(store.clone())
///     .build()?;
/// # let _ = layer; Ok(()) }
/// # let _ = f();
/// ```
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not printed.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError::new(e)
}

impl RedisStore {
    /// A store for `url` (`redis://[:password@]host:port[/db]`), key prefix `sesame:`.
    /// Connects lazily: a server that is down now is reached once it is up.
    ///
    /// # Errors
    /// When the URL cannot be parsed. Must be called inside a Tokio runtime.
    pub fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(err)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(err)?;
        Ok(RedisStore {
            conn,
            prefix: Arc::from("sesame:"),
        })
    }

    /// Replaces the key prefix (several apps can share one Redis).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> RedisStore {
        self.prefix = Arc::from(prefix);
        self
    }

    fn session_key(&self, id: &SessionId) -> String {
        format!("{}s:{}", self.prefix, id.to_base64())
    }

    fn user_key(&self, user_id: &str) -> String {
        format!("{}u:{user_id}", self.prefix)
    }
}

impl SessionStore for RedisStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            redis::cmd("GET")
                .arg(self.session_key(id))
                .query_async::<Option<Vec<u8>>>(&mut conn)
                .await
                .map_err(err)
        })
    }

    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
        mode: SaveMode,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let ttl = ttl.as_secs().max(1);
            let written: Option<String> = redis::cmd("SET")
                .arg(self.session_key(id))
                .arg(&record.data)
                .arg("EX")
                .arg(ttl)
                .arg(match mode {
                    SaveMode::Create => "NX",
                    SaveMode::Update => "XX",
                })
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            if written.is_none() {
                return Ok(false);
            }
            if let Some(user) = &record.user_id {
                // The user's index lives as long as their longest session.
                let key = self.user_key(user);
                redis::pipe()
                    .cmd("SADD")
                    .arg(&key)
                    .arg(id.to_base64())
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(ttl)
                    .arg("NX")
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(ttl)
                    .arg("GT")
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(err)?;
            }
            Ok(true)
        })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            redis::cmd("DEL")
                .arg(self.session_key(id))
                .query_async::<()>(&mut conn)
                .await
                .map_err(err)
        })
    }

    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let key = self.user_key(user_id);
            let ids: Vec<String> = redis::cmd("SMEMBERS")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(err)?;
            let mut del = redis::cmd("DEL");
            del.arg(&key);
            for id in &ids {
                del.arg(format!("{}s:{id}", self.prefix));
            }
            let removed: usize = del.query_async(&mut conn).await.map_err(err)?;
            // The index key itself was one of the removed keys when it existed.
            Ok(removed.saturating_sub(usize::from(!ids.is_empty())))
        })
    }
}
