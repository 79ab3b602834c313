//! Flask's session cookie: the golden vectors, tags, expiry, tampering, compression.

use super::*;

#[test]
fn golden_vector_encodes_and_decodes() {
    let signer = FlaskSigner::from_text("k");
    let session = obj(json!({"_user_id": "1"}));
    let cookie = signer.encode_session(&session, 1_700_000_000).unwrap();
    assert_eq!(
        cookie,
        "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I"
    );
    assert_eq!(cookie, vectors::GOLDEN.cookie);
    let decoded = signer.decode_session(&cookie, TS, MAX_AGE).unwrap();
    assert_eq!(decoded.session, session);
    assert_eq!(decoded.timestamp, 1_700_000_000);
    assert!(!decoded.by_fallback);
}

#[test]
fn every_python_vector_decodes_and_reencodes_identically() {
    use vectors::*;
    for v in [
        &GOLDEN,
        &MULTI,
        &COMPRESSED,
        &FALLBACK,
        &TEXT_SECRET,
        &BYTES_SECRET,
        &LOGIN,
    ] {
        let signer = signer(v);
        let decoded = signer.decode_session(v.cookie, TS, MAX_AGE).unwrap();
        // Our JSON is Flask's, byte for byte.
        assert_eq!(to_json(&decoded.session).unwrap(), v.json, "{v:?}");
        assert_eq!(from_json(v.json.as_bytes()).unwrap(), decoded.session);
        let ours = signer.encode_session(&decoded.session, TS).unwrap();
        assert_eq!(ours.starts_with('.'), v.cookie.starts_with('.'), "{v:?}");
        if !v.cookie.starts_with('.') && !decoded.by_fallback {
            assert_eq!(ours, v.cookie, "{v:?}");
        }
        let again = signer.decode_session(&ours, TS, MAX_AGE).unwrap();
        assert_eq!(again.session, decoded.session);
    }
}

#[test]
fn multi_key_session_with_non_ascii() {
    let v = &vectors::MULTI;
    let session = signer(v)
        .decode_session(v.cookie, TS, MAX_AGE)
        .unwrap()
        .session;
    let expected = json!({
        "_user_id": "zoë@bar.tld",
        "_fresh": true,
        "name": "Zoë ☃ 😀 \u{2028}",
        "ctl": "tab\tnl\n\"q\" \\ / \u{0}\u{1f}\u{7f}",
        "n": 42,
        "neg": -7,
        "f": 1.5,
        "tiny": 1e-7,
        "huge": 1e16,
        "none": null,
        "list": [1, "two", false],
        "nested": {"b": {"z": [], "a": {}}, "a": 1},
        "Zed": "keys sort by code point",
        "é": "non-ASCII key",
    });
    assert_eq!(Value::Object(session.clone()), expected);
    assert_eq!(user_id(&session).as_deref(), Some("zoë@bar.tld"));
    assert!(is_fresh(&session));
}

#[test]
fn every_flask_tag_maps_to_the_untagged_form() {
    let v = &vectors::TAGS;
    let session = signer(v)
        .decode_session(v.cookie, TS, MAX_AGE)
        .unwrap()
        .session;
    let expected = json!({
        "tuple": ["a", 1, ["x", ["y"]]],
        "fake_tuple": {" t": 1},
        "fake_di": {" di": {"x": 1}},
        "bytes": {" b": "AP9oaQ=="},
        "markup": {" m": "<b>hi</b>"},
        "uuid": {" u": "12345678123456781234567812345678"},
        "dt": {" d": "Tue, 14 Nov 2023 22:13:20 GMT"},
        "fake_bytes_non_string": {" b": 1},
    });
    assert_eq!(Value::Object(session.clone()), expected);
    // Everything but the tuples goes back exactly as Flask wrote it.
    let mut without_tuples = session;
    without_tuples.remove("tuple");
    let json = to_json(&without_tuples).unwrap();
    let flask = v
        .json
        .replace(r#","tuple":{" t":["a",1,["x",{" t":["y"]}]]}"#, "");
    assert_eq!(json, flask);
}

#[test]
fn a_dict_that_looks_like_a_tagged_value_is_refused() {
    let v = &vectors::LOOKALIKE;
    assert_eq!(
        signer(v).decode_session(v.cookie, TS, MAX_AGE),
        Err(DecodeError::BadTag)
    );
}

#[test]
fn tags_flask_never_writes_are_refused() {
    let signer = FlaskSigner::from_text("k");
    for json in [
        r#"{"x":{" t":1}}"#,
        r#"{"x":{" t":{"a":1}}}"#,
        r#"{"x":{" di":{"x":1}}}"#,
        r#"{"x":{" di":{}}}"#,
        r#"{"x":{" di":{"a__":1,"b__":2}}}"#,
        r#"{"x":{" di":[1]}}"#,
        r#"{"x":{" b":1}}"#,
        r#"{"x":{" d":null}}"#,
    ] {
        let cookie = signed_payload(&signer, &URL_SAFE_NO_PAD.encode(json));
        assert_eq!(
            signer.decode_session(&cookie, TS, MAX_AGE),
            Err(DecodeError::BadTag),
            "{json}"
        );
    }
    for json in [
        "[]",
        "1",
        "null",
        "\"s\"",
        "{",
        "{\"a\":NaN}",
        "{\"a\":\"\\ud800\"}",
        "{} x",
    ] {
        let cookie = signed_payload(&signer, &URL_SAFE_NO_PAD.encode(json));
        assert_eq!(
            signer.decode_session(&cookie, TS, MAX_AGE),
            Err(DecodeError::BadJson),
            "{json}"
        );
    }
    let cookie = signed_payload(&signer, &URL_SAFE_NO_PAD.encode(b"{\"a\":\"\xff\"}"));
    assert_eq!(
        signer.decode_session(&cookie, TS, MAX_AGE),
        Err(DecodeError::BadJson)
    );
}

#[test]
fn dicts_whose_only_key_is_a_tag_are_escaped_as_flask_does() {
    let session = obj(json!({
        "a": {" t": [1]},
        "b": {" di": {" b": "x"}},
        "c": {" u": 5},
        "d": {" m": "<i>"},
        "e": {" t": 1, "other": 2},
    }));
    let json = to_json(&session).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"a":{" di":{" t__":[1]}},"b":{" di":{" di__":{" b":"x"}}},"#,
            r#""c":{" di":{" u__":5}},"d":{" m":"<i>"},"e":{" t":1,"other":2}}"#
        )
    );
    assert_eq!(from_json(json.as_bytes()).unwrap(), session);
}

#[test]
fn login_session_from_flask_login() {
    let v = &vectors::LOGIN;
    let signer = signer(v);
    let session = signer
        .decode_session(v.cookie, TS, MAX_AGE)
        .unwrap()
        .session;
    assert_eq!(user_id(&session).as_deref(), Some("foo@bar.tld"));
    assert!(is_fresh(&session));
    assert!(is_permanent(&session));
    assert_eq!(remember_seconds(&session), Some(172_800.0));
    assert!(
        !session.contains_key(keys::REMEMBER),
        "popped by after_request"
    );
    let id = session_identifier_v06(
        Some(vectors::LOGIN_ADDR),
        None,
        Some(vectors::LOGIN_UA.as_bytes()),
    );
    assert_eq!(session[keys::ID], id.as_str());
    assert_eq!(
        flashes(&session).unwrap(),
        [
            ("success".to_owned(), "Welcome, Zoë ☃".to_owned()),
            ("message".to_owned(), "second".to_owned()),
        ]
    );
    let remembered = signer.decode_remember(vectors::LOGIN_REMEMBER).unwrap();
    assert_eq!(remembered.user_id, "foo@bar.tld");
    assert!(!remembered.by_fallback);

    // The same keys, written by us as Flask-Login and Flask would, give Flask's JSON.
    let mut ours = Map::new();
    login_user(
        &mut ours,
        "foo@bar.tld",
        true,
        &id,
        Remember::For(std::time::Duration::from_secs(2 * 86_400)),
    );
    assert_eq!(take_remember_op(&mut ours), Some(RememberOp::Set));
    push_flash(&mut ours, "success", "Welcome, Zoë ☃").unwrap();
    push_flash(&mut ours, "message", "second").unwrap();
    set_permanent(&mut ours, true);
    assert_eq!(to_json(&ours).unwrap(), v.json);
    assert_eq!(ours, session);
}

#[test]
fn flashes_round_trip_as_tuples() {
    let mut session = Map::new();
    let list = vec![
        ("error".to_owned(), "Bad \"password\"".to_owned()),
        ("message".to_owned(), "Zoë".to_owned()),
    ];
    set_flashes(&mut session, &list);
    let json = to_json(&session).unwrap();
    assert_eq!(
        json,
        r#"{"_flashes":[{" t":["error","Bad \"password\""]},{" t":["message","Zo\u00eb"]}]}"#
    );
    assert_eq!(flashes(&from_json(json.as_bytes()).unwrap()).unwrap(), list);
    set_flashes(&mut session, &[]);
    assert!(session.is_empty());
    let markup = obj(json!({"_flashes": [["message", {" m": "<b>hi</b>"}]]}));
    assert_eq!(flashes(&markup).unwrap()[0].1, "<b>hi</b>");
    for bad in [
        json!({"_flashes": "x"}),
        json!({"_flashes": [["a"]]}),
        json!({"_flashes": [["a", 1]]}),
    ] {
        assert_eq!(flashes(&obj(bad)), Err(MalformedFlashes));
    }
    let mut bad = obj(json!({"_flashes": 1}));
    assert_eq!(push_flash(&mut bad, "a", "b"), Err(MalformedFlashes));
}

#[test]
fn fallback_key_is_reported() {
    let v = &vectors::FALLBACK;
    let decoded = signer(v).decode_session(v.cookie, TS, MAX_AGE).unwrap();
    assert!(decoded.by_fallback);
    assert_eq!(decoded.session, obj(json!({"_user_id": "1"})));
    // Without the fallback, the cookie is foreign.
    assert_eq!(
        FlaskSigner::from_text("new secret").decode_session(v.cookie, TS, MAX_AGE),
        Err(DecodeError::BadSignature)
    );
    // And a fallback never signs.
    let reissued = signer(v).encode_session(&decoded.session, TS).unwrap();
    assert!(
        !signer(v)
            .decode_session(&reissued, TS, MAX_AGE)
            .unwrap()
            .by_fallback
    );
}

#[test]
fn secrets_follow_python_types() {
    let v = &vectors::TEXT_SECRET;
    assert!(signer(v).decode_session(v.cookie, TS, MAX_AGE).is_ok());
    // The same text taken as Latin-1 bytes is another key.
    assert_eq!(
        FlaskSigner::from_bytes(b"cl\xe9").decode_session(v.cookie, TS, MAX_AGE),
        Err(DecodeError::BadSignature)
    );
    let v = &vectors::BYTES_SECRET;
    assert!(signer(v).decode_session(v.cookie, TS, MAX_AGE).is_ok());
}

#[test]
fn expiry_follows_itsdangerous() {
    let signer = FlaskSigner::from_text("k");
    let cookie = vectors::GOLDEN.cookie;
    assert!(signer.decode_session(cookie, TS + MAX_AGE, MAX_AGE).is_ok());
    assert_eq!(
        signer.decode_session(cookie, TS + MAX_AGE + 1, MAX_AGE),
        Err(DecodeError::Expired)
    );
    assert_eq!(
        signer.decode_session(cookie, TS - 1, MAX_AGE),
        Err(DecodeError::FutureTimestamp)
    );
    assert!(signer.decode_session(cookie, TS, 0).is_ok());
    assert!(signer.decode_session(cookie, u64::MAX, u64::MAX).is_ok());
    assert_eq!(
        signer.decode_session(cookie, u64::MAX, 0),
        Err(DecodeError::Expired)
    );
    // Timestamps at the ends of the range: 0 is an empty segment, u64::MAX 8 bytes.
    let session = obj(json!({"a": 1}));
    let zero = signer.encode_session(&session, 0).unwrap();
    assert!(zero.contains(".."));
    assert_eq!(signer.decode_session(&zero, 0, 0).unwrap().timestamp, 0);
    let max = signer.encode_session(&session, u64::MAX).unwrap();
    assert_eq!(
        signer.decode_session(&max, u64::MAX, 0).unwrap().timestamp,
        u64::MAX
    );
    assert_eq!(
        signer.decode_session(&max, 0, u64::MAX),
        Err(DecodeError::FutureTimestamp)
    );
    // Nine timestamp bytes: authentic but malformed.
    let nine = sign_raw(&signer, "e30.AQAAAAAAAAAA");
    assert_eq!(
        signer.decode_session(&nine, TS, MAX_AGE),
        Err(DecodeError::BadTimestamp)
    );
    let no_ts = sign_raw(&signer, "e30");
    assert_eq!(
        signer.decode_session(&no_ts, TS, MAX_AGE),
        Err(DecodeError::BadTimestamp)
    );
}

#[test]
fn tampering_is_refused_before_decoding() {
    let signer = FlaskSigner::from_text("k");
    let cookie = vectors::GOLDEN.cookie;
    let expect = |value: &[u8], err: DecodeError| {
        assert_eq!(
            signer.decode_session(value, TS, MAX_AGE),
            Err(err),
            "{}",
            String::from_utf8_lossy(value)
        );
    };
    expect(b"", DecodeError::Malformed);
    expect(b"no dot at all", DecodeError::Malformed);
    expect(b".", DecodeError::BadSignature);
    expect(b"...", DecodeError::BadSignature);
    for i in 0..cookie.len() {
        expect(&cookie.as_bytes()[..i], {
            if cookie[..i].contains('.') {
                DecodeError::BadSignature
            } else {
                DecodeError::Malformed
            }
        });
    }
    // Every single-character change of the payload, timestamp or signature.
    for i in 0..cookie.len() {
        let mut bytes = cookie.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert!(signer.decode_session(&bytes, TS, MAX_AGE).is_err(), "{i}");
    }
    expect(format!("{cookie}A").as_bytes(), DecodeError::BadSignature);
    expect(format!("{cookie}=").as_bytes(), DecodeError::BadSignature);
    expect(format!("A{cookie}").as_bytes(), DecodeError::BadSignature);
    expect(format!(".{cookie}").as_bytes(), DecodeError::BadSignature);
    expect(
        cookie.replace('-', "+").replace('_', "/").as_bytes(),
        DecodeError::BadSignature,
    );
    expect(&vec![b'A'; 4097], DecodeError::TooLong);
    expect(&vec![b'.'; 10_000], DecodeError::TooLong);
    // A remember cookie is not a session cookie.
    let remember = signer.encode_remember("1").unwrap();
    expect(remember.as_bytes(), DecodeError::Malformed);
}

#[test]
fn authentic_garbage_is_refused() {
    let signer = FlaskSigner::from_text("k");
    for (payload, err) in [
        ("e30=", DecodeError::BadBase64),
        ("e3", DecodeError::BadBase64),
        ("e31", DecodeError::BadBase64),
        ("e+0", DecodeError::BadBase64),
        ("e30.x", DecodeError::BadBase64),
        (".e30", DecodeError::BadZlib),
        (".", DecodeError::BadZlib),
        ("", DecodeError::BadJson),
    ] {
        let cookie = signed_payload(&signer, payload);
        assert_eq!(
            signer.decode_session(&cookie, TS, MAX_AGE),
            Err(err),
            "{payload}"
        );
    }
    assert!(
        signer
            .decode_session(signed_payload(&signer, "e30"), TS, MAX_AGE)
            .unwrap()
            .session
            .is_empty()
    );
}

#[test]
fn decompression_is_capped() {
    // A real bomb: a few hundred bytes that inflate to 1 MiB.
    let signer = FlaskSigner::from_text("k");
    let mut json = b"{\"a\":\"".to_vec();
    json.extend(std::iter::repeat_n(b'x', 1 << 20));
    json.extend(b"\"}");
    let bomb = zlib(&json);
    assert!(bomb.len() < 4096);
    let cookie = signed_payload(&signer, &format!(".{}", URL_SAFE_NO_PAD.encode(&bomb)));
    assert!(cookie.len() <= MAX_COOKIE_LEN);
    assert_eq!(
        signer.decode_session(&cookie, TS, MAX_AGE),
        Err(DecodeError::TooLarge)
    );

    // The cap itself is fine, one more byte is not.
    let cap = MAX_DECOMPRESSED_LEN;
    let at_cap = vec![b'a'; cap];
    assert_eq!(inflate(&zlib(&at_cap), cap).unwrap(), at_cap);
    assert_eq!(
        inflate(&zlib(&vec![b'a'; cap + 1]), cap),
        Err(DecodeError::TooLarge)
    );
    assert_eq!(inflate(&zlib(b""), 0).unwrap(), b"");
    assert_eq!(inflate(&zlib(b"a"), 0), Err(DecodeError::TooLarge));

    // Complete streams only: no truncation, no trailing bytes, zlib and not raw deflate.
    let stream = zlib(b"{\"a\":1}");
    for i in 0..stream.len() {
        assert_eq!(inflate(&stream[..i], cap), Err(DecodeError::BadZlib), "{i}");
    }
    let mut trailing = stream.clone();
    trailing.push(0);
    assert_eq!(inflate(&trailing, cap), Err(DecodeError::BadZlib));
    let mut bad_check = stream.clone();
    if let Some(last) = bad_check.last_mut() {
        *last ^= 1;
    }
    assert_eq!(inflate(&bad_check, cap), Err(DecodeError::BadZlib));
    assert_eq!(inflate(&stream[2..], cap), Err(DecodeError::BadZlib));
}

#[test]
fn compresses_exactly_when_itsdangerous_would() {
    let signer = FlaskSigner::from_text("k");
    let small = obj(json!({"_user_id": "1"}));
    assert!(!signer.encode_session(&small, TS).unwrap().starts_with('.'));
    let big = obj(json!({"_user_id": "1", "big": "x".repeat(3000)}));
    let cookie = signer.encode_session(&big, TS).unwrap();
    assert!(cookie.starts_with('.'));
    assert_eq!(
        signer.decode_session(&cookie, TS, MAX_AGE).unwrap().session,
        big
    );
}

#[test]
fn encode_refuses_what_cannot_be_a_cookie() {
    let signer = FlaskSigner::from_text("k");
    let mut deep = json!("leaf");
    for _ in 0..31 {
        deep = json!([deep]);
    }
    let ok = obj(json!({ "d": deep }));
    let cookie = signer.encode_session(&ok, TS).unwrap();
    assert_eq!(
        signer.decode_session(&cookie, TS, MAX_AGE).unwrap().session,
        ok
    );
    let too_deep = obj(json!({ "d": [deep] }));
    assert_eq!(
        signer.encode_session(&too_deep, TS),
        Err(EncodeError::TooDeep)
    );
    // Incompressible and too long for a cookie.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: String = (0..8000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect();
    assert!(matches!(
        signer.encode_session(&obj(json!({ "n": noise })), TS),
        Err(EncodeError::TooLong { .. })
    ));
}

#[test]
fn debug_never_prints_keys() {
    let signer = FlaskSigner::from_text("hunter2").with_fallback(b"old hunter2");
    let debug = format!("{signer:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert_eq!(debug, "FlaskSigner { fallbacks: 1, .. }");
}

#[test]
fn python_float_repr() {
    for &(bits, python) in vectors::FLOATS {
        assert_eq!(
            python_float(f64::from_bits(bits)).as_deref(),
            Some(python),
            "{bits:#x}"
        );
    }
    assert_eq!(python_float(f64::NAN), None);
    assert_eq!(python_float(f64::INFINITY), None);
}
