//! axum-sesame with the whole router wrapped from outside (`LoginManagerLayer::wrap`) instead of
//! `.layer(manager)`: no boxed service per route, nothing re-layered per connection.
fn main() {
    use axum_sesame_bench::apps::sesame;
    axum_sesame_bench::serve_service(sesame::manager().wrap(sesame::routes()));
}
