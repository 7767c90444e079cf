//! Shared identifiers and secret-holding types; no I/O.
//!
//! Everything that holds secret material lives in a type from this crate: it is wiped on drop,
//! its `Debug` prints nothing of the secret, it has no `Serialize`, and reading it takes an
//! explicit `expose_secret()` call that is easy to find in review.
#![forbid(unsafe_code)]

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Variable-length secret bytes (private keys, unseal keys, backup plaintext).
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}

impl PartialEq for SecretBytes {
    /// Constant time in the content (length is not secret).
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}
impl Eq for SecretBytes {}

/// A 256-bit symmetric key (root key, data keys, unseal key).
#[derive(Clone)]
pub struct Key32(Zeroizing<[u8; 32]>);

impl Key32 {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn random() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, bytes.as_mut());
        Self(bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        let key = Self::new(array);
        let mut array = array;
        array.zeroize();
        Some(key)
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32([REDACTED])")
    }
}

impl PartialEq for Key32 {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}
impl Eq for Key32 {}

/// A secret string (passphrases, API-key secrets) with the same hygiene as [`SecretBytes`].
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([REDACTED])")
    }
}

/// Constant-time equality of two byte strings (lengths are treated as public).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Random lowercase-hex identifier with a readable prefix, e.g. `key_3f9c…`.
pub fn random_id(prefix: &str, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut raw);
    format!("{prefix}{}", hex::encode(raw))
}

/// Seconds since the Unix epoch; a clock before 1970 reads as 0.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secret_material() {
        let s = SecretBytes::from_slice(b"super-secret-bytes");
        let k = Key32::new([0xAB; 32]);
        let p = SecretString::new("hunter2hunter2".into());
        let all = format!("{s:?} {k:?} {p:?} {s:#?} {k:#?}");
        assert!(!all.contains("super-secret"));
        assert!(!all.to_lowercase().contains("abab"));
        assert!(!all.contains("171")); // 0xAB as decimal
        assert!(!all.contains("hunter2"));
        assert!(all.contains("REDACTED"));
    }

    #[test]
    fn secret_equality_is_by_content() {
        assert_eq!(SecretBytes::from_slice(b"a"), SecretBytes::from_slice(b"a"));
        assert_ne!(SecretBytes::from_slice(b"a"), SecretBytes::from_slice(b"b"));
        assert_ne!(Key32::random(), Key32::random());
    }

    #[test]
    fn ids_carry_prefix_and_entropy() {
        let a = random_id("key_", 8);
        assert!(a.starts_with("key_") && a.len() == 4 + 16);
        assert_ne!(a, random_id("key_", 8));
    }
}
