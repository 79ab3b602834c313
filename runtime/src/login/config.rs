//! `LoginManager`: Flask-Login's settings as an app writes them, checked by `build`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;

use crate::key::KeyRing;
use crate::login::layer::LoginManagerLayer;
use crate::login::settings::{
    BoxHandler, ErasedTyped, LoginSettings, Message, RequestLoader, SessionProtection,
    SignalHandler,
};
use crate::session::SessionLayer;
use crate::session::config::SessionConfig;
use crate::session::config_error::{ConfigError, whole_secs};
use crate::session::cookie_settings::{CookieSettings, SameSite};

/// Flask-Login's `LoginManager`: sessions, login views, remember-me, freshness, session
/// protection, request loaders and the unauthorized callbacks, as one tower layer.
///
/// It includes the session layer: add only this one. Settings are checked when the layer
/// is built: [`LoginManager::build`] returns a [`ConfigError`] saying which setting cannot
/// work, before the router serves anything.
///
/// | Flask-Login | here |
/// |---|---|
/// | `login_view` | [`with_login_view`](Self::with_login_view) |
/// | `refresh_view` | [`with_refresh_view`](Self::with_refresh_view) |
/// | `login_message`, `login_message_category` | [`with_login_message`](Self::with_login_message) |
/// | `needs_refresh_message` (+ category) | [`with_needs_refresh_message`](Self::with_needs_refresh_message) |
/// | `session_protection` | [`with_session_protection`](Self::with_session_protection) |
/// | `REMEMBER_COOKIE_*` | `with_remember_*` |
/// | `unauthorized_handler`, `needs_refresh_handler` | [`with_unauthorized_handler`](Self::with_unauthorized_handler), [`with_needs_refresh_handler`](Self::with_needs_refresh_handler) (and a [`with_forbidden_handler`](Self::with_forbidden_handler)) |
/// | `request_loader` | [`with_bearer_loader`](Self::with_bearer_loader), [`with_header_loader`](Self::with_header_loader) |
/// | `EXEMPT_METHODS` | [`with_exempt_methods`](Self::with_exempt_methods) |
/// | `LOGIN_DISABLED` | [`with_login_disabled`](Self::with_login_disabled) |
///
/// # Example
/// ```
/// use axum::{routing::get, Router};
/// use axum_sesame::{Key, LoginManager};
///
/// let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]))
///     .with_login_view("/login")
///     .with_refresh_view("/reauth");
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(manager.build().unwrap());
/// # let _ = app;
/// ```
#[derive(Clone)]
#[must_use = "call `.build()?` and add the layer to the router with `.layer(...)`"]
pub struct LoginManager {
    /// Behind an `Arc`: cheap clones of a manager with many settings.
    spec: Arc<Spec>,
}

/// The settings of a [`LoginManager`].
#[derive(Clone)]
pub(super) struct Spec {
    session: SessionConfig,
    login_view: Option<String>,
    refresh_view: Option<String>,
    public_origin: Option<String>,
    login_message: Message,
    needs_refresh_message: Message,
    protection: SessionProtection,
    remember: CookieSettings,
    remember_overrides: RememberOverrides,
    remember_duration: Duration,
    remember_refresh: bool,
    fresh_for: Option<Duration>,
    permanent_login: bool,
    pub(super) unauthorized: Option<BoxHandler>,
    pub(super) needs_refresh: Option<BoxHandler>,
    pub(super) forbidden: Option<BoxHandler>,
    pub(super) request_loaders: Vec<RequestLoader>,
    pub(super) typed_loaders: Vec<ErasedTyped>,
    pub(super) permission_sources: Vec<ErasedTyped>,
    pub(super) signal_handlers: Vec<SignalHandler>,
    exempt_methods: Vec<Method>,
    disabled: bool,
}

/// Remember-cookie attributes set explicitly; the others follow the session cookie.
#[derive(Clone, Copy, Debug, Default)]
struct RememberOverrides {
    path: bool,
    domain: bool,
    secure: bool,
    http_only: bool,
    same_site: bool,
}

impl fmt::Debug for LoginManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginManager")
            .field("session", &self.spec.session)
            .field("login_view", &self.spec.login_view)
            .field("refresh_view", &self.spec.refresh_view)
            .field("protection", &self.spec.protection)
            .field("remember", &self.spec.remember)
            .field("disabled", &self.spec.disabled)
            .finish_non_exhaustive()
    }
}

const DEFAULT_REMEMBER: Duration = Duration::from_secs(365 * 24 * 60 * 60);

impl LoginManager {
    /// A manager with Flask-Login's defaults and the default session settings.
    pub fn new(keys: impl Into<KeyRing>) -> LoginManager {
        LoginManager::with_session(SessionConfig::new(keys))
    }

    /// A manager in Flask mode ([`SessionConfig::flask`]): Flask's session cookie,
    /// Flask-Login's session keys and remember cookie (`remember_token`, 365 days), so
    /// logins are shared with a Flask app that has the same `SECRET_KEY`.
    ///
    /// ```
    /// use axum_sesame::LoginManager;
    /// use axum_sesame::flask::FlaskSigner;
    ///
    /// let manager = LoginManager::flask(FlaskSigner::from_text("the Flask app's SECRET_KEY"))
    ///     .with_login_view("/login");
    /// # let _ = manager;
    /// ```
    #[cfg(feature = "flask")]
    #[cfg_attr(docsrs, doc(cfg(feature = "flask")))]
    pub fn flask(signer: crate::flask_format::FlaskSigner) -> LoginManager {
        LoginManager::with_session(SessionConfig::flask(signer))
    }

    /// A manager over custom session settings (cookie name, lifetimes, encryption …).
    pub fn with_session(session: SessionConfig) -> LoginManager {
        let spec = Spec {
            session,
            login_view: None,
            refresh_view: None,
            public_origin: None,
            login_message: Some((
                "message".to_owned(),
                "Please log in to access this page.".to_owned(),
            )),
            needs_refresh_message: Some((
                "message".to_owned(),
                "Please reauthenticate to access this page.".to_owned(),
            )),
            protection: SessionProtection::Basic,
            remember: CookieSettings::new("remember_token"),
            remember_overrides: RememberOverrides::default(),
            remember_duration: DEFAULT_REMEMBER,
            remember_refresh: false,
            fresh_for: None,
            permanent_login: false,
            unauthorized: None,
            needs_refresh: None,
            forbidden: None,
            request_loaders: Vec::new(),
            typed_loaders: Vec::new(),
            permission_sources: Vec::new(),
            signal_handlers: Vec::new(),
            exempt_methods: Vec::new(),
            disabled: false,
        };
        LoginManager {
            spec: Arc::new(spec),
        }
    }

    /// The settings, to change (clones made earlier keep theirs).
    pub(super) fn spec_mut(&mut self) -> &mut Spec {
        Arc::make_mut(&mut self.spec)
    }

    /// Where anonymous browsers are sent (with `?next=`). Without it they get a 401.
    ///
    /// A local path (`/login`), or, while another app owns the login page (a Flask app
    /// during a migration), an `http(s)` URL on its origin: then set
    /// [`with_public_origin`](Self::with_public_origin) too, so that `next` is an absolute
    /// URL back to this app.
    ///
    /// ```
    /// use axum_sesame::{Key, LoginManager};
    ///
    /// let layer = LoginManager::new(Key::from_bytes(&[7u8; 32]))
    ///     .with_login_view("http://127.0.0.1:5000/login")   // Flask still serves /login
    ///     .with_public_origin("http://127.0.0.1:8001")        // where this app is reached
    ///     .build();
    /// assert!(layer.is_ok());
    /// ```
    pub fn with_login_view(mut self, path: impl Into<String>) -> Self {
        self.spec_mut().login_view = Some(path.into());
        self
    }

    /// Where logged-in but non-fresh browsers are sent by fresh-only routes. Without it
    /// they get a 401. A local path or, as for the login view, an `http(s)` URL.
    pub fn with_refresh_view(mut self, path: impl Into<String>) -> Self {
        self.spec_mut().refresh_view = Some(path.into());
        self
    }

    /// The origin browsers reach this app at (`https://app.example.com`), configured, never
    /// taken from the request's `Host`: with a login or refresh view on another origin,
    /// `next` is this origin followed by the path the client asked for.
    pub fn with_public_origin(mut self, origin: impl Into<String>) -> Self {
        self.spec_mut().public_origin = Some(origin.into());
        self
    }

    /// The message flashed on the redirect to the login view (default
    /// `Please log in to access this page.`, category `message`); `None` flashes nothing.
    pub fn with_login_message(mut self, message: Option<(&str, &str)>) -> Self {
        self.spec_mut().login_message = message.map(|(c, m)| (c.to_owned(), m.to_owned()));
        self
    }

    /// The message flashed on the redirect to the refresh view (default
    /// `Please reauthenticate to access this page.`); `None` flashes nothing.
    pub fn with_needs_refresh_message(mut self, message: Option<(&str, &str)>) -> Self {
        self.spec_mut().needs_refresh_message = message.map(|(c, m)| (c.to_owned(), m.to_owned()));
        self
    }

    /// Session protection mode (default [`SessionProtection::Basic`]).
    pub fn with_session_protection(mut self, protection: SessionProtection) -> Self {
        self.spec_mut().protection = protection;
        self
    }

    /// A fresh login stays fresh this long after the password was entered (default: for
    /// the whole session, as in Flask-Login).
    pub fn with_fresh_for(mut self, duration: Duration) -> Self {
        self.spec_mut().fresh_for = Some(duration);
        self
    }

    /// Makes every login permanent — `login_user` and a restore from the remember cookie
    /// alike — so its cookie carries `Max-Age` and the session's permanent lifetime applies
    /// (default off: Flask leaves `session.permanent` to the application).
    pub fn with_permanent_login(mut self, permanent: bool) -> Self {
        self.spec_mut().permanent_login = permanent;
        self
    }

    /// The remember cookie's name (default `remember_token`).
    pub fn with_remember_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.spec_mut().remember.name = name.into();
        self
    }

    /// How long a remember cookie is honoured, checked on the server (default 365 days).
    pub fn with_remember_duration(mut self, duration: Duration) -> Self {
        self.spec_mut().remember_duration = duration;
        self
    }

    /// The remember cookie's `Path` (default: the session cookie's).
    pub fn with_remember_path(mut self, path: impl Into<String>) -> Self {
        let spec = self.spec_mut();
        spec.remember.path = path.into();
        spec.remember_overrides.path = true;
        self
    }

    /// The remember cookie's `Domain` (default: the session cookie's).
    pub fn with_remember_domain(mut self, domain: impl Into<String>) -> Self {
        let spec = self.spec_mut();
        spec.remember.domain = Some(domain.into());
        spec.remember_overrides.domain = true;
        self
    }

    /// Whether the remember cookie is `Secure` (default: the session cookie's setting).
    pub fn with_remember_secure(mut self, secure: bool) -> Self {
        let spec = self.spec_mut();
        spec.remember.secure = secure;
        spec.remember_overrides.secure = true;
        self
    }

    /// Whether the remember cookie is `HttpOnly` (default: the session cookie's setting).
    pub fn with_remember_http_only(mut self, http_only: bool) -> Self {
        let spec = self.spec_mut();
        spec.remember.http_only = http_only;
        spec.remember_overrides.http_only = true;
        self
    }

    /// The remember cookie's `SameSite` (default: the session cookie's setting).
    pub fn with_remember_same_site(mut self, same_site: SameSite) -> Self {
        let spec = self.spec_mut();
        spec.remember.same_site = same_site;
        spec.remember_overrides.same_site = true;
        self
    }

    /// Re-issue the remember cookie with a new expiry on every authenticated request
    /// (Flask-Login's `REMEMBER_COOKIE_REFRESH_EACH_REQUEST`; default off).
    pub fn with_remember_refresh_each_request(mut self, refresh: bool) -> Self {
        self.spec_mut().remember_refresh = refresh;
        self
    }

    /// Methods that `#[login_required]` lets through unauthenticated (Flask-Login's
    /// `EXEMPT_METHODS`, there `OPTIONS`). Default: none — every method is guarded; pass
    /// `[Method::OPTIONS]` for CORS preflights that reach guarded handlers.
    pub fn with_exempt_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.spec_mut().exempt_methods = methods.into_iter().collect();
        self
    }

    /// Turns `#[login_required]` off, for tests (Flask-Login's `LOGIN_DISABLED`).
    pub fn with_login_disabled(mut self, disabled: bool) -> Self {
        self.spec_mut().disabled = disabled;
        self
    }

    /// Checks the settings and builds the layer.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the setting that cannot work.
    pub fn build(self) -> Result<LoginManagerLayer, ConfigError> {
        let this = Arc::unwrap_or_clone(self.spec);
        let mut session = this.session.into_settings()?;
        let mut remember = this.remember;
        let o = this.remember_overrides;
        let base = &session.cookie;
        if !o.path {
            remember.path.clone_from(&base.path);
        }
        if !o.domain {
            remember.domain.clone_from(&base.domain);
        }
        if !o.secure {
            remember.secure = base.secure;
        }
        if !o.http_only {
            remember.http_only = base.http_only;
        }
        if !o.same_site {
            remember.same_site = base.same_site;
        }
        remember.validate()?;
        if remember.name == base.name {
            return Err(ConfigError::InvalidCookieName);
        }
        let public_origin = match this.public_origin {
            Some(o) if crate::redirect::is_origin(&o) => Some(o.trim_end_matches('/').to_owned()),
            Some(_) => return Err(ConfigError::InvalidOrigin),
            None => None,
        };
        for view in [&this.login_view, &this.refresh_view].into_iter().flatten() {
            if crate::redirect::is_safe_next(view) {
                continue;
            }
            if !crate::redirect::is_absolute_http(view) {
                return Err(ConfigError::InvalidView);
            }
            if public_origin.is_none() {
                return Err(ConfigError::ViewNeedsOrigin);
            }
        }
        // Flask-Login's `_fresh` has no time: a time limit on it cannot hold in Flask mode.
        if !session.format.fresh_has_time() && this.fresh_for.is_some() {
            return Err(ConfigError::FlaskMode);
        }
        session.extension = Some(Arc::new(LoginSettings {
            login_view: this.login_view,
            refresh_view: this.refresh_view,
            public_origin,
            login_message: this.login_message,
            needs_refresh_message: this.needs_refresh_message,
            protection: this.protection,
            remember,
            remember_secs: whole_secs(this.remember_duration)?,
            remember_refresh: this.remember_refresh,
            fresh_secs: this.fresh_for.map(whole_secs).transpose()?,
            permanent_login: this.permanent_login,
            unauthorized: this.unauthorized,
            needs_refresh: this.needs_refresh,
            forbidden: this.forbidden,
            request_loaders: this.request_loaders,
            typed_loaders: this.typed_loaders,
            permission_sources: this.permission_sources,
            signal_handlers: this.signal_handlers,
            exempt_methods: this.exempt_methods,
            disabled: this.disabled,
        }));
        Ok(LoginManagerLayer::new(SessionLayer::from_settings(
            Arc::new(session),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;
    use crate::session::SessionService;
    use tower_layer::Layer;

    fn settings_of<S>(
        service: &SessionService<S>,
    ) -> &Arc<crate::session::settings::SessionSettings> {
        service.settings()
    }

    fn login_view<S>(service: &SessionService<S>) -> Option<String> {
        let login = settings_of(service).extension.clone()?;
        login.downcast::<LoginSettings>().ok()?.login_view.clone()
    }

    #[test]
    fn a_built_layer_is_shared_by_its_clones() {
        let layer = LoginManager::new(Key::from_bytes(&[7u8; 32]))
            .with_login_view("/login")
            .build()
            .unwrap();
        let a = layer.layer(());
        let b = layer.clone().layer(());
        let (a, b) = (a.session(), b.session());
        assert!(Arc::ptr_eq(settings_of(a), settings_of(b)));
        assert_eq!(login_view(b).as_deref(), Some("/login"));
    }

    #[test]
    fn a_setting_that_cannot_work_is_an_error_when_built() {
        let manager = LoginManager::new(Key::from_bytes(&[7u8; 32]));
        let err = manager
            .clone()
            .with_login_view("login")
            .build()
            .unwrap_err();
        assert_eq!(err, ConfigError::InvalidView);
        // The manager it was changed from still builds.
        assert!(manager.build().is_ok());
    }
}
