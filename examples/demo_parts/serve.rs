//! The demo's accept loop: HTTP/1.1 with a header read timeout, and graceful shutdown.

use std::time::Duration;

use axum::Router;

use super::shutdown;

/// A client must send a request's headers within this time or be disconnected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for the requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves HTTP/1.1 until SIGTERM or Ctrl-C, then stops accepting and lets the requests in
/// flight finish. Each request carries its peer address as `ConnectInfo<SocketAddr>`.
pub(crate) async fn serve(listener: tokio::net::TcpListener, router: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown::shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, as axum does.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: axum::http::Request<_>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower_service::Service::call(&mut router.clone(), req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing the requests in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: connections still open after {SHUTDOWN_GRACE:?}, closing");
    }
}
