//! Policy administration and M-of-N approvals: reading and changing the policy (itself
//! approval-gated when a rule says so), what-if evaluation, voting, and carrying out a request
//! once its quorum is reached.

use std::sync::Arc;

use palisade_audit::AuditRecord;
use palisade_policy::{Action, ApprovalRecord, ApprovalSpec, ApprovalStatus, PolicyBundle};
use serde::Serialize;
use serde_json::{json, Value};

use crate::signer::request_digest;
use crate::{Node, NodeError, RequestCtx};

/// The active policy as shown to administrators.
#[derive(Debug, Serialize)]
pub struct PolicyView {
    pub version: u64,
    pub cedar: String,
    pub rules: String,
    pub rule_ids: Vec<String>,
}

/// A what-if decision (`palisade policy test`).
#[derive(Debug, Serialize)]
pub struct WhatIf {
    pub decision: &'static str,
    pub cedar_allowed: bool,
    pub reasons: Vec<String>,
    pub matched_rules: Vec<String>,
    pub velocity_checks: Vec<String>,
    pub approvals_required: Vec<String>,
}

pub(crate) fn approval_err(e: impl std::fmt::Display) -> NodeError {
    let msg = e.to_string();
    if msg.starts_with("unknown approval") {
        NodeError::NotFound(msg)
    } else if msg.starts_with("approval storage") {
        NodeError::Internal(msg)
    } else {
        NodeError::Denied(msg)
    }
}

impl Node {
    /// Creates an approval record for an admin operation and audits the hold.
    pub(crate) async fn hold_admin(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        spec: &ApprovalSpec,
        action: &str,
        request: Value,
        summary: String,
    ) -> NodeError {
        let rec = match self.approvals().create(
            spec,
            &ctx.principal.credential_id,
            action,
            None,
            request_digest(&request),
            summary,
            request,
        ) {
            Ok(r) => r,
            Err(e) => return NodeError::Internal(e.to_string()),
        };
        self.audit_in_background(AuditRecord {
            kind: "admin".into(),
            principal: Some(ctx.principal.credential_id.clone()),
            action: action.into(),
            decision: "hold".into(),
            outcome: Some(format!("pending approval `{}`", rec.id)),
            ..Default::default()
        });
        NodeError::PendingApproval {
            id: rec.id,
            reason: format!(
                "rule `{}` requires {} approval(s) from group `{}`",
                spec.rule_id, spec.quorum, spec.group
            ),
        }
    }

    pub fn get_policy(&self, ctx: &RequestCtx) -> Result<PolicyView, NodeError> {
        self.require_admin(ctx, "policy.read")?;
        let p = self.policy().current();
        Ok(PolicyView {
            version: p.version,
            cedar: p.bundle.cedar.clone(),
            rules: p.bundle.rules.clone(),
            rule_ids: p.rule_ids(),
        })
    }

    /// Validates and applies a new policy — or holds it for approval when a rule matches
    /// `policy.change`. An invalid bundle is refused whole before anything is held or stored.
    pub async fn set_policy(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        bundle: PolicyBundle,
    ) -> Result<u64, NodeError> {
        self.admit(ctx, "policy.change", None).await?;
        palisade_policy::CompiledPolicy::compile(bundle.clone(), 0)
            .map_err(|e| NodeError::InvalidParams(e.to_string()))?;
        if let Some(spec) = self
            .policy()
            .admin_approval(&ctx.principal, "policy.change")
        {
            let request = json!({"action": "policy.change", "bundle": bundle});
            return Err(self
                .hold_admin(
                    ctx,
                    &spec,
                    "policy.change",
                    request,
                    "change of the active policy".into(),
                )
                .await);
        }
        let version = self
            .policy()
            .set(bundle)
            .map_err(|e| NodeError::InvalidParams(e.to_string()))?;
        self.done(
            ctx,
            "policy.change",
            None,
            &format!("policy version {version}"),
        );
        Ok(version)
    }

    /// Evaluates a hypothetical request for `credential` with `key` (no side effects).
    pub fn test_policy(
        &self,
        ctx: &RequestCtx,
        credential: &str,
        key: &str,
        method: &str,
        chain_id: u64,
        tx: Option<&Value>,
    ) -> Result<WhatIf, NodeError> {
        self.require_admin(ctx, "policy.read")?;
        let principal = self
            .credentials()
            .principal_by_id(credential)
            .map_err(|e| NodeError::InvalidParams(e.to_string()))?;
        let key = self.vault().get(key)?;
        let as_ctx = RequestCtx {
            principal: principal.clone(),
            source: ctx.source.clone(),
        };
        let action = match method {
            "eth_sendTransaction" => Action::SendTransaction,
            "eth_signTransaction" | "account_signTransaction" => Action::SignTransaction,
            "eth_signTypedData_v4" | "eth_signTypedData" => Action::SignTypedData,
            _ => Action::SignMessage,
        };
        let mut facts = self.facts(&as_ctx, action, method, chain_id, &key);
        if let Some(tx) = tx {
            let req = palisade_chain::parse_tx_request(tx)?;
            facts = facts.with_tx(&req);
        }
        let scope_ok = palisade_policy::may_use_key(&principal, &key.id);
        let eval = self.policy().evaluate(&principal, &facts);
        let mut reasons = Vec::new();
        if !scope_ok {
            reasons.push(format!(
                "credential `{credential}` may not use key `{}` (scope)",
                key.id
            ));
        }
        reasons.extend(eval.reasons());
        let denied = !scope_ok || !eval.cedar.allowed || !eval.rules.denials.is_empty();
        let decision = if denied {
            "deny"
        } else if !eval.rules.approvals.is_empty() {
            "needs_approval"
        } else {
            "allow"
        };
        Ok(WhatIf {
            decision,
            cedar_allowed: eval.cedar.allowed,
            reasons,
            matched_rules: eval.rules.matched.clone(),
            velocity_checks: eval
                .rules
                .velocity
                .iter()
                .map(|c| {
                    format!(
                        "rule `{}` charges {} to {}",
                        c.spec.rule_id, c.amount, c.bucket
                    )
                })
                .collect(),
            approvals_required: eval
                .rules
                .approvals
                .iter()
                .map(|a| format!("rule `{}`: {} of group `{}`", a.rule_id, a.quorum, a.group))
                .collect(),
        })
    }

    pub fn list_approvals(&self, ctx: &RequestCtx) -> Result<Vec<ApprovalRecord>, NodeError> {
        // Requesters may follow their own requests; everyone else needs `approval.read`.
        let all = self.approvals().list().map_err(approval_err)?;
        if self.require_admin(ctx, "approval.read").is_ok()
            || !ctx.principal.cedar_groups.is_empty()
        {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|r| r.requester == ctx.principal.credential_id)
            .collect())
    }

    pub fn get_approval(&self, ctx: &RequestCtx, id: &str) -> Result<ApprovalRecord, NodeError> {
        let rec = self.approvals().get(id).map_err(approval_err)?;
        let allowed = rec.requester == ctx.principal.credential_id
            || ctx.principal.cedar_groups.contains(&rec.group)
            || self.require_admin(ctx, "approval.read").is_ok();
        if !allowed {
            return Err(NodeError::NotFound(format!("unknown approval `{id}`")));
        }
        Ok(rec)
    }

    /// An approver's signed vote. When it completes the quorum, the held request is carried
    /// out at once and the returned record carries its result.
    pub async fn vote(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
        accept: bool,
        signature: &str,
    ) -> Result<ApprovalRecord, NodeError> {
        let key = self
            .credentials()
            .approver_key(&ctx.principal.credential_id)?;
        let rec = self
            .approvals()
            .vote(id, &ctx.principal, key.as_deref(), accept, signature)
            .map_err(approval_err)?;
        self.audit()
            .append(AuditRecord {
                kind: "admin".into(),
                principal: Some(ctx.principal.credential_id.clone()),
                action: if accept {
                    "approval.accept".into()
                } else {
                    "approval.reject".into()
                },
                resource: Some(id.to_string()),
                decision: "allow".into(),
                outcome: Some(format!("{:?}", rec.status).to_lowercase()),
                reasons: vec![format!(
                    "signed vote by `{}` in group `{}`",
                    ctx.principal.credential_id, rec.group
                )],
                source: ctx.source.clone(),
                ..Default::default()
            })
            .await?;
        // A credential creation is completed by its requester (the new key must reach them
        // alone); everything else is carried out now.
        if rec.status == ApprovalStatus::Approved && rec.action != "credential.create" {
            return self.execute_approval(id).await;
        }
        Ok(rec)
    }

    /// Carries out an approved request as its requester (whose credential must still be
    /// valid), with the approval proof lifting only the approval requirement.
    pub async fn execute_approval(self: &Arc<Self>, id: &str) -> Result<ApprovalRecord, NodeError> {
        let proof = self.approvals().approved(id).map_err(approval_err)?;
        let rec = self.approvals().get(id).map_err(approval_err)?;
        let outcome: Result<Value, NodeError> = async {
            let principal = self.credentials().principal_by_id(&rec.requester)?;
            let ctx = RequestCtx {
                principal,
                source: None,
            };
            let req = &rec.request;
            let chain_id = req.get("chain_id").and_then(Value::as_u64);
            let chain = || {
                self.chain(chain_id).ok_or_else(|| {
                    NodeError::InvalidParams(
                        "the approved request's chain is no longer configured".into(),
                    )
                })
            };
            let addr = || {
                req.get("address")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            match req
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or_default()
            {
                "eth_sendTransaction" => {
                    let tx = req.get("tx").cloned().unwrap_or(Value::Null);
                    let parsed = palisade_chain::parse_tx_request(&tx)?;
                    self.send_transaction(&ctx, chain()?, parsed, &tx, Some(&proof))
                        .await
                }
                "eth_signTransaction" => {
                    let tx = req.get("tx").cloned().unwrap_or(Value::Null);
                    let parsed = palisade_chain::parse_tx_request(&tx)?;
                    let signed = self
                        .sign_transaction(
                            &ctx,
                            "eth_signTransaction",
                            chain()?,
                            parsed,
                            &tx,
                            Some(&proof),
                        )
                        .await?;
                    Ok(json!(signed.raw()))
                }
                "personal_sign" => {
                    let msg = req
                        .get("message")
                        .and_then(Value::as_str)
                        .and_then(|m| hex::decode(m.trim_start_matches("0x")).ok())
                        .unwrap_or_default();
                    let sig = self
                        .sign_personal_message(
                            &ctx,
                            "personal_sign",
                            chain()?,
                            &addr(),
                            &msg,
                            Some(&proof),
                        )
                        .await?;
                    Ok(json!(format!("0x{}", hex::encode(sig))))
                }
                "eth_signTypedData_v4" => {
                    let typed = req.get("typed").cloned().unwrap_or(Value::Null);
                    let sig = self
                        .sign_typed_data(
                            &ctx,
                            "eth_signTypedData_v4",
                            chain()?,
                            &addr(),
                            &typed,
                            Some(&proof),
                        )
                        .await?;
                    Ok(json!(format!("0x{}", hex::encode(sig))))
                }
                "policy.change" => {
                    let bundle: PolicyBundle =
                        serde_json::from_value(req.get("bundle").cloned().unwrap_or(Value::Null))
                            .map_err(|e| NodeError::InvalidParams(e.to_string()))?;
                    let version = self
                        .policy()
                        .set(bundle)
                        .map_err(|e| NodeError::InvalidParams(e.to_string()))?;
                    Ok(json!({"policy_version": version}))
                }
                "key.backup" => {
                    let recipients: Vec<String> = serde_json::from_value(
                        req.get("recipients").cloned().unwrap_or(Value::Null),
                    )
                    .unwrap_or_default();
                    let keys: Vec<String> =
                        serde_json::from_value(req.get("keys").cloned().unwrap_or(Value::Null))
                            .unwrap_or_default();
                    let file = self.vault().backup(&recipients, &keys)?;
                    Ok(json!({"backup": file.backup, "keys": file.keys}))
                }
                other => Err(NodeError::Internal(format!(
                    "cannot carry out approved action `{other}`"
                ))),
            }
        }
        .await;
        let outcome_text = match &outcome {
            Ok(_) => "executed".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        self.audit_in_background(AuditRecord {
            kind: "result".into(),
            principal: Some(rec.requester.clone()),
            action: rec.action.clone(),
            resource: Some(id.to_string()),
            decision: "allow".into(),
            outcome: Some(outcome_text),
            ..Default::default()
        });
        self.approvals()
            .finish(id, outcome.map_err(|e| e.to_string()))
            .map_err(approval_err)
    }
}
