//! API credentials: random tokens shown once, stored only as SHA-256 hashes, scoped to keys and
//! method groups, optionally expiring, revocable with immediate effect.
//!
//! Token: `pal_<16 hex id>_<43 base64url secret>`. The id finds the record; the secret is
//! checked in constant time against the stored hash. A 256-bit random secret needs no slow KDF.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use palisade_barrier::Barrier;
use palisade_policy::{KeyScope, MethodGroup, Principal};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::NodeError;

const PREFIX: &str = "creds/";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CredentialRecord {
    pub id: String,
    pub name: String,
    /// Hex SHA-256 of the secret part of the token.
    secret_hash: String,
    pub keys: KeyScope,
    pub methods: BTreeSet<MethodGroup>,
    pub admin: bool,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub revoked_at: Option<u64>,
}

/// What the API shows of a credential (never the hash or the token).
#[derive(Clone, Debug, Serialize)]
pub struct CredentialInfo {
    pub id: String,
    pub name: String,
    pub keys: KeyScope,
    pub methods: BTreeSet<MethodGroup>,
    pub admin: bool,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub revoked_at: Option<u64>,
}

impl From<&CredentialRecord> for CredentialInfo {
    fn from(r: &CredentialRecord) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            keys: r.keys.clone(),
            methods: r.methods.clone(),
            admin: r.admin,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A newly created credential with its token (shown once).
#[derive(Debug, Serialize)]
pub struct NewCredential {
    #[serde(flatten)]
    pub info: CredentialInfo,
    pub token: String,
}

pub struct CreateCredential {
    pub name: String,
    pub keys: KeyScope,
    pub methods: BTreeSet<MethodGroup>,
    pub admin: bool,
    pub expires_at: Option<u64>,
}

pub struct Credentials {
    barrier: Arc<Barrier>,
    cache: RwLock<HashMap<String, Arc<CredentialRecord>>>,
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn unauthenticated(why: &str) -> NodeError {
    NodeError::Unauthenticated(why.to_string())
}

impl Credentials {
    pub fn new(barrier: Arc<Barrier>) -> Self {
        Self {
            barrier,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn create(&self, req: CreateCredential) -> Result<NewCredential, NodeError> {
        let name = req.name.trim().to_string();
        if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
            return Err(NodeError::InvalidParams(
                "credential name must be 1-128 printable characters".into(),
            ));
        }
        if req.methods.is_empty() && !req.admin {
            return Err(NodeError::InvalidParams(
                "a credential needs at least one method group (read, sign, send) or admin".into(),
            ));
        }
        let id = palisade_types::random_id("", 8);
        let mut secret_bytes = zeroize::Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, secret_bytes.as_mut());
        let secret = zeroize::Zeroizing::new(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret_bytes.as_ref()),
        );
        let record = CredentialRecord {
            id: id.clone(),
            name,
            secret_hash: hash_secret(&secret),
            keys: req.keys,
            methods: req.methods,
            admin: req.admin,
            created_at: palisade_types::unix_now(),
            expires_at: req.expires_at,
            revoked_at: None,
        };
        let raw = serde_json::to_vec(&record).map_err(|e| NodeError::Internal(e.to_string()))?;
        self.barrier.apply(
            vec![palisade_barrier::Write::Put {
                path: format!("{PREFIX}{id}"),
                value: raw,
            }],
            vec![(format!("{PREFIX}{id}"), None)],
        )?;
        Ok(NewCredential {
            info: CredentialInfo::from(&record),
            token: format!("pal_{id}_{}", secret.as_str()),
        })
    }

    fn load(&self, id: &str) -> Result<Option<Arc<CredentialRecord>>, NodeError> {
        if let Some(r) = self.cache.read().get(id) {
            return Ok(Some(r.clone()));
        }
        let Some(raw) = self.barrier.get(&format!("{PREFIX}{id}"))? else {
            return Ok(None);
        };
        let rec: CredentialRecord = serde_json::from_slice(&raw)
            .map_err(|e| NodeError::Internal(format!("credential record is malformed: {e}")))?;
        let rec = Arc::new(rec);
        self.cache.write().insert(id.to_string(), rec.clone());
        Ok(Some(rec))
    }

    /// Checks a bearer token. Every failure is `Unauthenticated` with a reason that helps the
    /// owner fix it, without revealing whether a guessed id exists.
    pub fn authenticate(&self, token: &str) -> Result<Principal, NodeError> {
        let rest = token
            .trim()
            .strip_prefix("pal_")
            .ok_or_else(|| unauthenticated("malformed API key (expected `pal_<id>_<secret>`)"))?;
        let (id, secret) = rest
            .split_once('_')
            .ok_or_else(|| unauthenticated("malformed API key (expected `pal_<id>_<secret>`)"))?;
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || secret.len() != 43 {
            return Err(unauthenticated(
                "malformed API key (expected `pal_<id>_<secret>`)",
            ));
        }
        let Some(rec) = self.load(id)? else {
            // Hash anyway so unknown and wrong keys take the same time.
            let _ = hash_secret(secret);
            return Err(unauthenticated("invalid API key"));
        };
        if !palisade_types::ct_eq(hash_secret(secret).as_bytes(), rec.secret_hash.as_bytes()) {
            return Err(unauthenticated("invalid API key"));
        }
        if rec.revoked_at.is_some() {
            return Err(unauthenticated(&format!(
                "API key `{}` was revoked",
                rec.id
            )));
        }
        if rec
            .expires_at
            .is_some_and(|t| palisade_types::unix_now() >= t)
        {
            return Err(unauthenticated(&format!(
                "API key `{}` has expired",
                rec.id
            )));
        }
        Ok(Principal {
            credential_id: rec.id.clone(),
            name: rec.name.clone(),
            keys: rec.keys.clone(),
            groups: rec.methods.clone(),
            admin: rec.admin,
        })
    }

    pub fn list(&self) -> Result<Vec<CredentialInfo>, NodeError> {
        let mut out: Vec<CredentialInfo> = Vec::new();
        for (_, raw) in self.barrier.scan(PREFIX)? {
            let rec: CredentialRecord =
                serde_json::from_slice(&raw).map_err(|e| NodeError::Internal(e.to_string()))?;
            out.push(CredentialInfo::from(&rec));
        }
        out.sort_by_key(|c| c.created_at);
        Ok(out)
    }

    pub fn revoke(&self, id: &str) -> Result<CredentialInfo, NodeError> {
        let path = format!("{PREFIX}{id}");
        let raw = self
            .barrier
            .get(&path)?
            .ok_or_else(|| NodeError::NotFound(format!("unknown credential `{id}`")))?;
        let mut rec: CredentialRecord =
            serde_json::from_slice(&raw).map_err(|e| NodeError::Internal(e.to_string()))?;
        if rec.revoked_at.is_none() {
            rec.revoked_at = Some(palisade_types::unix_now());
            let new = serde_json::to_vec(&rec).map_err(|e| NodeError::Internal(e.to_string()))?;
            self.barrier.apply(
                vec![palisade_barrier::Write::Put {
                    path: path.clone(),
                    value: new,
                }],
                vec![(path, Some(raw))],
            )?;
        }
        // Drop the cached copy so the next request sees the revocation.
        self.cache.write().remove(id);
        Ok(CredentialInfo::from(&rec))
    }

    pub fn wipe_cache(&self) {
        self.cache.write().clear();
    }
}
