//! The keystore: key lifecycle, signing behind proof values, and offline backups.
//!
//! Keys are generated here (or imported once, for migration) and never leave in plaintext: no
//! function returns a private key, and the only export is an age-encrypted backup to offline
//! recipients. Signing takes a [`PolicyApproved`] and an [`Audited`] for the same key and
//! digest — values only the policy and audit crates can create — so no code path can sign
//! without having been authorized and durably audited first (design invariant 4).
#![forbid(unsafe_code)]

mod backup;
mod record;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ed25519_dalek::Signer as _;
use k256::ecdsa::{RecoveryId, Signature, SigningKey};
use palisade_audit::Audited;
use palisade_barrier::{Barrier, BarrierError, Write};
use palisade_policy::PolicyApproved;
use parking_lot::RwLock;
use zeroize::Zeroizing;

pub use backup::{BackupFile, RestoreReport};
pub use record::{KeyInfo, KeyStatus, KeyType};

const META_PREFIX: &str = "keys/meta/";
const SECRET_PREFIX: &str = "keys/secret/";
const ADDR_PREFIX: &str = "keys/addr/";
const MAX_LABELS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Barrier(#[from] BarrierError),
    #[error("unknown key `{0}`")]
    UnknownKey(String),
    #[error("key `{0}` is frozen; an administrator must unfreeze it before it can sign")]
    Frozen(String),
    #[error("key `{0}` was destroyed")]
    Destroyed(String),
    #[error("a key with address `{address}` already exists (`{existing}`)")]
    Duplicate { address: String, existing: String },
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
    #[error("key `{id}` is a {actual} key; this operation needs a {expected} key")]
    WrongType {
        id: String,
        expected: &'static str,
        actual: &'static str,
    },
    #[error(
        "signing refused: the policy approval and the audit record are for different requests"
    )]
    ProofMismatch,
    #[error("keystore import failed: {0}")]
    Keystore(String),
    #[error("backup: {0}")]
    Backup(String),
    #[error("key `{0}` was changed concurrently; retry")]
    Conflict(String),
}

/// A decrypted key held in memory while unsealed (wiped on drop by k256 / ed25519-dalek).
enum LoadedSecret {
    Secp256k1(SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

struct Loaded {
    info: KeyInfo,
    secret: LoadedSecret,
}

pub struct Vault {
    barrier: Arc<Barrier>,
    /// Decrypted keys by id; cleared on seal and on every status change.
    cache: RwLock<HashMap<String, Arc<Loaded>>>,
    /// The same keys by lowercase address, so that resolving the `from` of a request costs no
    /// store reads (two records to decrypt otherwise). Always changed together with `cache`.
    by_address: RwLock<HashMap<String, Arc<Loaded>>>,
    /// Bumped whenever keys are forgotten: a key read from the store before a freeze must not
    /// be cached after it.
    generation: std::sync::atomic::AtomicU64,
}

fn meta_path(id: &str) -> String {
    format!("{META_PREFIX}{id}")
}
fn secret_path(id: &str) -> String {
    format!("{SECRET_PREFIX}{id}")
}
fn addr_path(addr: &str) -> String {
    format!("{ADDR_PREFIX}{}", addr.to_ascii_lowercase())
}

fn validate_labels(labels: &BTreeMap<String, String>) -> Result<(), VaultError> {
    if labels.len() > MAX_LABELS {
        return Err(VaultError::InvalidLabels(format!(
            "at most {MAX_LABELS} labels"
        )));
    }
    for (k, v) in labels {
        let key_ok = !k.is_empty()
            && k.len() <= 64
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        if !key_ok {
            return Err(VaultError::InvalidLabels(format!(
                "label name `{}` must be 1-64 of [A-Za-z0-9-_./]",
                k.chars().take(64).collect::<String>()
            )));
        }
        if v.len() > 256 || v.chars().any(char::is_control) {
            return Err(VaultError::InvalidLabels(format!(
                "label `{k}` value must be at most 256 printable characters"
            )));
        }
    }
    Ok(())
}

impl Vault {
    pub fn new(barrier: Arc<Barrier>) -> Self {
        Self {
            barrier,
            cache: RwLock::new(HashMap::new()),
            by_address: RwLock::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Forgets every decrypted key (call on seal).
    pub fn wipe_cache(&self) {
        let mut cache = self.cache.write();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.by_address.write().clear();
        cache.clear();
    }

    fn forget(&self, id: &str) {
        let mut cache = self.cache.write();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.by_address.write().retain(|_, k| k.info.id != id);
        cache.remove(id);
    }

    /// Generates a new key inside Palisade.
    pub fn create(
        &self,
        key_type: KeyType,
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, VaultError> {
        let secret = Zeroizing::new(match key_type {
            KeyType::Secp256k1 => SigningKey::random(&mut rand::rngs::OsRng)
                .to_bytes()
                .to_vec(),
            KeyType::Ed25519 => ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng)
                .to_bytes()
                .to_vec(),
        });
        self.store_new(key_type, &secret, labels, None)
    }

    /// Imports a raw private key (hex, with or without 0x) for migration.
    pub fn import_hex(
        &self,
        key_type: KeyType,
        hex_key: &str,
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, VaultError> {
        let trimmed = hex_key.trim();
        let body = trimmed.strip_prefix("0x").unwrap_or(trimmed);
        if body.len() != 64 {
            return Err(VaultError::InvalidKey(format!(
                "expected 32 bytes as 64 hex characters, got {} characters",
                body.len()
            )));
        }
        let secret = Zeroizing::new(
            hex::decode(body).map_err(|_| VaultError::InvalidKey("not valid hex".into()))?,
        );
        self.store_new(key_type, &secret, labels, None)
    }

    /// Imports a Web3 Secret Storage v3 keystore (as written by geth, eth-account, ethers).
    pub fn import_keystore(
        &self,
        json: &[u8],
        password: &[u8],
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, VaultError> {
        let decrypted = palisade_chain::decrypt_keystore_v3(json, password)
            .map_err(|e| VaultError::Keystore(e.to_string()))?;
        let info = self.store_new(
            KeyType::Secp256k1,
            decrypted.secret.as_slice(),
            labels,
            decrypted.address_hint.map(|a| a.to_string()),
        )?;
        Ok(info)
    }

    pub(crate) fn store_new(
        &self,
        key_type: KeyType,
        secret: &[u8],
        labels: BTreeMap<String, String>,
        expected_address: Option<String>,
    ) -> Result<KeyInfo, VaultError> {
        validate_labels(&labels)?;
        let (address, public_key) = record::derive_public(key_type, secret)?;
        if let (Some(expected), Some(actual)) = (&expected_address, &address) {
            if !expected.eq_ignore_ascii_case(actual) {
                return Err(VaultError::Keystore(format!(
                    "the keystore's address `{expected}` does not match its key (`{actual}`)"
                )));
            }
        }
        let index_name = address
            .clone()
            .unwrap_or_else(|| format!("ed25519:{public_key}"));
        if let Some(existing) = self.barrier.get(&addr_path(&index_name))? {
            return Err(VaultError::Duplicate {
                address: index_name,
                existing: String::from_utf8_lossy(&existing).into_owned(),
            });
        }
        let info = KeyInfo {
            id: palisade_types::random_id("key_", 8),
            key_type,
            address,
            public_key,
            labels,
            created_at: palisade_types::unix_now(),
            status: KeyStatus::Active,
        };
        self.write_new(&info, secret, &index_name)?;
        Ok(info)
    }

    pub(crate) fn write_new(
        &self,
        info: &KeyInfo,
        secret: &[u8],
        index_name: &str,
    ) -> Result<(), VaultError> {
        let meta = serde_json::to_vec(info).map_err(|e| VaultError::InvalidKey(e.to_string()))?;
        // One atomic write with a "must not exist" check on the address index: two concurrent
        // imports of the same key cannot both succeed, and a crash leaves all or nothing.
        let result = self.barrier.apply(
            vec![
                Write::Put {
                    path: secret_path(&info.id),
                    value: secret.to_vec(),
                },
                Write::Put {
                    path: meta_path(&info.id),
                    value: meta,
                },
                Write::Put {
                    path: addr_path(index_name),
                    value: info.id.as_bytes().to_vec(),
                },
            ],
            vec![(addr_path(index_name), None), (meta_path(&info.id), None)],
        );
        match result {
            Err(BarrierError::Conflict { .. }) => Err(VaultError::Duplicate {
                address: index_name.to_string(),
                existing: "a concurrent import".into(),
            }),
            other => Ok(other?),
        }
    }

    /// Looks a key up by id or by address.
    pub fn get(&self, id_or_address: &str) -> Result<KeyInfo, VaultError> {
        // A loaded key is active and current: every status change forgets it first.
        if !self.barrier.is_sealed() {
            let s = id_or_address.trim();
            let hit = if s.starts_with("0x") || s.starts_with("0X") {
                self.by_address.read().get(&s.to_ascii_lowercase()).cloned()
            } else {
                self.cache.read().get(s).cloned()
            };
            if let Some(k) = hit {
                return Ok(k.info.clone());
            }
        }
        let id = self.resolve_id(id_or_address)?;
        let raw = self
            .barrier
            .get(&meta_path(&id))?
            .ok_or_else(|| VaultError::UnknownKey(id_or_address.to_string()))?;
        serde_json::from_slice(&raw)
            .map_err(|e| VaultError::InvalidKey(format!("stored metadata is malformed: {e}")))
    }

    fn resolve_id(&self, id_or_address: &str) -> Result<String, VaultError> {
        let s = id_or_address.trim();
        if s.starts_with("0x") || s.starts_with("0X") {
            let id = self
                .barrier
                .get(&addr_path(s))?
                .ok_or_else(|| VaultError::UnknownKey(s.to_string()))?;
            return String::from_utf8(id).map_err(|_| VaultError::UnknownKey(s.to_string()));
        }
        if s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(VaultError::UnknownKey(s.chars().take(64).collect()));
        }
        Ok(s.to_string())
    }

    pub fn list(&self) -> Result<Vec<KeyInfo>, VaultError> {
        let mut keys: Vec<KeyInfo> = self
            .barrier
            .scan(META_PREFIX)?
            .into_iter()
            .map(|(_, raw)| {
                serde_json::from_slice(&raw).map_err(|e| {
                    VaultError::InvalidKey(format!("stored metadata is malformed: {e}"))
                })
            })
            .collect::<Result<_, _>>()?;
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    fn set_status(&self, id_or_address: &str, status: KeyStatus) -> Result<KeyInfo, VaultError> {
        let id = self.resolve_id(id_or_address)?;
        let raw = self
            .barrier
            .get(&meta_path(&id))?
            .ok_or_else(|| VaultError::UnknownKey(id_or_address.to_string()))?;
        let mut info: KeyInfo =
            serde_json::from_slice(&raw).map_err(|e| VaultError::InvalidKey(e.to_string()))?;
        if info.status == KeyStatus::Destroyed {
            return Err(VaultError::Destroyed(id));
        }
        info.status = status;
        let meta = serde_json::to_vec(&info).map_err(|e| VaultError::InvalidKey(e.to_string()))?;
        let mut writes = vec![Write::Put {
            path: meta_path(&id),
            value: meta,
        }];
        if status == KeyStatus::Destroyed {
            // Crypto-shredding: the secret record and the address index go in the same atomic
            // write that marks the key destroyed.
            writes.push(Write::Delete {
                path: secret_path(&id),
            });
            let index_name = info
                .address
                .clone()
                .unwrap_or_else(|| format!("ed25519:{}", info.public_key));
            writes.push(Write::Delete {
                path: addr_path(&index_name),
            });
        }
        match self
            .barrier
            .apply(writes, vec![(meta_path(&id), Some(raw))])
        {
            Err(BarrierError::Conflict { .. }) => return Err(VaultError::Conflict(id)),
            other => other?,
        }
        self.forget(&id);
        Ok(info)
    }

    pub fn freeze(&self, id: &str) -> Result<KeyInfo, VaultError> {
        self.set_status(id, KeyStatus::Frozen)
    }
    pub fn unfreeze(&self, id: &str) -> Result<KeyInfo, VaultError> {
        self.set_status(id, KeyStatus::Active)
    }
    pub fn destroy(&self, id: &str) -> Result<KeyInfo, VaultError> {
        self.set_status(id, KeyStatus::Destroyed)
    }

    fn load(&self, id: &str) -> Result<Arc<Loaded>, VaultError> {
        if self.barrier.is_sealed() {
            self.wipe_cache();
            return Err(BarrierError::Sealed.into());
        }
        if let Some(k) = self.cache.read().get(id) {
            return Ok(k.clone());
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let info = self.get(id)?;
        match info.status {
            KeyStatus::Destroyed => return Err(VaultError::Destroyed(id.to_string())),
            KeyStatus::Frozen => return Err(VaultError::Frozen(id.to_string())),
            KeyStatus::Active => {}
        }
        let secret = Zeroizing::new(
            self.barrier
                .get(&secret_path(id))?
                .ok_or_else(|| VaultError::Destroyed(id.to_string()))?,
        );
        let secret = match info.key_type {
            KeyType::Secp256k1 => {
                LoadedSecret::Secp256k1(SigningKey::from_slice(&secret).map_err(|_| {
                    VaultError::InvalidKey("stored key is not a valid scalar".into())
                })?)
            }
            KeyType::Ed25519 => {
                let bytes: [u8; 32] = secret.as_slice().try_into().map_err(|_| {
                    VaultError::InvalidKey("stored ed25519 seed has the wrong length".into())
                })?;
                let mut bytes = Zeroizing::new(bytes);
                let k = ed25519_dalek::SigningKey::from_bytes(&bytes);
                zeroize::Zeroize::zeroize(&mut *bytes);
                LoadedSecret::Ed25519(k)
            }
        };
        let loaded = Arc::new(Loaded { info, secret });
        let mut cache = self.cache.write();
        if self.generation.load(std::sync::atomic::Ordering::SeqCst) != generation {
            // Forgotten while it was being read (frozen, destroyed, sealed): use it for this
            // call, which the status change raced with anyway, but do not keep it.
            return Ok(loaded);
        }
        if let Some(address) = &loaded.info.address {
            self.by_address
                .write()
                .insert(address.to_ascii_lowercase(), loaded.clone());
        }
        cache.insert(id.to_string(), loaded.clone());
        Ok(loaded)
    }

    /// Checks that a key exists and can sign right now (active, unsealed); used before the
    /// request is audited so the audit record carries the right outcome.
    pub fn check_usable(&self, id: &str) -> Result<KeyInfo, VaultError> {
        Ok(self.load(id)?.info.clone())
    }

    fn check_proofs(approved: &PolicyApproved, audited: &Audited) -> Result<(), VaultError> {
        if approved.key_id() != audited.key_id() || approved.digest() != audited.digest() {
            return Err(VaultError::ProofMismatch);
        }
        Ok(())
    }

    /// Signs the 32-byte digest both proofs name with the secp256k1 key they name (RFC 6979,
    /// low-s), returning the signature and its recovery id.
    pub fn sign_secp256k1(
        &self,
        approved: &PolicyApproved,
        audited: &Audited,
    ) -> Result<(Signature, RecoveryId), VaultError> {
        Self::check_proofs(approved, audited)?;
        let key = self.load(approved.key_id())?;
        let LoadedSecret::Secp256k1(sk) = &key.secret else {
            return Err(VaultError::WrongType {
                id: key.info.id.clone(),
                expected: "secp256k1",
                actual: key.info.key_type.as_str(),
            });
        };
        sk.sign_prehash_recoverable(approved.digest())
            .map_err(|e| VaultError::InvalidKey(format!("signing failed: {e}")))
    }

    /// Ed25519-signs `message`, whose SHA-256 both proofs must name.
    pub fn sign_ed25519(
        &self,
        approved: &PolicyApproved,
        audited: &Audited,
        message: &[u8],
    ) -> Result<[u8; 64], VaultError> {
        Self::check_proofs(approved, audited)?;
        let digest: [u8; 32] =
            sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(message)).into();
        if &digest != approved.digest() {
            return Err(VaultError::ProofMismatch);
        }
        let key = self.load(approved.key_id())?;
        let LoadedSecret::Ed25519(sk) = &key.secret else {
            return Err(VaultError::WrongType {
                id: key.info.id.clone(),
                expected: "ed25519",
                actual: key.info.key_type.as_str(),
            });
        };
        Ok(sk.sign(message).to_bytes())
    }
}

#[cfg(test)]
mod tests;
