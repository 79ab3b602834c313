//! R40 and abuse: floods, bursts and slow clients against the real binary.

use super::*;

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
