//! Peer: axum-login 0.18 + tower-sessions (its MemoryStore, or any store: Redis through
//! `tower-sessions-redis-store`, PostgreSQL through `tower-sessions-sqlx-store`),
//! `login_required!` route layer.
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::Query;
use axum::{Router, routing::get};
use axum_login::{
    AuthManagerLayerBuilder, AuthSession, AuthUser, AuthnBackend, UserId, login_required,
};
use tower_sessions::{MemoryStore, SessionManagerLayer, SessionStore};

#[derive(Debug, Clone)]
struct User {
    id: String,
    pw_hash: Vec<u8>,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        &self.pw_hash
    }
}

#[derive(Clone, Default)]
struct Backend {
    users: Arc<HashMap<String, User>>,
}

impl Backend {
    /// The one user, or one of the numbered ones (`user<N>`, the same password hash).
    fn user(&self, id: &str) -> Option<User> {
        let base = self.users.get(crate::USER)?;
        crate::is_known(id).then(|| User {
            id: id.to_owned(),
            pw_hash: base.pw_hash.clone(),
        })
    }
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = String;
    type Error = Infallible;

    async fn authenticate(&self, id: String) -> Result<Option<User>, Infallible> {
        Ok(self.user(&id))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, Infallible> {
        Ok(self.user(id))
    }
}

async fn protected(auth: AuthSession<Backend>) -> String {
    match auth.user {
        Some(user) => format!("Logged in as: {}", user.id),
        None => "anonymous".to_owned(),
    }
}

async fn login(
    mut auth: AuthSession<Backend>,
    Query(who): Query<crate::Who>,
) -> &'static str {
    let Ok(Some(user)) = auth.authenticate(who.id()).await else {
        return "error";
    };
    match auth.login(&user).await {
        Ok(()) => "ok",
        Err(_) => "error",
    }
}

/// The benchmark app: `/protected`, `/plain` and `/login`.
pub fn app() -> Router {
    app_with_store(MemoryStore::default())
}

/// [`app`] on another tower-sessions store.
pub fn app_with_store<S: SessionStore + Clone>(store: S) -> Router {
    let user = User {
        id: crate::USER.to_owned(),
        pw_hash: b"$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_vec(),
    };
    let backend = Backend {
        users: Arc::new(HashMap::from([(user.id.clone(), user)])),
    };
    let session_layer = SessionManagerLayer::new(store).with_secure(false);
    let auth_layer = AuthManagerLayerBuilder::new(backend, session_layer).build();
    Router::new()
        .route("/protected", get(protected))
        .route_layer(login_required!(Backend, login_url = "/login"))
        .route("/plain", get(|| async { "plain" }))
        .route("/login", get(login))
        .layer(auth_layer)
}
