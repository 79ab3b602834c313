//! `LoginManagerLayer::test_login`: the cookies of a logged-in client, for tests, in
//! every mode.
//!
//! The login runs through the layer itself, as a request whose handler calls
//! `login_user`: cookie mode seals the cookie, store mode writes the record where the
//! store keeps it (memory, Redis), Flask mode writes Flask's cookie. What a test gets is
//! what a browser would hold after logging in.

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::pin::Pin;

use axum::body::Body;
use axum_core::extract::FromRequestParts;
use axum_core::response::Response;
use http::header::{SET_COOKIE, USER_AGENT};
use http::{HeaderValue, Request};
use tower_layer::Layer;
use tower_service::Service;

use crate::login::AuthUser;
use crate::login::extract::Auth;
use crate::login::layer::LoginManagerLayer;
use crate::session::Session;

/// A pending test login: set what the login should be, then `.await` it for the
/// client's cookies. Made by [`LoginManagerLayer::test_login`].
#[must_use = "a test login does nothing until awaited"]
pub struct TestLogin<'a, U> {
    layer: &'a LoginManagerLayer,
    user: &'a U,
    fresh: bool,
    remember: bool,
    user_agent: Option<String>,
    peer: Option<SocketAddr>,
    data: Vec<(String, serde_json::Value)>,
}

impl<U> fmt::Debug for TestLogin<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestLogin")
            .field("fresh", &self.fresh)
            .field("remember", &self.remember)
            .finish_non_exhaustive()
    }
}

/// The cookies a client holds after a [`TestLogin`].
#[derive(Clone, PartialEq, Eq)]
pub struct TestCookies {
    /// `name=value` of the session cookie.
    pub session: String,
    /// `name=value` of the remember cookie, when the login asked for one.
    pub remember: Option<String>,
}

impl TestCookies {
    /// The `Cookie` header a client sends with them.
    pub fn header(&self) -> String {
        match &self.remember {
            Some(remember) => format!("{}; {remember}", self.session),
            None => self.session.clone(),
        }
    }
}

impl fmt::Debug for TestCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials, even in tests: not printed.
        f.debug_struct("TestCookies")
            .field("remember", &self.remember.is_some())
            .finish_non_exhaustive()
    }
}

/// A test login that did not produce a logged-in client: the login or the session
/// refused it, or the store failed.
#[derive(Debug)]
pub struct TestLoginError(String);

impl fmt::Display for TestLoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "test login failed: {}", self.0)
    }
}

impl Error for TestLoginError {}

impl LoginManagerLayer {
    /// The cookies of a client logged in as `user`, for tests, in every mode: the login
    /// runs through this layer (cookie mode seals the cookie, store mode writes the record
    /// where the store keeps it, Flask mode writes Flask's cookie). Fresh by default; set
    /// [`fresh`](TestLogin::fresh), [`remember`](TestLogin::remember), session
    /// [`data`](TestLogin::data) and the client's [`user_agent`](TestLogin::user_agent) or
    /// [`peer`](TestLogin::peer) (session protection compares them on later requests).
    ///
    /// ```
    /// use axum::{body::Body, http::Request, routing::get, Router};
    /// use axum_sesame::{AuthUser, CurrentUser, Key, LoginManager, user_loader};
    /// use tower::ServiceExt as _;
    ///
    /// struct User { id: String }
    /// impl AuthUser for User {
    ///     type Id = String;
    ///     fn id(&self) -> String { self.id.clone() }
    ///     fn session_auth_hash(&self) -> &[u8] { b"hash" }
    /// }
    /// #[user_loader]
    /// async fn load(id: String) -> Option<User> { Some(User { id }) }
    /// async fn me(user: CurrentUser<User>) -> String { user.id.clone() }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let layer = LoginManager::new(Key::from_bytes(&[7u8; 32])).build().unwrap();
    /// let cookies = layer.test_login(&User { id: "ada".into() }).remember(true).await.unwrap();
    /// let app = Router::new().route("/me", get(me)).layer(layer);
    /// let req = Request::get("/me").header("cookie", cookies.header()).body(Body::empty()).unwrap();
    /// let res = app.oneshot(req).await.unwrap();
    /// assert_eq!(res.status(), 200);
    /// # });
    /// ```
    pub fn test_login<'a, U: AuthUser>(&'a self, user: &'a U) -> TestLogin<'a, U> {
        TestLogin::new(self, user)
    }
}

impl<'a, U> TestLogin<'a, U> {
    fn new(layer: &'a LoginManagerLayer, user: &'a U) -> Self {
        TestLogin {
            layer,
            user,
            fresh: true,
            remember: false,
            user_agent: None,
            peer: None,
            data: Vec::new(),
        }
    }

    /// A fresh login (the default) or not, as after a restore from the remember cookie.
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// Also mint the remember cookie.
    pub fn remember(mut self, remember: bool) -> Self {
        self.remember = remember;
        self
    }

    /// The `User-Agent` of the client the login belongs to (session protection compares
    /// it on later requests). Without it, a client that sends none.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The peer address of the client the login belongs to, for apps served with
    /// `into_make_service_with_connect_info`. Without it, none recorded (as requests
    /// built for `tower::ServiceExt::oneshot` have).
    pub fn peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// Session data stored beside the login.
    ///
    /// # Errors
    /// When `value` does not serialize to JSON.
    pub fn data(
        mut self,
        key: impl Into<String>,
        value: impl serde::Serialize,
    ) -> Result<Self, TestLoginError> {
        let value = serde_json::to_value(value).map_err(|e| TestLoginError(e.to_string()))?;
        self.data.push((key.into(), value));
        Ok(self)
    }
}

impl<'a, U: AuthUser + Sync> IntoFuture for TestLogin<'a, U> {
    type Output = Result<TestCookies, TestLoginError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self))
    }
}

async fn run<U: AuthUser + Sync>(login: TestLogin<'_, U>) -> Result<TestCookies, TestLoginError> {
    let TestLogin {
        layer,
        user,
        fresh,
        remember,
        user_agent,
        peer,
        data,
    } = login;
    let handler = move |req: Request<Body>| {
        let data = data.clone();
        async move {
            let (mut parts, _) = req.into_parts();
            let failed = |e: &dyn fmt::Display| TestLoginError(e.to_string());
            let auth = Auth::<U>::from_request_parts(&mut parts, &())
                .await
                .map_err(|e| failed(&e))?;
            auth.login_user(user)
                .remember(remember)
                .fresh(fresh)
                .await
                .map_err(|e| failed(&e))?;
            let session = Session::from_request_parts(&mut parts, &())
                .await
                .map_err(|e| failed(&e))?;
            for (key, value) in data {
                session.insert(key, value).map_err(|e| failed(&e))?;
            }
            Ok::<_, TestLoginError>(Response::new(Body::empty()))
        }
    };
    let mut service = layer.layer(FnService(handler));
    let mut req = Request::new(Body::empty());
    if let Some(ua) = &user_agent {
        let ua = HeaderValue::from_str(ua).map_err(|e| TestLoginError(e.to_string()))?;
        req.headers_mut().insert(USER_AGENT, ua);
    }
    if let Some(peer) = peer {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
    }
    std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
    let res = service.call(req).await?;
    if !res.status().is_success() {
        return Err(TestLoginError(format!(
            "the layer answered {}",
            res.status()
        )));
    }
    let cookie = |name: &str| {
        res.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|line| line.split(';').next())
            .find(|pair| {
                pair.split_once('=')
                    .is_some_and(|(n, v)| n == name && !v.is_empty())
            })
            .map(str::to_owned)
    };
    let settings = layer.settings();
    let session = cookie(&settings.cookie.name)
        .ok_or_else(|| TestLoginError("the login set no session cookie".to_owned()))?;
    let remember = match remember {
        true => Some(
            cookie(&layer.login_settings().remember.name)
                .ok_or_else(|| TestLoginError("the login set no remember cookie".to_owned()))?,
        ),
        false => None,
    };
    Ok(TestCookies { session, remember })
}

/// A closure as a service (what `tower::service_fn` does, without the dependency).
#[derive(Clone)]
struct FnService<F>(F);

impl<F, Fut> Service<Request<Body>> for FnService<F>
where
    F: FnMut(Request<Body>) -> Fut,
    Fut: Future<Output = Result<Response, TestLoginError>>,
{
    type Response = Response;
    type Error = TestLoginError;
    type Future = Fut;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), TestLoginError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Fut {
        (self.0)(req)
    }
}
