//! `RedisStore` on a Redis Cluster: every script touches keys of one slot.
//!
//! A record (`<prefix>s:<id>`) and its user's index live in different slots, so no script
//! can change both. The order keeps the one state that matters impossible: a logged-in
//! record that its user's index does not list (a session no revocation would find).
//! - a save first adds the id to the index (evicting beyond the cap), then writes the
//!   record, then checks that the index still lists it (a racing login's cap or a
//!   revocation may have taken it out before the record existed) and deletes the record
//!   if not; a refused write takes a newly added id out again;
//! - a delete first deletes the record, then takes the id out of the index;
//! - revoking a user deletes the records its index lists, then takes exactly those ids
//!   out (an id added meanwhile stays listed).
//!
//! An index may thus briefly list an id without a record: listing skips it, revoking
//! finds nothing to delete, and it ends with its score (its expiry) or under the cap.
//! A user's two indexes share a hash tag (a digest of the user id: any id, braces
//! included, lands both in one slot), so listing and revoking read both in one script.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{RedisResult, Script};
use sha2::{Digest, Sha256};

use crate::session::payload::SessionId;
use crate::session::redis_record::{no_record_of_another_type, parse_record_lua, record_value};
use crate::session::store::{MOVED, Record, RecordKind, SaveMode, StoreError, UserRecord};

/// Adds (or refreshes) a member with its expiry as score, drops ended members, takes out
/// the ones beyond the cap (closest to expiry first, never this one) and returns
/// `{added, evicted...}`. KEYS: index. ARGV: member, ttl, max.
const INDEX_ADD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local added = redis.call('ZADD', KEYS[1], string.format('%.6f', now + tonumber(ARGV[2])), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {added}
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, over)) do
    if over > 0 and m ~= ARGV[1] then
      redis.call('ZREM', KEYS[1], m)
      table.insert(out, m)
      over = over - 1
    end
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], math.ceil(tonumber(last[2])) + 1)
return out
";

/// Deletes a record and returns its `{user, kind}`; with ARGV[1], leaves a moved marker
/// that lives ARGV[2] seconds. KEYS: record.
const RECORD_TAKE: &str = concat!(
    parse_record_lua!(),
    r"
local k, u = parse(get(KEYS[1]))
redis.call('DEL', KEYS[1])
if ARGV[1] then
  redis.call('SET', KEYS[1], 'm0:' .. ARGV[1], 'EX', tonumber(ARGV[2]))
end
if u == '' then u = false end
return {u or false, k or false}
"
);

/// Deletes a record only if it belongs to ARGV[1]; returns 1 if it did. KEYS: record.
const RECORD_DROP_OF: &str = concat!(
    parse_record_lua!(),
    r"
local _, u = parse(get(KEYS[1]))
if u == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"
);

/// The user's index members, ended ones dropped: `{sessions, tokens}`. KEYS: sessions
/// index, tokens index (one slot).
const USER_MEMBERS: &str = r"
local now = tonumber(redis.call('TIME')[1])
local out = {}
for i, idx in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  out[i] = redis.call('ZRANGE', idx, 0, -1)
end
return out
";

struct Scripts {
    index_add: Script,
    record_take: Script,
    record_drop_of: Script,
    user_members: Script,
}

/// A lazily made connection to a Redis Cluster (it follows slot moves and reconnects by
/// itself once made; a cluster that is down now is tried again by the next request).
pub(crate) struct Cluster {
    client: ClusterClient,
    conn: Arc<tokio::sync::OnceCell<ClusterConnection>>,
    scripts: Arc<Scripts>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster").finish_non_exhaustive()
    }
}

impl Cluster {
    pub(crate) fn new(
        nodes: &[&str],
        connect: Duration,
        command: Duration,
    ) -> Result<Cluster, StoreError> {
        let client = ClusterClientBuilder::new(nodes.to_vec())
            .connection_timeout(connect)
            .response_timeout(command)
            .retries(1)
            .build()
            .map_err(StoreError::new)?;
        Ok(Cluster {
            client,
            conn: Arc::default(),
            scripts: Arc::new(Scripts {
                index_add: Script::new(INDEX_ADD),
                record_take: Script::new(RECORD_TAKE),
                record_drop_of: Script::new(RECORD_DROP_OF),
                user_members: Script::new(USER_MEMBERS),
            }),
        })
    }

    pub(crate) async fn conn(&self) -> RedisResult<ClusterConnection> {
        self.conn
            .get_or_try_init(|| self.client.get_async_connection())
            .await
            .cloned()
    }
}

/// A user's index key on a cluster: `<prefix>u:{<tag>}<user>` (sessions) or `…r:…`
/// (tokens), the tag a digest of the user id, the same for both.
pub(crate) fn index_key(prefix: &str, kind: RecordKind, user_id: &str) -> Option<String> {
    let letter = match kind {
        RecordKind::Session => "u",
        RecordKind::Remember => "r",
        RecordKind::Moved => return None,
    };
    let digest = Sha256::digest(user_id.as_bytes());
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{prefix}{letter}:{{{tag}}}{user_id}"))
}

fn record_key(prefix: &str, member: &str) -> String {
    format!("{prefix}s:{member}")
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError::new(e)
}

/// Takes `members` (one id or several) out of `index`.
async fn zrem(
    conn: &mut ClusterConnection,
    index: &str,
    members: impl redis::ToRedisArgs + Send + Sync,
) -> Result<(), StoreError> {
    redis::cmd("ZREM")
        .arg(index)
        .arg(members)
        .query_async::<()>(conn)
        .await
        .map_err(err)
}

/// Writes a record (create or compare-and-swap) with `record_save` (the single-key form
/// of the store's save script), keeping its user's index first.
#[expect(clippy::too_many_arguments, reason = "one store call, spelled out")]
pub(crate) async fn save(
    cluster: &Cluster,
    record_save: &Script,
    prefix: &str,
    id: &SessionId,
    record: &Record,
    ttl: Duration,
    mode: SaveMode<'_>,
    max_per_user: usize,
) -> Result<bool, StoreError> {
    let mut conn = cluster.conn().await.map_err(err)?;
    let member = id.to_base64();
    let ttl_secs = ttl.as_secs().max(1);
    let index = record
        .user_id
        .as_deref()
        .and_then(|u| index_key(prefix, record.kind, u));
    let mut added = false;
    if let Some(index) = &index {
        let out: Vec<redis::Value> = cluster
            .scripts
            .index_add
            .key(index)
            .arg(&member)
            .arg(ttl_secs)
            .arg(max_per_user)
            .invoke_async(&mut conn)
            .await
            .map_err(err)?;
        let mut out = out.into_iter();
        added = matches!(out.next(), Some(redis::Value::Int(1)));
        for evicted in out {
            if let redis::Value::BulkString(m) = evicted {
                let m = String::from_utf8_lossy(&m).into_owned();
                redis::cmd("DEL")
                    .arg(record_key(prefix, &m))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(err)?;
            }
        }
    }
    let (mode, expected): (&str, &[u8]) = match mode {
        SaveMode::Create => ("c", b""),
        SaveMode::Replace(expected) => ("r", expected),
    };
    let written: i64 = record_save
        .key(record_key(prefix, &member))
        .arg(&record.data)
        .arg(record.user_id.as_deref().unwrap_or(""))
        .arg(record.kind.as_str())
        .arg(ttl_secs)
        .arg(mode)
        .arg(expected)
        .invoke_async(&mut conn)
        .await
        .map_err(err)?;
    let Some(index) = &index else {
        return Ok(written == 1);
    };
    if written != 1 {
        if added {
            zrem(&mut conn, index, &member).await?;
        }
        return Ok(false);
    }
    // Ended meanwhile (a newer login's cap, or the user's revocation, took the id out of
    // the index before the record existed): the record goes too, or nothing would list
    // it.
    let listed: Option<f64> = redis::cmd("ZSCORE")
        .arg(index)
        .arg(&member)
        .query_async(&mut conn)
        .await
        .map_err(err)?;
    if listed.is_none() {
        redis::cmd("DEL")
            .arg(record_key(prefix, &member))
            .query_async::<()>(&mut conn)
            .await
            .map_err(err)?;
    }
    Ok(true)
}

/// Deletes a record (leaving a moved marker for `moved`), then its index entry.
pub(crate) async fn delete(
    cluster: &Cluster,
    prefix: &str,
    id: &SessionId,
    moved: Option<Duration>,
) -> Result<(), StoreError> {
    let mut conn = cluster.conn().await.map_err(err)?;
    let member = id.to_base64();
    let mut call = cluster.scripts.record_take.prepare_invoke();
    call.key(record_key(prefix, &member));
    if let Some(ttl) = moved {
        call.arg(MOVED).arg(ttl.as_secs().max(1));
    }
    let (user, kind): (Option<String>, Option<String>) =
        call.invoke_async(&mut conn).await.map_err(err)?;
    let kind = match kind.as_deref() {
        Some("r") => RecordKind::Remember,
        _ => RecordKind::Session,
    };
    if let Some(index) = user.and_then(|u| index_key(prefix, kind, &u)) {
        zrem(&mut conn, &index, &member).await?;
    }
    Ok(())
}

/// The user's two index keys and their live members.
async fn members(
    cluster: &Cluster,
    conn: &mut ClusterConnection,
    prefix: &str,
    user_id: &str,
) -> Result<[(String, RecordKind, Vec<String>); 2], StoreError> {
    let sessions = index_key(prefix, RecordKind::Session, user_id).unwrap_or_default();
    let tokens = index_key(prefix, RecordKind::Remember, user_id).unwrap_or_default();
    let (s, t): (Vec<String>, Vec<String>) = cluster
        .scripts
        .user_members
        .key(&sessions)
        .key(&tokens)
        .invoke_async(conn)
        .await
        .map_err(err)?;
    Ok([
        (sessions, RecordKind::Session, s),
        (tokens, RecordKind::Remember, t),
    ])
}

/// Deletes the records the user's indexes list (those still the user's), then takes
/// exactly those ids out; returns how many records were deleted.
pub(crate) async fn delete_user(
    cluster: &Cluster,
    prefix: &str,
    user_id: &str,
) -> Result<usize, StoreError> {
    let mut conn = cluster.conn().await.map_err(err)?;
    let mut deleted = 0;
    for (index, _, listed) in members(cluster, &mut conn, prefix, user_id).await? {
        if listed.is_empty() {
            continue;
        }
        for m in &listed {
            let n: usize = cluster
                .scripts
                .record_drop_of
                .key(record_key(prefix, m))
                .arg(user_id)
                .invoke_async(&mut conn)
                .await
                .map_err(err)?;
            deleted += n;
        }
        zrem(&mut conn, &index, &listed).await?;
    }
    Ok(deleted)
}

/// The user's live records: the ids its indexes list whose record exists and is still
/// the user's.
pub(crate) async fn list_user(
    cluster: &Cluster,
    prefix: &str,
    user_id: &str,
) -> Result<Vec<UserRecord>, StoreError> {
    let mut conn = cluster.conn().await.map_err(err)?;
    let mut out = Vec::new();
    for (_, kind, listed) in members(cluster, &mut conn, prefix, user_id).await? {
        for m in listed {
            let value = no_record_of_another_type(
                redis::cmd("GET")
                    .arg(record_key(prefix, &m))
                    .query_async(&mut conn)
                    .await,
            )
            .map_err(err)?;
            if let Some(value) = &value
                && let Some(record) = record_value(value)
                && record.user == user_id.as_bytes()
                && let Some(id) = SessionId::from_base64(&m)
            {
                out.push(UserRecord::new(id, kind, record.data.to_vec()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redis's hash slot rule: the part between the first `{` and the next `}`, if not
    /// empty.
    fn tag(key: &str) -> &str {
        if let Some(open) = key.find('{')
            && let Some(len) = key[open + 1..].find('}')
            && len > 0
        {
            return &key[open + 1..open + 1 + len];
        }
        key
    }

    #[test]
    fn a_users_two_indexes_share_a_slot_whatever_the_id() {
        for user in ["alice", "", "{", "}", "a}b{c", "{}", "ünï"] {
            let s = index_key("app:", RecordKind::Session, user).unwrap();
            let r = index_key("app:", RecordKind::Remember, user).unwrap();
            assert_ne!(s, r);
            assert_eq!(tag(&s), tag(&r), "{user:?}");
            assert_eq!(tag(&s).len(), 12, "{user:?}: the digest is the tag");
        }
        let (a, b) = (
            index_key("app:", RecordKind::Session, "alice").unwrap(),
            index_key("app:", RecordKind::Session, "bob").unwrap(),
        );
        assert_ne!(tag(&a), tag(&b), "users spread over the slots");
        assert_eq!(index_key("app:", RecordKind::Moved, "alice"), None);
    }
}
