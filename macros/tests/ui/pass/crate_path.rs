// The runtime re-exported under another path, as a facade crate would do.
mod auth {
    pub use axum_sesame::*;
}

use axum::Router;
use axum::routing::get;

use crate::auth::{AuthUser, CurrentUser, login_required, user_loader};

struct User {
    name: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.name.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
}

#[user_loader(crate = "crate::auth")]
async fn load_user(id: String) -> Option<User> {
    Some(User { name: id })
}

#[login_required(crate = "crate::auth")]
async fn page(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(crate = "crate::auth", role = "admin", redirect = "/login")]
async fn admin(user: CurrentUser<User>) -> String {
    user.name.clone()
}

// A local module named like the crate: no expansion may use a relative `axum_sesame::…` path.
mod axum_sesame {}

fn main() {
    let _: Router = Router::new()
        .route("/", get(page))
        .route("/admin", get(admin));
}
