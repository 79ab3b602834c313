//! The v1 codec on arbitrary bytes: never panics, and an accepted value is the one
//! canonical encoding of its payload (non-malleability, SECURITY.md R10).
#![no_main]

use std::sync::LazyLock;

use axum_sesame::codec::Codec;
use axum_sesame::Key;
use axum_sesame::key::Purpose;
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<Key> =
    LazyLock::new(|| Key::from_bytes(b"fuzz key fuzz key fuzz key fuzz key!"));
static PLAIN: LazyLock<Codec> = LazyLock::new(|| Codec::new(KEY.clone()));
static SEALED: LazyLock<Codec> = LazyLock::new(|| Codec::new(KEY.clone()).with_encryption(true));

fuzz_target!(|data: &[u8]| {
    for (purpose, name) in [
        (Purpose::Session, "session"),
        (Purpose::Remember, "remember_token"),
    ] {
        if let Ok(decoded) = PLAIN.decode(purpose, name, data) {
            let again = PLAIN
                .encode(purpose, name, &decoded.payload)
                .expect("re-encodes");
            assert_eq!(
                again.as_bytes(),
                data,
                "a second spelling of one payload was accepted"
            );
        }
        let _ = SEALED.decode(purpose, name, data);
    }
});
