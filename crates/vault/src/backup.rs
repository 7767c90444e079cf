//! Offline backups: selected keys, encrypted to age X25519 recipients whose identities are
//! kept outside the cloud. The plaintext exists only in zeroizing buffers in this process.

use std::collections::BTreeMap;

use palisade_crypto::{backup as age_backup, SecretBytes};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::record::{derive_public, KeyInfo, KeyStatus, KeyType};
use crate::{secret_path, Vault, VaultError};

const FORMAT: &str = "palisade-backup-v1";

/// The armoured age file and how many keys it holds.
#[derive(Debug, Serialize)]
pub struct BackupFile {
    pub backup: String,
    pub keys: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct RestoreReport {
    pub restored: Vec<KeyInfo>,
    /// `(key id, reason)` for keys left alone.
    pub skipped: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct BackupKey<'a> {
    id: String,
    #[serde(rename = "type")]
    key_type: KeyType,
    labels: BTreeMap<String, String>,
    created_at: u64,
    status: KeyStatus,
    #[serde(borrow)]
    secret_hex: std::borrow::Cow<'a, str>,
}

#[derive(Serialize, Deserialize)]
struct BackupBody<'a> {
    format: String,
    created_at: u64,
    #[serde(borrow)]
    keys: Vec<BackupKey<'a>>,
}

impl Vault {
    /// Encrypts the selected keys (all non-destroyed keys when `ids` is empty) to `recipients`.
    pub fn backup(&self, recipients: &[String], ids: &[String]) -> Result<BackupFile, VaultError> {
        let selected: Vec<KeyInfo> = if ids.is_empty() {
            self.list()?
                .into_iter()
                .filter(|k| k.status != KeyStatus::Destroyed)
                .collect()
        } else {
            ids.iter()
                .map(|id| self.get(id))
                .collect::<Result<_, _>>()?
        };
        let mut hexes: Vec<Zeroizing<String>> = Vec::with_capacity(selected.len());
        for info in &selected {
            if info.status == KeyStatus::Destroyed {
                return Err(VaultError::Destroyed(info.id.clone()));
            }
            let secret = Zeroizing::new(
                self.barrier
                    .get(&secret_path(&info.id))?
                    .ok_or_else(|| VaultError::Destroyed(info.id.clone()))?,
            );
            hexes.push(Zeroizing::new(hex::encode(secret.as_slice())));
        }
        let body = BackupBody {
            format: FORMAT.into(),
            created_at: palisade_types::unix_now(),
            keys: selected
                .iter()
                .zip(&hexes)
                .map(|(info, h)| BackupKey {
                    id: info.id.clone(),
                    key_type: info.key_type,
                    labels: info.labels.clone(),
                    created_at: info.created_at,
                    status: info.status,
                    secret_hex: std::borrow::Cow::Borrowed(h.as_str()),
                })
                .collect(),
        };
        // Reserve generously so the buffer never reallocates (a reallocation would leave an
        // un-wiped copy of key material behind).
        let mut plain = Zeroizing::new(Vec::with_capacity(4096 + selected.len() * 4096));
        serde_json::to_writer(&mut *plain, &body).map_err(|e| VaultError::Backup(e.to_string()))?;
        let plain = SecretBytes::new(std::mem::take(&mut *plain));
        let backup = age_backup::encrypt(recipients, &plain)
            .map_err(|e| VaultError::Backup(e.to_string()))?;
        Ok(BackupFile {
            backup,
            keys: selected.len(),
        })
    }

    /// Decrypts a backup with an offline identity and brings its keys back with their ids,
    /// labels and addresses. Keys already present are skipped, not overwritten.
    pub fn restore(&self, identity: &str, file: &[u8]) -> Result<RestoreReport, VaultError> {
        let plain =
            age_backup::decrypt(identity, file).map_err(|e| VaultError::Backup(e.to_string()))?;
        let body: BackupBody<'_> = serde_json::from_slice(plain.expose_secret()).map_err(|e| {
            VaultError::Backup(format!("decrypted backup is not a Palisade backup: {e}"))
        })?;
        if body.format != FORMAT {
            return Err(VaultError::Backup(format!(
                "unsupported backup format `{}`",
                body.format
            )));
        }
        // Validate every key before writing any, so a bad file restores nothing.
        let mut staged = Vec::with_capacity(body.keys.len());
        for k in &body.keys {
            let secret = Zeroizing::new(hex::decode(k.secret_hex.as_ref()).map_err(|_| {
                VaultError::Backup(format!("key `{}` has malformed key material", k.id))
            })?);
            let (address, public_key) = derive_public(k.key_type, &secret)?;
            if !k.id.starts_with("key_")
                || k.id.len() > 64
                || !k.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(VaultError::Backup(format!(
                    "key id `{}` is malformed",
                    k.id.chars().take(64).collect::<String>()
                )));
            }
            let info = KeyInfo {
                id: k.id.clone(),
                key_type: k.key_type,
                address,
                public_key,
                labels: k.labels.clone(),
                created_at: k.created_at,
                status: k.status,
            };
            staged.push((info, secret));
        }
        let mut report = RestoreReport::default();
        for (info, secret) in staged {
            let index_name = info
                .address
                .clone()
                .unwrap_or_else(|| format!("ed25519:{}", info.public_key));
            match self.write_new(&info, &secret, &index_name) {
                Ok(()) => report.restored.push(info),
                Err(VaultError::Duplicate { .. }) => report.skipped.push((
                    info.id.clone(),
                    "a key with this id or address already exists".into(),
                )),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }
}
