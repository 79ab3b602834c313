use axum::Router;
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};

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

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { name: id })
}

struct Handlers;

impl Handlers {
    #[login_required]
    async fn page(user: CurrentUser<User>) -> String {
        format!("Logged in as: {}", user.name)
    }

    #[login_required(role = "admin")]
    async fn admin(user: CurrentUser<User>) -> String {
        format!("Admin: {}", user.name)
    }
}

fn main() {
    let _: Router = Router::new()
        .route("/", get(Handlers::page))
        .route("/admin", get(Handlers::admin));
}
