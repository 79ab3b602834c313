//! Properties: any session round-trips, and cookies for Python to check.

use super::*;

fn string_map() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(any::<String>(), any::<String>(), 0..8)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let signer = FlaskSigner::from_text("k").with_fallback(b"old");
        let _ = signer.decode_session(&bytes, TS, MAX_AGE);
        let _ = signer.decode_remember(&bytes);
        let _ = from_json(&bytes);
    }

    #[test]
    fn mutated_cookies_never_pass(index in 0usize..58, byte in any::<u8>()) {
        let signer = FlaskSigner::from_text("k");
        let mut cookie = vectors::GOLDEN.cookie.as_bytes().to_vec();
        let i = index % cookie.len();
        prop_assume!(cookie[i] != byte);
        cookie[i] = byte;
        prop_assert!(signer.decode_session(&cookie, TS, MAX_AGE).is_err());
    }

    #[test]
    fn authentic_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..600),
                                      compressed in any::<bool>()) {
        let signer = FlaskSigner::from_text("k");
        let body = if compressed {
            format!(".{}", URL_SAFE_NO_PAD.encode(zlib(&payload)))
        } else {
            URL_SAFE_NO_PAD.encode(&payload)
        };
        let _ = signer.decode_session(signed_payload(&signer, &body), TS, MAX_AGE);
    }

    #[test]
    fn string_maps_round_trip(session in string_map(), ts in any::<u64>()) {
        let signer = FlaskSigner::from_text("k");
        let cookie = signer.encode_session(&session, ts).unwrap();
        let decoded = signer.decode_session(&cookie, ts, 0).unwrap();
        prop_assert_eq!(decoded.session, session.clone());
        prop_assert_eq!(decoded.timestamp, ts);
        prop_assert!(cookie.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        prop_assert!(to_json(&session).unwrap().is_ascii());
    }

    #[test]
    fn any_value_round_trips(value in arb_json()) {
        let session = obj(json!({"v": value, "_flashes": [["c", "m"]]}));
        let json = to_json(&session).unwrap();
        prop_assert_eq!(from_json(json.as_bytes()).unwrap(), session);
    }

    #[test]
    fn remember_round_trips(id in any::<String>()) {
        let signer = FlaskSigner::from_text("k");
        let cookie = signer.encode_remember(&id).unwrap();
        prop_assert_eq!(signer.decode_remember(&cookie).unwrap().user_id, id);
    }
}

/// JSON values, including one-key objects keyed by every tag (typed or not).
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just(" t".to_owned()),
        Just(" di".to_owned()),
        Just(" b".to_owned()),
        Just(" m".to_owned()),
        Just(" u".to_owned()),
        Just(" d".to_owned()),
        Just("k__".to_owned()),
        any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // serde_json parses floats to within one ulp unless `float_roundtrip` is on:
        // stick to ones it parses exactly.
        any::<i32>().prop_map(|i| Value::from(f64::from(i) / 64.0)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            (key.clone(), inner.clone()).prop_map(|(k, v)| {
                let mut m = Map::new();
                m.insert(k, v);
                Value::Object(m)
            }),
            proptest::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Cookies for checking by hand that the real Flask reads what we write:
/// `cargo test -p axum-sesame --features flask --lib flask::tests::properties::cookies_for_python -- --ignored --nocapture`,
/// then `python tests/flask/gen_vectors.py check k COOKIE` for each line.
#[test]
#[ignore = "prints cookies to check with the real Flask"]
fn cookies_for_python() {
    let signer = FlaskSigner::from_text("k");
    let mut flashed = obj(json!({"_user_id": "zoë", "_fresh": false, "_remember_seconds": 3.5}));
    set_flashes(
        &mut flashed,
        &[("error".to_owned(), "Bad \"password\" ☃".to_owned())],
    );
    set_permanent(&mut flashed, true);
    let sessions = [
        obj(json!({"_user_id": "1", "big": "x".repeat(3000), "n": [1.5, 1e-7, 1e16, -0.0]})),
        flashed,
        obj(
            json!({"bytes": {" b": "AP9oaQ=="}, "uuid": {" u": "12345678123456781234567812345678"},
                   "dt": {" d": "Tue, 14 Nov 2023 22:13:20 GMT"}, "markup": {" m": "<b>hi</b>"},
                   "dict": {" t": [1]}, "nested": {" di": {" b": "eA=="}}, "list": [[1, 2]]}),
        ),
    ];
    for session in &sessions {
        println!("{}", signer.encode_session(session, TS).unwrap());
    }
}
