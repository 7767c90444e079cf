//! The encryption barrier and the seal — the only code that touches [`Storage`].
//!
//! Layout in storage (everything else is ciphertext):
//! - `core/seal-config`: how the unseal key is protected (Shamir t-of-n, or an Argon2id
//!   passphrase); public parameters only.
//! - `core/root-key`: the root key, AEAD-encrypted under the unseal key; the associated data
//!   binds it to the seal config, so a tampered config fails at unseal.
//! - `core/keyring`: the data keys by term, AEAD-encrypted under the root key.
//! - `data/<path>`: records, `version (1) ‖ term (4, BE) ‖ nonce ‖ ciphertext ‖ tag`, with the
//!   header and the path as associated data so records can be neither edited nor swapped.
//!
//! INVARIANT: no plaintext record and no key ever reaches `Storage`; while sealed, the barrier
//! holds no key material at all.
#![forbid(unsafe_code)]

mod keyring;
mod seal;

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_crypto::{aead, CryptoError};
use palisade_store::{Batch, Storage, StoreError};
use parking_lot::RwLock;

pub use palisade_crypto::shamir::UnsealShare;
pub use palisade_crypto::{Key32, SecretBytes, SecretString};
pub use palisade_store;
pub use seal::{InitRequest, InitResult, SealKind, SealStatus};

use keyring::Keyring;

const DATA_PREFIX: &str = "data/";
const RECORD_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4;
/// Longest logical path accepted; keeps keys and associated data bounded.
pub const MAX_PATH_LEN: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum BarrierError {
    #[error("palisade is sealed: unseal it with `palisade unseal` before using keys")]
    Sealed,
    #[error("palisade is not initialised: run `palisade init` first")]
    NotInitialized,
    #[error("palisade is already initialised; refusing to overwrite the existing seal")]
    AlreadyInitialized,
    #[error("record `{path}` failed authentication: it was modified, moved from another path, or corrupted")]
    Tampered { path: String },
    #[error("record `{path}` is encrypted under key term {term}, which the keyring does not hold")]
    UnknownTerm { path: String, term: u32 },
    #[error("record `{path}` has unknown format version {version}")]
    UnknownVersion { path: String, version: u8 },
    #[error("invalid record path `{0}`")]
    BadPath(String),
    #[error("unseal failed: {0}")]
    Unseal(String),
    #[error("the seal configuration is damaged: {0}")]
    CorruptSeal(String),
    #[error("record `{path}` was changed concurrently")]
    Conflict { path: String },
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<StoreError> for BarrierError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { key } => BarrierError::Conflict {
                path: key.strip_prefix(DATA_PREFIX).unwrap_or(&key).to_string(),
            },
            other => BarrierError::Store(other),
        }
    }
}

/// One write in an atomic [`Barrier::apply`].
#[derive(Debug)]
pub enum Write {
    Put { path: String, value: Vec<u8> },
    Delete { path: String },
}

enum State {
    Sealed { progress: Vec<UnsealShare> },
    Unsealed(Keyring),
}

/// The encryption barrier over an untrusted [`Storage`].
pub struct Barrier {
    storage: Arc<dyn Storage>,
    state: RwLock<State>,
    failed_unseals: std::sync::atomic::AtomicU64,
}

/// AAD prefix of blobs: a control character, which record paths cannot contain.
const BLOB_CONTEXT: &str = "\u{1}blob/";

fn check_path(path: &str) -> Result<(), BarrierError> {
    if path.is_empty() || path.len() > MAX_PATH_LEN || path.chars().any(char::is_control) {
        return Err(BarrierError::BadPath(path.chars().take(64).collect()));
    }
    Ok(())
}

fn aad(header: &[u8], path: &str) -> Vec<u8> {
    let mut a = Vec::with_capacity(header.len() + path.len());
    a.extend_from_slice(header);
    a.extend_from_slice(path.as_bytes());
    a
}

impl Barrier {
    /// A barrier over `storage`, sealed.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            state: RwLock::new(State::Sealed {
                progress: Vec::new(),
            }),
            failed_unseals: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn is_sealed(&self) -> bool {
        matches!(*self.state.read(), State::Sealed { .. })
    }

    /// How many unseal attempts have failed since start (an input for detection rules).
    pub fn failed_unseal_attempts(&self) -> u64 {
        self.failed_unseals
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Wipes every key from memory; the barrier refuses all record access until unsealed.
    pub fn seal(&self) {
        // Dropping the keyring zeroizes its keys.
        *self.state.write() = State::Sealed {
            progress: Vec::new(),
        };
    }

    fn encrypt_record(keyring: &Keyring, path: &str, plaintext: &[u8]) -> Vec<u8> {
        let (term, key) = keyring.active();
        let mut header = [0u8; HEADER_LEN];
        header[0] = RECORD_VERSION;
        header[1..].copy_from_slice(&term.to_be_bytes());
        let ct = aead::seal(key, &aad(&header, path), plaintext);
        let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&ct);
        out
    }

    fn decrypt_record(
        keyring: &Keyring,
        path: &str,
        raw: &[u8],
    ) -> Result<(u32, Vec<u8>), BarrierError> {
        if raw.len() < HEADER_LEN {
            return Err(BarrierError::Tampered { path: path.into() });
        }
        let (header, ct) = raw.split_at(HEADER_LEN);
        if header[0] != RECORD_VERSION {
            return Err(BarrierError::UnknownVersion {
                path: path.into(),
                version: header[0],
            });
        }
        let term = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let key = keyring
            .term(term)
            .ok_or_else(|| BarrierError::UnknownTerm {
                path: path.into(),
                term,
            })?;
        let plain = aead::open(key, &aad(header, path), ct)
            .map_err(|_| BarrierError::Tampered { path: path.into() })?;
        Ok((term, plain))
    }

    fn with_keyring<T>(
        &self,
        f: impl FnOnce(&Keyring) -> Result<T, BarrierError>,
    ) -> Result<T, BarrierError> {
        match &*self.state.read() {
            State::Unsealed(k) => f(k),
            State::Sealed { .. } => Err(BarrierError::Sealed),
        }
    }

    /// Reads and authenticates the record at `path`.
    pub fn get(&self, path: &str) -> Result<Option<Vec<u8>>, BarrierError> {
        check_path(path)?;
        let Some(raw) = self.storage.get(&format!("{DATA_PREFIX}{path}"))? else {
            return self.with_keyring(|_| Ok(None));
        };
        self.with_keyring(|k| Self::decrypt_record(k, path, &raw).map(|(_, p)| Some(p)))
    }

    /// Encrypts a blob its owner keeps outside the key-value store (the audit journal), bound
    /// to `context` like a record to its path. Blob contexts live in their own namespace: a
    /// blob can never be passed off as a stored record or the other way round.
    pub fn encrypt_blob(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, BarrierError> {
        check_path(context)?;
        let context = format!("{BLOB_CONTEXT}{context}");
        self.with_keyring(|k| Ok(Self::encrypt_record(k, &context, plaintext)))
    }

    /// Authenticates and decrypts a blob made by [`Barrier::encrypt_blob`] for `context`.
    pub fn decrypt_blob(&self, context: &str, raw: &[u8]) -> Result<Vec<u8>, BarrierError> {
        check_path(context)?;
        let aad_context = format!("{BLOB_CONTEXT}{context}");
        self.with_keyring(|k| Self::decrypt_record(k, &aad_context, raw).map(|(_, p)| p))
            .map_err(|e| match e {
                BarrierError::Tampered { .. } => BarrierError::Tampered {
                    path: context.to_string(),
                },
                BarrierError::UnknownTerm { term, .. } => BarrierError::UnknownTerm {
                    path: context.to_string(),
                    term,
                },
                BarrierError::UnknownVersion { version, .. } => BarrierError::UnknownVersion {
                    path: context.to_string(),
                    version,
                },
                other => other,
            })
    }

    /// Every record under `prefix`, decrypted, in path order.
    pub fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, BarrierError> {
        let raw = self
            .storage
            .scan_prefix(&format!("{DATA_PREFIX}{prefix}"))?;
        self.with_keyring(|k| {
            raw.iter()
                .map(|(key, value)| {
                    let path = key.strip_prefix(DATA_PREFIX).unwrap_or(key);
                    Self::decrypt_record(k, path, value).map(|(_, p)| (path.to_string(), p))
                })
                .collect()
        })
    }

    /// Paths under `prefix` (requires the barrier to be unsealed, like every data access).
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, BarrierError> {
        self.with_keyring(|_| Ok(()))?;
        Ok(self
            .storage
            .list(&format!("{DATA_PREFIX}{prefix}"))?
            .into_iter()
            .map(|k| k.strip_prefix(DATA_PREFIX).unwrap_or(&k).to_string())
            .collect())
    }

    pub fn put(&self, path: &str, value: &[u8]) -> Result<(), BarrierError> {
        self.apply(
            vec![Write::Put {
                path: path.into(),
                value: value.to_vec(),
            }],
            Vec::new(),
        )
    }

    pub fn delete(&self, path: &str) -> Result<(), BarrierError> {
        self.apply(vec![Write::Delete { path: path.into() }], Vec::new())
    }

    /// Atomically applies `writes` if every `(path, expected plaintext)` check holds
    /// (`None` = must not exist); otherwise changes nothing and returns [`BarrierError::Conflict`].
    pub fn apply(
        &self,
        writes: Vec<Write>,
        checks: Vec<(String, Option<Vec<u8>>)>,
    ) -> Result<(), BarrierError> {
        let mut batch = Batch::new();
        for (path, expected) in &checks {
            check_path(path)?;
            let key = format!("{DATA_PREFIX}{path}");
            let raw = self.storage.get(&key)?;
            let current = match &raw {
                Some(r) => Some(self.with_keyring(|k| Self::decrypt_record(k, path, r))?.1),
                None => None,
            };
            if current != *expected {
                return Err(BarrierError::Conflict { path: path.clone() });
            }
            // The storage re-checks the exact ciphertext inside its transaction.
            batch = batch.check(key, raw);
        }
        let encoded = self.with_keyring(|k| {
            writes
                .into_iter()
                .map(|w| match w {
                    Write::Put { path, value } => {
                        check_path(&path)?;
                        let sealed = Self::encrypt_record(k, &path, &value);
                        Ok((format!("{DATA_PREFIX}{path}"), Some(sealed)))
                    }
                    Write::Delete { path } => {
                        check_path(&path)?;
                        Ok((format!("{DATA_PREFIX}{path}"), None))
                    }
                })
                .collect::<Result<Vec<_>, BarrierError>>()
        })?;
        for (key, value) in encoded {
            batch = match value {
                Some(v) => batch.put(key, v),
                None => batch.delete(key),
            };
        }
        Ok(self.storage.apply(batch)?)
    }

    /// Adds a new data-key term and makes it the one new records are written under.
    pub fn rotate(&self) -> Result<u32, BarrierError> {
        let mut state = self.state.write();
        let State::Unsealed(keyring) = &mut *state else {
            return Err(BarrierError::Sealed);
        };
        let old_raw = self.storage.get(seal::KEYRING_KEY)?;
        let next = keyring.with_new_term();
        let raw = next.encrypt()?;
        let batch = Batch::new()
            .check(seal::KEYRING_KEY, old_raw)
            .put(seal::KEYRING_KEY, raw);
        self.storage.apply(batch)?;
        let term = next.active().0;
        *keyring = next;
        Ok(term)
    }

    /// Re-encrypts every record still under an older term; returns how many were rewritten.
    /// Records changed concurrently are skipped (they were just written under the new term).
    pub fn rewrap(&self) -> Result<usize, BarrierError> {
        let raw = self.storage.scan_prefix(DATA_PREFIX)?;
        let mut rewritten = 0;
        for (key, value) in raw {
            let path = key.strip_prefix(DATA_PREFIX).unwrap_or(&key).to_string();
            let redo = self.with_keyring(|k| {
                let (term, plain) = Self::decrypt_record(k, &path, &value)?;
                Ok((term != k.active().0).then(|| Self::encrypt_record(k, &path, &plain)))
            })?;
            if let Some(sealed) = redo {
                match self.storage.apply(
                    Batch::new()
                        .check(key.clone(), Some(value))
                        .put(key, sealed),
                ) {
                    Ok(()) => rewritten += 1,
                    Err(StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(rewritten)
    }

    /// Number of records per key term (for `operator rotate` status and tests).
    pub fn term_histogram(&self) -> Result<BTreeMap<u32, usize>, BarrierError> {
        let mut h = BTreeMap::new();
        for (_, value) in self.storage.scan_prefix(DATA_PREFIX)? {
            if value.len() >= HEADER_LEN {
                let term = u32::from_be_bytes([value[1], value[2], value[3], value[4]]);
                *h.entry(term).or_insert(0) += 1;
            }
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests;
