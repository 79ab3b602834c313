//! axum-sesame: `#[login_required]` + `CurrentUser`, signed cookie sessions, users in an
//! in-memory map.
//!
//! [`app`] redirects anonymous visitors without a flashed message, like the peers (which
//! have none); [`app_with_flash`] keeps Flask-Login's default "Please log in to access
//! this page." flash, which costs a session cookie on every redirect.
use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Query;
use axum::{Router, routing::get};
use axum_sesame::{LoginManagerLayer, Auth, AuthUser, CurrentUser, Key, LoginManager, SessionConfig, SessionStore, login_required, user_loader};

struct User {
    id: String,
    pw_hash: &'static str,
}

/// User id -> password hash.
static USERS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    HashMap::from([(
        crate::USER,
        "$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    )])
});

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.pw_hash.as_bytes()
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    let pw_hash = crate::password_of(&id, &USERS)?;
    Some(User { id, pw_hash })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.id)
}

async fn login(auth: Auth<User>, Query(who): Query<crate::Who>) -> &'static str {
    let user = User {
        id: who.id(),
        pw_hash: USERS[crate::USER],
    };
    match auth.login_user(&user).await {
        Ok(()) => "ok",
        Err(_) => "error",
    }
}

/// The benchmark app: `/protected`, `/plain` and `/login`; a bare redirect for
/// anonymous visitors, as the peers send.
pub fn app() -> Router {
    routes().layer(manager())
}

/// [`app`] with Flask-Login's default flashed message on the redirect.
pub fn app_with_flash() -> Router {
    routes().layer(
        LoginManager::new(key())
            .with_login_view("/login")
            .build()
            .expect("valid settings"),
    )
}

/// [`app`] in store mode: sessions in `store`, the cookie a signed id.
pub fn app_with_store(store: impl SessionStore) -> Router {
    routes().layer(
        LoginManager::with_session(SessionConfig::new(key()).with_store(store))
            .with_login_view("/login")
            .with_login_message(None)
            .build()
            .expect("valid settings"),
    )
}

/// The login manager layer of [`app`].
pub fn manager() -> LoginManagerLayer {
    LoginManager::new(key())
        .with_login_view("/login")
        .with_login_message(None)
        .build()
        .expect("valid settings")
}

/// The routes of [`app`] without the login manager, for `manager().wrap(routes())`.
pub fn routes() -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route("/plain", get(|| async { "plain" }))
        .route("/login", get(login))
}

fn key() -> Key {
    Key::from_bytes(b"benchmark key benchmark key benchmark key")
}
