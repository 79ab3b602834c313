//! Failed-login throttling per (email, client address), and the client's address.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Failed logins allowed per (email, client address) before 429.
pub(crate) const FAILURES_ALLOWED: u32 = 10;
/// The window those failures are counted in.
pub(crate) const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a pair's cells take to come back in full.
pub(crate) const FULL_REFILL: Duration = Duration::from_secs(15 * 60 * FAILURES_ALLOWED as u64);
/// At most this many (email, address) pairs are tracked, so a flood of made-up emails
/// cannot grow memory without bound (each entry is well under 1 KiB).
pub(crate) const MAX_TRACKED_PAIRS: usize = 50_000;
/// Emails are cut to this many bytes in throttle keys and logs.
pub(crate) const MAX_EMAIL_LEN: usize = 254;

/// `s` cut to at most `max` bytes, at a character boundary.
pub(crate) fn truncated(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Failed-login throttling per (lower-cased email, client IP), with `governor`'s GCRA:
/// a burst of [`FAILURES_ALLOWED`] failures, then one attempt back per [`FAILURE_WINDOW`]
/// (so after 10 quick failures the pair gets 429 until the window has passed, as
/// demo-spec.md says, and then one attempt per window while it keeps failing).
///
/// Every attempt takes a cell *before* its password is hashed, so parallel attempts
/// cannot all slip past the check; an attempt whose password turns out right (or that
/// never got hashed) gives its cell back, so only failures count. Governor has no way to
/// give a cell back (nor to test a key without taking one), so the limiter runs over our
/// own [`StateStore`](governor::state::StateStore), which can undo one cell and which
/// caps the tracked pairs at [`MAX_TRACKED_PAIRS`].
#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Arc<
        governor::RateLimiter<
            Pair,
            FailureStore,
            governor::clock::MonotonicClock,
            governor::middleware::NoOpMiddleware<std::time::Instant>,
        >,
    >,
    store: FailureStore,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle").finish_non_exhaustive()
    }
}

/// One throttled (email, address) pair.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pair {
    email: String,
    ip: std::net::IpAddr,
}

impl Pair {
    pub(crate) fn new(email: &str, ip: std::net::IpAddr) -> Pair {
        Pair {
            email: truncated(email, MAX_EMAIL_LEN).to_lowercase(),
            ip,
        }
    }
}

/// Governor's state per pair (its theoretical arrival time), with when it was last written.
type PairStates = HashMap<Pair, (governor::nanos::Nanos, std::time::Instant)>;

/// The throttle's state store: shared by the limiter and [`LoginThrottle::refund`].
#[derive(Clone, Default)]
pub(crate) struct FailureStore(Arc<std::sync::Mutex<PairStates>>);

impl FailureStore {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, PairStates> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl governor::state::StateStore for FailureStore {
    type Key = Pair;

    fn measure_and_replace<T, F, E>(&self, key: &Pair, f: F) -> Result<T, E>
    where
        F: Fn(Option<governor::nanos::Nanos>) -> Result<(T, governor::nanos::Nanos), E>,
    {
        let mut pairs = self.lock();
        let (verdict, state) = f(pairs.get(key).map(|(state, _)| *state))?;
        let now = std::time::Instant::now();
        if pairs.len() >= MAX_TRACKED_PAIRS && !pairs.contains_key(key) {
            // A pair untouched until all its cells are back is as good as new: forget those; if that
            // frees nothing, forget the tenth written longest ago (in one pass, so a flood
            // costs one scan per MAX_TRACKED_PAIRS / 10 new pairs, not one per pair).
            pairs.retain(|_, (_, at)| now.duration_since(*at) < FULL_REFILL);
            if pairs.len() >= MAX_TRACKED_PAIRS {
                let mut written: Vec<std::time::Instant> =
                    pairs.values().map(|(_, at)| *at).collect();
                // `written` holds at least MAX_TRACKED_PAIRS (> 0) entries: `cut` is in range.
                let cut = written.len() / 10;
                let (_, newest_dropped, _) = written.select_nth_unstable(cut);
                let newest_dropped = *newest_dropped;
                pairs.retain(|_, (_, at)| *at > newest_dropped);
            }
        }
        pairs.insert(key.clone(), (state, now));
        Ok(verdict)
    }
}

/// An attempt that holds one of its pair's cells until it is known to have failed.
#[must_use]
pub(crate) struct Attempt {
    pair: Pair,
}

impl LoginThrottle {
    pub(crate) fn new() -> LoginThrottle {
        let quota = governor::Quota::with_period(FAILURE_WINDOW)
            .and_then(|q| Some(q.allow_burst(std::num::NonZeroU32::new(FAILURES_ALLOWED)?)))
            .unwrap_or_else(|| governor::Quota::per_minute(std::num::NonZeroU32::MIN));
        let store = FailureStore::default();
        LoginThrottle {
            limiter: Arc::new(governor::RateLimiter::new(
                quota,
                store.clone(),
                governor::clock::MonotonicClock,
            )),
            store,
        }
    }

    /// Takes a cell for one attempt of this pair; `Err(wait)` when they are used up: try
    /// again after `wait`.
    pub(crate) fn attempt(&self, email: &str, ip: std::net::IpAddr) -> Result<Attempt, Duration> {
        use governor::clock::Clock as _;
        let pair = Pair::new(email, ip);
        let now = governor::clock::MonotonicClock.now();
        match self.limiter.check_key(&pair) {
            Ok(()) => Ok(Attempt { pair }),
            Err(not_until) => Err(not_until.wait_time_from(now)),
        }
    }

    /// The attempt did not fail (right password, or never checked): its cell goes back.
    pub(crate) fn refund(&self, attempt: Attempt) {
        let period = FAILURE_WINDOW.as_nanos();
        let period = u64::try_from(period).unwrap_or(u64::MAX);
        if let Some((tat, _)) = self.store.lock().get_mut(&attempt.pair) {
            // GCRA took a cell by moving the arrival time one period on: move it back.
            *tat = governor::nanos::Nanos::new(tat.as_u64().saturating_sub(period));
        }
    }
}

/// 429 with `Retry-After` in whole seconds (at least 1).
pub(crate) fn too_many_attempts(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::RETRY_AFTER, secs.max(1).to_string())],
        "Too many failed logins, try again later",
    )
        .into_response()
}

/// The client's IP address, from the connection (`ConnectInfo`); `None` when the router
/// runs without one (in-process tests), which the throttle treats as one fixed address.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(Option<std::net::SocketAddr>);

impl ClientAddr {
    pub(crate) fn ip(self) -> std::net::IpAddr {
        self.0
            .map_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), |a| {
                a.ip()
            })
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(addr) => write!(f, "{}", addr.ip()),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}
