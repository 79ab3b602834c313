//! axum-sesame: `#[login_required]` + `CurrentUser`, signed cookie sessions.
use axum::{Router, routing::get};
use axum_sesame::{Auth, AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    (id == crate::USER).then_some(User { id })
}

#[login_required]
async fn protected(user: CurrentUser<User>) -> String {
    format!("Logged in as: {}", user.id)
}

async fn login(auth: Auth<User>) -> &'static str {
    match auth
        .login_user(&User {
            id: crate::USER.to_owned(),
        })
        .await
    {
        Ok(()) => "ok",
        Err(_) => "error",
    }
}

/// The benchmark app: `/protected`, `/plain` and `/login`.
pub fn app() -> Router {
    let manager = LoginManager::new(Key::from_bytes(
        b"benchmark key benchmark key benchmark key",
    ))
    .with_login_view("/login");
    Router::new()
        .route("/protected", get(protected))
        .route("/plain", get(|| async { "plain" }))
        .route("/login", get(login))
        .layer(manager)
}
