//! axum-sesame with Flask-Login's default flash on the login redirect.
fn main() {
    axum_sesame_bench::serve(axum_sesame_bench::apps::sesame::app_with_flash());
}
