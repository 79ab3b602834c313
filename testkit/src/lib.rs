//! The one test-support crate of axum-sesame's suites (`runtime/tests/`, `tests/`).
//!
//! A [`Reply`] is a response with its body read, whether it came from a router called in
//! process ([`call`], [`request`]) or over real HTTP from a served router ([`Server`]) or
//! another process ([`send`]). Its `Set-Cookie` lines parse into [`SetCookie`]s; a
//! [`Jar`] keeps a browser's cookies between requests. [`ChildApp`] runs a twin process
//! (the Flask app) for as long as a test holds it. A [`Proxy`] stands between a store and
//! its real server, to take the server away mid-run and to count round trips.
//!
//! ```
//! use axum::{Router, routing::get};
//! use axum_sesame_testkit::{call, request};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let app = Router::new().route("/", get(|| async { "hi" }));
//! let reply = call(&app, request("GET", "/", &[])).await;
//! reply.assert_ok("hi");
//! # });
//! ```

mod call;
mod child;
mod form;
mod jar;
mod proxy;
mod reply;
mod server;
mod set_cookie;

pub use call::{call, request};
pub use child::ChildApp;
pub use form::{form, form_encode};
pub use jar::Jar;
pub use proxy::{Link, Proxy};
pub use reply::{Reply, cookie_in};
pub use server::{Server, client, jar_client, send};
pub use set_cookie::SetCookie;
