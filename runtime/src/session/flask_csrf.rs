//! Flask-WTF's `generate_csrf` and `validate_csrf` over this request's [`Session`]: the
//! raw token in the session under `csrf_token`, the signed one in the form.

use subtle::ConstantTimeEq;

use crate::flask_format::{CSRF_FIELD, CsrfError, DecodeError, FlaskSigner};
use crate::session::handle::Session;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Flask-WTF's `generate_csrf`: the signed token for this session's form, creating the
/// session's raw token (40 hex digits) when it has none.
///
/// # Errors
/// [`EncodeError::Random`](crate::codec::EncodeError::Random) when the OS random
/// generator fails.
///
/// ```
/// use axum_sesame::Session;
/// use axum_sesame::flask::{CSRF_TIME_LIMIT, FlaskSigner, generate_csrf, validate_csrf};
///
/// fn signer() -> FlaskSigner {
///     FlaskSigner::from_text("the Flask app's SECRET_KEY")
/// }
///
/// async fn form(session: Session) -> String {
///     let token = generate_csrf(&session, &signer()).unwrap();
///     format!(r#"<form method="post"><input type="hidden" name="csrf_token" value="{token}">"#)
/// }
///
/// async fn submit(session: Session, posted: String) -> Result<&'static str, String> {
///     validate_csrf(&session, &signer(), &posted, CSRF_TIME_LIMIT).map_err(|e| e.to_string())?;
///     Ok("saved")
/// }
/// # let _ = (form, submit);
/// ```
pub fn generate_csrf(
    session: &Session,
    signer: &FlaskSigner,
) -> Result<String, crate::codec::EncodeError> {
    let raw = match session.get::<String>(CSRF_FIELD) {
        Some(raw) => raw,
        None => {
            let mut bytes = [0u8; 20];
            getrandom::fill(&mut bytes).map_err(|_| crate::codec::EncodeError::Random)?;
            let raw: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            session.insert_value(CSRF_FIELD, serde_json::Value::String(raw.clone()));
            raw
        }
    };
    Ok(signer.encode_csrf_token(&raw, now()))
}

/// Flask-WTF's `validate_csrf`: whether `token` (the posted field) is this session's,
/// signed within `time_limit` seconds ([`CSRF_TIME_LIMIT`](crate::flask::CSRF_TIME_LIMIT) by default in Flask-WTF).
///
/// # Errors
/// A [`CsrfError`](crate::flask::CsrfError) saying why, with Flask-WTF's messages: answer 400.
pub fn validate_csrf(
    session: &Session,
    signer: &FlaskSigner,
    token: &str,
    time_limit: u64,
) -> Result<(), CsrfError> {
    if token.is_empty() {
        return Err(CsrfError::Missing);
    }
    let Some(raw) = session.get::<String>(CSRF_FIELD) else {
        return Err(CsrfError::SessionTokenMissing);
    };
    let posted = match signer.decode_csrf_token(token.as_bytes(), now(), time_limit) {
        Ok(posted) => posted,
        Err(DecodeError::Expired) => return Err(CsrfError::Expired),
        Err(_) => return Err(CsrfError::Invalid),
    };
    if bool::from(posted.as_bytes().ct_eq(raw.as_bytes())) {
        Ok(())
    } else {
        Err(CsrfError::Mismatch)
    }
}
