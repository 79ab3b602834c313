//! How `RedisStore` keeps a record in Redis: one string, `<kind><user length>:<user><data>`
//! (`s5:alice…`; an anonymous session `s0:…`, a moved marker `m0:…`), read the same way by
//! Rust and by the Lua scripts of one Redis and of a cluster.

/// Lua: `get(key)`, a record's stored string (nothing for a key of another type), and
/// `parse(value)`, its kind, user and data (see [`record_value`]; nothing for a missing
/// or foreign value).
macro_rules! parse_record_lua {
    () => {
        r"
-- A key of another type (a record written before records were strings) is no record.
local function get(k)
  local v = redis.pcall('GET', k)
  if type(v) == 'table' then return false end
  return v
end
local function parse(v)
  if not v then return nil end
  local c = string.find(v, ':', 2, true)
  if not c then return nil end
  local n = tonumber(string.sub(v, 2, c - 1))
  if not n then return nil end
  return string.sub(v, 1, 1), string.sub(v, c + 1, c + n), string.sub(v, c + n + 1)
end
"
    };
}
pub(crate) use parse_record_lua;

/// A record as stored: `<kind><user length>:<user><data>` (`s5:alice…`; an anonymous
/// session `s0:…`, a moved marker `m0:…`), one string per key: less memory than a hash.
pub(crate) struct StoredRecord<'a> {
    pub(crate) user: &'a [u8],
    pub(crate) data: &'a [u8],
}

/// Parses a stored record; `None` for anything else.
pub(crate) fn record_value(v: &[u8]) -> Option<StoredRecord<'_>> {
    let colon = 1 + memchr::memchr(b':', v.get(1..)?)?;
    let len: usize = std::str::from_utf8(&v[1..colon]).ok()?.parse().ok()?;
    let rest = &v[colon + 1..];
    let (user, data) = rest.split_at_checked(len)?;
    Some(StoredRecord { user, data })
}

/// A `GET` of a key of another type (a record written before records were strings) finds
/// no record, rather than failing the request.
pub(crate) fn no_record_of_another_type(
    result: redis::RedisResult<Option<Vec<u8>>>,
) -> redis::RedisResult<Option<Vec<u8>>> {
    match result {
        Err(e) if e.code() == Some("WRONGTYPE") => Ok(None),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::record_value;

    #[test]
    fn stored_records_parse_strictly() {
        let r = record_value(b"s5:alice{\"x\":1}").unwrap();
        assert_eq!((r.user, r.data), (&b"alice"[..], &b"{\"x\":1}"[..]));
        let r = record_value(b"m0:").unwrap();
        assert_eq!((r.user, r.data), (&b""[..], &b""[..]));
        // A user id with a colon, and data that looks like a header.
        let r = record_value(b"s3:a:b9:z:").unwrap();
        assert_eq!((r.user, r.data), (&b"a:b"[..], &b"9:z:"[..]));
        for bad in [
            &b""[..],
            b"s",
            b"s:",
            b"sx:",
            b"s9:short",
            b"s-1:a",
            b"\xff",
        ] {
            assert!(record_value(bad).is_none(), "{bad:?}");
        }
    }
}
