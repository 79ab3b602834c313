//! Every Rust block of README.md, compiled: `build.rs` turns each into a module here, with
//! the names the README leaves to the reader (`User`, `Db`, `LoginForm`, ...) from
//! `readme_scaffold!`. A block that does not compile fails this test's build.

/// What the README's blocks may use without importing it (glob imports: a block's own
/// `use` lines win). Not every block uses every name.
#[allow(unused_imports, unreachable_pub)]
mod prelude {
    pub use std::error::Error;
    pub use std::time::Duration;

    pub use axum::body::Body;
    pub use axum::extract::{Path, Query, State};
    pub use axum::http::{Request, StatusCode};
    pub use axum::response::{Html, IntoResponse, Redirect, Response};
    pub use axum::routing::{get, post};
    pub use axum::{Form, Json, Router};
    pub use axum_sesame::rejection::*;
    pub use axum_sesame::*;
    pub use serde::Deserialize;
    pub use tower::ServiceExt;
}

/// The reader's own types, one set per block.
macro_rules! readme_scaffold {
    (auth = $auth:tt, loader = $loader:tt) => {
        #[allow(unused_imports)]
        use crate::prelude::*;

        #[derive(Clone, Debug)]
        pub struct User {
            pub email: String,
            pub pw_hash: String,
            pub active: bool,
            pub roles: Vec<String>,
        }

        /// The app's database.
        #[derive(Clone, Debug, Default)]
        pub struct Db;

        impl Db {
            pub fn get(&self, email: &str) -> Option<User> {
                find_user(email)
            }
            pub fn check_password(&self, email: &str, _pw: &str) -> Option<User> {
                find_user(email)
            }
        }

        pub fn find_user(email: &str) -> Option<User> {
            Some(User {
                email: email.to_owned(),
                pw_hash: String::new(),
                active: true,
                roles: Vec::new(),
            })
        }

        pub fn api_token_owner(token: &str) -> Option<String> {
            (token == "foo-token").then(|| "foo@bar.tld".to_owned())
        }

        #[derive(serde::Deserialize)]
        pub struct LoginForm {
            pub email: String,
            pub pw: String,
            #[serde(default)]
            pub remember: bool,
            pub next: Option<String>,
        }

        #[derive(serde::Deserialize)]
        pub struct RevokeForm {
            pub id: String,
        }

        readme_auth!($auth);
        readme_loader!($loader);
    };
}

macro_rules! readme_auth {
    (true) => {
        impl AuthUser for User {
            type Id = String;
            fn id(&self) -> String {
                self.email.clone()
            }
            fn session_auth_hash(&self) -> &[u8] {
                self.pw_hash.as_bytes()
            }
        }
    };
    (false) => {};
}

macro_rules! readme_loader {
    (true) => {
        #[axum_sesame::user_loader]
        async fn scaffold_load_user(id: String) -> Option<User> {
            find_user(&id)
        }
    };
    (false) => {};
}

include!(concat!(env!("OUT_DIR"), "/readme.rs"));

#[test]
fn every_rust_block_of_the_readme_is_compiled_here() {
    let readme = include_str!("../README.md");
    let blocks = readme.lines().filter(|l| l.trim_end() == "```rust").count();
    assert_eq!(blocks, README_BLOCKS, "build.rs saw another README");
    assert!(blocks >= 9, "the README lost its examples: {blocks} blocks");
}
