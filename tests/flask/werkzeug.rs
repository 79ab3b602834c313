//! Werkzeug's password hashes and Flask-WTF's CSRF tokens, checked by the real packages.

use super::*;

/// Werkzeug's password hashes check here, and ours check in Werkzeug: the login route can
/// move to axum against the same users table (issue 18, item 8).
#[test]
fn werkzeug_password_hashes_check_both_ways() {
    use axum_sesame::flask::{check_password_hash, generate_password_hash};
    let password = "pässword; \"quoted\"";
    let hashes = run_python(
        "import sys\n\
         from werkzeug.security import generate_password_hash as g\n\
         for m in ['scrypt', 'scrypt:16384:8:1', 'pbkdf2:sha256:20000', 'pbkdf2:sha512:5000', 'pbkdf2:sha1:5000']:\n\
         \x20   print(g(sys.argv[1], method=m))",
        &[password],
    );
    let hashes: Vec<&str> = hashes.lines().collect();
    assert_eq!(hashes.len(), 5);
    for hash in hashes {
        assert_eq!(check_password_hash(hash, password), Ok(true), "{hash}");
        assert_eq!(check_password_hash(hash, "password"), Ok(false), "{hash}");
    }
    let ours = generate_password_hash(password).expect("hash");
    let verdicts = run_python(
        "import sys\n\
         from werkzeug.security import check_password_hash as c\n\
         print(c(sys.argv[1], sys.argv[2]), c(sys.argv[1], 'password'))",
        &[&ours, password],
    );
    assert_eq!(verdicts.trim(), "True False", "{ours}");
}

/// Flask-WTF's CSRF tokens cross both ways: a token Flask-WTF signed for a session's raw
/// token validates here, and one signed here validates in Flask-WTF (issue 18, item 8).
#[test]
fn flask_wtf_csrf_tokens_cross_both_ways() {
    let signer = signer();
    let raw = "0123456789abcdef0123456789abcdef01234567";
    let code = "import sys\n\
        from flask import Flask, session\n\
        from flask_wtf.csrf import generate_csrf, validate_csrf\n\
        app = Flask(__name__)\n\
        app.config['SECRET_KEY'] = sys.argv[1]\n\
        with app.test_request_context():\n\
        \x20   session['csrf_token'] = sys.argv[2]\n\
        \x20   if sys.argv[3] == 'make':\n\
        \x20       print(generate_csrf())\n\
        \x20   else:\n\
        \x20       try:\n\
        \x20           validate_csrf(sys.argv[3])\n\
        \x20           print('valid')\n\
        \x20       except Exception as e:\n\
        \x20           print(e)";
    let from_flask = run_python(code, &[KEY, raw, "make"]);
    let from_flask = from_flask.trim();
    // Read after Python signed: its timestamp is never ahead of ours.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert_eq!(
        signer.decode_csrf_token(from_flask.as_bytes(), now + 1, 3600),
        Ok(raw.to_owned())
    );
    let ours = signer.encode_csrf_token(raw, now);
    assert_eq!(run_python(code, &[KEY, raw, &ours]).trim(), "valid");
    // Another session's raw token, or another key: refused on the Flask side too.
    let other = "f".repeat(40);
    assert_eq!(
        run_python(code, &[KEY, &other, &ours]).trim(),
        "The CSRF tokens do not match."
    );
    let foreign = FlaskSigner::from_text("another key").encode_csrf_token(raw, now);
    assert_eq!(
        run_python(code, &[KEY, raw, &foreign]).trim(),
        "The CSRF token is invalid."
    );
    assert!(
        signer
            .decode_csrf_token(foreign.as_bytes(), now, 3600)
            .is_err()
    );
    let old = signer.encode_csrf_token(raw, now - 7200);
    assert_eq!(
        signer.decode_csrf_token(old.as_bytes(), now, 3600),
        Err(axum_sesame::flask::DecodeError::Expired)
    );
}
