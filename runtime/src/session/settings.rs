//! A session layer's settings as every request reads them, resolved once by
//! [`SessionConfig::build`](crate::SessionConfig::build).

use std::fmt;
use std::sync::Arc;

use crate::codec::Codec;
use crate::session::cookie_settings::CookieSettings;
use crate::session::format::CookieFormat;
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
    /// How sessions and logins are written into cookies: ours or Flask's.
    pub(crate) format: CookieFormat,
}

impl SessionSettings {
    /// Whether a fallback key is configured: cookies may verify under one and then need
    /// re-issuing under the current key (R46).
    pub(crate) fn rotating(&self) -> bool {
        self.format.rotating(&self.codec)
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
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}
