//! Flask mode's decoders (feature `flask`): the session cookie and the remember cookie as
//! received, the tagged-JSON decoder, and, behind a valid signature, payloads of any
//! bytes, plain or zlib-marked (inflation capped at 64 KiB). Never panics.
#![no_main]

use std::sync::LazyLock;

use axum_sesame::flask::{FlaskSigner, from_json, to_json};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_700_000_000;

static SIGNER: LazyLock<FlaskSigner> =
    LazyLock::new(|| FlaskSigner::from_text("k").with_fallback_text("old"));

fuzz_target!(|data: &[u8]| {
    let _ = SIGNER.decode_session(data, NOW, 31 * 24 * 3600);
    let _ = SIGNER.decode_remember(data);
    // What decodes must encode again (floats may move by an ulp, so no equality here).
    if let Ok(map) = from_json(data) {
        let _ = to_json(&map);
    }
    let _ = axum_sesame::__fuzz::flask_signed(&SIGNER, data, NOW);
});
