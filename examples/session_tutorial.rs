//! The Flask session tutorial, ported to axum with axum-sesame.
//!
//! A login form that stores a username in the signed session cookie, a profile page that
//! reads it back, a logout that removes it, a per-session visit counter and a route that
//! clears the whole session. Nothing is kept on the server: everything lives in the
//! `session` cookie, signed with `SECRET_KEY`.
//!
//! Run it with
//!
//! ```text
//! SECRET_KEY="$(openssl rand -base64 48)" cargo run --example session_tutorial
//! ```
//!
//! (`PORT` picks the port, default 3000; without `SECRET_KEY` a public development key is
//! used and a warning is logged), then, in another terminal:
//!
//! ```text
//! curl -c jar -b jar http://127.0.0.1:3000/visits              # Visits: 1
//! curl -c jar -b jar http://127.0.0.1:3000/visits              # Visits: 2
//! curl -c jar -b jar -d username=alice http://127.0.0.1:3000/login
//! curl -c jar -b jar http://127.0.0.1:3000/profile             # Logged in as alice
//! curl -c jar -b jar http://127.0.0.1:3000/logout              # Logged out
//! curl -c jar -b jar http://127.0.0.1:3000/clear               # Cleared
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use axum::Router;
use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_sesame::rejection::SessionError;
use axum_sesame::{Key, Session, SessionLayer};
use serde::Deserialize;

/// Longest username accepted, in bytes; keeps the cookie far below the 4 KiB browser limit.
const MAX_USERNAME_LEN: usize = 64;

const LOGIN_FORM: &str = r#"<!doctype html>
<title>Log in</title>
<form method="post" action="/login">
  <p><input type="text" name="username" placeholder="Username" required>
  <p><input type="submit" value="Log in">
</form>
"#;

/// Builds the tutorial's router, its sessions signed with `key`.
pub fn app(key: Key) -> Router {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/profile", get(profile))
        .route("/logout", get(logout))
        .route("/visits", get(visits))
        .route("/clear", get(clear))
        .layer(SessionLayer::new(key))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
}

/// Does not take the `Session`, so it never reads or sets the cookie.
async fn login_form() -> Html<&'static str> {
    Html(LOGIN_FORM)
}

async fn login(session: Session, Form(form): Form<LoginForm>) -> Result<Response, SessionError> {
    let username = form.username.trim();
    if username.is_empty() || username.len() > MAX_USERNAME_LEN {
        return Ok((StatusCode::BAD_REQUEST, Html(LOGIN_FORM)).into_response());
    }
    session.insert("username", username)?;
    Ok(Redirect::to("/profile").into_response())
}

async fn profile(session: Session) -> Response {
    match session.get::<String>("username") {
        Some(name) => Html(format!(
            "<!doctype html>\n<title>Profile</title>\n<p>Logged in as {}\n<p><a href=\"/logout\">Log out</a>\n",
            html_escape::encode_text(&name)
        ))
        .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

async fn logout(session: Session) -> &'static str {
    session.remove_value("username");
    "Logged out"
}

async fn visits(session: Session) -> Result<String, SessionError> {
    let n = session.get::<u64>("visits").unwrap_or(0).saturating_add(1);
    session.insert("visits", n)?;
    Ok(format!("Visits: {n}"))
}

async fn clear(session: Session) -> &'static str {
    session.clear();
    "Cleared"
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let port = match std::env::var("PORT") {
        Ok(p) => match p.parse::<u16>() {
            Ok(port) => port,
            Err(e) => {
                eprintln!("error: PORT={p:?} is not a port number: {e}");
                return ExitCode::FAILURE;
            }
        },
        Err(_) => 3000,
    };
    let key = match Key::from_env_or_development("SECRET_KEY") {
        Ok(key) => key,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("session tutorial listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app(key))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("error: server failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
