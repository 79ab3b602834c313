//! End-to-end tests of `examples/session_tutorial.rs`: every route, through the real
//! router and session layer, with a small cookie jar; plus one run over a TCP socket.

#[path = "../examples/session_tutorial.rs"]
#[allow(dead_code, unreachable_pub)]
mod session_tutorial;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{HeaderValue, Method, Request, StatusCode};
use axum_sesame::Key;
use axum_sesame_testkit::{Jar, Reply, call, form_encode};

const SECRET: &[u8; 32] = b"session tutorial test secret 32b";
const OTHER_SECRET: &[u8; 32] = b"another key, another application";

fn app() -> Router {
    session_tutorial::app(Key::from_bytes(SECRET))
}

/// A browser-like client: a cookie jar in front of the router.
struct Client {
    app: Router,
    jar: Jar,
}

impl Client {
    fn new(app: &Router) -> Client {
        Client {
            app: app.clone(),
            jar: Jar::default(),
        }
    }

    /// A client that sends `cookie` verbatim (it may be garbage).
    fn with_raw_cookie(app: &Router, value: &str) -> Client {
        let mut client = Client::new(app);
        client.jar.set("session", value);
        client
    }

    fn session_value(&self) -> Option<&str> {
        self.jar.get("session")
    }

    async fn get(&mut self, path: &str) -> Reply {
        let req = Request::get(path);
        self.send(req.body(Body::empty()).expect("valid request"))
            .await
    }

    async fn post_form(&mut self, path: &str, body: &str) -> Reply {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .expect("valid request");
        self.send(req).await
    }

    async fn login(&mut self, username: &str) -> Reply {
        self.post_form("/login", &format!("username={}", form_encode(username)))
            .await
    }

    async fn send(&mut self, mut req: Request<Body>) -> Reply {
        if !self.jar.is_empty() {
            req.headers_mut().insert(
                COOKIE,
                HeaderValue::from_str(&self.jar.header()).expect("cookie header bytes"),
            );
        }
        let reply = call(&self.app, req).await;
        assert!(!reply.status.is_server_error(), "{reply:?}");
        self.jar.take(&reply.headers);
        reply
    }
}

/// A valid session cookie value carrying a username, signed with `secret`.
async fn logged_in_cookie(secret: &[u8], username: &str) -> String {
    let mut client = Client::new(&session_tutorial::app(Key::from_bytes(secret)));
    client.login(username).await.assert_redirect("/profile");
    client.session_value().expect("session cookie").to_owned()
}

#[tokio::test]
async fn login_page_is_a_post_form_with_username() {
    let reply = Client::new(&app()).get("/login").await;
    assert_eq!(reply.status, StatusCode::OK);
    let ct = reply.headers.get(CONTENT_TYPE).expect("content type");
    assert!(ct.to_str().unwrap().starts_with("text/html"), "{ct:?}");
    assert!(
        reply
            .body
            .contains(r#"<form method="post" action="/login">"#)
    );
    assert!(reply.body.contains(r#"name="username""#));
}

#[tokio::test]
async fn login_page_never_sets_a_cookie() {
    let app = app();
    let valid = logged_in_cookie(SECRET, "alice").await;
    for cookie in [None, Some(valid.as_str()), Some("garbage"), Some("v1..")] {
        let mut client = match cookie {
            Some(c) => Client::with_raw_cookie(&app, c),
            None => Client::new(&app),
        };
        let reply = client.get("/login").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.set_cookie_lines().is_empty(), "{cookie:?}: {reply:?}");
    }
}

#[tokio::test]
async fn login_stores_the_username_and_redirects_to_profile() {
    let mut client = Client::new(&app());
    let reply = client.login("alice").await;
    reply.assert_redirect("/profile");
    let cookie = reply
        .set_cookie("session")
        .map(|c| c.raw)
        .expect("session cookie set");
    assert!(cookie.starts_with("session=v1."), "{cookie}");
    let attrs: Vec<&str> = cookie.split(';').skip(1).map(str::trim).collect();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attrs.contains(&attr), "{attr} missing: {cookie}");
    }
    assert!(
        !attrs
            .iter()
            .any(|a| a.starts_with("Max-Age") || a.starts_with("Expires")),
        "a browser-session cookie has no lifetime: {cookie}"
    );
}

#[tokio::test]
async fn login_refuses_empty_or_oversized_usernames() {
    let app = app();
    for body in [
        "",
        "username=",
        "username=+++",
        "other=x",
        &format!("username={}", "a".repeat(65)),
        &format!("username={}", "a".repeat(10_000)),
    ] {
        let mut client = Client::new(&app);
        let reply = client.post_form("/login", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:.40}");
        assert!(reply.body.contains(r#"name="username""#));
        assert!(
            reply.set_cookie("session").map(|c| c.raw).is_none(),
            "{reply:?}"
        );
        client.get("/profile").await.assert_redirect("/login");
    }
    // The longest accepted name still fits in the cookie.
    let mut client = Client::new(&app);
    let name = "é".repeat(32);
    client.login(&name).await.assert_redirect("/profile");
    assert!(client.get("/profile").await.body.contains(&name));
}

#[tokio::test]
async fn login_without_a_form_body_is_a_client_error() {
    let req = Request::post("/login")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username":"alice"}"#))
        .unwrap();
    let reply = Client::new(&app()).send(req).await;
    assert!(reply.status.is_client_error(), "{reply:?}");
    assert!(reply.set_cookie("session").map(|c| c.raw).is_none());
}

#[tokio::test]
async fn profile_redirects_anonymous_users_to_login() {
    let reply = Client::new(&app()).get("/profile").await;
    reply.assert_redirect("/login");
    assert!(reply.set_cookie_lines().is_empty(), "{reply:?}");
}

#[tokio::test]
async fn profile_shows_the_username_after_login() {
    let mut client = Client::new(&app());
    client.login("alice").await;
    let reply = client.get("/profile").await;
    assert_eq!(reply.status, StatusCode::OK);
    let ct = reply.headers.get(CONTENT_TYPE).unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(reply.body.contains("alice"), "{}", reply.body);
    // Reading the session does not rewrite the cookie.
    assert!(reply.set_cookie_lines().is_empty(), "{reply:?}");

    // Logging in again replaces the name.
    client.login("  bob ").await.assert_redirect("/profile");
    let body = client.get("/profile").await.body;
    assert!(body.contains("bob") && !body.contains("alice"), "{body}");
}

#[tokio::test]
async fn profile_escapes_the_username() {
    let mut client = Client::new(&app());
    client.login(r#"<script>alert("x")</script>&"#).await;
    let reply = client.get("/profile").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains(r#"&lt;script&gt;alert("x")&lt;/script&gt;&amp;"#),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn logout_removes_only_the_username() {
    let mut client = Client::new(&app());
    client.get("/visits").await.assert_ok("Visits: 1");
    client.login("alice").await;
    client.get("/profile").await.assert_ok_containing("alice");

    let reply = client.get("/logout").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Logged out"), "{reply:?}");
    assert!(
        reply.set_cookie("session").map(|c| c.raw).is_some(),
        "the change is written back"
    );
    client.get("/profile").await.assert_redirect("/login");
    // The rest of the session survives.
    client.get("/visits").await.assert_ok("Visits: 2");

    // Logging out twice, or anonymously, is fine.
    client.get("/logout").await.assert_ok("Logged out");
    Client::new(&app())
        .get("/logout")
        .await
        .assert_ok("Logged out");
}

#[tokio::test]
async fn logout_of_a_username_only_session_deletes_the_cookie() {
    let mut client = Client::new(&app());
    client.login("alice").await;
    let reply = client.get("/logout").await;
    let cookie = reply
        .set_cookie("session")
        .map(|c| c.raw)
        .expect("deletion cookie");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert!(client.session_value().is_none());
}

#[tokio::test]
async fn visits_count_per_session() {
    let mut client = Client::new(&app());
    let mut previous = None;
    for n in 1..=3 {
        let reply = client.get("/visits").await;
        reply.assert_ok(&format!("Visits: {n}"));
        // Every visit changes the session, so every response carries a new cookie.
        let cookie = reply
            .set_cookie("session")
            .map(|c| c.raw)
            .expect("cookie on every visit");
        assert_ne!(previous.as_ref(), Some(&cookie));
        previous = Some(cookie);
    }
}

#[tokio::test]
async fn visits_are_separate_for_each_client() {
    let app = app();
    let mut a = Client::new(&app);
    let mut b = Client::new(&app);
    a.get("/visits").await.assert_ok("Visits: 1");
    a.get("/visits").await.assert_ok("Visits: 2");
    b.get("/visits").await.assert_ok("Visits: 1");
    a.get("/visits").await.assert_ok("Visits: 3");
    b.get("/visits").await.assert_ok("Visits: 2");
    b.get("/visits").await.assert_ok("Visits: 3");
    b.get("/visits").await.assert_ok("Visits: 4");
    a.get("/visits").await.assert_ok("Visits: 4");
    // The counts above are the separation. (A session without a login carries no id, so
    // two clients with the same data in the same second hold the same cookie, as in
    // Flask; a login gives each session a random id.)
}

#[tokio::test]
async fn clear_deletes_the_session() {
    let mut client = Client::new(&app());
    client.login("alice").await;
    client.get("/visits").await.assert_ok("Visits: 1");
    client.get("/visits").await.assert_ok("Visits: 2");

    let reply = client.get("/clear").await;
    reply.assert_ok("Cleared");
    let cookie = reply
        .set_cookie("session")
        .map(|c| c.raw)
        .expect("deletion cookie");
    assert!(cookie.starts_with("session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert!(client.session_value().is_none());

    client.get("/visits").await.assert_ok("Visits: 1");
    client.get("/profile").await.assert_redirect("/login");
}

#[tokio::test]
async fn clear_without_a_session_is_fine() {
    let reply = Client::new(&app()).get("/clear").await;
    reply.assert_ok("Cleared");
    assert!(
        reply.set_cookie("session").map(|c| c.raw).is_none(),
        "{reply:?}"
    );
}

#[tokio::test]
async fn bad_cookies_are_an_empty_session() {
    let app = app();
    let valid = logged_in_cookie(SECRET, "alice").await;
    assert!(valid.starts_with("v1."));

    // Flip one character, in the payload and in the tag.
    let flip = |i: usize| {
        let mut bytes = valid.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let tag_start = valid.rfind('.').unwrap() + 1;
    let mut bad = vec![
        flip(3),
        flip(tag_start - 2),
        flip(tag_start),
        flip(valid.len() - 1),
        valid[..valid.len() - 1].to_owned(),
        format!("{valid}A"),
        valid[..tag_start - 1].to_owned(),
        valid.replacen("v1.", "v2.", 1),
        "garbage".to_owned(),
        "v1..".to_owned(),
        "v1.".to_owned(),
        String::new(),
        "\"quoted\"".to_owned(),
        logged_in_cookie(OTHER_SECRET, "alice").await,
    ];
    // Random bytes (a fixed xorshift stream), kept to what a header value may carry.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [1, 16, 60, 200, 3000] {
        let raw: Vec<u8> = std::iter::from_fn(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Some(x.to_le_bytes()[0])
        })
        .filter(|b| (0x21..0x7f).contains(b) && *b != b';')
        .take(len)
        .collect();
        bad.push(String::from_utf8(raw).unwrap());
    }

    for value in &bad {
        let mut client = Client::with_raw_cookie(&app, value);
        client.get("/profile").await.assert_redirect("/login");
        let mut client = Client::with_raw_cookie(&app, value);
        client.get("/visits").await.assert_ok("Visits: 1");
        // The bad cookie was replaced by a good one.
        assert_ne!(client.session_value(), Some(value.as_str()));
        client.get("/visits").await.assert_ok("Visits: 2");
    }

    // Non-UTF-8 bytes in the header.
    let req = Request::get("/visits")
        .header(
            COOKIE,
            HeaderValue::from_bytes(b"session=v1.\xff\xfe\x80.\xc3").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    Client::new(&app).send(req).await.assert_ok("Visits: 1");

    // The untouched cookie still works.
    let mut client = Client::with_raw_cookie(&app, &valid);
    client.get("/profile").await.assert_ok_containing("alice");
}

/// The whole tutorial through a real socket and an HTTP client with its own cookie store.
#[tokio::test]
async fn over_tcp_with_reqwest() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("username=alice+%26+bob")
        .send()
        .await
        .unwrap();
    // The 303 was followed to the profile, carrying the new cookie.
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.url().path(), "/profile");
    let body = res.text().await.unwrap();
    assert!(body.contains("alice &amp; bob"), "{body}");

    for n in 1..=2 {
        let res = client.get(format!("{base}/visits")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap(), format!("Visits: {n}"));
    }

    let res = client.get(format!("{base}/logout")).send().await.unwrap();
    assert!(res.text().await.unwrap().contains("Logged out"));
    let res = client.get(format!("{base}/profile")).send().await.unwrap();
    assert_eq!(res.url().path(), "/login");

    server.abort();
}
