//! A store-mode session record: the payload's compact JSON, then, on a line of its own,
//! what only the user's list of sessions needs (the User-Agent). The request path parses
//! the first line only, and a rewrite carries the second one over as bytes.
//!
//! Compact JSON never holds a raw newline (it is escaped inside strings), so the first
//! `\n` is the boundary.

use serde::{Deserialize, Serialize};

/// What a record says beside the session, for the list of sessions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Meta {
    /// The User-Agent that logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ua: Option<String>,
}

/// The payload's bytes and the tail (empty, or `\n` and the metadata line).
pub(crate) fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b'\n', data) {
        Some(i) => data.split_at(i),
        None => (data, &[]),
    }
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

/// `payload` followed by `tail`.
pub(crate) fn join(mut payload: Vec<u8>, tail: &[u8]) -> Vec<u8> {
    payload.extend_from_slice(tail);
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meta_line_round_trips_and_newlines_stay_escaped() {
        let meta = Meta {
            ua: Some("Agent\nwith a newline".into()),
        };
        let t = tail(&meta);
        let data = join(b"{\"d\":{\"k\":\"a\\nb\"}}".to_vec(), &t);
        let (payload, rest) = split(&data);
        assert_eq!(payload, b"{\"d\":{\"k\":\"a\\nb\"}}");
        assert_eq!(meta_of(rest), Some("Agent\nwith a newline".to_owned()));
        assert_eq!(split(b"{}"), (&b"{}"[..], &b""[..]));
        assert!(tail(&Meta::default()).is_empty());
    }

    fn meta_of(rest: &[u8]) -> Option<String> {
        meta(rest).ua
    }
}
