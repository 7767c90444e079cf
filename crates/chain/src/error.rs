//! The one error type of this crate.
//!
//! Messages are lowercase, one line, name the field or value at fault in backticks and say what
//! to do. They never contain key material, and user-provided values are truncated before they
//! are echoed back (see [`shown`]).

/// Everything that can go wrong while decoding, building or hashing chain payloads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The transaction request is not a JSON object.
    #[error("transaction request must be a JSON object, got {0}")]
    RequestNotObject(&'static str),

    /// A field the gateway does not know; rejected so nothing is silently dropped.
    #[error("unknown transaction field `{0}`")]
    UnknownField(String),

    /// A field is present but malformed (bad hex, wrong length, overflow, ...).
    #[error("invalid transaction field `{field}`: {reason}")]
    InvalidField {
        /// JSON path of the field, e.g. `accessList[2].address`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Two fields that must agree (or must not be combined) were sent together.
    #[error("conflicting transaction fields `{first}` and `{second}`: {reason}")]
    ConflictingFields {
        /// First field.
        first: &'static str,
        /// Second field.
        second: &'static str,
        /// Why they cannot be combined.
        reason: &'static str,
    },

    /// The requested transaction type cannot carry one of the given fields, or lacks one it needs.
    #[error("transaction type `{tx_type}` {reason}")]
    TypeMismatch {
        /// Resolved transaction type (0..=4).
        tx_type: u8,
        /// What is inconsistent.
        reason: &'static str,
    },

    /// A field needed to sign is missing.
    #[error("transaction field `{field}` is required to sign: {hint}")]
    MissingField {
        /// The missing field.
        field: &'static str,
        /// How to provide it.
        hint: &'static str,
    },

    /// The request names another chain than the one the gateway signs for.
    #[error(
        "transaction chain id `{requested}` does not match this gateway's chain id `{expected}`"
    )]
    ChainIdMismatch {
        /// Chain id in the request.
        requested: u64,
        /// Chain id the gateway signs for.
        expected: u64,
    },

    /// A transaction type number this gateway does not sign.
    #[error("unsupported transaction type `{0}`; supported types are 0x0, 0x1, 0x2, 0x3 and 0x4")]
    UnsupportedTxType(String),

    /// A feature that is recognised but deliberately not supported.
    #[error("{0}")]
    Unsupported(&'static str),

    /// EIP-712 typed data that cannot be hashed.
    #[error("invalid typed data: {0}")]
    TypedData(String),

    /// A raw (signed, RLP / EIP-2718) transaction that cannot be decoded.
    #[error("invalid raw transaction: {0}")]
    RawTx(String),

    /// A keystore file that cannot be read (before the password is even tried).
    #[error("invalid keystore: {0}")]
    Keystore(String),

    /// The keystore's KDF parameters exceed what this gateway is willing to compute.
    #[error("keystore kdf parameters are too expensive: {0}; re-encrypt the key with standard parameters")]
    KeystoreKdfTooExpensive(String),

    /// The MAC did not verify: wrong password or a modified file.
    #[error("keystore password is wrong or the file is corrupt")]
    KeystoreMac,
}

/// Maximum number of characters of a user-provided value echoed back in an error message.
const SHOWN_MAX: usize = 80;

/// Renders a user-provided value for an error message: truncated, control characters escaped.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(SHOWN_MAX + 3));
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_MAX {
            out.push('…');
            break;
        }
        if c.is_control() || c == '`' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
