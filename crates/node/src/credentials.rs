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
    /// Set while an incident response (or an administrator) has suspended the credential:
    /// refused like a revoked one, but reversible (`palisade credential reinstate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<Suspension>,
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
    /// RPC firewall: JSON-RPC methods this credential may call (exact names or `ns_*`); `None`
    /// means no extra restriction beyond the method groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_methods: Option<BTreeSet<String>>,
    /// Cedar groups (e.g. approval groups) the credential belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The user this credential belongs to (a Cedar `User`).
    #[serde(default)]
    pub owner: Option<String>,
    /// Hex Ed25519 public key the holder signs approvals with.
    #[serde(default)]
    pub approver_key: Option<String>,
    /// Hex Ed25519 public key: when set, every request must be signed with it (see
    /// `signed_requests`).
    #[serde(default)]
    pub request_key: Option<String>,
}

/// What the API shows of a credential (never the hash or the token).
#[derive(Clone, Debug, Serialize)]
pub struct CredentialInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<Suspension>,
    pub id: String,
    pub name: String,
    pub keys: KeyScope,
    pub methods: BTreeSet<MethodGroup>,
    pub admin: bool,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub revoked_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc_methods: Option<BTreeSet<String>>,
    pub groups: Vec<String>,
    pub owner: Option<String>,
    pub approver_key: Option<String>,
    pub request_key: Option<String>,
}

impl From<&CredentialRecord> for CredentialInfo {
    fn from(r: &CredentialRecord) -> Self {
        Self {
            suspended: r.suspended.clone(),
            id: r.id.clone(),
            name: r.name.clone(),
            keys: r.keys.clone(),
            methods: r.methods.clone(),
            admin: r.admin,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            rpc_methods: r.rpc_methods.clone(),
            groups: r.groups.clone(),
            owner: r.owner.clone(),
            approver_key: r.approver_key.clone(),
            request_key: r.request_key.clone(),
        }
    }
}

/// Whether a stored credential may be used now: not suspended, revoked or expired.
fn usable(rec: &CredentialRecord) -> Result<Principal, NodeError> {
    if let Some(s) = &rec.suspended {
        return Err(suspended(&rec.id, s));
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
    Ok(principal_of(rec))
}

fn principal_of(rec: &CredentialRecord) -> Principal {
    Principal {
        credential_id: rec.id.clone(),
        name: rec.name.clone(),
        keys: rec.keys.clone(),
        groups: rec.methods.clone(),
        admin: rec.admin,
        cedar_groups: rec.groups.clone(),
        owner: rec.owner.clone(),
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
    /// See [`CredentialRecord::rpc_methods`].
    pub rpc_methods: Option<BTreeSet<String>>,
    pub groups: Vec<String>,
    pub owner: Option<String>,
    pub approver_key: Option<String>,
    pub request_key: Option<String>,
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
        for g in req.groups.iter().chain(req.owner.iter()) {
            if g.is_empty()
                || g.len() > 64
                || !g
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(NodeError::InvalidParams(format!(
                    "group or owner name `{}` must be 1-64 of [A-Za-z0-9-_.]",
                    g.chars().take(64).collect::<String>()
                )));
            }
        }
        for k in req.approver_key.iter().chain(req.request_key.iter()) {
            let ok = hex::decode(k.trim_start_matches("0x"))
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .is_some_and(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).is_ok());
            if !ok {
                return Err(NodeError::InvalidParams(
                    "`approver_key` and `request_key` must be hex Ed25519 public keys (32 bytes)"
                        .into(),
                ));
            }
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
            suspended: None,
            id: id.clone(),
            name,
            secret_hash: hash_secret(&secret),
            keys: req.keys,
            methods: req.methods,
            admin: req.admin,
            created_at: palisade_types::unix_now(),
            expires_at: req.expires_at,
            revoked_at: None,
            rpc_methods: req.rpc_methods,
            groups: req.groups,
            owner: req.owner,
            approver_key: req
                .approver_key
                .map(|k| k.trim_start_matches("0x").to_lowercase()),
            request_key: req
                .request_key
                .map(|k| k.trim_start_matches("0x").to_lowercase()),
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
        usable(&rec)
    }

    /// The principal of credential `id` for a caller already authenticated another way (a
    /// client certificate mapped to it, the requester of an approved request): suspension,
    /// revocation and expiry are still checked.
    pub fn principal_by_id(&self, id: &str) -> Result<Principal, NodeError> {
        let rec = self
            .load(id)?
            .ok_or_else(|| unauthenticated(&format!("unknown credential `{id}`")))?;
        usable(&rec)
    }

    /// The credential's RPC method allowlist, if it has one (from the cache; cheap).
    pub fn rpc_methods(&self, id: &str) -> Option<BTreeSet<String>> {
        self.load(id)
            .ok()
            .flatten()
            .and_then(|r| r.rpc_methods.clone())
    }

    /// The request-signing key of credential `id`, if it requires signed requests.
    pub fn request_key(&self, id: &str) -> Result<Option<String>, NodeError> {
        Ok(self.load(id)?.and_then(|r| r.request_key.clone()))
    }

    /// The registered Ed25519 approver key of credential `id`.
    pub fn approver_key(&self, id: &str) -> Result<Option<String>, NodeError> {
        Ok(self.load(id)?.and_then(|r| r.approver_key.clone()))
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

    /// Suspends credential `id` (reversible; distinct from revocation). Idempotent.
    pub fn suspend(
        &self,
        id: &str,
        reason: &str,
        incident: Option<&str>,
    ) -> Result<CredentialInfo, NodeError> {
        self.update(id, |rec| {
            if rec.suspended.is_none() {
                rec.suspended = Some(Suspension {
                    at: palisade_types::unix_now(),
                    reason: reason.chars().take(256).collect(),
                    incident: incident.map(str::to_string),
                });
            }
        })
    }

    /// Lifts a suspension. Idempotent.
    pub fn reinstate(&self, id: &str) -> Result<CredentialInfo, NodeError> {
        self.update(id, |rec| rec.suspended = None)
    }

    fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut CredentialRecord),
    ) -> Result<CredentialInfo, NodeError> {
        let path = format!("{PREFIX}{id}");
        let raw = self
            .barrier
            .get(&path)?
            .ok_or_else(|| NodeError::NotFound(format!("unknown credential `{id}`")))?;
        let mut rec: CredentialRecord =
            serde_json::from_slice(&raw).map_err(|e| NodeError::Internal(e.to_string()))?;
        change(&mut rec);
        let new = serde_json::to_vec(&rec).map_err(|e| NodeError::Internal(e.to_string()))?;
        if new != raw {
            self.barrier.apply(
                vec![palisade_barrier::Write::Put {
                    path: path.clone(),
                    value: new,
                }],
                vec![(path, Some(raw))],
            )?;
        }
        // Drop the cached copy so the next request sees the change.
        self.cache.write().remove(id);
        Ok(CredentialInfo::from(&rec))
    }
}

/// Why and since when a credential is suspended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub at: u64,
    pub reason: String,
    pub incident: Option<String>,
}

fn suspended(id: &str, s: &Suspension) -> NodeError {
    let by = s
        .incident
        .as_deref()
        .map(|i| format!(" by incident `{i}`"))
        .unwrap_or_default();
    NodeError::Unauthenticated(format!(
        "API key `{id}` is suspended{by}; an administrator can reinstate it (`palisade credential reinstate {id}`)"
    ))
}
