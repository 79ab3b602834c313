use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};

#[derive(Clone, Default)]
struct Db(Arc<HashMap<String, String>>);

struct User {
    name: String,
    pw_hash: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.name.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.pw_hash.as_bytes()
    }
}

#[user_loader]
async fn load_user(id: String, State(db): State<Db>) -> Option<User> {
    db.0.get(&id).map(|pw| User {
        name: id.clone(),
        pw_hash: pw.clone(),
    })
}

#[login_required]
async fn page(user: CurrentUser<User>, State(db): State<Db>) -> String {
    format!("{} of {}", user.name, db.0.len())
}

fn main() {
    let _: Router = Router::new()
        .route("/", get(page))
        .with_state(Db::default());
}
