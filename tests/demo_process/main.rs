//! Black-box tests of the real `demo` binary over real TCP: its abuse bounds
//! (SECURITY.md R40; demo-spec "Abuse" and "Start"), and two processes on one user
//! database (and, with `--features redis` and `REDIS_URL`, one Redis) acting as one app.
//!
//! - 200 parallel bad logins keep the process under 300 MB resident (bounded hashing);
//! - after 10 failures for one (email, address) pair the next attempt gets 429 with
//!   `Retry-After`, other emails and other addresses are unaffected, and each attempt is
//!   written to the audit log with its client address;
//! - a client that trickles its headers is cut off within 30–45 s;
//! - SIGTERM and Ctrl-C stop accepting connections, finish the request in flight, exit 0.
//!
//! `cargo test --test demo_process` does not build examples by itself, so the first test
//! to need the binary runs `cargo build --example demo` (a no-op when it is fresh).

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum_sesame_testkit::{client, form_encode as enc, jar_client};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const SECRET_KEY: &str = "demo abuse tests: 32+ byte secret key";
const FOO: &str = "foo@bar.tld";
const BAR: &str = "bar@bar.tld";
const FORM: &str = "application/x-www-form-urlencoded";
/// R40: the resident-memory bound through 200 parallel bad logins.
const RSS_LIMIT_KB: u64 = 300 * 1024;

/// The demo binary next to this test's, built (or found fresh) once per run.
fn demo_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/demo_abuse-<hash> -> target/<profile>/examples/demo
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the test binary lives in target/<profile>/deps");
        let mut build = Command::new(env!("CARGO"));
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "axum-sesame-examples",
                "--example",
                "demo",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        // The demo with this test binary's stores.
        let features: Vec<&str> = [
            (cfg!(feature = "redis"), "redis"),
            (cfg!(feature = "postgres"), "postgres"),
            (cfg!(feature = "sqlite"), "sqlite"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if !features.is_empty() {
            build.args(["--features", &features.join(",")]);
        }
        let status = build.status().expect("run cargo to build the demo");
        assert!(
            status.success(),
            "`cargo build --example demo` failed ({status}): the demo must build first"
        );
        let binary = profile_dir
            .join("examples")
            .join(format!("demo{}", std::env::consts::EXE_SUFFIX));
        assert!(
            binary.is_file(),
            "the demo binary is missing at {}: run `cargo build --example demo`",
            binary.display()
        );
        binary
    })
}

/// A `DATABASE_URL` for a database that does not exist yet (the demo creates and seeds it).
fn fresh_database(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("demo_process-{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite://{}", path.display())
}

/// One running demo process; killed when dropped.
struct Demo {
    child: Child,
    addr: SocketAddr,
    base: String,
    log: PathBuf,
}

impl Demo {
    /// Starts the demo on a free port, with a user database of its own; `name` names its
    /// log and database files.
    fn start(name: &str) -> Demo {
        let db = fresh_database(name);
        Demo::start_with(name, &[("DATABASE_URL", db.as_str())])
    }

    /// Starts the demo with these extra environment variables.
    fn start_with(name: &str, env: &[(&str, &str)]) -> Demo {
        let log =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("demo_process-{name}.log"));
        let stderr = std::fs::File::create(&log).expect("create the demo's log file");
        let mut command = Command::new(demo_binary());
        command
            .env("PORT", "0")
            .env("SECRET_KEY", SECRET_KEY)
            .env("RUST_LOG", "info")
            .env_remove("SESSION_STORE")
            .env_remove("SESSION_LIFETIME")
            // The store is what the test says, never the runner's servers (CI exports
            // a cluster and a PostgreSQL for other suites).
            .env_remove("REDIS_CLUSTER_NODES")
            .env_remove("POSTGRES_URL");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start the demo binary");
        let stdout = child.stdout.take().expect("the demo's stdout");
        let mut line = String::new();
        // The demo prints this line once it accepts connections (or exits on an error).
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(base) = line.trim().strip_prefix("demo listening on ") else {
            let _ = child.kill();
            let logs = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("the demo's first stdout line was {line:?}; its log:\n{logs}");
        };
        let base = base.to_owned();
        let addr = base
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("not an http://address:port: {base:?}"));
        Demo {
            child,
            addr,
            base,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The process's peak resident set (`VmHWM`), in KiB.
    fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/<pid>/status (Linux only)");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).expect("read the demo's log")
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits at most `limit` for the process to exit.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the demo") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the demo still runs {limit:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is loopback).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

async fn login(client: &reqwest::Client, demo: &Demo, email: &str, pw: &str) -> reqwest::Response {
    client
        .post(demo.url("/login"))
        .header("content-type", FORM)
        .body(format!("email={}&pw={}", enc(email), enc(pw)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /login {email}: {e}"))
}

/// Sends `n` bad logins at once (email `email(i)`), returns the statuses.
async fn parallel_bad_logins(demo: &Demo, n: usize, email: fn(usize) -> String) -> Vec<u16> {
    let client = client();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url) = (client.clone(), demo.url("/login"));
        let body = format!("email={}&pw={}", enc(&email(i)), enc(&format!("wrong-{i}")));
        tasks.spawn(async move {
            let res = client
                .post(url)
                .header("content-type", FORM)
                .body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("bad login {i}: a connection error: {e}"));
            let status = res.status().as_u16();
            if status == 503 {
                assert_eq!(
                    res.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                    Some("1"),
                    "a 503 says when to retry"
                );
            }
            let _ = res.bytes().await;
            status
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("a login task"));
    }
    statuses
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn post_form(c: &reqwest::Client, url: String, body: &str) -> reqwest::Response {
    c.post(url)
        .header("content-type", FORM)
        .body(body.to_owned())
        .send()
        .await
        .expect("a response")
}

async fn protected_status(c: &reqwest::Client, demo: &Demo) -> u16 {
    c.get(demo.url("/protected"))
        .send()
        .await
        .expect("a response")
        .status()
        .as_u16()
}

mod abuse;
mod fleet;
mod operations;
mod server;
