//! What a request brought: no cookie, a valid one, or one that could not be used and
//! why, which decides whether a response may replace or delete it (R47).

use std::sync::atomic::{AtomicU64, Ordering};

/// What the request brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// No cookie of our name.
    Absent,
    /// A cookie that verified; `rotated` when under a fallback key.
    Valid { rotated: bool },
    /// One or more cookies of our name, none valid (or, in store mode, none known).
    Invalid,
    /// Store mode: a signed id whose session moved to a new id moments ago (a request
    /// sent before the client got the new cookie).
    Moved,
    /// A cookie of our name that does not verify (another key, another app's format) or
    /// is dated in the future: anonymous, and never deleted or overwritten by an implicit
    /// write; only the app's own writes replace it (R47).
    Unreadable,
}

/// Why a candidate cookie was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Not verified, or dated in the future: leave it alone (R47).
    Unreadable,
    /// Authentic but expired or unusable: it may be deleted.
    Stale,
}

impl Unread {
    /// The state of a request whose candidates were refused for these reasons: one that
    /// could not be read at all wins, so nothing deletes it.
    pub(crate) fn incoming(self, before: Incoming) -> Incoming {
        match (self, before) {
            (Unread::Unreadable, _) | (_, Incoming::Unreadable) => Incoming::Unreadable,
            (Unread::Stale, _) => Incoming::Invalid,
        }
    }
}

/// Counts cookies that fail verification and warns, at most once a minute, when they
/// are many: the usual cause is a `SECRET_KEY` that differs from the one that signed
/// them (another instance, a rotation without the old key as a fallback).
pub(crate) fn note_unreadable() {
    use std::sync::atomic::AtomicU32;
    static SEEN: AtomicU32 = AtomicU32::new(0);
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    if new_minute(&WINDOW) {
        SEEN.store(0, Ordering::Relaxed);
    }
    if SEEN.fetch_add(1, Ordering::Relaxed) + 1 == UNREADABLE_WARN_AT {
        tracing::warn!(
            target: "axum_sesame::session",
            count = UNREADABLE_WARN_AT,
            "many cookies in the last minute fail verification and are left alone: if they \
             are valid elsewhere, this instance's SECRET_KEY differs from the one that signed \
             them (add the old key as a fallback while rotating)"
        );
    }
}

/// Warns, at most once a minute, that a cookie (`what`: `session` or `remember`) was
/// dated `ahead` seconds in the future, beyond the `skew` tolerated: this machine's clock
/// is behind the instance that signed it, or the cookie is forged. It is left alone.
pub(crate) fn note_clock_skew(what: &'static str, ahead: u64, skew: u64) {
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    if new_minute(&WINDOW) {
        tracing::warn!(
            target: "axum_sesame::session",
            cookie = what,
            ahead_secs = ahead,
            skew_secs = skew,
            "a cookie is dated beyond the clock skew tolerated and is anonymous here (left \
             alone): this machine's clock is behind the instance that signed it; keep the \
             fleet's clocks synchronised (NTP) or raise the tolerance"
        );
    }
}

/// Whether a new minute began since `window` was last looked at (and records it): the
/// rate limit of these warnings.
fn new_minute(window: &AtomicU64) -> bool {
    let minute = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 60);
    window.swap(minute, Ordering::Relaxed) != minute
}

/// How many unreadable cookies within a minute raise the warning.
const UNREADABLE_WARN_AT: u32 = 20;
