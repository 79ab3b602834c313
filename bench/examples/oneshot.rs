//! Drives one benchmark app through `tower::ServiceExt::oneshot`, no network, so that
//! `valgrind --tool=callgrind` can count the instructions a request costs in user space:
//!
//! ```text
//! cargo build --release --example oneshot
//! valgrind --tool=callgrind target/release/examples/oneshot sesame authenticated 20000
//! ```
//!
//! The difference between two runs with different request counts, divided by the
//! difference of the counts, is the cost of one request (start-up and logins cancel out);
//! `baseline` gives the floor. Servers: `baseline`, `signed_jar`, `axum_login`, `sesame`,
//! `sesame_flash`, `sesame_wrapped`, `sesame_memory` (store mode); scenarios: `authenticated`, `anonymous`, `untouched`,
//! `many` (1000 clients' cookies in turn), and `connection` (what `axum::serve` does for
//! each new connection: the router re-layered; not for `sesame_wrapped`, made once).
use axum::body::Body;
use axum::http::{Request, header};
use tower::ServiceExt as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_else(|| "sesame".into());
    let scenario = args.next().unwrap_or_else(|| "authenticated".into());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    if server == "sesame_wrapped" {
        use axum_sesame_bench::apps::sesame;
        return run(
            sesame::manager().wrap(sesame::routes()),
            &server,
            &scenario,
            n,
        );
    }
    let app = match server.as_str() {
        "baseline" => axum_sesame_bench::apps::baseline::app(),
        "signed_jar" => axum_sesame_bench::apps::signed_jar::app(),
        "axum_login" => axum_sesame_bench::apps::axum_login::app(),
        "sesame" => axum_sesame_bench::apps::sesame::app(),
        "sesame_flash" => axum_sesame_bench::apps::sesame::app_with_flash(),
        // Store mode in memory; the per-user cap raised for `many` (one user, 1000 logins).
        "sesame_memory" => axum_sesame_bench::apps::sesame::app_with_store(
            axum_sesame::MemoryStore::new().with_max_per_user(100_000),
        ),
        other => panic!("unknown server {other}"),
    };
    if scenario == "connection" {
        // What `axum::serve` does for every new connection.
        for _ in 0..n {
            let _ = std::hint::black_box(app.clone().with_state::<()>(()));
        }
        eprintln!("{server} {scenario}: {n} connections");
        return;
    }
    // What `axum::serve` does: turn every handler into a route once, not per request.
    let app = app.with_state::<()>(());
    run(app, &server, &scenario, n);
}

fn run<S>(app: S, server: &str, scenario: &str, n: u64)
where
    S: tower::Service<
            Request<Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let ua = "wrk-bench/1";
        // "many": 1000 clients' cookies in turn, as bench/many.lua (cold per-thread memos).
        let clients = if scenario == "many" { 1000 } else { 1 };
        let mut cookies = Vec::with_capacity(clients);
        for _ in 0..clients {
            let login = app
                .clone()
                .oneshot(
                    Request::get("/login")
                        .header(header::USER_AGENT, ua)
                        .body(Body::empty())
                        .expect("request"),
                )
                .await
                .expect("infallible");
            let cookie: Vec<String> = login
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
                .collect();
            cookies.push(cookie.join("; "));
        }
        let (path, with_cookie) = match scenario {
            "authenticated" | "many" => ("/protected", true),
            "anonymous" => ("/protected", false),
            "untouched" => ("/plain", true),
            other => panic!("unknown scenario {other}"),
        };
        let mut status = 0;
        for i in 0..n {
            let cookie = &cookies[i as usize % clients];
            let mut req = Request::get(path).header(header::USER_AGENT, ua);
            if with_cookie && !cookie.is_empty() {
                req = req.header(header::COOKIE, cookie);
            }
            let res = app
                .clone()
                .oneshot(req.body(Body::empty()).expect("request"))
                .await
                .expect("infallible");
            status = res.status().as_u16();
            let body = axum::body::to_bytes(res.into_body(), 1 << 16)
                .await
                .expect("body");
            std::hint::black_box(body);
        }
        eprintln!("{server} {scenario}: {n} requests, last status {status}");
    });
}
