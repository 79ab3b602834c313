//! Operations: `--help`, key rotation, clock skew settings, `/healthz` and JSON logs.

use super::*;

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
