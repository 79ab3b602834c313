//! Flask mode with Flask-Session's Redis records: the session cookie holds a session id,
//! and the session is the msgpack dict Flask-Session keeps under `session:<id>`.
//!
//! Flask-Session 0.8's `RedisSessionInterface` reads the cookie as the id (or unsigns it
//! with `SESSION_USE_SIGNER`), `GET`s the record, and on a change `SET`s it with a time to
//! live of `PERMANENT_SESSION_LIFETIME`; an unknown id starts a new session under a new
//! id. This side does the same, with three differences that keep it safe and cheap:
//! - a login, a logout and a restore from the remember cookie move the session to a new
//!   id (the old record is deleted), so a planted id never becomes a login (Flask-Session
//!   only does this when the app calls `regenerate`);
//! - the read is a `GETEX` that slides the record's lifetime, so a request that changes
//!   nothing is one round trip, and the record is written only when the session changed
//!   (Flask-Session writes it again on every request);
//! - an id from the cookie is used only if it is base64url of sane length
//!   ([`is_session_id`](crate::flask::is_session_id)), and a record that can't be read
//!   (pickled by an old Flask-Session, say) is left alone, as an unverifiable cookie is
//!   (R47).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::session::cookie_header::{MAX_CANDIDATES, cookie_values};
use crate::session::cookie_settings::CookieSettings;
use crate::session::failure::Failure;
use crate::session::flask_mode::FlaskMode;
use crate::session::flask_sid::FlaskSid;
use crate::session::incoming::{Incoming, Unread, note_unreadable};
use crate::session::lifetimes::Lifetimes;
use crate::session::redis::retry_stale;
use crate::session::state::SessionState;
use crate::session::store::StoreError;

/// Flask-Session's Redis records, for [`SessionConfig::with_flask_session`]: Flask mode for
/// apps whose Flask side sets `SESSION_TYPE = "redis"`.
///
/// Match the Flask app's settings: [`with_key_prefix`](Self::with_key_prefix)
/// (`SESSION_KEY_PREFIX`, default `session:`), [`with_signer`](Self::with_signer)
/// (`SESSION_USE_SIGNER`, default off) and [`with_permanent`](Self::with_permanent)
/// (`SESSION_PERMANENT`, default on). Records live `PERMANENT_SESSION_LIFETIME`
/// ([`SessionConfig::with_permanent_lifetime`]) from their last use. Only the default
/// `SESSION_SERIALIZATION_FORMAT`, `msgpack`, is read and written
/// ([`to_msgpack`](crate::flask::to_msgpack)).
///
/// [`SessionConfig::with_flask_session`]: crate::SessionConfig::with_flask_session
/// [`SessionConfig::with_permanent_lifetime`]: crate::SessionConfig::with_permanent_lifetime
///
/// ```no_run
/// use axum_sesame::SessionConfig;
/// use axum_sesame::flask::{FlaskSessionRedis, FlaskSigner};
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let layer = SessionConfig::flask(FlaskSigner::from_text("the Flask app's SECRET_KEY"))
///     .with_flask_session(FlaskSessionRedis::connect("redis://127.0.0.1:6379")?)
///     .build()?;
/// # let _ = layer; Ok(()) }
/// # let _ = f();
/// ```
#[derive(Clone)]
pub struct FlaskSessionRedis {
    conn: ConnectionManager,
    prefix: Arc<str>,
    signed: bool,
    permanent: bool,
}

impl fmt::Debug for FlaskSessionRedis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not printed.
        f.debug_struct("FlaskSessionRedis")
            .field("prefix", &self.prefix)
            .field("signed", &self.signed)
            .field("permanent", &self.permanent)
            .finish_non_exhaustive()
    }
}

impl FlaskSessionRedis {
    /// Records in the Redis at `url` (`redis://[:password@]host:port[/db]`, the Flask
    /// app's `SESSION_REDIS`). Connects lazily, with the timeouts of
    /// [`RedisStore`](crate::RedisStore).
    ///
    /// # Errors
    /// When the URL cannot be parsed. Must be called inside a Tokio runtime.
    pub fn connect(url: &str) -> Result<FlaskSessionRedis, StoreError> {
        let client = redis::Client::open(url).map_err(StoreError::new)?;
        let timeout = crate::session::redis::DEFAULT_TIMEOUT;
        Ok(FlaskSessionRedis {
            conn: crate::session::redis::connection(client, timeout, timeout)?,
            prefix: Arc::from("session:"),
            signed: false,
            permanent: true,
        })
    }

    /// Flask-Session's `SESSION_KEY_PREFIX` (default `session:`).
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: &str) -> FlaskSessionRedis {
        self.prefix = Arc::from(prefix);
        self
    }

    /// Flask-Session's `SESSION_USE_SIGNER` (default `false`): the cookie is the id
    /// signed with `SECRET_KEY` ([`FlaskSigner::sign_session_id`]), verified with the
    /// fallbacks too.
    ///
    /// [`FlaskSigner::sign_session_id`]: crate::flask::FlaskSigner::sign_session_id
    #[must_use]
    pub fn with_signer(mut self, signed: bool) -> FlaskSessionRedis {
        self.signed = signed;
        self
    }

    /// Flask-Session's `SESSION_PERMANENT` (default `true`): new sessions are permanent,
    /// their cookie lasting `PERMANENT_SESSION_LIFETIME`.
    #[must_use]
    pub fn with_permanent(mut self, permanent: bool) -> FlaskSessionRedis {
        self.permanent = permanent;
        self
    }

    fn key(&self, sid: &FlaskSid) -> String {
        format!("{}{}", self.prefix, sid.as_str())
    }

    /// The session id a cookie value names, and whether a fallback key signed it.
    fn sid_of(&self, flask: &FlaskMode, value: &[u8]) -> Option<(FlaskSid, bool)> {
        if self.signed {
            let (sid, by_fallback) = flask.signer.open_session_id(value)?;
            return Some((FlaskSid(sid), by_fallback));
        }
        let sid = std::str::from_utf8(value)
            .ok()
            .filter(|s| crate::flask_format::is_session_id(s))?;
        Some((FlaskSid(sid.to_owned()), false))
    }

    /// The cookie value for `sid`.
    fn cookie_value(&self, flask: &FlaskMode, sid: &FlaskSid) -> String {
        if self.signed {
            flask.signer.sign_session_id(sid.as_str())
        } else {
            sid.as_str().to_owned()
        }
    }

    /// Reads the request's session: the first cookie naming a live, readable record.
    pub(crate) async fn read(
        &self,
        cookie: &CookieSettings,
        lifetimes: &Lifetimes,
        flask: &FlaskMode,
        headers: &http::HeaderMap,
        now: u64,
    ) -> Result<SessionState, StoreError> {
        let ttl = lifetimes.permanent;
        let mut incoming = Incoming::Absent;
        for value in cookie_values(headers, &cookie.name).take(MAX_CANDIDATES) {
            let Some((sid, by_fallback)) = self.sid_of(flask, value) else {
                incoming = Unread::Unreadable.incoming(incoming);
                continue;
            };
            // An id nobody holds a record for: ended (or never begun), replaceable.
            incoming = Unread::Stale.incoming(incoming);
            let record: Option<Vec<u8>> = retry_stale(|| async {
                let mut conn = self.conn.clone();
                redis::cmd("GETEX")
                    .arg(self.key(&sid))
                    .arg("EX")
                    .arg(ttl.max(1))
                    .query_async(&mut conn)
                    .await
            })
            .await?;
            let Some(record) = record else { continue };
            match FlaskMode::from_record(&record, now, by_fallback) {
                Ok(mut state) => {
                    state.flask_loaded = Some(sid.clone());
                    state.flask_sid = Some(sid);
                    return Ok(state);
                }
                Err(why) => incoming = why.incoming(incoming),
            }
        }
        if incoming == Incoming::Unreadable {
            note_unreadable();
        }
        Ok(SessionState::empty(incoming))
    }

    /// Decides the record and cookie work for a session after the handler ran.
    pub(crate) fn finish(
        self: &Arc<Self>,
        cookie: &CookieSettings,
        lifetimes: &Lifetimes,
        flask: &FlaskMode,
        state: &mut SessionState,
    ) -> FlaskFinish {
        let loaded = state.flask_loaded.take();
        let lifetime = lifetimes.permanent;
        if state.is_empty() {
            return match (loaded, state.modified) {
                // Emptied by the app: the record and the cookie go.
                (Some(old), true) => FlaskFinish::Op(Box::new(FlaskOp {
                    store: Some(self.clone()),
                    delete: Some(old),
                    removal: Some(cookie.removal()),
                    ..FlaskOp::default()
                })),
                // An id without a record (ended) goes when the app empties the session;
                // an unreadable cookie is never destroyed (R47).
                (None, true) if state.incoming == Incoming::Invalid => FlaskFinish::Removal,
                _ => FlaskFinish::Accessed,
            };
        }
        let rotated = matches!(state.incoming, Incoming::Valid { rotated: true });
        let (sid, new_id) = match state.flask_sid.take() {
            Some(sid) => (sid, false),
            None => match crate::flask_format::generate_session_id() {
                Ok(sid) => (FlaskSid(sid), true),
                Err(e) => return FlaskFinish::Failed(Failure::Encode(e)),
            },
        };
        if loaded.is_none() {
            state.permanent |= self.permanent;
        }
        // Flask-Session sends the cookie again on every request of a permanent session
        // (its expiry slides); so does this, without writing the record again.
        if !(state.modified || new_id || rotated || state.permanent || state.resend) {
            return FlaskFinish::Accessed;
        }
        let record = if state.modified || new_id {
            match crate::flask_format::to_msgpack(&FlaskMode::to_map(state)) {
                Ok(bytes) => Some(bytes),
                Err(_) => {
                    return FlaskFinish::Failed(Failure::Encode(
                        crate::codec::EncodeError::Unencodable,
                    ));
                }
            }
        } else {
            None
        };
        let max_age = state.permanent.then_some(lifetime);
        let line = match cookie.set_cookie(self.cookie_value(flask, &sid), max_age) {
            Ok(line) => line,
            Err(e) => return FlaskFinish::Failed(Failure::Encode(e)),
        };
        FlaskFinish::Op(Box::new(FlaskOp {
            store: Some(self.clone()),
            save: record.map(|r| (sid.clone(), r, Duration::from_secs(lifetime.max(1)))),
            delete: loaded.filter(|old| *old != sid),
            cookie: Some(line),
            removal: None,
        }))
    }
}

/// What a response does with a Flask-Session session.
pub(crate) enum FlaskFinish {
    /// Read, nothing to send.
    Accessed,
    /// Delete the session cookie.
    Removal,
    /// Write or delete records, then send the cookie.
    Op(Box<FlaskOp>),
    /// The response becomes an error.
    Failed(Failure),
}

/// Record work decided when a response leaves.
#[derive(Default)]
pub(crate) struct FlaskOp {
    store: Option<Arc<FlaskSessionRedis>>,
    save: Option<(FlaskSid, Vec<u8>, Duration)>,
    delete: Option<FlaskSid>,
    cookie: Option<String>,
    removal: Option<String>,
}

impl fmt::Debug for FlaskOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cookie carries the session id, a bearer secret: not printed.
        f.debug_struct("FlaskOp")
            .field("save", &self.save.is_some())
            .field("delete", &self.delete.is_some())
            .finish_non_exhaustive()
    }
}

impl FlaskOp {
    /// Whether the response sets or deletes the session cookie.
    pub(crate) fn sets_cookie(&self) -> bool {
        self.cookie.is_some() || self.removal.is_some()
    }

    /// Writes and deletes records; returns the cookies to send.
    pub(crate) async fn run(self) -> Result<Vec<String>, Failure> {
        let Some(store) = self.store else {
            return Ok(Vec::new());
        };
        let mut pipe = redis::pipe();
        if let Some((sid, record, ttl)) = &self.save {
            pipe.cmd("SET")
                .arg(store.key(sid))
                .arg(record.as_slice())
                .arg("EX")
                .arg(ttl.as_secs())
                .ignore();
        }
        if let Some(old) = &self.delete {
            pipe.cmd("DEL").arg(store.key(old)).ignore();
        }
        if self.save.is_some() || self.delete.is_some() {
            retry_stale(|| async {
                let mut conn = store.conn.clone();
                pipe.query_async::<()>(&mut conn).await
            })
            .await
            .map_err(Failure::Store)?;
        }
        Ok(self.cookie.or(self.removal).into_iter().collect())
    }
}
