//! Shamir secret sharing of the 32-byte unseal key over GF(256) (`blahaj`).
//!
//! A share as handed to an operator is text: `palisade-share-v1:<hex>` where the payload is
//! `instance id (8) ‖ x (1) ‖ y (32) ‖ checksum (4)`. The checksum catches typos at once; the
//! instance id catches a share from another Palisade deployment before it poisons the unseal.

use blahaj::{Share, Sharks};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{CryptoError, Key32, SecretString};

const PREFIX: &str = "palisade-share-v1:";
const INSTANCE_LEN: usize = 8;
const PAYLOAD_LEN: usize = INSTANCE_LEN + 1 + 32;
const CHECKSUM_LEN: usize = 4;

/// One decoded share (secret: together with t-1 others it yields the unseal key).
pub struct UnsealShare {
    pub instance: [u8; INSTANCE_LEN],
    pub x: u8,
    y: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for UnsealShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UnsealShare {{ x: {}, y: [REDACTED] }}", self.x)
    }
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let d = Sha256::digest(payload);
    [d[0], d[1], d[2], d[3]]
}

/// Splits `secret` into `shares` text shares, any `threshold` of which recover it.
pub fn split(
    secret: &Key32,
    instance: [u8; INSTANCE_LEN],
    shares: u8,
    threshold: u8,
) -> Result<Vec<SecretString>, CryptoError> {
    if threshold == 0 || shares == 0 || threshold > shares {
        return Err(CryptoError::Shamir(format!(
            "threshold must be between 1 and the number of shares (got threshold {threshold}, shares {shares})"
        )));
    }
    let dealer = Sharks(threshold).dealer(secret.expose_secret());
    let mut out = Vec::with_capacity(shares as usize);
    for share in dealer.take(shares as usize) {
        let raw: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::from(&share));
        let mut payload = Zeroizing::new(Vec::with_capacity(PAYLOAD_LEN + CHECKSUM_LEN));
        payload.extend_from_slice(&instance);
        payload.extend_from_slice(&raw);
        let sum = checksum(&payload);
        payload.extend_from_slice(&sum);
        out.push(SecretString::new(format!(
            "{PREFIX}{}",
            hex::encode(payload.as_slice())
        )));
    }
    Ok(out)
}

/// Parses a text share, checking its format and checksum.
pub fn parse_share(text: &str) -> Result<UnsealShare, CryptoError> {
    let body = text
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| CryptoError::Shamir(format!("share must start with `{PREFIX}`")))?;
    let bytes = Zeroizing::new(
        hex::decode(body).map_err(|_| CryptoError::Shamir("share is not valid hex".into()))?,
    );
    if bytes.len() != PAYLOAD_LEN + CHECKSUM_LEN {
        return Err(CryptoError::Shamir(format!(
            "share has the wrong length ({} bytes, expected {})",
            bytes.len(),
            PAYLOAD_LEN + CHECKSUM_LEN
        )));
    }
    let (payload, sum) = bytes.split_at(PAYLOAD_LEN);
    if !palisade_types::ct_eq(&checksum(payload), sum) {
        return Err(CryptoError::Shamir(
            "share checksum mismatch (mistyped or damaged share)".into(),
        ));
    }
    let mut instance = [0u8; INSTANCE_LEN];
    instance.copy_from_slice(&payload[..INSTANCE_LEN]);
    let x = payload[INSTANCE_LEN];
    if x == 0 {
        return Err(CryptoError::Shamir("share has an invalid index 0".into()));
    }
    let mut y = Zeroizing::new([0u8; 32]);
    y.copy_from_slice(&payload[INSTANCE_LEN + 1..]);
    Ok(UnsealShare { instance, x, y })
}

/// Recovers the secret from at least `threshold` distinct shares.
pub fn combine(shares: &[UnsealShare], threshold: u8) -> Result<Key32, CryptoError> {
    let parsed: Vec<Share> = shares
        .iter()
        .map(|s| {
            let mut raw = Zeroizing::new(Vec::with_capacity(33));
            raw.push(s.x);
            raw.extend_from_slice(s.y.as_slice());
            Share::try_from(raw.as_slice()).map_err(|e| CryptoError::Shamir(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let secret = Zeroizing::new(
        Sharks(threshold)
            .recover(parsed.iter())
            .map_err(|e| CryptoError::Shamir(e.to_lowercase()))?,
    );
    Key32::from_slice(&secret)
        .ok_or_else(|| CryptoError::Shamir("recovered secret has the wrong length".into()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_subset_recovers() {
        let k = Key32::random();
        let shares = split(&k, [7; 8], 5, 3).unwrap();
        let parsed: Vec<_> = shares
            .iter()
            .map(|s| parse_share(s.expose_secret()).unwrap())
            .collect();
        for combo in [[0, 1, 2], [0, 2, 4], [4, 3, 1]] {
            let subset: Vec<_> = combo
                .iter()
                .map(|&i| UnsealShare {
                    instance: parsed[i].instance,
                    x: parsed[i].x,
                    y: parsed[i].y.clone(),
                })
                .collect();
            assert_eq!(combine(&subset, 3).unwrap(), k);
        }
        let two: Vec<_> = parsed.into_iter().take(2).collect();
        assert!(combine(&two, 3).is_err());
    }

    #[test]
    fn typo_is_caught_by_checksum() {
        let k = Key32::random();
        let s = split(&k, [1; 8], 3, 2).unwrap()[0]
            .expose_secret()
            .to_string();
        let mut chars: Vec<char> = s.chars().collect();
        let i = PREFIX.len() + 20;
        chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert!(parse_share(&typo)
            .unwrap_err()
            .to_string()
            .contains("checksum"));
        assert!(parse_share("hello").is_err());
    }

    #[test]
    fn invalid_threshold_refused() {
        assert!(split(&Key32::random(), [0; 8], 2, 3).is_err());
        assert!(split(&Key32::random(), [0; 8], 2, 0).is_err());
    }
}
