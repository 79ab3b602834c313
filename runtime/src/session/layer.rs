//! The tower layer that gives each request its session and writes the cookie back.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower_layer::Layer;
use tower_service::Service;

use crate::session::failure::{Failure, StoreWork};
use crate::session::finish::Finish;
use crate::session::settings::SessionSettings;
use crate::session::slot::Slot;

/// Gives every request a lazily loaded [`Session`](crate::Session) and writes the signed
/// cookie back when the session changed.
///
/// A request whose handler never extracts the session allocates nothing for it, and its
/// cookie is neither parsed nor verified. Extractors find the request's session through a
/// task-local scoped to the layer's response future, so they must run in the task that
/// polls it, as every axum handler and middleware does (not behind a
/// `tower::buffer::Buffer`, which moves the inner service to another task).
///
/// # Example
/// ```
/// use axum::{routing::get, Router};
/// use axum_sesame::{Key, SessionLayer};
///
/// let key = Key::from_env_or_development("SECRET_KEY").unwrap();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(SessionLayer::new(key));
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct SessionLayer {
    settings: Arc<SessionSettings>,
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("settings", &self.settings)
            .finish()
    }
}

impl SessionLayer {
    pub(crate) fn from_settings(settings: Arc<SessionSettings>) -> SessionLayer {
        SessionLayer { settings }
    }

    pub(crate) fn settings(&self) -> &SessionSettings {
        &self.settings
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService {
            inner,
            settings: self.settings.clone(),
        }
    }
}

/// The service made by [`SessionLayer`].
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    settings: Arc<SessionSettings>,
}

impl<S: fmt::Debug> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> SessionService<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    #[cfg(test)]
    pub(crate) fn settings(&self) -> &Arc<SessionSettings> {
        &self.settings
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = SessionResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // The request's slot is made by the first extractor that needs it, found through
        // a task-local scoped to the inner future: a request whose handler never touches
        // the session allocates nothing and inserts no extension. The call happens here,
        // on the service `poll_ready` drove to readiness: no clone is needed.
        let current = RefCell::new(Current {
            settings: self.settings.clone(),
            slot: None,
        });
        SessionResponseFuture {
            inner: CURRENT.scope(current, self.inner.call(req)),
            pending: None,
        }
    }
}

tokio::task_local! {
    /// The session layer serving the current request, and its slot once made.
    static CURRENT: RefCell<Current>;
}

struct Current {
    settings: Arc<SessionSettings>,
    slot: Option<Arc<Slot>>,
}

/// The slot of the request being served, made on first use; `None` outside a session
/// layer (or a login manager).
pub(crate) fn current_slot() -> Option<Arc<Slot>> {
    CURRENT
        .try_with(|current| {
            let mut current = current.try_borrow_mut().ok()?;
            let Current { settings, slot } = &mut *current;
            Some(
                slot.get_or_insert_with(|| Arc::new(Slot::new(settings.clone())))
                    .clone(),
            )
        })
        .ok()
        .flatten()
}

pin_project! {
    /// The response future of [`SessionService`].
    pub struct SessionResponseFuture<F, B> {
        #[pin]
        inner: TaskLocalFuture<RefCell<Current>, F>,
        // Store mode: the response, waiting for the store work that decides its cookies.
        // Boxed: a cookie-mode future stays small (futures are moved by value).
        pending: Option<Box<(Response<B>, Finish, StoreWork)>>,
    }
}

impl<F, B> fmt::Debug for SessionResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionResponseFuture")
            .finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for SessionResponseFuture<F, ResBody>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.pending.is_none() {
            let mut res = ready!(this.inner.as_mut().poll(cx))?;
            let slot = this
                .inner
                .take_value()
                .and_then(|current| current.into_inner().slot);
            let Some(slot) = slot.filter(|slot| slot.loaded()) else {
                // Nobody extracted the session or the login: nothing to write.
                return Poll::Ready(Ok(res));
            };
            let mut finish = slot.finish();
            match slot.store_work(&mut finish) {
                Some(work) => *this.pending = Some(Box::new((res, finish, work))),
                None => {
                    apply(finish, &mut res);
                    return Poll::Ready(Ok(res));
                }
            }
        }
        let Some(pending) = this.pending.as_mut() else {
            unreachable!("set above");
        };
        let work = &mut pending.2;
        let outcome = ready!(work.as_mut().poll(cx));
        let Some(pending) = this.pending.take() else {
            unreachable!("checked above");
        };
        let (mut res, mut finish, _) = *pending;
        match outcome {
            Ok(cookies) => cookies.into_iter().for_each(|c| finish.push(c)),
            Err(failure) => finish.failed = Some(failure),
        }
        apply(finish, &mut res);
        Poll::Ready(Ok(res))
    }
}

/// Writes the session outcome into the response.
pub(crate) fn apply<B: Default>(finish: Finish, res: &mut Response<B>) {
    let failure = finish.failed.map(|f| match f {
        Failure::Encode(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Failure::Store(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    });
    if let Some((status, error)) = failure {
        tracing::error!(
            target: "axum_sesame::session",
            %error,
            "could not write the session; responding {status}"
        );
        *res = Response::new(B::default());
        *res.status_mut() = status;
        return;
    }
    // One pass over the handler's headers (a handful) instead of three hashed lookups.
    let mut seen = ResponseHeaders::scan(res.headers());
    seen.set_cookie |= !finish.cookies.is_empty();
    for cookie in finish.cookies {
        res.headers_mut().append(SET_COOKIE, cookie);
    }
    if finish.vary && !seen.vary_cookie {
        res.headers_mut()
            .append(VARY, HeaderValue::from_static("Cookie"));
    }
    // A response that sets or clears a cookie must never be cached (a shared cache would
    // hand the cookie to others): `no-store` wins over the handler's choice. A logged-in
    // page without cookies keeps an explicit `Cache-Control` of the handler.
    if finish.no_store && (seen.set_cookie || !seen.cache_control) {
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// What `apply` needs to know of the response's headers.
#[derive(Default)]
struct ResponseHeaders {
    set_cookie: bool,
    cache_control: bool,
    /// `Vary` already names `Cookie` (or `*`).
    vary_cookie: bool,
}

impl ResponseHeaders {
    fn scan(headers: &http::HeaderMap) -> ResponseHeaders {
        let mut seen = ResponseHeaders::default();
        for (name, value) in headers {
            if name == SET_COOKIE {
                seen.set_cookie = true;
            } else if name == CACHE_CONTROL {
                seen.cache_control = true;
            } else if name == VARY && !seen.vary_cookie {
                seen.vary_cookie = value.to_str().is_ok_and(|s| {
                    s.split(',')
                        .any(|t| t.trim() == "*" || t.trim().eq_ignore_ascii_case("cookie"))
                });
            }
        }
        seen
    }
}
