use axum::Router;
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};

struct User {
    name: String,
    roles: Vec<String>,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.name.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b""
    }
    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
    fn has_permission(&self, permission: &str) -> bool {
        permission.starts_with("posts:")
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User {
        name: id,
        roles: Vec::new(),
    })
}

#[login_required(fresh)]
async fn fresh(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(role = "admin", role = "staff")]
async fn roles(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(permission = "posts:read", permission = "posts:write")]
async fn permissions(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(redirect = "/other-login")]
async fn redirect(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(
    User,
    fresh,
    role = "admin",
    permission = "posts:write",
    redirect = "/admin/login?x=1"
)]
async fn everything() -> &'static str {
    "everything"
}

// Two handlers with the same options get distinct specs.
#[login_required(role = "admin")]
async fn admin_a(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[login_required(role = "admin")]
async fn admin_b(user: CurrentUser<User>) -> String {
    user.name.clone()
}

fn main() {
    let _: Router = Router::new()
        .route("/fresh", get(fresh))
        .route("/roles", get(roles))
        .route("/permissions", get(permissions))
        .route("/redirect", get(redirect))
        .route("/everything", get(everything))
        .route("/a", get(admin_a))
        .route("/b", get(admin_b));
}
