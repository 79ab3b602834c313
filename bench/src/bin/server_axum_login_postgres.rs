//! Peer in store mode: axum-login + `tower-sessions-sqlx-store` at `POSTGRES_URL`, in a
//! schema of its own run.
use tower_sessions_sqlx_store::PostgresStore;
use tower_sessions_sqlx_store::sqlx::PgPool;

fn main() {
    let url = std::env::var("POSTGRES_URL").expect("POSTGRES_URL (postgres://user@host/db)");
    let schema = format!("bench_peer_{}", std::process::id());
    axum_sesame_bench::serve_async(async move {
        let pool = PgPool::connect(&url).await.expect("PostgreSQL answers");
        let store = PostgresStore::new(pool)
            .with_schema_name(&schema)
            .expect("a schema name");
        store.migrate().await.expect("the session table");
        axum_sesame_bench::apps::axum_login::app_with_store(store)
    });
}
