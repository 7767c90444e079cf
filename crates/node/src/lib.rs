//! Composition root: wires the barrier, vault, policy, audit log and upstream nodes together,
//! and owns the one signing path every protocol front end calls into.
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
pub mod credentials;
pub mod detection;
pub mod governance;
pub mod incidents;
pub mod response;
pub mod signed_requests;
pub mod signer;
pub mod upstream;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use palisade_audit::{AuditError, AuditLog, AuditRecord};
use palisade_barrier::{Barrier, BarrierError};
use palisade_policy::{Denied, Principal};
use palisade_store::RedbStorage;
use palisade_vault::{Vault, VaultError};
use parking_lot::Mutex;

pub use config::Config;
pub use credentials::Credentials;
pub use palisade_chain as chain;
pub use palisade_policy as policy;
pub use palisade_vault as vault;
pub use upstream::{Upstream, UpstreamError};

/// File name of the embedded store inside the data directory.
pub const STORE_FILE: &str = "palisade.redb";
/// The audit log's append-only journal, beside the store.
pub const AUDIT_JOURNAL_FILE: &str = "audit.journal";

/// Every way a request can fail, each mapped by the front ends to a precise status / code.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("palisade is sealed: an operator must unseal it (`palisade unseal`) before keys can be used")]
    Sealed,
    #[error("{0}")]
    Denied(String),
    #[error("key `{0}` is frozen; an administrator must unfreeze it (`palisade key unfreeze`) before it can sign")]
    Frozen(String),
    #[error("key `{0}` is unknown or not available to this credential")]
    UnknownKey(String),
    #[error("{0}")]
    InvalidParams(String),
    #[error("wrong chain id: the request is for chain {requested} but this endpoint signs for chain {expected}")]
    ChainIdMismatch { requested: u64, expected: u64 },
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Audit(#[from] AuditError),
    #[error("internal error: {0}")]
    Internal(String),
    /// Held for M-of-N approval; the client waits on `/v1/approvals/{id}`.
    #[error("pending approval `{id}`: {reason}")]
    PendingApproval { id: String, reason: String },
}

impl From<BarrierError> for NodeError {
    fn from(e: BarrierError) -> Self {
        match e {
            BarrierError::Sealed => NodeError::Sealed,
            BarrierError::Conflict { path } => {
                NodeError::Conflict(format!("`{path}` was changed concurrently; retry"))
            }
            BarrierError::AlreadyInitialized => NodeError::Conflict(e.to_string()),
            BarrierError::Unseal(_) | BarrierError::Crypto(_) => {
                NodeError::InvalidParams(e.to_string())
            }
            other => NodeError::Internal(other.to_string()),
        }
    }
}

impl From<VaultError> for NodeError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::Barrier(b) => b.into(),
            VaultError::UnknownKey(k) => NodeError::UnknownKey(k),
            VaultError::Frozen(k) => NodeError::Frozen(k),
            VaultError::Destroyed(k) => NodeError::UnknownKey(k),
            VaultError::Duplicate { .. } | VaultError::Conflict(_) => {
                NodeError::Conflict(e.to_string())
            }
            VaultError::InvalidKey(_)
            | VaultError::InvalidLabels(_)
            | VaultError::Keystore(_)
            | VaultError::Backup(_)
            | VaultError::WrongType { .. } => NodeError::InvalidParams(e.to_string()),
            VaultError::ProofMismatch => NodeError::Internal(e.to_string()),
        }
    }
}

impl From<Denied> for NodeError {
    fn from(d: Denied) -> Self {
        NodeError::Denied(d.to_string())
    }
}

impl From<palisade_chain::ChainError> for NodeError {
    fn from(e: palisade_chain::ChainError) -> Self {
        match e {
            palisade_chain::ChainError::ChainIdMismatch {
                requested,
                expected,
            } => NodeError::ChainIdMismatch {
                requested,
                expected,
            },
            other => NodeError::InvalidParams(other.to_string()),
        }
    }
}

/// One configured chain and its upstream node.
pub struct Chain {
    pub id: u64,
    pub upstream: Upstream,
    /// The same node's WebSocket endpoint (for WebSocket clients; may hold an API key, so it
    /// is never logged or put in an error).
    pub ws_url: String,
}

/// Who is asking, from where.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub principal: Principal,
    pub source: Option<String>,
}

type NonceSlot = Arc<tokio::sync::Mutex<Option<u64>>>;

pub struct Node {
    barrier: Arc<Barrier>,
    vault: Vault,
    audit: AuditLog,
    credentials: Credentials,
    /// Incident responses in force (blocked sources, lockdown) and the detection runtime.
    response: response::ResponseState,
    policy: palisade_policy::PolicyEngine,
    approvals: palisade_policy::Approvals,
    chains: Vec<Chain>,
    /// Next nonce per (address, chain); `None` means "resync from the upstream".
    nonces: Mutex<HashMap<(String, u64), NonceSlot>>,
    pub config: Config,
}

impl Node {
    /// Opens the data directory (creating it if needed). The node starts sealed.
    pub async fn open(config: Config) -> Result<Arc<Self>, NodeError> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            NodeError::Internal(format!(
                "cannot create data directory `{}`: {e}",
                dir.display()
            ))
        })?;
        restrict_permissions(dir);
        let storage = RedbStorage::open(&dir.join(STORE_FILE))
            .map_err(|e| NodeError::Internal(e.to_string()))?;
        let barrier = Arc::new(Barrier::new(Arc::new(storage)));
        let timeout = Duration::from_millis(config.limits.upstream_timeout_ms);
        let mut chains = Vec::new();
        for c in &config.chains {
            let upstream = Upstream::new(&c.upstream, timeout)?
                .with_max_response_bytes(config.firewall.max_response_bytes);
            let id = match c.id {
                Some(id) => id,
                None => {
                    let id = upstream.call_u128("eth_chainId", serde_json::json!([])).await.map_err(|e| {
                        NodeError::Internal(format!(
                            "cannot read the chain id of upstream `{}` (set `id` in the config to start without it): {e}",
                            c.upstream
                        ))
                    })?;
                    u64::try_from(id).map_err(|_| {
                        NodeError::Internal("upstream chain id does not fit in 64 bits".into())
                    })?
                }
            };
            chains.push(Chain {
                id,
                upstream,
                ws_url: c.websocket_url(),
            });
        }
        let audit = AuditLog::start(barrier.clone(), &dir.join(AUDIT_JOURNAL_FILE))?;
        Ok(Arc::new(Self {
            vault: Vault::new(barrier.clone()),
            credentials: Credentials::new(barrier.clone()),
            response: response::ResponseState::default(),
            policy: palisade_policy::PolicyEngine::new(barrier.clone())
                .map_err(|e| NodeError::Internal(e.to_string()))?,
            approvals: palisade_policy::Approvals::new(barrier.clone()),
            barrier,
            audit,
            chains,
            nonces: Mutex::new(HashMap::new()),
            config,
        }))
    }

    pub fn barrier(&self) -> &Barrier {
        &self.barrier
    }
    pub fn vault(&self) -> &Vault {
        &self.vault
    }
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }
    pub fn policy(&self) -> &palisade_policy::PolicyEngine {
        &self.policy
    }
    pub fn approvals(&self) -> &palisade_policy::Approvals {
        &self.approvals
    }
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
    pub fn is_sealed(&self) -> bool {
        self.barrier.is_sealed()
    }

    /// The chain served at `/` (the first configured), or the one with `id`.
    pub fn chain(&self, id: Option<u64>) -> Option<&Chain> {
        match id {
            None => self.chains.first(),
            Some(id) => self.chains.iter().find(|c| c.id == id),
        }
    }
    pub fn chains(&self) -> &[Chain] {
        &self.chains
    }

    /// Wipes all key material and cached secrets from memory.
    pub fn seal(&self) {
        self.barrier.seal();
        self.vault.wipe_cache();
        self.credentials.wipe_cache();
        self.audit.wipe_keys();
        self.response.wipe_cache();
    }

    /// Authenticates a bearer token.
    pub fn authenticate(&self, token: &str) -> Result<Principal, NodeError> {
        if self.is_sealed() {
            return Err(NodeError::Sealed);
        }
        let principal = self.credentials.authenticate(token)?;
        self.check_lockdown(&principal)?;
        Ok(principal)
    }

    /// Appends an audit record without waiting (for denials and results; never blocks a request).
    pub fn audit_in_background(self: &Arc<Self>, record: AuditRecord) {
        self.audit.append_detached(record);
    }

    fn nonce_slot(&self, address: &str, chain: u64) -> NonceSlot {
        self.nonces
            .lock()
            .entry((address.to_ascii_lowercase(), chain))
            .or_default()
            .clone()
    }
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}
#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}
