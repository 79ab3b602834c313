//! Compile-time behaviour of `#[login_required]` and `#[user_loader]`: programs that must
//! build, and mistakes that must fail with our message on the user's token.
//!
//! One `TestCases` (each one builds a scratch crate). Runs on the stable toolchain; after a
//! toolchain change, re-bless in the same commit:
//! `TRYBUILD=overwrite cargo test -p axum-sesame-macros --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
