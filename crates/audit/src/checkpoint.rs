//! Signed checkpoints in the C2SP `tlog-checkpoint` format, as Ed25519 signed notes.
//!
//! A checkpoint body is three lines — origin, tree size in decimal, base64 root hash — and the
//! note appends a blank line and one signature line per signer:
//! `— <key name> <base64(key id ‖ signature)>`. The key id is the first four bytes of
//! SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key) (0x01 names Ed25519), and the signature covers
//! the body exactly, final newline included. A verifier key is written as
//! `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Ed25519 algorithm byte of the signed-note format.
const ALG_ED25519: u8 = 0x01;
/// Bounds against hostile notes.
const MAX_NOTE: usize = 64 * 1024;
const MAX_SIGNATURES: usize = 16;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error("malformed verifier key: {0}")]
    BadKey(String),
    #[error("checkpoint has no valid signature by key `{0}`")]
    NotSigned(String),
}

/// The statement a checkpoint makes: the log `origin` had `size` entries with root `root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The three-line body that is signed.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Signs the body and returns the whole note text.
    pub fn sign(&self, name: &str, key: &SigningKey) -> String {
        let body = self.body();
        let sig = key.sign(body.as_bytes());
        let mut blob = key_id(name, &key.verifying_key()).to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{body}\n\u{2014} {name} {}\n", B64.encode(blob))
    }

    fn parse_body(body: &str) -> Result<Self, CheckpointError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| CheckpointError::Malformed("empty origin line".into()))?;
        let size = lines
            .next()
            .and_then(|l| {
                if l.starts_with('+') || (l.len() > 1 && l.starts_with('0')) {
                    None
                } else {
                    l.parse::<u64>().ok()
                }
            })
            .ok_or_else(|| {
                CheckpointError::Malformed("second line must be the tree size in decimal".into())
            })?;
        let root = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or_else(|| {
                CheckpointError::Malformed("third line must be a base64 SHA-256 root hash".into())
            })?;
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// Key id of the signed-note format.
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A public key that checkpoints are checked against (the trust anchor of offline verify).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: [u8; 4],
    pub key: VerifyingKey,
}

impl VerifierKey {
    pub fn new(name: &str, key: VerifyingKey) -> Self {
        Self {
            name: name.to_string(),
            id: key_id(name, &key),
            key,
        }
    }

    /// Parses `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let text = text.trim();
        // The name cannot hold `+` and the id is hex, but base64 can: split from the left.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hex_id), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CheckpointError::BadKey(
                "expected `<name>+<key id>+<base64 key>`".into(),
            ));
        };
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
            return Err(CheckpointError::BadKey(
                "the key name must be non-empty without spaces or `+`".into(),
            ));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| CheckpointError::BadKey("the key is not valid base64".into()))?;
        let (alg, key) = raw
            .split_first()
            .ok_or_else(|| CheckpointError::BadKey("the key is empty".into()))?;
        if *alg != ALG_ED25519 {
            return Err(CheckpointError::BadKey(format!(
                "unsupported key algorithm {alg} (only Ed25519)"
            )));
        }
        let key = <[u8; 32]>::try_from(key)
            .map_err(|_| CheckpointError::BadKey("an Ed25519 key is 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| CheckpointError::BadKey("not a valid Ed25519 point".into()))?;
        let vk = Self::new(name, key);
        if hex::encode(vk.id) != hex_id.to_ascii_lowercase() {
            return Err(CheckpointError::BadKey(
                "the key id does not match the name and key".into(),
            ));
        }
        Ok(vk)
    }

    /// Opens a signed note: returns the checkpoint if one signature line verifies under this key.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        if note.len() > MAX_NOTE {
            return Err(CheckpointError::Malformed(
                "note is larger than 64 KiB".into(),
            ));
        }
        let (body, sigs) = note.split_once("\n\n").ok_or_else(|| {
            CheckpointError::Malformed("no blank line before the signatures".into())
        })?;
        let body = format!("{body}\n");
        let cp = Checkpoint::parse_body(&body)?;
        for (i, line) in sigs.lines().enumerate() {
            if i >= MAX_SIGNATURES {
                break;
            }
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err(CheckpointError::Malformed(
                    "signature lines must start with an em dash".into(),
                ));
            };
            let Some((name, b64)) = rest.split_once(' ') else {
                continue;
            };
            if name != self.name {
                continue;
            }
            let Ok(blob) = B64.decode(b64) else { continue };
            if blob.len() != 4 + 64 || blob[..4] != self.id {
                continue;
            }
            let Ok(sig) = Signature::from_slice(&blob[4..]) else {
                continue;
            };
            if self.key.verify(body.as_bytes(), &sig).is_ok() {
                return Ok(cp);
            }
        }
        Err(CheckpointError::NotSigned(self.name.clone()))
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            B64.encode(raw)
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        reason = "tests"
    )]
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn sign_open_roundtrip_and_key_text() {
        let cp = Checkpoint {
            origin: "palisade.test/log".into(),
            size: 12,
            root: [9; 32],
        };
        let note = cp.sign("palisade.test/log", &key());
        assert!(note.starts_with("palisade.test/log\n12\n"));
        assert!(note.contains("\n\n\u{2014} palisade.test/log "));
        let vk = VerifierKey::new("palisade.test/log", key().verifying_key());
        let parsed = VerifierKey::parse(&vk.to_string()).unwrap();
        assert_eq!(parsed, vk);
        assert_eq!(parsed.open(&note).unwrap(), cp);
        // Keys whose base64 holds `+` parse too.
        for seed in 0..64u8 {
            let vk = VerifierKey::new("n", SigningKey::from_bytes(&[seed; 32]).verifying_key());
            assert_eq!(VerifierKey::parse(&vk.to_string()).unwrap(), vk);
        }
    }

    #[test]
    fn tampered_note_or_wrong_key_is_refused() {
        let cp = Checkpoint {
            origin: "o".into(),
            size: 3,
            root: [1; 32],
        };
        let note = cp.sign("o", &key());
        let vk = VerifierKey::new("o", key().verifying_key());
        let forged = note.replacen("\n3\n", "\n2\n", 1);
        assert_eq!(
            vk.open(&forged).unwrap_err(),
            CheckpointError::NotSigned("o".into())
        );
        let other = VerifierKey::new("o", SigningKey::from_bytes(&[8; 32]).verifying_key());
        assert!(other.open(&note).is_err());
        assert!(vk.open("o\n3\n").is_err());
        assert!(VerifierKey::parse("o+00000000+AQ==").is_err());
    }
}
