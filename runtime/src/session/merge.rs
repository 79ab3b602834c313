//! What a request changed in its session, so that in store mode the change can be
//! re-applied onto a record another request wrote meanwhile (SECURITY.md R41).
//!
//! The rule, in every store: changes to different keys, added flashes and taken flashes
//! of concurrent requests all survive; one key written by several requests holds the
//! value of the last request to finish (last writer wins), and so do the permanent flag
//! and the login fields when this request changed them.

use crate::session::payload::Payload;

/// The changes a request made, recorded as they happen (keys only: values are read from
/// the request's session when merging).
#[derive(Debug, Default, Clone)]
pub(crate) struct Changes {
    /// Keys inserted or removed.
    pub(crate) keys: Vec<String>,
    /// Flashes taken (shown), to remove from a newer record too.
    pub(crate) taken: Vec<(String, String)>,
    /// How many flashes at the end of the session's list were added since the last take.
    pub(crate) added: usize,
    /// The permanent flag was set.
    pub(crate) permanent: bool,
    /// A login field (freshness, auth hash, client identity, remember link) changed in
    /// place.
    pub(crate) login: bool,
}

impl Changes {
    pub(crate) fn key(&mut self, key: &str) {
        if !self.keys.iter().any(|k| k == key) {
            self.keys.push(key.to_owned());
        }
    }
}

/// `ours` (this request's session, as it would be written) re-applied onto `theirs` (the
/// record as another request left it). `None` when `theirs` is another session or
/// another login: then this request's writes are dropped.
pub(crate) fn merge(ours: &Payload, changes: &Changes, theirs: Payload) -> Option<Payload> {
    if theirs.sid != ours.sid || theirs.uid != ours.uid {
        return None;
    }
    let mut out = theirs;
    for key in &changes.keys {
        match ours.d.get(key) {
            Some(v) => {
                out.d.insert(key.clone(), v.clone());
            }
            None => {
                out.d.remove(key);
            }
        }
    }
    for shown in &changes.taken {
        if let Some(i) = out.f.iter().position(|f| f == shown) {
            out.f.remove(i);
        }
    }
    let added = changes.added.min(ours.f.len());
    out.f.extend_from_slice(&ours.f[ours.f.len() - added..]);
    if changes.permanent {
        out.perm = ours.perm;
    }
    if changes.login {
        out.fat = ours.fat;
        out.ah = ours.ah;
        out.cid = ours.cid;
        out.rem = ours.rem;
        out.rt = ours.rt;
    }
    out.seen = out.seen.max(ours.seen);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::payload::SessionId;
    use serde_json::json;

    fn base() -> Payload {
        let mut p = Payload::new(100);
        p.sid = Some(SessionId::from_bytes([1; 16]));
        p.d.insert("a".into(), json!(1));
        p.f.push(("message".into(), "old".into()));
        p
    }

    #[test]
    fn different_keys_and_flashes_survive() {
        // Ours: set b, took the old flash, added one.
        let mut ours = base();
        ours.d.insert("b".into(), json!(2));
        ours.f = vec![("message".into(), "mine".into())];
        ours.seen = 200;
        let changes = Changes {
            keys: vec!["b".into()],
            taken: vec![("message".into(), "old".into())],
            added: 1,
            ..Changes::default()
        };
        // Theirs: set c, added a flash.
        let mut theirs = base();
        theirs.d.insert("c".into(), json!(3));
        theirs.f.push(("message".into(), "theirs".into()));
        let merged = merge(&ours, &changes, theirs).unwrap();
        assert_eq!(merged.d.get("a"), Some(&json!(1)));
        assert_eq!(merged.d.get("b"), Some(&json!(2)));
        assert_eq!(merged.d.get("c"), Some(&json!(3)));
        let messages: Vec<&str> = merged.f.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(messages, ["theirs", "mine"]);
        assert_eq!(merged.seen, 200);
    }

    #[test]
    fn removal_and_last_writer_and_other_sessions() {
        let mut ours = base();
        ours.d.remove("a");
        let changes = Changes {
            keys: vec!["a".into()],
            ..Changes::default()
        };
        let mut theirs = base();
        theirs.d.insert("a".into(), json!(9));
        let merged = merge(&ours, &changes, theirs).unwrap();
        assert!(!merged.d.contains_key("a"), "the last writer removed it");
        let mut other = base();
        other.sid = Some(SessionId::from_bytes([2; 16]));
        assert!(merge(&ours, &changes, other).is_none());
        let mut logged_in = base();
        logged_in.uid = Some("foo".into());
        assert!(merge(&ours, &changes, logged_in).is_none());
    }
}
