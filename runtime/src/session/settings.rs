//! A session layer's settings as every request reads them, resolved once by
//! [`SessionConfig::build`](crate::SessionConfig::build).

use std::fmt;
use std::sync::Arc;

use crate::codec::Codec;
use crate::session::cookie_settings::CookieSettings;
use crate::session::lifetimes::Lifetimes;
use crate::session::store::SessionStore;

/// Where "now" comes from, in whole seconds since the Unix epoch. Replaceable in tests.
pub(crate) type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

pub(crate) fn system_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) struct SessionSettings {
    pub(crate) codec: Codec,
    pub(crate) cookie: CookieSettings,
    pub(crate) lifetimes: Lifetimes,
    pub(crate) clock: Clock,
    /// The settings of the layer built on sessions (login), opaque here (see
    /// [`extras`](crate::session::extras)).
    pub(crate) extension: Option<Arc<dyn std::any::Any + Send + Sync>>,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    /// Flask mode: Flask's session cookie and Flask-Login's keys.
    #[cfg(feature = "flask")]
    pub(crate) flask: Option<crate::session::flask_mode::FlaskMode>,
    /// Flask mode over Flask-Session's Redis records: the session is the record, the
    /// cookie its id.
    #[cfg(all(feature = "flask", feature = "redis"))]
    pub(crate) flask_session: Option<Arc<crate::session::flask_store::FlaskSessionRedis>>,
}

impl SessionSettings {
    /// Whether a fallback key is configured: cookies may verify under one and then need
    /// re-issuing under the current key (R46).
    pub(crate) fn rotating(&self) -> bool {
        #[cfg(feature = "flask")]
        if let Some(flask) = &self.flask {
            return flask.signer.has_fallbacks();
        }
        self.codec.keys().iter().nth(1).is_some()
    }

    /// Whether the session is a Flask-Session record (the cookie holds only its id).
    #[cfg_attr(
        not(all(feature = "flask", feature = "redis")),
        allow(clippy::unused_self)
    )]
    pub(crate) fn is_server_side_flask(&self) -> bool {
        #[cfg(all(feature = "flask", feature = "redis"))]
        return self.flask.is_some() && self.flask_session.is_some();
        #[cfg(not(all(feature = "flask", feature = "redis")))]
        false
    }

    /// Whether cookies are in Flask's formats.
    #[cfg_attr(not(feature = "flask"), allow(clippy::unused_self))]
    pub(crate) fn is_flask(&self) -> bool {
        #[cfg(feature = "flask")]
        return self.flask.is_some();
        #[cfg(not(feature = "flask"))]
        false
    }
}

impl fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSettings")
            .field("codec", &self.codec)
            .field("cookie", &self.cookie)
            .field("lifetimes", &self.lifetimes)
            .field("extension", &self.extension.is_some())
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}
