//! Behaviour of the session layer through a real axum `Router`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum_sesame::codec::Codec;
use axum_sesame::key::Purpose;
use axum_sesame::{Key, KeyRing, SameSite, Session, SessionConfig, SessionLayer};
use axum_sesame_testkit::{Reply, call, request};

const NOW: u64 = 1_700_000_000;

fn key() -> Key {
    Key::from_bytes(b"test key test key test key test key!")
}

fn routes() -> Router {
    Router::new()
        .route(
            "/visits",
            get(|s: Session| async move {
                let n = s.get::<u64>("n").unwrap_or(0) + 1;
                s.insert("n", n).unwrap();
                format!("{n}")
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move { format!("{:?}", s.get::<u64>("n")) }),
        )
        .route("/untouched", get(|| async { "plain" }))
        .route(
            "/permanent",
            get(|s: Session| async move {
                s.set_permanent(true);
                s.insert("n", 7).unwrap();
                "ok"
            }),
        )
        .route(
            "/clear",
            get(|s: Session| async move {
                s.clear();
                "cleared"
            }),
        )
        .route(
            "/flash",
            get(|s: Session| async move {
                s.flash("hello");
                s.flash_with("error", "bad");
                "flashed"
            }),
        )
        .route(
            "/flashes",
            get(|s: Session| async move {
                s.take_flashes()
                    .into_iter()
                    .map(|f| format!("{}:{}", f.category, f.message))
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        )
        .route(
            "/big",
            get(|s: Session| async move {
                s.insert("blob", "x".repeat(5 * 1024)).unwrap();
                "too big"
            }),
        )
        .route(
            "/pop",
            get(|s: Session| async move {
                let old: Option<u64> = s.remove("n");
                format!("{old:?} {}", s.contains("n"))
            }),
        )
}

fn app(layer: SessionLayer) -> Router {
    routes().layer(layer)
}

async fn send(app: &Router, path: &str, cookie: Option<&str>) -> Reply {
    let headers: &[(&str, &str)] = match cookie {
        Some(c) => &[("cookie", c)],
        None => &[],
    };
    call(app, request("GET", path, headers)).await
}

#[tokio::test]
async fn missing_layer_is_a_500_that_names_the_layer() {
    let res = send(&routes(), "/visits", None).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.body.contains("SessionLayer"), "{}", res.body);
}

#[tokio::test]
async fn cookie_is_written_only_when_the_session_changes() {
    let app = app(SessionLayer::new(key()));
    let first = send(&app, "/visits", None).await;
    assert_eq!(first.body, "1");
    let cookie = first
        .cookie("session")
        .expect("a cookie for a changed session");
    let c = &first.set_cookie_lines()[0];
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
        "{c}"
    );
    assert!(!c.contains("Max-Age") && !c.contains("Secure"), "{c}");
    assert_eq!(first.header(header::VARY), Some("Cookie"));

    let read = send(&app, "/read", Some(&cookie)).await;
    assert_eq!(read.body, "Some(1)");
    assert!(
        read.set_cookie_lines().is_empty(),
        "reading sends no cookie"
    );

    let untouched = send(&app, "/untouched", Some(&cookie)).await;
    assert!(
        untouched.set_cookie_lines().is_empty() && untouched.headers.get(header::VARY).is_none()
    );

    let anon_read = send(&app, "/read", None).await;
    assert_eq!(anon_read.body, "None");
    assert!(
        anon_read.set_cookie_lines().is_empty(),
        "no cookie for an empty session"
    );
}

#[tokio::test]
/// R47: a cookie that does not verify (tampered, truncated, another key's, another
/// format) is an empty session, and left alone: it may be another app's or another
/// instance's, and deleting it would log the user out there.
async fn any_bad_cookie_is_an_empty_session_and_left_alone() {
    let app = app(SessionLayer::new(key()));
    let good = send(&app, "/visits", None).await.cookie("session").unwrap();
    let value = good.strip_prefix("session=").unwrap();
    let mut flipped = value.as_bytes().to_vec();
    let mid = flipped.len() / 2;
    flipped[mid] = if flipped[mid] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let foreign = Codec::new(Key::from_bytes(&[9; 32]))
        .encode(Purpose::Session, "session", b"{}")
        .unwrap();
    for bad in [
        format!("session={flipped}"),
        format!("session={}", &value[..value.len() - 1]),
        "session=garbage".to_owned(),
        "session=v1..".to_owned(),
        "session=".to_owned(),
        format!("session={foreign}"),
        format!("session=\"{value}\""),
    ] {
        let res = send(&app, "/read", Some(&bad)).await;
        assert_eq!(res.status, StatusCode::OK, "{bad}");
        assert_eq!(res.body, "None", "{bad}");
        assert!(
            res.set_cookie_lines().is_empty(),
            "{bad}: {:?}",
            res.set_cookie_lines()
        );
        // Only the app's own write replaces it.
        let write = send(&app, "/visits", Some(&bad)).await;
        assert!(write.cookie("session").is_some(), "{bad}");
    }
}

#[tokio::test]
async fn duplicate_cookies_use_the_first_that_verifies() {
    let app = app(SessionLayer::new(key()));
    let good = send(&app, "/visits", None).await.cookie("session").unwrap();
    for header in [
        format!("session=junk; {good}"),
        format!("{good}; session=junk"),
        format!("theme=x; {good}"),
    ] {
        let res = send(&app, "/read", Some(&header)).await;
        assert_eq!(res.body, "Some(1)", "{header}");
    }
}

#[tokio::test]
async fn clear_deletes_the_cookie_with_its_attributes() {
    let layer = SessionConfig::new(key())
        .with_path("/")
        .with_domain("example.com")
        .with_secure(true)
        .with_same_site(SameSite::Strict)
        .build()
        .unwrap();
    let app = app(layer);
    let set = send(&app, "/visits", None).await;
    let cookie = set.cookie("session").unwrap();
    let cleared = send(&app, "/clear", Some(&cookie)).await;
    assert_eq!(cleared.set_cookie_lines().len(), 1);
    let del = &cleared.set_cookie_lines()[0];
    for attr in [
        "session=;",
        "Max-Age=0",
        "Path=/",
        "Domain=example.com",
        "Secure",
        "SameSite=Strict",
        "HttpOnly",
    ] {
        assert!(del.contains(attr), "{del} lacks {attr}");
        if attr != "session=;" && attr != "Max-Age=0" {
            assert!(
                set.set_cookie_lines()[0].contains(attr),
                "{:?}",
                set.set_cookie_lines()
            );
        }
    }
}

#[tokio::test]
async fn flashes_are_shown_once() {
    let app = app(SessionLayer::new(key()));
    let c = send(&app, "/flash", None).await.cookie("session").unwrap();
    let shown = send(&app, "/flashes", Some(&c)).await;
    assert_eq!(shown.body, "message:hello,error:bad");
    // Taking the last flashes empties the session: its cookie is deleted.
    assert!(shown.set_cookie_lines()[0].contains("Max-Age=0"));
    let again = send(&app, "/flashes", None).await;
    assert_eq!(again.body, "");
}

#[tokio::test]
async fn remove_pops_the_value() {
    let app = app(SessionLayer::new(key()));
    let c = send(&app, "/visits", None).await.cookie("session").unwrap();
    let res = send(&app, "/pop", Some(&c)).await;
    assert_eq!(res.body, "Some(1) false");
}

#[tokio::test]
async fn oversize_session_is_an_error_not_a_truncated_cookie() {
    let app = app(SessionLayer::new(key()));
    let res = send(&app, "/big", None).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.set_cookie_lines().is_empty());
}

fn clocked(now: &Arc<AtomicU64>, config: SessionConfig) -> Router {
    let now = now.clone();
    app(config
        .with_clock(move || now.load(Ordering::SeqCst))
        .build()
        .unwrap())
}

#[tokio::test]
async fn permanent_sessions_get_max_age_and_expire_server_side() {
    let now = Arc::new(AtomicU64::new(NOW));
    let app = clocked(
        &now,
        SessionConfig::new(key()).with_permanent_lifetime(Duration::from_secs(60)),
    );
    let set = send(&app, "/permanent", None).await;
    assert!(
        set.set_cookie_lines()[0].contains("Max-Age=60"),
        "{:?}",
        set.set_cookie_lines()
    );
    let c = set.cookie("session").unwrap();

    now.store(NOW + 20, Ordering::SeqCst);
    assert_eq!(
        send(&app, "/read", Some(&c)).await.set_cookie_lines().len(),
        0
    );
    // Past half the window the cookie slides forward.
    now.store(NOW + 40, Ordering::SeqCst);
    let refreshed = send(&app, "/read", Some(&c)).await;
    let c2 = refreshed.cookie("session").expect("refreshed cookie");
    assert_ne!(c, c2);

    // The replayed original (last written at NOW) is dead after 60 s; the refreshed one lives.
    now.store(NOW + 61, Ordering::SeqCst);
    let replay = send(&app, "/read", Some(&c)).await;
    assert_eq!(replay.body, "None", "expired cookie must be anonymous");
    let live = send(&app, "/read", Some(&c2)).await;
    assert_eq!(live.body, "Some(7)");
}

#[tokio::test]
async fn absolute_and_idle_limits_and_future_timestamps() {
    let now = Arc::new(AtomicU64::new(NOW));
    let app = clocked(
        &now,
        SessionConfig::new(key())
            .with_absolute_lifetime(Duration::from_secs(100))
            .with_idle_timeout(Duration::from_secs(30)),
    );
    let mut c = send(&app, "/visits", None).await.cookie("session").unwrap();
    // Activity every 20 s keeps the idle timer alive...
    for step in 1..=4 {
        now.store(NOW + 20 * step, Ordering::SeqCst);
        let res = send(&app, "/visits", Some(&c)).await;
        assert_eq!(res.body, format!("{}", step + 1));
        c = res.cookie("session").unwrap();
    }
    // ... but not past the absolute lifetime.
    now.store(NOW + 101, Ordering::SeqCst);
    assert_eq!(send(&app, "/read", Some(&c)).await.body, "None");

    // Idle: 31 s without a request ends it.
    now.store(NOW, Ordering::SeqCst);
    let c = send(&app, "/visits", None).await.cookie("session").unwrap();
    now.store(NOW + 31, Ordering::SeqCst);
    assert_eq!(send(&app, "/read", Some(&c)).await.body, "None");

    // A cookie minted an hour in the future is refused.
    now.store(NOW + 3600, Ordering::SeqCst);
    let future = send(&app, "/visits", None).await.cookie("session").unwrap();
    now.store(NOW, Ordering::SeqCst);
    assert_eq!(send(&app, "/read", Some(&future)).await.body, "None");
}

#[tokio::test]
async fn fallback_key_cookies_are_accepted_and_reissued() {
    let old = Key::from_bytes(&[1; 32]);
    let new = Key::from_bytes(&[2; 32]);
    let c = send(&app(SessionLayer::new(old.clone())), "/visits", None)
        .await
        .cookie("session")
        .unwrap();
    let rotated = app(SessionLayer::new(
        KeyRing::new(new.clone()).with_fallback(old).unwrap(),
    ));
    let res = send(&rotated, "/read", Some(&c)).await;
    assert_eq!(res.body, "Some(1)");
    let reissued = res
        .cookie("session")
        .expect("re-issued under the current key");
    let only_new = app(SessionLayer::new(new));
    assert_eq!(
        send(&only_new, "/read", Some(&reissued)).await.body,
        "Some(1)"
    );
    assert_eq!(send(&only_new, "/read", Some(&c)).await.body, "None");
}

#[tokio::test]
async fn development_key_cookies_are_refused_under_a_real_key() {
    let dev = send(&app(SessionLayer::new(Key::development())), "/visits", None)
        .await
        .cookie("session")
        .unwrap();
    assert_eq!(
        send(&app(SessionLayer::new(key())), "/read", Some(&dev))
            .await
            .body,
        "None"
    );
}

#[tokio::test]
async fn encrypted_mode_round_trips_and_hides_data() {
    let layer = SessionConfig::new(key())
        .with_encryption(true)
        .build()
        .unwrap();
    let app = app(layer);
    let c = send(&app, "/flash", None).await.cookie("session").unwrap();
    assert!(
        !c.contains("aGVsbG8"),
        "the base64 of `hello` must not show"
    );
    assert_eq!(
        send(&app, "/flashes", Some(&c)).await.body,
        "message:hello,error:bad"
    );
    // A signed-only app does not accept it.
    let plain = routes().layer(SessionLayer::new(key()));
    assert_eq!(send(&plain, "/flashes", Some(&c)).await.body, "");
}

#[tokio::test]
async fn concurrent_clients_stay_apart() {
    let app = app(SessionLayer::new(key()));
    let mut tasks = Vec::new();
    for client in 0..16u64 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut cookie: Option<String> = None;
            for i in 1..=(client % 4 + 2) {
                let res = send(&app, "/visits", cookie.as_deref()).await;
                assert_eq!(res.body, i.to_string(), "client {client}");
                cookie = res.cookie("session");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn an_expired_cookie_is_not_saved_by_a_fallback_key() {
    let old = Key::from_bytes(&[1; 32]);
    let now = Arc::new(AtomicU64::new(NOW));
    let minted = send(
        &clocked(&now, SessionConfig::new(old.clone())),
        "/visits",
        None,
    )
    .await
    .cookie("session")
    .unwrap();
    let ring = KeyRing::new(Key::from_bytes(&[2; 32]))
        .with_fallback(old)
        .unwrap();
    let rotated = clocked(&now, SessionConfig::new(ring));
    assert_eq!(send(&rotated, "/read", Some(&minted)).await.body, "Some(1)");
    now.store(NOW + 31 * 24 * 3600 + 1, Ordering::SeqCst);
    let res = send(&rotated, "/read", Some(&minted)).await;
    assert_eq!(
        res.body, "None",
        "expiry holds whichever key verified the cookie"
    );
    // Not re-issued: the only Set-Cookie deletes it.
    assert_eq!(res.set_cookie_lines().len(), 1);
    assert!(
        res.set_cookie_lines()[0].contains("Max-Age=0"),
        "{:?}",
        res.set_cookie_lines()
    );
}

#[tokio::test]
async fn an_extractor_outside_the_layers_task_is_the_missing_layer_500_not_a_panic() {
    use axum::extract::{FromRequestParts, Request as AxumRequest};
    // The layer scopes the request's session to the task that polls its future; parts
    // moved to another task no longer find it.
    async fn elsewhere(req: AxumRequest) -> (StatusCode, String) {
        let (mut parts, _) = req.into_parts();
        tokio::spawn(async move {
            match Session::from_request_parts(&mut parts, &()).await {
                Ok(_) => (StatusCode::OK, "found".to_owned()),
                Err(e) => (e.status(), e.to_string()),
            }
        })
        .await
        .expect("the task does not panic")
    }
    async fn here(session: Session) -> &'static str {
        session.insert("k", 1).expect("a number serializes");
        "found"
    }
    let app = Router::new()
        .route("/elsewhere", get(elsewhere))
        .route("/here", get(here))
        .layer(SessionLayer::new(key()));
    let reply = send(&app, "/elsewhere", None).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        reply.body.contains("Missing session layer"),
        "{}",
        reply.body
    );
    let reply = send(&app, "/here", None).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "found")
    );
}

#[tokio::test]
async fn clock_skew_is_a_setting_and_a_cookie_from_the_future_is_left_alone() {
    // Instance A's clock runs five minutes ahead of B's and C's.
    let ahead = Arc::new(AtomicU64::new(NOW + 300));
    let behind = Arc::new(AtomicU64::new(NOW));
    let a = clocked(&ahead, SessionConfig::new(key()));
    let b = clocked(&behind, SessionConfig::new(key()));
    let c = clocked(
        &behind,
        SessionConfig::new(key()).with_clock_skew(Duration::from_secs(600)),
    );
    let cookie = send(&a, "/visits", None).await.cookie("session").unwrap();

    // B (default tolerance, 60 s): anonymous, and the cookie is not deleted (A may be
    // right, R47); only the app's own write would replace it.
    let read = send(&b, "/read", Some(&cookie)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        (read.body.as_str(), read.set_cookie_lines().len()),
        ("None", 0)
    );
    let flashed = send(&b, "/flashes", Some(&cookie)).await;
    assert!(
        flashed.set_cookie_lines().is_empty(),
        "{:?}",
        flashed.set_cookie_lines()
    );

    // C tolerates ten minutes: the same cookie is the session.
    assert_eq!(send(&c, "/read", Some(&cookie)).await.body, "Some(1)");
    // And A still reads it.
    assert_eq!(send(&a, "/read", Some(&cookie)).await.body, "Some(1)");
}
