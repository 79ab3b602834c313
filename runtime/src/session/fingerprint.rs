//! Keyed fingerprints, so the per-thread memos recognise an input they saw without
//! holding it.
//!
//! The function is SipHash-1-3 (the rounds std's `HashMap` uses against hash flooding)
//! with a 128-bit output, under a random key drawn once per process. Without that key
//! nobody can compute a fingerprint, so nobody can make two inputs collide, and an input
//! cannot be recovered from its fingerprint. A memo keeps fingerprints of cookie tags,
//! sealed JSON and `session_auth_hash` material, never the bytes themselves. If the OS
//! random source fails, the memos are off, not weaker.

use std::hash::Hasher as _;
use std::sync::OnceLock;

use siphasher::sip128::{Hasher128 as _, SipHasher13};

/// A 128-bit keyed fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u128);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(..)")
    }
}

fn key() -> Option<&'static [u8; 16]> {
    static KEY: OnceLock<Option<[u8; 16]>> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).ok().map(|()| key)
    })
    .as_ref()
}

/// The fingerprint of `parts`, each length-prefixed (so `["ab", "c"]` and `["a", "bc"]`
/// differ); `None` when there is no key (no memo then).
pub(crate) fn fingerprint(parts: &[&[u8]]) -> Option<Fingerprint> {
    let mut h = SipHasher13::new_with_key(key()?);
    for part in parts {
        h.write_u64(part.len() as u64);
        h.write(part);
    }
    Some(Fingerprint(h.finish128().as_u128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited_and_inputs_distinguished() {
        let fp = |p: &[&[u8]]| fingerprint(p).unwrap();
        assert_eq!(fp(&[b"ab", b"c"]), fp(&[b"ab", b"c"]));
        assert_ne!(fp(&[b"ab", b"c"]), fp(&[b"a", b"bc"]));
        assert_ne!(fp(&[b"session", b"v1.x"]), fp(&[b"session", b"v1.y"]));
        assert_eq!(format!("{:?}", fp(&[b"secret"])), "Fingerprint(..)");
    }
}
