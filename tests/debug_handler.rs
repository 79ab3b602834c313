//! `#[login_required]` above `#[axum::debug_handler]`: it compiles and guards the route.
//! (The other order cannot work: `debug_handler` expands first and checks a call with the
//! handler's arguments as written, before `#[login_required]` adds the guard's.)

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum_sesame::{AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};
use tower::ServiceExt;

struct User {
    id: String,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        b"hash"
    }
}

#[user_loader]
async fn load_user(id: String) -> Option<User> {
    Some(User { id })
}

/// `debug_handler` inside: it checks the handler with the guard already added.
#[login_required]
#[axum::debug_handler]
async fn inside(user: CurrentUser<User>) -> String {
    format!("inside {}", user.id)
}

/// With a state and a role, `debug_handler` told which state to check against.
#[login_required(role = "admin")]
#[axum::debug_handler(state = ())]
async fn admin(user: CurrentUser<User>) -> String {
    format!("admin {}", user.id)
}

#[tokio::test]
async fn login_required_above_debug_handler_guards_the_route() {
    let layer = LoginManager::new(Key::from_bytes(&[2u8; 32]))
        .build()
        .expect("valid");
    let cookies = layer
        .test_login(&User { id: "ada".into() })
        .await
        .expect("a test login");
    let app = Router::new()
        .route("/inside", get(inside))
        .route("/admin", get(admin))
        .layer(layer);
    for path in ["/inside", "/admin"] {
        let anonymous = Request::get(path).body(Body::empty()).expect("a request");
        let res = app.clone().oneshot(anonymous).await.expect("infallible");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        let logged_in = Request::get(path)
            .header("cookie", cookies.header())
            .body(Body::empty())
            .expect("a request");
        let res = app.clone().oneshot(logged_in).await.expect("infallible");
        let expected = match path {
            "/admin" => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        assert_eq!(res.status(), expected, "{path}");
    }
}
