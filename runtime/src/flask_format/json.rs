//! Flask's `TaggedJSONSerializer`, with Python's `json.dumps` byte for byte.
//!
//! Flask dumps the session with `DefaultJSONProvider`: `sort_keys=True`,
//! `ensure_ascii=True`, separators `(",", ":")`. So keys are sorted by code point, every
//! character outside `0x20..=0x7E` other than the short escapes (`\b \f \n \r \t`) is
//! written `\uXXXX` in lowercase hex (UTF-16 surrogate pairs above U+FFFF, and `\u007f`
//! for DEL), `/` is not escaped, and floats are Python's `repr` (`1e+16`, `1e-05`,
//! `1.0`). Here that is a `serde_json` [`Formatter`](serde_json::ser::Formatter) plus a
//! serializer that sorts keys itself, whatever `serde_json`'s `preserve_order` says.

use std::io;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::{DecodeError, EncodeError};
use super::keys::FLASHES;

/// The deepest nesting of arrays and objects a session may have (the session object
/// itself counts as one). Tagging at most doubles it on the wire, which stays well
/// inside `serde_json`'s limit of 128, so everything decoded can be encoded again.
const MAX_DEPTH: usize = 32;

/// Every tag key of Flask's default `TaggedJSONSerializer`.
const TAGS: [&str; 6] = [" di", " t", " b", " m", " u", " d"];

/// The tags kept on decode: bytes, Markup, UUID, datetime.
const KEPT: [&str; 4] = [" b", " m", " u", " d"];

/// Flask's tagged JSON for a session in the untagged form, exactly as Flask's
/// `session_json_serializer.dumps` writes it (the text inside an uncompressed cookie).
///
/// # Errors
/// [`EncodeError::TooDeep`] when a value is nested more than 32 levels deep.
///
/// ```
/// use serde_json::json;
///
/// let session = json!({"b": "Zoë", "a": [1.0, 1e16], "_flashes": [["message", "hi"]]});
/// let json = axum_sesame::flask::to_json(session.as_object().unwrap()).unwrap();
/// assert_eq!(json, r#"{"_flashes":[{" t":["message","hi"]}],"a":[1.0,1e+16],"b":"Zo\u00eb"}"#);
/// ```
pub fn to_json(session: &Map<String, Value>) -> Result<String, EncodeError> {
    if !map_within(session, MAX_DEPTH - 1) {
        return Err(EncodeError::TooDeep);
    }
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    Tagged::Session(session)
        .serialize(&mut ser)
        .map_err(|_| EncodeError::TooDeep)?;
    // The formatter writes ASCII only.
    String::from_utf8(out).map_err(|_| EncodeError::TooDeep)
}

/// Parses Flask's tagged JSON (the text inside a session cookie) into the untagged form.
///
/// # Errors
/// [`DecodeError::BadJson`] for anything but a JSON object in UTF-8 nested at most 32
/// levels deep, [`DecodeError::BadTag`] for a tagged value Flask doesn't write.
///
/// ```
/// let json = br#"{"_flashes":[{" t":["message","hi"]}],"k":{" di":{" t__":1}}}"#;
/// let session = axum_sesame::flask::from_json(json).unwrap();
/// assert_eq!(session["_flashes"], serde_json::json!([["message", "hi"]]));
/// assert_eq!(session["k"], serde_json::json!({" t": 1}));
/// ```
pub fn from_json(json: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(map)) => untag_map(map, 1),
        _ => Err(DecodeError::BadJson),
    }
}

/// Whether every container in `map`'s values is at most `levels` deep.
fn map_within(map: &Map<String, Value>, levels: usize) -> bool {
    map.values().all(|v| within(v, levels))
}

fn within(value: &Value, levels: usize) -> bool {
    match value {
        Value::Array(items) => levels > 0 && items.iter().all(|v| within(v, levels - 1)),
        Value::Object(map) => levels > 0 && map_within(map, levels - 1),
        _ => true,
    }
}

/// A one-key object whose key is a kept tag and whose value is a string: a Python
/// `bytes`, `Markup`, `UUID` or `datetime`, passed through unchanged.
fn is_typed(key: &str, value: &Value) -> bool {
    KEPT.contains(&key) && value.is_string()
}

/// `_untag_scan` for the values of an object, then for the object itself.
fn untag_map(map: Map<String, Value>, depth: usize) -> Result<Map<String, Value>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::BadJson);
    }
    map.into_iter()
        .map(|(k, v)| Ok((k, untag(v, depth + 1)?)))
        .collect()
}

fn untag(value: Value, depth: usize) -> Result<Value, DecodeError> {
    match value {
        Value::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(DecodeError::BadJson);
            }
            let items = items
                .into_iter()
                .map(|v| untag(v, depth + 1))
                .collect::<Result<_, _>>()?;
            Ok(Value::Array(items))
        }
        Value::Object(map) => {
            let mut map = untag_map(map, depth)?;
            let tag = match map.keys().next() {
                Some(key) if map.len() == 1 && TAGS.contains(&key.as_str()) => key.clone(),
                _ => return Ok(Value::Object(map)),
            };
            let inner = map.remove(&tag).unwrap_or(Value::Null);
            match (tag.as_str(), inner) {
                // TagTuple: a tuple becomes a list.
                (" t", Value::Array(items)) => Ok(Value::Array(items)),
                // TagDict: `{" di": {"key__": v}}` is the dict `{"key": v}`.
                (" di", Value::Object(escaped)) if escaped.len() == 1 => {
                    let Some((key, value)) = escaped.into_iter().next() else {
                        return Err(DecodeError::BadTag);
                    };
                    let restored = key.strip_suffix("__").ok_or(DecodeError::BadTag)?;
                    if is_typed(restored, &value) {
                        // It would read back as the tagged value, not as a dict.
                        return Err(DecodeError::BadTag);
                    }
                    let mut dict = Map::new();
                    dict.insert(restored.to_owned(), value);
                    Ok(Value::Object(dict))
                }
                // bytes, Markup, UUID, datetime: kept as they are.
                (tag, inner) if is_typed(tag, &inner) => {
                    map.insert(tag.to_owned(), inner);
                    Ok(Value::Object(map))
                }
                _ => Err(DecodeError::BadTag),
            }
        }
        other => Ok(other),
    }
}

/// A value in the untagged form, serialized as Flask's `TaggedJSONSerializer.tag` would
/// write the Python value, with sorted keys.
enum Tagged<'a> {
    /// The session object: `_flashes` items are tuples.
    Session(&'a Map<String, Value>),
    /// Any value.
    Value(&'a Value),
    /// A Python tuple (Flask writes `{" t": [...]}`).
    Tuple(&'a [Value]),
    /// The items of `_flashes`: arrays among them are tuples.
    Flashes(&'a [Value]),
}

impl Serialize for Tagged<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Tagged::Session(map) => serialize_map(map, true, s),
            Tagged::Value(Value::Object(map)) => {
                if let Some((key, inner)) = only_entry(map) {
                    if is_typed(key, inner) {
                        let mut out = s.serialize_map(Some(1))?;
                        out.serialize_entry(key, inner)?;
                        return out.end();
                    }
                    if TAGS.contains(&key.as_str()) {
                        // TagDict: escape a dict whose only key is a tag.
                        let mut out = s.serialize_map(Some(1))?;
                        out.serialize_key(" di")?;
                        out.serialize_value(&EscapedDict(key, inner))?;
                        return out.end();
                    }
                }
                serialize_map(map, false, s)
            }
            Tagged::Value(Value::Array(items)) => serialize_seq(items, false, s),
            Tagged::Value(scalar) => scalar.serialize(s),
            Tagged::Tuple(items) => {
                let mut out = s.serialize_map(Some(1))?;
                out.serialize_entry(" t", &PlainSeq(items))?;
                out.end()
            }
            Tagged::Flashes(items) => serialize_seq(items, true, s),
        }
    }
}

/// A list whose items are tagged as plain values.
struct PlainSeq<'a>(&'a [Value]);

impl Serialize for PlainSeq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_seq(self.0, false, s)
    }
}

/// The `{"key__": value}` inside a ` di` tag.
struct EscapedDict<'a>(&'a str, &'a Value);

impl Serialize for EscapedDict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(Some(1))?;
        out.serialize_entry(&format!("{}__", self.0), &Tagged::Value(self.1))?;
        out.end()
    }
}

fn only_entry(map: &Map<String, Value>) -> Option<(&String, &Value)> {
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some(entry), None) => Some(entry),
        _ => None,
    }
}

fn serialize_map<S: Serializer>(
    map: &Map<String, Value>,
    session: bool,
    s: S,
) -> Result<S::Ok, S::Error> {
    // Python's `sort_keys`: by code point, which is UTF-8 byte order.
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out = s.serialize_map(Some(entries.len()))?;
    for (key, value) in entries {
        match value {
            Value::Array(items) if session && key == FLASHES => {
                out.serialize_entry(key, &Tagged::Flashes(items))?;
            }
            _ => out.serialize_entry(key, &Tagged::Value(value))?,
        }
    }
    out.end()
}

fn serialize_seq<S: Serializer>(items: &[Value], flashes: bool, s: S) -> Result<S::Ok, S::Error> {
    let mut out = s.serialize_seq(Some(items.len()))?;
    for item in items {
        match item {
            Value::Array(tuple) if flashes => out.serialize_element(&Tagged::Tuple(tuple))?,
            _ => out.serialize_element(&Tagged::Value(item))?,
        }
    }
    out.end()
}

/// `json.dumps(..., ensure_ascii=True, separators=(",", ":"))`: compact output from the
/// trait's defaults, plus Python's string escapes and float `repr`.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        match python_float(value) {
            Some(text) => w.write_all(text.as_bytes()),
            None => Err(io::Error::other("non-finite float")),
        }
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if (' '..='~').contains(&ch) {
                continue;
            }
            w.write_all(bytes.get(start..i).unwrap_or_default())?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + ch.len_utf8();
        }
        w.write_all(bytes.get(start..).unwrap_or_default())
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, in positional notation
/// when the decimal exponent is in `-4..16` (with at least one digit after the point),
/// otherwise as `d.ddde±XX`. `None` for NaN and infinities.
pub(super) fn python_float(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some(
            if value.is_sign_negative() {
                "-0.0"
            } else {
                "0.0"
            }
            .to_owned(),
        );
    }
    // Rust's `{:e}` prints the same shortest round-trip digits: `-1.5e-7`, `1e16`.
    let sci = format!("{value:e}");
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = i32::try_from(digits.len()).ok()?;
    let mut out = String::from(sign);
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', usize::try_from(-point).ok()?));
            out.push_str(&digits);
        } else if point >= n {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', usize::try_from(point - n).ok()?));
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(usize::try_from(point).ok()?);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exp.unsigned_abs()));
    }
    Some(out)
}
