//! A whole `Cookie` header through the session read path: split, name match, verify,
//! JSON decode, time checks. Never panics (SECURITY.md R8, R14, R37).
#![no_main]

use std::sync::LazyLock;

use axum_sesame::Key;
use axum_sesame::codec::Codec;
use libfuzzer_sys::fuzz_target;

static CODEC: LazyLock<Codec> =
    LazyLock::new(|| Codec::new(Key::from_bytes(b"fuzz key fuzz key fuzz key fuzz key!")));

fuzz_target!(|data: &[u8]| {
    let _ = axum_sesame::__fuzz::session_from_cookie_header(&CODEC, data, 1_700_000_000);
});
