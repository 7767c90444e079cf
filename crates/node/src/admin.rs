//! Administrative operations (keys, credentials, backups, seal). Each is authorized (admin
//! credential) and durably audited before it takes effect.

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_audit::AuditRecord;
use palisade_barrier::{InitRequest, SealStatus};
use palisade_crypto::SecretString;
use palisade_vault::{BackupFile, KeyInfo, KeyType, RestoreReport};

use crate::credentials::{CreateCredential, CredentialInfo, NewCredential};
use crate::{Node, NodeError, RequestCtx};

impl Node {
    /// Cedar decides every admin operation (the default policy: admin credentials only).
    pub(crate) fn require_admin(
        &self,
        ctx: &RequestCtx,
        action: &str,
    ) -> Result<Vec<String>, NodeError> {
        let ip = ctx.source.as_deref().and_then(|s| s.parse().ok());
        self.policy()
            .authorize_admin(&ctx.principal, action, ip)
            .map_err(|d| {
                NodeError::Denied(format!(
                    "credential `{}` may not `{action}`: {d}",
                    ctx.principal.credential_id
                ))
            })
    }

    /// Authorizes and durably audits an admin action before it runs (fail closed).
    pub(crate) async fn admit(
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
        let reasons = match self.require_admin(ctx, action) {
            Ok(r) => r,
            Err(e) => {
                record.decision = "deny".into();
                record.reasons = vec![e.to_string()];
                self.audit_in_background(record);
                return Err(e);
            }
        };
        record.decision = "allow".into();
        record.reasons = reasons;
        self.audit().append(record).await?;
        Ok(())
    }

    pub(crate) fn done(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        action: &str,
        resource: Option<&str>,
        outcome: &str,
    ) {
        self.audit_in_background(AuditRecord {
            kind: "result".into(),
            principal: Some(ctx.principal.credential_id.clone()),
            action: action.into(),
            resource: resource.map(str::to_string),
            decision: "allow".into(),
            outcome: Some(outcome.into()),
            ..Default::default()
        });
    }

    pub async fn create_key(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        key_type: KeyType,
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, NodeError> {
        self.admit(ctx, "key.create", None).await?;
        let key = self.vault().create(key_type, labels)?;
        self.done(ctx, "key.create", Some(&key.id), "created");
        Ok(key)
    }

    pub async fn import_key_hex(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        key_type: KeyType,
        hex_key: &str,
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, NodeError> {
        self.admit(ctx, "key.import", None).await?;
        let key = self.vault().import_hex(key_type, hex_key, labels)?;
        self.done(ctx, "key.import", Some(&key.id), "imported");
        Ok(key)
    }

    pub async fn import_keystore(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        json: &[u8],
        password: &SecretString,
        labels: BTreeMap<String, String>,
    ) -> Result<KeyInfo, NodeError> {
        self.admit(ctx, "key.import", None).await?;
        let vault_json = json.to_vec();
        let password = password.clone();
        let node = self.clone();
        // scrypt with geth's parameters takes ~1 s of CPU: keep it off the async workers.
        let key = tokio::task::spawn_blocking(move || {
            node.vault()
                .import_keystore(&vault_json, password.expose_secret().as_bytes(), labels)
        })
        .await
        .map_err(|e| NodeError::Internal(e.to_string()))??;
        self.done(ctx, "key.import", Some(&key.id), "imported from keystore");
        Ok(key)
    }

    pub fn list_keys(&self, ctx: &RequestCtx) -> Result<Vec<KeyInfo>, NodeError> {
        self.require_admin(ctx, "key.list")?;
        Ok(self.vault().list()?)
    }

    pub fn show_key(&self, ctx: &RequestCtx, id: &str) -> Result<KeyInfo, NodeError> {
        self.require_admin(ctx, "key.show")?;
        Ok(self.vault().get(id)?)
    }

    pub async fn set_key_state(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
        action: &str,
    ) -> Result<KeyInfo, NodeError> {
        let op = format!("key.{action}");
        self.admit(ctx, &op, Some(id)).await?;
        let key = match action {
            "freeze" => self.vault().freeze(id)?,
            "unfreeze" => self.vault().unfreeze(id)?,
            "destroy" => self.vault().destroy(id)?,
            other => {
                return Err(NodeError::InvalidParams(format!(
                    "unknown key action `{other}`"
                )))
            }
        };
        self.done(ctx, &op, Some(&key.id), action);
        Ok(key)
    }

    /// Creates a credential. A rule may hold creation for approval (`credential.create`, or
    /// `credential.create_admin` for admin credentials only). The new API key must reach the
    /// requester alone and is never stored, so an approved creation is not carried out by the
    /// approvers' last vote: the requester repeats the same request with `approval` set to the
    /// approval's id, and gets the key in that answer (once).
    pub async fn create_credential(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        mut req: CreateCredential,
        approval: Option<&str>,
    ) -> Result<NewCredential, NodeError> {
        self.admit(ctx, "credential.create", None).await?;
        let spec = self
            .policy()
            .admin_approval(&ctx.principal, "credential.create")
            .or_else(|| {
                req.admin
                    .then(|| {
                        self.policy()
                            .admin_approval(&ctx.principal, "credential.create_admin")
                    })
                    .flatten()
            });
        match (spec, approval) {
            (None, Some(_)) => {
                return Err(NodeError::InvalidParams(
                    "no rule holds this credential creation for approval: omit `approval_id`"
                        .into(),
                ))
            }
            (None, None) => {}
            (Some(spec), None) => {
                let summary = format!(
                    "create {}credential `{}`",
                    if req.admin { "admin " } else { "" },
                    req.name
                );
                let held = held_credential_request(&req);
                return Err(self
                    .hold_admin(ctx, &spec, "credential.create", held, summary)
                    .await);
            }
            (Some(_), Some(id)) => {
                let rec = self
                    .approvals()
                    .get(id)
                    .map_err(crate::governance::approval_err)?;
                // Approved and not yet used (else this says so).
                self.approvals()
                    .approved(id)
                    .map_err(crate::governance::approval_err)?;
                if rec.action != "credential.create" || rec.requester != ctx.principal.credential_id
                {
                    return Err(NodeError::Denied(format!(
                        "approval `{id}` is not for a credential creation requested by this credential"
                    )));
                }
                // The same request as approved, except the expiry, which is the approved one.
                let mut approved = rec.request.clone();
                let mut repeated = held_credential_request(&req);
                for v in [&mut approved, &mut repeated] {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("expires_at");
                    }
                }
                if approved != repeated {
                    return Err(NodeError::Denied(format!(
                        "this request differs from the one approved in `{id}`: repeat it unchanged"
                    )));
                }
                req.expires_at = rec.request.get("expires_at").and_then(|v| v.as_u64());
                // Claim the approval first (once, atomically); only then make the key.
                self.approvals()
                    .finish(id, Ok(serde_json::json!({"completed_by": "requester"})))
                    .map_err(crate::governance::approval_err)?;
            }
        }
        let created = self.credentials().create(req)?;
        self.done(ctx, "credential.create", Some(&created.info.id), "created");
        Ok(created)
    }

    pub fn list_credentials(&self, ctx: &RequestCtx) -> Result<Vec<CredentialInfo>, NodeError> {
        self.require_admin(ctx, "credential.list")?;
        self.credentials().list()
    }

    pub async fn revoke_credential(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
    ) -> Result<CredentialInfo, NodeError> {
        self.admit(ctx, "credential.revoke", Some(id)).await?;
        let info = self.credentials().revoke(id)?;
        self.done(ctx, "credential.revoke", Some(id), "revoked");
        Ok(info)
    }

    pub async fn backup(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        recipients: &[String],
        ids: &[String],
    ) -> Result<BackupFile, NodeError> {
        self.admit(ctx, "key.backup", Some(&ids.join(","))).await?;
        if let Some(spec) = self.policy().admin_approval(&ctx.principal, "key.backup") {
            let request =
                serde_json::json!({"action": "key.backup", "recipients": recipients, "keys": ids});
            let summary = format!(
                "backup of {} key(s) to {} recipient(s)",
                if ids.is_empty() {
                    "all".to_string()
                } else {
                    ids.len().to_string()
                },
                recipients.len()
            );
            return Err(self
                .hold_admin(ctx, &spec, "key.backup", request, summary)
                .await);
        }
        let file = self.vault().backup(recipients, ids)?;
        self.done(
            ctx,
            "key.backup",
            None,
            &format!("{} keys to {} recipients", file.keys, recipients.len()),
        );
        Ok(file)
    }

    pub async fn restore(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        identity: &SecretString,
        file: &[u8],
    ) -> Result<RestoreReport, NodeError> {
        self.admit(ctx, "key.restore", None).await?;
        let report = self.vault().restore(identity.expose_secret(), file)?;
        self.done(
            ctx,
            "key.restore",
            None,
            &format!(
                "{} restored, {} skipped",
                report.restored.len(),
                report.skipped.len()
            ),
        );
        Ok(report)
    }

    pub async fn seal_now(self: &Arc<Self>, ctx: &RequestCtx) -> Result<SealStatus, NodeError> {
        self.admit(ctx, "sys.seal", None).await?;
        self.seal();
        Ok(self.barrier().status()?)
    }

    pub async fn rotate(self: &Arc<Self>, ctx: &RequestCtx) -> Result<u32, NodeError> {
        self.admit(ctx, "sys.rotate", None).await?;
        let term = self.barrier().rotate()?;
        self.done(ctx, "sys.rotate", None, &format!("term {term}"));
        Ok(term)
    }

    pub async fn rewrap(self: &Arc<Self>, ctx: &RequestCtx) -> Result<usize, NodeError> {
        self.admit(ctx, "sys.rewrap", None).await?;
        let node = self.clone();
        let n = tokio::task::spawn_blocking(move || node.barrier().rewrap())
            .await
            .map_err(|e| NodeError::Internal(e.to_string()))??;
        self.done(ctx, "sys.rewrap", None, &format!("{n} records"));
        Ok(n)
    }

    /// Unseal with one share or the passphrase (no credential: the shares are the credential).
    pub async fn unseal(
        self: &Arc<Self>,
        share: Option<&str>,
        passphrase: Option<&SecretString>,
    ) -> Result<SealStatus, NodeError> {
        let result = match (share, passphrase) {
            (Some(s), None) => self.barrier().submit_share(s),
            (None, Some(p)) => {
                let node = self.clone();
                let p = p.clone();
                tokio::task::spawn_blocking(move || node.barrier().unseal_with_passphrase(&p))
                    .await
                    .map_err(|e| NodeError::Internal(e.to_string()))?
            }
            _ => {
                return Err(NodeError::InvalidParams(
                    "give exactly one of `share` or `passphrase`".into(),
                ))
            }
        };
        let status = result.inspect_err(|e| tracing::warn!(error = %e, "unseal attempt failed"))?;
        if !status.sealed {
            self.policy().load().map_err(|e| {
                NodeError::Internal(format!(
                    "unsealed, but the stored policy does not load: {e}"
                ))
            })?;
            self.audit_in_background(AuditRecord {
                kind: "system".into(),
                action: "sys.unseal".into(),
                decision: "allow".into(),
                outcome: Some("unsealed".into()),
                ..Default::default()
            });
        }
        Ok(status)
    }

    /// `palisade init` (offline) and `serve --dev`: creates the seal, unseals in-process with
    /// what it just made, creates the root admin credential, and returns shares and token.
    pub async fn bootstrap(
        self: &Arc<Self>,
        request: InitRequest,
    ) -> Result<(Vec<SecretString>, NewCredential), NodeError> {
        let passphrase = match &request {
            InitRequest::Passphrase(p) => Some(p.clone()),
            InitRequest::Shamir { .. } => None,
        };
        let threshold = match &request {
            InitRequest::Shamir { threshold, .. } => *threshold as usize,
            InitRequest::Passphrase(_) => 0,
        };
        let result = self.barrier().init(request)?;
        match passphrase {
            Some(p) => {
                self.barrier().unseal_with_passphrase(&p)?;
            }
            None => {
                for s in result.shares.iter().take(threshold) {
                    self.barrier().submit_share(s.expose_secret())?;
                }
            }
        }
        let root = self.credentials().create(CreateCredential {
            name: "root".into(),
            keys: palisade_policy::KeyScope::All,
            methods: [
                palisade_policy::MethodGroup::Read,
                palisade_policy::MethodGroup::Sign,
                palisade_policy::MethodGroup::Send,
            ]
            .into(),
            admin: true,
            expires_at: None,
            rpc_methods: None,
            groups: Vec::new(),
            owner: None,
            approver_key: None,
            request_key: None,
        })?;
        self.audit()
            .append(AuditRecord {
                kind: "system".into(),
                action: "sys.init".into(),
                decision: "allow".into(),
                resource: Some(root.info.id.clone()),
                outcome: Some("initialised; root credential created".into()),
                ..Default::default()
            })
            .await?;
        Ok((result.shares, root))
    }
}

/// What approvers see (and sign the digest of) for a held credential creation: every field,
/// none of them secret (keys are public keys).
fn held_credential_request(req: &CreateCredential) -> serde_json::Value {
    serde_json::json!({
        "action": "credential.create",
        "name": req.name,
        "keys": req.keys,
        "methods": req.methods,
        "admin": req.admin,
        "expires_at": req.expires_at,
        "rpc_methods": req.rpc_methods,
        "groups": req.groups,
        "owner": req.owner,
        "approver_key": req.approver_key,
        "request_key": req.request_key,
    })
}
