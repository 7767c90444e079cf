//! Authorization and risk policy; mints [`PolicyApproved`].
//!
//! A signing request passes four gates, in order, and any of them denies:
//! 1. the credential's scope (keys and method groups) — checked in Rust, never widened;
//! 2. Cedar policies (who may do what, with source IP, time and decoded transaction fields);
//! 3. transaction rules (caps, allow/deny lists, contract allowlists, fees, time windows) —
//!    deny wins, every reason is kept;
//! 4. velocity budgets, reserved durably before the signature exists.
//!
//! Rules may instead hold the request for M-of-N approval ([`approvals`]). Only when all of
//! this passes does [`PolicyEngine::authorize`] return a [`PolicyApproved`] naming the key and
//! the exact digest — the value the vault demands before it signs.
#![forbid(unsafe_code)]

pub mod approvals;
pub mod cedar;
pub mod facts;
pub mod rules;
pub mod velocity;

use std::collections::BTreeSet;
use std::sync::Arc;

use palisade_barrier::Barrier;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

pub use approvals::{ApprovalRecord, ApprovalStatus, Approvals, ApprovedRequest};
pub use cedar::{CedarDecision, CedarEngine};
pub use facts::{Action, Facts, TokenOp, TokenOpKind};
pub use rules::{ApprovalSpec, RuleVerdict};

/// Groups of JSON-RPC methods a credential can be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodGroup {
    /// Read-only methods forwarded to the upstream node, `eth_accounts`, `eth_chainId`.
    Read,
    /// Signing without sending: messages, typed data, transactions.
    Sign,
    /// `eth_sendTransaction`, `eth_sendRawTransaction`.
    Send,
}

impl MethodGroup {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "sign" => Some(Self::Sign),
            "send" => Some(Self::Send),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Sign => "sign",
            Self::Send => "send",
        }
    }
}

/// Which keys a credential may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    All,
    Only(BTreeSet<String>),
}

impl KeyScope {
    pub fn allows(&self, key_id: &str) -> bool {
        match self {
            KeyScope::All => true,
            KeyScope::Only(ids) => ids.contains(key_id),
        }
    }
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub credential_id: String,
    pub name: String,
    pub keys: KeyScope,
    pub groups: BTreeSet<MethodGroup>,
    pub admin: bool,
    /// Cedar groups (approval groups, teams) the credential belongs to.
    pub cedar_groups: Vec<String>,
    /// The user the credential belongs to, if any.
    pub owner: Option<String>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    #[error("invalid policy: {0}")]
    Invalid(String),
    #[error("policy engine error: {0}")]
    Internal(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("credential `{credential}` may not use key `{key}`")]
    KeyOutOfScope { credential: String, key: String },
    #[error(
        "credential `{credential}` is not granted the `{group}` method group needed for `{method}`"
    )]
    GroupNotGranted {
        credential: String,
        group: &'static str,
        method: String,
    },
    /// Cedar or rules said no; every reason, each naming its rule.
    #[error("denied by policy: {}", .reasons.join("; "))]
    Policy { reasons: Vec<String> },
    #[error("policy engine unavailable, request refused: {0}")]
    Unavailable(String),
}

/// Proof that policy allowed signing `digest` with `key_id`. Only this crate can create one.
#[derive(Debug)]
pub struct PolicyApproved {
    key_id: String,
    digest: [u8; 32],
    reasons: Vec<String>,
    reservation: Option<velocity::Reservation>,
}

impl PolicyApproved {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
    pub fn reasons(&self) -> &[String] {
        &self.reasons
    }
    /// The velocity budget this request reserved (to release if signing fails).
    pub fn take_reservation(&mut self) -> Option<velocity::Reservation> {
        self.reservation.take()
    }
}

/// The outcome of [`PolicyEngine::authorize`].
#[derive(Debug)]
pub enum Authorization {
    Approved(PolicyApproved),
    /// Held for M-of-N approval under `spec`; `reasons` for the audit log.
    NeedsApproval {
        spec: ApprovalSpec,
        reasons: Vec<String>,
    },
}

/// Checks that `principal` may call a method of `group` at all (before any key is involved).
pub fn authorize_method(
    principal: &Principal,
    method: &str,
    group: MethodGroup,
) -> Result<(), Denied> {
    if principal.groups.contains(&group) {
        Ok(())
    } else {
        Err(Denied::GroupNotGranted {
            credential: principal.credential_id.clone(),
            group: group.as_str(),
            method: method.to_string(),
        })
    }
}

/// Checks that `principal` may use `key_id` at all (e.g. to list it in `eth_accounts`).
pub fn may_use_key(principal: &Principal, key_id: &str) -> bool {
    principal.keys.allows(key_id)
}

/// The policy as an operator writes it: Cedar policies and a TOML rules file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBundle {
    #[serde(default)]
    pub cedar: String,
    #[serde(default)]
    pub rules: String,
}

impl PolicyBundle {
    pub fn default_bundle() -> Self {
        Self {
            cedar: cedar::DEFAULT_POLICIES.trim_start().to_string(),
            rules: String::new(),
        }
    }
}

/// A validated, compiled policy bundle.
pub struct CompiledPolicy {
    pub bundle: PolicyBundle,
    pub version: u64,
    cedar: CedarEngine,
    rules: Vec<rules::Rule>,
}

impl CompiledPolicy {
    /// Validates the whole bundle; any error rejects all of it.
    pub fn compile(bundle: PolicyBundle, version: u64) -> Result<Self, PolicyError> {
        let cedar = CedarEngine::new(&bundle.cedar)?;
        let rules = rules::parse_rules(&bundle.rules)?;
        Ok(Self {
            bundle,
            version,
            cedar,
            rules,
        })
    }

    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.id.clone()).collect()
    }
}

/// Cedar + rules for one request, without side effects (what `palisade policy test` prints).
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub cedar: CedarDecision,
    pub rules: RuleVerdict,
}

impl Evaluation {
    pub fn reasons(&self) -> Vec<String> {
        let mut r = self.cedar.reasons.clone();
        r.extend(
            self.rules
                .denials
                .iter()
                .map(|(id, why)| format!("rule `{id}`: {why}")),
        );
        r.extend(
            self.rules
                .flags
                .iter()
                .map(|(id, why)| format!("rule `{id}` (flag): {why}")),
        );
        r
    }
}

const POLICY_PATH: &str = "policy/active";

#[derive(Serialize, Deserialize)]
struct StoredPolicy {
    version: u64,
    bundle: PolicyBundle,
}

pub struct PolicyEngine {
    barrier: Arc<Barrier>,
    active: RwLock<Arc<CompiledPolicy>>,
    velocity: velocity::Velocity,
}

impl PolicyEngine {
    /// An engine running the default policy until [`PolicyEngine::load`] reads the stored one.
    pub fn new(barrier: Arc<Barrier>) -> Result<Self, PolicyError> {
        let default = CompiledPolicy::compile(PolicyBundle::default_bundle(), 0)?;
        Ok(Self {
            velocity: velocity::Velocity::new(barrier.clone()),
            barrier,
            active: RwLock::new(Arc::new(default)),
        })
    }

    /// Loads the stored policy (after unseal). A stored policy that no longer compiles is an
    /// error, never a silent fallback to something more permissive.
    pub fn load(&self) -> Result<(), PolicyError> {
        let raw = self
            .barrier
            .get(POLICY_PATH)
            .map_err(|e| PolicyError::Internal(e.to_string()))?;
        let compiled = match raw {
            None => CompiledPolicy::compile(PolicyBundle::default_bundle(), 0)?,
            Some(raw) => {
                let stored: StoredPolicy = serde_json::from_slice(&raw)
                    .map_err(|e| PolicyError::Internal(format!("stored policy is damaged: {e}")))?;
                CompiledPolicy::compile(stored.bundle, stored.version)?
            }
        };
        *self.active.write() = Arc::new(compiled);
        Ok(())
    }

    pub fn current(&self) -> Arc<CompiledPolicy> {
        self.active.read().clone()
    }

    /// Validates, stores durably and activates a new bundle; returns its version.
    pub fn set(&self, bundle: PolicyBundle) -> Result<u64, PolicyError> {
        let version = self.current().version + 1;
        let compiled = CompiledPolicy::compile(bundle, version)?;
        let raw = serde_json::to_vec(&StoredPolicy {
            version,
            bundle: compiled.bundle.clone(),
        })
        .map_err(|e| PolicyError::Internal(e.to_string()))?;
        self.barrier
            .put(POLICY_PATH, &raw)
            .map_err(|e| PolicyError::Internal(e.to_string()))?;
        *self.active.write() = Arc::new(compiled);
        Ok(version)
    }

    /// Evaluates Cedar and the rules on `facts` with no side effects.
    pub fn evaluate(&self, principal: &Principal, facts: &Facts) -> Evaluation {
        let policy = self.current();
        Evaluation {
            cedar: policy.cedar.decide_sign(principal, facts),
            rules: rules::evaluate(&policy.rules, facts),
        }
    }

    /// Decides an admin operation; `Ok(reasons)` or a denial.
    pub fn authorize_admin(
        &self,
        principal: &Principal,
        action: &str,
        source_ip: Option<std::net::IpAddr>,
    ) -> Result<Vec<String>, Denied> {
        let d = self.current().cedar.decide_admin(
            principal,
            action,
            source_ip,
            palisade_types::unix_now() as i64,
        );
        if d.allowed {
            Ok(d.reasons)
        } else {
            Err(Denied::Policy { reasons: d.reasons })
        }
    }

    /// Rules that hold an admin operation for approval (e.g. `match.methods = ["key.backup"]`).
    pub fn admin_approval(&self, principal: &Principal, action: &str) -> Option<ApprovalSpec> {
        let mut f = Facts::new(Action::SignMessage, action, 0, "", &principal.credential_id);
        f.now = palisade_types::unix_now() as i64;
        let v = rules::evaluate(&self.current().rules, &f);
        v.approvals.into_iter().next()
    }

    /// The full decision for a signing request over `digest`. `approval` is the proof that an
    /// M-of-N approval for this very request was granted; it lifts the approval requirement and
    /// nothing else.
    pub fn authorize(
        &self,
        principal: &Principal,
        facts: &Facts,
        digest: [u8; 32],
        approval: Option<&ApprovedRequest>,
    ) -> Result<Authorization, Denied> {
        let group = match facts.action {
            Action::SendTransaction | Action::SendRawTransaction => MethodGroup::Send,
            _ => MethodGroup::Sign,
        };
        authorize_method(principal, &facts.method, group)?;
        if !principal.keys.allows(&facts.key_id) {
            return Err(Denied::KeyOutOfScope {
                credential: principal.credential_id.clone(),
                key: facts.key_id.clone(),
            });
        }
        let eval = self.evaluate(principal, facts);
        if !eval.cedar.allowed || !eval.rules.denials.is_empty() {
            let mut reasons: Vec<String> = if eval.cedar.allowed {
                Vec::new()
            } else {
                eval.cedar.reasons.clone()
            };
            reasons.extend(
                eval.rules
                    .denials
                    .iter()
                    .map(|(id, why)| format!("rule `{id}`: {why}")),
            );
            return Err(Denied::Policy { reasons });
        }
        let mut reasons = eval.reasons();
        if let Some(spec) = eval.rules.approvals.first() {
            match approval {
                Some(a) if a.covers(&principal.credential_id) => {
                    reasons.push(format!("approved by quorum in approval `{}`", a.id()))
                }
                _ => {
                    reasons.push(format!(
                        "rule `{}` requires {} approval(s) from group `{}`",
                        spec.rule_id, spec.quorum, spec.group
                    ));
                    return Ok(Authorization::NeedsApproval {
                        spec: spec.clone(),
                        reasons,
                    });
                }
            }
        }
        let reservation = if eval.rules.velocity.is_empty() {
            None
        } else {
            Some(
                self.velocity
                    .reserve(&eval.rules.velocity, facts.now)
                    .map_err(|e| match e {
                        velocity::VelocityError::Exceeded(reasons) => Denied::Policy { reasons },
                        velocity::VelocityError::Storage(s) => Denied::Unavailable(s),
                    })?,
            )
        };
        Ok(Authorization::Approved(PolicyApproved {
            key_id: facts.key_id.clone(),
            digest,
            reasons,
            reservation,
        }))
    }

    /// Gives back a reservation whose signature was never produced.
    pub fn release(&self, reservation: velocity::Reservation) {
        self.velocity.release(reservation);
    }
}

#[cfg(test)]
mod tests;
