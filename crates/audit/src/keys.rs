//! The audit keys: an HMAC-SHA256 key for sensitive fields and the Ed25519 key that signs
//! checkpoints, with the log's origin name. Generated once (at `init`, or on first use by an
//! older data directory) and stored only through the barrier; cached while unsealed and wiped
//! on seal.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use hmac::{Hmac, Mac};
use palisade_barrier::{Barrier, BarrierError, Write};
use palisade_types::Key32;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::checkpoint::VerifierKey;
use crate::AuditError;

const KEYS_PATH: &str = "audit/keys";
/// Prefix of a stored keyed hash: `hmac-sha256:<32 hex>` (128 bits of the MAC).
pub const KEYED_HASH_PREFIX: &str = "hmac-sha256:";

pub(crate) struct AuditKeys {
    hmac: Key32,
    signing: SigningKey,
    pub(crate) origin: String,
}

impl AuditKeys {
    pub(crate) fn keyed_hash(&self, value: &str) -> String {
        // An HMAC accepts any key length, so this cannot fail; fall back to a marker anyway.
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(self.hmac.expose_secret()) else {
            return format!("{KEYED_HASH_PREFIX}unavailable");
        };
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        format!("{KEYED_HASH_PREFIX}{}", hex::encode(&out[..16]))
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    pub(crate) fn verifier_key(&self) -> VerifierKey {
        VerifierKey::new(&self.origin, self.signing.verifying_key())
    }
}

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    hmac: String,
    signing_seed: String,
    origin: String,
}

impl Drop for StoredKeys {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.hmac.zeroize();
        self.signing_seed.zeroize();
    }
}

fn decode32(hex_text: &str, what: &str) -> Result<Zeroizing<[u8; 32]>, AuditError> {
    let v = Zeroizing::new(
        hex::decode(hex_text)
            .map_err(|_| AuditError::Unavailable(format!("stored audit {what} is damaged")))?,
    );
    let mut out = Zeroizing::new([0u8; 32]);
    if v.len() != 32 {
        return Err(AuditError::Unavailable(format!(
            "stored audit {what} is damaged"
        )));
    }
    out.copy_from_slice(&v);
    Ok(out)
}

fn parse(raw: &[u8]) -> Result<AuditKeys, AuditError> {
    let raw = Zeroizing::new(raw.to_vec());
    let s: StoredKeys = serde_json::from_slice(&raw)
        .map_err(|_| AuditError::Unavailable("stored audit keys are damaged".into()))?;
    let hmac = decode32(&s.hmac, "hmac key")?;
    let seed = decode32(&s.signing_seed, "checkpoint key")?;
    Ok(AuditKeys {
        hmac: Key32::new(*hmac),
        signing: SigningKey::from_bytes(&seed),
        origin: s.origin.clone(),
    })
}

fn generate() -> (AuditKeys, Zeroizing<Vec<u8>>) {
    let hmac = Key32::random();
    let seed = Key32::random();
    let mut id = [0u8; 6];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    let origin = format!("palisade.audit/{}", hex::encode(id));
    let stored = StoredKeys {
        hmac: hex::encode(hmac.expose_secret()),
        signing_seed: hex::encode(seed.expose_secret()),
        origin: origin.clone(),
    };
    let raw = Zeroizing::new(serde_json::to_vec(&stored).unwrap_or_default());
    let keys = AuditKeys {
        signing: SigningKey::from_bytes(seed.expose_secret()),
        hmac,
        origin,
    };
    (keys, raw)
}

#[derive(Default)]
pub(crate) struct KeyCache(Mutex<Option<Arc<AuditKeys>>>);

impl KeyCache {
    /// The keys: cached, loaded through the barrier, or generated and stored (once, even when
    /// two callers race: the write is conditional on the record being absent).
    pub(crate) fn get(&self, barrier: &Barrier) -> Result<Arc<AuditKeys>, AuditError> {
        let mut cached = self.0.lock();
        if let Some(k) = cached.as_ref() {
            if !barrier.is_sealed() {
                return Ok(k.clone());
            }
        }
        let keys = match barrier.get(KEYS_PATH)? {
            Some(raw) => parse(&raw)?,
            None => {
                let (keys, raw) = generate();
                match barrier.apply(
                    vec![Write::Put {
                        path: KEYS_PATH.into(),
                        value: raw.to_vec(),
                    }],
                    vec![(KEYS_PATH.into(), None)],
                ) {
                    Ok(()) => keys,
                    Err(BarrierError::Conflict { .. }) => {
                        parse(&barrier.get(KEYS_PATH)?.ok_or_else(|| {
                            AuditError::Unavailable("audit keys vanished".into())
                        })?)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let keys = Arc::new(keys);
        *cached = Some(keys.clone());
        Ok(keys)
    }

    pub(crate) fn wipe(&self) {
        *self.0.lock() = None;
    }
}
