//! Requests to a router in process, through `tower::ServiceExt::oneshot`.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use tower::{Service, ServiceExt as _};

use crate::reply::Reply;

/// A request without a body; `headers` are added in order (a repeated name adds a line).
#[track_caller]
pub fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(uri)
        .body(Body::empty())
        .expect("a valid request");
    for (name, value) in headers {
        req.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        );
    }
    req
}

/// Sends `req` to `app` (a `Router`, or a router wrapped in a layer) and reads the reply.
pub async fn call<S>(app: &S, req: Request<Body>) -> Reply
where
    S: Service<Request<Body>, Response = axum::response::Response, Error = Infallible> + Clone,
{
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    Reply::read(res).await
}
