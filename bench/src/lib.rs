//! Shared plumbing of the macro-benchmark servers in `src/bin/`: one current-thread Tokio
//! runtime (one worker, to pin on one core), a port from `PORT` (0 = any), and a line
//! `listening on http://…` once the socket accepts connections.

use std::convert::Infallible;
use std::io::Write as _;

use axum::extract::Request;
use axum::response::Response;

/// Serves `app` on 127.0.0.1:`$PORT` with a single-threaded runtime, as `axum::serve`
/// serves a `Router` (re-layered for every connection).
pub fn serve(app: axum::Router) {
    run(|listener| async move { axum::serve(listener, app).await });
}

/// [`serve`] with the router made inside the runtime (for stores that connect there).
pub fn serve_with(make: impl FnOnce() -> axum::Router) {
    run(|listener| async move { axum::serve(listener, make()).await });
}

/// [`serve`] with the router made by an async block inside the runtime (for stores that
/// connect or migrate first).
pub fn serve_async(make: impl std::future::Future<Output = axum::Router>) {
    run(|listener| async move { axum::serve(listener, make.await).await });
}

/// Serves a service that wraps the whole router (`LoginManager::wrap`), made once.
pub fn serve_service<S>(app: S)
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    run(|listener| async move {
        axum::serve(
            listener,
            axum::ServiceExt::<Request>::into_make_service(app),
        )
        .await
    });
}

fn run<F, Fut>(serve: F)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let port: u16 = std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        println!(
            "listening on http://{}",
            listener.local_addr().expect("addr")
        );
        let _ = std::io::stdout().flush();
        serve(listener).await.expect("serve");
    });
}

pub mod apps;

/// The one user every server knows.
pub const USER: &str = "foo@bar.tld";

/// Who logs in: `?u=N` makes it `user<N>` (each of `bench/run.sh`'s many clients a user of
/// its own, as real traffic), else [`USER`].
#[derive(Debug, serde::Deserialize)]
pub struct Who {
    u: Option<u32>,
}

impl Who {
    /// The user id.
    pub fn id(&self) -> String {
        self.u.map_or_else(|| USER.to_owned(), |n| format!("user{n}"))
    }
}

/// Whether `id` is [`USER`] or one of the numbered users.
pub fn is_known(id: &str) -> bool {
    id == USER || id.strip_prefix("user").is_some_and(|n| n.parse::<u32>().is_ok())
}

/// The password hash of a known user (the one user's, for every numbered one).
pub fn password_of(
    id: &str,
    users: &std::collections::HashMap<&'static str, &'static str>,
) -> Option<&'static str> {
    is_known(id).then(|| users.get(USER).copied()).flatten()
}
