//! The remember-cookie decoder (verify, JSON decode, server-side expiry). Never panics.
#![no_main]

use std::sync::LazyLock;

use axum_sesame::Key;
use axum_sesame::codec::Codec;
use libfuzzer_sys::fuzz_target;

static CODEC: LazyLock<Codec> =
    LazyLock::new(|| Codec::new(Key::from_bytes(b"fuzz key fuzz key fuzz key fuzz key!")));

fuzz_target!(|data: &[u8]| {
    let _ = axum_sesame::__fuzz::remember_from_value(&CODEC, data, 1_700_000_000);
});
