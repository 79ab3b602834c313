//! Peer: a hand-rolled login on axum-extra's `SignedCookieJar` (user id in a signed cookie,
fn main() {
    axum_sesame_bench::serve(axum_sesame_bench::apps::signed_jar::app());
}
