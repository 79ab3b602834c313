//! Flask-Session's record: the session dict as `msgspec.msgpack` writes it.
//!
//! Flask-Session 0.8 (`SESSION_SERIALIZATION_FORMAT = "msgpack"`, the default) stores
//! `msgspec.msgpack.Encoder().encode(dict(session))` and reads it back with an untyped
//! decoder. Python's values become msgpack's: `str` a string, `int` an integer, `float` a
//! float 64, `list` and `tuple` an array (read back as a list), `dict` a map, `bytes` a
//! binary, an aware `datetime` the timestamp extension (-1), `None` nil.
//!
//! The session here is in the untagged form of [`crate::flask`], so the values JSON can't
//! hold map the same way they do in Flask's cookie: a binary is `{" b": "<base64>"}` and a
//! timestamp `{" d": "<HTTP date>"}` (whole seconds, as Flask's cookie keeps them). On
//! encode, `{" m": s}` and `{" u": s}` become the string `s`, as msgspec writes Markup and
//! UUIDs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rmpv::Value as Pack;
use serde_json::{Map, Number, Value};

use super::error::{DecodeError, EncodeError};

/// The deepest nesting of arrays and maps a record may have (the session map counts as
/// one), as for the cookie's JSON.
const MAX_DEPTH: usize = 32;

/// msgpack's timestamp extension type.
const TIMESTAMP: i8 = -1;

/// Flask-Session's msgpack record for a session in the untagged form.
///
/// # Errors
/// [`EncodeError::TooDeep`] when a value is nested more than 32 levels deep,
/// [`EncodeError::BadTypedValue`] for a ` b` that isn't padded standard base64 or a ` d`
/// that isn't an HTTP date.
///
/// ```
/// use serde_json::json;
/// use axum_sesame::flask::{from_msgpack, to_msgpack};
///
/// let session = json!({"_user_id": "7", "_fresh": true, "cart": [1, 2]});
/// let record = to_msgpack(session.as_object().unwrap()).unwrap();
/// assert_eq!(from_msgpack(&record).unwrap(), *session.as_object().unwrap());
/// ```
pub fn to_msgpack(session: &Map<String, Value>) -> Result<Vec<u8>, EncodeError> {
    let pack = pack_map(session, 1)?;
    let mut out = Vec::with_capacity(64);
    rmpv::encode::write_value(&mut out, &pack).map_err(|_| EncodeError::TooDeep)?;
    Ok(out)
}

/// Reads a Flask-Session msgpack record into the untagged form.
///
/// # Errors
/// [`DecodeError::BadMsgpack`] for anything but one complete msgpack map with string keys
/// nested at most 32 levels deep, holding values the untagged form has (no NaN, no
/// extension other than timestamps); [`DecodeError::BadTag`] for a map whose only key is
/// ` b`, ` m`, ` u` or ` d` over a string, which the untagged form can't tell apart from
/// the typed value.
///
/// ```
/// // {"a": b"\x00"} as msgspec writes it.
/// let record = [0x81, 0xa1, b'a', 0xc4, 0x01, 0x00];
/// let session = axum_sesame::flask::from_msgpack(&record).unwrap();
/// assert_eq!(session["a"], serde_json::json!({" b": "AA=="}));
/// ```
pub fn from_msgpack(record: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    let mut rest = record;
    let pack = rmpv::decode::read_value_with_max_depth(&mut rest, MAX_DEPTH)
        .map_err(|_| DecodeError::BadMsgpack)?;
    if !rest.is_empty() {
        return Err(DecodeError::BadMsgpack);
    }
    match unpack(pack)? {
        Value::Object(map) => Ok(map),
        _ => Err(DecodeError::BadMsgpack),
    }
}

fn pack_map(map: &Map<String, Value>, depth: usize) -> Result<Pack, EncodeError> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::TooDeep);
    }
    map.iter()
        .map(|(k, v)| Ok((Pack::from(k.as_str()), pack(v, depth + 1)?)))
        .collect::<Result<Vec<_>, _>>()
        .map(Pack::Map)
}

fn pack(value: &Value, depth: usize) -> Result<Pack, EncodeError> {
    Ok(match value {
        Value::Null => Pack::Nil,
        Value::Bool(b) => Pack::Boolean(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Pack::from(u),
            (_, Some(i), _) => Pack::from(i),
            (_, _, Some(f)) => Pack::F64(f),
            _ => return Err(EncodeError::BadTypedValue),
        },
        Value::String(s) => Pack::from(s.as_str()),
        Value::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(EncodeError::TooDeep);
            }
            items
                .iter()
                .map(|v| pack(v, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Pack::Array)?
        }
        Value::Object(map) => match typed(map) {
            Some((" b", s)) => {
                Pack::Binary(STANDARD.decode(s).map_err(|_| EncodeError::BadTypedValue)?)
            }
            Some((" d", s)) => {
                let at = httpdate::parse_http_date(s).map_err(|_| EncodeError::BadTypedValue)?;
                timestamp(at)?
            }
            Some((_, s)) => Pack::from(s),
            None => pack_map(map, depth)?,
        },
    })
}

/// The typed value a one-key map stands for in the untagged form.
fn typed(map: &Map<String, Value>) -> Option<(&str, &str)> {
    if map.len() != 1 {
        return None;
    }
    let (key, value) = map.iter().next()?;
    match (key.as_str(), value) {
        (tag @ (" b" | " m" | " u" | " d"), Value::String(s)) => Some((tag, s.as_str())),
        _ => None,
    }
}

/// msgpack's timestamp extension for `at`, in the smallest of its three sizes.
fn timestamp(at: std::time::SystemTime) -> Result<Pack, EncodeError> {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| EncodeError::BadTypedValue)?
        .as_secs();
    let data = match u32::try_from(secs) {
        Ok(s) => s.to_be_bytes().to_vec(),
        // HTTP dates are whole seconds: nanoseconds are zero, the 64-bit form fits
        // 34-bit seconds.
        Err(_) if secs < (1 << 34) => secs.to_be_bytes().to_vec(),
        Err(_) => {
            let mut data = vec![0u8; 4];
            data.extend_from_slice(&secs.to_be_bytes());
            data
        }
    };
    Ok(Pack::Ext(TIMESTAMP, data))
}

/// Seconds since the epoch of a timestamp extension; `None` before 1970 or malformed.
fn timestamp_secs(data: &[u8]) -> Option<u64> {
    match data.len() {
        4 => Some(u64::from(u32::from_be_bytes(data.try_into().ok()?))),
        8 => Some(u64::from_be_bytes(data.try_into().ok()?) & ((1 << 34) - 1)),
        12 => u64::try_from(i64::from_be_bytes(data[4..].try_into().ok()?)).ok(),
        _ => None,
    }
}

fn unpack(pack: Pack) -> Result<Value, DecodeError> {
    let bad = DecodeError::BadMsgpack;
    Ok(match pack {
        Pack::Nil => Value::Null,
        Pack::Boolean(b) => Value::Bool(b),
        Pack::Integer(i) => match (i.as_u64(), i.as_i64()) {
            (Some(u), _) => Value::from(u),
            (_, Some(i)) => Value::from(i),
            _ => return Err(bad),
        },
        Pack::F32(f) => Value::Number(Number::from_f64(f64::from(f)).ok_or(bad)?),
        Pack::F64(f) => Value::Number(Number::from_f64(f).ok_or(bad)?),
        Pack::String(s) => Value::String(s.into_str().ok_or(bad)?),
        Pack::Binary(b) => one(" b", STANDARD.encode(b)),
        Pack::Array(items) => Value::Array(
            items
                .into_iter()
                .map(unpack)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Pack::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let Pack::String(k) = k else { return Err(bad) };
                map.insert(k.into_str().ok_or(bad)?, unpack(v)?);
            }
            if typed(&map).is_some() {
                return Err(DecodeError::BadTag);
            }
            Value::Object(map)
        }
        Pack::Ext(TIMESTAMP, data) => {
            let secs = timestamp_secs(&data).ok_or(bad)?;
            let at = std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::from_secs(secs))
                .ok_or(bad)?;
            one(" d", httpdate::fmt_http_date(at))
        }
        Pack::Ext(..) => return Err(bad),
    })
}

fn one(tag: &str, value: String) -> Value {
    let mut map = Map::new();
    map.insert(tag.to_owned(), Value::String(value));
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn typed_values_round_trip() {
        let session = map(json!({
            "b": {" b": "AAEC"},
            "d": {" d": "Wed, 21 Oct 2015 07:28:00 GMT"},
            "n": null, "f": 1.5, "neg": -3, "big": u64::MAX,
            "nested": {"x": [true, {"y": "z"}]},
        }));
        let record = to_msgpack(&session).unwrap();
        assert_eq!(from_msgpack(&record).unwrap(), session);
    }

    #[test]
    fn markup_and_uuid_become_strings() {
        let session = map(json!({"m": {" m": "<b>"}, "u": {" u": "00ff"}}));
        let back = from_msgpack(&to_msgpack(&session).unwrap()).unwrap();
        assert_eq!(back, map(json!({"m": "<b>", "u": "00ff"})));
    }

    #[test]
    fn hostile_records_are_refused() {
        // Not a map, trailing bytes, an integer key, an unknown extension, NaN, bad UTF-8.
        for record in [
            &[0x90][..],
            &[0x80, 0x00],
            &[0x81, 0x01, 0x01],
            &[0x81, 0xa1, b'a', 0xd4, 0x05, 0x00],
            &[0x81, 0xa1, b'a', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
            &[0x81, 0xa1, 0xff, 0x01],
            &[],
        ] {
            assert_eq!(
                from_msgpack(record),
                Err(DecodeError::BadMsgpack),
                "{record:?}"
            );
        }
        // Deep nesting.
        let mut deep = vec![0x81, 0xa1, b'a'];
        deep.extend(std::iter::repeat_n(0x91, 40));
        deep.push(0xc0);
        assert_eq!(from_msgpack(&deep), Err(DecodeError::BadMsgpack));
        // An array that claims four billion items is refused without allocating them.
        let huge = [0x81, 0xa1, b'a', 0xdd, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(from_msgpack(&huge), Err(DecodeError::BadMsgpack));
        // A dict that looks like the untagged form of bytes.
        let ambiguous = [0x81, 0xa1, b'a', 0x81, 0xa2, b' ', b'b', 0xa0];
        assert_eq!(from_msgpack(&ambiguous), Err(DecodeError::BadTag));
    }

    #[test]
    fn bad_typed_values_are_not_encoded() {
        for v in [json!({"x": {" b": "!"}}), json!({"x": {" d": "yesterday"}})] {
            assert_eq!(to_msgpack(&map(v)), Err(EncodeError::BadTypedValue));
        }
    }
}
