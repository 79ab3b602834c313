//! Entry points for the fuzz targets in `fuzz/`: the request-facing decoders, callable
//! without a router. Not public API.

use http::{HeaderMap, HeaderValue};

use crate::codec::Codec;
use crate::login::remember::RememberPayload;
use crate::session::compact;
use crate::session::cookie_header::{MAX_CANDIDATES, cookie_values};
use crate::session::lifetimes::Lifetimes;

/// The session read path for one `Cookie` header value: split, match the name, verify,
/// decode and time-check each candidate. Returns whether one was accepted.
pub fn session_from_cookie_header(codec: &Codec, header: &[u8], now: u64) -> bool {
    let Ok(value) = HeaderValue::from_bytes(header) else {
        return false;
    };
    let mut headers = HeaderMap::new();
    headers.append(http::header::COOKIE, value);
    let lifetimes = Lifetimes {
        permanent: 31 * 24 * 3600,
        absolute: 31 * 24 * 3600,
        idle: Some(3600),
        skew: 60,
    };
    cookie_values(&headers, "session")
        .take(MAX_CANDIDATES)
        .any(|v| compact::open(codec, "session", v, now, &lifetimes).is_ok())
}

/// The remember-cookie decoder. Returns whether the value was accepted.
pub fn remember_from_value(codec: &Codec, value: &[u8], now: u64) -> bool {
    RememberPayload::open(codec, "remember_token", value, now, 60).is_ok()
}

/// Flask mode: `data` as an authentic payload (the MAC passes, so everything after it
/// runs on hostile bytes): the first byte picks plain JSON or a `.`-marked zlib stream,
/// the rest is the payload. Returns whether the session decoded.
#[cfg(feature = "flask")]
pub fn flask_signed(signer: &crate::flask_format::FlaskSigner, data: &[u8], now: u64) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let Some((&mode, payload)) = data.split_first() else {
        return false;
    };
    let mut signed = String::new();
    if mode & 1 == 1 {
        signed.push('.');
    }
    URL_SAFE_NO_PAD.encode_string(payload, &mut signed);
    signed.push('.');
    let ts = now.to_be_bytes();
    let first = ts.iter().position(|&b| b != 0).unwrap_or(ts.len());
    URL_SAFE_NO_PAD.encode_string(&ts[first..], &mut signed);
    let cookie = signer.sign_raw(&signed);
    signer.decode_session(cookie, now, 31 * 24 * 3600).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;
    use crate::session::payload::{Payload, SessionId};
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000;

    fn codec() -> Codec {
        Codec::new(Key::from_bytes(b"fuzz key fuzz key fuzz key fuzz key!"))
    }

    fn valid_cookie() -> String {
        let p = Payload {
            sid: Some(SessionId([1; 16])),
            seen: NOW - 5,
            uid: Some("foo@bar.tld".into()),
            ..Payload::new(NOW - 10)
        };
        compact::seal(&p, &codec(), "session").unwrap()
    }

    #[test]
    fn the_valid_cookie_is_accepted_among_noise() {
        let v = valid_cookie();
        for header in [
            format!("session={v}"),
            format!("session=junk; session={v}"),
            format!("session={v}; session=junk"),
            format!("a=1; b=2; session={v}; c=3"),
        ] {
            assert!(
                session_from_cookie_header(&codec(), header.as_bytes(), NOW),
                "{header}"
            );
        }
        let mut many = (0..300)
            .map(|i| format!("a{i}=1"))
            .collect::<Vec<_>>()
            .join("; ");
        many.push_str(&format!("; session={v}"));
        assert!(session_from_cookie_header(&codec(), many.as_bytes(), NOW));
        let mut bytes = b"theme=\xff; session=".to_vec();
        bytes.extend_from_slice(v.as_bytes());
        assert!(session_from_cookie_header(&codec(), &bytes, NOW));
    }

    proptest! {
        #[test]
        fn any_header_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = session_from_cookie_header(&codec(), &bytes, NOW);
            prop_assert!(!remember_from_value(&codec(), &bytes, NOW));
        }

        #[test]
        fn mutated_cookies_in_a_header_are_refused(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let v = valid_cookie().into_bytes();
            let i = pos.index(v.len());
            let mut changed = v.clone();
            changed[i] = byte;
            prop_assume!(changed != v);
            let mut header = b"session=".to_vec();
            header.extend_from_slice(&changed);
            prop_assert!(!session_from_cookie_header(&codec(), &header, NOW));
        }
    }

    #[cfg(feature = "flask")]
    #[test]
    fn flask_signed_reaches_the_decoders() {
        let signer = crate::flask_format::FlaskSigner::from_text("k");
        assert!(flask_signed(&signer, b"\x00{\"_user_id\":\"1\"}", NOW));
        assert!(!flask_signed(&signer, b"\x00not json", NOW));
        assert!(!flask_signed(&signer, b"\x01not zlib", NOW));
        assert!(!flask_signed(&signer, b"", NOW));
    }
}
