//! The lifetimes enforced server-side from a session's signed timestamps.

/// Lifetimes enforced server-side from the signed timestamps.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifetimes {
    /// Sliding lifetime of a permanent session, since it was last written.
    pub(crate) permanent: u64,
    /// Hard cap since the session was created, for every session.
    pub(crate) absolute: u64,
    /// Inactivity limit since the session was last written, if any.
    pub(crate) idle: Option<u64>,
    /// How far a timestamp may lie in the future (other instances' clocks run ahead).
    pub(crate) skew: u64,
}

/// The default clock skew tolerated for timestamps from the future.
pub(crate) const DEFAULT_SKEW_SECS: u64 = 60;

impl Lifetimes {
    /// For a session created at `iat`, written `now`: the cookie's `Max-Age` (permanent
    /// sessions only) and, in store mode, the record's time to live.
    pub(crate) fn cookie_and_record(
        &self,
        permanent: bool,
        iat: u64,
        now: u64,
    ) -> (Option<u64>, u64) {
        let remaining = iat.saturating_add(self.absolute).saturating_sub(now);
        let max_age = permanent.then(|| self.permanent.min(remaining));
        let mut ttl = max_age.unwrap_or(remaining);
        if let Some(idle) = self.idle {
            ttl = ttl.min(idle);
        }
        (max_age, ttl)
    }
}
