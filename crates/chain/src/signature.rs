//! Signatures as the signing backends produce them, and addresses of public keys.

use alloy_primitives::{keccak256, Address, U256};

/// ECDSA signature over secp256k1 with its recovery parity, as produced by k256's
/// `sign_prehash_recoverable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSignature {
    /// The `r` scalar.
    pub r: U256,
    /// The `s` scalar (low-s when produced by k256).
    pub s: U256,
    /// Parity of the `y` coordinate of the nonce point: the recovery id's low bit.
    pub y_parity: bool,
}

impl RecoverableSignature {
    /// Converts a k256 signature and recovery id.
    pub fn from_k256(sig: &k256::ecdsa::Signature, recid: k256::ecdsa::RecoveryId) -> Self {
        let (r, s) = sig.split_bytes();
        Self {
            r: U256::from_be_slice(r.as_slice()),
            s: U256::from_be_slice(s.as_slice()),
            y_parity: recid.is_y_odd(),
        }
    }

    /// 65 bytes `r ‖ s ‖ v` with `v` = 27 or 28: what `personal_sign`, `eth_sign` and
    /// `eth_signTypedData_v4` return.
    pub fn to_rsv_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        out[64] = 27 + u8::from(self.y_parity);
        out
    }

    pub(crate) fn to_alloy(self) -> alloy_primitives::Signature {
        alloy_primitives::Signature::new(self.r, self.s, self.y_parity)
    }
}

/// The Ethereum address of a public key: the last 20 bytes of keccak256 of the uncompressed
/// point without its `0x04` prefix.
pub fn address_of(key: &k256::ecdsa::VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    Address::from_slice(&hash[12..])
}
