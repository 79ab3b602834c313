//! The golden vectors from the real Flask stack (see `vectors.rs`), the refusals, and
//! property tests.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::json::python_float;
use super::signer::inflate;
use super::vectors::{self, Secret, SessionVector};
use super::*;

const TS: u64 = vectors::TIMESTAMP;
const MAX_AGE: u64 = vectors::MAX_AGE;

fn signer_for(secret: Secret) -> FlaskSigner {
    match secret {
        Secret::Text(text) => FlaskSigner::from_text(text),
        Secret::Bytes(bytes) => FlaskSigner::from_bytes(bytes),
    }
}

fn signer(v: &SessionVector) -> FlaskSigner {
    v.fallbacks
        .iter()
        .fold(signer_for(v.secret), |s, fallback| match *fallback {
            Secret::Text(text) => s.with_fallback_text(text),
            Secret::Bytes(bytes) => s.with_fallback(bytes),
        })
}

fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Signs any `payload.timestamp` text with the signer's current key.
fn sign_raw(signer: &FlaskSigner, signed: &str) -> String {
    let mut mac = signer.current.session_mac();
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// A signed cookie over `payload` (already base64, `.`-prefixed if compressed) at `TS`.
fn signed_payload(signer: &FlaskSigner, payload: &str) -> String {
    sign_raw(signer, &format!("{payload}.ZVPxAA"))
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

mod flask_login;
mod login_model;

use login_model::*;
mod flask_session;
mod properties;
mod session_cookie;
