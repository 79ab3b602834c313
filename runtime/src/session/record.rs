//! A store-mode session record: the payload's compact bytes (`compact.rs`, behind their
//! length), then what only the user's list of sessions needs (the User-Agent, as a JSON
//! line). The request path decodes the payload only, and a rewrite carries the rest over
//! as bytes.

use serde::{Deserialize, Serialize};

use crate::session::compact;
use crate::session::payload::Payload;

/// What a record says beside the session, for the list of sessions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Meta {
    /// The User-Agent that logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ua: Option<String>,
}

/// The payload's bytes and the tail (empty, or `\n` and the metadata line); `None` for
/// bytes that are no record of ours.
pub(crate) fn split(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let (len, rest) = if len < 0x80 {
        (usize::from(len), rest)
    } else {
        let (&high, rest) = rest.split_first()?;
        if high == 0 || high >= 0x80 {
            return None;
        }
        (usize::from(len & 0x7f) | usize::from(high) << 7, rest)
    };
    rest.split_at_checked(len)
}

/// The session a record holds, if it is one of ours.
pub(crate) fn payload(data: &[u8]) -> Option<Payload> {
    compact::decode(split(data)?.0)
}

/// The tail of a record (empty when it is no record of ours).
pub(crate) fn tail_of(data: &[u8]) -> &[u8] {
    split(data).map_or(&[], |(_, tail)| tail)
}

/// The metadata in a tail [`split`] returned.
pub(crate) fn meta(tail: &[u8]) -> Meta {
    tail.get(1..)
        .and_then(|line| serde_json::from_slice(line).ok())
        .unwrap_or_default()
}

/// The tail of a new record.
pub(crate) fn tail(meta: &Meta) -> Vec<u8> {
    if meta.ua.is_none() {
        return Vec::new();
    }
    let mut out = vec![b'\n'];
    // A struct of strings always serializes.
    out.extend(serde_json::to_vec(meta).unwrap_or_default());
    out
}

/// The record of `payload` followed by `tail`. A payload is far below the 16 KiB that
/// two length bytes can say (the cookie-sized session data is capped long before).
pub(crate) fn join(payload: &Payload, tail: &[u8]) -> Vec<u8> {
    let bytes = compact::encode(payload);
    let len = bytes.len().min(0x3fff);
    let mut out = Vec::with_capacity(2 + len + tail.len());
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.extend_from_slice(&[(len as u8 & 0x7f) | 0x80, (len >> 7) as u8]);
    }
    out.extend_from_slice(&bytes[..len]);
    out.extend_from_slice(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_and_meta_round_trip() {
        let m = Meta {
            ua: Some("Agent\nwith a newline".into()),
        };
        let mut p = Payload::new(1_700_000_000);
        p.d.insert("k".into(), "a\nb".into());
        let data = join(&p, &tail(&m));
        assert_eq!(payload(&data), Some(p.clone()));
        assert_eq!(
            meta(tail_of(&data)).ua.as_deref(),
            Some("Agent\nwith a newline")
        );
        // Long payloads take two length bytes.
        p.d.insert("big".into(), "x".repeat(500).into());
        let data = join(&p, &[]);
        assert_eq!(payload(&data), Some(p));
        assert!(tail_of(&data).is_empty());
        assert!(tail(&Meta::default()).is_empty());
    }

    #[test]
    fn other_bytes_are_no_record() {
        for bad in [
            &b""[..],
            b"{}",
            b"{\"moved\":1}",
            b"\x05abc",
            b"\x80",
            b"\x80\x00x",
            b"\xff\xff",
        ] {
            assert_eq!(payload(bad), None, "{bad:?}");
        }
    }
}
