//! [`Session`], the handler's view of the request's session (Flask's `session`), and
//! [`Flash`].

use std::fmt;
use std::sync::Arc;

use axum_core::extract::FromRequestParts;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::session::rejection::{
    MissingSessionLayer, SessionError, SessionRejection, StoreUnavailable,
};
use crate::session::slot::Slot;
use crate::session::state::SessionState;

/// A flashed message, shown once (Flask's `flash` / `get_flashed_messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Flash {
    /// The category, `"message"` unless given (Flask's default).
    pub category: String,
    /// The text.
    pub message: String,
}

/// The session of the current request, like Flask's `session`.
///
/// Values are anything serde can turn into JSON. Changes are written back in a signed
/// cookie when the response leaves the [`SessionLayer`](crate::SessionLayer); a session nobody changed sends no
/// cookie. Cheap to clone: clones share the request's session.
///
/// # Example
/// ```
/// use axum_sesame::Session;
///
/// async fn login(session: Session) -> &'static str {
///     session.insert("username", "alice").unwrap();
///     session.set_permanent(true);
///     session.flash("You were logged in");
///     "ok"
/// }
///
/// async fn profile(session: Session) -> String {
///     match session.get::<String>("username") {
///         Some(name) => format!("Hello, {name}"),
///         None => "Not logged in".to_owned(),
///     }
/// }
///
/// let app: axum::Router = axum::Router::new()
///     .route("/login", axum::routing::post(login))
///     .route("/profile", axum::routing::get(profile))
///     .layer(axum_sesame::SessionLayer::new(axum_sesame::Key::development()));
/// # let _ = app;
/// ```
///
/// The extractor's rejection is [`SessionRejection`]: a 500 when the layer is missing.
#[derive(Clone)]
pub struct Session {
    slot: Arc<Slot>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Session values may be personal data: print only the keys.
        self.slot.with(|s| {
            f.debug_struct("Session")
                .field("keys", &s.data.keys().collect::<Vec<_>>())
                .field("permanent", &s.permanent)
                .field("modified", &s.modified)
                .finish_non_exhaustive()
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Session::from_parts(parts).await
    }
}

impl Session {
    pub(crate) async fn from_parts(parts: &Parts) -> Result<Session, SessionRejection> {
        let slot = crate::session::layer::current_slot()
            .ok_or(SessionRejection::MissingLayer(MissingSessionLayer))?;
        slot.load(&parts.headers)
            .await
            .map_err(|e| SessionRejection::StoreUnavailable(StoreUnavailable::logged(&e)))?;
        Ok(Session { slot })
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        self.slot.with(f)
    }

    /// The value under `key`, or `None` when absent or not of type `T`.
    ///
    /// ```
    /// # use axum_sesame::Session;
    /// async fn profile(session: Session) -> String {
    ///     let name: Option<String> = session.get("username");
    ///     name.unwrap_or_else(|| "anonymous".to_owned())
    /// }
    /// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(profile));
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.try_get(key).ok().flatten()
    }

    /// The value under `key`; an error when it is present but not of type `T`.
    ///
    /// # Errors
    /// [`SessionError`] when the stored JSON does not deserialize into `T`.
    pub fn try_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let value = self.with(|s| s.data.get(key).cloned());
        value
            .map(|v| serde_json::from_value(v).map_err(SessionError::new))
            .transpose()
    }

    /// The raw JSON value under `key`.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.with(|s| s.data.get(key).cloned())
    }

    /// Stores `value` under `key` (Flask's `session[key] = value`).
    ///
    /// # Errors
    /// [`SessionError`] when `value` cannot be represented as JSON (for example a map with
    /// non-string keys). The session is then unchanged.
    pub fn insert<T: Serialize>(
        &self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), SessionError> {
        let value = serde_json::to_value(value).map_err(SessionError::new)?;
        self.insert_value(key, value);
        Ok(())
    }

    /// Stores a JSON value under `key`.
    pub fn insert_value(&self, key: impl Into<String>, value: Value) {
        let key = key.into();
        self.with(|s| {
            s.changes().key(&key);
            s.data.insert(key, value);
            s.modified = true;
        });
    }

    /// Removes `key` and returns its value if it was of type `T` (Flask's `session.pop`).
    pub fn remove<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.remove_value(key)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// Removes `key` and returns its raw JSON value.
    pub fn remove_value(&self, key: &str) -> Option<Value> {
        self.with(|s| {
            let old = s.data.remove(key);
            if old.is_some() {
                s.changes().key(key);
                s.modified = true;
            }
            old
        })
    }

    /// Whether `key` is present (Flask's `key in session`).
    pub fn contains(&self, key: &str) -> bool {
        self.with(|s| s.data.contains_key(key))
    }

    /// The keys present, in order.
    pub fn keys(&self) -> Vec<String> {
        self.with(|s| s.data.keys().cloned().collect())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.with(|s| s.data.len())
    }

    /// Whether the session holds no data (flashes and login state aside).
    pub fn is_empty(&self) -> bool {
        self.with(|s| s.data.is_empty())
    }

    /// Empties the whole session, flashes and login state included, and starts a new
    /// session id. The cookie is deleted unless something is stored again.
    pub fn clear(&self) {
        self.with(SessionState::flush);
    }

    /// Makes the session permanent (its cookie gets `Max-Age` = the permanent lifetime, and
    /// the server refuses it once unused that long) or a browser-session cookie again.
    pub fn set_permanent(&self, permanent: bool) {
        self.with(|s| {
            if s.permanent != permanent {
                s.permanent = permanent;
                s.changes().permanent = true;
                s.modified = true;
            }
        });
    }

    /// Whether the session is permanent.
    pub fn is_permanent(&self) -> bool {
        self.with(|s| s.permanent)
    }

    /// Checks that the session, as it stands now, fits in its cookie: at most 4096 bytes
    /// (in Flask mode also at most 64 KiB of JSON once inflated). The layer refuses to
    /// write a cookie it would not read back, and answers 500 instead; call this after
    /// storing something large to handle it yourself (remove data, or keep sessions in a
    /// [`SessionStore`](crate::SessionStore), whose cookie only carries an id and always fits).
    ///
    /// # Errors
    /// [`SessionError`] saying how large the cookie would be.
    ///
    /// ```
    /// use axum_sesame::Session;
    ///
    /// async fn save_note(session: Session, note: String) -> Result<&'static str, &'static str> {
    ///     session.insert("note", &note).map_err(|_| "not storable")?;
    ///     if session.check_size().is_err() {
    ///         session.remove_value("note");
    ///         return Err("note too long for the session");
    ///     }
    ///     Ok("saved")
    /// }
    /// # let _ = save_note;
    /// ```
    pub fn check_size(&self) -> Result<(), SessionError> {
        self.slot.check_fits().map_err(SessionError::new)
    }

    /// Whether this request changed the session.
    pub fn is_modified(&self) -> bool {
        self.with(|s| s.modified)
    }

    /// Marks the session changed, so its cookie is re-sent (Flask's `session.modified = True`).
    pub fn mark_modified(&self) {
        self.with(|s| s.modified = true);
    }

    /// Flashes a message of category `"message"`, for the next page that takes flashes.
    pub fn flash(&self, message: impl Into<String>) {
        self.flash_with("message", message);
    }

    /// Flashes a message with a category (`"error"`, `"info"`, …).
    pub fn flash_with(&self, category: impl Into<String>, message: impl Into<String>) {
        let entry = (category.into(), message.into());
        self.with(|s| {
            s.flashes.push(entry);
            s.changes().added += 1;
            s.modified = true;
        });
    }

    /// Removes and returns every flashed message (Flask's `get_flashed_messages`), so each
    /// is shown once.
    pub fn take_flashes(&self) -> Vec<Flash> {
        self.with(|s| {
            if s.flashes.is_empty() {
                return Vec::new();
            }
            s.modified = true;
            let taken = std::mem::take(&mut s.flashes);
            // Shown flashes that came from the record are removed from a newer one too.
            let loaded = taken.len() - s.changes().added.min(taken.len());
            s.changes().taken.extend_from_slice(&taken[..loaded]);
            s.changes().added = 0;
            taken
                .into_iter()
                .map(|(category, message)| Flash { category, message })
                .collect()
        })
    }
}
