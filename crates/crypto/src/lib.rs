//! Cryptographic primitives: AEAD, KDF, Shamir splitting, age backups
#![forbid(unsafe_code)]
