//! The workspace's root package: it owns the runnable `examples/` and the end-to-end
//! `tests/` of axum-sesame and publishes nothing.
