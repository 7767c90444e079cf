//! Automatic, reversible responses: freeze a key, suspend a credential, block a source address
//! for a time, lockdown (only admin credentials are served). Each application and each reversal
//! is durably audited; the incident that caused it records what was done so that resolving the
//! incident can undo exactly that.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use palisade_audit::AuditRecord;
use palisade_detect::Action;
use palisade_policy::Principal;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use crate::detection::Runtime;
use crate::{Node, NodeError, RequestCtx};

const LOCKDOWN_PATH: &str = "response/lockdown";

/// What a response did, as the incident records it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ActionRecord {
    pub action: Action,
    /// Key id, credential id or source address (empty for lockdown).
    pub target: String,
    /// `applied`, `skipped`, `failed`, `reversed`.
    pub state: String,
    pub detail: String,
    pub at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
}

#[derive(Default)]
pub struct ResponseState {
    /// Source address → blocked until (ms).
    blocked: RwLock<HashMap<String, u64>>,
    /// Lockdown flag, read through the barrier once and cached.
    lockdown: RwLock<Option<bool>>,
    pub(crate) runtime: OnceLock<Arc<Runtime>>,
}

impl ResponseState {
    pub(crate) fn wipe_cache(&self) {
        *self.lockdown.write() = None;
    }
}

/// A blocked source as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Block {
    pub source: String,
    pub until_ms: u64,
}

pub(crate) fn now_ms() -> u64 {
    palisade_detect::event::now_ms()
}

impl Node {
    /// Whether requests from `source` are refused (checked by the gateway on every request).
    /// Whether any source is blocked (expired blocks included): when none is, a request's
    /// address need not be formatted to be checked.
    pub fn any_blocked(&self) -> bool {
        !self.response.blocked.read().is_empty()
    }

    pub fn is_blocked(&self, source: &str) -> bool {
        let now = now_ms();
        match self.response.blocked.read().get(source) {
            Some(until) => *until > now,
            None => false,
        }
    }

    pub fn blocks(&self) -> Vec<Block> {
        let now = now_ms();
        let mut v: Vec<Block> = self
            .response
            .blocked
            .read()
            .iter()
            .filter(|(_, u)| **u > now)
            .map(|(s, u)| Block {
                source: s.clone(),
                until_ms: *u,
            })
            .collect();
        v.sort_by(|a, b| a.source.cmp(&b.source));
        v
    }

    /// Whether lockdown is on.
    pub fn lockdown_active(&self) -> bool {
        if let Some(on) = *self.response.lockdown.read() {
            return on;
        }
        let on = matches!(self.barrier.get(LOCKDOWN_PATH), Ok(Some(v)) if v == b"on");
        if !self.is_sealed() {
            *self.response.lockdown.write() = Some(on);
        }
        on
    }

    /// In lockdown only admin credentials are served.
    pub(crate) fn check_lockdown(&self, principal: &Principal) -> Result<(), NodeError> {
        if !principal.admin && self.lockdown_active() {
            return Err(NodeError::Denied(
                "palisade is in lockdown after a security incident: only administrators are served until it is lifted (`palisade incident resolve` or `palisade lockdown off`)".into(),
            ));
        }
        Ok(())
    }

    fn set_lockdown(&self, on: bool) -> Result<(), NodeError> {
        self.barrier
            .put(LOCKDOWN_PATH, if on { b"on" } else { b"off" })?;
        *self.response.lockdown.write() = Some(on);
        Ok(())
    }

    fn never_block(&self) -> BTreeSet<String> {
        self.response
            .runtime
            .get()
            .map(|r| r.never_block.clone())
            .unwrap_or_default()
    }

    /// Carries out one response for `incident`. Never fails: the outcome is in the record.
    pub(crate) async fn apply_response(
        self: &Arc<Self>,
        action: Action,
        target: Option<String>,
        incident: &str,
        rule: &str,
        block_for_secs: u64,
    ) -> ActionRecord {
        let mut rec = ActionRecord {
            action,
            target: target.clone().unwrap_or_default(),
            state: "applied".into(),
            detail: String::new(),
            at_ms: now_ms(),
            until_ms: None,
        };
        let result: Result<String, (String, String)> = match (action, target.as_deref()) {
            (Action::Lockdown, _) => self
                .set_lockdown(true)
                .map(|_| "lockdown on".to_string())
                .map_err(|e| ("failed".into(), e.to_string())),
            (_, None) | (_, Some("-")) | (_, Some("")) => {
                Err(("skipped".into(), "the event names no target".into()))
            }
            (Action::FreezeKey, Some(key)) => match self.vault().get(key) {
                Ok(k) if k.status == palisade_vault::KeyStatus::Active => self
                    .vault()
                    .freeze(key)
                    .map(|_| "frozen".to_string())
                    .map_err(|e| ("failed".into(), e.to_string())),
                Ok(_) => Err(("skipped".into(), "key is not active".into())),
                Err(e) => Err(("skipped".into(), e.to_string())),
            },
            (Action::SuspendCredential, Some(id)) => match self.credentials().list() {
                Ok(list) => match list.iter().find(|c| c.id == id) {
                    // Lock-out protection: an automatic response never suspends an admin
                    // credential (an alert still goes out).
                    Some(c) if c.admin => Err((
                        "skipped".into(),
                        "admin credentials are not suspended automatically".into(),
                    )),
                    Some(c) if c.suspended.is_some() => {
                        Err(("skipped".into(), "already suspended".into()))
                    }
                    Some(_) => self
                        .credentials()
                        .suspend(id, &format!("rule `{rule}`"), Some(incident))
                        .map(|_| "suspended".to_string())
                        .map_err(|e| ("failed".into(), e.to_string())),
                    None => Err(("skipped".into(), "unknown credential".into())),
                },
                Err(e) => Err(("failed".into(), e.to_string())),
            },
            (Action::BlockSource, Some(source)) => {
                if self.never_block().contains(source) {
                    Err(("skipped".into(), "source is in `never_block`".into()))
                } else {
                    let until = now_ms().saturating_add(block_for_secs.saturating_mul(1000));
                    self.response
                        .blocked
                        .write()
                        .insert(source.to_string(), until);
                    rec.until_ms = Some(until);
                    Ok(format!("blocked for {block_for_secs}s"))
                }
            }
        };
        match result {
            Ok(d) => rec.detail = d,
            Err((state, d)) => {
                rec.state = state;
                rec.detail = d;
            }
        }
        let record = AuditRecord {
            kind: "system".into(),
            action: format!("response.{}", action.as_str()),
            resource: target,
            decision: if rec.state == "applied" {
                "allow".into()
            } else {
                "deny".into()
            },
            reasons: vec![format!("rule `{rule}`"), format!("incident `{incident}`")],
            outcome: Some(format!("{}: {}", rec.state, rec.detail)),
            ..Default::default()
        };
        if let Err(e) = self.audit().append(record).await {
            tracing::error!(error = %e, "cannot audit an incident response");
        }
        rec
    }

    /// Undoes one applied response (on incident resolve). Audited by the caller's admission.
    pub(crate) fn reverse_response(&self, rec: &ActionRecord) -> Result<String, NodeError> {
        match rec.action {
            Action::FreezeKey => self
                .vault()
                .unfreeze(&rec.target)
                .map(|_| "unfrozen".into())
                .map_err(Into::into),
            Action::SuspendCredential => self
                .credentials()
                .reinstate(&rec.target)
                .map(|_| "reinstated".into()),
            Action::BlockSource => {
                self.response.blocked.write().remove(&rec.target);
                Ok("unblocked".into())
            }
            Action::Lockdown => self.set_lockdown(false).map(|_| "lockdown lifted".into()),
        }
    }

    /// Authorizes (admin credential) and durably audits an incident-response admin action.
    pub(crate) async fn admit_response(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        action: &str,
        resource: Option<&str>,
    ) -> Result<(), NodeError> {
        let mut record = AuditRecord {
            kind: "admin".into(),
            principal: Some(ctx.principal.credential_id.clone()),
            action: action.into(),
            resource: resource.map(str::to_string),
            source: ctx.source.clone(),
            ..Default::default()
        };
        if !ctx.principal.admin {
            let e = NodeError::Denied(format!(
                "credential `{}` is not an admin credential and may not `{action}`",
                ctx.principal.credential_id
            ));
            record.decision = "deny".into();
            record.reasons = vec![e.to_string()];
            self.audit_in_background(record);
            return Err(e);
        }
        record.decision = "allow".into();
        record.reasons = vec!["admin credential".into()];
        self.audit().append(record).await?;
        Ok(())
    }

    pub async fn suspend_credential(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
    ) -> Result<crate::credentials::CredentialInfo, NodeError> {
        self.admit_response(ctx, "credential.suspend", Some(id))
            .await?;
        self.credentials().suspend(
            id,
            &format!("suspended by `{}`", ctx.principal.credential_id),
            None,
        )
    }

    pub async fn reinstate_credential(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
    ) -> Result<crate::credentials::CredentialInfo, NodeError> {
        self.admit_response(ctx, "credential.reinstate", Some(id))
            .await?;
        self.credentials().reinstate(id)
    }

    pub async fn block_source(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        source: &str,
        secs: u64,
    ) -> Result<Block, NodeError> {
        if source.parse::<std::net::IpAddr>().is_err() {
            return Err(NodeError::InvalidParams(format!(
                "`{}` is not an IP address",
                source.chars().take(64).collect::<String>()
            )));
        }
        self.admit_response(ctx, "source.block", Some(source))
            .await?;
        let until = now_ms().saturating_add(secs.saturating_mul(1000));
        self.response
            .blocked
            .write()
            .insert(source.to_string(), until);
        Ok(Block {
            source: source.to_string(),
            until_ms: until,
        })
    }

    pub async fn unblock_source(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        source: &str,
    ) -> Result<bool, NodeError> {
        self.admit_response(ctx, "source.unblock", Some(source))
            .await?;
        Ok(self.response.blocked.write().remove(source).is_some())
    }

    pub async fn lockdown(self: &Arc<Self>, ctx: &RequestCtx, on: bool) -> Result<bool, NodeError> {
        self.admit_response(
            ctx,
            if on {
                "sys.lockdown"
            } else {
                "sys.lockdown_lift"
            },
            None,
        )
        .await?;
        self.set_lockdown(on)?;
        Ok(on)
    }
}
