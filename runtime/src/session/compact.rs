//! The session cookie's payload as compact bytes: the fixed fields in binary, the app's
//! data and flashes as JSON. About half the size of the same payload as JSON, so half the
//! base64 and none of the JSON parsing for what every request reads.
//!
//! Layout (after the signature has verified; every rule below is checked, and anything
//! else is refused):
//!
//! ```text
//! 0x01                      format
//! flags                     1 byte: perm, rem, sid, uid, fat, ah, cid, rt (bit 0..7)
//! parts                     1 byte: d (bit 0), f (bit 1); other bits 0
//! iat                       LEB128 u64
//! seen - iat                LEB128 u64 (so `seen >= iat` by construction)
//! fat                       LEB128 u64                  (flag)
//! sid                       16 bytes                     (flag)
//! uid                       LEB128 length, UTF-8 bytes   (flag)
//! ah, cid, rt               16 bytes each                (flags)
//! d                         LEB128 length, a JSON object (part, not empty)
//! f                         LEB128 length, a JSON array of [category, message] (part, not empty)
//! ```
//!
//! LEB128 numbers are minimal (no redundant trailing zero groups) and fit in 64 bits;
//! the bytes end exactly where the last field does.

use serde_json::{Map, Value};

use crate::codec::Codec;
use crate::key::Purpose;
use crate::session::lifetimes::Lifetimes;
use crate::session::payload::{Digest16, Payload, Refused, SessionId};

const FORMAT: u8 = 0x01;

const PERM: u8 = 1;
const REM: u8 = 1 << 1;
const SID: u8 = 1 << 2;
const UID: u8 = 1 << 3;
const FAT: u8 = 1 << 4;
const AH: u8 = 1 << 5;
const CID: u8 = 1 << 6;
const RT: u8 = 1 << 7;

const DATA: u8 = 1;
const FLASHES: u8 = 1 << 1;

/// Verifies, parses and time-checks a session cookie's value. Returns the payload and
/// whether a fallback key verified it.
pub(crate) fn open(
    codec: &Codec,
    name: &str,
    value: &[u8],
    now: u64,
    lifetimes: &Lifetimes,
) -> Result<(Payload, bool), Refused> {
    let decoded = codec
        .decode(Purpose::Session, name, value)
        .map_err(Refused::Decode)?;
    let payload = decode(&decoded.payload).ok_or(Refused::Schema)?;
    payload.check_times(now, lifetimes)?;
    Ok((payload, decoded.rotated))
}

/// Encodes and signs a payload as a session cookie's value (tests; requests seal through
/// the memo).
#[cfg(test)]
pub(crate) fn seal(
    p: &Payload,
    codec: &Codec,
    name: &str,
) -> Result<String, crate::codec::EncodeError> {
    codec.encode(Purpose::Session, name, &encode(p))
}

/// The payload's compact bytes.
pub(crate) fn encode(p: &Payload) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + p.uid.as_ref().map_or(0, String::len));
    let flags = bit(p.perm, PERM)
        | bit(p.rem, REM)
        | bit(p.sid.is_some(), SID)
        | bit(p.uid.is_some(), UID)
        | bit(p.fat.is_some(), FAT)
        | bit(p.ah.is_some(), AH)
        | bit(p.cid.is_some(), CID)
        | bit(p.rt.is_some(), RT);
    let parts = bit(!p.d.is_empty(), DATA) | bit(!p.f.is_empty(), FLASHES);
    out.extend_from_slice(&[FORMAT, flags, parts]);
    put_uint(&mut out, p.iat);
    put_uint(&mut out, p.seen.saturating_sub(p.iat));
    if let Some(fat) = p.fat {
        put_uint(&mut out, fat);
    }
    if let Some(sid) = &p.sid {
        out.extend_from_slice(sid.as_bytes());
    }
    if let Some(uid) = &p.uid {
        put_bytes(&mut out, uid.as_bytes());
    }
    for digest in [&p.ah, &p.cid].into_iter().flatten() {
        out.extend_from_slice(&digest.0);
    }
    if let Some(rt) = &p.rt {
        out.extend_from_slice(rt.as_bytes());
    }
    // Serializing maps of `Value`s and pairs of strings cannot fail.
    if !p.d.is_empty() {
        put_bytes(&mut out, &serde_json::to_vec(&p.d).unwrap_or_default());
    }
    if !p.f.is_empty() {
        put_bytes(&mut out, &serde_json::to_vec(&p.f).unwrap_or_default());
    }
    out
}

/// Parses what [`encode`] wrote; `None` for anything else.
pub(crate) fn decode(bytes: &[u8]) -> Option<Payload> {
    let mut r = Reader(bytes);
    if r.byte()? != FORMAT {
        return None;
    }
    let flags = r.byte()?;
    let parts = r.byte()?;
    if parts & !(DATA | FLASHES) != 0 {
        return None;
    }
    let iat = r.uint()?;
    let seen = iat.checked_add(r.uint()?)?;
    let mut p = Payload::new(iat);
    p.seen = seen;
    p.perm = flags & PERM != 0;
    p.rem = flags & REM != 0;
    if flags & FAT != 0 {
        p.fat = Some(r.uint()?);
    }
    if flags & SID != 0 {
        p.sid = Some(SessionId::from_bytes(r.array()?));
    }
    if flags & UID != 0 {
        p.uid = Some(std::str::from_utf8(r.bytes()?).ok()?.to_owned());
    }
    if flags & AH != 0 {
        p.ah = Some(Digest16(r.array()?));
    }
    if flags & CID != 0 {
        p.cid = Some(Digest16(r.array()?));
    }
    if flags & RT != 0 {
        p.rt = Some(SessionId::from_bytes(r.array()?));
    }
    if parts & DATA != 0 {
        let d: Map<String, Value> = serde_json::from_slice(r.bytes()?).ok()?;
        if d.is_empty() {
            return None;
        }
        p.d = d;
    }
    if parts & FLASHES != 0 {
        let f: Vec<(String, String)> = serde_json::from_slice(r.bytes()?).ok()?;
        if f.is_empty() {
            return None;
        }
        p.f = f;
    }
    r.0.is_empty().then_some(p)
}

fn bit(on: bool, mask: u8) -> u8 {
    if on { mask } else { 0 }
}

fn put_uint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_uint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array(&mut self) -> Option<[u8; 16]> {
        self.take(16)?.try_into().ok()
    }

    /// A minimal LEB128 number of at most 64 bits.
    fn uint(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            // The tenth group holds bit 63 only.
            if i == 9 && low > 1 {
                return None;
            }
            n |= low << (7 * i);
            if b & 0x80 == 0 {
                // Minimal: no final zero group after the first.
                return (i == 0 || low != 0).then_some(n);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uint()?).ok()?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000;

    fn lifetimes() -> Lifetimes {
        Lifetimes {
            permanent: 31 * 24 * 3600,
            absolute: 31 * 24 * 3600,
            idle: None,
            skew: 60,
        }
    }

    fn codec() -> Codec {
        Codec::new(Key::from_bytes(&[3; 32]))
    }

    fn seal_test(p: &Payload) -> String {
        seal(p, &codec(), "session").unwrap()
    }

    fn open_signed(bytes: &[u8]) -> Result<(Payload, bool), Refused> {
        let v = codec().encode(Purpose::Session, "session", bytes).unwrap();
        open(&codec(), "session", v.as_bytes(), NOW, &lifetimes())
    }

    #[test]
    fn a_sealed_cookie_opens() {
        let mut p = Payload::new(NOW - 10);
        p.seen = NOW - 5;
        p.sid = Some(SessionId::from_bytes([7; 16]));
        p.d.insert("username".into(), Value::from("alice"));
        p.f.push(("message".into(), "hi".into()));
        p.perm = true;
        let (back, rotated) = open(
            &codec(),
            "session",
            seal_test(&p).as_bytes(),
            NOW,
            &lifetimes(),
        )
        .unwrap();
        assert_eq!(back, p);
        assert!(!rotated);
        // A session that never had a login carries no id.
        let anonymous = open(
            &codec(),
            "session",
            seal_test(&Payload::new(NOW)).as_bytes(),
            NOW,
            &lifetimes(),
        );
        assert!(anonymous.is_ok_and(|(p, _)| p.sid.is_none()));
        // Expired, under another name, or tampered: refused.
        let old = seal_test(&Payload::new(NOW - 32 * 24 * 3600));
        assert_eq!(
            open(&codec(), "session", old.as_bytes(), NOW, &lifetimes()),
            Err(Refused::Expired)
        );
        assert!(
            open(
                &codec(),
                "other",
                seal_test(&p).as_bytes(),
                NOW,
                &lifetimes()
            )
            .is_err()
        );
    }

    #[test]
    fn authentic_json_or_garbage_is_refused() {
        let sid = "BwcHBwcHBwcHBwcHBwcHBw";
        for json in [
            "not json".to_owned(),
            "[]".to_owned(),
            "{}".to_owned(),
            "null".to_owned(),
            format!("{}{}", "[".repeat(1500), "]".repeat(1500)),
            format!(r#"{{"sid":"{sid}","iat":{NOW},"seen":{NOW},"ah":"{sid}"}}"#),
            format!(r#"{{"iat":{NOW},"seen":{NOW}}}"#),
        ] {
            assert_eq!(
                open_signed(json.as_bytes()),
                Err(Refused::Schema),
                "{json:.80}"
            );
        }
    }

    fn full() -> Payload {
        let mut p = Payload::new(1_700_000_000);
        p.seen = 1_700_000_500;
        p.perm = true;
        p.rem = true;
        p.sid = Some(SessionId::from_bytes([1; 16]));
        p.uid = Some("ålice@example.com".into());
        p.fat = Some(1_700_000_100);
        p.ah = Some(Digest16([2; 16]));
        p.cid = Some(Digest16([3; 16]));
        p.rt = Some(SessionId::from_bytes([4; 16]));
        p.d.insert("cart".into(), serde_json::json!([1, 2, {"x": null}]));
        p.f.push(("message".into(), "hi".into()));
        p
    }

    #[test]
    fn round_trips_and_is_smaller_than_json() {
        for p in [Payload::new(0), Payload::new(u64::MAX), full()] {
            let bytes = encode(&p);
            assert_eq!(decode(&bytes), Some(p.clone()));
            assert!(bytes.len() < p.to_json().len(), "{} bytes", bytes.len());
        }
        // A logged-in session without data: the fixed fields only.
        let mut login = full();
        login.d.clear();
        login.f.clear();
        assert!(encode(&login).len() * 2 < login.to_json().len());
    }

    #[test]
    fn anything_else_is_refused() {
        let good = encode(&full());
        // Every truncation, every trailing byte.
        for n in 0..good.len() {
            assert_eq!(decode(&good[..n]), None, "truncated to {n}");
        }
        let mut long = good.clone();
        long.push(0);
        assert_eq!(decode(&long), None);
        // Other formats and unknown parts.
        assert_eq!(decode(b"{\"iat\":1,\"seen\":1}"), None);
        assert_eq!(decode(&[0x02, 0, 0, 0, 0]), None);
        assert_eq!(decode(&[FORMAT, 0, 4, 0, 0]), None);
        // Non-minimal and overlong numbers.
        assert_eq!(decode(&[FORMAT, 0, 0, 0x80, 0x00, 0]), None);
        let mut big = vec![FORMAT, 0, 0];
        big.extend_from_slice(&[0xff; 9]);
        big.push(0x02);
        big.push(0);
        assert_eq!(decode(&big), None);
        // seen - iat overflowing.
        let mut p = Payload::new(u64::MAX);
        p.seen = u64::MAX;
        let mut bytes = encode(&p);
        *bytes.last_mut().unwrap() = 1;
        assert_eq!(decode(&bytes), None);
        // Empty data or flashes, data that is no object, a uid that is no UTF-8.
        assert_eq!(decode(&[FORMAT, 0, DATA, 0, 0, 2, b'{', b'}']), None);
        assert_eq!(decode(&[FORMAT, 0, FLASHES, 0, 0, 2, b'[', b']']), None);
        assert_eq!(decode(&[FORMAT, 0, DATA, 0, 0, 2, b'[', b']']), None);
        assert_eq!(decode(&[FORMAT, UID, 0, 0, 0, 1, 0xff]), None);
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn numbers_round_trip(iat in any::<u64>(), delta in any::<u64>(), fat in any::<u64>()) {
            let mut p = Payload::new(iat);
            p.seen = iat.saturating_add(delta);
            p.fat = Some(fat);
            prop_assert_eq!(decode(&encode(&p)), Some(p));
        }
    }
}
