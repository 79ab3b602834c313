//! Rejections of the login extractors (the answers themselves are built in `refusal.rs`).

use std::fmt;

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::LOCATION;

use crate::login::LoadError;
use crate::session::StoreUnavailable;

/// The [`LoginManager`](crate::LoginManager) layer is not in front of this handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MissingLoginManager;

impl MissingLoginManager {
    /// Always 500: a wiring mistake in the application.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// The response text.
    pub fn body_text(&self) -> String {
        "Missing login manager: add `.layer(axum_sesame::LoginManager::new(key))` to the \
         router, after the routes that use `CurrentUser`, `Auth` or `#[login_required]`"
            .to_owned()
    }
}

impl fmt::Display for MissingLoginManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for MissingLoginManager {}

macro_rules! response_rejection {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub(crate) response: Box<Response>,
        }

        impl $name {
            /// The HTTP status of the response.
            pub fn status(&self) -> StatusCode {
                self.response.status()
            }

            /// The `Location` of a redirect, if it is one.
            pub fn location(&self) -> Option<&str> {
                self.response.headers().get(LOCATION).and_then(|v| v.to_str().ok())
            }

            /// A short description.
            pub fn body_text(&self) -> String {
                match self.location() {
                    Some(to) => format!("redirect to {to}"),
                    None => self.status().canonical_reason().unwrap_or("error").to_owned(),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("status", &self.status())
                    .field("location", &self.location())
                    .finish()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.body_text())
            }
        }

        impl std::error::Error for $name {}
    };
}

response_rejection!(
    /// Anonymous: a redirect to the login view, a 401, or the custom handler's response.
    Unauthorized
);
response_rejection!(
    /// Logged in but not fresh: a redirect to the refresh view, a 401, or the custom
    /// handler's response.
    NeedsRefresh
);
response_rejection!(
    /// The user loader failed: a 500 (details logged), or its extractor's rejection.
    LoaderFailed
);

impl From<LoadError> for LoaderFailed {
    fn from(e: LoadError) -> LoaderFailed {
        LoaderFailed {
            response: Box::new(e.into_response()),
        }
    }
}

/// Logged in, but without a required role or permission: 403 (JSON under
/// [`ApiOnly`](crate::ApiOnly)), or the app's forbidden handler's response.
#[non_exhaustive]
pub struct Forbidden {
    /// The missing role or permission.
    pub missing: &'static str,
    /// The answer when it is not the plain 403: the app's handler's, or JSON under
    /// `ApiOnly`.
    pub(crate) response: Option<Box<Response>>,
}

impl fmt::Debug for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forbidden")
            .field("missing", &self.missing)
            .finish_non_exhaustive()
    }
}

impl Forbidden {
    /// 403, or the status the app's forbidden handler chose.
    pub fn status(&self) -> StatusCode {
        self.response
            .as_ref()
            .map_or(StatusCode::FORBIDDEN, |r| r.status())
    }

    /// The response text (it does not name the missing role).
    pub fn body_text(&self) -> String {
        "Forbidden".to_owned()
    }
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for Forbidden {}

/// Why a login extractor or `#[login_required]` refused a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginRejection {
    /// See [`MissingLoginManager`].
    MissingLayer(MissingLoginManager),
    /// See [`Unauthorized`].
    Unauthorized(Unauthorized),
    /// See [`NeedsRefresh`].
    NeedsRefresh(NeedsRefresh),
    /// See [`Forbidden`].
    Forbidden(Forbidden),
    /// See [`LoaderFailed`].
    LoaderFailed(LoaderFailed),
    /// See [`StoreUnavailable`].
    StoreUnavailable(StoreUnavailable),
}

impl LoginRejection {
    /// The HTTP status of the rejection.
    pub fn status(&self) -> StatusCode {
        match self {
            LoginRejection::MissingLayer(r) => r.status(),
            LoginRejection::Unauthorized(r) => r.status(),
            LoginRejection::NeedsRefresh(r) => r.status(),
            LoginRejection::Forbidden(r) => r.status(),
            LoginRejection::LoaderFailed(r) => r.status(),
            LoginRejection::StoreUnavailable(r) => r.status(),
        }
    }

    /// A short description of the response.
    pub fn body_text(&self) -> String {
        match self {
            LoginRejection::MissingLayer(r) => r.body_text(),
            LoginRejection::Unauthorized(r) => r.body_text(),
            LoginRejection::NeedsRefresh(r) => r.body_text(),
            LoginRejection::Forbidden(r) => r.body_text(),
            LoginRejection::LoaderFailed(r) => r.body_text(),
            LoginRejection::StoreUnavailable(r) => r.body_text(),
        }
    }
}

impl fmt::Display for LoginRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body_text())
    }
}

impl std::error::Error for LoginRejection {}

impl IntoResponse for LoginRejection {
    fn into_response(self) -> Response {
        match self {
            LoginRejection::MissingLayer(r) => {
                tracing::error!(target: "axum_sesame::rejection", "{}", r.body_text());
                (r.status(), r.body_text()).into_response()
            }
            LoginRejection::Unauthorized(r) => *r.response,
            LoginRejection::NeedsRefresh(r) => *r.response,
            LoginRejection::Forbidden(Forbidden {
                response: Some(response),
                ..
            }) => *response,
            LoginRejection::Forbidden(r) => (r.status(), r.body_text()).into_response(),
            LoginRejection::LoaderFailed(r) => *r.response,
            LoginRejection::StoreUnavailable(r) => r.into_response(),
        }
    }
}
