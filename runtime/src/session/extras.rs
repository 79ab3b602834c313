//! The seam between sessions and the layer built on them (login).
//!
//! The session layer knows nothing of logins. A layer above it keeps its settings in
//! [`SessionSettings::extension`](crate::session::settings::SessionSettings) and its
//! per-request state in [`Extras`], under the request slot's one lock; when the response
//! leaves, the session layer applies what `Extras` asks for (a cookie, records to delete,
//! no cookies at all, a private response) without knowing why.

use std::any::{Any, TypeId};
use std::sync::Arc;

use crate::session::SessionId;

/// A value the layer above keeps for the rest of one request, opaque here (login: the
/// user type asked for, the user it resolved to, and whether the login is fresh).
/// Inline, not boxed: keeping it costs a request no allocation.
pub(crate) struct Kept {
    /// What the value was made for.
    pub(crate) key: TypeId,
    /// The value, if there is one.
    pub(crate) value: Option<Arc<dyn Any + Send + Sync>>,
    /// One more bit about it.
    pub(crate) flag: bool,
}

/// What the layer above sessions keeps for one request and asks of its response.
#[derive(Default)]
pub(crate) struct Extras {
    /// That layer's own per-request data (login: the resolved user), opaque here.
    pub(crate) data: Option<Kept>,
    /// One more `Set-Cookie` line (login: the remember cookie, or its removal).
    pub(crate) cookie: Option<String>,
    /// No cookie may be sent and nothing stored (login: a request loader authenticated
    /// the request).
    pub(crate) no_cookies: bool,
    /// The response is private (login: a user was resolved).
    pub(crate) private: bool,
    /// Store records to delete when the response leaves (login: revoked remember tokens).
    pub(crate) delete: Vec<SessionId>,
    /// Work to finish before the response leaves (login: the app's signal callbacks).
    pub(crate) callbacks: Callbacks,
}

/// A callback's work, awaited before the response leaves.
pub(crate) type Callback = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Callbacks to await, in order; `None` (nothing to drop) for the many requests without
/// any, and one pointer wide (the layer moves its `Finish` by value).
#[derive(Default)]
#[expect(
    clippy::box_collection,
    reason = "one pointer in `Finish`, which is moved by value on every request"
)]
pub(crate) struct Callbacks(pub(crate) Option<Box<Vec<Callback>>>);

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Callbacks({})", self.0.as_ref().map_or(0, |c| c.len()))
    }
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
