//! Password hashing for the demo: argon2id with bounded concurrency and a bounded queue
//! (SECURITY.md R40).

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// How many argon2 computations run at once (each holds 4 MiB while it runs).
pub(crate) const HASHING_AT_ONCE: usize = 2;
/// How many password checks may wait for a turn; past that they get 503 at once.
const HASHING_QUEUE: usize = 64;

/// The answer when the hashing queue is full: 503 with `Retry-After: 1`.
#[derive(Debug)]
pub struct Busy;

impl IntoResponse for Busy {
    fn into_response(self) -> Response {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "1")],
            "Too many logins at once, try again",
        )
            .into_response()
    }
}

/// Bounds password hashing: [`HASHING_AT_ONCE`] run, up to [`HASHING_QUEUE`] wait, the rest
/// are refused, so memory stays bounded whatever the burst of logins.
///
/// The hashes run on [`HASHING_AT_ONCE`] threads of their own, not on tokio's blocking
/// pool: the allocator keeps each argon2 buffer in the arena of the thread that freed it,
/// and the blocking pool may grow to many threads (each then holding tens of MB).
#[derive(Clone)]
pub(crate) struct HashLimiter {
    permits: Arc<tokio::sync::Semaphore>,
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for HashLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashLimiter").finish_non_exhaustive()
    }
}

/// Counts a waiter for as long as it waits, also when its request is dropped meanwhile.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl HashLimiter {
    /// Starts the hashing threads; they end when the last clone of the limiter is dropped.
    pub(crate) fn new() -> Option<HashLimiter> {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..HASHING_AT_ONCE {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is released at the end of this statement, before the job.
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            // A panicking job must not take the thread with it.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => break,
                        }
                    }
                })
                .ok()?;
        }
        Some(HashLimiter {
            permits: Arc::new(tokio::sync::Semaphore::new(HASHING_AT_ONCE)),
            waiting: Arc::default(),
            jobs,
        })
    }

    /// Runs `work` on a hashing thread once a permit is free; `Err(Busy)` when the queue is
    /// full, `Ok(None)` if the work could not run. The permit moves into the job, so a client
    /// that disconnects while its hash runs does not free a slot before the memory is.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, Busy> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                use std::sync::atomic::Ordering::AcqRel;
                if self.waiting.fetch_add(1, AcqRel) >= HASHING_QUEUE {
                    self.waiting.fetch_sub(1, AcqRel);
                    return Err(Busy);
                }
                let _waiting = Waiting(&self.waiting);
                // The semaphore is never closed; a closed one would only mean "busy".
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| Busy)?
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job = Box::new(move || {
            // A panic in `work` drops `done`: the request then sees `None`.
            let _ = done.send(work());
            drop(permit);
        });
        if self.jobs.send(job).is_err() {
            return Ok(None);
        }
        Ok(result.await.ok())
    }
}

/// Argon2id with a demo-sized cost (4 MiB, one pass): real hashing, quick start-up.
fn hasher() -> Argon2<'static> {
    let params = Params::new(4 * 1024, 1, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub(crate) fn hash_password(pw: &str) -> Option<String> {
    hasher()
        .hash_password(pw.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

pub(crate) fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| hasher().verify_password(pw.as_bytes(), &h).is_ok())
}
