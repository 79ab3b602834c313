//! Attribute macros for [axum-sesame](https://docs.rs/axum-sesame): `#[login_required]`
//! and `#[user_loader]`. Use them through the `axum-sesame` crate, which re-exports them.
//!
//! Both macros are documented where you use them: [`login_required`](macro@login_required)
//! and [`user_loader`](macro@user_loader) (also on the re-exports in `axum_sesame`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proc_macro::TokenStream;

mod attr;
mod item;
mod login_required;
mod paths;
mod user_loader;

/// Guards an async axum handler (Flask-Login's `@login_required`):
///
/// | argument | meaning |
/// |---|---|
/// | `User` (first) | the user type; inferred from a `CurrentUser<User>` or `Auth<User>` argument |
/// | `fresh` | requires a fresh login (`@fresh_login_required`) |
/// | `role = "admin"` | requires the role (`AuthUser::has_role`); repeat for several, all required |
/// | `permission = "x"` | requires the permission (`AuthUser::has_permission`); repeatable |
/// | `redirect = "/path"` | this route's login view instead of the manager's |
/// | `check = f(&user, id)` | an async call over the handler's own arguments, run before the body; `false` answers 403 (the manager's forbidden handler) |
/// | `crate = "path"` | the runtime's path when re-exported (default `::axum_sesame`) |
///
/// Anonymous requests get the manager's unauthorized policy (303 to the login view with
/// `next` for browsers, 401 for API clients, JSON under `ApiOnly`); non-fresh logins on a
/// `fresh` route the needs-refresh policy; a missing role or permission 403. To guard a
/// whole router in one place, use `LoginRequired` (same options, plus data checks).
///
/// **With `#[axum::debug_handler]`:** put `#[login_required]` above it. The other order
/// cannot compile: `debug_handler` expands first and checks a call with the arguments as
/// written, before this macro adds the guard's.
///
/// ```
/// # use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};
/// # struct User { email: String }
/// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.email.clone() }
/// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
/// # #[user_loader]
/// # async fn load_user(id: String) -> Option<User> { None }
/// #[login_required(permission = "posts:write", redirect = "/editors/login")]
/// async fn write(user: CurrentUser<User>) -> String { format!("Writing as {}", user.email) }
///
/// #[login_required(User, role = "admin", role = "billing", crate = "::axum_sesame")]
/// async fn invoices() -> &'static str { "invoices" }
///
/// async fn is_author(user: &CurrentUser<User>, post: u64) -> bool { post % 2 == 0 }
///
/// // With `check`, the return type becomes `Result<String, Refused>`: both answer.
/// #[login_required(check = is_author(&user, post))]
/// async fn edit(user: CurrentUser<User>, axum::extract::Path(post): axum::extract::Path<u64>) -> String {
///     format!("{} edits {post}", user.email)
/// }
/// # let _ = axum::Router::<()>::new()
/// #     .route("/w", axum::routing::get(write))
/// #     .route("/i", axum::routing::get(invoices))
/// #     .route("/e/{post}", axum::routing::get(edit));
/// ```
///
/// ```
/// # use axum_sesame::{AuthUser, CurrentUser, login_required, user_loader};
/// # struct User { email: String }
/// # impl AuthUser for User { type Id = String; fn id(&self) -> String { self.email.clone() }
/// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
/// # #[user_loader]
/// # async fn load_user(id: String) -> Option<User> { None }
/// #[login_required]
/// async fn protected(user: CurrentUser<User>) -> String {
///     format!("Logged in as: {}", user.email)
/// }
///
/// #[login_required(User, fresh)]
/// async fn settings() -> &'static str { "settings" }
///
/// #[login_required(role = "admin")]
/// async fn admin(user: CurrentUser<User>) -> String { format!("Admin: {}", user.email) }
/// # let _ = axum::Router::<()>::new()
/// #     .route("/p", axum::routing::get(protected))
/// #     .route("/s", axum::routing::get(settings))
/// #     .route("/a", axum::routing::get(admin));
/// ```
///
/// **What it expands to:** the same function with a first argument
/// `_: ::axum_sesame::__private::RequireLogin<User, Spec>` (the body is untouched), where
/// `Spec` is `Plain`, `Fresh`, or a generated `Tag<ID>` whose `GuardSpec` impl holds the
/// roles, permissions and redirect; and a private const that checks `User: AuthUser`.
/// Set `LOGIN_MACROS_DEBUG=1` to print expansions while building.
///
/// **Errors** (all reported at once, each on your token, with the function still
/// emitted so `get(handler)` keeps compiling): not `async`; a `self` receiver; generics;
/// more than 15 arguments; an unknown or repeated option; a `redirect` that is not a local
/// path; a malformed `crate`; no way to infer the user type.
///
/// ```compile_fail
/// # use axum_sesame::login_required;
/// #[login_required(User, redirect = "https://evil.example")]
/// async fn page() {}
/// ```
///
/// **Limitations:** not in trait `impl` blocks (the macro adds an associated const);
/// `OPTIONS` requests pass the guard (the manager's exempt methods).
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    login_required::expand(args.into(), item.into()).into()
}

/// Marks the one function that loads a user by id (Flask-Login's `@user_loader`):
///
/// ```
/// use axum::extract::State;
/// use axum_sesame::{AuthUser, user_loader};
///
/// #[derive(Clone)]
/// struct Db;
/// impl Db { fn get(&self, _id: &str) -> Option<User> { None } }
///
/// struct User { email: String, pw_hash: String }
/// impl AuthUser for User {
///     type Id = String;
///     fn id(&self) -> String { self.email.clone() }
///     fn session_auth_hash(&self) -> &[u8] { self.pw_hash.as_bytes() }
/// }
///
/// #[user_loader]
/// async fn load_user(id: String, State(db): State<Db>) -> Option<User> {
///     db.get(&id)
/// }
/// ```
///
/// The first argument is the id (of type `<User as AuthUser>::Id`); the others are any
/// axum extractors (`State<T>` …) run with the router's state. The return type is
/// `Option<User>` or `Result<Option<User>, E>` with `E: Display` (an `Err` answers 500 and
/// is logged). Options: `crate = "path"` when the runtime is re-exported elsewhere.
///
/// **What it expands to:** the function unchanged, plus
/// `impl HasUserLoader for User {}` and `impl<S> UserLoader<S> for User` whose
/// `load_user` runs each extra argument's `FromRequestParts` and calls the function.
///
/// **Errors** (each on your token): not `async`; a `self` receiver; generics; no id
/// argument; a return type other than `Option<U>` / `Result<Option<U>, E>`; a user type
/// without `AuthUser`.
///
/// ```compile_fail
/// # use axum_sesame::{AuthUser, user_loader};
/// # struct User;
/// # impl AuthUser for User { type Id = String; fn id(&self) -> String { String::new() }
/// #     fn session_auth_hash(&self) -> &[u8] { b"" } }
/// #[user_loader]
/// async fn load_user(id: String) -> User { User }   // must be Option<User>
/// ```
///
/// **Limitations:** the loader must be a free function (not in an `impl` block), one per
/// user type, and the user type must be defined in your crate.
#[proc_macro_attribute]
pub fn user_loader(args: TokenStream, item: TokenStream) -> TokenStream {
    user_loader::expand(args.into(), item.into()).into()
}
