//! `RedisStore`: sessions in Redis (or Valkey), for many processes behind a load balancer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::session::payload::SessionId;
use crate::session::redis_cluster::{self, Cluster};
use crate::session::redis_record::{no_record_of_another_type, parse_record_lua, record_value};
use crate::session::store::{
    DEFAULT_MAX_PER_USER, MOVED, Record, RecordKind, SaveMode, SessionStore, StoreError,
    StoreFuture, UserRecord,
};

/// Writes a record (create or compare-and-swap), then keeps the user's index: adds the
/// id with its expiry as score, drops ended members, ends the ones beyond the cap (closest
/// to expiry first, never the one just written) and sets the index's own expiry to its
/// last member's. KEYS: record, [index]. ARGV: data, user, kind, ttl, mode (c|r),
/// expected, member, max, record prefix.
const SAVE: &str = concat!(
    parse_record_lua!(),
    r"
local raw = get(KEYS[1])
if ARGV[5] == 'c' then
  if raw then return 0 end
else
  local _, _, cur = parse(raw)
  if cur ~= ARGV[6] then return 0 end
end
local ttl = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[3] .. string.len(ARGV[2]) .. ':' .. ARGV[2] .. ARGV[1], 'EX', ttl)
local idx = KEYS[2]
if idx then
  -- Microseconds in the score: of logins within one second, the first ends first.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  redis.call('ZADD', idx, string.format('%.6f', now + ttl), ARGV[7])
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local over = redis.call('ZCARD', idx) - tonumber(ARGV[8])
  if over > 0 then
    for _, m in ipairs(redis.call('ZRANGE', idx, 0, over)) do
      if over > 0 and m ~= ARGV[7] then
        redis.call('ZREM', idx, m)
        redis.call('DEL', ARGV[9] .. m)
        over = over - 1
      end
    end
  end
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  redis.call('EXPIREAT', idx, math.ceil(tonumber(last[2])) + 1)
end
return 1
"
);

/// Deletes a record and its index entry; with ARGV[3], leaves a moved marker that lives
/// ARGV[4] seconds. KEYS: record. ARGV: key prefix, member, [marker, ttl].
const DELETE: &str = concat!(
    parse_record_lua!(),
    r"
local k, u = parse(get(KEYS[1]))
redis.call('DEL', KEYS[1])
if u and u ~= '' then
  local kind = 'u:'
  if k == 'r' then kind = 'r:' end
  redis.call('ZREM', ARGV[1] .. kind .. u, ARGV[2])
end
if ARGV[3] then
  redis.call('SET', KEYS[1], 'm0:' .. ARGV[3], 'EX', tonumber(ARGV[4]))
end
return 1
"
);

/// Deletes every record in the user's two indexes, and the indexes. KEYS: sessions index,
/// tokens index. ARGV: record prefix.
const DELETE_USER: &str = r"
local n = 0
for _, idx in ipairs(KEYS) do
  for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
    n = n + redis.call('DEL', ARGV[1] .. m)
  end
  redis.call('DEL', idx)
end
return n
";

/// The user's live records as `{index number, member, data}`; ended members are pruned.
/// KEYS: sessions index, tokens index. ARGV: record prefix.
const LIST_USER: &str = concat!(
    parse_record_lua!(),
    r"
local out = {}
local now = tonumber(redis.call('TIME')[1])
for i, idx in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
    local _, _, d = parse(get(ARGV[1] .. m))
    if d then
      table.insert(out, {i, m, d})
    else
      redis.call('ZREM', idx, m)
    end
  end
end
return out
"
);

struct Scripts {
    save: Script,
    delete: Script,
    delete_user: Script,
    list_user: Script,
}

/// Sessions in Redis or Valkey, over one multiplexed connection that reconnects by itself.
///
/// Keys (every one with a TTL):
/// - `<prefix>s:<id>`: one string for each session, remember token and moved marker
///   (its kind, its user and its data), expiring with it;
/// - `<prefix>u:<user id>` and `<prefix>r:<user id>`: sorted sets of the user's session and
///   remember-token ids, scored by expiry, pruned as members end, capped at
///   [`with_max_per_user`](RedisStore::with_max_per_user) (the one closest to expiry ends
///   first), expiring with their last member.
///
/// Every write is one Lua script, so a record and its index change together; updates are
/// compare-and-swap (see [`SaveMode::Replace`]). Commands time out after one second
/// ([`with_timeouts`](Self::with_timeouts)): a store that is down answers 503 quickly, and
/// the first request after it comes back works (a dropped connection is retried once).
///
/// Configure Redis with a `maxmemory-policy` of `volatile-ttl` or `noeviction`: every key
/// here has a TTL, and `allkeys-*` policies may drop an index while its sessions live.
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
    backend: Backend,
    prefix: Arc<str>,
    max_per_user: usize,
    scripts: Arc<Scripts>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not printed.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("max_per_user", &self.max_per_user)
            .finish_non_exhaustive()
    }
}

/// One Redis, or a cluster.
#[derive(Clone)]
enum Backend {
    Single {
        client: redis::Client,
        conn: ConnectionManager,
    },
    Cluster {
        nodes: Arc<[String]>,
        cluster: Arc<Cluster>,
    },
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError::new(e)
}

/// The default connect and command timeouts: a store that is down answers 503 quickly.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// A lazily connecting, self-reconnecting connection: a server that is down answers
/// within the timeouts, and is reached again once it is up.
pub(crate) fn connection(
    client: redis::Client,
    connect: Duration,
    command: Duration,
) -> Result<ConnectionManager, StoreError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(connect))
        .set_response_timeout(Some(command))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    ConnectionManager::new_lazy_with_config(client, config).map_err(err)
}

/// Runs `op`, and once more when it failed on a connection that turned out stale (Redis
/// restarted, a proxy closed an idle connection): the connection manager has reconnected
/// by then, so the request that found out does not fail. Never after a timeout, which
/// may have applied a write, nor after a refusal (Redis is down: answer at once).
pub(crate) async fn retry_stale<T, F, Fut>(op: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = redis::RedisResult<T>>,
{
    match op().await {
        Err(e) if e.is_connection_dropped() && !e.is_timeout() && !e.is_connection_refusal() => {
            tracing::debug!(
                target: "axum_sesame::store",
                error = %e,
                "Redis connection was stale; retrying once on a new one"
            );
            op().await.map_err(err)
        }
        result => result.map_err(err),
    }
}

impl RedisStore {
    /// A store for `url` (`redis://[:password@]host:port[/db]`), key prefix `sesame:`.
    /// Connects lazily: a server that is down now is reached once it is up.
    ///
    /// # Errors
    /// When the URL cannot be parsed. Must be called inside a Tokio runtime.
    pub fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(err)?;
        let backend = Backend::Single {
            conn: connection(client.clone(), DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)?,
            client,
        };
        Ok(RedisStore::on(backend))
    }

    /// A store on the Redis Cluster that `nodes` (`redis://host:port` each, any of its
    /// masters) belong to, key prefix `sesame:`. Connects lazily, and follows the
    /// cluster as slots move.
    ///
    /// On a cluster a record and its user's index sit in different slots, so they change
    /// in two steps, ordered so that no logged-in record is ever missing from its user's
    /// index (every session stays revocable); a user's two indexes share a hash tag. Keep
    /// `{` and `}` out of the prefix: a hash tag there would put every key in one slot.
    ///
    /// # Errors
    /// When a URL cannot be parsed or none is given.
    ///
    /// ```no_run
    /// use axum_sesame::RedisStore;
    ///
    /// # fn f() -> Result<(), axum_sesame::StoreError> {
    /// let store = RedisStore::connect_cluster(&[
    ///     "redis://10.0.0.1:6379",
    ///     "redis://10.0.0.2:6379",
    ///     "redis://10.0.0.3:6379",
    /// ])?;
    /// # let _ = store; Ok(()) }
    /// # let _ = f();
    /// ```
    pub fn connect_cluster(nodes: &[&str]) -> Result<RedisStore, StoreError> {
        let cluster = Cluster::new(nodes, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)?;
        Ok(RedisStore::on(Backend::Cluster {
            nodes: nodes.iter().map(|n| (*n).to_owned()).collect(),
            cluster: Arc::new(cluster),
        }))
    }

    fn on(backend: Backend) -> RedisStore {
        RedisStore {
            backend,
            prefix: Arc::from("sesame:"),
            max_per_user: DEFAULT_MAX_PER_USER,
            scripts: Arc::new(Scripts {
                save: Script::new(SAVE),
                delete: Script::new(DELETE),
                delete_user: Script::new(DELETE_USER),
                list_user: Script::new(LIST_USER),
            }),
        }
    }

    /// How long connecting and each command may take (default one second each) before
    /// the request answers 503. A command that finds its connection dropped (Redis
    /// restarted) is sent once more on a new one; a command that timed out is not, as it
    /// may have been applied.
    ///
    /// # Errors
    /// Must be called inside a Tokio runtime, as [`connect`](Self::connect).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use axum_sesame::RedisStore;
    ///
    /// # async fn f() -> Result<(), axum_sesame::StoreError> {
    /// let store = RedisStore::connect("redis://127.0.0.1:6379")?
    ///     .with_timeouts(Duration::from_millis(500), Duration::from_millis(250))?;
    /// # let _ = store; Ok(()) }
    /// # let _ = f();
    /// ```
    pub fn with_timeouts(
        mut self,
        connect: Duration,
        command: Duration,
    ) -> Result<RedisStore, StoreError> {
        self.backend = match self.backend {
            Backend::Single { client, .. } => Backend::Single {
                conn: connection(client.clone(), connect, command)?,
                client,
            },
            Backend::Cluster { nodes, .. } => {
                let list: Vec<&str> = nodes.iter().map(String::as_str).collect();
                Backend::Cluster {
                    cluster: Arc::new(Cluster::new(&list, connect, command)?),
                    nodes,
                }
            }
        };
        Ok(self)
    }

    /// Replaces the key prefix (several apps can share one Redis).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> RedisStore {
        self.prefix = Arc::from(prefix);
        self
    }

    /// Each user keeps at most `max` live sessions, and at most `max` remember tokens
    /// (default 32, at least 1).
    #[must_use]
    pub fn with_max_per_user(mut self, max: usize) -> RedisStore {
        self.max_per_user = max.max(1);
        self
    }

    fn record_prefix(&self) -> String {
        format!("{}s:", self.prefix)
    }

    fn session_key(&self, id: &SessionId) -> String {
        format!("{}s:{}", self.prefix, id.to_base64())
    }

    fn index_key(&self, kind: RecordKind, user_id: &str) -> Option<String> {
        let letter = match kind {
            RecordKind::Session => "u",
            RecordKind::Remember => "r",
            RecordKind::Moved => return None,
        };
        Some(format!("{}{letter}:{user_id}", self.prefix))
    }

    async fn delete_or_mark(
        &self,
        id: &SessionId,
        moved: Option<Duration>,
    ) -> Result<(), StoreError> {
        let conn = match &self.backend {
            Backend::Single { conn, .. } => conn,
            Backend::Cluster { cluster, .. } => {
                return redis_cluster::delete(cluster, &self.prefix, id, moved).await;
            }
        };
        retry_stale(|| async {
            let mut conn = conn.clone();
            let mut call = self.scripts.delete.prepare_invoke();
            call.key(self.session_key(id))
                .arg(&*self.prefix)
                .arg(id.to_base64());
            if let Some(ttl) = moved {
                call.arg(MOVED).arg(ttl.as_secs().max(1));
            }
            call.invoke_async::<()>(&mut conn).await
        })
        .await
    }

    fn user_keys(&self, user_id: &str) -> [String; 2] {
        [
            format!("{}u:{user_id}", self.prefix),
            format!("{}r:{user_id}", self.prefix),
        ]
    }
}

impl SessionStore for RedisStore {
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            match &self.backend {
                Backend::Single { conn, .. } => {
                    retry_stale(|| async {
                        let mut conn = conn.clone();
                        redis::cmd("PING").query_async::<()>(&mut conn).await
                    })
                    .await
                }
                Backend::Cluster { cluster, .. } => {
                    let mut conn = cluster.conn().await.map_err(err)?;
                    redis::cmd("PING")
                        .query_async::<()>(&mut conn)
                        .await
                        .map_err(err)
                }
            }
        })
    }

    fn load<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let key = self.session_key(id);
            let get = redis::cmd("GET").arg(&key).clone();
            let value = match &self.backend {
                Backend::Single { conn, .. } => {
                    retry_stale(|| async {
                        let mut conn = conn.clone();
                        no_record_of_another_type(
                            get.query_async::<Option<Vec<u8>>>(&mut conn).await,
                        )
                    })
                    .await?
                }
                Backend::Cluster { cluster, .. } => {
                    let mut conn = cluster.conn().await.map_err(err)?;
                    no_record_of_another_type(get.query_async::<Option<Vec<u8>>>(&mut conn).await)
                        .map_err(err)?
                }
            };
            Ok(value.and_then(|v| record_value(&v).map(|r| r.data.to_vec())))
        })
    }

    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
        mode: SaveMode<'a>,
    ) -> StoreFuture<'a, bool> {
        let conn = match &self.backend {
            Backend::Single { conn, .. } => conn,
            Backend::Cluster { cluster, .. } => {
                return Box::pin(redis_cluster::save(
                    cluster,
                    &self.scripts.save,
                    &self.prefix,
                    id,
                    record,
                    ttl,
                    mode,
                    self.max_per_user,
                ));
            }
        };
        Box::pin(retry_stale(move || async move {
            let mut conn = conn.clone();
            let mut call = self.scripts.save.prepare_invoke();
            call.key(self.session_key(id));
            if let Some(index) = record
                .user_id
                .as_deref()
                .and_then(|u| self.index_key(record.kind, u))
            {
                call.key(index);
            }
            let (mode, expected): (&str, &[u8]) = match mode {
                SaveMode::Create => ("c", b""),
                SaveMode::Replace(expected) => ("r", expected),
            };
            call.arg(&record.data)
                .arg(record.user_id.as_deref().unwrap_or(""))
                .arg(record.kind.as_str())
                .arg(ttl.as_secs().max(1))
                .arg(mode)
                .arg(expected)
                .arg(id.to_base64())
                .arg(self.max_per_user)
                .arg(self.record_prefix());
            let written: i64 = call.invoke_async(&mut conn).await?;
            Ok(written == 1)
        }))
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> StoreFuture<'a, ()> {
        Box::pin(self.delete_or_mark(id, None))
    }

    fn mark_moved<'a>(&'a self, id: &'a SessionId, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(self.delete_or_mark(id, Some(ttl)))
    }

    fn delete_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, usize> {
        let conn = match &self.backend {
            Backend::Single { conn, .. } => conn,
            Backend::Cluster { cluster, .. } => {
                return Box::pin(redis_cluster::delete_user(cluster, &self.prefix, user_id));
            }
        };
        Box::pin(retry_stale(move || async move {
            let mut conn = conn.clone();
            let [sessions, tokens] = self.user_keys(user_id);
            self.scripts
                .delete_user
                .key(sessions)
                .key(tokens)
                .arg(self.record_prefix())
                .invoke_async::<usize>(&mut conn)
                .await
        }))
    }

    fn list_user<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<UserRecord>> {
        let conn = match &self.backend {
            Backend::Single { conn, .. } => conn,
            Backend::Cluster { cluster, .. } => {
                return Box::pin(redis_cluster::list_user(cluster, &self.prefix, user_id));
            }
        };
        Box::pin(async move {
            let rows: Vec<(i64, String, Vec<u8>)> = retry_stale(|| async {
                let mut conn = conn.clone();
                let [sessions, tokens] = self.user_keys(user_id);
                self.scripts
                    .list_user
                    .key(sessions)
                    .key(tokens)
                    .arg(self.record_prefix())
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
            Ok(rows
                .into_iter()
                .filter_map(|(index, member, data)| {
                    let id = SessionId::from_base64(&member)?;
                    let kind = if index == 2 {
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
