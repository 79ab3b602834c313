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

fn allowed(_: &CurrentUser<User>) -> bool {
    true
}

#[login_required(check = allowed(&user))]
async fn page(user: CurrentUser<User>) -> String {
    user.name.clone()
}

fn main() {
    let _: Router = Router::new().route("/", get(page));
}
