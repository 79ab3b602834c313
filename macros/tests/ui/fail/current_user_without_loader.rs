use axum::Router;
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, login_required};

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

// No `#[user_loader]` for `User` anywhere in the crate.
#[login_required]
async fn page(_user: CurrentUser<User>) -> &'static str {
    "page"
}

fn main() {
    let _ = page;
    let _: Router = Router::new().route("/", get(|| async {}));
}
