//! axum-sesame in store mode: sessions in a `MemoryStore` (the "many" scenario logs one
//! user in `CLIENTS` times: the per-user cap is raised to keep every login).
fn main() {
    let store = axum_sesame::MemoryStore::new().with_max_per_user(100_000);
    axum_sesame_bench::serve(axum_sesame_bench::apps::sesame::app_with_store(store));
}
