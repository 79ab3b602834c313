//! Flask-Session: msgpack records and signed session ids, as the Python packages make them.

use super::*;

#[test]
fn flask_session_records_read_as_msgspec_wrote_them() {
    let expected: Map<String, Value> = serde_json::from_str(vectors::RECORD_UNTAGGED).unwrap();
    let session = from_msgpack(vectors::RECORD).unwrap();
    assert_eq!(session, expected);
    // And what we write reads back the same (msgspec reads it in runtime/tests/flask_session.rs).
    assert_eq!(
        from_msgpack(&to_msgpack(&session).unwrap()).unwrap(),
        expected
    );
}

#[test]
fn flask_session_ids_sign_as_itsdangerous_does() {
    for (secret, sid, signed) in vectors::SIGNED_SIDS {
        let signer = FlaskSigner::from_text(secret);
        assert_eq!(signer.sign_session_id(sid), *signed);
        assert_eq!(
            signer.unsign_session_id(signed.as_bytes()).as_deref(),
            Some(*sid)
        );
        // Verified by a fallback too, and by nothing else.
        let rotated = FlaskSigner::from_text("new").with_fallback_text(secret);
        assert_eq!(
            rotated.unsign_session_id(signed.as_bytes()).as_deref(),
            Some(*sid)
        );
        let other = FlaskSigner::from_text("other");
        assert_eq!(other.unsign_session_id(signed.as_bytes()), None);
        // A tampered id or signature, or no signature at all.
        let tampered = format!("x{signed}");
        assert_eq!(signer.unsign_session_id(tampered.as_bytes()), None);
        assert_eq!(signer.unsign_session_id(sid.as_bytes()), None);
        let cut = &signed[..signed.len() - 1];
        assert_eq!(signer.unsign_session_id(cut.as_bytes()), None);
    }
    // A signed value that is no session id is refused even with a good signature.
    let signer = FlaskSigner::from_text("k");
    assert_eq!(
        signer.unsign_session_id(signer.sign_session_id("a:b").as_bytes()),
        None
    );
}
