//! axum-sesame in store mode: sessions in Redis at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), under a key prefix of its own run.
fn main() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let prefix = format!("bench-{}:", std::process::id());
    axum_sesame_bench::serve_with(move || {
        let store = axum_sesame::RedisStore::connect(&url)
            .expect("a Redis URL")
            .with_prefix(&prefix)
            .with_max_per_user(100_000);
        axum_sesame_bench::apps::sesame::app_with_store(store)
    });
}
