//! EVM chain logic: transaction requests, RLP, EIP-155/191/712 hashing, keystore v3.
//!
//! Pure functions over bytes and JSON values: no I/O, no networking, no global state. Every
//! parser of outside input has hard size bounds and rejects trailing data; every error is a
//! [`ChainError`] whose message names the field at fault.
//!
//! The crate never holds a signing key: callers hash with [`UnsignedTx::signing_hash`],
//! [`eip191_personal_hash`] or [`typed_data_hash`], sign the 32-byte digest wherever the key
//! lives, and hand the [`RecoverableSignature`] back to assemble the result.
#![forbid(unsafe_code)]

mod error;
mod json;
mod keystore;
mod message;
mod scrypt;
mod signature;
mod tx;

pub use alloy_primitives::{Address, Bytes, B256, U256};

pub use error::ChainError;
pub use keystore::{decrypt_keystore_v3, DecryptedKeystore, MAX_KEYSTORE_JSON_BYTES};
pub use message::{
    eip191_personal_hash, eip191_validator_hash, typed_data_hash, TypedDataDigest,
    MAX_TYPED_DATA_BYTES, MAX_TYPED_DATA_DEPTH,
};
pub use signature::{address_of, RecoverableSignature};
pub use tx::{
    decode_raw_tx, parse_tx_request, DecodedTx, SignedTx, TxRequest, UnsignedTx, MAX_INPUT_BYTES,
    MAX_RAW_TX_BYTES,
};
