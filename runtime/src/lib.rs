//! # axum-sesame
//!
//! Flask-Login for [axum](https://docs.rs/axum) 0.8: signed session cookies with the Flask
//! `session` API, and a login manager with `#[login_required]` and `#[user_loader]`
//! checked at compile time.
//!
//! ## Login
//! ```
//! use axum::{routing::get, Router};
//! use axum_sesame::{AuthUser, CurrentUser, Key, LoginManager, login_required, user_loader};
//!
//! struct User { email: String, pw_hash: String }
//!
//! impl AuthUser for User {
//!     type Id = String;
//!     fn id(&self) -> String { self.email.clone() }
//!     fn session_auth_hash(&self) -> &[u8] { self.pw_hash.as_bytes() }
//! }
//!
//! #[user_loader]
//! async fn load_user(id: String) -> Option<User> {
//!     (id == "foo@bar.tld").then(|| User { email: id, pw_hash: "…".into() })
//! }
//!
//! #[login_required]
//! async fn protected(user: CurrentUser<User>) -> String {
//!     format!("Logged in as: {}", user.email)
//! }
//!
//! # fn main() -> Result<(), axum_sesame::ConfigError> {
//! let app: Router = Router::new()
//!     .route("/protected", get(protected))
//!     .layer(LoginManager::new(Key::development()).with_login_view("/login").build()?);
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! [`Auth`] logs users in and out; [`LoginManager`] holds every Flask-Login setting
//! (remember-me, fresh logins, session protection, request loaders, callbacks).
//!
//! ## Sessions
//! ```
//! use axum::{routing::get, Router};
//! use axum_sesame::{Key, Session, SessionLayer};
//!
//! async fn index(session: Session) -> String {
//!     let visits = session.get::<u64>("visits").unwrap_or(0) + 1;
//!     session.insert("visits", visits).unwrap();
//!     format!("Visits: {visits}")
//! }
//!
//! # fn main() -> Result<(), axum_sesame::KeyError> {
//! let key = Key::from_env_or_development("SECRET_KEY")?;
//! let app: Router = Router::new()
//!     .route("/", get(index))
//!     .layer(SessionLayer::new(key));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! The cookie is `v1.<payload>.<tag>`: HMAC-SHA256 under a per-purpose key derived with
//! HKDF, bound to the cookie's name, verified in constant time before anything is decoded,
//! with creation and last-write times inside the signed payload so lifetimes hold on the
//! server whatever the client keeps. See [`codec`] for the format and [`SessionConfig`]
//! for the settings. Any bad cookie is an empty session, never an error response.
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

// What an app writes: the macros, the user and login types, sessions, keys and stores.
#[cfg(feature = "macros")]
#[doc(inline)]
pub use axum_sesame_macros::{login_required, user_loader};

pub use csrf::SameOrigin;
pub use key::{Key, KeyError, KeyRing};
pub use login::{
    ApiOnly, Auth, AuthUser, CurrentUser, LoginError, LoginManager, LoginManagerLayer,
    LoginRequired, SessionInfo, SessionProtection,
};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use session::PostgresStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use session::RedisStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use session::SqliteStore;
pub use session::{
    ConfigError, Flash, MemoryStore, SameSite, Session, SessionConfig, SessionLayer, SessionStore,
    StoreError,
};

pub mod codec;
pub mod csrf;
#[cfg(feature = "flask")]
#[cfg_attr(docsrs, doc(cfg(feature = "flask")))]
#[path = "flask_api.rs"]
pub mod flask;
#[cfg(feature = "flask")]
mod flask_format;
pub mod key;
mod login;
mod protection;
pub mod redirect;
mod session;

/// The machinery behind [`Auth::login_user`] and `#[user_loader]`: the pending login, and
/// the traits and error type a loader goes through.
pub mod auth {
    pub use crate::login::{
        Check, HasUserLoader, IntoLoadResult, LoadError, LoginUser, TestCookies, TestLogin,
        TestLoginError, UserLoader,
    };
}

/// Every rejection and error an extractor or the session API returns, for apps that
/// match on them or answer them their own way.
pub mod rejection {
    pub use crate::csrf::CrossOriginRequest;
    pub use crate::login::{
        Forbidden, LoaderFailed, LoginRejection, MissingLoginManager, NeedsRefresh, Unauthorized,
    };
    pub use crate::session::{
        MissingSessionLayer, SessionError, SessionRejection, StoreUnavailable,
    };
}

/// Flask-Login's signals, as the callbacks of
/// [`LoginManager::on_signal`](crate::LoginManager::on_signal) receive them.
pub mod signals {
    pub use crate::login::{LoginEvent, LoginSignal};
}

/// The tower services the layers make, and their response future.
pub mod service {
    pub use crate::login::{ApiOnlyService, LoginManagerService, LoginRequiredService};
    pub use crate::session::{SessionResponseFuture, SessionService};
}

/// Server-side session stores: the trait a store implements, its records, and the
/// stores that ship ([`MemoryStore`]; `RedisStore`, `PostgresStore` and `SqliteStore`
/// behind the features `redis`, `postgres` and `sqlite`).
pub mod store {
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub use crate::session::PostgresStore;
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub use crate::session::RedisStore;
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    pub use crate::session::SqliteStore;
    pub use crate::session::{
        DEFAULT_MAX_PER_USER, MemoryStore, Record, RecordKind, SaveMode, SessionId, SessionStore,
        StoreError, StoreFuture, UserRecord,
    };
}

#[doc(hidden)]
#[cfg(any(test, feature = "fuzzing"))]
#[path = "fuzz_entry.rs"]
pub mod __fuzz;

/// Items used by the code our macros generate. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::login::{
        AuthUser, Fresh, GuardSpec, HasUserLoader, IntoLoadResult, LoadError, Plain, Refusal,
        Refused, RequireLogin, Tag, UserLoader,
    };
    pub use axum_core::extract::FromRequestParts;
    pub use http;
    pub use http::request::Parts;
}
