//! The seam between sessions and the layer built on them (login).
//!
//! The session layer knows nothing of logins. A layer above it keeps its settings in
//! [`SessionSettings::extension`](crate::session::settings::SessionSettings) and its
//! per-request state in [`Extras`], under the request slot's one lock; when the response
//! leaves, the session layer applies what `Extras` asks for (a cookie, records to delete,
//! no cookies at all, a private response) without knowing why.

use std::any::Any;

use crate::session::SessionId;

/// What the layer above sessions keeps for one request and asks of its response.
#[derive(Default)]
pub(crate) struct Extras {
    /// That layer's own per-request data (login: the resolved user), opaque here.
    pub(crate) data: Option<Box<dyn Any + Send + Sync>>,
    /// One more `Set-Cookie` line (login: the remember cookie, or its removal).
    pub(crate) cookie: Option<String>,
    /// No cookie may be sent and nothing stored (login: a request loader authenticated
    /// the request).
    pub(crate) no_cookies: bool,
    /// The response is private (login: a user was resolved).
    pub(crate) private: bool,
    /// Store records to delete when the response leaves (login: revoked remember tokens).
    pub(crate) delete: Vec<SessionId>,
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cookie line carries a credential: not printed.
        f.debug_struct("Extras")
            .field("no_cookies", &self.no_cookies)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}
