//! `CurrentUser<U>` and `Auth<U>`: Flask-Login's `current_user`, `login_user`,
//! `logout_user`, `confirm_login`, `login_fresh` and the safe `next`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::codec::EncodeError;
use crate::login::ctx::LoginCtx;
use crate::login::events::{dispatch_with, signal};
use crate::login::format::client_identity;
use crate::login::refusal::{Local, unauthorized};
use crate::login::rejection::LoginRejection;
use crate::login::remember::RememberPayload;
use crate::login::resolve::{RememberAction, auth_hash, resolve};
use crate::login::signal::LoginSignal;
use crate::login::store_mode::user_agent;
use crate::login::{AuthUser, HasUserLoader, UserLoader};
use crate::redirect::{is_safe_next, see_other};
use crate::session::StoreUnavailable;
use crate::session::state::ClientId;

/// The logged-in user (Flask-Login's `current_user`), loaded once per request by the
/// `#[user_loader]` of `U`. Anonymous requests are answered with the manager's
/// unauthorized policy; take `Option<CurrentUser<U>>` to handle them yourself.
///
/// # Example
/// ```
/// use axum_sesame::{AuthUser, CurrentUser, user_loader};
///
/// struct User { email: String }
/// impl AuthUser for User {
///     type Id = String;
///     fn id(&self) -> String { self.email.clone() }
///     fn session_auth_hash(&self) -> &[u8] { b"" }
/// }
///
/// #[user_loader]
/// async fn load_user(id: String) -> Option<User> { Some(User { email: id }) }
///
/// async fn protected(user: CurrentUser<User>) -> String {
///     format!("Logged in as: {}", user.email)
/// }
///
/// async fn maybe(user: Option<CurrentUser<User>>) -> String {
///     user.map_or("anonymous".into(), |u| u.email.clone())
/// }
/// # let _ = axum::Router::<()>::new()
/// #     .route("/p", axum::routing::get(protected))
/// #     .route("/m", axum::routing::get(maybe));
/// ```
pub struct CurrentUser<U: HasUserLoader>(Arc<U>);

impl<U: HasUserLoader> CurrentUser<U> {
    pub(crate) fn from_arc(user: Arc<U>) -> Self {
        CurrentUser(user)
    }

    /// The shared user.
    pub fn into_inner(self) -> Arc<U> {
        self.0
    }
}

impl<U: HasUserLoader> Clone for CurrentUser<U> {
    fn clone(&self) -> Self {
        CurrentUser(self.0.clone())
    }
}

impl<U: HasUserLoader> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: HasUserLoader + fmt::Debug> fmt::Debug for CurrentUser<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CurrentUser").field(&self.0).finish()
    }
}

impl<S, U> FromRequestParts<S> for CurrentUser<U>
where
    S: Send + Sync + 'static,
    U: UserLoader<S>,
{
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (ctx, res) = resolve::<U, S>(parts, state).await?;
        match &res.user {
            Some(user) => Ok(CurrentUser(user.clone())),
            None => Err(unauthorized(&ctx, parts, Local::default()).await),
        }
    }
}

impl<S, U> OptionalFromRequestParts<S> for CurrentUser<U>
where
    S: Send + Sync + 'static,
    U: UserLoader<S>,
{
    type Rejection = LoginRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let (_, res) = resolve::<U, S>(parts, state).await?;
        Ok(res.user.clone().map(CurrentUser))
    }
}

/// Why `login_user` refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// The user is not active (use `.force(true)` to log them in anyway).
    Inactive,
    /// The remember cookie could not be made.
    Cookie(EncodeError),
    /// The session store is unavailable (store mode): answer 503.
    Store(StoreUnavailable),
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::Inactive => f.write_str("user is not active"),
            LoginError::Cookie(e) => write!(f, "could not write the remember cookie: {e}"),
            LoginError::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoginError {}

impl IntoResponse for LoginError {
    fn into_response(self) -> Response {
        match self {
            LoginError::Inactive => (StatusCode::UNAUTHORIZED, "Bad login").into_response(),
            LoginError::Cookie(e) => {
                tracing::error!(target: "axum_sesame::login", error = %e, "login failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
            }
            LoginError::Store(e) => e.into_response(),
        }
    }
}

/// Logs users in and out (Flask-Login's `login_user`, `logout_user`, `confirm_login`,
/// `login_fresh`, `login_remembered`), and picks safe `next` targets.
///
/// # Example
/// ```
/// use axum::{Form, response::Response};
/// use axum_sesame::{Auth, AuthUser, LoginError};
///
/// struct User { email: String }
/// impl AuthUser for User {
///     type Id = String;
///     fn id(&self) -> String { self.email.clone() }
///     fn session_auth_hash(&self) -> &[u8] { b"" }
/// }
///
/// #[derive(serde::Deserialize)]
/// struct LoginForm { email: String, remember: Option<String> }
///
/// async fn login(auth: Auth<User>, Form(f): Form<LoginForm>) -> Result<Response, LoginError> {
///     // ... check the password, then:
///     let user = User { email: f.email };
///     auth.login_user(&user).remember(f.remember.is_some()).await?;
///     Ok(auth.redirect_next_or("/protected"))
/// }
/// # let _ = axum::Router::<()>::new().route("/login", axum::routing::post(login));
/// ```
pub struct Auth<U> {
    pub(crate) ctx: LoginCtx,
    next: Option<String>,
    identity: ClientId,
    remember: Option<RememberPayload>,
    pub(crate) user_agent: Option<String>,
    /// The request, kept only when the app listens to signals.
    request: Option<Arc<Parts>>,
    _user: PhantomData<fn() -> U>,
}

impl<U> fmt::Debug for Auth<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<S, U> FromRequestParts<S> for Auth<U>
where
    S: Send + Sync,
    U: AuthUser,
{
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ctx = LoginCtx::from_parts(parts).await?;
        let next = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v.into_owned())
                .filter(|v| is_safe_next(v))
        });
        let now = ctx.now();
        let remember = ctx.remember_cookie(parts, now);
        let request = (!ctx.login.signal_handlers.is_empty()).then(|| Arc::new(parts.clone()));
        Ok(Auth {
            identity: client_identity(&ctx.slot.settings, parts),
            next,
            remember,
            user_agent: user_agent(parts),
            request,
            ctx,
            _user: PhantomData,
        })
    }
}

impl<U> Auth<U> {
    /// Queues the app's callbacks for `signal` (nothing when none are registered).
    fn dispatch(&self, signal: LoginSignal, user: Option<&str>) {
        dispatch_with(&self.ctx, signal, user, || self.request.clone());
    }
}

impl<U: AuthUser> Auth<U> {
    /// Logs `user` in: a new session id, the user's id and auth hash in the session,
    /// fresh unless `.fresh(false)`. Logging in as another user drops the old session's
    /// data. Await it; `.remember(true)` also sets the remember cookie.
    pub fn login_user<'a>(&'a self, user: &'a U) -> LoginUser<'a, U> {
        LoginUser {
            auth: self,
            user,
            remember: false,
            duration: None,
            force: false,
            fresh: true,
        }
    }

    /// Logs out and deletes the remember cookie.
    ///
    /// The v1 and store formats empty the whole session (its cookie is deleted, or
    /// re-written with a new id if something is stored afterwards), as Django does: the
    /// safer rule on a shared computer. Flask mode removes only Flask-Login's keys
    /// (`_user_id`, `_fresh`, `_id`, …), as Flask-Login's `logout_user` does, so a cart
    /// survives logout on axum routes exactly as on Flask routes.
    pub fn logout_user(&self) {
        let uid = self.ctx.slot.with(|s| s.uid.clone());
        // Store mode: the client's tokens are deleted, so a saved remember cookie is dead
        // too (R21, R38).
        self.ctx.revoke_client_tokens(self.remember.as_ref());
        if self.ctx.slot.settings.format.logout_keeps_data() {
            self.ctx
                .slot
                .with(crate::session::state::SessionState::drop_login);
        } else {
            self.ctx
                .slot
                .with(crate::session::state::SessionState::flush);
        }
        self.ctx.remember_action(RememberAction::Clear);
        self.ctx.state().invalidate();
        signal("logged_out", uid.as_deref());
        self.dispatch(LoginSignal::LoggedOut, uid.as_deref());
    }

    /// Marks the session fresh again after the user re-entered the password (a new
    /// session id is issued). Does nothing when nobody is logged in.
    pub fn confirm_login(&self) {
        let now = self.ctx.now();
        let identity = self.identity.clone();
        self.ctx.slot.with(|s| {
            if s.uid.is_some() {
                s.fat = Some(now);
                s.set_id(None);
                s.cid = Some(identity);
                s.modified = true;
            }
        });
        self.ctx.state().invalidate();
        let uid = self.ctx.slot.with(|s| s.uid.clone());
        signal("login_confirmed", uid.as_deref());
        self.dispatch(LoginSignal::LoginConfirmed, uid.as_deref());
    }

    /// Re-issues this session (and this client's remember cookie) with `user`'s current
    /// auth hash, after a password change. Every other session and remember cookie of the
    /// user stops working on its next request; this one stays logged in.
    pub fn update_session_auth_hash(&self, user: &U) {
        let uid = user.id().to_string();
        let ah = auth_hash(self.ctx.key(), &uid, user.session_auth_hash());
        let identity = self.identity.clone();
        let updated = self.ctx.slot.with(|s| {
            if s.uid.as_deref() != Some(uid.as_str()) {
                return false;
            }
            s.ah = Some(ah);
            s.set_id(None);
            s.cid = Some(identity);
            s.modified = true;
            true
        });
        if updated && let Some(r) = self.remember.as_ref().filter(|r| r.uid == uid) {
            let now = self.ctx.now();
            let mut r = r.clone();
            r.ah = ah;
            self.ctx.refresh_remember(&r, now);
        }
        self.ctx.state().invalidate();
    }

    /// Whether the session's login is fresh (the password was entered in this session).
    pub fn is_fresh(&self) -> bool {
        let now = self.ctx.now();
        let fat = self.ctx.slot.with(|s| s.uid.as_ref().and(s.fat));
        self.ctx.is_fresh(fat, now)
    }

    /// Whether the session was restored from the remember cookie.
    pub fn is_remembered(&self) -> bool {
        self.ctx.slot.with(|s| s.uid.is_some() && s.remembered)
    }

    /// The id of the logged-in user, as stored in the session (not re-validated: use
    /// `CurrentUser` for that).
    pub fn session_user_id(&self) -> Option<String> {
        self.ctx.slot.with(|s| s.uid.clone())
    }

    /// The query's `next`, when it is a safe local path.
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// `candidate` (e.g. a form field) when safe, else the query's safe `next`.
    pub fn safe_next<'a>(&'a self, candidate: Option<&'a str>) -> Option<&'a str> {
        candidate.filter(|c| is_safe_next(c)).or(self.next())
    }

    /// A 303 redirect to the query's safe `next`, or to `default`.
    pub fn redirect_next_or(&self, default: &str) -> Response {
        see_other(self.next().unwrap_or(default))
    }

    /// A 303 redirect to `candidate` when safe, else the query's safe `next`, else `default`.
    pub fn redirect_to(&self, candidate: Option<&str>, default: &str) -> Response {
        see_other(self.safe_next(candidate).unwrap_or(default))
    }

    fn do_login(&self, l: &LoginUser<'_, U>) -> Result<Option<RememberPayload>, LoginError> {
        let user = l.user;
        if !l.force && !user.is_active() {
            return Err(LoginError::Inactive);
        }
        let uid = user.id().to_string();
        let ah = auth_hash(self.ctx.key(), &uid, user.session_auth_hash());
        let now = self.ctx.now();
        let identity = self.identity.clone();
        let fresh = l.fresh;
        let permanent = self.ctx.login.permanent_login;
        let (sid_uid, ah2) = (uid.clone(), ah);
        // Store mode: a remember token this client held, or its session was tied to, ends
        // here: the new login replaces it (R38).
        self.ctx.revoke_client_tokens(self.remember.as_ref());
        let store_mode = self.ctx.slot.settings.store.is_some();
        let rid = match l.remember {
            true => Some(crate::session::SessionId::random().map_err(LoginError::Cookie)?),
            false => None,
        };
        let ua = store_mode.then(|| self.user_agent.clone()).flatten();
        self.ctx.slot.with(move |s| {
            if s.uid.as_ref().is_some_and(|old| *old != sid_uid) {
                s.flush();
            }
            s.set_id(None); // a new session id on every login (R15)
            s.uid = Some(sid_uid);
            s.ah = Some(ah2);
            s.fat = fresh.then_some(now);
            s.cid = Some(identity);
            s.remembered = false;
            s.permanent |= permanent;
            s.rt = rid.filter(|_| store_mode);
            s.ua = ua;
            s.modified = true;
        });
        // A login whose session cookie could not be read back is refused now, so the
        // handler can answer, instead of a 500 after it returned (R45).
        if let Err(e) = self.ctx.slot.check_fits() {
            self.ctx
                .slot
                .with(crate::session::state::SessionState::drop_login);
            return Err(LoginError::Cookie(e));
        }
        if let Some(rid) = rid {
            let secs = l
                .duration
                .map_or(self.ctx.login.remember_secs, |d| d.as_secs().max(1));
            let payload = RememberPayload::new(uid, rid, ah, now, secs);
            self.ctx
                .set_remember(&payload, now)
                .map_err(LoginError::Cookie)?;
            self.ctx.state().invalidate();
            signal("logged_in", Some(&payload.uid));
            self.dispatch(LoginSignal::LoggedIn, Some(&payload.uid));
            return Ok(Some(payload));
        } else if self.remember.is_some() {
            // A remember cookie of an earlier login must not outlive this one.
            self.ctx.remember_action(RememberAction::Clear);
        }
        self.ctx.state().invalidate();
        signal("logged_in", Some(&uid));
        self.dispatch(LoginSignal::LoggedIn, Some(&uid));
        Ok(None)
    }
}

/// The pending `login_user` call: set options, then `.await` it.
#[must_use = "`login_user` does nothing until awaited"]
pub struct LoginUser<'a, U> {
    auth: &'a Auth<U>,
    user: &'a U,
    remember: bool,
    duration: Option<Duration>,
    force: bool,
    fresh: bool,
}

impl<U> fmt::Debug for LoginUser<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginUser")
            .field("remember", &self.remember)
            .field("duration", &self.duration)
            .field("force", &self.force)
            .field("fresh", &self.fresh)
            .finish_non_exhaustive()
    }
}

impl<U> LoginUser<'_, U> {
    /// Also set the remember cookie (Flask-Login's `remember=True`).
    pub fn remember(mut self, remember: bool) -> Self {
        self.remember = remember;
        self
    }

    /// The remember cookie's lifetime for this login (default: the manager's).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Log in even an inactive user.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Whether the login counts as fresh (default `true`).
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }
}

impl<'a, U: AuthUser> IntoFuture for LoginUser<'a, U> {
    type Output = Result<(), LoginError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<(), LoginError>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if let Some(remember) = self.auth.do_login(&self)? {
                // Store mode: register the token so that logout can revoke it.
                let now = self.auth.ctx.now();
                if let Err(e) = self.auth.ctx.register_remember(&remember, now).await {
                    self.auth.ctx.remember_action(RememberAction::Keep);
                    return Err(LoginError::Store(StoreUnavailable::logged(&e)));
                }
            }
            Ok(())
        })
    }
}
