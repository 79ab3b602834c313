//! Why a session or login setting cannot work: found when the layer is built.

use std::fmt;
use std::time::Duration;

/// A session setting that cannot work, found when the layer is built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `SameSite=None` without `Secure`: browsers drop such cookies.
    SameSiteNoneWithoutSecure,
    /// A `__Host-` cookie needs `Secure`, `Path=/` and no `Domain`.
    HostPrefix,
    /// A `__Secure-` cookie needs `Secure`.
    SecurePrefix,
    /// The cookie name is empty or not an HTTP token.
    InvalidCookieName,
    /// The path does not start with `/` or has characters a cookie attribute cannot carry.
    InvalidPath,
    /// The domain has characters a cookie attribute cannot carry.
    InvalidDomain,
    /// A lifetime of zero seconds.
    ZeroLifetime,
    /// A login or refresh view that is neither a local path like `/login` nor an
    /// `http(s)://host/path` URL.
    InvalidView,
    /// A login or refresh view on another origin (`http://127.0.0.1:5000/login`) without
    /// [`with_public_origin`](crate::LoginManager::with_public_origin): `next` must then
    /// be an absolute URL, and it is never built from the request's `Host`.
    ViewNeedsOrigin,
    /// A public origin that is not `http(s)://host[:port]`.
    InvalidOrigin,
    /// Flask mode with a setting Flask's cookie cannot honour: a server-side store,
    /// encryption, an idle or absolute lifetime, a time limit on fresh logins.
    FlaskMode,
    /// Flask mode with an empty `SECRET_KEY` (or fallback): Flask has no sessions then.
    FlaskEmptySecret,
    /// Flask-Session's records outside Flask mode.
    NotFlaskMode,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::SameSiteNoneWithoutSecure => {
                "`SameSite=None` requires `Secure`: call `.with_secure(true)` or use `SameSite::Lax`"
            }
            ConfigError::HostPrefix => {
                "a `__Host-` cookie requires `.with_secure(true)`, path `/` and no domain"
            }
            ConfigError::SecurePrefix => "a `__Secure-` cookie requires `.with_secure(true)`",
            ConfigError::InvalidCookieName => {
                "the cookie name must be a non-empty HTTP token (letters, digits, `-`, `_`, ...)"
            }
            ConfigError::InvalidPath => {
                "the cookie path must start with `/` and contain only visible ASCII without `;`"
            }
            ConfigError::InvalidDomain => {
                "the cookie domain must contain only letters, digits, `-` and `.`"
            }
            ConfigError::ZeroLifetime => "lifetimes must be at least one second",
            ConfigError::FlaskMode => {
                "Flask mode keeps the session in Flask's signed cookie with one lifetime \
                 (PERMANENT_SESSION_LIFETIME): drop `.with_store(..)`, `.with_encryption(true)`, \
                 `.with_idle_timeout(..)`, `.with_absolute_lifetime(..)` and `.with_fresh_for(..)`"
            }
            ConfigError::FlaskEmptySecret => {
                "Flask mode needs the Flask app's non-empty SECRET_KEY (and non-empty fallbacks)"
            }
            ConfigError::NotFlaskMode => {
                "`.with_flask_session(..)` shares Flask-Session's records with a Flask app: \
                 start from `SessionConfig::flask(..)`"
            }
            ConfigError::InvalidView => {
                "login and refresh views must be local paths such as \"/login\" or \
                 http(s) URLs such as \"https://auth.example.com/login\""
            }
            ConfigError::ViewNeedsOrigin => {
                "a login or refresh view on another origin needs \
                 `.with_public_origin(\"https://app.example.com\")`: `next` is then an \
                 absolute URL to this app, never built from the request's Host"
            }
            ConfigError::InvalidOrigin => {
                "the public origin must be `http(s)://host[:port]`, without path, query or \
                 credentials"
            }
        })
    }
}

impl std::error::Error for ConfigError {}

/// A lifetime in whole seconds; zero is refused.
pub(crate) fn whole_secs(d: Duration) -> Result<u64, ConfigError> {
    match d.as_secs() {
        0 => Err(ConfigError::ZeroLifetime),
        s => Ok(s),
    }
}
