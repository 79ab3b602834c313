//! The demo's `/sessions` routes over real HTTP (demo-spec.md "Routes", SECURITY.md R42):
//! list, revoke one, revoke all others, in store mode and in cookie mode.

#[path = "../examples/demo.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

use axum_sesame::Key;
use demo::{Db, DemoConfig, StoreChoice};
use reqwest::StatusCode;

const SECRET: &[u8; 32] = b"demo sessions tests secret 32 by";

async fn serve(store: StoreChoice) -> String {
    let mut config = DemoConfig::new(Key::from_bytes(SECRET));
    config.store = store;
    // Each server its own Redis keys: other tests log the same users in.
    let prefix = axum_sesame::SessionId::random().unwrap().to_base64();
    config.redis_prefix = Some(format!("demo-sessions-{prefix}:"));
    let db = Db::in_memory().await.expect("the demo database");
    let app = demo::app(config, db).expect("valid settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login(base: &str, ua: &str, remember: bool) -> reqwest::Client {
    let c = client();
    let body = format!(
        "email=foo%40bar.tld&pw=secret{}",
        if remember { "&remember=on" } else { "" }
    );
    let r = c
        .post(format!("{base}/login"))
        .header("User-Agent", ua)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

async fn protected(c: &reqwest::Client, base: &str) -> StatusCode {
    c.get(format!("{base}/protected"))
        .send()
        .await
        .unwrap()
        .status()
}

/// The `data-session-id` values of the page, and which one is current.
async fn list(c: &reqwest::Client, base: &str) -> Vec<(String, bool, String)> {
    let r = c.get(format!("{base}/sessions")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    page.split("<li ")
        .skip(1)
        .map(|li| {
            let id = li
                .split("data-session-id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_owned();
            let tag_end = li.find('>').unwrap();
            (id, li[..tag_end].contains("data-current"), li.to_owned())
        })
        .collect()
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: String) -> reqwest::Response {
    c.post(format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn list_and_revoke(store: StoreChoice) {
    let base = serve(store).await;
    let a = login(&base, "Agent A", false).await;
    let b = login(&base, "Agent B", true).await;
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!(sessions.iter().filter(|s| s.1).count(), 1);
    let (other, _, row) = sessions.iter().find(|s| !s.1).unwrap();
    assert!(other.len() >= 22 && row.contains("Agent B"), "{row}");
    // Someone else's session, or nonsense: 404.
    let r = post(&a, &base, "/sessions/revoke", "id=nonsense".into()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(&a, &base, "/sessions/revoke", format!("id={other}")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/sessions");
    // B is anonymous, its remember cookie included.
    assert_eq!(protected(&b, &base).await, StatusCode::SEE_OTHER);
    assert_eq!(protected(&a, &base).await, StatusCode::OK);
    // Revoking its own id logs A out.
    let own = list(&a, &base).await[0].0.clone();
    let r = post(&a, &base, "/sessions/revoke", format!("id={own}")).await;
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(protected(&a, &base).await, StatusCode::SEE_OTHER);
}

async fn revoke_others(store: StoreChoice) {
    let base = serve(store).await;
    let a = login(&base, "Agent A", false).await;
    let b = login(&base, "Agent B", true).await;
    let c = login(&base, "Agent C", false).await;
    let r = post(&a, &base, "/sessions/revoke-others", String::new()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(protected(&a, &base).await, StatusCode::OK);
    assert_eq!(protected(&b, &base).await, StatusCode::SEE_OTHER);
    assert_eq!(protected(&c, &base).await, StatusCode::SEE_OTHER);
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].1);
}

#[tokio::test]
async fn memory_store_lists_and_revokes() {
    list_and_revoke(StoreChoice::Memory).await;
    revoke_others(StoreChoice::Memory).await;
}

/// Cookie mode lists only the current session, and ends the others with the epoch.
#[tokio::test]
async fn cookie_mode_revokes_others_through_the_epoch() {
    revoke_others(StoreChoice::Cookie).await;
    let base = serve(StoreChoice::Cookie).await;
    let a = login(&base, "Agent A", false).await;
    let _b = login(&base, "Agent B", false).await;
    let sessions = list(&a, &base).await;
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].1);
    let r = post(
        &a,
        &base,
        "/sessions/revoke",
        "id=AAAAAAAAAAAAAAAAAAAAAA".into(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_store_lists_and_revokes() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    list_and_revoke(StoreChoice::Redis(url.clone())).await;
    revoke_others(StoreChoice::Redis(url)).await;
}
