//! Per-thread memos of pure cookie work, so that a request repeating what this thread did
//! a moment ago costs a fingerprint and a comparison instead of a MAC, base64 and JSON.
//!
//! Every memo holds results of deterministic functions of its inputs (the keys, the cookie
//! settings and the bytes) and recognises secret inputs by a keyed 128-bit fingerprint
//! ([`fingerprint`](crate::session::fingerprint)), never by the bytes: no memo keeps a
//! cookie's MAC tag (so nothing in a memo can be replayed as a cookie), a login's
//! `Set-Cookie` line or password-hash material.
//! Each table is bounded (256 opened cookies, 64 auth hashes, 64 client identities, one
//! sealed line per thread).
//!
//! - **opened cookies**: a direct-mapped table from a cookie to the payload it verified
//!   and decoded to, recognised by the signed part of the value (no secret: the payload
//!   it decodes to is what the entry holds) and a fingerprint of the tag. Time checks are
//!   not memoized: they run on every request against the current clock. Worth: the MAC,
//!   base64 and JSON of a returning cookie, 28.3 k + 33.7 k SHA down to 18.8 k + 13.5 k
//!   SHA instructions per request when it was added (BENCHMARKS.md); its fingerprint
//!   costs about 250.
//! - **the last sealed anonymous cookie**: anonymous redirects all flash the same message
//!   within the same second and carry no session id, so they share one line. A session
//!   with an id or a login is never memoized, nor anything in encrypted mode (each seal
//!   draws a new nonce). Worth: the anonymous redirect went from x1.60 to x1.32 of the
//!   no-auth baseline.
//! - **auth hashes and client identities**: the last digests computed for a user id and
//!   `session_auth_hash` material, and for a `User-Agent` and peer address, so that a
//!   returning client costs no HMAC or SHA-256 for them. Worth: 18.8 k + 13.5 k SHA down
//!   to 17.7 k instructions per authenticated request. The identity's inputs (what the
//!   client sends, and from where) are no secret and are kept as they are.
//!
//! No locks: each worker thread has its own memos. Keys are recognised by identity
//! ([`KeyIdentity`]), which does not keep their material alive.

use std::cell::RefCell;

use crate::codec::{Codec, EncodeError};
use crate::key::{Key, KeyIdentity, Purpose};
use crate::session::compact;
use crate::session::cookie_header::set_cookie_header;
use crate::session::cookie_settings::CookieSettings;
use crate::session::fingerprint::{Fingerprint, fingerprint};
use crate::session::lifetimes::Lifetimes;
use crate::session::payload::{Digest16, Payload, Refused};
use http::HeaderValue;

/// Entries of the opened-cookie table, per thread (at most 256 cookies of up to 4 KiB
/// each, usually a few hundred bytes). A genuine cookie lands in a slot chosen by its
/// tag; a collision only evicts.
const OPENED_SLOTS: usize = 256;

/// Everything besides the bytes that a value's verification depends on.
struct Signer {
    keys: Vec<KeyIdentity>,
    encrypted: bool,
}

impl Signer {
    fn of(codec: &Codec) -> Signer {
        Signer {
            keys: codec.keys().iter().map(|k| k.identity()).collect(),
            encrypted: codec.is_encrypted(),
        }
    }

    fn matches(&self, codec: &Codec) -> bool {
        self.encrypted == codec.is_encrypted()
            && self.keys.len() == codec.keys().iter().count()
            && codec.keys().iter().zip(&self.keys).all(|(k, id)| k.is(id))
    }
}

struct Opened {
    signer: Signer,
    /// The value without its last [`TAG_TAIL`] bytes: for our cookies `v1.`, the signed
    /// body and the dot, no secret (the payload it decodes to is kept beside it).
    signed: Vec<u8>,
    /// Of the cookie's name and the value's last [`TAG_TAIL`] bytes, its MAC tag: the tag,
    /// what makes the value a credential, is never kept.
    fp: Fingerprint,
    payload: Payload,
    rotated: bool,
}

/// How many bytes end a v1 value: its base64url tag. The opened-cookie table compares
/// what comes before as bytes and fingerprints only these, which costs a fifth of
/// fingerprinting a whole session cookie (about 250 instead of 1,000 instructions).
const TAG_TAIL: usize = 43;

/// A value split into its signed part and its tag (any value splits; only values that
/// verified are ever stored).
fn split_tag(value: &[u8]) -> (&[u8], &[u8]) {
    value.split_at(value.len().saturating_sub(TAG_TAIL))
}

thread_local! {
    static OPENED: RefCell<Vec<Option<Opened>>> = const { RefCell::new(Vec::new()) };
    static SEALED: RefCell<Option<Sealed>> = const { RefCell::new(None) };
    static HASHED: RefCell<Vec<Option<Hashed>>> = const { RefCell::new(Vec::new()) };
    static IDENTIFIED: RefCell<Vec<Option<Identified>>> = const { RefCell::new(Vec::new()) };
}

/// Entries of the auth-hash and client-identity tables, per thread.
const DIGEST_SLOTS: usize = 64;

/// The slot of `bytes` in a table of `slots` entries: FNV-1a, which spreads short strings
/// and tags well; not a security boundary (a collision only evicts).
fn slot_in(bytes: &[u8], slots: usize) -> usize {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The remainder is below `slots`, so it fits.
    (h % slots as u64) as usize
}

type Table<E> = &'static std::thread::LocalKey<RefCell<Vec<Option<E>>>>;

/// What `hit` makes of entry `slot` of this thread's `table`, if there is one.
fn lookup<E, R>(table: Table<E>, slot: usize, hit: impl FnOnce(&E) -> Option<R>) -> Option<R> {
    table
        .try_with(|t| hit(t.try_borrow().ok()?.get(slot)?.as_ref()?))
        .ok()
        .flatten()
}

/// Lets `update` write entry `slot` of this thread's `table` (`slots` entries, made on
/// first use). Nothing happens while the thread is being torn down.
fn update<E>(table: Table<E>, slots: usize, slot: usize, update: impl FnOnce(&mut Option<E>)) {
    let _ = table.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            if t.is_empty() {
                t.resize_with(slots, || None);
            }
            if let Some(e) = t.get_mut(slot) {
                update(e);
            }
        }
    });
}

/// Looks `slot` up in a digest table, or computes and stores the entry.
fn memoized<E, R>(
    table: Table<E>,
    slot: usize,
    hit: impl FnOnce(&E) -> Option<R>,
    compute: impl FnOnce() -> (E, R),
) -> R {
    if let Some(r) = lookup(table, slot, hit) {
        return r;
    }
    let (entry, r) = compute();
    update(table, DIGEST_SLOTS, slot, |e| *e = Some(entry));
    r
}

struct Hashed {
    key: KeyIdentity,
    /// The user id, no secret.
    uid: String,
    /// Of the `session_auth_hash` material (password-hash material is never kept).
    fp: Fingerprint,
    digest: Digest16,
}

/// The auth hash of (`key`, `uid`, `material`), computed by `compute` unless this thread
/// computed it last for the same key, id and material.
pub(crate) fn auth_hash(
    key: &Key,
    uid: &str,
    material: &[u8],
    compute: impl FnOnce() -> Digest16,
) -> Digest16 {
    let Some(fp) = fingerprint(&[material]) else {
        return compute();
    };
    memoized(
        &HASHED,
        slot_in(uid.as_bytes(), DIGEST_SLOTS),
        |e: &Hashed| (e.fp == fp && e.uid == uid && key.is(&e.key)).then_some(e.digest),
        || {
            let digest = compute();
            let entry = Hashed {
                key: key.identity(),
                uid: uid.to_owned(),
                fp,
                digest,
            };
            (entry, digest)
        },
    )
}

/// A client identity. Its inputs are what the client sends and where from, no secret:
/// they are kept as they are (a fingerprint would cost more than it hides).
struct Identified {
    user_agent: Vec<u8>,
    peer: Option<std::net::IpAddr>,
    digest: Digest16,
}

/// The client identity of a `User-Agent` and peer address, computed by `compute` unless
/// this thread computed it last for the same pair.
pub(crate) fn client_identity(
    user_agent: &[u8],
    peer: Option<std::net::IpAddr>,
    compute: impl FnOnce() -> Digest16,
) -> Digest16 {
    // User agents differ mostly in their versions, near the end.
    let tail = &user_agent[user_agent.len().saturating_sub(16)..];
    memoized(
        &IDENTIFIED,
        slot_in(tail, DIGEST_SLOTS) ^ (user_agent.len() % DIGEST_SLOTS),
        |e: &Identified| (e.peer == peer && e.user_agent == user_agent).then_some(e.digest),
        || {
            let digest = compute();
            let entry = Identified {
                user_agent: user_agent.to_vec(),
                peer,
                digest,
            };
            (entry, digest)
        },
    )
}

/// The table slot of a value: from its last 16 bytes (the tag's, for our cookies; the
/// very last base64 character carries only two bits).
fn slot_of(value: &[u8]) -> usize {
    slot_in(&value[value.len().saturating_sub(16)..], OPENED_SLOTS)
}

/// [`compact::open`], memoized per thread by the exact value: its signed part compared
/// as bytes, its tag by a keyed fingerprint.
pub(crate) fn open(
    codec: &Codec,
    name: &str,
    value: &[u8],
    now: u64,
    lifetimes: &Lifetimes,
) -> Result<(Payload, bool), Refused> {
    let (signed, tag) = split_tag(value);
    let Some(fp) = fingerprint(&[name.as_bytes(), tag]) else {
        return compact::open(codec, name, value, now, lifetimes);
    };
    let slot = slot_of(value);
    let hit = lookup(&OPENED, slot, |entry| {
        let same = entry.fp == fp && entry.signed == signed && entry.signer.matches(codec);
        same.then(|| (entry.payload.clone(), entry.rotated))
    });
    if let Some((payload, rotated)) = hit {
        payload.check_times(now, lifetimes)?;
        return Ok((payload, rotated));
    }
    let (payload, rotated) = compact::open(codec, name, value, now, lifetimes)?;
    update(&OPENED, OPENED_SLOTS, slot, |entry| match entry {
        // The same layer's previous entry: reuse its buffers and signer.
        Some(entry) if entry.signer.matches(codec) => {
            entry.fp = fp;
            entry.signed.clear();
            entry.signed.extend_from_slice(signed);
            entry.payload.clone_from(&payload);
            entry.rotated = rotated;
        }
        _ => {
            *entry = Some(Opened {
                signer: Signer::of(codec),
                signed: signed.to_vec(),
                fp,
                payload: payload.clone(),
                rotated,
            });
        }
    });
    Ok((payload, rotated))
}

/// The last session cookie this thread sealed in signed mode.
struct Sealed {
    key: KeyIdentity,
    cookie: CookieSettings,
    max_age: Option<u64>,
    /// Of the payload bytes sealed.
    fp: Fingerprint,
    /// Only ever an anonymous session's line (no id, no login): no credential.
    line: HeaderValue,
}

/// Serializes, signs and formats the session cookie, reusing this thread's last line when
/// the same payload was sealed under the same key and cookie settings.
pub(crate) fn seal(
    codec: &Codec,
    cookie: &CookieSettings,
    payload: &Payload,
    max_age: Option<u64>,
) -> Result<HeaderValue, EncodeError> {
    let json = compact::encode(payload);
    let seal = |json: &[u8]| {
        codec
            .encode(Purpose::Session, &cookie.name, json)
            .and_then(|value| cookie.set_cookie(value, max_age))
            .and_then(set_cookie_header)
    };
    // Encrypted lines are never reused (each seal draws a new nonce), and a session with
    // an id or a login is a credential, which no memo keeps.
    let anonymous = payload.sid.is_none() && payload.uid.is_none();
    if codec.is_encrypted() || !anonymous {
        return seal(&json);
    }
    let Some(fp) = fingerprint(&[&json]) else {
        return seal(&json);
    };
    let key = codec.keys().current();
    let hit = SEALED
        .try_with(|memo| {
            let memo = memo.try_borrow().ok()?;
            let m = memo.as_ref()?;
            let same = key.is(&m.key) && m.max_age == max_age && m.cookie == *cookie && m.fp == fp;
            same.then(|| m.line.clone())
        })
        .ok()
        .flatten();
    if let Some(line) = hit {
        return Ok(line);
    }
    let line = seal(&json)?;
    let _ = SEALED.try_with(|memo| {
        if let Ok(mut memo) = memo.try_borrow_mut() {
            *memo = Some(Sealed {
                key: key.identity(),
                cookie: cookie.clone(),
                max_age,
                fp,
                line: line.clone(),
            });
        }
    });
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    const NOW: u64 = 1_700_000_000;

    fn lifetimes() -> Lifetimes {
        Lifetimes {
            permanent: 3600,
            absolute: 3600,
            idle: None,
            skew: 60,
        }
    }

    fn sealed(codec: &Codec, uid: &str, iat: u64) -> String {
        let p = Payload {
            uid: Some(uid.to_owned()),
            ..Payload::new(iat)
        };
        compact::seal(&p, codec, "session").unwrap()
    }

    #[test]
    fn a_memoized_cookie_is_still_time_checked_and_bound_to_its_keys() {
        let codec = Codec::new(Key::from_bytes(&[1; 32]));
        let v = sealed(&codec, "alice", NOW);
        for _ in 0..2 {
            let (p, rotated) = open(&codec, "session", v.as_bytes(), NOW, &lifetimes()).unwrap();
            assert_eq!(p.uid.as_deref(), Some("alice"));
            assert!(!rotated);
        }
        // Expiry is checked on every hit.
        assert_eq!(
            open(&codec, "session", v.as_bytes(), NOW + 3601, &lifetimes()).unwrap_err(),
            Refused::Expired
        );
        // Another name, or other keys, never reuse the entry.
        assert!(open(&codec, "other", v.as_bytes(), NOW, &lifetimes()).is_err());
        let stranger = Codec::new(Key::from_bytes(&[2; 32]));
        assert!(open(&stranger, "session", v.as_bytes(), NOW, &lifetimes()).is_err());
        // The same secret in a new `Key` is a new identity, and still verifies.
        let twin = Codec::new(Key::from_bytes(&[1; 32]));
        assert!(open(&twin, "session", v.as_bytes(), NOW, &lifetimes()).is_ok());
    }

    #[test]
    fn a_value_differing_in_one_byte_is_not_a_hit() {
        let codec = Codec::new(Key::from_bytes(&[3; 32]));
        let v = sealed(&codec, "bob", NOW);
        assert!(open(&codec, "session", v.as_bytes(), NOW, &lifetimes()).is_ok());
        for i in 0..v.len() {
            let mut bad = v.clone().into_bytes();
            bad[i] ^= 1;
            assert!(
                open(&codec, "session", &bad, NOW, &lifetimes()).is_err(),
                "byte {i}"
            );
        }
    }

    #[test]
    fn genuine_cookies_spread_over_the_table() {
        let codec = Codec::new(Key::from_bytes(&[4; 32]));
        let slots: std::collections::HashSet<usize> = (0..1000)
            .map(|i| slot_of(sealed(&codec, &format!("user{i}"), NOW).as_bytes()))
            .collect();
        assert!(
            slots.len() > OPENED_SLOTS * 3 / 4,
            "{} slots used",
            slots.len()
        );
    }

    #[test]
    fn a_sealed_line_is_reused_only_for_the_same_json_key_and_attributes() {
        // The same `Key` (one identity) behind settings that differ in one thing.
        let key = Key::from_bytes(&[5; 32]);
        let settings = |key: &Key, name: &str| (Codec::new(key.clone()), CookieSettings::new(name));
        let payload = |uid: &str| Payload {
            uid: Some(uid.to_owned()),
            ..Payload::new(NOW)
        };
        let a = settings(&key, "session");
        let line = seal(&a.0, &a.1, &payload("alice"), None).unwrap();
        assert_eq!(
            seal(&a.0, &a.1, &payload("alice"), None).unwrap(),
            line,
            "same input"
        );
        for other in [
            seal(&a.0, &a.1, &payload("bob"), None).unwrap(),
            seal(&a.0, &a.1, &payload("alice"), Some(60)).unwrap(),
            {
                let (codec, cookie) = settings(&Key::from_bytes(&[6; 32]), "session");
                seal(&codec, &cookie, &payload("alice"), None).unwrap()
            },
            {
                let (codec, cookie) = settings(&key, "other");
                seal(&codec, &cookie, &payload("alice"), None).unwrap()
            },
        ] {
            assert_ne!(other, line);
        }
        // Each line verifies under its own settings.
        let value = line.to_str().unwrap()["session=".len()..]
            .split(';')
            .next()
            .unwrap();
        let (p, _) = compact::open(&a.0, "session", value.as_bytes(), NOW, &lifetimes())
            .expect("the reused line is a valid cookie");
        assert_eq!(p.uid.as_deref(), Some("alice"));
    }
}
