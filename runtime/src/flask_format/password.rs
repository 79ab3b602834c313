//! Werkzeug's password hashes (`werkzeug.security`), so the login route can move to axum
//! against the users table a Flask app wrote: `scrypt:N:r:p$salt$hex` and
//! `pbkdf2:hash:iterations$salt$hex`, checked as `check_password_hash` checks them.
//!
//! Both are slow on purpose: call them where blocking is fine (`spawn_blocking`, or a
//! bounded hashing pool as the demo has).

use std::fmt;

use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// Why a stored hash cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordHashError {
    /// Not `method$salt$hex`, or a parameter that does not parse.
    Malformed,
    /// A method or hash name Werkzeug may write but this crate does not check (say
    /// `pbkdf2:md5`, or the plain methods of old Werkzeug versions).
    Unsupported,
    /// Parameters costlier than this crate runs: scrypt over 256 MiB or `p` over 16,
    /// PBKDF2 over 10 000 000 iterations. A hash from a hostile row cannot stall the app.
    TooCostly,
    /// The random generator failed (when hashing).
    Random,
}

impl fmt::Display for PasswordHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordHashError::Malformed => "not a Werkzeug password hash",
            PasswordHashError::Unsupported => "a Werkzeug hash method this crate does not check",
            PasswordHashError::TooCostly => "password hash parameters over the allowed cost",
            PasswordHashError::Random => "the OS random generator failed",
        })
    }
}

impl std::error::Error for PasswordHashError {}

const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;
const MAX_SCRYPT_P: u32 = 16;
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Whether `password` matches `pwhash`, as Werkzeug's `check_password_hash`.
///
/// # Errors
/// [`PasswordHashError`] when the hash cannot be checked at all (treat it as a failed
/// login, and log it: the users table holds something unexpected).
///
/// ```
/// use axum_sesame::flask::{check_password_hash, generate_password_hash};
///
/// let hash = generate_password_hash("secret").unwrap();
/// assert!(hash.starts_with("scrypt:32768:8:1$"));
/// assert!(check_password_hash(&hash, "secret").unwrap());
/// assert!(!check_password_hash(&hash, "guess").unwrap());
/// ```
pub fn check_password_hash(pwhash: &str, password: &str) -> Result<bool, PasswordHashError> {
    let mut parts = pwhash.splitn(3, '$');
    let (Some(method), Some(salt), Some(expected)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(PasswordHashError::Malformed);
    };
    let computed = hash_internal(method, salt, password)?;
    Ok(computed.len() == expected.len()
        && bool::from(computed.as_bytes().ct_eq(expected.as_bytes())))
}

/// A new hash of `password` with Werkzeug 3.1's default, `scrypt:32768:8:1` and a
/// 16-character salt, which Flask's `check_password_hash` accepts.
///
/// # Errors
/// [`PasswordHashError::Random`] when the OS random generator fails.
pub fn generate_password_hash(password: &str) -> Result<String, PasswordHashError> {
    const SALT_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|_| PasswordHashError::Random)?;
    // 62 does not divide 256: a slight bias, as in Werkzeug's `secrets.choice`-free
    // predecessors; the salt only has to be unique, not uniform.
    let salt: String = random
        .iter()
        .map(|b| char::from(SALT_CHARS[usize::from(*b) % SALT_CHARS.len()]))
        .collect();
    let method = "scrypt:32768:8:1";
    let hex = hash_internal(method, &salt, password)?;
    Ok(format!("{method}${salt}${hex}"))
}

/// Werkzeug's `_hash_internal`: the hex digest for `method` (with its parameters).
fn hash_internal(method: &str, salt: &str, password: &str) -> Result<String, PasswordHashError> {
    let mut args = method.split(':');
    let name = args.next().unwrap_or_default();
    let args: Vec<&str> = args.collect();
    let (password, salt) = (password.as_bytes(), salt.as_bytes());
    match name {
        "scrypt" => {
            let (n, r, p) = match args.as_slice() {
                [] => (1u64 << 15, 8u32, 1u32),
                [n, r, p] => (parse(n)?, parse(r)?, parse(p)?),
                _ => return Err(PasswordHashError::Malformed),
            };
            if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
                return Err(PasswordHashError::Malformed);
            }
            if p > MAX_SCRYPT_P || 128 * n * u64::from(r) > MAX_SCRYPT_MEMORY {
                return Err(PasswordHashError::TooCostly);
            }
            let log_n =
                u8::try_from(n.trailing_zeros()).map_err(|_| PasswordHashError::Malformed)?;
            let params =
                scrypt::Params::new(log_n, r, p).map_err(|_| PasswordHashError::Malformed)?;
            let mut out = [0u8; 64];
            scrypt::scrypt(password, salt, &params, &mut out)
                .map_err(|_| PasswordHashError::Malformed)?;
            Ok(hex(&out))
        }
        "pbkdf2" => {
            let (hash, iterations) = match args.as_slice() {
                [] => ("sha256", 1_000_000),
                [hash] => (*hash, 1_000_000),
                [hash, iterations] => (*hash, parse(iterations)?),
                _ => return Err(PasswordHashError::Malformed),
            };
            if iterations == 0 {
                return Err(PasswordHashError::Malformed);
            }
            if iterations > MAX_PBKDF2_ITERATIONS {
                return Err(PasswordHashError::TooCostly);
            }
            let mut out = [0u8; 64];
            let len = match hash {
                "sha1" => {
                    pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out[..20]);
                    20
                }
                "sha224" => {
                    pbkdf2::pbkdf2_hmac::<Sha224>(password, salt, iterations, &mut out[..28]);
                    28
                }
                "sha256" => {
                    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out[..32]);
                    32
                }
                "sha384" => {
                    pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, iterations, &mut out[..48]);
                    48
                }
                "sha512" => {
                    pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
                    64
                }
                _ => return Err(PasswordHashError::Unsupported),
            };
            Ok(hex(&out[..len]))
        }
        _ => Err(PasswordHashError::Unsupported),
    }
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, PasswordHashError> {
    s.parse().map_err(|_| PasswordHashError::Malformed)
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by Werkzeug 3.1.9's `_hash_internal(method, "saltsalt", "secret é")`.
    const WERKZEUG: [&str; 6] = [
        "scrypt:1024:8:1$saltsalt$312086535ba41a9a528108f5e7629956525548cf3ee40049d530e6d2bc8491dea40b338c1e30c8d9d08e32843eafe3a673e39165ff5be5fdf0e6a57eb84b1ae1",
        "pbkdf2:sha256:1000$saltsalt$d058409ecaa41fef0338129d39ad469f8c653e5297d35674c9376db7c79eeed1",
        "pbkdf2:sha1:1000$saltsalt$5fcced500603970d6d4bb48ead56259c7c41ee14",
        "pbkdf2:sha512:1000$saltsalt$aace8389edbe8d8c52c4f0932ed07adb83568f10aa161db2263ee8ac20462367cb4e018a048d3ec5ba15c4a099945d2154eae343434ba3a38de87a911d9a0bc4",
        "pbkdf2:sha224:10$saltsalt$b85cbcf5225be178c26d0e0bdbee12eb2d1b2e0790910ac8bf95da61",
        "pbkdf2:sha384:10$saltsalt$edf7ed62c65c11fd3b458cb89cb5eef1fbff3edf8d2a436f8b0815017a3a5647423204a7e48be2b7113e0ea3fcf9ccde",
    ];

    #[test]
    fn werkzeug_hashes_check() {
        for hash in WERKZEUG {
            assert_eq!(check_password_hash(hash, "secret é"), Ok(true), "{hash}");
            assert_eq!(check_password_hash(hash, "secret e"), Ok(false), "{hash}");
        }
    }

    #[test]
    fn bad_hashes_are_errors_never_a_match() {
        for (hash, err) in [
            ("", PasswordHashError::Malformed),
            ("pbkdf2:sha256:1000$salt", PasswordHashError::Malformed),
            ("pbkdf2:sha256:x$salt$00", PasswordHashError::Malformed),
            ("scrypt:1000:8:1$salt$00", PasswordHashError::Malformed),
            ("pbkdf2:md5:1000$salt$00", PasswordHashError::Unsupported),
            ("plain$$secret", PasswordHashError::Unsupported),
            ("scrypt:1048576:8:1$salt$00", PasswordHashError::TooCostly),
            ("scrypt:1024:8:64$salt$00", PasswordHashError::TooCostly),
            (
                "pbkdf2:sha256:99999999$salt$00",
                PasswordHashError::TooCostly,
            ),
        ] {
            assert_eq!(check_password_hash(hash, "secret"), Err(err), "{hash}");
        }
        // A truncated digest never matches.
        let short = &WERKZEUG[1][..WERKZEUG[1].len() - 2];
        assert_eq!(check_password_hash(short, "secret é"), Ok(false));
    }
}
