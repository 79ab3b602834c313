//! A Redis Cluster that stops answering and comes back (`--features redis`, a cluster at
//! `REDIS_CLUSTER_NODES`). A test binary of its own: it pauses every client of the
//! cluster, which would stall the other suites' tests running beside it.
#![cfg(feature = "redis")]

mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use support::{app, send};

/// A Redis Cluster whose masters all stop answering for three seconds (`CLIENT
/// PAUSE`: its nodes advertise their own addresses, so no proxy can stand between):
/// requests fail closed and fast, and the same login works once it answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster() {
    let app = app(support::redis_cluster_store()).0;
    let c = send(&app, "POST", "/login/a", None)
        .await
        .cookie("session")
        .unwrap();
    assert_eq!(send(&app, "GET", "/whoami", Some(&c)).await.body, "a None");
    let nodes = std::env::var("REDIS_CLUSTER_NODES").unwrap();
    for node in nodes.split(',') {
        let paused = std::process::Command::new("redis-cli")
            .args(["-u", node.trim(), "CLIENT", "PAUSE", "3000", "ALL"])
            .output()
            .expect("redis-cli (apt-get install redis-tools)");
        assert!(paused.status.success(), "CLIENT PAUSE on {node}");
    }
    let started = Instant::now();
    for (method, path) in [("GET", "/whoami"), ("POST", "/login/b")] {
        let cookie = (path == "/whoami").then_some(c.as_str());
        let r = send(&app, method, path, cookie).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(r.set_cookie_lines().is_empty(), "{path}: no cookie");
    }
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = send(&app, "GET", "/whoami", Some(&c)).await;
        if r.status == StatusCode::OK {
            assert_eq!(r.body, "a None", "the same login, back");
            break;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "the cluster did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
