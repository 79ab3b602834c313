//! Flask interoperability: Flask's session cookie and Flask-Login's cookies and session
//! keys, byte for byte, so an axum app and a Flask app can share logins.
//!
//! This module is the wire format only: pure functions over cookie values and
//! [`serde_json::Map`]s. Checked against the real Flask 3.1.3, itsdangerous 2.2.0,
//! Werkzeug 3.1.9 and Flask-Login 0.6.3 (plus Flask-Login's unreleased main branch for
//! [`session_identifier`]) by golden vectors that `tests/flask/gen_vectors.py` prints.
//!
//! - [`FlaskSigner`] holds `SECRET_KEY` and `SECRET_KEY_FALLBACKS`.
//!   [`encode_session`](FlaskSigner::encode_session) and
//!   [`decode_session`](FlaskSigner::decode_session) are Flask's session cookie
//!   (itsdangerous `URLSafeTimedSerializer`, salt `cookie-session`, HMAC-SHA1, zlib);
//!   [`encode_remember`](FlaskSigner::encode_remember) and
//!   [`decode_remember`](FlaskSigner::decode_remember) are Flask-Login's remember cookie.
//! - [`to_json`] and [`from_json`] are Flask's tagged JSON.
//! - [`session_identifier`] and [`session_identifier_v06`] are Flask-Login's `_id`.
//! - [`keys`] names the session keys, which [`user_id`], [`is_fresh`] and
//!   [`remember_seconds`] read; logging in and out is [`Auth`](crate::Auth)'s, in Flask
//!   mode exactly as Flask-Login writes these keys. [`flashes`], [`set_flashes`],
//!   [`push_flash`], [`is_permanent`] and [`set_permanent`] are Flask's own keys.
//!
//! ```
//! use axum_sesame::flask::{FlaskSigner, session_identifier, user_id};
//!
//! let signer = FlaskSigner::from_text("k");
//! let id = session_identifier(Some("127.0.0.1"), Some(b"Mozilla/5.0"));
//! // What Flask-Login's `login_user` leaves in the session.
//! let session = serde_json::json!({"_user_id": "foo@bar.tld", "_fresh": true, "_id": id});
//! let session = session.as_object().unwrap().clone();
//! let cookie = signer.encode_session(&session, 1_700_000_000).unwrap();
//!
//! let decoded = signer.decode_session(&cookie, 1_700_000_001, 31 * 24 * 3600).unwrap();
//! assert_eq!(decoded.session, session);
//! assert_eq!(user_id(&decoded.session).as_deref(), Some("foo@bar.tld"));
//! ```
//!
//! # The untagged form
//!
//! Flask's `TaggedJSONSerializer` writes Python values JSON can't hold as one-key objects
//! whose key is a tag. Sessions here are in an *untagged form*, plain JSON where:
//!
//! | Python | on the wire | untagged form |
//! |---|---|---|
//! | `tuple` | `{" t": [..]}` | an array (read back as a list by Flask, except in `_flashes`, below) |
//! | a dict whose only key is a tag | `{" di": {"key__": v}}` | the dict `{"key": v}` |
//! | `bytes` | `{" b": "<base64>"}` | unchanged |
//! | `Markup` | `{" m": "<html>"}` | unchanged |
//! | `UUID` | `{" u": "<hex>"}` | unchanged |
//! | `datetime` | `{" d": "<HTTP date>"}` | unchanged |
//!
//! A one-key object with key ` b`, ` m`, ` u` or ` d` over a string is the Python value
//! and passes through both ways unchanged; any other one-key object whose key is a tag
//! is a dict and is escaped with ` di` on encode, as Flask does. A Python dict such as
//! `{" b": "x"}` (a dict, not bytes) would be ambiguous and fails to decode
//! ([`DecodeError::BadTag`]). In the top-level `_flashes` list, arrays are written as
//! tuples, as Flask's `flash()` stores them, so flashes round-trip byte for byte.
//!
//! Typed values must hold what Flask writes (padded standard base64 for ` b`, 32 hex
//! digits for ` u`): Flask drops a session whose typed value it can't read.
//!
//! Numbers: integers beyond `i64`/`u64` become floats, and without `serde_json`'s
//! `float_roundtrip` feature a float may come back one ulp off; NaN and infinities
//! (which Python's `json` accepts) fail to decode. Floats are written as Python's `repr`.
//!
//! # Permanence and expiry
//!
//! Flask refuses a cookie signed more than `PERMANENT_SESSION_LIFETIME` (31 days by
//! default) before now, whether or not the session is permanent, and one signed in the
//! future; pass that lifetime as `max_age` to [`FlaskSigner::decode_session`]. The
//! `_permanent` key ([`is_permanent`]) only decides the cookie's `Expires` (now + the
//! lifetime) and, with `SESSION_REFRESH_EACH_REQUEST`, that the cookie is re-signed on
//! every response; a non-permanent session's cookie is a browser-session cookie, re-signed
//! only when the session changes. An emptied session deletes the cookie.

pub use crate::flask_format::*;
pub use crate::session::flask_csrf::{generate_csrf, validate_csrf};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use crate::session::flask_store::FlaskSessionRedis;
