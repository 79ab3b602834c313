//! Baseline: the same routes with no authentication at all.
use axum::{Router, routing::get};

fn main() {
    let app = Router::new()
        .route(
            "/protected",
            get(|| async { format!("Logged in as: {}", axum_sesame_bench::USER) }),
        )
        .route("/plain", get(|| async { "plain" }));
    axum_sesame_bench::serve(app);
}
