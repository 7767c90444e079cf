//! Argon2id passphrase derivation with OWASP's recommended parameters.

use serde::{Deserialize, Serialize};

use crate::{CryptoError, Key32};

/// Argon2id parameters, stored beside the salt so old data directories keep unsealing after
/// the defaults change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// Refuses parameters a tampered config could use to exhaust the machine, or that are too weak.
    pub fn validate(&self) -> Result<(), CryptoError> {
        let ok = (8 * 1024..=4 * 1024 * 1024).contains(&self.memory_kib)
            && (1..=64).contains(&self.iterations)
            && (1..=16).contains(&self.parallelism);
        if ok {
            Ok(())
        } else {
            Err(CryptoError::Kdf(format!(
                "argon2 parameters out of bounds: {self:?}"
            )))
        }
    }
}

pub fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    params: &Argon2Params,
) -> Result<Key32, CryptoError> {
    params.validate()?;
    let p = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, out.as_mut())
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(Key32::new(*out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_salted() {
        let p = Argon2Params {
            memory_kib: 8 * 1024,
            iterations: 1,
            parallelism: 1,
        };
        let a = derive_key(b"pw", b"saltsaltsaltsalt", &p).unwrap();
        assert_eq!(a, derive_key(b"pw", b"saltsaltsaltsalt", &p).unwrap());
        assert_ne!(a, derive_key(b"pw", b"saltsaltsaltsalX", &p).unwrap());
        assert_ne!(a, derive_key(b"pX", b"saltsaltsaltsalt", &p).unwrap());
    }

    #[test]
    fn hostile_parameters_refused() {
        let p = Argon2Params {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        };
        assert!(derive_key(b"pw", b"saltsaltsaltsalt", &p).is_err());
    }
}
