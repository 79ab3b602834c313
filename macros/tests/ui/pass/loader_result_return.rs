use axum::Router;
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};

struct User {
    id: u64,
}

impl AuthUser for User {
    type Id = u64;
    fn id(&self) -> u64 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
}

#[user_loader]
async fn load_user(id: u64) -> Result<Option<User>, String> {
    if id == 0 {
        Err("no user 0".to_owned())
    } else {
        Ok(Some(User { id }))
    }
}

#[login_required]
async fn page(user: CurrentUser<User>) -> String {
    user.id.to_string()
}

fn main() {
    let _: Router = Router::new().route("/", get(page));
}
