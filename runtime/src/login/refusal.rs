//! The answers to a refused request: the app's handler, a redirect to the login (or
//! refresh) view with a flashed message, a 401, or a 403.

use axum::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::WWW_AUTHENTICATE;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode};

use crate::login::api_only::ApiOnly;
use crate::login::client::{has_bearer, wants_redirect};
use crate::login::ctx::LoginCtx;
use crate::login::events::{dispatch, signal};
use crate::login::rejection::{Forbidden, LoginRejection, NeedsRefresh, Unauthorized};
use crate::login::settings::{BoxHandler, Message};
use crate::login::signal::LoginSignal;
use crate::redirect::{login_url, requested_uri, see_other};

fn synthetic_request(parts: &Parts) -> Request<Body> {
    let mut req = Request::new(Body::empty());
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = parts.uri.clone();
    *req.version_mut() = parts.version;
    *req.headers_mut() = parts.headers.clone();
    *req.extensions_mut() = parts.extensions.clone();
    req
}

/// The app's handler for a refusal; a `200 OK` it returns (a bare body) keeps the
/// refusal's `status`.
async fn run_handler(handler: &BoxHandler, parts: &Parts, status: StatusCode) -> Response {
    let mut res = handler(synthetic_request(parts)).await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

/// What a route or a router says about its refusals, over the manager's settings.
#[derive(Clone, Copy, Default)]
pub(crate) struct Local<'a> {
    /// Its own login view (wins over the manager's unauthorized handler).
    pub(crate) login_view: Option<&'a str>,
    pub(crate) unauthorized: Option<&'a BoxHandler>,
    pub(crate) needs_refresh: Option<&'a BoxHandler>,
    pub(crate) forbidden: Option<&'a BoxHandler>,
}

impl std::fmt::Debug for Local<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local")
            .field("login_view", &self.login_view)
            .field("unauthorized", &self.unauthorized.is_some())
            .field("needs_refresh", &self.needs_refresh.is_some())
            .field("forbidden", &self.forbidden.is_some())
            .finish()
    }
}

/// The path and query the client asked for: the whole URI it sent, including any prefix
/// a nested router stripped (axum's `OriginalUri`), so `next` leads back to it.
fn requested(parts: &Parts) -> &str {
    requested_uri(parts)
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
}

/// A 401 for an API client: JSON under [`ApiOnly`], and `WWW-Authenticate` when a bearer
/// loader could have let it in (RFC 6750: `invalid_token` when it sent one).
fn api_refusal(ctx: &LoginCtx, parts: &Parts, error: &'static str) -> Response {
    let mut res = if parts.extensions.get::<ApiOnly>().is_some() {
        json_error(StatusCode::UNAUTHORIZED, error)
    } else {
        (StatusCode::UNAUTHORIZED, "Unauthorized").into_response()
    };
    if ctx.login.request_loaders.iter().any(|l| l.bearer) {
        let challenge = if has_bearer(parts) {
            HeaderValue::from_static("Bearer error=\"invalid_token\"")
        } else {
            HeaderValue::from_static("Bearer")
        };
        res.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    }
    res
}

/// `status` with the JSON body `{"error": error}`.
pub(crate) fn json_error(status: StatusCode, error: &'static str) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        format!("{{\"error\":\"{error}\"}}"),
    )
        .into_response()
}

/// The default answer: redirect browsers to `view?next=…` with a flash, 401 API clients.
async fn policy(
    ctx: &LoginCtx,
    parts: &Parts,
    handler: Option<&BoxHandler>,
    view: Option<&str>,
    message: &Message,
    error: &'static str,
) -> Response {
    if let Some(handler) = handler {
        return run_handler(handler, parts, StatusCode::UNAUTHORIZED).await;
    }
    let api_only = parts.extensions.get::<ApiOnly>().is_some();
    match view {
        Some(view) if !api_only && wants_redirect(parts) => {
            // In store mode a visitor without a session gets no flash: the library must not
            // create a store record for every anonymous request (R36).
            let store_mode = ctx.slot.settings.store.is_some();
            if let Some(flash) = message {
                // Once: a client that keeps hitting protected pages without showing the
                // login page must not grow its cookie.
                // Nor does a client whose cookie this app cannot read (another app's, or
                // under another key): the flash would overwrite it (R47).
                ctx.slot.with(|s| {
                    if (!store_mode || s.has_record())
                        && !s.is_unreadable()
                        && !s.flashes.contains(flash)
                    {
                        s.flashes.push(flash.clone());
                        s.changes().added += 1;
                        s.modified = true;
                    }
                });
            }
            let target = requested(parts);
            // A view on another origin gets an absolute `next` on the configured origin
            // (validated at build: an absolute view has one).
            match ctx.login.public_origin.as_deref() {
                Some(origin) if !view.starts_with('/') => {
                    see_other(login_url(view, &format!("{origin}{target}")))
                }
                _ => see_other(login_url(view, target)),
            }
        }
        _ => api_refusal(ctx, parts, error),
    }
}

/// Anonymous request to a protected route. The route's own handler, else its own login
/// view, else the manager's handler, else the manager's login view (or a 401).
pub(crate) async fn unauthorized(
    ctx: &LoginCtx,
    parts: &Parts,
    local: Local<'_>,
) -> LoginRejection {
    signal("unauthorized", None);
    dispatch(ctx, LoginSignal::Unauthorized, None, parts);
    let login = &ctx.login;
    let handler = match (local.unauthorized, local.login_view) {
        (Some(handler), _) => Some(handler),
        (None, Some(_)) => None,
        (None, None) => login.unauthorized.as_ref(),
    };
    let view = local.login_view.or(login.login_view.as_deref());
    let response = policy(
        ctx,
        parts,
        handler,
        view,
        &login.login_message,
        "unauthorized",
    )
    .await;
    LoginRejection::Unauthorized(Unauthorized {
        response: Box::new(response),
    })
}

/// Logged-in but non-fresh request to a fresh-only route.
pub(crate) async fn needs_refresh(
    ctx: &LoginCtx,
    parts: &Parts,
    local: Local<'_>,
) -> LoginRejection {
    let user = ctx.slot.with(|s| s.uid.clone());
    signal("needs_refresh", user.as_deref());
    dispatch(ctx, LoginSignal::NeedsRefresh, user.as_deref(), parts);
    let login = &ctx.login;
    let handler = local.needs_refresh.or(login.needs_refresh.as_ref());
    let response = policy(
        ctx,
        parts,
        handler,
        login.refresh_view.as_deref(),
        &login.needs_refresh_message,
        "needs_refresh",
    )
    .await;
    LoginRejection::NeedsRefresh(NeedsRefresh {
        response: Box::new(response),
    })
}

/// Logged in without a required role or permission: the route's or the manager's
/// handler (its `200 OK` becomes `403`), else a plain 403 (JSON under `ApiOnly`).
pub(crate) async fn forbidden(
    ctx: &LoginCtx,
    parts: &Parts,
    local: Local<'_>,
    missing: &'static str,
) -> LoginRejection {
    let response = match local.forbidden.or(ctx.login.forbidden.as_ref()) {
        Some(handler) => Some(run_handler(handler, parts, StatusCode::FORBIDDEN).await),
        None if parts.extensions.get::<ApiOnly>().is_some() => {
            Some(json_error(StatusCode::FORBIDDEN, "forbidden"))
        }
        None => None,
    };
    LoginRejection::Forbidden(Forbidden {
        missing,
        response: response.map(Box::new),
    })
}
