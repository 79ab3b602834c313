//! axum-sesame: `#[login_required]` + `CurrentUser`, signed cookie sessions.
fn main() {
    axum_sesame_bench::serve(axum_sesame_bench::apps::sesame::app());
}
