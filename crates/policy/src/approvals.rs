//! M-of-N approvals with separation of duties.
//!
//! A held request gets an approval record naming the rule, the group, the quorum, the requester
//! and the request digest. Each approver authenticates with their own credential and signs
//! `palisade-approval-v1:<id>:<digest>:<accept|reject>` with their registered Ed25519 key. The
//! requester can never vote on their own request; one rejection ends it; records expire.

use std::sync::Arc;

use ed25519_dalek::{Signature, VerifyingKey};
use palisade_barrier::{Barrier, BarrierError, Write};
use serde::{Deserialize, Serialize};

use crate::rules::ApprovalSpec;
use crate::Principal;

const PREFIX: &str = "approvals/";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Expired,
    /// Approved and carried out; `result` holds the outcome.
    Executed,
    /// Approved, but carrying it out failed; `error` says why.
    Failed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vote {
    pub credential: String,
    pub accept: bool,
    pub at: u64,
    /// Hex Ed25519 signature over [`approval_message`].
    pub signature: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub id: String,
    pub status: ApprovalStatus,
    pub rule_id: String,
    pub group: String,
    pub quorum: u32,
    pub requester: String,
    pub action: String,
    pub key_id: Option<String>,
    /// Hex SHA-256 of the canonical request.
    pub digest: String,
    /// Human summary of what is being approved.
    pub summary: String,
    /// The request to carry out once approved.
    pub request: serde_json::Value,
    pub created_at: u64,
    pub expires_at: u64,
    pub votes: Vec<Vote>,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
}

impl ApprovalRecord {
    fn refresh(&mut self, now: u64) {
        if self.status == ApprovalStatus::Pending && now >= self.expires_at {
            self.status = ApprovalStatus::Expired;
        }
    }
}

/// Proof that approval `id` reached its quorum for a request by `requester` with `digest`.
/// Only this module can create one.
#[derive(Debug, Clone)]
pub struct ApprovedRequest {
    id: String,
    requester: String,
    digest: String,
}

impl ApprovedRequest {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn digest(&self) -> &str {
        &self.digest
    }
    pub(crate) fn covers(&self, requester: &str) -> bool {
        self.requester == requester
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("unknown approval `{0}`")]
    Unknown(String),
    #[error("approval `{id}` is {status:?}, not pending")]
    NotPending { id: String, status: ApprovalStatus },
    #[error("separation of duties: credential `{0}` made this request and cannot vote on it")]
    SelfApproval(String),
    #[error("credential `{credential}` is not in approval group `{group}`")]
    NotInGroup { credential: String, group: String },
    #[error("credential `{0}` already voted on this approval")]
    AlreadyVoted(String),
    #[error("credential `{0}` has no registered approver key; create it with `--approver-key`")]
    NoApproverKey(String),
    #[error("the approval signature does not verify against the approver's registered key")]
    BadSignature,
    #[error("approval storage: {0}")]
    Storage(String),
}

impl From<BarrierError> for ApprovalError {
    fn from(e: BarrierError) -> Self {
        ApprovalError::Storage(e.to_string())
    }
}

/// The exact bytes an approver signs.
pub fn approval_message(id: &str, digest: &str, accept: bool) -> Vec<u8> {
    format!(
        "palisade-approval-v1:{id}:{digest}:{}",
        if accept { "accept" } else { "reject" }
    )
    .into_bytes()
}

pub struct Approvals {
    barrier: Arc<Barrier>,
}

impl Approvals {
    pub fn new(barrier: Arc<Barrier>) -> Self {
        Self { barrier }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call site builds the record from a held request"
    )]
    pub fn create(
        &self,
        spec: &ApprovalSpec,
        requester: &str,
        action: &str,
        key_id: Option<&str>,
        digest: [u8; 32],
        summary: String,
        request: serde_json::Value,
    ) -> Result<ApprovalRecord, ApprovalError> {
        let now = palisade_types::unix_now();
        let record = ApprovalRecord {
            id: palisade_types::random_id("apr_", 8),
            status: ApprovalStatus::Pending,
            rule_id: spec.rule_id.clone(),
            group: spec.group.clone(),
            quorum: spec.quorum,
            requester: requester.to_string(),
            action: action.to_string(),
            key_id: key_id.map(str::to_string),
            digest: hex::encode(digest),
            summary,
            request,
            created_at: now,
            expires_at: now + spec.ttl_secs,
            votes: Vec::new(),
            result: None,
            error: None,
        };
        self.write(&record, None)?;
        Ok(record)
    }

    fn write(
        &self,
        record: &ApprovalRecord,
        previous: Option<Vec<u8>>,
    ) -> Result<(), ApprovalError> {
        let path = format!("{PREFIX}{}", record.id);
        let value =
            serde_json::to_vec(record).map_err(|e| ApprovalError::Storage(e.to_string()))?;
        self.barrier
            .apply(
                vec![Write::Put {
                    path: path.clone(),
                    value,
                }],
                vec![(path, previous)],
            )
            .map_err(|e| match e {
                BarrierError::Conflict { .. } => {
                    ApprovalError::Storage("the approval changed concurrently; retry".into())
                }
                other => other.into(),
            })
    }

    fn load(&self, id: &str) -> Result<(ApprovalRecord, Vec<u8>), ApprovalError> {
        if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ApprovalError::Unknown(id.chars().take(64).collect()));
        }
        let raw = self
            .barrier
            .get(&format!("{PREFIX}{id}"))?
            .ok_or_else(|| ApprovalError::Unknown(id.to_string()))?;
        let mut rec: ApprovalRecord =
            serde_json::from_slice(&raw).map_err(|e| ApprovalError::Storage(e.to_string()))?;
        rec.refresh(palisade_types::unix_now());
        Ok((rec, raw))
    }

    pub fn get(&self, id: &str) -> Result<ApprovalRecord, ApprovalError> {
        Ok(self.load(id)?.0)
    }

    pub fn list(&self) -> Result<Vec<ApprovalRecord>, ApprovalError> {
        let now = palisade_types::unix_now();
        let mut out: Vec<ApprovalRecord> = self
            .barrier
            .scan(PREFIX)?
            .into_iter()
            .filter_map(|(_, raw)| serde_json::from_slice::<ApprovalRecord>(&raw).ok())
            .map(|mut r| {
                r.refresh(now);
                r
            })
            .collect();
        out.sort_by_key(|r| r.created_at);
        Ok(out)
    }

    /// Records a vote. Returns the updated record; its status is `Approved` once the quorum of
    /// distinct accepting approvers is reached, `Rejected` after any rejection.
    pub fn vote(
        &self,
        id: &str,
        voter: &Principal,
        approver_key: Option<&str>,
        accept: bool,
        signature_hex: &str,
    ) -> Result<ApprovalRecord, ApprovalError> {
        let (mut rec, raw) = self.load(id)?;
        if rec.status != ApprovalStatus::Pending {
            return Err(ApprovalError::NotPending {
                id: rec.id,
                status: rec.status,
            });
        }
        if voter.credential_id == rec.requester {
            return Err(ApprovalError::SelfApproval(voter.credential_id.clone()));
        }
        if !voter.cedar_groups.contains(&rec.group) {
            return Err(ApprovalError::NotInGroup {
                credential: voter.credential_id.clone(),
                group: rec.group.clone(),
            });
        }
        if rec
            .votes
            .iter()
            .any(|v| v.credential == voter.credential_id)
        {
            return Err(ApprovalError::AlreadyVoted(voter.credential_id.clone()));
        }
        let key_hex = approver_key
            .ok_or_else(|| ApprovalError::NoApproverKey(voter.credential_id.clone()))?;
        let key_bytes: [u8; 32] = hex::decode(key_hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ApprovalError::BadSignature)?;
        let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| ApprovalError::BadSignature)?;
        let sig_bytes: [u8; 64] = hex::decode(signature_hex.trim_start_matches("0x"))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ApprovalError::BadSignature)?;
        key.verify_strict(
            &approval_message(&rec.id, &rec.digest, accept),
            &Signature::from_bytes(&sig_bytes),
        )
        .map_err(|_| ApprovalError::BadSignature)?;
        rec.votes.push(Vote {
            credential: voter.credential_id.clone(),
            accept,
            at: palisade_types::unix_now(),
            signature: hex::encode(sig_bytes),
        });
        if !accept {
            rec.status = ApprovalStatus::Rejected;
        } else if rec.votes.iter().filter(|v| v.accept).count() as u32 >= rec.quorum {
            rec.status = ApprovalStatus::Approved;
        }
        self.write(&rec, Some(raw))?;
        Ok(rec)
    }

    /// The proof for an approved, not yet executed request.
    pub fn approved(&self, id: &str) -> Result<ApprovedRequest, ApprovalError> {
        let (rec, _) = self.load(id)?;
        if rec.status != ApprovalStatus::Approved {
            return Err(ApprovalError::NotPending {
                id: rec.id,
                status: rec.status,
            });
        }
        Ok(ApprovedRequest {
            id: rec.id,
            requester: rec.requester,
            digest: rec.digest,
        })
    }

    /// Stores the outcome of carrying out an approved request (once).
    pub fn finish(
        &self,
        id: &str,
        outcome: Result<serde_json::Value, String>,
    ) -> Result<ApprovalRecord, ApprovalError> {
        let (mut rec, raw) = self.load(id)?;
        if rec.status != ApprovalStatus::Approved {
            return Err(ApprovalError::NotPending {
                id: rec.id,
                status: rec.status,
            });
        }
        match outcome {
            Ok(v) => {
                rec.status = ApprovalStatus::Executed;
                rec.result = Some(v);
            }
            Err(e) => {
                rec.status = ApprovalStatus::Failed;
                rec.error = Some(e);
            }
        }
        self.write(&rec, Some(raw))?;
        Ok(rec)
    }
}
