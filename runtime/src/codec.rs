//! The v1 cookie format: signed, optionally encrypted, bound to purpose and cookie name.
//!
//! ```text
//! value = "v1." b64url(body) "." b64url(tag)          (base64url, no padding, strict)
//! tag   = HMAC-SHA256(K_mac(purpose),
//!                     domain ‖ u16be(len purpose) ‖ purpose ‖ u16be(len name) ‖ name ‖ "." ‖ b64url(body))
//! body  = payload                                     (signed mode,    domain = "sesame/v1\0")
//!       | nonce(24) ‖ XChaCha20-Poly1305(payload)     (encrypted mode, domain = "sesame/v1e\0")
//! ```
//!
//! The tag is checked first, in constant time, over the exact bytes received, under the
//! current key and then each fallback key; nothing is decoded before that. A value that is
//! not in canonical form (padding, a foreign alphabet, non-zero trailing bits, a tag of any
//! length but 32 bytes, extra segments, another version) is refused. The purpose and the
//! cookie name are inside the MAC, so a value cannot move between cookies. In encrypted
//! mode the same purpose and name are the AEAD's associated data.
//!
//! Cookies whose name and value together exceed [`MAX_COOKIE_LEN`] bytes are refused at
//! write time with [`EncodeError::TooLarge`]; browsers would drop them silently.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Mac;

use crate::key::{HmacSha256, Key, KeyRing, Purpose};

/// The largest cookie (name plus value, in bytes) the codec writes or reads.
pub const MAX_COOKIE_LEN: usize = 4096;

const VERSION_PREFIX: &[u8] = b"v1.";
const DOMAIN_SIGNED: &[u8] = b"sesame/v1\0";
const DOMAIN_ENCRYPTED: &[u8] = b"sesame/v1e\0";
/// Length of a base64url-encoded 32-byte tag without padding.
const TAG_B64_LEN: usize = 43;
const NONCE_LEN: usize = 24;

/// Why a value could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The cookie would exceed [`MAX_COOKIE_LEN`] bytes (name plus value).
    TooLarge {
        /// The size the cookie would have had.
        len: usize,
    },
    /// The operating system's random number generator failed (encrypted mode).
    Random,
    /// The cookie name is longer than the format allows.
    NameTooLong,
    /// The `Set-Cookie` line is not a valid header value (not expected: names, paths and
    /// domains are checked at start-up and values are base64).
    InvalidHeader,
    /// The session holds a value the cookie format cannot carry (Flask mode: nested more
    /// than 32 levels deep).
    Unencodable,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLarge { len } => write!(
                f,
                "cookie would be {len} bytes, over the {MAX_COOKIE_LEN}-byte limit browsers \
                 enforce; store less in the session or use a server-side store"
            ),
            EncodeError::Random => f.write_str("the system random number generator failed"),
            EncodeError::NameTooLong => f.write_str("cookie name is too long"),
            EncodeError::InvalidHeader => {
                f.write_str("the Set-Cookie line is not a valid header value")
            }
            EncodeError::Unencodable => {
                f.write_str("the session holds a value the cookie format cannot carry")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// Why a value was refused. Every variant means the same to a caller: treat the cookie as
/// absent. The variants exist for logs and tests; they never carry the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not of the shape `v1.<body>.<tag>` with canonical base64url.
    Malformed,
    /// Longer than [`MAX_COOKIE_LEN`].
    TooLarge,
    /// The tag did not verify under any key of the ring.
    BadSignature,
    /// Authentic, but the encrypted body did not decrypt (encrypted mode).
    Decrypt,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::Malformed => "malformed cookie value",
            DecodeError::TooLarge => "cookie value too large",
            DecodeError::BadSignature => "cookie signature does not verify",
            DecodeError::Decrypt => "cookie body does not decrypt",
        })
    }
}

impl std::error::Error for DecodeError {}

/// A value that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// The payload bytes, as given to [`Codec::encode`].
    pub payload: Vec<u8>,
    /// `true` when a fallback key (not the current one) verified the value: re-issue it.
    pub rotated: bool,
}

/// Signs (and optionally encrypts) cookie values with a [`KeyRing`].
///
/// # Example
/// ```
/// use axum_sesame::codec::Codec;
/// use axum_sesame::Key;
/// use axum_sesame::key::Purpose;
///
/// let codec = Codec::new(Key::from_bytes(&[7u8; 32]));
/// let value = codec.encode(Purpose::Session, "session", b"{\"a\":1}").unwrap();
/// assert!(value.starts_with("v1."));
/// let decoded = codec.decode(Purpose::Session, "session", value.as_bytes()).unwrap();
/// assert_eq!(decoded.payload, b"{\"a\":1}");
///
/// // Bound to its name and purpose:
/// assert!(codec.decode(Purpose::Session, "other", value.as_bytes()).is_err());
/// assert!(codec.decode(Purpose::Remember, "session", value.as_bytes()).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Codec {
    keys: KeyRing,
    encrypted: bool,
}

impl Codec {
    /// A codec that signs with the ring's current key and verifies with all of them.
    pub fn new(keys: impl Into<KeyRing>) -> Codec {
        Codec {
            keys: keys.into(),
            encrypted: false,
        }
    }

    /// Encrypts payloads (XChaCha20-Poly1305) as well as signing them, so clients cannot
    /// read what the session holds. Values written in one mode are refused in the other.
    #[must_use]
    pub fn with_encryption(mut self, encrypted: bool) -> Codec {
        self.encrypted = encrypted;
        self
    }

    /// Whether payloads are encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// The keys in use.
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    fn domain(&self) -> &'static [u8] {
        if self.encrypted {
            DOMAIN_ENCRYPTED
        } else {
            DOMAIN_SIGNED
        }
    }

    /// The prepared MAC over the message header: everything before the body.
    fn mac_header(&self, key: &Key, purpose: Purpose, name: &str) -> HmacSha256 {
        let mut mac = key.subkey(purpose).mac.clone();
        let purpose = purpose.as_str().as_bytes();
        mac.update(self.domain());
        mac.update(&(purpose.len() as u16).to_be_bytes());
        mac.update(purpose);
        // Names are bounded by MAX_COOKIE_LEN (checked by callers of `mac_header`).
        mac.update(&(name.len() as u16).to_be_bytes());
        mac.update(name.as_bytes());
        mac.update(b".");
        mac
    }

    fn aad(&self, purpose: Purpose, name: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(self.domain().len() + 24 + name.len());
        aad.extend_from_slice(self.domain());
        aad.extend_from_slice(purpose.as_str().as_bytes());
        aad.push(0);
        aad.extend_from_slice(name.as_bytes());
        aad
    }

    /// Encodes `payload` as a cookie value for cookie `name`.
    ///
    /// # Errors
    /// [`EncodeError::TooLarge`] when `name` plus the value would exceed [`MAX_COOKIE_LEN`];
    /// [`EncodeError::Random`] when the OS random generator fails (encrypted mode only).
    pub fn encode(
        &self,
        purpose: Purpose,
        name: &str,
        payload: &[u8],
    ) -> Result<String, EncodeError> {
        if name.len() > MAX_COOKIE_LEN {
            return Err(EncodeError::NameTooLong);
        }
        let key = self.keys.current();
        let sealed;
        let body: &[u8] = if self.encrypted {
            let mut nonce = [0u8; NONCE_LEN];
            getrandom::fill(&mut nonce).map_err(|_| EncodeError::Random)?;
            let cipher = XChaCha20Poly1305::new((&*key.subkey(purpose).enc).into());
            let aad = self.aad(purpose, name);
            let ct = cipher
                .encrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: payload,
                        aad: &aad,
                    },
                )
                // XChaCha20-Poly1305 fails only for messages of 256 GiB and more.
                .map_err(|_| EncodeError::TooLarge { len: usize::MAX })?;
            let mut buf = Vec::with_capacity(NONCE_LEN + ct.len());
            buf.extend_from_slice(&nonce);
            buf.extend_from_slice(&ct);
            sealed = buf;
            &sealed
        } else {
            payload
        };

        let body_len = base64::encoded_len(body.len(), false).unwrap_or(usize::MAX);
        let total = name
            .len()
            .saturating_add(VERSION_PREFIX.len() + 1 + TAG_B64_LEN)
            .saturating_add(body_len);
        if total > MAX_COOKIE_LEN {
            return Err(EncodeError::TooLarge { len: total });
        }

        let mut out = String::with_capacity(total - name.len());
        out.push_str("v1.");
        URL_SAFE_NO_PAD.encode_string(body, &mut out);
        let mut mac = self.mac_header(key, purpose, name);
        mac.update(&out.as_bytes()[VERSION_PREFIX.len()..]);
        let tag = mac.finalize().into_bytes();
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        Ok(out)
    }

    /// Verifies and decodes a cookie value received for cookie `name`.
    ///
    /// # Errors
    /// A [`DecodeError`] for anything but an authentic, canonical value: treat the cookie as
    /// absent.
    pub fn decode(
        &self,
        purpose: Purpose,
        name: &str,
        value: &[u8],
    ) -> Result<Decoded, DecodeError> {
        if value.len().saturating_add(name.len()) > MAX_COOKIE_LEN {
            return Err(DecodeError::TooLarge);
        }
        let rest = value
            .strip_prefix(VERSION_PREFIX)
            .ok_or(DecodeError::Malformed)?;
        if rest.len() < TAG_B64_LEN + 1 {
            return Err(DecodeError::Malformed);
        }
        let (body_b64, dot_tag) = rest.split_at(rest.len() - TAG_B64_LEN - 1);
        let tag_b64 = &dot_tag[1..];
        // The body's alphabet is checked by the strict decoder after the MAC (which covers
        // the exact bytes received); the tag's by decoding it.
        if dot_tag[0] != b'.' {
            return Err(DecodeError::Malformed);
        }
        let mut tag = [0u8; 33];
        let tag_len = URL_SAFE_NO_PAD
            .decode_slice(tag_b64, &mut tag)
            .map_err(|_| DecodeError::Malformed)?;
        let tag = tag.get(..tag_len).ok_or(DecodeError::Malformed)?;

        let mut verified = None;
        for (index, key) in self.keys.iter().enumerate() {
            let mut mac = self.mac_header(key, purpose, name);
            mac.update(body_b64);
            // Full-length, constant-time comparison: a tag of any other length fails.
            if mac.verify_slice(tag).is_ok() {
                verified = Some((index, key));
                break;
            }
        }
        let (index, key) = verified.ok_or(DecodeError::BadSignature)?;

        let body = URL_SAFE_NO_PAD
            .decode(body_b64)
            .map_err(|_| DecodeError::Malformed)?;
        let payload = if self.encrypted {
            if body.len() < NONCE_LEN {
                return Err(DecodeError::Decrypt);
            }
            let (nonce, ct) = body.split_at(NONCE_LEN);
            let nonce = XNonce::try_from(nonce).map_err(|_| DecodeError::Decrypt)?;
            let cipher = XChaCha20Poly1305::new((&*key.subkey(purpose).enc).into());
            let aad = self.aad(purpose, name);
            cipher
                .decrypt(&nonce, Payload { msg: ct, aad: &aad })
                .map_err(|_| DecodeError::Decrypt)?
        } else {
            body
        };
        Ok(Decoded {
            payload,
            rotated: index != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codec() -> Codec {
        Codec::new(Key::from_bytes(&[42u8; 32]))
    }

    fn sample() -> String {
        codec()
            .encode(Purpose::Session, "session", br#"{"user":"foo@bar.tld"}"#)
            .unwrap()
    }

    fn rejects(value: &[u8]) -> bool {
        codec().decode(Purpose::Session, "session", value).is_err()
    }

    /// Values signed by an independent implementation of the format (Python's hmac and
    /// hashlib, in fuzz/make_seeds.py): the format is what the module docs say.
    #[test]
    fn golden_vectors_from_an_independent_implementation() {
        let c = Codec::new(Key::from_bytes(b"fuzz key fuzz key fuzz key fuzz key!"));
        let session = b"v1.eyJhIjoxfQ.W8pIMRaCZp7sMN5_ThvCumiCn4CarTitYHy0rhRjo6c";
        let remember = b"v1.eyJhIjoxfQ.BoLVhIdJZch8rAvLFYX1cCaaJZzL5AVw-_uQj4QocNA";
        assert_eq!(
            c.decode(Purpose::Session, "session", session)
                .unwrap()
                .payload,
            br#"{"a":1}"#
        );
        assert_eq!(
            c.decode(Purpose::Remember, "remember_token", remember)
                .unwrap()
                .payload,
            br#"{"a":1}"#
        );
        assert_eq!(
            c.encode(Purpose::Session, "session", br#"{"a":1}"#)
                .unwrap()
                .as_bytes(),
            session
        );
    }

    #[test]
    fn round_trip_signed_and_encrypted() {
        for c in [codec(), codec().with_encryption(true)] {
            let v = c.encode(Purpose::Session, "s", b"hello").unwrap();
            let d = c.decode(Purpose::Session, "s", v.as_bytes()).unwrap();
            assert_eq!(d.payload, b"hello");
            assert!(!d.rotated);
        }
    }

    #[test]
    fn encrypted_values_hide_the_payload_and_differ_each_time() {
        let c = codec().with_encryption(true);
        let a = c.encode(Purpose::Session, "s", b"secret-data").unwrap();
        let b = c.encode(Purpose::Session, "s", b"secret-data").unwrap();
        assert_ne!(a, b);
        let body = a.split('.').nth(1).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        assert!(!raw.windows(11).any(|w| w == b"secret-data"));
    }

    #[test]
    fn modes_do_not_mix() {
        let plain = codec().encode(Purpose::Session, "s", b"x").unwrap();
        let enc = codec()
            .with_encryption(true)
            .encode(Purpose::Session, "s", b"x")
            .unwrap();
        assert!(
            codec()
                .with_encryption(true)
                .decode(Purpose::Session, "s", plain.as_bytes())
                .is_err()
        );
        assert!(
            codec()
                .decode(Purpose::Session, "s", enc.as_bytes())
                .is_err()
        );
    }

    #[test]
    fn truncated_tags_of_every_length_are_rejected() {
        let v = sample();
        let (head, tag_b64) = v.rsplit_once('.').unwrap();
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).unwrap();
        for k in 0..32 {
            let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&tag[..k]));
            assert!(
                rejects(forged.as_bytes()),
                "a {k}-byte tag prefix was accepted"
            );
        }
        let mut long = tag.clone();
        long.push(0);
        let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&long));
        assert!(rejects(forged.as_bytes()), "a 33-byte tag was accepted");
    }

    #[test]
    fn non_canonical_base64_is_rejected() {
        let v = sample();
        for forged in [
            format!("{v}="),
            format!("{v}=="),
            format!("{v}===="),
            format!("\"{v}\""),
            v.replace('.', "%2E"),
            v.replacen('.', ":", 1),
            format!("{v}.{}", v.rsplit_once('.').unwrap().1),
            format!("A{v}"),
            format!(".{v}"),
            format!("{v}A"),
            format!("{v}{v}"),
            v.replace('-', "+").replace('_', "/"),
            v.replacen("v1.", "v2.", 1),
            v.replacen("v1.", "V1.", 1),
            v.replacen("v1.", "v0.", 1),
            v.replacen("v1.", "v01.", 1),
        ] {
            if forged == v {
                continue;
            }
            assert!(rejects(forged.as_bytes()), "accepted {forged}");
        }
        // The sibling of the last tag character that differs only in unused low bits.
        let last = *v.as_bytes().last().unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let pos = alphabet.iter().position(|&c| c == last).unwrap();
        for (i, &sibling) in alphabet.iter().enumerate().skip(pos & !0b11).take(4) {
            if i == pos {
                continue;
            }
            let mut forged = v.clone().into_bytes();
            *forged.last_mut().unwrap() = sibling;
            assert!(rejects(&forged), "accepted sibling {}", sibling as char);
        }
    }

    #[test]
    fn swapped_names_and_purposes_are_rejected() {
        let c = codec();
        let v = c.encode(Purpose::Session, "session", b"x").unwrap();
        assert!(
            c.decode(Purpose::Session, "remember", v.as_bytes())
                .is_err()
        );
        assert!(c.decode(Purpose::Session, "Session", v.as_bytes()).is_err());
        assert!(
            c.decode(Purpose::Remember, "session", v.as_bytes())
                .is_err()
        );
        assert!(c.decode(Purpose::Csrf, "session", v.as_bytes()).is_err());
    }

    #[test]
    fn fallback_keys_verify_and_ask_for_reissue() {
        let old = Key::from_bytes(&[1u8; 32]);
        let new = Key::from_bytes(&[2u8; 32]);
        let v = Codec::new(old.clone())
            .encode(Purpose::Session, "s", b"x")
            .unwrap();
        let rotated = Codec::new(KeyRing::new(new.clone()).with_fallback(old).unwrap());
        let d = rotated.decode(Purpose::Session, "s", v.as_bytes()).unwrap();
        assert!(d.rotated);
        let reissued = rotated.encode(Purpose::Session, "s", &d.payload).unwrap();
        let d2 = Codec::new(new.clone())
            .decode(Purpose::Session, "s", reissued.as_bytes())
            .unwrap();
        assert!(!d2.rotated);
        // Without the fallback the old value is dead.
        assert!(
            Codec::new(new)
                .decode(Purpose::Session, "s", v.as_bytes())
                .is_err()
        );
    }

    #[test]
    fn foreign_and_development_keys_are_rejected() {
        let dev = Codec::new(Key::development())
            .encode(Purpose::Session, "session", b"x")
            .unwrap();
        assert!(rejects(dev.as_bytes()));
    }

    #[test]
    fn oversize_is_a_typed_error() {
        let big = vec![b'a'; 5 * 1024];
        let err = codec()
            .encode(Purpose::Session, "session", &big)
            .unwrap_err();
        assert!(matches!(err, EncodeError::TooLarge { len } if len > MAX_COOKIE_LEN));
        // Largest payload that fits: exactly at the limit is fine.
        let name = "session";
        let mut n = 0;
        while codec()
            .encode(Purpose::Session, name, &vec![b'a'; n + 1])
            .is_ok()
        {
            n += 1;
        }
        let v = codec()
            .encode(Purpose::Session, name, &vec![b'a'; n])
            .unwrap();
        assert!(name.len() + v.len() <= MAX_COOKIE_LEN);
        assert!(name.len() + v.len() > MAX_COOKIE_LEN - 4);
        // A value over the limit is refused on read too.
        assert_eq!(
            codec().decode(Purpose::Session, name, &[b'A'; 4097]),
            Err(DecodeError::TooLarge)
        );
    }

    #[test]
    fn corpus_of_junk_is_rejected() {
        let v = sample();
        let (p, m) = {
            let mut it = v.splitn(3, '.').skip(1);
            (it.next().unwrap().to_owned(), it.next().unwrap().to_owned())
        };
        let junk: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b".".to_vec(),
            b"...".to_vec(),
            b"v1..".to_vec(),
            format!("v1.{p}.").into_bytes(),
            format!("v1..{m}").into_bytes(),
            b"eyJ1aWQiOiJmb29AYmFyLnRsZCJ9".to_vec(),
            b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJmb28ifQ.".to_vec(),
            vec![b'.'; 10_000],
            vec![0xff, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80],
            b"{}".to_vec(),
            b"null".to_vec(),
            format!("foo@bar.tld|{}", "0".repeat(128)).into_bytes(),
            v.chars().rev().collect::<String>().into_bytes(),
        ];
        for j in junk {
            assert!(rejects(&j), "accepted {:?}", String::from_utf8_lossy(&j));
        }
    }

    proptest! {
        #[test]
        fn round_trip(payload in proptest::collection::vec(any::<u8>(), 0..2000), name in "[a-zA-Z0-9_-]{1,32}") {
            let c = codec();
            let v = c.encode(Purpose::Session, &name, &payload).unwrap();
            prop_assert_eq!(c.decode(Purpose::Session, &name, v.as_bytes()).unwrap().payload, payload);
        }

        #[test]
        fn every_single_byte_change_is_rejected(payload in proptest::collection::vec(any::<u8>(), 0..64), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let c = codec();
            let v = c.encode(Purpose::Session, "session", &payload).unwrap().into_bytes();
            let i = pos.index(v.len());
            let mut changed = v.clone();
            changed[i] = byte;
            prop_assume!(changed != v);
            prop_assert!(c.decode(Purpose::Session, "session", &changed).is_err());
            // Insertions and deletions too.
            let mut inserted = v.clone();
            inserted.insert(i, byte);
            prop_assert!(c.decode(Purpose::Session, "session", &inserted).is_err());
            let mut deleted = v.clone();
            deleted.remove(i);
            prop_assert!(c.decode(Purpose::Session, "session", &deleted).is_err());
            prop_assert!(c.decode(Purpose::Session, "session", &v[..i]).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..8192)) {
            prop_assert!(codec().decode(Purpose::Session, "session", &bytes).is_err());
            prop_assert!(codec().with_encryption(true).decode(Purpose::Session, "session", &bytes).is_err());
        }
    }
}
