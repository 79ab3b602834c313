//! Session protection's modes, shared by the login manager and Flask-Login's format.

/// What session protection does when a session comes back from another client identity
/// (a hash of the `User-Agent` and, when the server records it, the peer address; never
/// `X-Forwarded-For`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SessionProtection {
    /// No check.
    Off,
    /// The session stays logged in but is no longer fresh (the default, as in Flask-Login).
    #[default]
    Basic,
    /// The user is logged out (a permanent session is only marked non-fresh, as in
    /// Flask-Login).
    Strong,
}
