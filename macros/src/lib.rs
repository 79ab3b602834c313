//! Attribute macros for [axum-sesame](https://docs.rs/axum-sesame).
//!
//! `#[login_required]` and `#[user_loader]` land here; use them through the `axum-sesame`
//! crate, which re-exports them.
