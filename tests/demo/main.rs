//! End-to-end tests of `examples/demo.rs` against `demo-spec.md` and the black-box
//! requirements of `SECURITY.md`: every route through the real router and login layer,
//! with a small cookie jar; plus runs over a TCP socket with reqwest.
//!
//! Every response seen here is checked for: no 5xx, every `Set-Cookie` under 4096 bytes,
//! and no cookie value leaking into a body or a `Location` (R5, R6).
//!
//! The last group are regression tests for discrepancies these tests first found (flash
//! growth, guard-before-SameOrigin ordering, SESSION_LIFETIME semantics, repeated
//! fields, `Accept` parameter case).

#[path = "../../examples/demo.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

mod access;
mod hostile;
mod login;
mod redirects;
mod regressions;
mod settings;
mod tcp;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum_sesame::Key;
use axum_sesame_testkit::{Jar, Reply, SetCookie, call, form_encode as enc};
use demo::{Db, DemoConfig};
use serde_json::json;

const SECRET: &[u8; 32] = b"demo end-to-end tests secret 32b";
const OTHER_SECRET: &[u8; 32] = b"a different key for another demo";
/// The `Host` every in-process request carries (the cross-origin rule compares with it).
const HOST_NAME: &str = "demo.test";
const FOO: &str = "foo@bar.tld";
const BAR: &str = "bar@bar.tld";
const INACTIVE: &str = "inactive@bar.tld";
const PASSWORD: &str = "secret";
const YEAR: u64 = 365 * 24 * 3600;
const FORM: &str = "application/x-www-form-urlencoded";
const LOGIN_MESSAGE: &str = "Please log in to access this page.";
const REFRESH_MESSAGE: &str = "Please reauthenticate to access this page.";
/// Where an anonymous `GET /protected` is sent.
const TO_LOGIN: &str = "/login?next=%2Fprotected";

fn config() -> DemoConfig {
    DemoConfig::new(Key::from_bytes(SECRET))
}

async fn app_with(config: DemoConfig) -> Router {
    let db = Db::in_memory().await.expect("the demo database");
    demo::app(config, db).expect("the demo settings are valid")
}

async fn app() -> Router {
    app_with(config()).await
}

/// The login form body for `email` / `pw`.
fn login_body(email: &str, pw: &str) -> String {
    format!("email={}&pw={}", enc(email), enc(pw))
}

/// The attributes demo-spec.md "Cookies" asks of the session and remember cookies.
#[track_caller]
fn assert_cookie_attrs(c: &SetCookie, secure: bool, max_age: Option<u64>) {
    assert!(c.has("httponly"), "HttpOnly missing: {}", c.raw);
    assert!(
        c.attr("samesite")
            .is_some_and(|v| v.eq_ignore_ascii_case("lax")),
        "SameSite=Lax missing: {}",
        c.raw
    );
    assert_eq!(c.attr("path"), Some("/"), "{}", c.raw);
    assert!(!c.has("domain"), "no Domain expected: {}", c.raw);
    assert_eq!(c.has("secure"), secure, "Secure: {}", c.raw);
    match max_age {
        Some(secs) => assert_eq!(
            c.attr("max-age"),
            Some(secs.to_string().as_str()),
            "{}",
            c.raw
        ),
        None => assert!(
            !c.has("max-age") && !c.has("expires"),
            "a browser-session cookie has no lifetime: {}",
            c.raw
        ),
    }
}

/// The checks every demo response passes: no 5xx, and every `Set-Cookie` under 4096
/// bytes (R5).
#[track_caller]
fn checked(reply: Reply) -> Reply {
    assert!(!reply.status.is_server_error(), "{reply:?}");
    for c in reply.set_cookies() {
        assert!(
            c.raw.len() < 4096,
            "Set-Cookie of {} bytes: {:.120}",
            c.raw.len(),
            c.raw
        );
    }
    reply
}

/// What the demo's tests ask of a reply beyond `axum_sesame_testkit::Reply`.
trait DemoReply {
    /// Whether this response sets (not deletes) a session or remember cookie.
    fn logs_in(&self) -> bool;
    /// `200` with the JSON `{"email": email}`.
    fn assert_json_email(&self, email: &str);
}

impl DemoReply for Reply {
    fn logs_in(&self) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| (c.name == "session" || c.name == "remember_token") && !c.is_removal())
    }

    #[track_caller]
    fn assert_json_email(&self, email: &str) {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert!(
            self.content_type().starts_with("application/json"),
            "{self:?}"
        );
        let value: serde_json::Value = serde_json::from_str(&self.body).expect("JSON body");
        assert_eq!(value, json!({ "email": email }), "{self:?}");
    }
}

/// How many times `needle` occurs in `body`.
fn count(body: &str, needle: &str) -> usize {
    body.matches(needle).count()
}

/// Undoes HTML attribute escaping.
fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the hidden `next` input, unescaped.
fn hidden_next(body: &str) -> Option<String> {
    let marker = r#"type="hidden" name="next" value=""#;
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(html_unescape(&body[start..end]))
}

/// Sends `req` without any cookie jar.
async fn send_raw(app: &Router, req: Request<Body>) -> Reply {
    checked(call(app, req).await)
}

/// A request carrying `Host: demo.test`, then `headers` (which replace defaults).
fn request(method: Method, uri: &str, body: Body, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .expect("valid request");
    let h = req.headers_mut();
    h.insert(HOST, HeaderValue::from_static(HOST_NAME));
    for (name, value) in headers {
        h.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    req
}

/// `GET path` with exactly these `Cookie` header lines (raw bytes, possibly not UTF-8).
async fn get_with_cookie_lines(
    app: &Router,
    path: &str,
    lines: &[&[u8]],
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = request(Method::GET, path, Body::empty(), headers);
    for line in lines {
        req.headers_mut().append(
            COOKIE,
            HeaderValue::from_bytes(line).expect("cookie header bytes"),
        );
    }
    send_raw(app, req).await
}

/// A browser-like client: a cookie jar (one value per name, `Max-Age=0` deletes) and a
/// `User-Agent` in front of the router.
#[derive(Clone)]
struct Client {
    app: Router,
    jar: Jar,
    user_agent: Option<String>,
}

impl Client {
    fn new(app: &Router) -> Client {
        Client {
            app: app.clone(),
            jar: Jar::default(),
            user_agent: None,
        }
    }

    /// A client holding exactly these cookies.
    fn with_cookies(app: &Router, cookies: &[(&str, &str)]) -> Client {
        let mut client = Client::new(app);
        for (name, value) in cookies {
            client.jar.set(name, value);
        }
        client
    }

    fn value(&self, name: &str) -> Option<String> {
        self.jar.get(name).map(str::to_owned)
    }

    async fn send(&mut self, mut req: Request<Body>) -> Reply {
        if let Some(ua) = &self.user_agent {
            req.headers_mut().insert(
                axum::http::header::USER_AGENT,
                HeaderValue::from_str(ua).expect("user agent"),
            );
        }
        if !self.jar.is_empty() && !req.headers().contains_key(COOKIE) {
            req.headers_mut().insert(
                COOKIE,
                HeaderValue::from_str(&self.jar.header()).expect("cookie header"),
            );
        }
        let before: Vec<String> = self.jar.0.values().cloned().collect();
        let reply = send_raw(&self.app, req).await;
        self.jar.take(&reply.headers);
        // R6: cookie values never show up in a page or a redirect.
        for v in before.iter().chain(self.jar.0.values()) {
            if v.len() >= 16 {
                assert!(
                    !reply.body.contains(v.as_str()),
                    "cookie in body: {reply:?}"
                );
                assert!(
                    !reply.location().unwrap_or_default().contains(v.as_str()),
                    "cookie in Location: {reply:?}"
                );
            }
        }
        reply
    }

    async fn get(&mut self, uri: &str) -> Reply {
        self.get_with(uri, &[]).await
    }

    async fn get_with(&mut self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(request(Method::GET, uri, Body::empty(), headers))
            .await
    }

    async fn head(&mut self, uri: &str) -> Reply {
        self.send(request(Method::HEAD, uri, Body::empty(), &[]))
            .await
    }

    async fn post_form(&mut self, uri: &str, body: &str) -> Reply {
        self.post_form_with(uri, body, &[]).await
    }

    async fn post_form_with(&mut self, uri: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = request(Method::POST, uri, Body::from(body.to_owned()), headers);
        if !req.headers().contains_key(CONTENT_TYPE) {
            req.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(FORM));
        }
        self.send(req).await
    }

    async fn login(&mut self, email: &str, pw: &str) -> Reply {
        self.post_form("/login", &login_body(email, pw)).await
    }

    /// Logs in with the right password, checking the redirect.
    async fn login_ok(&mut self, email: &str) -> Reply {
        let reply = self.login(email, PASSWORD).await;
        reply.assert_redirect("/protected");
        reply
    }

    /// Logs in with `remember=on`, checking that both cookies were set.
    async fn login_remembered(&mut self, email: &str) -> Reply {
        let body = format!("{}&remember=on", login_body(email, PASSWORD));
        let reply = self.post_form("/login", &body).await;
        reply.assert_redirect("/protected");
        assert!(self.value("session").is_some(), "{reply:?}");
        assert!(self.value("remember_token").is_some(), "{reply:?}");
        reply
    }

    /// A client of the same app holding only this client's remember cookie.
    fn remember_only(&self) -> Client {
        let r = self.value("remember_token").expect("a remember cookie");
        Client::with_cookies(&self.app, &[("remember_token", &r)])
    }

    async fn assert_user(&mut self, email: &str) {
        self.get("/protected")
            .await
            .assert_ok(&format!("Logged in as: {email}"));
    }

    /// "Anonymous" as SECURITY.md defines it: `/protected` redirects to the login view.
    async fn assert_anonymous(&mut self) {
        self.get("/protected").await.assert_redirect(TO_LOGIN);
    }

    /// A logged-in client of `email` whose login is no longer fresh: session protection saw
    /// another `User-Agent`.
    async fn non_fresh(app: &Router, email: &str) -> Client {
        let mut client = Client::new(app);
        client.user_agent = Some("Agent A".to_owned());
        client.login_ok(email).await;
        client.user_agent = Some("Agent B".to_owned());
        client
            .get("/settings")
            .await
            .assert_redirect("/reauth?next=%2Fsettings");
        client
    }
}
