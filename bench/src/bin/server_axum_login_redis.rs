//! Peer in store mode: axum-login + `tower-sessions-redis-store` (fred) at `REDIS_URL`
//! (default `redis://127.0.0.1:6379`).
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};

fn main() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    axum_sesame_bench::serve_async(async move {
        let config = Config::from_url(&url).expect("a Redis URL");
        // One connection, as RedisStore's one multiplexed connection.
        let pool = Pool::new(config, None, None, None, 1).expect("a fred pool");
        pool.init().await.expect("Redis answers");
        axum_sesame_bench::apps::axum_login::app_with_store(RedisStore::new(pool))
    });
}
