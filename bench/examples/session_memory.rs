//! Memory per session of the in-process stores, and the cost of a lookup as they fill:
//! axum-sesame's `MemoryStore` against tower-sessions' `MemoryStore` (under axum-login),
//! each filled with N logged-in sessions of as many users through its real login route
//! (`oneshot`, no network).
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --example session_memory -- 10000 100000 1000000
//! ```
//!
//! Per N and store: heap bytes held per session (a counting global allocator: what the
//! store and its indexes keep after the logins, the responses dropped), and the wall
//! time of an authenticated request over 1000 of those sessions in turn (minimum of five
//! rounds: the noise of a shared machine only ever adds time). Flat lookups mean the
//! same time at every N.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use tower::ServiceExt as _;

struct Counting;

static HELD: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the counter only adds.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout, as given.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: a pointer this allocator returned for this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HELD.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as `realloc`'s contract, passed through.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const UA: &str = "wrk-bench/1";

async fn cookie_of_login(app: &Router, user: usize) -> String {
    let res = app
        .clone()
        .oneshot(
            Request::get(format!("/login?u={user}"))
                .header(header::USER_AGENT, UA)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    let cookies: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    cookies.join("; ")
}

async fn protected(app: &Router, cookie: &str) -> u16 {
    let res = app
        .clone()
        .oneshot(
            Request::get("/protected")
                .header(header::USER_AGENT, UA)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    let status = res.status().as_u16();
    let _ = axum::body::to_bytes(res.into_body(), 1 << 16).await;
    status
}

async fn measure(name: &str, app: Router, n: usize) {
    let app = app.with_state::<()>(());
    // Warm up the router (first-use allocations are not the store's).
    let _ = cookie_of_login(&app, 0).await;
    let before = HELD.load(Ordering::Relaxed);
    let mut sample = Vec::with_capacity(1000);
    let every = (n / 1000).max(1);
    for i in 0..n {
        let cookie = cookie_of_login(&app, i).await;
        if i % every == 0 && sample.len() < 1000 {
            sample.push(cookie);
        }
    }
    let sample_bytes: isize = sample.iter().map(|c| c.capacity() as isize).sum::<isize>()
        + (sample.capacity() * std::mem::size_of::<String>()) as isize;
    let held = HELD.load(Ordering::Relaxed) - before - sample_bytes;
    for c in &sample {
        assert_eq!(protected(&app, c).await, 200, "{name}: a sampled session is logged in");
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..5 {
            for c in &sample {
                std::hint::black_box(protected(&app, c).await);
            }
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e6 / (5 * sample.len()) as f64);
    }
    println!(
        "| {name} | {n} | {} | {best:.2} |",
        held / n as isize
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("| store | sessions | heap bytes per session | us per authenticated request |");
    println!("|---|---|---|---|");
    rt.block_on(async {
        for &n in &sizes {
            // Room for every session in every shard: the measure is of holding, not evicting.
            let ours = axum_sesame::MemoryStore::with_capacity(2 * n + 1000);
            measure(
                "axum-sesame MemoryStore",
                axum_sesame_bench::apps::sesame::app_with_store(ours),
                n,
            )
            .await;
            measure(
                "tower-sessions MemoryStore (axum-login)",
                axum_sesame_bench::apps::axum_login::app(),
                n,
            )
            .await;
        }
    });
}
