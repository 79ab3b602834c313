//! Rejections of the session extractor and errors of the session API.

use std::fmt;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

/// The [`SessionLayer`](crate::SessionLayer) is not in front of this handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MissingSessionLayer;

impl MissingSessionLayer {
    /// Always 500: this is a wiring mistake in the application.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// The text sent in the response body.
    pub fn body_text(&self) -> String {
        "Missing session layer: add `.layer(axum_sesame::SessionLayer::new(key))` (or the \
         `LoginManager` layer) to the router, after the routes that use `Session`"
            .to_owned()
    }
}

impl fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        tracing::error!(target: "axum_sesame::rejection", "{}", self.body_text());
        (self.status(), self.body_text()).into_response()
    }
}

/// The session store could not be reached: 503 until it recovers. The details are
/// logged, never sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StoreUnavailable;

impl StoreUnavailable {
    /// Always 503.
    pub fn status(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    /// The text sent in the response body.
    pub fn body_text(&self) -> String {
        "Service Unavailable: the session store cannot be reached".to_owned()
    }

    pub(crate) fn logged(error: &crate::session::StoreError) -> StoreUnavailable {
        tracing::error!(target: "axum_sesame::session", %error, "session store unavailable: answering 503");
        StoreUnavailable
    }
}

impl fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for StoreUnavailable {}

impl IntoResponse for StoreUnavailable {
    fn into_response(self) -> Response {
        (self.status(), self.body_text()).into_response()
    }
}

/// Why the [`Session`](crate::Session) extractor refused a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionRejection {
    /// See [`MissingSessionLayer`].
    MissingLayer(MissingSessionLayer),
    /// See [`StoreUnavailable`].
    StoreUnavailable(StoreUnavailable),
}

impl SessionRejection {
    /// The HTTP status of the rejection.
    pub fn status(&self) -> StatusCode {
        match self {
            SessionRejection::MissingLayer(r) => r.status(),
            SessionRejection::StoreUnavailable(r) => r.status(),
        }
    }

    /// The text sent in the response body.
    pub fn body_text(&self) -> String {
        match self {
            SessionRejection::MissingLayer(r) => r.body_text(),
            SessionRejection::StoreUnavailable(r) => r.body_text(),
        }
    }
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionRejection::MissingLayer(r) => r.fmt(f),
            SessionRejection::StoreUnavailable(r) => r.fmt(f),
        }
    }
}

impl std::error::Error for SessionRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionRejection::MissingLayer(r) => Some(r),
            SessionRejection::StoreUnavailable(r) => Some(r),
        }
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            SessionRejection::MissingLayer(r) => r.into_response(),
            SessionRejection::StoreUnavailable(r) => r.into_response(),
        }
    }
}

/// A value could not be converted to or from JSON, or the session no longer fits in its
/// cookie ([`Session::check_size`](crate::Session::check_size)).
///
/// As a response it is a 500 with a generic body (the details go to the log).
#[derive(Debug)]
pub struct SessionError(Inner);

#[derive(Debug)]
enum Inner {
    Json(serde_json::Error),
    Size(crate::codec::EncodeError),
}

impl SessionError {
    pub(crate) fn new(e: impl Into<SessionError>) -> SessionError {
        e.into()
    }

    /// Whether the error is a session too large for its cookie.
    pub fn is_too_large(&self) -> bool {
        matches!(self.0, Inner::Size(_))
    }
}

impl From<serde_json::Error> for SessionError {
    fn from(e: serde_json::Error) -> SessionError {
        SessionError(Inner::Json(e))
    }
}

impl From<crate::codec::EncodeError> for SessionError {
    fn from(e: crate::codec::EncodeError) -> SessionError {
        SessionError(Inner::Size(e))
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Json(e) => write!(f, "session value is not valid JSON for this type: {e}"),
            Inner::Size(e) => write!(f, "the session does not fit in its cookie: {e}"),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Inner::Json(e) => Some(e),
            Inner::Size(e) => Some(e),
        }
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        tracing::error!(target: "axum_sesame::rejection", error = %self, "session error");
        (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
    }
}
