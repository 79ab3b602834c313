//! Moving a Flask + Flask-Login app to axum one route at a time: this app serves the
//! routes already moved, in Flask mode, beside the Flask app that still owns `/login`.
//!
//! ```text
//! # Flask on :5000 (its twin for the tests is tests/flask/app.py), then:
//! SECRET_KEY='the Flask app key' cargo run --features flask --example flask_migration
//! ```
//!
//! Environment: `SECRET_KEY` (the Flask app's, required); `PORT` (default 8001, `0` picks
//! one); `FLASK_LOGIN_URL` (default `http://127.0.0.1:5000/login`): where anonymous
//! visitors are sent; `PUBLIC_ORIGIN` (default `http://127.0.0.1:PORT`): where browsers
//! reach this app, so the login page can send them back (`next` is never built from
//! `Host`). Prints `flask_migration listening on http://127.0.0.1:PORT` once it accepts.
//!
//! Routes moved here: `GET /dashboard` (login required), `GET /cart` and `POST /cart`
//! (the cart in Flask's `session`, a form protected by Flask-WTF's CSRF token, which a
//! page rendered by Flask may post here too), `POST /logout` (Flask-Login's: the cart
//! stays). Users are the Flask twin's two, `foo@bar.tld` and `bar@bar.tld`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_sesame::flask::{CSRF_TIME_LIMIT, FlaskSigner, generate_csrf, validate_csrf};
use axum_sesame::{
    Auth, AuthUser, CurrentUser, LoginManager, Session, login_required, user_loader,
};

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight (shared with the demo).
#[path = "demo_parts/shutdown.rs"]
mod shutdown;

/// A user of the Flask app's table (here, its two users).
#[derive(Debug)]
struct User {
    email: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.email.clone()
    }
    // Flask-Login has no session auth hash: Flask mode does not use it.
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    ["foo@bar.tld", "bar@bar.tld"]
        .contains(&id.as_str())
        .then_some(User { email: id })
}

/// What every handler needs: the Flask app's key, to sign CSRF tokens as Flask-WTF does.
#[derive(Clone)]
struct Keys {
    secret: String,
}

impl Keys {
    fn signer(&self) -> FlaskSigner {
        FlaskSigner::from_text(&self.secret)
    }
}

#[login_required]
async fn dashboard(user: CurrentUser<User>) -> String {
    format!("Dashboard of {}", user.email)
}

fn cart_items(session: &Session) -> Vec<String> {
    session.get::<Vec<String>>("cart").unwrap_or_default()
}

#[login_required(User)]
async fn cart_page(session: Session, State(keys): State<Keys>) -> Response {
    let token = match generate_csrf(&session, &keys.signer()) {
        Ok(token) => token,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let items: String = cart_items(&session)
        .iter()
        .map(|i| format!("<li>{}</li>", html_escape::encode_text(i)))
        .collect();
    Html(format!(
        "<!doctype html>\n<title>Cart</title>\n<ul>{items}</ul>\n\
         <form method=\"post\" action=\"/cart\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
         <input name=\"item\"><input type=\"submit\" value=\"Add\"></form>\n"
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
struct AddItem {
    item: String,
    #[serde(default)]
    csrf_token: String,
}

#[login_required(User)]
async fn add_to_cart(
    session: Session,
    State(keys): State<Keys>,
    Form(f): Form<AddItem>,
) -> Response {
    if let Err(e) = validate_csrf(&session, &keys.signer(), &f.csrf_token, CSRF_TIME_LIMIT) {
        return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
    }
    if f.item.is_empty() || f.item.len() > 100 {
        return (StatusCode::BAD_REQUEST, "item must be 1 to 100 bytes").into_response();
    }
    let mut items = cart_items(&session);
    items.push(f.item);
    if session.insert("cart", items).is_err() || session.check_size().is_err() {
        return (StatusCode::BAD_REQUEST, "the cart is full").into_response();
    }
    Redirect::to("/cart").into_response()
}

async fn logout(auth: Auth<User>) -> &'static str {
    // Flask-Login's logout: its keys go, the cart stays.
    auth.logout_user();
    "Logged out"
}

/// The router: the moved routes, in Flask mode.
fn app(secret: &str, login_url: &str, origin: &str) -> Result<Router, String> {
    let manager = LoginManager::flask(FlaskSigner::from_text(secret))
        .with_login_view(login_url)
        .with_public_origin(origin)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Router::new()
        .route("/dashboard", get(dashboard))
        .route("/cart", get(cart_page).post(add_to_cart))
        .route("/logout", post(logout))
        .layer(manager)
        .with_state(Keys {
            secret: secret.to_owned(),
        }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(secret) = std::env::var("SECRET_KEY") else {
        eprintln!("error: SECRET_KEY must be the Flask app's SECRET_KEY");
        return ExitCode::FAILURE;
    };
    let port = match std::env::var("PORT").map(|p| p.parse::<u16>()) {
        Err(_) => 8001,
        Ok(Ok(port)) => port,
        Ok(Err(e)) => {
            eprintln!("error: PORT is not a port number: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(addr) = listener.local_addr() else {
        return ExitCode::FAILURE;
    };
    let login_url = std::env::var("FLASK_LOGIN_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:5000/login".to_owned());
    let origin = std::env::var("PUBLIC_ORIGIN").unwrap_or_else(|_| format!("http://{addr}"));
    let router = match app(&secret, &login_url, &origin) {
        Ok(router) => router,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("flask_migration listening on http://{addr}");
    let _ = std::io::stdout().flush();
    // The peer address goes into Flask-Login's session identifier `_id`.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    if let Err(e) = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown::shutdown_signal())
        .await
    {
        eprintln!("error: server failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
