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

#[path = "../examples/demo.rs"]
#[allow(dead_code, unreachable_pub)]
mod demo;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum_sesame::Key;
use demo::{Db, DemoConfig};
use http_body_util::BodyExt as _;
use serde_json::json;
use tower::ServiceExt as _;

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

/// `application/x-www-form-urlencoded` (and query) encoding of one value: every byte but
/// the unreserved ones is percent-encoded, so the server decodes exactly `s`.
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

/// The login form body for `email` / `pw`.
fn login_body(email: &str, pw: &str) -> String {
    format!("email={}&pw={}", enc(email), enc(pw))
}

/// One parsed `Set-Cookie`.
#[derive(Debug, Clone)]
struct SetCookie {
    raw: String,
    name: String,
    value: String,
    /// Attributes, names lower-cased, in order.
    attrs: Vec<(String, Option<String>)>,
}

impl SetCookie {
    fn parse(raw: &str) -> SetCookie {
        // R5: every Set-Cookie the demo sends stays under 4096 bytes.
        assert!(
            raw.len() < 4096,
            "Set-Cookie of {} bytes: {raw:.120}",
            raw.len()
        );
        let mut parts = raw.split(';');
        let pair = parts.next().unwrap_or_default();
        let (name, value) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("Set-Cookie without name=value: {raw}"));
        let attrs = parts
            .map(|a| match a.trim().split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_owned())),
                None => (a.trim().to_ascii_lowercase(), None),
            })
            .collect();
        SetCookie {
            raw: raw.to_owned(),
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            attrs,
        }
    }

    fn has(&self, attr: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == attr)
    }

    fn attr(&self, attr: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == attr)
            .and_then(|(_, v)| v.as_deref())
    }

    fn is_removal(&self) -> bool {
        self.attr("max-age")
            .is_some_and(|v| v == "0" || v.starts_with('-'))
    }

    /// The attributes that must match between setting and clearing: all but the lifetime.
    fn scope(&self) -> Vec<(String, Option<String>)> {
        let mut scope: Vec<_> = self
            .attrs
            .iter()
            .filter(|(k, _)| k != "max-age" && k != "expires")
            .map(|(k, v)| (k.clone(), v.as_ref().map(|v| v.to_ascii_lowercase())))
            .collect();
        scope.sort();
        scope
    }
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

/// A response, its body read.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    async fn read(res: axum::response::Response) -> Reply {
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        let reply = Reply {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        };
        assert!(!reply.status.is_server_error(), "{reply:?}");
        // Parsing checks the size of every Set-Cookie.
        let _ = reply.set_cookies();
        reply
    }

    fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn location(&self) -> Option<&str> {
        self.header(LOCATION)
    }

    fn content_type(&self) -> &str {
        self.header(CONTENT_TYPE).unwrap_or_default()
    }

    fn set_cookies(&self) -> Vec<SetCookie> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| SetCookie::parse(v.to_str().expect("Set-Cookie is ASCII")))
            .collect()
    }

    /// The single `Set-Cookie` for `name`, if any.
    #[track_caller]
    fn cookie(&self, name: &str) -> Option<SetCookie> {
        let mut found = self.set_cookies().into_iter().filter(|c| c.name == name);
        let first = found.next();
        assert!(found.next().is_none(), "several {name} cookies: {self:?}");
        first
    }

    /// Whether this response sets (not deletes) a session or remember cookie.
    fn logs_in(&self) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| (c.name == "session" || c.name == "remember_token") && !c.is_removal())
    }

    #[track_caller]
    fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{self:?}");
        assert_eq!(self.location(), Some(to), "{self:?}");
    }

    #[track_caller]
    fn assert_ok(&self, body: &str) {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        assert_eq!(self.body, body, "{self:?}");
    }

    #[track_caller]
    fn assert_no_cookies(&self) {
        assert!(self.headers.get(SET_COOKIE).is_none(), "{self:?}");
    }

    #[track_caller]
    fn assert_private(&self) {
        let cc = self.header(CACHE_CONTROL).unwrap_or_default();
        assert!(cc.contains("no-store"), "Cache-Control: {self:?}");
        let vary = self
            .headers
            .get_all(VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("cookie"))
            });
        assert!(vary, "Vary: Cookie: {self:?}");
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
    let res = app.clone().oneshot(req).await.expect("infallible");
    Reply::read(res).await
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
    jar: BTreeMap<String, String>,
    user_agent: Option<String>,
}

impl Client {
    fn new(app: &Router) -> Client {
        Client {
            app: app.clone(),
            jar: BTreeMap::new(),
            user_agent: None,
        }
    }

    /// A client holding exactly these cookies.
    fn with_cookies(app: &Router, cookies: &[(&str, &str)]) -> Client {
        let mut client = Client::new(app);
        for (name, value) in cookies {
            client.jar.insert((*name).to_owned(), (*value).to_owned());
        }
        client
    }

    fn value(&self, name: &str) -> Option<String> {
        self.jar.get(name).cloned()
    }

    async fn send(&mut self, mut req: Request<Body>) -> Reply {
        if let Some(ua) = &self.user_agent {
            req.headers_mut().insert(
                axum::http::header::USER_AGENT,
                HeaderValue::from_str(ua).expect("user agent"),
            );
        }
        if !self.jar.is_empty() && !req.headers().contains_key(COOKIE) {
            let cookie = self
                .jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut().insert(
                COOKIE,
                HeaderValue::from_str(&cookie).expect("cookie header"),
            );
        }
        let before: Vec<String> = self.jar.values().cloned().collect();
        let reply = send_raw(&self.app, req).await;
        for c in reply.set_cookies() {
            if c.is_removal() {
                self.jar.remove(&c.name);
            } else {
                self.jar.insert(c.name.clone(), c.value.clone());
            }
        }
        // R6: cookie values never show up in a page or a redirect.
        for v in before.iter().chain(self.jar.values()) {
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

// ---------------------------------------------------------------------------------------
// GET /login
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn login_page_is_a_post_form_with_email_pw_and_remember() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.get("/login").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.content_type().starts_with("text/html"), "{reply:?}");
    for needle in [
        r#"<form method="post" action="/login">"#,
        r#"name="email""#,
        r#"<input type="password" name="pw""#,
        r#"<input type="checkbox" name="remember""#,
    ] {
        assert_eq!(count(&reply.body, needle), 1, "{needle}: {}", reply.body);
    }
    assert!(!reply.body.contains(r#"name="next""#), "{}", reply.body);
    assert_eq!(count(&reply.body, "<p class=\"flash"), 0, "{}", reply.body);
    reply.assert_no_cookies();

    // `?next=` becomes a hidden input carrying it.
    let reply = client.get("/login?next=%2Fsettings%3Fa%3D1%26b%3D2").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        hidden_next(&reply.body).as_deref(),
        Some("/settings?a=1&b=2")
    );
    reply.assert_no_cookies();
}

#[tokio::test]
async fn reflected_next_is_html_escaped() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client
        .get("/login?next=%2F%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("\"><script>"), "{}", reply.body);
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
    assert_eq!(
        hidden_next(&reply.body).as_deref(),
        Some("/\"><script>alert(1)</script>")
    );

    for next in [
        "/\" autofocus onfocus=\"alert(1)",
        "/'><img src=x onerror=alert(1)>",
        "</form><script>alert(1)</script>",
        "/&quot;&lt;&amp;",
        "javascript:alert(1)",
        "/é\u{2028}x",
    ] {
        // Reflected on the login page …
        let reply = client.get(&format!("/login?next={}", enc(next))).await;
        assert_eq!(reply.status, StatusCode::OK, "{next:?}");
        assert_eq!(hidden_next(&reply.body).as_deref(), Some(next), "{next:?}");
        assert!(!reply.body.contains("<script>"), "{}", reply.body);
        assert!(!reply.body.contains("<img"), "{}", reply.body);
        assert!(!reply.body.contains("\" autofocus"), "{}", reply.body);
        // … and on the failed-login page.
        let body = format!("{}&next={}", login_body(FOO, "wrong"), enc(next));
        let reply = client.post_form("/login", &body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{next:?}");
        assert_eq!(hidden_next(&reply.body).as_deref(), Some(next), "{next:?}");
        assert!(!reply.body.contains("<script>"), "{}", reply.body);
        assert!(!reply.body.contains("<img"), "{}", reply.body);
    }
}

// ---------------------------------------------------------------------------------------
// POST /login
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn good_login_sets_a_browser_session_cookie_and_redirects() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.login(FOO, PASSWORD).await;
    reply.assert_redirect("/protected");
    reply.assert_private();
    let cookies = reply.set_cookies();
    assert_eq!(cookies.len(), 1, "only the session cookie: {reply:?}");
    assert_eq!(cookies[0].name, "session");
    assert_cookie_attrs(&cookies[0], false, None);
    client.assert_user(FOO).await;
    let reply = client.get("/protected").await;
    reply.assert_ok("Logged in as: foo@bar.tld");
    reply.assert_private();
    // Reading a session sends no new cookie.
    reply.assert_no_cookies();

    let mut client = Client::new(&app);
    client.login_ok(BAR).await;
    client.assert_user(BAR).await;
}

#[tokio::test]
async fn remember_cookie_only_when_remember_is_truthy() {
    let app = app().await;
    for value in ["on", "1", "true", "yes"] {
        let mut client = Client::new(&app);
        let body = format!("{}&remember={value}", login_body(FOO, PASSWORD));
        let reply = client.post_form("/login", &body).await;
        reply.assert_redirect("/protected");
        assert_eq!(reply.set_cookies().len(), 2, "{value}: {reply:?}");
        let session = reply.cookie("session").expect("session cookie");
        assert_cookie_attrs(&session, false, None);
        let remember = reply.cookie("remember_token").expect("remember cookie");
        assert_cookie_attrs(&remember, false, Some(YEAR));
        // The remember cookie alone logs in.
        client.remember_only().assert_user(FOO).await;
    }
    for suffix in [
        "&remember=0",
        "&remember=false",
        "&remember=",
        "&remember=off",
        "",
    ] {
        let mut client = Client::new(&app);
        let body = format!("{}{suffix}", login_body(FOO, PASSWORD));
        let reply = client.post_form("/login", &body).await;
        reply.assert_redirect("/protected");
        assert!(
            reply.cookie("remember_token").is_none(),
            "{suffix}: {reply:?}"
        );
        assert!(reply.cookie("session").is_some(), "{suffix}: {reply:?}");
        client.assert_user(FOO).await;
    }
}

#[tokio::test]
async fn bad_logins_are_401_bad_login_and_log_nobody_in() {
    let app = app().await;
    let mut bodies = Vec::new();
    for body in [
        login_body(FOO, "wrong"),
        login_body(FOO, "Secret"),
        login_body("nobody@bar.tld", PASSWORD),
        login_body(INACTIVE, PASSWORD),
        login_body(FOO, ""),
        login_body("", ""),
        String::new(),
    ] {
        let mut client = Client::new(&app);
        let reply = client
            .post_form("/login", &format!("{body}&remember=on"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{body}: {reply:?}");
        assert!(reply.body.contains("Bad login"), "{body}: {reply:?}");
        assert!(!reply.logs_in(), "{body}: {reply:?}");
        client.assert_anonymous().await;
        let me = client
            .get_with("/api/me", &[("accept", "application/json")])
            .await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{me:?}");
        bodies.push(reply.body);
    }
    // R33: wrong password, unknown user and inactive user look the same.
    assert_eq!(bodies[0], bodies[2]);
    assert_eq!(bodies[0], bodies[3]);

    // A failed login does not replace an anonymous session with a logged-in one.
    let mut client = Client::new(&app);
    client.get("/protected").await.assert_redirect(TO_LOGIN);
    let reply = client.login(INACTIVE, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!reply.logs_in(), "{reply:?}");
    client.assert_anonymous().await;
}

#[tokio::test]
async fn login_rotates_the_session() {
    let app = app().await;
    // R15: an anonymous session (it carries the flash) is replaced on login.
    let mut client = Client::new(&app);
    client.get("/protected?x=1").await;
    let anonymous = client.value("session").expect("a session with the flash");
    client.login_ok(FOO).await;
    let foo = client.value("session").expect("session");
    assert_ne!(foo, anonymous);
    Client::with_cookies(&app, &[("session", &anonymous)])
        .assert_anonymous()
        .await;

    // Logging in as someone else in the same jar.
    client.login_ok(BAR).await;
    client.assert_user(BAR).await;
    assert_ne!(client.value("session"), Some(foo.clone()));
    Client::with_cookies(&app, &[("session", &foo)])
        .assert_user(FOO)
        .await;
}

// ---------------------------------------------------------------------------------------
// Unauthorized behaviour
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn anonymous_protected_redirects_to_login_with_next_and_a_flash() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.get("/protected?x=1").await;
    reply.assert_redirect("/login?next=%2Fprotected%3Fx%3D1");
    assert!(reply.cookie("remember_token").is_none(), "{reply:?}");

    // The flash is shown once, on the next login page; the next survives as hidden input.
    let page = client.get("/login?next=%2Fprotected%3Fx%3D1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 1, "{}", page.body);
    assert_eq!(hidden_next(&page.body).as_deref(), Some("/protected?x=1"));
    let again = client.get("/login").await;
    assert_eq!(count(&again.body, LOGIN_MESSAGE), 0, "{}", again.body);

    // Posting the form with that hidden next lands on the page first asked for.
    let body = format!(
        "{}&next={}",
        login_body(FOO, PASSWORD),
        enc("/protected?x=1")
    );
    client
        .post_form("/login", &body)
        .await
        .assert_redirect("/protected?x=1");
    client
        .get("/protected?x=1")
        .await
        .assert_ok("Logged in as: foo@bar.tld");
    // The message is gone for good.
    assert_eq!(count(&client.get("/login").await.body, LOGIN_MESSAGE), 0);

    // Two redirects in a row flash twice; each message is rendered once per flash.
    let mut client = Client::new(&app);
    client.get("/protected").await.assert_redirect(TO_LOGIN);
    client
        .get("/admin")
        .await
        .assert_redirect("/login?next=%2Fadmin");
    let page = client.get("/login").await;
    assert!(
        (1..=2).contains(&count(&page.body, LOGIN_MESSAGE)),
        "{}",
        page.body
    );
    assert_eq!(count(&client.get("/login").await.body, LOGIN_MESSAGE), 0);
}

#[tokio::test]
async fn login_redirect_never_comes_from_host_headers() {
    let app = app().await;
    let want = "/login?next=%2Fprotected%3Fx%3D1";
    for headers in [
        &[("host", "evil.com")][..],
        &[("host", "evil.com"), ("x-forwarded-host", "evil.com")],
        &[
            ("x-forwarded-host", "evil.com"),
            ("x-forwarded-proto", "https"),
            ("forwarded", "host=evil.com;proto=https"),
        ],
    ] {
        Client::new(&app)
            .get_with("/protected?x=1", headers)
            .await
            .assert_redirect(want);
    }
    // An absolute-form request target: only its path and query count.
    let req = request(
        Method::GET,
        "http://evil.com/protected?x=1",
        Body::empty(),
        &[("host", "evil.com")],
    );
    send_raw(&app, req).await.assert_redirect(want);
    // A path that looks like a network path is no route, and never a redirect.
    let reply = Client::new(&app).get("//evil.com").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert!(reply.location().is_none());
    // The generated next is fully percent-encoded.
    Client::new(&app)
        .get("/protected?next=//evil.com&a=%2F")
        .await
        .assert_redirect("/login?next=%2Fprotected%3Fnext%3D%2F%2Fevil.com%26a%3D%252F");
}

#[tokio::test]
async fn head_is_protected_like_get() {
    let app = app().await;
    let mut client = Client::new(&app);
    let reply = client.head("/protected").await;
    reply.assert_redirect(TO_LOGIN);
    let reply = client.head("/settings").await;
    reply.assert_redirect("/login?next=%2Fsettings");
    client.login_ok(FOO).await;
    let reply = client.head("/protected").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, "");
}

#[tokio::test]
async fn clients_that_do_not_accept_html_get_401() {
    let app = app().await;
    for accept in [
        "application/json",
        "application/json, text/html;q=0",
        "image/png",
    ] {
        for path in ["/protected", "/settings", "/admin", "/api/me", "/reauth"] {
            let reply = Client::new(&app)
                .get_with(path, &[("accept", accept)])
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{path} {accept}: {reply:?}"
            );
            assert!(reply.location().is_none(), "{reply:?}");
            reply.assert_no_cookies();
        }
    }
    for accept in [
        "text/html",
        "text/*",
        "*/*",
        "application/json, text/html;q=0.5",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ] {
        Client::new(&app)
            .get_with("/protected", &[("accept", accept)])
            .await
            .assert_redirect(TO_LOGIN);
    }
    // Logged in but not fresh, without HTML: 401 too.
    let mut client = Client::non_fresh(&app, FOO).await;
    let reply = client
        .get_with("/settings", &[("accept", "application/json")])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.location().is_none());
}

// ---------------------------------------------------------------------------------------
// Redirect targets (R26)
// ---------------------------------------------------------------------------------------

/// The "accept" rows of SECURITY.md §4.2, and a few more local paths.
fn safe_targets() -> Vec<String> {
    let mut v: Vec<String> = [
        "/",
        "/protected",
        "/protected?x=1&y=%2F%2F",
        "/a/b/../c",
        "/%2F/evil.com",
        "/.//evil.com",
        "/@evil.com",
        "/%5Cevil.com",
        "/%09/evil.com",
        "/%0d%0aSet-Cookie:x=1",
        "/\"><script>alert(1)</script>",
        "/view/?param=http://example.com",
        "/url%20with%20spaces/",
        "/settings#frag",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("/{}", "a".repeat(2047)));
    v
}

/// The "reject" rows of SECURITY.md §4.2, Django's bad fixtures, and a few more.
fn hostile_targets() -> Vec<String> {
    let mut v: Vec<String> = [
        "//evil.com",
        "///evil.com",
        "////evil.com/",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/\\/evil.com",
        "\\\\\\github.com",
        "https://evil.com",
        "http://evil.com/protected",
        "HTTPS://EVIL.COM",
        "http:evil.com",
        "https:evil.com",
        "https:/evil.com",
        "https:///evil.com",
        "https:\\\\evil.com",
        "http:/\\/evil.com",
        "ftp://evil.com",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "\x08//evil.com",
        "\njavascript:alert(x)",
        " //evil.com",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@b.c",
        "tel:1",
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r\n/evil.com",
        "/\r/evil.com",
        "\t//evil.com",
        "\0//evil.com",
        "\x1f//evil.com",
        "//evil.com\0",
        "//127.0.0.1@evil.com",
        "//app.example@evil.com",
        "https://app.example@evil.com",
        "http://evil.com\\@app.example",
        "http://evil.com#@app.example",
        "///\\;@evil.com",
        "//evil\u{3002}com",
        "//\u{200b}evil.com",
        "//0x7f.1",
        "//[::1]",
        "//127.0.0.1",
        "http:999999999",
        "\u{ff0f}\u{ff0f}evil.com",
        "/\u{ff0f}evil.com",
        "/\u{ff3c}evil.com",
        "\u{2215}\u{2215}evil.com",
        "\u{feff}//evil.com",
        "\u{3000}//evil.com",
        "\u{2028}//evil.com",
        "/\u{a0}//evil.com",
        "%2F%2Fevil.com",
        "%252F%252Fevil.com",
        "https%3A%2F%2Fevil.com",
        "evil.com",
        "./evil.com",
        "?next=//evil.com",
        "#//evil.com",
        "",
        // Django's `url_has_allowed_host_and_scheme` bad fixtures.
        "http:///example.com",
        "\\\\//example.com",
        "http:\\/example.com",
        "http:/\\example.com",
        "javascript:alert(\"XSS\")",
        "http://otherserver\\@example.com",
        "http:\\\\testserver\\@example.com",
        "http://testserver\\me:pass@example.com",
        "ftp:9999999999",
        "\n",
        "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
        // More.
        "/ /evil.com",
        "/\x7f",
        "/caf\u{e9}",
        "/\\",
        "\\",
        "//",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("/{}", "a".repeat(2048)));
    v.push(format!("/{}", "a".repeat(5000)));
    v
}

/// A `Location` that no browser resolves off-site: one leading `/`, printable ASCII only.
#[track_caller]
fn assert_local_location(location: &str) {
    let b = location.as_bytes();
    assert_eq!(b.first(), Some(&b'/'), "{location:?}");
    assert!(!location.starts_with("//"), "{location:?}");
    assert!(
        b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\'),
        "{location:?}"
    );
}

#[track_caller]
fn assert_target(reply: &Reply, expected: &str, what: &str) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}: {reply:?}");
    let location = reply.location().expect("Location");
    assert_local_location(location);
    assert_eq!(location, expected, "{what}");
    // No header injection: only the session cookie is set.
    let cookies = reply.set_cookies();
    assert_eq!(cookies.len(), 1, "{what}: {reply:?}");
    assert_eq!(cookies[0].name, "session", "{what}: {reply:?}");
}

#[tokio::test]
async fn safe_next_is_followed_from_form_or_query() {
    let app = app().await;
    let body = format!("{}&next=%2Fsettings", login_body(FOO, PASSWORD));
    let mut client = Client::new(&app);
    client
        .post_form("/login", &body)
        .await
        .assert_redirect("/settings");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    let mut client = Client::new(&app);
    client
        .post_form("/login?next=%2Fadmin%3Fa%3D1", &login_body(FOO, PASSWORD))
        .await
        .assert_redirect("/admin?a=1");
    client
        .get("/admin?a=1")
        .await
        .assert_ok("Admin: foo@bar.tld");
}

#[tokio::test]
async fn login_redirect_corpus() {
    let app = app().await;
    let safe = safe_targets();
    let hostile = hostile_targets();
    assert!(hostile.len() >= 40);
    let cases = safe
        .iter()
        .map(|t| (t, t.as_str()))
        .chain(hostile.iter().map(|t| (t, "/protected")));
    for (target, expected) in cases {
        let what = format!("login next={target:?}");
        // As a form field.
        let body = format!("{}&next={}", login_body(FOO, PASSWORD), enc(target));
        let mut client = Client::new(&app);
        let reply = client.post_form("/login", &body).await;
        assert_target(&reply, expected, &format!("form {what}"));
        client.assert_user(FOO).await;
        // As the query.
        let uri = format!("/login?next={}", enc(target));
        let reply = Client::new(&app)
            .post_form(&uri, &login_body(FOO, PASSWORD))
            .await;
        assert_target(&reply, expected, &format!("query {what}"));
    }
}

#[tokio::test]
async fn reauth_redirect_corpus() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let safe = safe_targets();
    let hostile = hostile_targets();
    let cases = safe
        .iter()
        .map(|t| (t, t.as_str()))
        .chain(hostile.iter().map(|t| (t, "/settings")));
    for (target, expected) in cases {
        let what = format!("reauth next={target:?}");
        let body = format!("pw=secret&next={}", enc(target));
        let reply = client.post_form("/reauth", &body).await;
        assert_target(&reply, expected, &format!("form {what}"));
        let uri = format!("/reauth?next={}", enc(target));
        let reply = client.post_form(&uri, "pw=secret").await;
        assert_target(&reply, expected, &format!("query {what}"));
    }
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
}

// ---------------------------------------------------------------------------------------
// Freshness: /settings, /reauth
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn settings_needs_a_fresh_login_and_reauth_restores_it() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_remembered(FOO).await;
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");

    // Only the remember cookie: logged in, but not fresh.
    let mut client = client.remember_only();
    let reply = client.get("/protected").await;
    reply.assert_ok("Logged in as: foo@bar.tld");
    assert!(reply.cookie("session").is_some_and(|c| !c.is_removal()));
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");

    // The refresh message shows once, on the reauth form.
    let page = client.get("/reauth?next=%2Fsettings").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.content_type().starts_with("text/html"));
    assert_eq!(count(&page.body, REFRESH_MESSAGE), 1, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<form method="post" action="/reauth">"#)
    );
    assert!(page.body.contains(r#"<input type="password" name="pw""#));
    assert_eq!(hidden_next(&page.body).as_deref(), Some("/settings"));
    let again = client.get("/reauth").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(count(&again.body, REFRESH_MESSAGE), 0, "{}", again.body);
    assert!(hidden_next(&again.body).is_none());

    // A wrong password changes nothing.
    let reply = client
        .post_form("/reauth", "pw=wrong&next=%2Fsettings")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.body.contains("Bad login"), "{reply:?}");
    assert!(reply.cookie("session").is_none(), "{reply:?}");
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");

    // The right one makes the session fresh, with a new cookie (R16).
    let before = client.value("session").expect("session");
    let reply = client.post_form("/reauth", "pw=secret").await;
    reply.assert_redirect("/settings");
    let after = client.value("session").expect("session");
    assert_ne!(before, after);
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    client.assert_user(FOO).await;

    // A safe next is followed.
    let mut client = Client::non_fresh(&app, BAR).await;
    client
        .post_form("/reauth", "pw=secret&next=%2Fprotected%3Fy%3D2")
        .await
        .assert_redirect("/protected?y=2");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for bar@bar.tld");
}

#[tokio::test]
async fn anonymous_reauth_redirects_to_login() {
    let app = app().await;
    let reply = Client::new(&app).get("/reauth").await;
    reply.assert_redirect("/login?next=%2Freauth");
    let reply = Client::new(&app).get("/reauth?next=%2Fsettings").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(
        reply
            .location()
            .is_some_and(|l| l.starts_with("/login?next=%2Freauth")),
        "{reply:?}"
    );
    let mut client = Client::new(&app);
    let reply = client.post_form("/reauth", "pw=secret").await;
    reply.assert_redirect("/login?next=%2Freauth");
    client.assert_anonymous().await;
}

#[tokio::test]
async fn basic_session_protection_marks_a_new_client_non_fresh() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.user_agent = Some("Agent A".to_owned());
    client.login_ok(FOO).await;
    // R32: forwarding headers are not the client's identity.
    client
        .get_with("/settings", &[("x-forwarded-for", "203.0.113.9")])
        .await
        .assert_ok("Settings for foo@bar.tld");
    client
        .get_with(
            "/settings",
            &[
                ("x-real-ip", "203.0.113.10"),
                ("forwarded", "for=203.0.113.11"),
            ],
        )
        .await
        .assert_ok("Settings for foo@bar.tld");
    // Another User-Agent: still logged in, no longer fresh.
    client.user_agent = Some("Agent B".to_owned());
    client.assert_user(FOO).await;
    client
        .get("/settings")
        .await
        .assert_redirect("/reauth?next=%2Fsettings");
    client
        .post_form("/reauth", "pw=secret")
        .await
        .assert_redirect("/settings");
    client
        .get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
}

// ---------------------------------------------------------------------------------------
// /admin, /api/me, /logout
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_needs_the_admin_role() {
    let app = app().await;
    let mut foo = Client::new(&app);
    foo.login_ok(FOO).await;
    foo.get("/admin").await.assert_ok("Admin: foo@bar.tld");
    let mut bar = Client::new(&app);
    bar.login_ok(BAR).await;
    let reply = bar.get("/admin").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert!(reply.location().is_none());
    bar.assert_user(BAR).await;
    Client::new(&app)
        .get("/admin")
        .await
        .assert_redirect("/login?next=%2Fadmin");
}

#[tokio::test]
async fn api_me_by_session_or_bearer_token() {
    let app = app().await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let reply = client.get("/api/me").await;
    reply.assert_json_email(FOO);
    reply.assert_private();

    // Bearer tokens: JSON, and never a cookie (BEYOND).
    for (auth, email) in [
        ("Bearer foo-token", FOO),
        ("Bearer bar-token", BAR),
        ("bearer foo-token", FOO),
    ] {
        let reply = Client::new(&app)
            .get_with("/api/me", &[("authorization", auth)])
            .await;
        reply.assert_json_email(email);
        reply.assert_no_cookies();
        assert!(
            reply
                .header(CACHE_CONTROL)
                .is_some_and(|v| v.contains("no-store")),
            "{reply:?}"
        );
    }
    // Even beside bad cookies that would otherwise be cleared.
    let reply = get_with_cookie_lines(
        &app,
        "/api/me",
        &[b"session=v1.junk.junk; remember_token=garbage"],
        &[("authorization", "Bearer bar-token")],
    )
    .await;
    reply.assert_json_email(BAR);
    reply.assert_no_cookies();

    for auth in [
        "Bearer nope",
        "Bearer ",
        "Bearer",
        "Bearer foo-token-x",
        "Bearer FOO-TOKEN",
        "Basic Zm9vOmJhcg==",
        "foo-token",
    ] {
        let reply = Client::new(&app)
            .get_with(
                "/api/me",
                &[("authorization", auth), ("accept", "application/json")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth}: {reply:?}");
        assert!(reply.location().is_none());
        reply.assert_no_cookies();
    }
    Client::new(&app)
        .get("/api/me")
        .await
        .assert_redirect("/login?next=%2Fapi%2Fme");
}

#[tokio::test]
async fn logout_clears_both_cookies_with_their_attributes() {
    for secure in [false, true] {
        let mut config = config();
        config.secure_cookies = secure;
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let login = client.login_remembered(FOO).await;
        let set_session = login.cookie("session").expect("session");
        let set_remember = login.cookie("remember_token").expect("remember");
        assert_cookie_attrs(&set_session, secure, None);
        assert_cookie_attrs(&set_remember, secure, Some(YEAR));

        let reply = client.get("/logout").await;
        reply.assert_ok("Logged out");
        reply.assert_private();
        let del_session = reply.cookie("session").expect("session deletion");
        let del_remember = reply.cookie("remember_token").expect("remember deletion");
        for (del, set) in [(&del_session, &set_session), (&del_remember, &set_remember)] {
            assert!(del.is_removal(), "{}", del.raw);
            assert_eq!(del.value, "", "{}", del.raw);
            // R3: the same Path, Domain, Secure, SameSite and HttpOnly as when set.
            assert_eq!(del.scope(), set.scope(), "{} vs {}", del.raw, set.raw);
        }
        assert!(client.jar.is_empty(), "{:?}", client.jar);
        client.assert_anonymous().await;
        client.get("/logout").await.assert_ok("Logged out");
    }
    Client::new(&app().await)
        .get("/logout")
        .await
        .assert_ok("Logged out");
}

// ---------------------------------------------------------------------------------------
// Password change (R22)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn password_change_ends_every_other_session_of_the_user() {
    let app = app().await;
    let mut a = Client::new(&app);
    a.login_remembered(FOO).await;
    let a_old = a.value("session").expect("session");
    let mut b = Client::new(&app);
    b.login_remembered(FOO).await;
    b.assert_user(FOO).await;
    let b_session = b.value("session").expect("session");
    let b_remember = b.value("remember_token").expect("remember");
    let mut other = Client::new(&app);
    other.login_ok(BAR).await;

    let reply = a.post_form("/password", "new_pw=x").await;
    reply.assert_ok("Password changed");
    assert!(a.value("session").is_some_and(|v| v != a_old));

    // This session goes on, and so does its remember cookie.
    a.assert_user(FOO).await;
    a.get("/settings")
        .await
        .assert_ok("Settings for foo@bar.tld");
    a.remember_only().assert_user(FOO).await;
    // B's cookies stop working, each alone and together.
    Client::with_cookies(&app, &[("session", &b_session)])
        .assert_anonymous()
        .await;
    let mut remembered = Client::with_cookies(&app, &[("remember_token", &b_remember)]);
    remembered.assert_anonymous().await;
    assert!(
        remembered.value("remember_token").is_none(),
        "deleted (R25)"
    );
    b.assert_anonymous().await;
    // A's cookie from before the change too.
    Client::with_cookies(&app, &[("session", &a_old)])
        .assert_anonymous()
        .await;
    // Other users are not affected.
    other.assert_user(BAR).await;

    // The new password works, the old one does not.
    Client::new(&app)
        .login(FOO, "x")
        .await
        .assert_redirect("/protected");
    let reply = Client::new(&app).login(FOO, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.body.contains("Bad login"));
}

#[tokio::test]
async fn password_change_needs_a_fresh_login() {
    let app = app().await;
    Client::new(&app)
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/login?next=%2Fpassword");

    let mut client = Client::new(&app);
    client.login_remembered(FOO).await;
    let mut restored = client.remember_only();
    restored.assert_user(FOO).await;
    restored
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/reauth?next=%2Fpassword");
    let mut non_fresh = Client::non_fresh(&app, FOO).await;
    non_fresh
        .post_form("/password", "new_pw=y")
        .await
        .assert_redirect("/reauth?next=%2Fpassword");
    // Nothing changed.
    client.assert_user(FOO).await;
    Client::new(&app).login_ok(FOO).await;

    // An empty password is refused; after re-authenticating, the change goes through.
    restored.post_form("/reauth", "pw=secret").await;
    let reply = restored.post_form("/password", "new_pw=").await;
    assert!(reply.status.is_client_error(), "{reply:?}");
    Client::new(&app).login_ok(FOO).await;
    restored
        .post_form("/password", "new_pw=y")
        .await
        .assert_ok("Password changed");
    client.assert_anonymous().await;
    Client::new(&app)
        .login(FOO, "y")
        .await
        .assert_redirect("/protected");
}

// ---------------------------------------------------------------------------------------
// SESSION_LIFETIME, REMEMBER_DURATION, SECURE_COOKIES
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn lifetimes_are_enforced_on_the_server() {
    let session = async {
        let mut config = config();
        config.session_lifetime = Some(Duration::from_secs(2));
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let reply = client.login_ok(FOO).await;
        let cookie = reply.cookie("session").expect("session");
        assert_cookie_attrs(&cookie, false, Some(2));
        client.assert_user(FOO).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        // The client ignores Max-Age and replays the cookie: the server refuses it (R18).
        Client::with_cookies(&app, &[("session", &cookie.value)])
            .assert_anonymous()
            .await;
    };
    let remember = async {
        let mut config = config();
        config.remember_duration = Duration::from_secs(2);
        let app = app_with(config).await;
        let mut client = Client::new(&app);
        let reply = client.login_remembered(FOO).await;
        let cookie = reply.cookie("remember_token").expect("remember");
        assert_cookie_attrs(&cookie, false, Some(2));
        client.remember_only().assert_user(FOO).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        // R25: expired on the server, and deleted.
        let mut replay = Client::with_cookies(&app, &[("remember_token", &cookie.value)]);
        let reply = replay
            .get_with("/api/me", &[("accept", "application/json")])
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
        assert!(
            reply
                .cookie("remember_token")
                .is_some_and(|c| c.is_removal()),
            "{reply:?}"
        );
        Client::with_cookies(&app, &[("remember_token", &cookie.value)])
            .assert_anonymous()
            .await;
    };
    tokio::join!(session, remember);
}

#[tokio::test]
async fn secure_cookies_adds_secure_to_both_cookies() {
    let mut config = config();
    config.secure_cookies = true;
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let reply = client.login_remembered(FOO).await;
    for c in reply.set_cookies() {
        assert_cookie_attrs(&c, true, (c.name == "remember_token").then_some(YEAR));
    }
    assert_eq!(reply.set_cookies().len(), 2);
    // A restored session and a flash cookie are Secure too.
    let mut restored = client.remember_only();
    let reply = restored.get("/protected").await;
    assert_cookie_attrs(&reply.cookie("session").expect("session"), true, None);
    let reply = Client::new(&app).get("/protected").await;
    assert_cookie_attrs(&reply.cookie("session").expect("flash"), true, None);
}

// ---------------------------------------------------------------------------------------
// Tampered and foreign cookies (R7–R14, R37, §4.1)
// ---------------------------------------------------------------------------------------

/// `(payload, mac)` of a `v1.<payload>.<mac>` value.
fn segments(v: &str) -> (&str, &str) {
    let rest = v.strip_prefix("v1.").expect("v1 value");
    rest.split_once('.').expect("two segments")
}

fn flip(v: &str, i: usize) -> Vec<u8> {
    let mut bytes = v.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'A' { b'g' } else { b'A' };
    bytes
}

/// A fixed xorshift stream of header-safe bytes (no `;`).
fn random_values() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    [1, 16, 60, 200, 3000, 5000]
        .iter()
        .map(|&len| {
            std::iter::from_fn(|| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                Some(x.to_le_bytes()[0])
            })
            .filter(|b| ((0x21..0x7f).contains(b) && *b != b';') || *b >= 0x80)
            .take(len)
            .collect()
        })
        .collect()
}

/// Tampered, truncated and forged variants of the valid value `v` (§4.1), given another
/// valid value `w` of the same kind.
fn mutations(v: &str, w: &str) -> Vec<Vec<u8>> {
    let (p, m) = segments(v);
    let (wp, wm) = segments(w);
    let s = |x: &str| x.as_bytes().to_vec();
    let mut out: Vec<Vec<u8>> = vec![
        s(""),
        s("."),
        s("..."),
        s("v1.."),
        s(&format!("v1.{p}.")),
        s(&format!("v1..{m}")),
        flip(v, v.len() - 1),
        flip(v, 3),
        flip(v, v.len() / 2),
        s(&v[..v.len() - 1]),
        s(&format!("{v}A")),
        s(&format!("{v}x9")),
        s(&format!("{v}=")),
        s(&format!("{v}==")),
        s(&format!("{v}====")),
        s(&format!("{v}.{m}")),
        s(&format!("A{v}")),
        s(&format!(".{v}")),
        s(&v.replace('.', ":")),
        s(&v.replace('.', "|")),
        s(&v.replace('.', "--")),
        s(&format!("{v}{v}")),
        s(&v.chars().rev().collect::<String>()),
        s(&format!("v1.{p}.{wm}")),
        s(&format!("v1.{wp}.{m}")),
        s(&format!("{}{}", &v[..v.len() / 2], &w[w.len() / 2..])),
        s(&format!("v0.{p}.{m}")),
        s(&format!("v2.{p}.{m}")),
        s(&format!("V1.{p}.{m}")),
        s(&format!("v01.{p}.{m}")),
        s(&v.replace('.', "%2E")),
        s(&format!("{v}%zz")),
        s(&format!("{v}%c3%28")),
        s(&format!("{v}%ff")),
        s(&format!("\"{v}\"")),
        s(&format!("{}%00{}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s(&format!("{} {}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s(&format!("{}\t{}", &v[..v.len() - 10], &v[v.len() - 10..])),
        s("\"1|\\303\\251\""),
        s("1|é"),
        s("%C0%AF%C0%AF%E0%80%AF"),
        s(&"A".repeat(4097)),
        s(&format!("{v}{}", "A".repeat(8192 - v.len()))),
        s(&".".repeat(10_000)),
        s("eyJ1aWQiOiJmb29AYmFyLnRsZCJ9"),
        s("{}"),
        s("null"),
        s("1"),
        s("admin"),
        s("foo@bar.tld"),
        s(&format!("foo@bar.tld|{}", "0".repeat(128))),
        s("eyJhbGciOiJub25lIn0.eyJzdWIiOiJmb28ifQ."),
    ];
    // The standard base64 alphabet instead of the URL-safe one.
    let std_alphabet = v.replace('-', "+").replace('_', "/");
    if std_alphabet != v {
        out.push(s(&std_alphabet));
    }
    // Every truncation of the tag (a truncated compare would accept the right prefix).
    for k in 0..m.len() {
        out.push(s(&format!("v1.{p}.{}", &m[..k])));
    }
    // `é` at every offset (char-boundary panics), and invalid UTF-8.
    for i in 0..=v.len() {
        let mut bytes = v.as_bytes().to_vec();
        bytes.splice(i..i, "é".bytes());
        out.push(bytes);
    }
    for bad in [&b"\xff"[..], b"\x80", b"\xc0\xaf", b"\xed\xa0\x80"] {
        let mut bytes = v.as_bytes().to_vec();
        bytes.splice(10..10, bad.iter().copied());
        out.push(bytes);
        out.push(bad.to_vec());
    }
    out.extend(random_values());
    out
}

/// Checks that these `Cookie` lines make an anonymous visitor: `/protected` redirects,
/// `/api/me` (JSON) is 401, nothing logs in, and a cookie that does not verify is left
/// alone: no `Set-Cookie` of its name, not even the login flash's (R47).
async fn assert_lines_anonymous(app: &Router, lines: &[&[u8]], left_alone: Option<&str>) {
    let what = lines
        .iter()
        .map(|l| {
            String::from_utf8_lossy(l)
                .chars()
                .take(100)
                .collect::<String>()
        })
        .collect::<Vec<_>>();
    let reply = get_with_cookie_lines(app, "/protected", lines, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what:?}: {reply:?}");
    assert_eq!(reply.location(), Some(TO_LOGIN), "{what:?}");
    assert!(
        reply
            .cookie("remember_token")
            .is_none_or(|c| c.is_removal())
    );
    if let Some(name) = left_alone {
        assert!(
            reply.cookie(name).is_none(),
            "the unreadable {name} cookie is left alone (R47): {what:?}: {reply:?}"
        );
    }
    let reply =
        get_with_cookie_lines(app, "/api/me", lines, &[("accept", "application/json")]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{what:?}: {reply:?}"
    );
    assert!(!reply.logs_in(), "{what:?}: {reply:?}");
    if let Some(name) = left_alone {
        assert!(
            reply.cookie(name).is_none(),
            "the unreadable {name} cookie is left alone (R47): {what:?}: {reply:?}"
        );
    }
}

async fn assert_lines_user(app: &Router, lines: &[&[u8]], email: &str) {
    let what = lines
        .iter()
        .map(|l| {
            String::from_utf8_lossy(l)
                .chars()
                .take(100)
                .collect::<String>()
        })
        .collect::<Vec<_>>();
    let reply = get_with_cookie_lines(app, "/protected", lines, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{what:?}: {reply:?}");
    assert_eq!(reply.body, format!("Logged in as: {email}"), "{what:?}");
    get_with_cookie_lines(app, "/api/me", lines, &[])
        .await
        .assert_json_email(email);
}

/// A valid session (fresh login) and remember value for `email`, minted by `app`.
async fn mint(app: &Router, email: &str) -> (String, String) {
    let mut client = Client::new(app);
    client.login_remembered(email).await;
    (
        client.value("session").expect("session"),
        client.value("remember_token").expect("remember"),
    )
}

#[tokio::test]
async fn tampered_or_foreign_cookies_are_anonymous() {
    let app = app().await;
    let (v, r) = mint(&app, FOO).await;
    let (w, r_bar) = mint(&app, BAR).await;
    let (foreign_v, foreign_r) = mint(
        &app_with(DemoConfig::new(Key::from_bytes(OTHER_SECRET))).await,
        FOO,
    )
    .await;
    let (dev_v, dev_r) = mint(&app_with(DemoConfig::new(Key::development())).await, FOO).await;
    assert_lines_user(&app, &[format!("session={v}").as_bytes()], FOO).await;
    assert_lines_user(&app, &[format!("remember_token={r}").as_bytes()], FOO).await;

    let mut session_values = mutations(&v, &w);
    session_values.extend([r.clone(), foreign_v, dev_v].map(String::into_bytes));
    for value in &session_values {
        let line = [b"session=".as_slice(), value].concat();
        assert_lines_anonymous(&app, &[&line], Some("session")).await;
    }
    let mut remember_values = mutations(&r, &r_bar);
    remember_values.extend([v.clone(), foreign_r, dev_r].map(String::into_bytes));
    for value in &remember_values {
        let line = [b"remember_token=".as_slice(), value].concat();
        assert_lines_anonymous(&app, &[&line], Some("remember_token")).await;
    }

    // Whole headers that carry no usable cookie.
    let big = format!("a={}", "b".repeat(64 * 1024));
    for line in [
        "session".to_owned(),
        ";;;".to_owned(),
        format!("={v}"),
        format!("session=={v}"),
        format!("Session={v}"),
        format!("SESSION={v}"),
        format!("s\u{435}ssion={v}"),
        format!("session ={v}x"),
        format!("Remember_Token={r}"),
        big,
    ] {
        assert_lines_anonymous(&app, &[line.as_bytes()], None).await;
    }

    // The valid value still works beside junk (R37, §4.1 rows 34–36, 55).
    let many = (1..=300)
        .map(|i| format!("a{i}=1"))
        .chain([format!("session={v}")])
        .collect::<Vec<_>>()
        .join("; ");
    for line in [
        format!("session=junk; session={v}"),
        format!("session={v}; session=junk"),
        format!("session=v1..; session={v}"),
        format!("session={w}x; session={v}"),
        format!("session={v}; remember_token=junk"),
        format!("remember_token=junk; session={v}"),
        many,
    ] {
        assert_lines_user(&app, &[line.as_bytes()], FOO).await;
    }
    let theme = [b"theme=\xff; session=".as_slice(), v.as_bytes()].concat();
    assert_lines_user(&app, &[&theme], FOO).await;
    let theme = [b"session=".as_slice(), v.as_bytes(), b"; theme=\xff\xfe"].concat();
    assert_lines_user(&app, &[&theme], FOO).await;
    let second = format!("session={v}");
    assert_lines_user(&app, &[b"session=junk", second.as_bytes()], FOO).await;
    assert_lines_user(&app, &[b"theme=dark", second.as_bytes()], FOO).await;
    let remember = format!("remember_token={r}");
    assert_lines_user(&app, &[b"remember_token=junk", remember.as_bytes()], FOO).await;

    // The process still works.
    Client::new(&app).login_ok(FOO).await;
}

// ---------------------------------------------------------------------------------------
// Cross-site POSTs (R34)
// ---------------------------------------------------------------------------------------

const CROSS_SITE: &[&[(&str, &str)]] = &[
    &[("origin", "https://evil.com")],
    &[("origin", "null")],
    &[("sec-fetch-site", "cross-site")],
    &[("sec-fetch-site", "same-site")],
    &[("origin", "http://demo.test:8080")],
    &[("origin", "http://demo.test.evil.com")],
    &[
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://demo.test"),
    ],
    &[
        ("sec-fetch-site", "same-site"),
        ("origin", "http://demo.test"),
    ],
];

const SAME_ORIGIN: &[&[(&str, &str)]] = &[
    &[("sec-fetch-site", "same-origin")],
    &[("sec-fetch-site", "none")],
    &[("origin", "http://demo.test")],
    &[
        ("sec-fetch-site", "same-origin"),
        ("origin", "http://demo.test"),
    ],
];

#[tokio::test]
async fn cross_site_login_is_refused() {
    let app = app().await;
    let body = format!("{}&remember=on", login_body(FOO, PASSWORD));
    for headers in CROSS_SITE {
        let mut client = Client::new(&app);
        let reply = client.post_form_with("/login", &body, headers).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
        client.assert_anonymous().await;
    }
    for headers in SAME_ORIGIN {
        let mut client = Client::new(&app);
        client
            .post_form_with("/login", &body, headers)
            .await
            .assert_redirect("/protected");
        client.assert_user(FOO).await;
    }
}

#[tokio::test]
async fn cross_site_reauth_is_refused() {
    let app = app().await;
    let mut client = Client::non_fresh(&app, FOO).await;
    for headers in CROSS_SITE {
        let reply = client.post_form_with("/reauth", "pw=secret", headers).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
        client
            .get("/settings")
            .await
            .assert_redirect("/reauth?next=%2Fsettings");
    }
    for headers in SAME_ORIGIN {
        let mut client = Client::non_fresh(&app, FOO).await;
        client
            .post_form_with("/reauth", "pw=secret", headers)
            .await
            .assert_redirect("/settings");
        client
            .get("/settings")
            .await
            .assert_ok("Settings for foo@bar.tld");
    }
}

#[tokio::test]
async fn cross_site_password_change_is_refused() {
    let app = app().await;
    let mut a = Client::new(&app);
    a.login_ok(FOO).await;
    let mut b = Client::new(&app);
    b.login_ok(FOO).await;
    for headers in CROSS_SITE {
        let reply = a
            .post_form_with("/password", "new_pw=hacked", headers)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{headers:?}: {reply:?}"
        );
        reply.assert_no_cookies();
    }
    // Nothing changed: B is still in, the old password still works.
    b.assert_user(FOO).await;
    Client::new(&app).login_ok(FOO).await;
    let reply = Client::new(&app).login(FOO, "hacked").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let mut pw = PASSWORD.to_owned();
    for (i, headers) in SAME_ORIGIN.iter().enumerate() {
        let new_pw = format!("pw-{i}");
        a.post_form_with("/password", &format!("new_pw={new_pw}"), headers)
            .await
            .assert_ok("Password changed");
        a.assert_user(FOO).await;
        pw = new_pw;
    }
    b.assert_anonymous().await;
    Client::new(&app)
        .login(FOO, &pw)
        .await
        .assert_redirect("/protected");
}

// ---------------------------------------------------------------------------------------
// Over TCP
// ---------------------------------------------------------------------------------------

async fn serve(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server");
    });
    (base, server)
}

fn http_client(follow_redirects: bool) -> reqwest::Client {
    let policy = if follow_redirects {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(policy)
        .build()
        .expect("client")
}

/// Status, headers and body of a reqwest response, with the same checks as in-process.
async fn read_http(res: reqwest::Response) -> Reply {
    let reply = Reply {
        status: res.status(),
        headers: res.headers().clone(),
        body: res.text().await.expect("body"),
    };
    assert!(!reply.status.is_server_error(), "{reply:?}");
    let _ = reply.set_cookies();
    reply
}

#[tokio::test]
async fn over_tcp_with_reqwest() {
    let (base, server) = serve(app().await).await;
    let client = http_client(false);
    let get = |path: &str| client.get(format!("{base}{path}")).send();

    let reply = read_http(get("/protected?x=1").await.expect("GET")).await;
    reply.assert_redirect("/login?next=%2Fprotected%3Fx%3D1");
    let page = read_http(get("/login?next=%2Fprotected%3Fx%3D1").await.expect("GET")).await;
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 1, "{page:?}");
    let next = hidden_next(&page.body).expect("hidden next");
    assert_eq!(next, "/protected?x=1");
    let page = read_http(get("/login").await.expect("GET")).await;
    assert_eq!(count(&page.body, LOGIN_MESSAGE), 0, "{page:?}");

    // A cross-site POST is refused; a same-origin one (as a browser sends it) logs in.
    let body = format!(
        "{}&remember=on&next={}",
        login_body(FOO, PASSWORD),
        enc(&next)
    );
    let post = |origin: &str| {
        client
            .post(format!("{base}/login"))
            .header(CONTENT_TYPE, FORM)
            .header("origin", origin)
            .body(body.clone())
            .send()
    };
    let reply = read_http(post("https://evil.com").await.expect("POST")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    reply.assert_no_cookies();
    let reply = read_http(post(&base).await.expect("POST")).await;
    reply.assert_redirect("/protected?x=1");
    assert_cookie_attrs(&reply.cookie("session").expect("session"), false, None);
    assert_cookie_attrs(
        &reply.cookie("remember_token").expect("remember"),
        false,
        Some(YEAR),
    );

    read_http(get("/protected?x=1").await.expect("GET"))
        .await
        .assert_ok("Logged in as: foo@bar.tld");
    read_http(get("/settings").await.expect("GET"))
        .await
        .assert_ok("Settings for foo@bar.tld");
    read_http(get("/admin").await.expect("GET"))
        .await
        .assert_ok("Admin: foo@bar.tld");
    read_http(get("/api/me").await.expect("GET"))
        .await
        .assert_json_email(FOO);

    let reply = read_http(get("/logout").await.expect("GET")).await;
    reply.assert_ok("Logged out");
    assert!(reply.cookie("session").is_some_and(|c| c.is_removal()));
    assert!(
        reply
            .cookie("remember_token")
            .is_some_and(|c| c.is_removal())
    );
    read_http(get("/protected").await.expect("GET"))
        .await
        .assert_redirect(TO_LOGIN);

    // A client that follows the 303 lands on the page, carrying the new cookie.
    let follower = http_client(true);
    let res = follower
        .post(format!("{base}/login"))
        .header(CONTENT_TYPE, FORM)
        .body(login_body(BAR, PASSWORD))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.url().path(), "/protected");
    read_http(res).await.assert_ok("Logged in as: bar@bar.tld");

    // Bearer tokens: no cookie.
    let res = reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("authorization", "Bearer bar-token")
        .send()
        .await
        .expect("GET");
    let reply = read_http(res).await;
    reply.assert_json_email(BAR);
    reply.assert_no_cookies();
    let res = reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("authorization", "Bearer wrong")
        .header("accept", "application/json")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_never_see_each_other() {
    let (base, server) = serve(app().await).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                let (email, token) = if i % 2 == 0 {
                    (FOO, "bar-token")
                } else {
                    (BAR, "foo-token")
                };
                let client = http_client(false);
                let res = client
                    .post(format!("{base}/login"))
                    .header(CONTENT_TYPE, FORM)
                    .body(login_body(email, PASSWORD))
                    .send()
                    .await
                    .expect("POST");
                read_http(res).await.assert_redirect("/protected");
                for _ in 0..5 {
                    let res = client
                        .get(format!("{base}/protected"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res)
                        .await
                        .assert_ok(&format!("Logged in as: {email}"));
                    let res = client
                        .get(format!("{base}/api/me"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res).await.assert_json_email(email);
                    // Another user's token beside this client's session: the session wins.
                    let res = client
                        .get(format!("{base}/api/me"))
                        .header("authorization", format!("Bearer {token}"))
                        .send()
                        .await
                        .expect("GET");
                    read_http(res).await.assert_json_email(email);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client task");
    }
    server.abort();
}

// ---------------------------------------------------------------------------------------
// Regression tests for discrepancies found by this file, fixed since.
// ---------------------------------------------------------------------------------------

/// Sends `n` requests through the jar, checking every response (no 5xx, every
/// `Set-Cookie` < 4096 bytes) as everywhere else.
async fn repeat_get(client: &mut Client, path: &str, n: usize) {
    for _ in 0..n {
        client.get(path).await;
    }
}

#[tokio::test]
async fn repeated_redirects_never_overflow_the_session_cookie() {
    let app = app().await;
    // A client that never renders /login (a HEAD checker, a script, a prefetcher).
    let mut anonymous = Client::new(&app);
    repeat_get(&mut anonymous, "/protected", 100).await;
    anonymous.assert_anonymous().await;
    // A logged-in, non-fresh user who keeps opening /settings without re-authenticating.
    let mut non_fresh = Client::non_fresh(&app, FOO).await;
    repeat_get(&mut non_fresh, "/settings", 100).await;
    non_fresh.assert_user(FOO).await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_any_login_work() {
    let app = app().await;
    let mut remembered = Client::new(&app);
    remembered.login_remembered(FOO).await;
    for headers in CROSS_SITE {
        for (path, body) in [("/reauth", "pw=secret"), ("/password", "new_pw=hacked")] {
            // Anonymous.
            let reply = Client::new(&app).post_form_with(path, body, headers).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path} {headers:?}: {reply:?}"
            );
            reply.assert_no_cookies();
            // Holding only a remember cookie: no session may be restored by the refusal.
            let reply = remembered
                .remember_only()
                .post_form_with(path, body, headers)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path} {headers:?}: {reply:?}"
            );
            reply.assert_no_cookies();
        }
    }
}

#[tokio::test]
async fn session_lifetime_caps_even_active_sessions() {
    let mut config = config();
    config.session_lifetime = Some(Duration::from_secs(2));
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    client.login_ok(FOO).await;
    let started = std::time::Instant::now();
    // Active every 0.7 s, so a sliding lifetime never runs out.
    while started.elapsed() < Duration::from_millis(3500) {
        tokio::time::sleep(Duration::from_millis(700)).await;
        client.get("/protected").await;
    }
    client.assert_anonymous().await;
}

#[tokio::test]
async fn session_lifetime_applies_to_every_login() {
    let mut config = config();
    config.session_lifetime = Some(Duration::from_secs(60));
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let reply = client.login_remembered(FOO).await;
    assert_cookie_attrs(&reply.cookie("session").expect("session"), false, Some(60));
    let mut restored = client.remember_only();
    let reply = restored.get("/protected").await;
    assert_cookie_attrs(&reply.cookie("session").expect("session"), false, Some(60));
    let reply = restored.post_form("/reauth", "pw=secret").await;
    assert_cookie_attrs(&reply.cookie("session").expect("session"), false, Some(60));
}

#[tokio::test]
async fn repeated_parameters_are_tolerated() {
    let app = app().await;
    let reply = Client::new(&app).get("/login?next=%2Fa&next=%2Fb").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let body = format!("{}&next=%2Fa&next=%2Fb", login_body(FOO, PASSWORD));
    let reply = Client::new(&app).post_form("/login", &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{reply:?}");
}

#[tokio::test]
async fn accept_quality_parameter_is_case_insensitive() {
    let app = app().await;
    let reply = Client::new(&app)
        .get_with(
            "/protected",
            &[("accept", "application/json, text/html;Q=0")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
}

// ---------------------------------------------------------------------------------------
// SESSION_STORE: with a server-side store, logout makes a saved cookie useless (R21).
// ---------------------------------------------------------------------------------------

async fn store_mode_logout_revokes_the_cookie(store: demo::StoreChoice) {
    let mut config = config();
    config.store = store;
    let app = app_with(config).await;
    let mut client = Client::new(&app);
    let login = client.login_ok("foo@bar.tld").await;
    let cookie = login.cookie("session").expect("a session cookie");
    // The cookie is a signed id, not the session: no user id or data in it.
    assert!(cookie.value.len() < 90, "{}", cookie.value);
    client.assert_user("foo@bar.tld").await;
    let saved = client.value("session").expect("the session cookie");
    client.get("/logout").await.assert_ok("Logged out");
    client.assert_anonymous().await;
    // The saved cookie replayed: anonymous, because the record is gone.
    let mut replay = Client::with_cookies(&app, &[("session", &saved)]);
    replay.assert_anonymous().await;
    // The remember cookie too: logout deletes its token (R21).
    let mut remembered = Client::new(&app);
    remembered.login_remembered("foo@bar.tld").await;
    let saved_remember = remembered
        .value("remember_token")
        .expect("a remember cookie");
    remembered.remember_only().assert_user("foo@bar.tld").await;
    remembered.get("/logout").await.assert_ok("Logged out");
    Client::with_cookies(&app, &[("remember_token", &saved_remember)])
        .assert_anonymous()
        .await;
    // Password change still ends the other sessions in store mode.
    let mut a = Client::new(&app);
    let mut b = Client::new(&app);
    a.login_ok("bar@bar.tld").await;
    b.login_ok("bar@bar.tld").await;
    a.post_form("/password", "new_pw=changed")
        .await
        .assert_ok("Password changed");
    a.assert_user("bar@bar.tld").await;
    b.assert_anonymous().await;
}

#[tokio::test]
async fn memory_store_logout_revokes_the_cookie() {
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Memory).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_store_logout_revokes_the_cookie() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:6379, \
         or run the tests without --features redis",
    );
    store_mode_logout_revokes_the_cookie(demo::StoreChoice::Redis(url)).await;
}

// ---------------------------------------------------------------------------------------
// R33: unknown user, wrong password and inactive user cost the same work.
// ---------------------------------------------------------------------------------------

/// Deterministic instead of timed (timings belong in benchmarks): every failed login runs
/// exactly one argon2id verification, whether or not the user exists or is active, and
/// answers the same status and body.
#[tokio::test]
async fn every_login_attempt_costs_one_password_verification() {
    let db = Db::in_memory().await.expect("the demo database");
    let app = demo::app(config(), db.clone()).expect("the demo settings are valid");
    let mut bodies = Vec::new();
    for (email, pw) in [
        ("nobody@bar.tld", "secret"),
        ("foo@bar.tld", "wrong"),
        ("inactive@bar.tld", "secret"),
        ("foo@bar.tld", "secret"),
    ] {
        let before = db.verifications();
        let reply = Client::new(&app).login(email, pw).await;
        assert_eq!(db.verifications() - before, 1, "{email}/{pw}");
        bodies.push((reply.status, reply.body));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "unknown user and wrong password look alike"
    );
    assert_eq!(
        bodies[0], bodies[2],
        "inactive user and wrong password look alike"
    );
    assert_eq!(bodies[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(bodies[3].0, StatusCode::SEE_OTHER);
}

// ---------------------------------------------------------------------------------------
// R35: no cookie value or password ever reaches the logs.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_cookie_values_or_passwords() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app().await;
    let mut seen = Vec::new();
    let mut client = Client::new(&app);
    let body = format!("{}&remember=on", login_body("foo@bar.tld", "secret"));
    client.post_form("/login", &body).await;
    seen.extend(client.value("session"));
    seen.extend(client.value("remember_token"));
    client.get("/protected").await;
    client.get("/settings").await;
    client.post_form("/password", "new_pw=hunter2-new").await;
    seen.extend(client.value("session"));
    client.get("/logout").await;
    // Failures and bad cookies are logged too; none may echo what was sent.
    Client::new(&app).login("foo@bar.tld", "wrong-pw-123").await;
    let tampered = format!("{}x", seen[0]);
    Client::with_cookies(
        &app,
        &[("session", &tampered), ("remember_token", "junk-remember")],
    )
    .get("/protected")
    .await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        !text.is_empty(),
        "the subscriber captured the library's events"
    );
    for secret in seen.iter().map(String::as_str).chain([
        tampered.as_str(),
        "junk-remember",
        "secret",
        "wrong-pw-123",
        "hunter2-new",
    ]) {
        // Long values: any 20-byte window of them is enough to leak.
        let probe = &secret[..secret.len().min(20)];
        assert!(!text.contains(probe), "the logs contain {probe:?}");
    }
}
