//! The `next` validator: whatever it accepts is a valid header value and resolves to the
//! same origin under a WHATWG URL parser, for an http and an https base (SECURITY.md R26).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(next) = std::str::from_utf8(data) else {
        return;
    };
    if !axum_sesame::redirect::is_safe_next(next) {
        return;
    }
    assert!(http::HeaderValue::from_str(next).is_ok(), "{next:?}");
    assert!(
        !next
            .bytes()
            .any(|b| b.is_ascii_control() || b == b' ' || b == b'\\')
    );
    for base in [
        "http://app.example:3000/login",
        "https://app.example/a/b/login",
    ] {
        let base = url::Url::parse(base).expect("valid base");
        let joined = base
            .join(next)
            .unwrap_or_else(|e| panic!("{next:?} does not resolve: {e}"));
        assert_eq!(joined.origin(), base.origin(), "{next:?} leaves the origin");
    }
});
