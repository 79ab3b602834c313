//! Real HTTP: a router served on a loopback port, and requests to any server.

use axum::Router;
use axum::http::header::{CONTENT_TYPE, COOKIE, USER_AGENT};

use crate::jar::Jar;
use crate::reply::Reply;

/// A client that follows no redirect and keeps no cookies of its own.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// A client with a cookie store of its own (a browser) that follows no redirect.
pub fn jar_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// A router served by `axum::serve` on a free loopback port, for as long as the test's
/// runtime runs, and a client for it.
#[derive(Clone, Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    client: reqwest::Client,
}

impl Server {
    /// Serves `router` (inside a Tokio runtime).
    pub fn serve(router: Router) -> Server {
        let (listener, base) = listen();
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serving") });
        Server {
            base,
            client: client(),
        }
    }

    /// Serves `router` recording each connection's peer address (`ConnectInfo`), as
    /// `into_make_service_with_connect_info` does.
    pub fn serve_with_peers(router: Router) -> Server {
        let (listener, base) = listen();
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.expect("serving") });
        Server {
            base,
            client: client(),
        }
    }

    /// `method path` with these headers (added in order).
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.expect("the test server answers");
        Reply::read_http(res).await
    }
}

/// Sends `method url` with the jar's cookies and `user_agent`; a `Some` body goes as a
/// form. The jar takes what the response sets.
pub async fn send(
    method: &str,
    url: &str,
    jar: &mut Jar,
    user_agent: &str,
    body: Option<String>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = client()
        .request(method.clone(), url)
        .header(USER_AGENT, user_agent)
        .header(COOKIE, jar.header());
    if let Some(body) = body {
        req = req
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    jar.take(res.headers());
    Reply::read_http(res).await
}

/// A listener on a free loopback port, and its base URL.
fn listen() -> (tokio::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking socket");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let listener = tokio::net::TcpListener::from_std(listener).expect("a Tokio listener");
    (listener, base)
}
