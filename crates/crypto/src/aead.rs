//! AES-256-GCM with a fresh random 96-bit nonce per message.
//!
//! Output layout: `nonce (12) ‖ ciphertext ‖ tag (16)`. Random nonces are safe here because a
//! data key encrypts far fewer than 2^32 records before `operator rotate` is expected.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use crate::{CryptoError, Key32};

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// Encrypts `plaintext`, authenticating `aad` alongside it.
pub fn seal(key: &Key32, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.expose_secret().into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    // Encryption with a valid 32-byte key and in-memory buffers cannot fail; an error here would
    // mean a plaintext over 64 GiB, which the callers never produce.
    match cipher.encrypt(
        Nonce::from_slice(&nonce),
        Payload {
            msg: plaintext,
            aad,
        },
    ) {
        Ok(ct) => out.extend_from_slice(&ct),
        Err(_) => out.clear(),
    }
    out
}

/// Decrypts and authenticates data made by [`seal`] with the same key and `aad`.
pub fn open(key: &Key32, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < OVERHEAD {
        return Err(CryptoError::Truncated(sealed.len()));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(key.expose_secret().into());
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| CryptoError::Authentication)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_nonce_freshness() {
        let k = Key32::random();
        let a = seal(&k, b"path/a", b"hello");
        let b = seal(&k, b"path/a", b"hello");
        assert_ne!(a, b, "nonces must differ");
        assert_eq!(open(&k, b"path/a", &a).unwrap(), b"hello");
    }

    #[test]
    fn wrong_aad_key_or_bitflip_is_rejected() {
        let k = Key32::random();
        let mut c = seal(&k, b"path/a", b"hello");
        assert!(matches!(
            open(&k, b"path/b", &c),
            Err(CryptoError::Authentication)
        ));
        assert!(matches!(
            open(&Key32::random(), b"path/a", &c),
            Err(CryptoError::Authentication)
        ));
        let last = c.len() - 1;
        c[last] ^= 1;
        assert!(matches!(
            open(&k, b"path/a", &c),
            Err(CryptoError::Authentication)
        ));
        assert!(matches!(
            open(&k, b"", &[0u8; 5]),
            Err(CryptoError::Truncated(5))
        ));
    }
}
