//! Flask-Login: remember cookies, session identifiers, session protection, logout.

use super::*;

#[test]
fn remember_cookies_match_flask_login() {
    for v in vectors::REMEMBER {
        let signer = signer_for(v.secret);
        assert_eq!(
            signer.encode_remember(v.user_id).unwrap(),
            v.cookie,
            "{v:?}"
        );
        let remembered = signer.decode_remember(v.cookie).unwrap();
        assert_eq!(remembered.user_id, v.user_id);
        assert!(!remembered.by_fallback);
    }
}

#[test]
fn remember_cookie_refusals() {
    let signer = FlaskSigner::from_text("k");
    let good = signer.encode_remember("1").unwrap();
    let (payload, digest) = good.rsplit_once('|').unwrap();
    let expect = |value: &[u8], err: RememberError| {
        assert_eq!(
            signer.decode_remember(value),
            Err(err),
            "{}",
            String::from_utf8_lossy(value)
        );
    };
    expect(b"", RememberError::Malformed);
    expect(b"1", RememberError::Malformed);
    expect(b"1|", RememberError::Malformed);
    expect(
        format!("{payload}|{}", &digest[1..]).as_bytes(),
        RememberError::Malformed,
    );
    expect(format!("{good}0").as_bytes(), RememberError::Malformed);
    expect(
        format!("{payload}|{}", digest.to_uppercase()).as_bytes(),
        RememberError::BadSignature,
    );
    expect(
        format!("2|{digest}").as_bytes(),
        RememberError::BadSignature,
    );
    expect(
        format!("{payload}|{}", "0".repeat(128)).as_bytes(),
        RememberError::BadSignature,
    );
    expect(
        format!("{payload} |{digest}").as_bytes(),
        RememberError::BadSignature,
    );
    expect(
        format!("{payload}|{}é", &digest[..126]).as_bytes(),
        RememberError::BadSignature,
    );
    expect(&[b'1'; 5000], RememberError::Malformed);
    // A session cookie is not a remember cookie.
    expect(vectors::GOLDEN.cookie.as_bytes(), RememberError::Malformed);

    // Fallbacks verify and are reported; the current key signs.
    let rotated = FlaskSigner::from_text("new").with_fallback_text("k");
    let old = rotated.decode_remember(&good).unwrap();
    assert!(old.by_fallback);
    assert_eq!(old.user_id, "1");
    let reissued = rotated.encode_remember("1").unwrap();
    assert!(!rotated.decode_remember(&reissued).unwrap().by_fallback);

    // A str key beyond Latin-1 can't be used, as in Flask-Login.
    let euro = FlaskSigner::from_text("€");
    assert_eq!(euro.encode_remember("1"), Err(RememberError::KeyNotLatin1));
    assert_eq!(
        euro.decode_remember(&good),
        Err(RememberError::KeyNotLatin1)
    );
    let euro_fallback = FlaskSigner::from_text("k").with_fallback_text("€");
    assert!(euro_fallback.decode_remember(&good).is_ok());
    // ... while the session cookie takes it as UTF-8.
    assert!(euro.encode_session(&Map::new(), TS).is_ok());
}

#[test]
fn session_identifiers_match_flask_login() {
    for v in vectors::IDENTIFIERS {
        assert_eq!(
            session_identifier_v06(v.remote_addr, v.forwarded_for, v.user_agent),
            v.v06,
            "{v:?}"
        );
        assert_eq!(
            session_identifier(v.remote_addr, v.user_agent),
            v.main,
            "{v:?}"
        );
    }
}

#[test]
fn identifier_bases_are_python_reprs() {
    use sha2::Digest as _;
    let hex = |base: &[u8]| -> String {
        sha2::Sha512::digest(base)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(
        session_identifier_v06(Some("127.0.0.1"), None, Some(b"Mozilla/5.0")),
        hex(b"b'127.0.0.1'|b'Mozilla/5.0'")
    );
    assert_eq!(
        session_identifier_v06(Some("127.0.0.1"), None, None),
        hex(b"b'127.0.0.1'|None")
    );
    assert_eq!(
        session_identifier_v06(None, None, Some(b"O'Reilly \xe9")),
        hex(br#"None|b"O'Reilly \xc3\xa9""#)
    );
    assert_eq!(
        session_identifier(Some("127.0.0.1"), Some(b"Mozilla/5.0")),
        hex(b"127.0.0.1|Mozilla/5.0")
    );
    assert_eq!(session_identifier(None, None), hex(b"None|"));
}

#[test]
fn session_protection_as_flask_login() {
    use crate::protection::SessionProtection;
    let logged_in = || {
        obj(
            json!({"_user_id": "1", "_fresh": true, "_id": "a", "_remember_seconds": 5.0,
                   "next": "/x", "theme": "dark"}),
        )
    };
    let mut same = logged_in();
    assert!(!protect_session(&mut same, "a", SessionProtection::Strong));
    assert_eq!(same, logged_in());

    let mut off = logged_in();
    assert!(!protect_session(&mut off, "b", SessionProtection::Off));
    assert_eq!(off, logged_in());

    let mut empty = Map::new();
    assert!(!protect_session(&mut empty, "b", SessionProtection::Strong));
    assert!(empty.is_empty());

    let mut permanent = logged_in();
    set_permanent(&mut permanent, true);
    assert!(!protect_session(
        &mut permanent,
        "b",
        SessionProtection::Strong
    ));
    assert_eq!(permanent["_fresh"], false);
    assert_eq!(permanent["_user_id"], "1");

    let mut strong = logged_in();
    assert!(protect_session(&mut strong, "b", SessionProtection::Strong));
    assert_eq!(
        Value::Object(strong),
        json!({"theme": "dark", "_remember": "clear"})
    );
}

#[test]
fn remember_op_and_logout() {
    let mut session = obj(json!({"_user_id": "1", "_remember": "clear"}));
    assert_eq!(take_remember_op(&mut session), Some(RememberOp::Clear));
    assert_eq!(take_remember_op(&mut session), None);
    let mut odd = obj(json!({"_remember": 1}));
    assert_eq!(take_remember_op(&mut odd), None);
    assert!(odd.is_empty());

    let mut session = obj(json!({"_user_id": "1", "_fresh": true, "_id": "a",
                                 "_remember_seconds": 5.0, "_flashes": [["m", "x"]]}));
    logout_user(&mut session, false);
    assert_eq!(
        Value::Object(session),
        json!({"_remember_seconds": 5.0, "_flashes": [["m", "x"]]})
    );

    let mut session = Map::new();
    login_user(&mut session, "1", false, "a", Remember::Yes);
    assert_eq!(
        Value::Object(session.clone()),
        json!({"_user_id": "1", "_fresh": false, "_id": "a", "_remember": "set"})
    );
    restore_from_remember(&mut session, "2");
    confirm_login(&mut session, "b");
    assert_eq!(session["_user_id"], "2");
    assert_eq!(session["_fresh"], true);
    assert_eq!(session["_id"], "b");
    assert_eq!(user_id(&obj(json!({"_user_id": 7}))).as_deref(), Some("7"));
    assert_eq!(user_id(&obj(json!({"_user_id": 7.5}))), None);
}
