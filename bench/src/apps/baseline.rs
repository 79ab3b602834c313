//! Baseline: the same routes with no authentication at all.
use axum::{Router, routing::get};

/// The benchmark app: `/protected`, `/plain` and `/login`.
pub fn app() -> Router {
    Router::new()
        .route(
            "/protected",
            get(|| async { format!("Logged in as: {}", crate::USER) }),
        )
        .route("/plain", get(|| async { "plain" }))
}
