//! axum-sesame in store mode: sessions in PostgreSQL at `POSTGRES_URL`, in a table of its
//! own run (created at start).
fn main() {
    let url = std::env::var("POSTGRES_URL").expect("POSTGRES_URL (postgres://user@host/db)");
    let table = format!("bench_{}", std::process::id());
    axum_sesame_bench::serve_async(async move {
        let store = axum_sesame::PostgresStore::connect(&url)
            .expect("a PostgreSQL URL")
            .with_table(&table)
            .expect("a table name")
            .with_max_per_user(100_000);
        store.migrate().await.expect("PostgreSQL answers");
        axum_sesame_bench::apps::sesame::app_with_store(store)
    });
}
