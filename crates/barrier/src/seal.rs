//! The seal: how the root key is protected at rest, and the unseal ceremony.

use palisade_crypto::kdf::{self, Argon2Params};
use palisade_crypto::shamir::{self, UnsealShare};
use palisade_crypto::{aead, Key32, SecretString};
use palisade_store::Batch;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keyring::Keyring;
use crate::{Barrier, BarrierError, State};

pub(crate) const CONFIG_KEY: &str = "core/seal-config";
pub(crate) const ROOT_KEY: &str = "core/root-key";
pub(crate) const KEYRING_KEY: &str = "core/keyring";
const MAX_SHARES: u8 = 32;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SealKind {
    Shamir { shares: u8, threshold: u8 },
    Passphrase { salt: String, argon2: Argon2Params },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SealConfig {
    version: u32,
    /// Random id of this deployment; shares carry it so a foreign share is named as such.
    instance: String,
    #[serde(flatten)]
    kind: SealKind,
}

/// What `palisade init` asks for.
pub enum InitRequest {
    Shamir { shares: u8, threshold: u8 },
    Passphrase(SecretString),
}

/// What `palisade init` hands back: the shares (shown once), or nothing for a passphrase seal.
#[derive(Debug)]
pub struct InitResult {
    pub shares: Vec<SecretString>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SealStatus {
    pub initialized: bool,
    pub sealed: bool,
    pub seal_type: Option<&'static str>,
    pub shares: Option<u8>,
    pub threshold: Option<u8>,
    /// Shares accepted so far in the current unseal.
    pub progress: usize,
}

fn root_aad(config_bytes: &[u8]) -> Vec<u8> {
    let mut a = b"palisade/core/root-key/v1:".to_vec();
    a.extend_from_slice(&Sha256::digest(config_bytes));
    a
}

impl Barrier {
    fn load_config(&self) -> Result<Option<(SealConfig, Vec<u8>)>, BarrierError> {
        let Some(raw) = self.storage.get(CONFIG_KEY)? else {
            return Ok(None);
        };
        let config: SealConfig = serde_json::from_slice(&raw)
            .map_err(|e| BarrierError::CorruptSeal(format!("seal config is not valid: {e}")))?;
        if config.version != 1 {
            return Err(BarrierError::CorruptSeal(format!(
                "unknown seal config version {}",
                config.version
            )));
        }
        Ok(Some((config, raw)))
    }

    pub fn is_initialized(&self) -> Result<bool, BarrierError> {
        Ok(self.storage.get(CONFIG_KEY)?.is_some())
    }

    pub fn status(&self) -> Result<SealStatus, BarrierError> {
        let config = self.load_config()?;
        let state = self.state.read();
        let (sealed, progress) = match &*state {
            State::Sealed { progress } => (true, progress.len()),
            State::Unsealed(_) => (false, 0),
        };
        let (seal_type, shares, threshold) = match config.as_ref().map(|(c, _)| &c.kind) {
            Some(SealKind::Shamir { shares, threshold }) => {
                (Some("shamir"), Some(*shares), Some(*threshold))
            }
            Some(SealKind::Passphrase { .. }) => (Some("passphrase"), None, None),
            None => (None, None, None),
        };
        Ok(SealStatus {
            initialized: config.is_some(),
            sealed,
            seal_type,
            shares,
            threshold,
            progress,
        })
    }

    /// Creates the root key, the first data key and the seal. Leaves the barrier sealed.
    pub fn init(&self, request: InitRequest) -> Result<InitResult, BarrierError> {
        if self.is_initialized()? {
            return Err(BarrierError::AlreadyInitialized);
        }
        let mut instance = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut instance);
        let (kind, unseal_key, shares) = match request {
            InitRequest::Shamir { shares, threshold } => {
                if shares > MAX_SHARES {
                    return Err(BarrierError::Unseal(format!(
                        "at most {MAX_SHARES} shares are supported"
                    )));
                }
                let unseal_key = Key32::random();
                let text = shamir::split(&unseal_key, instance, shares, threshold)?;
                (SealKind::Shamir { shares, threshold }, unseal_key, text)
            }
            InitRequest::Passphrase(pass) => {
                if pass.expose_secret().chars().count() < 12 {
                    return Err(BarrierError::Unseal(
                        "the passphrase must be at least 12 characters".into(),
                    ));
                }
                let mut salt = [0u8; 16];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
                let params = Argon2Params::default();
                let key = kdf::derive_key(pass.expose_secret().as_bytes(), &salt, &params)?;
                (
                    SealKind::Passphrase {
                        salt: hex::encode(salt),
                        argon2: params,
                    },
                    key,
                    Vec::new(),
                )
            }
        };
        let config = SealConfig {
            version: 1,
            instance: hex::encode(instance),
            kind,
        };
        let config_bytes =
            serde_json::to_vec(&config).map_err(|e| BarrierError::CorruptSeal(e.to_string()))?;
        let root = Key32::random();
        let sealed_root = aead::seal(&unseal_key, &root_aad(&config_bytes), root.expose_secret());
        let keyring = Keyring::fresh(root).encrypt()?;
        // One atomic write: a crash leaves either nothing or a complete, consistent seal.
        self.storage.apply(
            Batch::new()
                .check(CONFIG_KEY, None)
                .put(CONFIG_KEY, config_bytes)
                .put(ROOT_KEY, sealed_root)
                .put(KEYRING_KEY, keyring),
        )?;
        Ok(InitResult { shares })
    }

    fn open_with_unseal_key(
        &self,
        unseal_key: &Key32,
        config_bytes: &[u8],
    ) -> Result<Keyring, BarrierError> {
        let sealed_root = self
            .storage
            .get(ROOT_KEY)?
            .ok_or_else(|| BarrierError::CorruptSeal("the encrypted root key is missing".into()))?;
        let root_bytes = zeroize::Zeroizing::new(aead::open(unseal_key, &root_aad(config_bytes), &sealed_root).map_err(|_| {
            BarrierError::Unseal(
                "the unseal key is wrong (a share is wrong or belongs to another generation of this instance, or the seal config was modified)".into(),
            )
        })?);
        let root = Key32::from_slice(&root_bytes)
            .ok_or_else(|| BarrierError::CorruptSeal("root key has the wrong length".into()))?;
        let raw_keyring = self
            .storage
            .get(KEYRING_KEY)?
            .ok_or_else(|| BarrierError::CorruptSeal("the keyring is missing".into()))?;
        Keyring::decrypt(root, &raw_keyring)
    }

    fn fail<T>(&self, e: BarrierError) -> Result<T, BarrierError> {
        self.failed_unseals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err(e)
    }

    /// Adds one operator's share. Once `threshold` distinct shares are in, the barrier unseals;
    /// if they do not reconstruct the key, the progress is reset and the error says so.
    pub fn submit_share(&self, share_text: &str) -> Result<SealStatus, BarrierError> {
        let (config, config_bytes) = self.load_config()?.ok_or(BarrierError::NotInitialized)?;
        let SealKind::Shamir { threshold, .. } = config.kind else {
            return self.fail(BarrierError::Unseal(
                "this instance is sealed with a passphrase, not shares".into(),
            ));
        };
        let share = match shamir::parse_share(share_text) {
            Ok(s) => s,
            Err(e) => return self.fail(e.into()),
        };
        if hex::encode(share.instance) != config.instance {
            return self.fail(BarrierError::Unseal(
                "this share belongs to a different Palisade instance".into(),
            ));
        }
        let mut state = self.state.write();
        let State::Sealed { progress } = &mut *state else {
            drop(state);
            return self.status();
        };
        if progress.iter().any(|s: &UnsealShare| s.x == share.x) {
            return self.fail(BarrierError::Unseal(format!(
                "share #{} was already provided",
                share.x
            )));
        }
        progress.push(share);
        if progress.len() < threshold as usize {
            drop(state);
            return self.status();
        }
        let shares = std::mem::take(progress);
        let result = shamir::combine(&shares, threshold)
            .map_err(BarrierError::from)
            .and_then(|key| self.open_with_unseal_key(&key, &config_bytes));
        match result {
            Ok(keyring) => {
                *state = State::Unsealed(keyring);
                drop(state);
                self.status()
            }
            Err(e) => {
                drop(state);
                self.fail(e)
            }
        }
    }

    /// Unseals with the passphrase (Argon2id).
    pub fn unseal_with_passphrase(
        &self,
        passphrase: &SecretString,
    ) -> Result<SealStatus, BarrierError> {
        let (config, config_bytes) = self.load_config()?.ok_or(BarrierError::NotInitialized)?;
        let SealKind::Passphrase { salt, argon2 } = &config.kind else {
            return self.fail(BarrierError::Unseal(
                "this instance is sealed with shares, not a passphrase".into(),
            ));
        };
        let salt =
            hex::decode(salt).map_err(|_| BarrierError::CorruptSeal("salt is not hex".into()))?;
        let key = kdf::derive_key(passphrase.expose_secret().as_bytes(), &salt, argon2)?;
        match self.open_with_unseal_key(&key, &config_bytes) {
            Ok(keyring) => {
                *self.state.write() = State::Unsealed(keyring);
                self.status()
            }
            Err(BarrierError::Unseal(_)) => {
                self.fail(BarrierError::Unseal("wrong passphrase".into()))
            }
            Err(e) => self.fail(e),
        }
    }

    /// Drops any shares collected so far.
    pub fn reset_unseal(&self) {
        if let State::Sealed { progress } = &mut *self.state.write() {
            progress.clear();
        }
    }
}
