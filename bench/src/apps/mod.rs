//! The four benchmark apps, with the same routes: `GET /protected` answering
//! `Logged in as: foo@bar.tld`, `GET /plain` under the same layers but never touching the
//! session, and `GET /login` to obtain a cookie. Used by the servers in `src/bin/` and by
//! `examples/oneshot.rs` (instruction counts under callgrind).

pub mod axum_login;
pub mod baseline;
pub mod sesame;
pub mod signed_jar;
