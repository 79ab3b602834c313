//! Peer: axum-login 0.18 + tower-sessions MemoryStore, `login_required!` route layer.
fn main() {
    axum_sesame_bench::serve(axum_sesame_bench::apps::axum_login::app());
}
