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

use axum_sesame_testkit::{ChildApp as FlaskApp, Jar, client, form, send};
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

/// The Flask twin with this `SECRET_KEY` and `SECRET_KEY_FALLBACKS`.
fn start_flask(key: &str, fallbacks: &[&str]) -> FlaskApp {
    FlaskApp::start(
        &python(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flask/app.py"),
        &[
            ("FLASK_SECRET_KEY", key),
            ("FLASK_SECRET_KEY_FALLBACKS", &fallbacks.join(",")),
        ],
    )
}

// ---------------------------------------------------------------- HTTP by hand

async fn get(url: &str, jar: &mut Jar) -> (u16, String) {
    let r = send("GET", url, jar, UA, None).await;
    (r.status.as_u16(), r.body)
}

async fn post(url: &str, fields: &[(&str, &str)], jar: &mut Jar) -> (u16, String) {
    let r = send("POST", url, jar, UA, Some(form(fields))).await;
    (r.status.as_u16(), r.body)
}

fn signer() -> FlaskSigner {
    FlaskSigner::from_text(KEY)
}

mod logins;
mod migration;
mod sessions;
mod werkzeug;
