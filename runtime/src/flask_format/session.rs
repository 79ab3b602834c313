//! Flask's own session keys: flashed messages and `session.permanent`.

use std::fmt;

use serde_json::{Map, Value};

use super::keys::{FLASHES, PERMANENT};

/// Python truthiness of a JSON value, as `if session.get(key):` sees it.
pub(super) fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
    }
}

/// Flask's `session.permanent`: whether `_permanent` is truthy. A permanent session's
/// cookie gets `Expires = now + PERMANENT_SESSION_LIFETIME` and, with
/// `SESSION_REFRESH_EACH_REQUEST` (the default), is re-sent on every request; any other
/// session cookie lasts for the browser session. Either way Flask refuses a cookie
/// signed more than `PERMANENT_SESSION_LIFETIME` ago.
///
/// ```
/// use axum_sesame::flask::{is_permanent, set_permanent};
///
/// let mut session = serde_json::Map::new();
/// assert!(!is_permanent(&session));
/// set_permanent(&mut session, true);
/// assert_eq!(session["_permanent"], true);
/// assert!(is_permanent(&session));
/// ```
pub fn is_permanent(session: &Map<String, Value>) -> bool {
    truthy(session.get(PERMANENT))
}

/// Flask's `session.permanent = value`: stores `_permanent` as a bool (also when false,
/// as Flask does).
///
/// ```
/// let mut session = serde_json::Map::new();
/// axum_sesame::flask::set_permanent(&mut session, false);
/// assert_eq!(session["_permanent"], false);
/// ```
pub fn set_permanent(session: &mut Map<String, Value>, value: bool) {
    session.insert(PERMANENT.to_owned(), Value::Bool(value));
}

/// The flashed messages, as `get_flashed_messages(with_categories=True)` returns them,
/// without removing them. A Markup message (`{" m": html}`) gives its HTML.
///
/// # Errors
/// [`MalformedFlashes`] when `_flashes` is not a list of `(category, message)` strings.
///
/// ```
/// use axum_sesame::flask::flashes;
///
/// let session = serde_json::json!({"_flashes": [["error", "Bad password"]]});
/// let session = session.as_object().unwrap();
/// assert_eq!(flashes(session).unwrap(), [("error".to_owned(), "Bad password".to_owned())]);
/// ```
pub fn flashes(session: &Map<String, Value>) -> Result<Vec<(String, String)>, MalformedFlashes> {
    let Some(value) = session.get(FLASHES) else {
        return Ok(Vec::new());
    };
    let items = value.as_array().ok_or(MalformedFlashes)?;
    items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([category, message]) => Ok((
                category.as_str().ok_or(MalformedFlashes)?.to_owned(),
                message_text(message).ok_or(MalformedFlashes)?.to_owned(),
            )),
            _ => Err(MalformedFlashes),
        })
        .collect()
}

fn message_text(message: &Value) -> Option<&str> {
    match message {
        Value::String(text) => Some(text),
        Value::Object(map) if map.len() == 1 => map.get(" m")?.as_str(),
        _ => None,
    }
}

/// Replaces the flashed messages; [`to_json`](super::to_json) writes each as the tuple
/// `(category, message)`, as Flask's `flash()` does. An empty list removes `_flashes`, as
/// `get_flashed_messages` leaves the session.
///
/// ```
/// use axum_sesame::flask::{set_flashes, to_json};
///
/// let mut session = serde_json::Map::new();
/// set_flashes(&mut session, &[("message".to_owned(), "Hi".to_owned())]);
/// assert_eq!(to_json(&session).unwrap(), r#"{"_flashes":[{" t":["message","Hi"]}]}"#);
/// ```
pub fn set_flashes(session: &mut Map<String, Value>, flashes: &[(String, String)]) {
    if flashes.is_empty() {
        session.remove(FLASHES);
        return;
    }
    let items = flashes
        .iter()
        .map(|(category, message)| {
            Value::Array(vec![
                Value::String(category.clone()),
                Value::String(message.clone()),
            ])
        })
        .collect();
    session.insert(FLASHES.to_owned(), Value::Array(items));
}

/// Flask's `flash(message, category)`: appends one message.
///
/// # Errors
/// [`MalformedFlashes`] when `_flashes` exists and is not a list (Flask would fail too).
///
/// ```
/// use axum_sesame::flask::{flashes, push_flash};
///
/// let mut session = serde_json::Map::new();
/// push_flash(&mut session, "message", "Please log in to access this page.").unwrap();
/// assert_eq!(flashes(&session).unwrap().len(), 1);
/// ```
pub fn push_flash(
    session: &mut Map<String, Value>,
    category: &str,
    message: &str,
) -> Result<(), MalformedFlashes> {
    let item = Value::Array(vec![category.into(), message.into()]);
    match session
        .entry(FLASHES)
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(items) => {
            items.push(item);
            Ok(())
        }
        _ => Err(MalformedFlashes),
    }
}

/// `_flashes` is not a list of `(category, message)` strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedFlashes;

impl fmt::Display for MalformedFlashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`_flashes` is not a list of (category, message) strings")
    }
}

impl std::error::Error for MalformedFlashes {}
