//! The nested routers: `/admin`, guarded in one place for the `admin` role, and `/api`,
//! whose refusals are JSON and never a redirect.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::State};
use axum_sesame::{ApiOnly, CurrentUser, LoginRequired, login_required};

use super::{AppState, Db, DemoUser, escape};

/// `/admin` and `/admin/users`: every route needs a login with the `admin` role.
pub(crate) fn admin(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(admin_home))
        .route("/users", get(admin_users))
        .route_layer(LoginRequired::<DemoUser, AppState>::with_state(state).role("admin"))
}

/// `/api/me` and `/api/users`: a session or a bearer token; JSON refusals.
pub(crate) fn api() -> Router<AppState> {
    Router::new()
        .route("/me", get(api_me))
        .route("/users", get(api_users))
        .layer(ApiOnly)
}

async fn admin_home(user: CurrentUser<DemoUser>) -> String {
    format!("Admin: {}", user.email)
}

async fn admin_users(State(db): State<Db>) -> Response {
    match db.emails().await {
        Ok(emails) => {
            let items: String = emails
                .iter()
                .map(|e| format!("<li>{}</li>", escape(e)))
                .collect();
            Html(format!(
                "<!doctype html><title>Users</title><ul>{items}</ul>"
            ))
            .into_response()
        }
        Err(error) => db_failed(&error),
    }
}

#[login_required]
async fn api_me(user: CurrentUser<DemoUser>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "email": user.email }))
}

#[login_required(DemoUser, role = "admin")]
async fn api_users(State(db): State<Db>) -> Response {
    match db.emails().await {
        Ok(emails) => Json(emails).into_response(),
        Err(error) => db_failed(&error),
    }
}

fn db_failed(error: &super::DbError) -> Response {
    tracing::error!(target: "demo", %error, "listing users failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
