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
        if cfg!(feature = "redis") {
            build.args(["--features", "redis"]);
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
            .env_remove("SESSION_LIFETIME");
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is loopback).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

/// Form encoding of one value (every byte but the unreserved ones percent-encoded).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

// ---------------------------------------------------------------------------------------
// R40: bounded hashing
// ---------------------------------------------------------------------------------------

/// 200 bad logins for 200 emails at once: no throttle applies, so every one that is not
/// refused with 503 is hashed (4 MiB of argon2 each). Without the bound this peaks near
/// a gigabyte; with it, a few hashes run at once and the rest wait or get 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_bad_logins_for_many_emails_stay_under_300_mb() {
    let demo = Demo::start("many-emails");
    let statuses = parallel_bad_logins(&demo, 200, |i| format!("nobody-{i}@bar.tld")).await;
    let peak = demo.peak_rss_kb();
    eprintln!(
        "many emails: {} x 401, {} x 503, peak RSS {peak} KiB",
        count(&statuses, 401),
        count(&statuses, 503)
    );
    assert!(
        statuses.iter().all(|s| [401, 503].contains(s)),
        "only 401 and 503: {statuses:?}"
    );
    // At least the 2 running and the 64 waiting are served: the queue is real.
    assert!(
        count(&statuses, 401) >= 66,
        "at least 66 hashed: {statuses:?}"
    );
    assert!(
        peak < RSS_LIMIT_KB,
        "peak RSS {peak} KiB through 200 parallel bad logins (limit {RSS_LIMIT_KB} KiB)"
    );
    // The process still serves.
    let res = login(&client(), &demo, FOO, "secret").await;
    assert_eq!(res.status(), 303);
}

/// 200 bad logins for one email at once: the throttle takes its cell before hashing, so
/// parallel attempts get no more than the 10 guesses sequential ones get.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_bad_logins_for_one_email_get_at_most_ten_guesses() {
    let demo = Demo::start("one-email");
    let statuses = parallel_bad_logins(&demo, 200, |_| FOO.to_owned()).await;
    let peak = demo.peak_rss_kb();
    eprintln!(
        "one email: {} x 401, {} x 429, {} x 503, peak RSS {peak} KiB",
        count(&statuses, 401),
        count(&statuses, 429),
        count(&statuses, 503)
    );
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "only 401, 429 and 503: {statuses:?}"
    );
    let guesses = count(&statuses, 401);
    assert!(
        (1..=10).contains(&guesses),
        "{guesses} passwords tried: {statuses:?}"
    );
    assert!(count(&statuses, 429) >= 1, "{statuses:?}");
    assert!(peak < RSS_LIMIT_KB, "peak RSS {peak} KiB");
}

// ---------------------------------------------------------------------------------------
// Abuse: failed-login throttling per (email, client address), and the audit log
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn eleventh_failed_login_for_a_pair_gets_429_others_are_unaffected() {
    let demo = Demo::start("throttle");
    let local = client();
    for i in 1..=10 {
        let res = login(&local, &demo, FOO, &format!("wrong-{i}")).await;
        assert_eq!(res.status(), 401, "failure {i}");
    }
    // The 11th, in any letter case, and even with the right password: 429 before any
    // password check.
    for (email, pw) in [
        (FOO, "wrong-11"),
        ("FOO@Bar.TLD", "wrong-12"),
        (FOO, "secret"),
    ] {
        let res = login(&local, &demo, email, pw).await;
        assert_eq!(res.status(), 429, "{email} / {pw}");
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .expect("a numeric Retry-After");
        assert!(
            // Until the 15-minute window has passed (demo-spec "Abuse").
            (14 * 60..=15 * 60).contains(&retry_after),
            "Retry-After: {retry_after}"
        );
        assert!(res.headers().get("set-cookie").is_none());
    }
    // Another email from the same address.
    assert_eq!(login(&local, &demo, BAR, "wrong").await.status(), 401);
    assert_eq!(login(&local, &demo, BAR, "secret").await.status(), 303);
    // The same email from another address.
    let other = client_from([127, 0, 0, 2]);
    assert_eq!(login(&other, &demo, FOO, "wrong").await.status(), 401);
    assert_eq!(login(&other, &demo, FOO, "secret").await.status(), 303);

    // The audit trail: one line per attempt, with email and client address.
    let logs = demo.logs();
    let lines = |needle: &str| logs.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        lines(r#"login failed email="foo@bar.tld" client=127.0.0.1"#),
        10,
        "{logs}"
    );
    assert_eq!(lines("login refused: too many failed logins"), 3, "{logs}");
    assert_eq!(
        lines("login email=bar@bar.tld client=127.0.0.1"),
        1,
        "{logs}"
    );
    assert_eq!(
        lines("login email=foo@bar.tld client=127.0.0.2"),
        1,
        "{logs}"
    );
    for secret in ["secret", "wrong-1"] {
        assert!(!logs.contains(secret), "the log holds {secret:?}:\n{logs}");
    }
}

#[tokio::test]
async fn audit_lines_escape_typed_emails_and_name_logouts() {
    let demo = Demo::start("audit");
    let jar = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // A typed email cannot forge a log line.
    let forged = "x@y.tld\n2026-01-01T00:00:00Z  INFO demo::audit: login email=foo@bar.tld";
    assert_eq!(login(&jar, &demo, forged, "pw").await.status(), 401);
    assert_eq!(login(&jar, &demo, FOO, "secret").await.status(), 303);
    let res = jar.get(demo.url("/logout")).send().await.expect("logout");
    assert_eq!(res.status(), 200);
    let res = client()
        .get(demo.url("/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 200);
    let logs = demo.logs();
    assert!(
        logs.contains(r#"login failed email="x@y.tld\n2026-01-01T00:00:00Z"#),
        "{logs}"
    );
    assert!(
        !logs.lines().any(|l| l.starts_with("2026-01-01")),
        "a forged line: {logs}"
    );
    assert!(
        logs.contains("logout email=foo@bar.tld client=127.0.0.1"),
        "{logs}"
    );
    assert!(
        logs.contains("logout email=(anonymous) client=127.0.0.1"),
        "{logs}"
    );
    assert!(!logs.contains("secret"), "{logs}");
}

// ---------------------------------------------------------------------------------------
// Server: slow headers, shutdown
// ---------------------------------------------------------------------------------------

/// A client that sends a header byte every 2 s and never finishes is disconnected
/// between 30 and 45 s after it connected; meanwhile other clients are served.
#[tokio::test]
async fn trickled_headers_are_cut_off_within_30_to_45_seconds() {
    let demo = Demo::start("slow-headers");
    let started = Instant::now();
    let mut slow = tokio::net::TcpStream::connect(demo.addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: demo\r\n")
        .await
        .expect("write the request line");
    let trickle = b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut sent = 0;
    let mut checked_others = false;
    let mut buf = [0u8; 1024];
    let cut_after = loop {
        assert!(
            started.elapsed() < Duration::from_secs(50),
            "still connected after 50 s of trickled headers"
        );
        tokio::select! {
            read = slow.read(&mut buf) => match read {
                // A 408 may come first; the close is what counts.
                Ok(n) if n > 0 => {}
                _ => break started.elapsed(),
            },
            () = tokio::time::sleep(Duration::from_secs(2)) => {
                let byte = [trickle[sent % trickle.len()]];
                sent += 1;
                if slow.write_all(&byte).await.is_err() {
                    break started.elapsed();
                }
                if !checked_others && started.elapsed() > Duration::from_secs(10) {
                    let res = client().get(demo.url("/login")).send().await.expect("GET");
                    assert_eq!(res.status(), 200, "another client is served meanwhile");
                    checked_others = true;
                }
            }
        }
    };
    eprintln!("trickled headers: cut off after {cut_after:?} ({sent} bytes trickled)");
    assert!(checked_others);
    assert!(
        cut_after >= Duration::from_secs(29) && cut_after <= Duration::from_secs(45),
        "cut off after {cut_after:?}"
    );
}

/// The raw bytes of a login whose body is sent in two parts.
fn split_login() -> (Vec<u8>, Vec<u8>) {
    let body = format!("email={}&pw=wrong", enc(FOO));
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: {FORM}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(10);
    (
        [head.as_bytes(), first.as_bytes()].concat(),
        rest.as_bytes().to_vec(),
    )
}

/// SIGTERM (and Ctrl-C's SIGINT): new connections are refused at once, the request in
/// flight is answered in full, and the process exits 0.
#[tokio::test]
async fn sigterm_and_ctrl_c_finish_the_request_in_flight_and_exit_0() {
    for signal in ["TERM", "INT"] {
        let mut demo = Demo::start(&format!("signal-{signal}"));
        let mut conn = tokio::net::TcpStream::connect(demo.addr)
            .await
            .expect("connect");
        let (first, rest) = split_login();
        conn.write_all(&first).await.expect("write");
        // The handler is now waiting for the rest of the body.
        tokio::time::sleep(Duration::from_millis(300)).await;
        demo.signal(signal);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            tokio::net::TcpStream::connect(demo.addr).await.is_err(),
            "SIG{signal}: still accepting connections"
        );
        conn.write_all(&rest).await.expect("write the rest");
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut response))
            .await
            .expect("the response comes")
            .expect("read the response");
        let response = String::from_utf8_lossy(&response);
        assert!(
            response.starts_with("HTTP/1.1 401") && response.contains("Bad login"),
            "SIG{signal}: the request in flight is answered: {response}"
        );
        let status = demo.wait_exit(Duration::from_secs(10));
        assert!(status.success(), "SIG{signal}: exit status {status}");
        assert!(demo.logs().contains("shutting down"), "{}", demo.logs());
    }
}

// ---------------------------------------------------------------------------------------
// Two processes, one user database (and one Redis): one app (demo-spec "Users").
// ---------------------------------------------------------------------------------------

/// A client with a cookie jar that follows no redirect.
fn jar_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
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

/// Two demo processes with one `DATABASE_URL` and `SECRET_KEY`: a login on one holds on
/// the other, and a password change or "log out everywhere else" on one ends the other
/// sessions on both (the auth hash comes from the shared rows).
async fn two_processes_are_one_app(name: &str, extra: &[(&str, &str)]) {
    let db = fresh_database(name);
    let mut env = vec![("DATABASE_URL", db.as_str())];
    env.extend_from_slice(extra);
    let a = Demo::start_with(&format!("{name}-a"), &env);
    let b = Demo::start_with(&format!("{name}-b"), &env);
    let login = format!("email={}&pw=secret", FOO.replace('@', "%40"));
    // Logged in on A, recognised by B (the same cookies go to both: one host).
    let x = jar_client();
    assert_eq!(post_form(&x, a.url("/login"), &login).await.status(), 303);
    assert_eq!(protected_status(&x, &b).await, 200);
    // Another client on B; a password change on A ends it, on both processes.
    let y = jar_client();
    assert_eq!(post_form(&y, b.url("/login"), &login).await.status(), 303);
    assert_eq!(protected_status(&y, &a).await, 200);
    let changed = post_form(&x, a.url("/password"), "new_pw=changed").await;
    assert_eq!(changed.status(), 200);
    assert_eq!(protected_status(&y, &a).await, 303);
    assert_eq!(protected_status(&y, &b).await, 303);
    assert_eq!(
        protected_status(&x, &b).await,
        200,
        "the changing session goes on"
    );
    // The new password works on B.
    let z = jar_client();
    let relogin = format!("email={}&pw=changed", FOO.replace('@', "%40"));
    assert_eq!(post_form(&z, b.url("/login"), &relogin).await.status(), 303);
    // "Log out everywhere else" on B ends X's session on A.
    let r = post_form(&z, b.url("/sessions/revoke-others"), "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(protected_status(&x, &a).await, 303);
    assert_eq!(protected_status(&z, &a).await, 200);
}

#[tokio::test]
async fn two_processes_share_logins_through_the_database() {
    two_processes_are_one_app("fleet-cookie", &[]).await;
}

/// With one Redis behind both, a logout on one process makes a saved cookie useless on
/// the other at once.
#[cfg(feature = "redis")]
#[tokio::test]
async fn two_processes_share_one_redis() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    let env = [("SESSION_STORE", "redis"), ("REDIS_URL", url.as_str())];
    two_processes_are_one_app("fleet-redis", &env).await;
    let db = fresh_database("fleet-redis-logout");
    let mut with_db = env.to_vec();
    with_db.push(("DATABASE_URL", db.as_str()));
    let a = Demo::start_with("fleet-redis-logout-a", &with_db);
    let b = Demo::start_with("fleet-redis-logout-b", &with_db);
    let x = jar_client();
    let login = format!("email={}&pw=secret", BAR.replace('@', "%40"));
    let res = post_form(&x, a.url("/login"), &login).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    assert_eq!(protected_status(&x, &b).await, 200);
    x.get(a.url("/logout")).send().await.expect("logout");
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(b.url("/protected"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("a response");
    assert_eq!(
        replay.status().as_u16(),
        303,
        "logged out on A is logged out on B"
    );
}

// ---------------------------------------------------------------------------------------
// Operations: `--help`, and a key rotation by rolling restart (issue 19).
// ---------------------------------------------------------------------------------------

/// `demo --help` prints the settings and exits without serving.
#[test]
fn help_prints_the_settings_and_exits() {
    let out = Command::new(demo_binary())
        .arg("--help")
        .env_remove("SECRET_KEY")
        .output()
        .expect("run demo --help");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for setting in [
        "PORT",
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "DATABASE_URL",
        "CLOCK_SKEW",
    ] {
        assert!(text.contains(setting), "{setting} missing: {text}");
    }
    assert!(!text.contains("listening"), "{text}");
}

/// A setting that cannot work stops the demo before it serves, naming the setting.
#[test]
fn a_bad_clock_skew_stops_the_demo_with_a_clear_error() {
    let out = Command::new(demo_binary())
        .env("CLOCK_SKEW", "a minute")
        .env("PORT", "0")
        .output()
        .expect("run demo");
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CLOCK_SKEW"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
}

const NEW_KEY: &str = "the key after the rotation, 32+ bytes long";

/// A rolling restart from key A to key B: instances started with `SECRET_KEY=B` and
/// `SECRET_KEY_FALLBACKS=A` keep every user logged in and re-issue their cookies under B,
/// so removing A later logs nobody out (R46, R47).
#[tokio::test]
async fn a_rolling_key_rotation_keeps_every_user_logged_in() {
    let db = fresh_database("rotation");
    let old = Demo::start_with("rotation-old", &[("DATABASE_URL", db.as_str())]);
    let login = format!("email={}&pw=secret&remember=on", FOO.replace('@', "%40"));
    let clients: Vec<reqwest::Client> = (0..10).map(|_| jar_client()).collect();
    for c in &clients {
        assert_eq!(post_form(c, old.url("/login"), &login).await.status(), 303);
    }
    drop(old);
    // Rotated: B signs, A still verifies.
    let rotating = Demo::start_with(
        "rotation-mid",
        &[
            ("DATABASE_URL", db.as_str()),
            ("SECRET_KEY", NEW_KEY),
            ("SECRET_KEY_FALLBACKS", SECRET_KEY),
        ],
    );
    for c in &clients {
        assert_eq!(protected_status(c, &rotating).await, 200);
    }
    drop(rotating);
    // A removed: the re-issued cookies (session and remember-me) still log in.
    let new = Demo::start_with(
        "rotation-new",
        &[("DATABASE_URL", db.as_str()), ("SECRET_KEY", NEW_KEY)],
    );
    for c in &clients {
        assert_eq!(
            protected_status(c, &new).await,
            200,
            "logged out by the rotation"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Health and logs for operators (issue 19, item 5).
// ---------------------------------------------------------------------------------------

/// `GET /healthz` answers without a login or a cookie; with `LOG_FORMAT=json` every log
/// line is one JSON object, and the library's own events carry the user and the reason.
#[tokio::test]
async fn healthz_and_json_logs() {
    let db = fresh_database("json-logs");
    let demo = Demo::start_with(
        "json-logs",
        &[("DATABASE_URL", db.as_str()), ("LOG_FORMAT", "json")],
    );
    let res = client()
        .get(demo.url("/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.text().await.expect("body"), "ok");

    // bar has no admin role: a 403, which the library logs at INFO with who and why.
    let c = jar_client();
    let login = format!("email={}&pw=secret", BAR.replace('@', "%40"));
    assert_eq!(
        post_form(&c, demo.url("/login"), &login).await.status(),
        303
    );
    let res = c.get(demo.url("/admin")).send().await.expect("GET /admin");
    assert_eq!(res.status(), 403);

    let logs = demo.logs();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!logs.contains('\u{1b}'), "colour codes in the log: {logs}");
    let forbidden = lines
        .iter()
        .find(|l| l["fields"]["signal"] == "forbidden")
        .unwrap_or_else(|| panic!("no forbidden event: {logs}"));
    assert_eq!(forbidden["level"], "INFO");
    assert_eq!(forbidden["fields"]["user"], BAR);
    assert!(
        forbidden["fields"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("admin")),
        "{forbidden}"
    );
    // The demo's own audit line for the login.
    assert!(
        lines
            .iter()
            .any(|l| l["target"] == "demo::audit" && l["level"] == "INFO"),
        "{logs}"
    );
    // Never a secret: not the password, not the key.
    assert!(
        !logs.contains("pw=secret") && !logs.contains(SECRET_KEY),
        "{logs}"
    );
}

/// A LOG_FORMAT the demo does not know stops it before it serves.
#[test]
fn an_unknown_log_format_stops_the_demo() {
    let out = Command::new(demo_binary())
        .env("LOG_FORMAT", "xml")
        .env("PORT", "0")
        .output()
        .expect("run demo");
    assert!(!out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOG_FORMAT"));
}

/// `/healthz` follows the store: 200 while Redis answers, 503 when it cannot be reached.
/// (Named `two_processes_*` so `.ci/run`'s Redis step picks it up.)
#[cfg(feature = "redis")]
#[tokio::test]
async fn two_processes_report_their_store_in_healthz() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    let db = fresh_database("healthz-redis");
    let up = Demo::start_with(
        "healthz-up",
        &[
            ("DATABASE_URL", db.as_str()),
            ("SESSION_STORE", "redis"),
            ("REDIS_URL", url.as_str()),
        ],
    );
    let res = client().get(up.url("/healthz")).send().await.expect("GET");
    assert_eq!(res.status(), 200);
    // Nothing listens on port 1.
    let down = Demo::start_with(
        "healthz-down",
        &[
            ("DATABASE_URL", db.as_str()),
            ("SESSION_STORE", "redis"),
            ("REDIS_URL", "redis://127.0.0.1:1"),
        ],
    );
    let res = client()
        .get(down.url("/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("set-cookie").is_none());
}
