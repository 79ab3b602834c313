//! Baseline: the same routes with no authentication at all.
fn main() {
    axum_sesame_bench::serve(axum_sesame_bench::apps::baseline::app());
}
