//! Flask-Login's session identifier `_id`, which session protection compares: the
//! released 0.6 format and the main branch's.

use std::fmt::Write as _;

use sha2::{Digest, Sha512};

/// Which Flask-Login writes the session identifier `_id` that session protection checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IdentifierFormat {
    /// Flask-Login 0.6 (the released version): `X-Forwarded-For` when present, else the
    /// peer address, and the `User-Agent`, as Python bytes reprs.
    #[default]
    V06,
    /// Flask-Login's main branch: the peer address and the `User-Agent`.
    Main,
}

/// Flask-Login's session identifier (`_id`) as its main branch (the coming 0.7) computes
/// it: `sha512(f"{remote_addr}|{user_agent}")` in hex, where a missing `remote_addr` is
/// `None` and a missing `User-Agent` header is empty.
///
/// `user_agent` is the header's raw bytes: Werkzeug hands them over decoded as Latin-1
/// and Flask-Login encodes them as UTF-8, which this repeats. Flask-Login 0.7 never
/// reads `X-Forwarded-For`; behind a proxy, `remote_addr` is what `ProxyFix` made it.
///
/// ```
/// let id = axum_sesame::flask::session_identifier(Some("127.0.0.1"), Some(b"Mozilla/5.0"));
/// assert_eq!(id.len(), 128);
/// ```
pub fn session_identifier(remote_addr: Option<&str>, user_agent: Option<&[u8]>) -> String {
    let mut base = Vec::new();
    base.extend_from_slice(remote_addr.unwrap_or("None").as_bytes());
    base.push(b'|');
    base.extend(latin1_to_utf8(user_agent.unwrap_or_default()));
    sha512_hex(&base)
}

/// Flask-Login 0.6.x's session identifier (`_id`), the one the newest release (0.6.3)
/// writes: `sha512(f"{addr}|{ua}")` in hex, where `addr` and `ua` are Python `bytes`
/// formatted with their repr, as in `b'127.0.0.1'|b'Mozilla/5.0'`, or `None` when absent.
///
/// `addr` is the first comma-separated element of the `X-Forwarded-For` header, stripped
/// of ASCII whitespace, when the header is present (even empty), and `remote_addr`
/// otherwise. Pass `forwarded_for` exactly when the request has the header, whether or
/// not a trusted proxy set it: Flask-Login 0.6 trusts it blindly, and a different
/// input gives a different `_id`. Header values are raw bytes (see
/// [`session_identifier`]).
///
/// ```
/// let id = axum_sesame::flask::session_identifier_v06(Some("127.0.0.1"), None, None);
/// assert_eq!(id.len(), 128);
/// ```
pub fn session_identifier_v06(
    remote_addr: Option<&str>,
    forwarded_for: Option<&[u8]>,
    user_agent: Option<&[u8]>,
) -> String {
    let addr = match forwarded_for {
        Some(header) => Some(latin1_to_utf8(header)),
        None => remote_addr.map(|a| a.as_bytes().to_vec()),
    };
    let mut base = String::new();
    match addr {
        Some(addr) => {
            let first = addr.split(|&b| b == b',').next().unwrap_or_default();
            push_bytes_repr(&mut base, strip_ascii_whitespace(first));
        }
        None => base.push_str("None"),
    }
    base.push('|');
    match user_agent {
        Some(ua) => push_bytes_repr(&mut base, &latin1_to_utf8(ua)),
        None => base.push_str("None"),
    }
    sha512_hex(base.as_bytes())
}

fn sha512_hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(HEX_DIGEST_LEN);
    push_hex(&mut out, &Sha512::digest(data));
    out
}

/// PEP 3333: a header's bytes reach Python as a Latin-1 `str`; `.encode("utf-8")`.
fn latin1_to_utf8(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into_bytes()
}

/// Python's `bytes.strip()`: space, `\t`, `\n`, `\v`, `\f`, `\r` at both ends.
fn strip_ascii_whitespace(mut bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    while let [first, rest @ ..] = bytes {
        if !ws(first) {
            break;
        }
        bytes = rest;
    }
    while let [rest @ .., last] = bytes {
        if !ws(last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// Python's `repr(bytes)`: `b'…'`, or `b"…"` when there is a `'` and no `"`; `\\`,
/// the quote, `\t`, `\n`, `\r` escaped, other bytes outside `0x20..0x7F` as `\xhh`.
fn push_bytes_repr(out: &mut String, bytes: &[u8]) {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..0x7f => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
}

/// Length of a hex SHA-512 digest.
pub(super) const HEX_DIGEST_LEN: usize = 128;

pub(super) fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}
