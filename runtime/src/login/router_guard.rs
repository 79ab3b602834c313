//! `LoginRequired`: `#[login_required]` for a whole router, in one line.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::handler::Handler;
use axum_core::response::{IntoResponse, Response};
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::login::api_only::ApiOnly;
use crate::login::check::{Check, ErasedCheck, erase};
use crate::login::guard::{Rule, check};
use crate::login::hooks::box_handler;
use crate::login::refusal::{Local, forbidden};
use crate::login::settings::BoxHandler;
use crate::login::{HasUserLoader, UserLoader};

/// Guards every route of the router it wraps, as `#[login_required]` guards one handler:
/// a logged-in user of type `U` (loaded by its `#[user_loader]` with state `S`), and
/// optionally a fresh login, roles, permissions, its own login view (Flask-Login's
/// `blueprint_login_views`) and JSON refusals ([`api`](Self::api)). Refusals are the
/// login manager's: a redirect to the login view, a 401 or a 403.
///
/// Add it with `Router::layer` (or `route_layer`, so unknown paths stay 404s), inside
/// the [`LoginManager`](crate::LoginManager)'s layer. The user it loads is kept for the
/// request: a `CurrentUser<U>` in a handler loads nothing again.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_sesame::{AuthUser, CurrentUser, Key, LoginManager, LoginRequired, user_loader};
///
/// # #[derive(Clone)] struct User { id: String }
/// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.id.clone() }
/// #     fn session_auth_hash(&self) -> &[u8] { b"" }
/// #     fn has_role(&self, role: &str) -> bool { role == "admin" } }
/// #[user_loader]
/// async fn load(id: String) -> Option<User> { Some(User { id }) }
///
/// async fn users(user: CurrentUser<User>) -> String { format!("Admin: {}", user.id) }
///
/// let admin = Router::new()
///     .route("/users", get(users))
///     .route_layer(LoginRequired::<User>::new().role("admin").login_view("/admin/login"));
/// let app: Router = Router::new()
///     .nest("/admin", admin)
///     .layer(LoginManager::new(Key::from_bytes(&[7u8; 32])).build().unwrap());
/// # let _ = app;
/// ```
pub struct LoginRequired<U, S = ()> {
    spec: Arc<Spec>,
    /// Permission checks that need data, in order.
    checks: Arc<Vec<ErasedCheck<U, S>>>,
    state: S,
    user: PhantomData<fn() -> U>,
}

#[derive(Default, Clone)]
struct Spec {
    fresh: bool,
    roles: Vec<&'static str>,
    permissions: Vec<&'static str>,
    login_view: Option<String>,
    api: bool,
    unauthorized: Option<BoxHandler>,
    needs_refresh: Option<BoxHandler>,
    forbidden: Option<BoxHandler>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("fresh", &self.fresh)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("login_view", &self.login_view)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl<U> LoginRequired<U, ()> {
    /// Any logged-in user, for a user loader without state.
    pub fn new() -> Self {
        LoginRequired::with_state(())
    }
}

impl<U> Default for LoginRequired<U, ()> {
    fn default() -> Self {
        LoginRequired::new()
    }
}

impl<U, S> LoginRequired<U, S> {
    /// Any logged-in user, for a user loader that takes the router's `State<S>`.
    pub fn with_state(state: S) -> Self {
        LoginRequired {
            spec: Arc::default(),
            checks: Arc::default(),
            state,
            user: PhantomData,
        }
    }

    fn spec_mut(&mut self) -> &mut Spec {
        Arc::make_mut(&mut self.spec)
    }

    /// A fresh login is required (`#[login_required(fresh)]`).
    #[must_use]
    pub fn fresh(mut self) -> Self {
        self.spec_mut().fresh = true;
        self
    }

    /// The user must have `role` ([`AuthUser::has_role`](crate::AuthUser::has_role));
    /// call again for more.
    #[must_use]
    pub fn role(mut self, role: &'static str) -> Self {
        self.spec_mut().roles.push(role);
        self
    }

    /// The user must have `permission`
    /// ([`AuthUser::has_permission`](crate::AuthUser::has_permission)); call again for
    /// more.
    #[must_use]
    pub fn permission(mut self, permission: &'static str) -> Self {
        self.spec_mut().permissions.push(permission);
        self
    }

    /// Anonymous visitors go to this login view instead of the manager's
    /// (`#[login_required(redirect = "…")]`, Flask-Login's `blueprint_login_views`).
    #[must_use]
    pub fn login_view(mut self, path: impl Into<String>) -> Self {
        self.spec_mut().login_view = Some(path.into());
        self
    }

    /// The routes are an API: refusals are JSON and never redirect (as under
    /// [`ApiOnly`]).
    #[must_use]
    pub fn api(mut self) -> Self {
        self.spec_mut().api = true;
        self
    }
}

impl<U: HasUserLoader, S: Send + Sync + 'static> LoginRequired<U, S> {
    /// A permission that needs data: an async function of the user and any of the
    /// request's extractors that says whether the request may go on; `false` answers
    /// 403. Checks run in order, after the roles and permissions.
    ///
    /// ```
    /// use axum::{extract::{Path, State}, routing::get, Router};
    /// use axum_sesame::{AuthUser, CurrentUser, LoginRequired, user_loader};
    ///
    /// # #[derive(Clone)] struct User { id: String }
    /// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.id.clone() }
    /// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
    /// #[derive(Clone)]
    /// struct Db;
    /// impl Db {
    ///     async fn owner_of(&self, _doc: u64) -> Option<String> { Some("ada".into()) }
    /// }
    /// #[user_loader]
    /// async fn load(id: String) -> Option<User> { Some(User { id }) }
    ///
    /// async fn can_edit(user: CurrentUser<User>, Path(doc): Path<u64>, State(db): State<Db>) -> bool {
    ///     db.owner_of(doc).await.as_deref() == Some(user.id.as_str())
    /// }
    ///
    /// let docs: Router<Db> = Router::new()
    ///     .route("/{doc}/edit", get(|| async { "editing" }))
    ///     .route_layer(LoginRequired::<User, Db>::with_state(Db).check(can_edit));
    /// # let _ = docs;
    /// ```
    #[must_use]
    pub fn check<T: 'static, C: Check<U, S, T>>(mut self, check: C) -> Self {
        Arc::make_mut(&mut self.checks).push(erase(check));
        self
    }
}

impl<U, S: Clone + Send + Sync + 'static> LoginRequired<U, S> {
    /// This router's answer to anonymous requests: an axum handler with this guard's
    /// state (its `200 OK` is sent as `401`). Wins over the manager's handler and over
    /// [`login_view`](Self::login_view).
    #[must_use]
    pub fn on_unauthorized<H: Handler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        let boxed = box_handler(handler, self.state.clone());
        self.spec_mut().unauthorized = Some(boxed);
        self
    }

    /// This router's answer to logins that are not fresh (its `200 OK` is sent as `401`).
    #[must_use]
    pub fn on_needs_refresh<H: Handler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        let boxed = box_handler(handler, self.state.clone());
        self.spec_mut().needs_refresh = Some(boxed);
        self
    }

    /// This router's answer to users without a required role or permission; it can take
    /// `CurrentUser<U>` (already loaded). Its `200 OK` is sent as `403`.
    #[must_use]
    pub fn on_forbidden<H: Handler<T, S>, T: 'static>(mut self, handler: H) -> Self {
        let boxed = box_handler(handler, self.state.clone());
        self.spec_mut().forbidden = Some(boxed);
        self
    }
}

impl<U, S: Clone> Clone for LoginRequired<U, S> {
    fn clone(&self) -> Self {
        LoginRequired {
            spec: self.spec.clone(),
            checks: self.checks.clone(),
            state: self.state.clone(),
            user: PhantomData,
        }
    }
}

impl<U, S> fmt::Debug for LoginRequired<U, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequired")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl<U, S: Clone, I> Layer<I> for LoginRequired<U, S> {
    type Service = LoginRequiredService<U, S, I>;

    fn layer(&self, inner: I) -> Self::Service {
        LoginRequiredService {
            guard: self.clone(),
            inner,
        }
    }
}

/// The service [`LoginRequired`] wraps around each route.
pub struct LoginRequiredService<U, S, I> {
    guard: LoginRequired<U, S>,
    inner: I,
}

impl<U, S: Clone, I: Clone> Clone for LoginRequiredService<U, S, I> {
    fn clone(&self) -> Self {
        LoginRequiredService {
            guard: self.guard.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<U, S, I> fmt::Debug for LoginRequiredService<U, S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequiredService")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl<U, S, I> Service<Request<Body>> for LoginRequiredService<U, S, I>
where
    U: UserLoader<S> + 'static,
    S: Clone + Send + Sync + 'static,
    I: Service<Request<Body>, Error = Infallible> + Clone + Send + 'static,
    I::Response: IntoResponse,
    I::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The inner service is cloned for each request and readied there.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let guard = self.guard.clone();
        let mut inner = self.inner.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            if guard.spec.api {
                parts.extensions.insert(ApiOnly);
            }
            let spec = &*guard.spec;
            let rule = Rule {
                fresh: spec.fresh,
                roles: &spec.roles,
                permissions: &spec.permissions,
                local: Local {
                    login_view: spec.login_view.as_deref(),
                    unauthorized: spec.unauthorized.as_ref(),
                    needs_refresh: spec.needs_refresh.as_ref(),
                    forbidden: spec.forbidden.as_ref(),
                },
            };
            let admitted = match check::<U, S>(&rule, &mut parts, &guard.state).await {
                Ok(admitted) => admitted,
                Err(refusal) => return Ok(refusal.into_response()),
            };
            if let Some((ctx, user)) = admitted {
                for data_check in guard.checks.iter() {
                    match data_check(user.clone(), &mut parts, &guard.state).await {
                        Ok(true) => {}
                        Ok(false) => {
                            let refusal = forbidden(&ctx, &parts, rule.local, "check").await;
                            return Ok(refusal.into_response());
                        }
                        Err(rejection) => return Ok(rejection),
                    }
                }
            }
            let req = Request::from_parts(parts, body);
            std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
            Ok(inner.call(req).await?.into_response())
        })
    }
}
