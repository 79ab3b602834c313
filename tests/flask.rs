//! Flask interoperability, end to end: a real Flask + Flask-Login app
//! (`tests/flask/app.py`, in a Python with `tests/flask/requirements.txt`) and an axum
//! app in Flask mode share logins, sessions, flashes and remember cookies both ways,
//! over real HTTP, cookies carried by hand from one server to the other.
//!
//! Needs `FLASK_PYTHON`, the path of that Python (`.ci/run` makes the virtualenv):
//!
//! ```text
//! python3 -m venv /tmp/flaskvenv && /tmp/flaskvenv/bin/pip install -r tests/flask/requirements.txt
//! FLASK_PYTHON=/tmp/flaskvenv/bin/python cargo test -p axum-sesame-examples --features flask --test flask
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use axum::extract::{Form, Query};
use axum::routing;
use axum::{Json, Router};
use axum_sesame::flask::FlaskSigner;
use axum_sesame::{
    Auth, AuthUser, CurrentUser, LoginManager, Session, login_required, user_loader,
};
use reqwest::header::{COOKIE, SET_COOKIE, USER_AGENT};
use serde::Deserialize;
use serde_json::Value;

const FOO: &str = "foo@bar.tld";
/// A user id Werkzeug quotes in a cookie (R44): it must not become cookie attributes.
const ODD: &str = "o\"neil; x, é@bar.tld";
const KEY: &str = "flask interop test key";
const OLD_KEY: &str = "the previous flask key";
const UA: &str = "interop-test/1";

// ---------------------------------------------------------------- the axum app

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    ["foo@bar.tld", "bar@bar.tld", ODD]
        .contains(&id.as_str())
        .then_some(User { id })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.id)
}

async fn whoami(user: Option<CurrentUser<User>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.id.clone())
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    remember: Option<String>,
}

async fn login(auth: Auth<User>, Form(f): Form<LoginForm>) -> String {
    let user = User { id: f.email };
    match auth
        .login_user(&user)
        .remember(f.remember.as_deref() == Some("1"))
        .await
    {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("error: {e}"),
    }
}

/// `login_fresh()` after `current_user` is loaded (which runs session protection).
async fn fresh(_user: CurrentUser<User>, auth: Auth<User>) -> &'static str {
    if auth.is_fresh() {
        "fresh"
    } else {
        "not fresh"
    }
}

async fn logout(auth: Auth<User>) -> &'static str {
    auth.logout_user();
    "ok"
}

#[derive(Deserialize)]
struct Entry {
    key: String,
    value: Option<String>,
}

async fn get_value(session: Session, Query(q): Query<Entry>) -> Json<Value> {
    Json(session.get::<Value>(&q.key).unwrap_or(Value::Null))
}

async fn set_value(session: Session, Query(q): Query<Entry>) -> &'static str {
    session
        .insert(&q.key, q.value.unwrap_or_default())
        .expect("a string serializes");
    "ok"
}

#[derive(Deserialize)]
struct Msg {
    msg: String,
}

async fn add_flash(session: Session, Query(m): Query<Msg>) -> &'static str {
    session.flash(m.msg);
    "ok"
}

async fn flashes(session: Session) -> Json<Vec<(String, String)>> {
    Json(
        session
            .take_flashes()
            .into_iter()
            .map(|f| (f.category, f.message))
            .collect(),
    )
}

/// Serves the axum app in Flask mode on a free port, with the peer address recorded (as
/// Flask's `remote_addr`), and returns its base URL.
async fn axum_app(signer: FlaskSigner) -> String {
    let manager = LoginManager::flask(signer).with_login_view("/login");
    let app = Router::new()
        .route("/protected", routing::get(protected))
        .route("/whoami", routing::get(whoami))
        .route("/fresh", routing::get(fresh))
        .route("/login", routing::post(login))
        .route("/logout", routing::post(logout))
        .route("/session", routing::get(get_value).post(set_value))
        .route("/flash", routing::post(add_flash))
        .route("/flashes", routing::get(flashes))
        .layer(manager.build().expect("valid settings"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------- the Flask app

/// A running `tests/flask/app.py`, killed on drop.
struct Flask {
    child: Child,
    url: String,
}

/// The Python with Flask, Flask-Login and Werkzeug (`FLASK_PYTHON`).
fn python() -> String {
    std::env::var("FLASK_PYTHON").unwrap_or_else(|_| {
        panic!(
            "FLASK_PYTHON is not set: it must name a Python with Flask and Flask-Login, e.g.\n\
             python3 -m venv /tmp/flaskvenv && /tmp/flaskvenv/bin/pip install -r tests/flask/requirements.txt\n\
             FLASK_PYTHON=/tmp/flaskvenv/bin/python cargo test -p axum-sesame-examples --features flask --test flask"
        )
    })
}

/// Runs `code` in that Python with `args` as `sys.argv[1:]`; its stdout.
fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("run FLASK_PYTHON");
    assert!(out.status.success(), "python failed: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

impl Flask {
    fn start(key: &str, fallbacks: &[&str]) -> Flask {
        let python = python();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flask/app.py");
        let mut child = Command::new(&python)
            .arg(script)
            .env("FLASK_SECRET_KEY", key)
            .env("FLASK_SECRET_KEY_FALLBACKS", fallbacks.join(","))
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the Flask app's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the Flask app did not start: {line:?}"))
            .to_owned();
        Flask { child, url }
    }
}

impl Drop for Flask {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- HTTP by hand

/// A browser's cookie jar for one site, filled from any server's `Set-Cookie`.
#[derive(Default, Clone)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().expect("ASCII Set-Cookie");
            let pair = v.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("name=value");
            let expired = v.to_ascii_lowercase().contains("max-age=0")
                || v.contains("Expires=Thu, 01 Jan 1970")
                || value.is_empty();
            if expired {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn only(&self, name: &str) -> Jar {
        Jar(self
            .0
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn get(url: &str, jar: &mut Jar) -> (u16, String) {
    let res = client()
        .get(url)
        .header(USER_AGENT, UA)
        .header(COOKIE, jar.header())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    jar.take(&res);
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn post(url: &str, form: &[(&str, &str)], jar: &mut Jar) -> (u16, String) {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('@', "%40")))
        .collect::<Vec<_>>()
        .join("&");
    let res = client()
        .post(url)
        .header(USER_AGENT, UA)
        .header(COOKIE, jar.header())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    jar.take(&res);
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

fn signer() -> FlaskSigner {
    FlaskSigner::from_text(KEY)
}

// ---------------------------------------------------------------- the tests

#[tokio::test]
async fn a_flask_login_is_recognised_by_axum_and_back() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();
    assert_eq!(
        post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await,
        (200, "ok".into())
    );
    assert!(
        jar.0.contains_key("session"),
        "Flask set its session cookie"
    );
    assert_eq!(
        get(&format!("{axum}/protected"), &mut jar).await,
        (200, format!("Logged in as: {FOO}"))
    );
    // The same client as Flask saw: axum computes the same `_id`, so session protection
    // leaves the login fresh...
    assert_eq!(
        get(&format!("{axum}/fresh"), &mut jar.clone()).await,
        (200, "fresh".into())
    );
    // ...and another User-Agent with the same cookie is not the same client.
    let res = client()
        .get(format!("{axum}/fresh"))
        .header(USER_AGENT, "someone else")
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("GET /fresh");
    assert_eq!(res.text().await.expect("body"), "not fresh");
    // Whatever axum wrote (if anything), Flask still reads it.
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, FOO.into())
    );
    // A logout on axum is a logout on Flask.
    assert_eq!(post(&format!("{axum}/logout"), &[], &mut jar).await.0, 200);
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, "anonymous".into())
    );
    let (status, _) = get(&format!("{axum}/protected"), &mut Jar::default()).await;
    assert_eq!(
        status, 303,
        "anonymous on axum is redirected to the login view"
    );
}

#[tokio::test]
async fn an_axum_login_is_recognised_by_flask_and_back() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();
    assert_eq!(
        post(&format!("{axum}/login"), &[("email", FOO)], &mut jar).await,
        (200, "ok".into())
    );
    assert_eq!(
        get(&format!("{}/protected", flask.url), &mut jar).await,
        (200, format!("Logged in as: {FOO}"))
    );
    // Flask-Login wrote nothing that axum cannot read: still logged in there.
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, FOO.into())
    );
    // A logout on Flask is a logout on axum.
    assert_eq!(
        post(&format!("{}/logout", flask.url), &[], &mut jar)
            .await
            .0,
        200
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, "anonymous".into())
    );
}

#[tokio::test]
async fn remember_cookies_work_both_ways() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;

    // Flask's remember cookie alone logs in on axum, which writes a session Flask reads.
    let mut jar = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    assert!(!remembered.0.is_empty(), "Flask set remember_token");
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut remembered).await,
        (200, FOO.into())
    );
    assert!(
        remembered.0.contains_key("session"),
        "axum restored a session"
    );
    let mut session_only = remembered.only("session");
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut session_only).await,
        (200, FOO.into())
    );

    // axum's remember cookie alone logs in on Flask.
    let mut jar = Jar::default();
    post(
        &format!("{axum}/login"),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    assert!(!remembered.0.is_empty(), "axum set remember_token");
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut remembered).await,
        (200, FOO.into())
    );

    // A forged remember cookie is nobody on either side.
    let mut forged = Jar::default();
    forged.0.insert(
        "remember_token".into(),
        format!("{FOO}|{}", "0".repeat(128)),
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut forged.clone()).await,
        (200, "anonymous".into())
    );
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut forged).await,
        (200, "anonymous".into())
    );
}

/// R44: an id that Werkzeug quotes (`;`, `,`, a space, a quote, non-ASCII) goes out as
/// the very value Flask writes, and crosses both ways.
#[tokio::test]
async fn remember_cookies_with_quoted_ids_cross_both_ways() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut from_flask = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", ODD), ("remember", "1")],
        &mut from_flask,
    )
    .await;
    let mut from_axum = Jar::default();
    post(
        &format!("{axum}/login"),
        &[("email", ODD), ("remember", "1")],
        &mut from_axum,
    )
    .await;
    let (flask_value, axum_value) = (
        from_flask.only("remember_token"),
        from_axum.only("remember_token"),
    );
    assert!(!flask_value.0.is_empty() && !axum_value.0.is_empty());
    assert_eq!(axum_value.0, flask_value.0, "the same bytes as Werkzeug");
    assert!(axum_value.0["remember_token"].starts_with('"'));
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut axum_value.clone()).await,
        (200, ODD.into())
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut flask_value.clone()).await,
        (200, ODD.into())
    );
}

/// Werkzeug's password hashes check here, and ours check in Werkzeug: the login route can
/// move to axum against the same users table (issue 18, item 8).
#[test]
fn werkzeug_password_hashes_check_both_ways() {
    use axum_sesame::flask::{check_password_hash, generate_password_hash};
    let password = "pässword; \"quoted\"";
    let hashes = run_python(
        "import sys\n\
         from werkzeug.security import generate_password_hash as g\n\
         for m in ['scrypt', 'scrypt:16384:8:1', 'pbkdf2:sha256:20000', 'pbkdf2:sha512:5000', 'pbkdf2:sha1:5000']:\n\
         \x20   print(g(sys.argv[1], method=m))",
        &[password],
    );
    let hashes: Vec<&str> = hashes.lines().collect();
    assert_eq!(hashes.len(), 5);
    for hash in hashes {
        assert_eq!(check_password_hash(hash, password), Ok(true), "{hash}");
        assert_eq!(check_password_hash(hash, "password"), Ok(false), "{hash}");
    }
    let ours = generate_password_hash(password).expect("hash");
    let verdicts = run_python(
        "import sys\n\
         from werkzeug.security import check_password_hash as c\n\
         print(c(sys.argv[1], sys.argv[2]), c(sys.argv[1], 'password'))",
        &[&ours, password],
    );
    assert_eq!(verdicts.trim(), "True False", "{ours}");
}

/// Flask-WTF's CSRF tokens cross both ways: a token Flask-WTF signed for a session's raw
/// token validates here, and one signed here validates in Flask-WTF (issue 18, item 8).
#[test]
fn flask_wtf_csrf_tokens_cross_both_ways() {
    let signer = signer();
    let raw = "0123456789abcdef0123456789abcdef01234567";
    let code = "import sys\n\
        from flask import Flask, session\n\
        from flask_wtf.csrf import generate_csrf, validate_csrf\n\
        app = Flask(__name__)\n\
        app.config['SECRET_KEY'] = sys.argv[1]\n\
        with app.test_request_context():\n\
        \x20   session['csrf_token'] = sys.argv[2]\n\
        \x20   if sys.argv[3] == 'make':\n\
        \x20       print(generate_csrf())\n\
        \x20   else:\n\
        \x20       try:\n\
        \x20           validate_csrf(sys.argv[3])\n\
        \x20           print('valid')\n\
        \x20       except Exception as e:\n\
        \x20           print(e)";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let from_flask = run_python(code, &[KEY, raw, "make"]);
    let from_flask = from_flask.trim();
    assert_eq!(
        signer.decode_csrf_token(from_flask.as_bytes(), now + 1, 3600),
        Ok(raw.to_owned())
    );
    let ours = signer.encode_csrf_token(raw, now);
    assert_eq!(run_python(code, &[KEY, raw, &ours]).trim(), "valid");
    // Another session's raw token, or another key: refused on the Flask side too.
    let other = "f".repeat(40);
    assert_eq!(
        run_python(code, &[KEY, &other, &ours]).trim(),
        "The CSRF tokens do not match."
    );
    let foreign = FlaskSigner::from_text("another key").encode_csrf_token(raw, now);
    assert_eq!(
        run_python(code, &[KEY, raw, &foreign]).trim(),
        "The CSRF token is invalid."
    );
    assert!(
        signer
            .decode_csrf_token(foreign.as_bytes(), now, 3600)
            .is_err()
    );
    let old = signer.encode_csrf_token(raw, now - 7200);
    assert_eq!(
        signer.decode_csrf_token(old.as_bytes(), now, 3600),
        Err(axum_sesame::flask::DecodeError::Expired)
    );
}

/// R47: an instance with another key cannot read Flask's cookies, and must not destroy
/// them: no `Set-Cookie` at all (not even the login flash's), and Flask still sees the
/// login.
#[tokio::test]
async fn an_instance_with_another_key_leaves_flask_cookies_alone() {
    let flask = Flask::start(KEY, &[]);
    let wrong = axum_app(FlaskSigner::from_text("not the flask key")).await;
    let mut jar = Jar::default();
    post(
        &format!("{}/login", flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    assert!(jar.0.contains_key("session") && jar.0.contains_key("remember_token"));
    for path in ["/protected", "/whoami", "/fresh"] {
        let res = client()
            .get(format!("{wrong}{path}"))
            .header(COOKIE, jar.header())
            .header(USER_AGENT, UA)
            .send()
            .await
            .expect("a response");
        assert!(
            res.headers().get_all(SET_COOKIE).iter().next().is_none(),
            "{path}: {:?}",
            res.headers()
        );
    }
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, FOO.into())
    );
}

/// Flask-Login's `logout_user` removes its own keys only: a value in the session (a cart)
/// survives a logout on axum routes as it does on Flask routes.
#[tokio::test]
async fn logout_keeps_the_rest_of_the_flask_session() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;
    for logout_on in [flask.url.clone(), axum.clone()] {
        let mut jar = Jar::default();
        post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await;
        post(
            &format!("{}/session?key=cart&value=apples", flask.url),
            &[],
            &mut jar,
        )
        .await;
        post(&format!("{logout_on}/logout"), &[], &mut jar).await;
        assert_eq!(
            get(&format!("{}/whoami", flask.url), &mut jar).await,
            (200, "anonymous".into()),
            "{logout_on}"
        );
        let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
        let seen: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(seen["cart"], "'apples'", "logout on {logout_on}: {seen}");
        assert!(seen.get("_user_id").is_none(), "{seen}");
    }
}

#[tokio::test]
async fn session_data_and_flashes_cross_over() {
    let flask = Flask::start(KEY, &[]);
    let axum = axum_app(signer()).await;
    let mut jar = Jar::default();

    // axum -> Flask: a value and a flash.
    post(
        &format!("{axum}/session?key=colour&value=blue"),
        &[],
        &mut jar,
    )
    .await;
    post(&format!("{axum}/flash?msg=from%20axum"), &[], &mut jar).await;
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["colour"], "'blue'");
    let (_, body) = get(&format!("{}/flashes", flask.url), &mut jar).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        serde_json::json!([["message", "from axum"]])
    );

    // Flask -> axum: a value, a flash, and a session big enough to be compressed.
    post(
        &format!("{}/session?key=shape&value=round", flask.url),
        &[],
        &mut jar,
    )
    .await;
    post(
        &format!("{}/flash?msg=from%20flask", flask.url),
        &[],
        &mut jar,
    )
    .await;
    post(&format!("{}/big", flask.url), &[], &mut jar).await;
    assert!(
        jar.0["session"].starts_with('.'),
        "Flask compressed the session: {}",
        &jar.0["session"][..20]
    );
    let (_, body) = get(&format!("{axum}/session?key=shape"), &mut jar).await;
    assert_eq!(body, "\"round\"");
    let (_, body) = get(&format!("{axum}/session?key=big"), &mut jar).await;
    assert_eq!(body, format!("\"{}\"", "x".repeat(3000)));
    let (_, body) = get(&format!("{axum}/flashes"), &mut jar).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        serde_json::json!([["message", "from flask"]])
    );
}

#[tokio::test]
async fn fallback_keys_are_honoured_and_rotated_away() {
    // Flask before the key change signs with the old key.
    let old_flask = Flask::start(OLD_KEY, &[]);
    // After it: the new key, the old one as a fallback, on both sides.
    let new_flask = Flask::start(KEY, &[OLD_KEY]);
    let axum = axum_app(signer().with_fallback_text(OLD_KEY)).await;
    let axum_without_fallback = axum_app(signer()).await;

    let mut jar = Jar::default();
    post(
        &format!("{}/login", old_flask.url),
        &[("email", FOO)],
        &mut jar,
    )
    .await;
    let old_cookie = jar.clone();
    assert_eq!(
        get(
            &format!("{axum_without_fallback}/whoami"),
            &mut old_cookie.clone()
        )
        .await,
        (200, "anonymous".into()),
        "without the fallback the old cookie is nobody's"
    );
    // axum accepts it through the fallback and re-signs it under the new key...
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut jar).await,
        (200, FOO.into())
    );
    assert_ne!(jar.0["session"], old_cookie.0["session"], "re-issued");
    // ...which Flask with the new key, and axum without the fallback, both accept.
    assert_eq!(
        get(&format!("{}/whoami", new_flask.url), &mut jar.clone()).await,
        (200, FOO.into())
    );
    assert_eq!(
        get(&format!("{axum_without_fallback}/whoami"), &mut jar).await,
        (200, FOO.into())
    );

    // A remember cookie under the old key: Flask-Login checks only SECRET_KEY, so axum
    // re-issues it under the new one when it restores the login through the fallback.
    let mut jar = Jar::default();
    post(
        &format!("{}/login", old_flask.url),
        &[("email", FOO), ("remember", "1")],
        &mut jar,
    )
    .await;
    let mut remembered = jar.only("remember_token");
    let old_token = remembered.0["remember_token"].clone();
    assert_eq!(
        get(
            &format!("{}/whoami", new_flask.url),
            &mut remembered.clone()
        )
        .await,
        (200, "anonymous".into()),
        "Flask-Login never reads a remember cookie under a fallback key"
    );
    assert_eq!(
        get(&format!("{axum}/whoami"), &mut remembered).await,
        (200, FOO.into())
    );
    assert_ne!(remembered.0["remember_token"], old_token, "re-issued");
    let mut renewed = remembered.only("remember_token");
    assert_eq!(
        get(&format!("{}/whoami", new_flask.url), &mut renewed).await,
        (200, FOO.into())
    );
}

// ---------------------------------------------------------------- examples/flask_migration.rs

/// The `flask_migration` example next to this test's binary, built once (`cargo test`
/// builds examples, `cargo test --test flask` does not).
fn migration_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--features",
            "flask",
            "--example",
            "flask_migration",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo to build the example");
    assert!(
        status.success(),
        "`cargo build --example flask_migration` failed"
    );
    profile_dir.join("examples").join("flask_migration")
}

/// The running example, killed on drop.
struct Migration {
    child: Child,
    url: String,
}

impl Drop for Migration {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Migration {
    fn start(flask: &Flask) -> Migration {
        let mut child = Command::new(migration_binary())
            .env("SECRET_KEY", KEY)
            .env("PORT", "0")
            .env("FLASK_LOGIN_URL", format!("{}/login", flask.url))
            .env_remove("PUBLIC_ORIGIN")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the flask_migration example");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("its first line");
        let url = line
            .trim()
            .strip_prefix("flask_migration listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Migration { child, url }
    }
}

/// The value of the hidden `csrf_token` input of a page.
fn csrf_input(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a csrf_token input") + marker.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end].to_owned()
}

/// The example beside its Flask twin (issue 18, item 9): Flask keeps /login, the moved
/// routes share its login, session, CSRF tokens and logout.
#[tokio::test]
async fn the_migration_example_works_beside_its_flask_twin() {
    let flask = Flask::start(KEY, &[]);
    let moved = Migration::start(&flask);
    let mut jar = Jar::default();

    // Anonymous: sent to Flask's login page, with an absolute `next` back here.
    let res = client()
        .get(format!("{}/dashboard", moved.url))
        .header(USER_AGENT, UA)
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status().as_u16(), 303);
    let next: String = url_encode(&format!("{}/dashboard", moved.url));
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("{}/login?next={next}", flask.url)
    );

    // Logged in on Flask: the moved route knows the user.
    post(&format!("{}/login", flask.url), &[("email", FOO)], &mut jar).await;
    assert_eq!(
        get(&format!("{}/dashboard", moved.url), &mut jar).await,
        (200, format!("Dashboard of {FOO}"))
    );

    // The cart form here, with its Flask-WTF token; Flask sees the item.
    let (status, page) = get(&format!("{}/cart", moved.url), &mut jar).await;
    assert_eq!(status, 200, "{page}");
    let token = csrf_input(&page);
    let (status, _) = post(
        &format!("{}/cart", moved.url),
        &[("item", "apple"), ("csrf_token", &token)],
        &mut jar,
    )
    .await;
    assert_eq!(status, 303);
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["cart"], "['apple']", "{seen}");

    // A token from a page Flask rendered is accepted here too; a forged one is not.
    let (_, flask_token) = get(&format!("{}/csrf", flask.url), &mut jar).await;
    let (status, _) = post(
        &format!("{}/cart", moved.url),
        &[("item", "pear"), ("csrf_token", &flask_token)],
        &mut jar,
    )
    .await;
    assert_eq!(status, 303);
    let (status, body) = post(
        &format!("{}/cart", moved.url),
        &[("item", "plum"), ("csrf_token", "forged")],
        &mut jar,
    )
    .await;
    assert_eq!((status, body.as_str()), (400, "The CSRF token is invalid."));

    // Logout here: logged out on Flask too, the cart kept (Flask-Login's logout).
    post(&format!("{}/logout", moved.url), &[], &mut jar).await;
    assert_eq!(
        get(&format!("{}/whoami", flask.url), &mut jar).await,
        (200, "anonymous".into())
    );
    let (_, body) = get(&format!("{}/session", flask.url), &mut jar).await;
    let seen: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(seen["cart"], "['apple', 'pear']", "{seen}");

    // SIGTERM (what a process manager sends): the example stops cleanly.
    let mut moved = moved;
    let killed = Command::new("kill")
        .args(["-TERM", &moved.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = moved.child.try_wait().expect("poll the example") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

/// Percent-encoding of everything but the unreserved characters (as `next` is built).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
