use axum_sesame::{AuthUser, user_loader};

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

#[user_loader(frsh)]
async fn load_user(id: String) -> Option<User> {
    Some(User { name: id })
}

fn main() {}
