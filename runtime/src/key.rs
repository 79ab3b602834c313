//! Secret keys: validation, per-purpose subkeys (HKDF-SHA256) and rotation.
//!
//! A [`Key`] is built once at start-up from a secret of at least 32 bytes. From it, one
//! subkey per [`Purpose`] is derived with HKDF-SHA256, so a value signed for the session
//! cookie can never be replayed as a remember cookie, and the HMAC state of each subkey is
//! prepared once, so a request pays only for hashing its own bytes.

use std::fmt;
use std::sync::{Arc, Weak};

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The smallest secret [`Key`] accepts, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The most fallback keys a [`KeyRing`] holds.
pub const MAX_FALLBACKS: usize = 4;

/// HKDF salt: binds every subkey to this library and format version.
const HKDF_SALT: &[u8] = b"axum-sesame/v1 key derivation";

/// The published development secret. Anyone can mint cookies with it: it is only for a
/// local `cargo run`, and a [`KeyRing`] refuses to mix it with a real key.
const DEVELOPMENT_SECRET: &[u8] =
    b"axum-sesame DEVELOPMENT key: public, never use it in production";

/// What a subkey is used for. Each purpose has its own signing and encryption key, and the
/// purpose is also part of every signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// The session cookie.
    Session,
    /// The remember-me cookie.
    Remember,
    /// The session auth hash stored in a session (ties a session to the password hash).
    AuthHash,
    /// Anti-CSRF tokens.
    Csrf,
}

impl Purpose {
    const ALL: [Purpose; 4] = [
        Purpose::Session,
        Purpose::Remember,
        Purpose::AuthHash,
        Purpose::Csrf,
    ];

    /// The label used in key derivation and in the signed message.
    ///
    /// ```
    /// assert_eq!(axum_sesame::key::Purpose::Session.as_str(), "session");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Session => "session",
            Purpose::Remember => "remember",
            Purpose::AuthHash => "authhash",
            Purpose::Csrf => "csrf",
        }
    }

    const fn index(self) -> usize {
        match self {
            Purpose::Session => 0,
            Purpose::Remember => 1,
            Purpose::AuthHash => 2,
            Purpose::Csrf => 3,
        }
    }
}

/// Why a secret was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    TooShort {
        /// How many bytes were given.
        len: usize,
    },
    /// The environment variable is not set.
    MissingEnv {
        /// The variable's name.
        var: String,
    },
    /// The environment variable is set but is not valid UTF-8.
    NotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The development key was mixed with a real key in one [`KeyRing`].
    DevelopmentKeyMixed,
    /// The public development secret was given as a real secret.
    DevelopmentSecret,
    /// More than [`MAX_FALLBACKS`] fallback keys (each costs an HMAC per bad cookie).
    TooManyFallbacks,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::TooShort { len } => write!(
                f,
                "secret key is {len} bytes long; use at least {MIN_SECRET_LEN} bytes of random \
                 data (for example `openssl rand -base64 48`)"
            ),
            KeyError::MissingEnv { var } => {
                write!(
                    f,
                    "environment variable `{var}` with the secret key is not set"
                )
            }
            KeyError::NotUnicode { var } => {
                write!(f, "environment variable `{var}` is not valid UTF-8")
            }
            KeyError::DevelopmentSecret => f.write_str(
                "this is the public development secret: generate a real one \
                 (for example `openssl rand -base64 48`)",
            ),
            KeyError::TooManyFallbacks => write!(
                f,
                "at most {MAX_FALLBACKS} fallback keys: drop the oldest once its cookies expired"
            ),
            KeyError::DevelopmentKeyMixed => f.write_str(
                "the public development key cannot be used together with a real key; \
                 remove `Key::development()` from the key ring",
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// The prepared secrets of one purpose.
#[derive(Clone)]
pub(crate) struct Subkey {
    /// HMAC-SHA256 keyed with the signing subkey; cloned per message.
    pub(crate) mac: HmacSha256,
    /// The encryption subkey (XChaCha20-Poly1305).
    pub(crate) enc: Zeroizing<[u8; 32]>,
}

struct KeyInner {
    subkeys: [Subkey; 4],
    /// A fingerprint of the secret (HKDF output under its own label), for constant-time
    /// equality without keeping the secret itself around.
    fingerprint: Zeroizing<[u8; 32]>,
    development: bool,
}

/// See [`Key::identity`]. While it exists the address cannot be reused, so a pointer
/// match means the same key.
pub(crate) struct KeyIdentity(Weak<KeyInner>);

/// A secret key, from which every cookie's signing and encryption subkeys are derived.
///
/// Cheap to clone (the derived keys sit behind an `Arc`). Its `Debug` output never shows
/// key material, and equality is checked in constant time.
///
/// # Example
/// ```
/// use axum_sesame::Key;
///
/// let key = Key::try_from_bytes(b"0123456789abcdef0123456789abcdef").unwrap();
/// assert_eq!(format!("{key:?}"), "Key { .. }");
/// assert!(Key::try_from_bytes(b"too short").is_err());
/// ```
#[derive(Clone)]
pub struct Key(Arc<KeyInner>);

impl Key {
    /// Builds a key from a secret of at least [`MIN_SECRET_LEN`] bytes.
    ///
    /// # Errors
    /// [`KeyError::TooShort`] when the secret has fewer than 32 bytes.
    pub fn try_from_bytes(secret: &[u8]) -> Result<Key, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::TooShort { len: secret.len() });
        }
        if bool::from(secret.ct_eq(DEVELOPMENT_SECRET)) {
            return Err(KeyError::DevelopmentSecret);
        }
        Ok(Key::derive(secret, false))
    }

    /// Builds a key from a secret of at least [`MIN_SECRET_LEN`] bytes.
    ///
    /// # Panics
    /// When the secret is shorter than 32 bytes. Use [`Key::try_from_bytes`] for secrets
    /// that do not come from your own code.
    ///
    /// ```
    /// let key = axum_sesame::Key::from_bytes(&[7u8; 32]);
    /// # let _ = key;
    /// ```
    pub fn from_bytes(secret: &[u8]) -> Key {
        match Key::try_from_bytes(secret) {
            Ok(key) => key,
            Err(err) => panic!("{err}"),
        }
    }

    /// Reads the secret from the environment variable `var` (its UTF-8 bytes are the secret).
    ///
    /// # Errors
    /// [`KeyError::MissingEnv`], [`KeyError::NotUnicode`] or [`KeyError::TooShort`].
    ///
    /// ```
    /// # // SAFETY of the doc example: nothing else runs in this process.
    /// let err = axum_sesame::Key::from_env("AXUM_SESAME_DOC_UNSET_VAR").unwrap_err();
    /// assert!(err.to_string().contains("AXUM_SESAME_DOC_UNSET_VAR"));
    /// ```
    pub fn from_env(var: &str) -> Result<Key, KeyError> {
        match std::env::var(var) {
            Ok(secret) => Key::try_from_bytes(secret.as_bytes()),
            Err(std::env::VarError::NotPresent) => Err(KeyError::MissingEnv {
                var: var.to_owned(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::NotUnicode {
                var: var.to_owned(),
            }),
        }
    }

    /// Reads the secret from `var`; when the variable is not set, logs a warning and
    /// returns [`Key::development`]. A variable that is set but too short is still an error.
    ///
    /// # Errors
    /// [`KeyError::NotUnicode`] or [`KeyError::TooShort`].
    ///
    /// ```
    /// let key = axum_sesame::Key::from_env_or_development("AXUM_SESAME_DOC_UNSET_VAR").unwrap();
    /// assert!(key.is_development());
    /// ```
    pub fn from_env_or_development(var: &str) -> Result<Key, KeyError> {
        match Key::from_env(var) {
            Err(KeyError::MissingEnv { .. }) => {
                tracing::warn!(
                    target: "axum_sesame::key",
                    "`{var}` is not set: using the public DEVELOPMENT key. Anyone can forge \
                     sessions; set `{var}` to at least {MIN_SECRET_LEN} random bytes in production"
                );
                Ok(Key::development())
            }
            other => other,
        }
    }

    /// The public development key, for local runs only: its secret is in this crate's
    /// source, so anyone can forge cookies with it. A [`KeyRing`] with a real key refuses it.
    ///
    /// ```
    /// assert!(axum_sesame::Key::development().is_development());
    /// ```
    pub fn development() -> Key {
        Key::derive(DEVELOPMENT_SECRET, true)
    }

    /// Whether this is the public [`Key::development`] key.
    pub fn is_development(&self) -> bool {
        self.0.development
    }

    fn derive(secret: &[u8], development: bool) -> Key {
        let hk = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
        let expand = |label: &[u8]| {
            let mut okm = Zeroizing::new([0u8; 32]);
            // 32 bytes is far below HKDF-SHA256's 255 * 32 byte limit: cannot fail.
            #[allow(clippy::expect_used)]
            hk.expand(label, okm.as_mut())
                .expect("HKDF output of 32 bytes is always valid");
            okm
        };
        let subkeys = Purpose::ALL.map(|purpose| {
            let mac_key = expand(format!("mac:{}", purpose.as_str()).as_bytes());
            let enc = expand(format!("enc:{}", purpose.as_str()).as_bytes());
            Subkey {
                mac: <HmacSha256 as KeyInit>::new_from_slice(mac_key.as_ref())
                    // HMAC accepts keys of any length.
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
                enc,
            }
        });
        Key(Arc::new(KeyInner {
            subkeys,
            fingerprint: expand(b"fingerprint"),
            development,
        }))
    }

    /// A key from secret material the crate derived itself (Flask mode), of any length.
    #[cfg(feature = "flask")]
    pub(crate) fn internal(secret: &[u8]) -> Key {
        Key::derive(secret, false)
    }

    /// A handle that tells this very key apart (same allocation) without keeping its
    /// material alive.
    pub(crate) fn identity(&self) -> KeyIdentity {
        KeyIdentity(Arc::downgrade(&self.0))
    }

    /// Whether `id` was taken from this key (or a clone of it).
    pub(crate) fn is(&self, id: &KeyIdentity) -> bool {
        std::ptr::eq(id.0.as_ptr(), Arc::as_ptr(&self.0))
    }

    pub(crate) fn subkey(&self, purpose: Purpose) -> &Subkey {
        &self.0.subkeys[purpose.index()]
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.development {
            f.write_str("Key { DEVELOPMENT }")
        } else {
            f.write_str("Key { .. }")
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.0
            .fingerprint
            .ct_eq(other.0.fingerprint.as_ref())
            .into()
    }
}

impl Eq for Key {}

/// The current key plus older keys still accepted while cookies signed with them age out.
///
/// Cookies are always signed with the current key. A cookie that verifies only under a
/// fallback key is accepted and re-issued under the current key in the same response.
/// Remove a fallback once the longest cookie lifetime has passed since the rotation.
///
/// # Example
/// ```
/// use axum_sesame::{Key, KeyRing};
///
/// let old = Key::from_bytes(&[1u8; 32]);
/// let new = Key::from_bytes(&[2u8; 32]);
/// let ring = KeyRing::new(new).with_fallback(old).unwrap();
/// assert_eq!(ring.fallbacks().len(), 1);
///
/// // The public development key never sits beside a real key.
/// assert!(KeyRing::new(Key::from_bytes(&[3u8; 32]))
///     .with_fallback(Key::development())
///     .is_err());
/// ```
#[derive(Clone, Debug)]
pub struct KeyRing {
    current: Key,
    fallbacks: Vec<Key>,
}

impl KeyRing {
    /// A ring with only `current`.
    pub fn new(current: Key) -> KeyRing {
        KeyRing {
            current,
            fallbacks: Vec::new(),
        }
    }

    /// Adds an older key that is still accepted for verification.
    ///
    /// # Errors
    /// [`KeyError::DevelopmentKeyMixed`] when exactly one of the current key and `key` is
    /// the development key; [`KeyError::TooManyFallbacks`] past [`MAX_FALLBACKS`].
    pub fn with_fallback(mut self, key: Key) -> Result<KeyRing, KeyError> {
        if key.is_development() != self.current.is_development() {
            return Err(KeyError::DevelopmentKeyMixed);
        }
        if key != self.current && !self.fallbacks.contains(&key) {
            if self.fallbacks.len() == MAX_FALLBACKS {
                return Err(KeyError::TooManyFallbacks);
            }
            self.fallbacks.push(key);
        }
        Ok(self)
    }

    /// The key new cookies are signed with.
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// The older keys still accepted, in the order they are tried.
    pub fn fallbacks(&self) -> &[Key] {
        &self.fallbacks
    }

    /// The current key from `current_var` and older ones from `fallbacks_var`
    /// (comma-separated, so a secret holds no comma; each at least [`MIN_SECRET_LEN`]
    /// bytes; empty entries ignored; the variable may be unset), so a fleet rotates its
    /// key by configuration: start every instance with the new key current and the old
    /// one as a fallback, then, once the longest cookie lifetime has passed, drop the
    /// fallback.
    ///
    /// # Errors
    /// A [`KeyError`] naming the variable when the current key is missing or too short,
    /// a fallback is too short, or there are more than [`MAX_FALLBACKS`].
    ///
    /// ```
    /// use axum_sesame::KeyRing;
    ///
    /// # // SAFETY of the example: one thread.
    /// # unsafe {
    /// std::env::set_var("MY_SECRET", "the new key: at least thirty-two bytes long");
    /// std::env::set_var("MY_SECRET_FALLBACKS", "the old key: at least thirty-two bytes too");
    /// # }
    /// let ring = KeyRing::from_env("MY_SECRET", "MY_SECRET_FALLBACKS").unwrap();
    /// assert_eq!(ring.fallbacks().len(), 1);
    /// ```
    pub fn from_env(current_var: &str, fallbacks_var: &str) -> Result<KeyRing, KeyError> {
        KeyRing::new(Key::from_env(current_var)?).with_fallbacks_from_env(fallbacks_var)
    }

    /// [`from_env`](Self::from_env), with the public development key (and a logged
    /// warning, and no fallbacks) when `current_var` is unset: for examples and local
    /// development only.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env); fallbacks beside the development key are
    /// [`KeyError::DevelopmentKeyMixed`].
    pub fn from_env_or_development(
        current_var: &str,
        fallbacks_var: &str,
    ) -> Result<KeyRing, KeyError> {
        KeyRing::new(Key::from_env_or_development(current_var)?)
            .with_fallbacks_from_env(fallbacks_var)
    }

    fn with_fallbacks_from_env(self, var: &str) -> Result<KeyRing, KeyError> {
        let value = match std::env::var(var) {
            Ok(v) => v,
            Err(std::env::VarError::NotPresent) => return Ok(self),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(KeyError::NotUnicode {
                    var: var.to_owned(),
                });
            }
        };
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .try_fold(self, |ring, secret| {
                ring.with_fallback(Key::try_from_bytes(secret.as_bytes())?)
            })
    }

    /// The current key, then the fallbacks.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Key> {
        std::iter::once(&self.current).chain(self.fallbacks.iter())
    }
}

impl From<Key> for KeyRing {
    fn from(key: Key) -> KeyRing {
        KeyRing::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_secrets() {
        assert_eq!(
            Key::try_from_bytes(&[0u8; 31]).unwrap_err(),
            KeyError::TooShort { len: 31 }
        );
        assert!(Key::try_from_bytes(&[0u8; 32]).is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let key = Key::from_bytes(b"super secret value that must not leak!!");
        let text = format!("{key:?} {:?}", KeyRing::new(key.clone()));
        assert!(!text.contains("super"), "{text}");
        assert!(!text.contains("115"), "{text}"); // no byte dumps either
    }

    #[test]
    fn equality_follows_the_secret() {
        assert_eq!(Key::from_bytes(&[1; 32]), Key::from_bytes(&[1; 32]));
        assert_ne!(Key::from_bytes(&[1; 32]), Key::from_bytes(&[2; 32]));
        assert_ne!(Key::development(), Key::from_bytes(&[1; 32]));
    }

    #[test]
    fn subkeys_differ_per_purpose() {
        let key = Key::from_bytes(&[9; 32]);
        let a = key.subkey(Purpose::Session).enc.clone();
        let b = key.subkey(Purpose::Remember).enc.clone();
        assert_ne!(a.as_ref(), b.as_ref());
    }

    #[test]
    fn development_key_is_quarantined() {
        let real = Key::from_bytes(&[5; 32]);
        assert_eq!(
            KeyRing::new(real.clone())
                .with_fallback(Key::development())
                .unwrap_err(),
            KeyError::DevelopmentKeyMixed
        );
        assert_eq!(
            KeyRing::new(Key::development())
                .with_fallback(real)
                .unwrap_err(),
            KeyError::DevelopmentKeyMixed
        );
    }

    #[test]
    fn the_development_secret_is_not_a_real_key_and_fallbacks_are_capped() {
        assert_eq!(
            Key::try_from_bytes(DEVELOPMENT_SECRET).unwrap_err(),
            KeyError::DevelopmentSecret
        );
        let mut ring = KeyRing::new(Key::from_bytes(&[0; 32]));
        for i in 1..=MAX_FALLBACKS as u8 {
            ring = ring.with_fallback(Key::from_bytes(&[i; 32])).unwrap();
        }
        assert_eq!(
            ring.with_fallback(Key::from_bytes(&[99; 32])).unwrap_err(),
            KeyError::TooManyFallbacks
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        let err = Key::from_env("AXUM_SESAME_TEST_SURELY_UNSET").unwrap_err();
        assert!(err.to_string().contains("AXUM_SESAME_TEST_SURELY_UNSET"));
    }
}
