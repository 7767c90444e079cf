//! Key metadata as stored and as shown (never the secret).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::VaultError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    Secp256k1,
    Ed25519,
}

impl KeyType {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "secp256k1" => Some(Self::Secp256k1),
            "ed25519" => Some(Self::Ed25519),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secp256k1 => "secp256k1",
            Self::Ed25519 => "ed25519",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Frozen,
    Destroyed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub id: String,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// EIP-55 checksummed address (secp256k1 keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Hex public key (SEC1 compressed for secp256k1, 32 bytes for ed25519).
    pub public_key: String,
    pub labels: BTreeMap<String, String>,
    pub created_at: u64,
    pub status: KeyStatus,
}

/// Address and public key of a secret; validates the secret on the way.
pub(crate) fn derive_public(
    key_type: KeyType,
    secret: &[u8],
) -> Result<(Option<String>, String), VaultError> {
    match key_type {
        KeyType::Secp256k1 => {
            let sk = k256::ecdsa::SigningKey::from_slice(secret).map_err(|_| {
                VaultError::InvalidKey("not a valid secp256k1 private key (must be 32 bytes, non-zero, below the curve order)".into())
            })?;
            let vk = sk.verifying_key();
            let address = palisade_chain::address_of(vk).to_checksum(None);
            Ok((
                Some(address),
                hex::encode(vk.to_encoded_point(true).as_bytes()),
            ))
        }
        KeyType::Ed25519 => {
            let seed: [u8; 32] = secret
                .try_into()
                .map_err(|_| VaultError::InvalidKey("an ed25519 key is a 32-byte seed".into()))?;
            let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
            Ok((None, hex::encode(sk.verifying_key().to_bytes())))
        }
    }
}
