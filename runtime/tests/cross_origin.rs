//! `CrossOriginProtection` over real HTTP: the layer over a whole router, trusted
//! origins, `X-Forwarded-Host` only from a declared proxy, exempt paths, and
//! `SameOrigin` applying the layer's settings.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use axum_sesame::SameOrigin;
use axum_sesame::csrf::CrossOriginProtection;
use axum_sesame_testkit::Server;

fn router(protection: CrossOriginProtection) -> Router {
    Router::new()
        .route("/login", post(|| async { "in" }).get(|| async { "form" }))
        .route("/webhooks/stripe", post(|| async { "hook" }))
        .route("/extractor", post(|_: SameOrigin| async { "ok" }))
        .layer(protection.layer())
}

#[tokio::test]
async fn the_layer_refuses_unsafe_cross_origin_requests_on_every_route() {
    let protection = CrossOriginProtection::new()
        .with_trusted_origin("https://auth.example.com")
        .expect("an origin")
        .with_exempt_path("/webhooks/");
    let app = Server::serve(router(protection));
    let host = app.base.trim_start_matches("http://").to_owned();
    let own = format!("http://{host}");
    for (path, headers, status) in [
        ("/login", vec![("origin", "https://evil.example")], 403),
        ("/login", vec![("sec-fetch-site", "cross-site")], 403),
        ("/login", vec![("origin", own.as_str())], 200),
        ("/login", vec![("sec-fetch-site", "same-origin")], 200),
        ("/login", vec![], 200),
        ("/login", vec![("origin", "https://auth.example.com")], 200),
        (
            "/login",
            vec![
                ("origin", "https://auth.example.com"),
                ("sec-fetch-site", "same-site"),
            ],
            200,
        ),
        (
            "/webhooks/stripe",
            vec![("sec-fetch-site", "cross-site")],
            200,
        ),
        (
            "/extractor",
            vec![("origin", "https://auth.example.com")],
            200,
        ),
        ("/extractor", vec![("origin", "https://evil.example")], 403),
    ] {
        let r = app.send("POST", path, &headers).await;
        assert_eq!(r.status.as_u16(), status, "{path} {headers:?}: {r:?}");
    }
    // Safe methods pass whatever they say.
    let r = app
        .send("GET", "/login", &[("sec-fetch-site", "cross-site")])
        .await;
    r.assert_ok("form");
}

#[tokio::test]
async fn forwarded_host_is_believed_only_from_the_declared_proxy() {
    let behind = [
        ("origin", "https://public.example"),
        ("x-forwarded-host", "public.example"),
    ];
    // The test client connects from 127.0.0.1: declared, the proxy's header counts.
    let trusting = Server::serve_with_peers(router(
        CrossOriginProtection::new().with_trusted_proxy("127.0.0.1".parse().expect("an IP")),
    ));
    assert_eq!(
        trusting.send("POST", "/login", &behind).await.status,
        StatusCode::OK
    );
    // Another proxy declared, or no peer recorded: the header is anyone's, and ignored.
    let other = Server::serve_with_peers(router(
        CrossOriginProtection::new().with_trusted_proxy("10.9.9.9".parse().expect("an IP")),
    ));
    assert_eq!(
        other.send("POST", "/login", &behind).await.status,
        StatusCode::FORBIDDEN
    );
    let no_peers = Server::serve(router(
        CrossOriginProtection::new().with_trusted_proxy("127.0.0.1".parse().expect("an IP")),
    ));
    assert_eq!(
        no_peers.send("POST", "/login", &behind).await.status,
        StatusCode::FORBIDDEN
    );
}
