//! Peer: a hand-rolled login on axum-extra's `SignedCookieJar` (user id in a signed cookie,
//! user looked up per request, redirect when absent).
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get};
use axum_extra::extract::cookie::{Cookie, Key, SignedCookieJar};

#[derive(Clone)]
struct AppState {
    key: Key,
    users: Arc<HashMap<String, String>>,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.key.clone()
    }
}

async fn protected(State(state): State<AppState>, jar: SignedCookieJar) -> Response {
    match jar
        .get("uid")
        .and_then(|c| state.users.get(c.value()).cloned())
    {
        Some(email) => format!("Logged in as: {email}").into_response(),
        None => Redirect::to("/login?next=%2Fprotected").into_response(),
    }
}

async fn login(jar: SignedCookieJar) -> (SignedCookieJar, &'static str) {
    let mut cookie = Cookie::new("uid", crate::USER);
    cookie.set_http_only(true);
    cookie.set_path("/");
    (jar.add(cookie), "ok")
}

/// The benchmark app: `/protected`, `/plain` and `/login`.
pub fn app() -> Router {
    let state = AppState {
        key: Key::from(&[7u8; 64]),
        users: Arc::new(HashMap::from([(
            crate::USER.to_owned(),
            crate::USER.to_owned(),
        )])),
    };
    Router::new()
        .route("/protected", get(protected))
        .route("/plain", get(|| async { "plain" }))
        .route("/login", get(login))
        .with_state(state)
}
