//! `Refusal`: what `#[login_required(check = …)]` answers with when its check says no.

use std::fmt;
use std::sync::Arc;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::login::ctx::LoginCtx;
use crate::login::refusal::{Local, forbidden};
use crate::login::rejection::LoginRejection;

/// The request's login context and parts, kept to refuse it later: the argument
/// `#[login_required(check = …)]` adds. Not public API.
pub struct Refusal {
    ctx: LoginCtx,
    parts: Arc<Parts>,
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Refusal")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Refusal {
    type Rejection = LoginRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Refusal {
            ctx: LoginCtx::from_parts(parts).await?,
            parts: Arc::new(parts.clone()),
        })
    }
}

impl Refusal {
    /// The manager's answer to a logged-in user the check refused: its forbidden handler,
    /// or 403 (JSON under `ApiOnly`).
    pub async fn forbidden(self) -> Refused {
        let rejection = forbidden(&self.ctx, &self.parts, Local::default(), "check").await;
        Refused(Box::new(rejection.into_response()))
    }
}

/// A response refusing the request. Not public API.
pub struct Refused(Box<Response>);

impl fmt::Debug for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Refused").field(&self.0.status()).finish()
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}
