use axum::Router;
use axum::response::Response;
use axum::routing::post;
use axum_sesame::{Auth, AuthUser, login_required, user_loader};

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

// The user type comes from `Auth<User>`.
#[login_required(fresh)]
async fn logout(auth: Auth<User>) -> Response {
    auth.logout_user();
    auth.redirect_next_or("/")
}

fn main() {
    let _: Router = Router::new().route("/logout", post(logout));
}
