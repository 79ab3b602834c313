//! `SessionConfig`: the session settings an app writes, checked into `SessionSettings`
//! when the layer is built.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::codec::Codec;
use crate::key::KeyRing;
use crate::session::config_error::{ConfigError, whole_secs};
use crate::session::cookie_settings::{CookieSettings, SameSite};
use crate::session::format::CookieFormat;
use crate::session::layer::SessionLayer;
use crate::session::lifetimes::{DEFAULT_SKEW_SECS, Lifetimes};
use crate::session::settings::{Clock, SessionSettings, system_clock};
use crate::session::store::SessionStore;

const DEFAULT_PERMANENT_SECS: u64 = 31 * 24 * 60 * 60;

/// Settings of the session layer, checked by [`SessionConfig::build`].
///
/// Defaults follow Flask: cookie `session`, `Path=/`, `HttpOnly`, `SameSite=Lax`, no
/// `Secure`, permanent sessions last 31 days, and every session, permanent or not, is
/// refused server-side 31 days after it was created.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use axum_sesame::{Key, SameSite, SessionConfig};
///
/// let layer = SessionConfig::new(Key::from_bytes(&[7u8; 32]))
///     .with_cookie_name("__Host-session")
///     .with_secure(true)
///     .with_same_site(SameSite::Strict)
///     .with_permanent_lifetime(Duration::from_secs(7 * 24 * 3600))
///     .with_idle_timeout(Duration::from_secs(30 * 60))
///     .build()
///     .unwrap();
/// # let _ = layer;
///
/// // Mistakes are refused at start-up:
/// assert!(SessionConfig::new(Key::from_bytes(&[7u8; 32]))
///     .with_same_site(SameSite::None)
///     .build()
///     .is_err());
/// ```
#[derive(Clone)]
#[must_use = "call `.build()` to get the layer"]
pub struct SessionConfig {
    codec: Codec,
    cookie: CookieSettings,
    permanent: Duration,
    absolute: Option<Duration>,
    idle: Option<Duration>,
    skew: Duration,
    clock: Clock,
    store: Option<Arc<dyn SessionStore>>,
    #[cfg(feature = "flask")]
    flask: Option<(
        Arc<crate::flask_format::FlaskSigner>,
        crate::flask_format::IdentifierFormat,
    )>,
    #[cfg(all(feature = "flask", feature = "redis"))]
    flask_session: Option<Arc<crate::session::flask_store::FlaskSessionRedis>>,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("codec", &self.codec)
            .field("cookie", &self.cookie)
            .field("permanent", &self.permanent)
            .field("absolute", &self.absolute)
            .field("idle", &self.idle)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl SessionConfig {
    /// Defaults (see above) with the given key or [`KeyRing`](crate::KeyRing).
    pub fn new(keys: impl Into<KeyRing>) -> SessionConfig {
        SessionConfig {
            codec: Codec::new(keys),
            cookie: CookieSettings::new("session"),
            permanent: Duration::from_secs(DEFAULT_PERMANENT_SECS),
            absolute: None,
            idle: None,
            skew: Duration::from_secs(DEFAULT_SKEW_SECS),
            clock: Arc::new(system_clock),
            store: None,
            #[cfg(feature = "flask")]
            flask: None,
            #[cfg(all(feature = "flask", feature = "redis"))]
            flask_session: None,
        }
    }

    /// Flask mode: the session cookie is Flask's (itsdangerous-signed with `SECRET_KEY`,
    /// verified with `SECRET_KEY_FALLBACKS` too), the login is stored under
    /// Flask-Login's keys, and the remember cookie is Flask-Login's, so an axum app and a
    /// Flask app behind the same cookie name share sessions and logins both ways.
    ///
    /// Defaults match Flask's: cookie `session`, `PERMANENT_SESSION_LIFETIME` of 31 days
    /// (set it with [`with_permanent_lifetime`](Self::with_permanent_lifetime) to the
    /// Flask app's value). A server-side store, encryption, idle and absolute lifetimes
    /// cannot be combined with it ([`ConfigError::FlaskMode`]).
    ///
    /// ```
    /// use axum_sesame::SessionConfig;
    /// use axum_sesame::flask::FlaskSigner;
    ///
    /// let layer = SessionConfig::flask(FlaskSigner::from_text("the Flask app's SECRET_KEY"))
    ///     .build()
    ///     .unwrap();
    /// # let _ = layer;
    /// ```
    #[cfg(feature = "flask")]
    #[cfg_attr(docsrs, doc(cfg(feature = "flask")))]
    pub fn flask(signer: crate::flask_format::FlaskSigner) -> SessionConfig {
        // The crate's own key is not used for Flask's cookies; derive one from the Flask
        // secret for anything else that needs a key.
        let key = crate::key::Key::internal(&signer.internal_secret()[..]);
        let mut config = SessionConfig::new(key);
        config.flask = Some((
            Arc::new(signer),
            crate::flask_format::IdentifierFormat::default(),
        ));
        config
    }

    /// Flask mode with Flask-Session (`SESSION_TYPE = "redis"`): the session is the
    /// Flask-Session record in Redis and the cookie holds its id, so the Flask app and
    /// this one share server-side sessions (and logins) both ways. See
    /// [`FlaskSessionRedis`](crate::session::flask_store::FlaskSessionRedis) for the settings to match.
    ///
    /// ```no_run
    /// use axum_sesame::SessionConfig;
    /// use axum_sesame::flask::{FlaskSessionRedis, FlaskSigner};
    ///
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = FlaskSessionRedis::connect("redis://127.0.0.1:6379")?.with_key_prefix("app:");
    /// let layer = SessionConfig::flask(FlaskSigner::from_text("the Flask app's SECRET_KEY"))
    ///     .with_flask_session(store)
    ///     .build()?;
    /// # let _ = layer; Ok(()) }
    /// # let _ = f();
    /// ```
    #[cfg(all(feature = "flask", feature = "redis"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "flask", feature = "redis"))))]
    pub fn with_flask_session(
        mut self,
        store: crate::session::flask_store::FlaskSessionRedis,
    ) -> Self {
        self.flask_session = Some(Arc::new(store));
        self
    }

    /// Flask mode: which Flask-Login computes the session identifier `_id` (default
    /// [`IdentifierFormat::V06`](crate::flask::IdentifierFormat::V06), the released one).
    /// No effect outside Flask mode.
    #[cfg(feature = "flask")]
    #[cfg_attr(docsrs, doc(cfg(feature = "flask")))]
    pub fn with_flask_identifier(mut self, format: crate::flask_format::IdentifierFormat) -> Self {
        if let Some((_, f)) = &mut self.flask {
            *f = format;
        }
        self
    }

    /// The cookie's name (default `session`). A `__Host-` name enforces its rules.
    pub fn with_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie.name = name.into();
        self
    }

    /// The cookie's `Path` (default `/`).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.cookie.path = path.into();
        self
    }

    /// The cookie's `Domain` (default: none, the host only).
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie.domain = Some(domain.into());
        self
    }

    /// Whether the cookie is `Secure` (HTTPS only). Default off; turn it on in production.
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self
    }

    /// Whether the cookie is `HttpOnly` (hidden from JavaScript). Default on.
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.cookie.http_only = http_only;
        self
    }

    /// The cookie's `SameSite` (default `Lax`). `None` requires `Secure`.
    pub fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.cookie.same_site = same_site;
        self
    }

    /// How long a permanent session lives after it was last written (Flask's
    /// `PERMANENT_SESSION_LIFETIME`, default 31 days). Also its cookie's `Max-Age`.
    pub fn with_permanent_lifetime(mut self, lifetime: Duration) -> Self {
        self.permanent = lifetime;
        self
    }

    /// The hard cap on a session's age since creation, whatever the activity (default: the
    /// permanent lifetime, at least 31 days).
    pub fn with_absolute_lifetime(mut self, lifetime: Duration) -> Self {
        self.absolute = Some(lifetime);
        self
    }

    /// Ends sessions unused for this long (default: no idle limit). An active session's
    /// cookie is re-sent at most once a minute to keep it alive.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = Some(timeout);
        self
    }

    /// Encrypts the session payload as well as signing it (XChaCha20-Poly1305), so clients
    /// cannot read it. Default off: like Flask, the payload is signed and readable.
    pub fn with_encryption(mut self, encrypted: bool) -> Self {
        self.codec = self.codec.with_encryption(encrypted);
        self
    }

    /// Keeps sessions in `store` ([`MemoryStore`](crate::MemoryStore), `RedisStore`, or
    /// your own): the cookie then carries only a signed random session id, logout deletes
    /// the record (a replayed cookie is anonymous), and a failing store answers 503.
    pub fn with_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// How far a cookie's timestamps may lie in the future (default 60 s): the clocks
    /// of a fleet's instances differ, and a cookie one of them signed must not look
    /// forged to another. A cookie dated further ahead is anonymous here and left alone
    /// (another instance may be right, R47), and a warning says so, at most once a
    /// minute. Keep the fleet's clocks synchronised (NTP) and this small: it is also how
    /// long a forged-looking timestamp is believed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum_sesame::{Key, SessionConfig};
    ///
    /// let layer = SessionConfig::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_clock_skew(Duration::from_secs(5))
    ///     .build()
    ///     .unwrap();
    /// # let _ = layer;
    /// ```
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// Replaces the clock (seconds since the Unix epoch), for tests of expiry (feature
    /// `testing`).
    ///
    /// ```
    /// use axum_sesame::{Key, SessionConfig};
    ///
    /// let layer = SessionConfig::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_clock(|| 1_700_000_000)
    ///     .build()
    ///     .unwrap();
    /// # let _ = layer;
    /// ```
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the settings and builds the layer.
    ///
    /// # Errors
    /// A [`ConfigError`] saying which setting cannot work and how to fix it.
    pub fn build(self) -> Result<SessionLayer, ConfigError> {
        Ok(SessionLayer::from_settings(Arc::new(self.into_settings()?)))
    }

    pub(crate) fn into_settings(self) -> Result<SessionSettings, ConfigError> {
        self.cookie.validate()?;
        let permanent = whole_secs(self.permanent)?;
        let absolute = match self.absolute {
            Some(d) => whole_secs(d)?,
            None => permanent.max(DEFAULT_PERMANENT_SECS),
        };
        let idle = self.idle.map(whole_secs).transpose()?;
        #[cfg(all(feature = "flask", feature = "redis"))]
        if self.flask_session.is_some() && self.flask.is_none() {
            return Err(ConfigError::NotFlaskMode);
        }
        #[cfg(feature = "flask")]
        if let Some((signer, _)) = &self.flask {
            // Flask's cookie carries the whole session, signed and readable, with one
            // lifetime: PERMANENT_SESSION_LIFETIME from the last signing.
            if self.store.is_some()
                || self.codec.is_encrypted()
                || self.absolute.is_some()
                || self.idle.is_some()
            {
                return Err(ConfigError::FlaskMode);
            }
            if signer.has_empty_secret() {
                return Err(ConfigError::FlaskEmptySecret);
            }
        }
        let format = self.format();
        Ok(SessionSettings {
            codec: self.codec,
            cookie: self.cookie,
            lifetimes: Lifetimes {
                permanent,
                absolute,
                idle,
                skew: self.skew.as_secs(),
            },
            clock: self.clock,
            extension: None,
            store: self.store,
            format,
        })
    }
}

impl SessionConfig {
    #[cfg(feature = "flask")]
    fn format(&self) -> CookieFormat {
        match &self.flask {
            Some((signer, identifier)) => {
                CookieFormat::Flask(crate::session::format::FlaskFormat {
                    mode: crate::session::flask_mode::FlaskMode {
                        signer: signer.clone(),
                        identifier: *identifier,
                    },
                    #[cfg(feature = "redis")]
                    records: self.flask_session.clone(),
                })
            }
            None => CookieFormat::Sesame,
        }
    }

    #[cfg(not(feature = "flask"))]
    #[allow(clippy::unused_self)]
    fn format(&self) -> CookieFormat {
        CookieFormat::Sesame
    }
}

impl SessionLayer {
    /// A layer with the default settings of [`SessionConfig`], which are always valid.
    pub fn new(keys: impl Into<KeyRing>) -> SessionLayer {
        match SessionConfig::new(keys).build() {
            Ok(layer) => layer,
            // The defaults pass every check of `SessionConfig::build`.
            Err(e) => unreachable!("default session settings are valid: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{EncodeError, MAX_COOKIE_LEN};
    use crate::key::Key;

    fn config() -> SessionConfig {
        SessionConfig::new(Key::from_bytes(&[1; 32]))
    }

    fn err(c: SessionConfig) -> ConfigError {
        c.into_settings().unwrap_err()
    }

    #[test]
    fn refuses_unworkable_settings() {
        assert_eq!(
            err(config().with_same_site(SameSite::None)),
            ConfigError::SameSiteNoneWithoutSecure
        );
        assert!(
            config()
                .with_same_site(SameSite::None)
                .with_secure(true)
                .into_settings()
                .is_ok()
        );
        assert_eq!(
            err(config().with_cookie_name("__Host-s")),
            ConfigError::HostPrefix
        );
        assert_eq!(
            err(config()
                .with_cookie_name("__Host-s")
                .with_secure(true)
                .with_path("/app")),
            ConfigError::HostPrefix
        );
        assert_eq!(
            err(config()
                .with_cookie_name("__Host-s")
                .with_secure(true)
                .with_domain("a.b")),
            ConfigError::HostPrefix
        );
        assert_eq!(
            err(config().with_cookie_name("__Secure-s")),
            ConfigError::SecurePrefix
        );
        for bad in ["", "a b", "a;b", "a=b", "sé"] {
            assert_eq!(
                err(config().with_cookie_name(bad)),
                ConfigError::InvalidCookieName
            );
        }
        assert_eq!(err(config().with_path("app")), ConfigError::InvalidPath);
        assert_eq!(err(config().with_path("/a;b")), ConfigError::InvalidPath);
        assert_eq!(err(config().with_domain("a;b")), ConfigError::InvalidDomain);
        assert_eq!(
            err(config().with_permanent_lifetime(Duration::ZERO)),
            ConfigError::ZeroLifetime
        );
    }

    #[test]
    fn removal_repeats_the_attributes() {
        let mut c = CookieSettings::new("sid");
        c.secure = true;
        c.domain = Some("example.com".to_owned());
        c.path = "/app".to_owned();
        c.same_site = SameSite::Strict;
        let set = c.set_cookie("v".to_owned(), None).unwrap();
        let del = c.removal();
        for attr in [
            "Path=/app",
            "Domain=example.com",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
        ] {
            assert!(set.contains(attr), "{set}");
            assert!(del.contains(attr), "{del}");
        }
        assert!(del.starts_with("sid=;"), "{del}");
        assert!(del.contains("Max-Age=0"), "{del}");
        assert!(!set.contains("Max-Age"), "{set}");
        // The whole line counts: a value that fits alone can still be refused.
        let long = "v".repeat(MAX_COOKIE_LEN - 10);
        assert!(matches!(
            c.set_cookie(long, None),
            Err(EncodeError::TooLarge { .. })
        ));
    }
}
