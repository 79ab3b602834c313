//! The login layer's cookies in the session's [`CookieFormat`]: the remember cookie and
//! the client identity of session protection, ours or Flask-Login's.
//!
//! With `session/format.rs`, the seam of Flask mode: the only place in `login/` that
//! branches on the format. Everything else asks [`CookieFormat`] what the format does
//! (has an auth hash, keeps data at logout, times freshness).

use http::request::Parts;
use sha2::{Digest, Sha256};

use crate::codec::EncodeError;
use crate::login::remember::RememberPayload;
use crate::login::settings::LoginSettings;
use crate::session::format::CookieFormat;
use crate::session::incoming::Unread;
use crate::session::memo;
use crate::session::payload::Digest16;
use crate::session::settings::SessionSettings;
use crate::session::state::ClientId;

/// Verifies, parses and time-checks one remember-cookie candidate.
pub(crate) fn open_remember(
    settings: &SessionSettings,
    login: &LoginSettings,
    value: &[u8],
    now: u64,
) -> Result<RememberPayload, Unread> {
    match &settings.format {
        CookieFormat::Sesame => {
            let name = &login.remember.name;
            let skew = settings.lifetimes.skew;
            RememberPayload::open(&settings.codec, name, value, now, skew)
        }
        #[cfg(feature = "flask")]
        CookieFormat::Flask(flask) => {
            // Flask-Login's `id|hex(HMAC-SHA512)`: no expiry inside (the browser's only),
            // as Werkzeug wrote it (quoted when the id needs it).
            let value = crate::flask_format::unquote_cookie_value(value);
            let r = flask
                .mode
                .signer
                .decode_remember(value)
                .map_err(|_| Unread::Unreadable)?;
            // Honoured for the remember duration from now, as Flask-Login does (the
            // cookie carries no time).
            Ok(RememberPayload::untimed(
                r.user_id,
                r.by_fallback,
                now,
                login.remember_secs,
            ))
        }
    }
}

/// The remember cookie's value.
pub(crate) fn seal_remember(
    settings: &SessionSettings,
    login: &LoginSettings,
    payload: &RememberPayload,
) -> Result<String, EncodeError> {
    match &settings.format {
        CookieFormat::Sesame => payload.seal(&settings.codec, &login.remember.name),
        #[cfg(feature = "flask")]
        CookieFormat::Flask(flask) => {
            // Quoted as Werkzeug does: an id such as `x; Domain=evil` stays in the value
            // (R44), and Flask reads back exactly this id.
            flask
                .mode
                .signer
                .encode_remember(&payload.uid)
                .map(|v| crate::flask_format::quote_cookie_value(&v))
                .map_err(|_| EncodeError::Unencodable)
        }
    }
}

/// The client identity used by session protection: `SHA-256(User-Agent ‖ 0 ‖ peer
/// address)[..16]`, the address only when the server records it
/// (`into_make_service_with_connect_info`). Never a forwarding header. In Flask mode,
/// Flask-Login's `_id` instead.
pub(crate) fn client_identity(settings: &SessionSettings, parts: &Parts) -> ClientId {
    match &settings.format {
        CookieFormat::Sesame => ClientId::Digest(identity_digest(parts)),
        #[cfg(feature = "flask")]
        CookieFormat::Flask(flask) => ClientId::Flask(flask.mode.identifier(parts)),
    }
}

fn identity_digest(parts: &Parts) -> Digest16 {
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .map_or(&b""[..], |ua| ua.as_bytes());
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|axum::extract::ConnectInfo(addr)| addr.ip());
    memo::client_identity(user_agent, peer, || {
        let mut h = Sha256::new();
        h.update(user_agent);
        h.update([0u8]);
        if let Some(ip) = peer {
            h.update(ip.to_string().as_bytes());
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize()[..16]);
        Digest16(out)
    })
}
