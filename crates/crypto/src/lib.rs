//! Cryptographic primitives behind Palisade's data protection: the AEAD used by the barrier,
//! the passphrase KDF, Shamir splitting of the unseal key, and age-encrypted offline backups.
//!
//! Every function here is a thin, typed wrapper over a well-reviewed crate (`aes-gcm`, `argon2`,
//! `blahaj`, `age`); nothing cryptographic is implemented by hand.
#![forbid(unsafe_code)]

pub mod aead;
pub mod backup;
pub mod kdf;
pub mod shamir;

pub use palisade_types::{Key32, SecretBytes, SecretString};

/// Errors from the primitives. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("ciphertext failed authentication (data was modified, moved, or encrypted under another key)")]
    Authentication,
    #[error("ciphertext is truncated ({0} bytes)")]
    Truncated(usize),
    #[error("key derivation failed: {0}")]
    Kdf(String),
    #[error("shamir: {0}")]
    Shamir(String),
    #[error("age recipient `{0}` is not a valid X25519 recipient (expected `age1...`)")]
    BadRecipient(String),
    #[error("age identity is not a valid X25519 identity (expected `AGE-SECRET-KEY-1...`)")]
    BadIdentity,
    #[error("backup: {0}")]
    Backup(String),
}
