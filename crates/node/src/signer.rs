//! The signing operations behind the Ethereum JSON-RPC methods, all through one path:
//! resolve key → check it is usable → authorize (scope, Cedar, rules, velocity, approvals) →
//! durable audit (fail closed) → sign → audit the result in the background.

use std::sync::Arc;
use std::time::Instant;

use palisade_audit::AuditRecord;
use palisade_chain::{self as chain, RecoverableSignature, SignedTx, TxRequest};
use palisade_policy::velocity::Reservation;
use palisade_policy::{self as policy, Action, ApprovedRequest, Authorization, Facts, MethodGroup};
use palisade_vault::{KeyInfo, KeyStatus, KeyType};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{Chain, Node, NodeError, RequestCtx};

/// JSON-RPC error code for a request held for approval.
pub const PENDING_APPROVAL_CODE: i64 = -32010;

/// A request as it would be carried out after approval; its SHA-256 is what approvers sign.
pub(crate) fn request_digest(held: &Value) -> [u8; 32] {
    Sha256::digest(serde_json::to_vec(held).unwrap_or_default()).into()
}

impl Node {
    fn base_record(ctx: &RequestCtx, method: &str) -> AuditRecord {
        AuditRecord {
            kind: "request".into(),
            principal: Some(ctx.principal.credential_id.clone()),
            action: method.into(),
            source: ctx.source.clone(),
            ..Default::default()
        }
    }

    /// Resolves an address to a secp256k1 key this credential may use. Keys outside the scope
    /// are reported exactly like unknown ones, so a credential cannot probe for other keys.
    pub fn resolve_signing_key(
        &self,
        ctx: &RequestCtx,
        address: &str,
    ) -> Result<KeyInfo, NodeError> {
        let key = self.vault().get(address).map_err(|e| match e {
            palisade_vault::VaultError::UnknownKey(_) => NodeError::UnknownKey(address.to_string()),
            other => other.into(),
        })?;
        if !policy::may_use_key(&ctx.principal, &key.id)
            || key.key_type != KeyType::Secp256k1
            || key.status == KeyStatus::Destroyed
        {
            return Err(NodeError::UnknownKey(address.to_string()));
        }
        Ok(key)
    }

    /// Addresses of the active secp256k1 keys the credential may use.
    pub fn accounts(&self, ctx: &RequestCtx) -> Result<Vec<String>, NodeError> {
        Ok(self
            .vault()
            .list()?
            .into_iter()
            .filter(|k| {
                k.key_type == KeyType::Secp256k1
                    && k.status == KeyStatus::Active
                    && policy::may_use_key(&ctx.principal, &k.id)
            })
            .filter_map(|k| k.address)
            .collect())
    }

    /// Facts about a request with `key`, before the payload is added.
    pub fn facts(
        &self,
        ctx: &RequestCtx,
        action: Action,
        method: &str,
        chain_id: u64,
        key: &KeyInfo,
    ) -> Facts {
        let mut f = Facts::new(
            action,
            method,
            chain_id,
            &key.id,
            &ctx.principal.credential_id,
        );
        f.key_address = key.address.as_deref().and_then(|a| a.parse().ok());
        f.key_labels = key.labels.clone();
        f.source_ip = ctx.source.as_deref().and_then(|s| s.parse().ok());
        f
    }

    /// The one signing path. Returns a recoverable signature over `digest` and the velocity
    /// reservation it made (to give back if the result is never used).
    pub async fn sign_digest(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        key: &KeyInfo,
        facts: &Facts,
        digest: [u8; 32],
        held: impl FnOnce() -> Value,
        approval: Option<&ApprovedRequest>,
    ) -> Result<(RecoverableSignature, Option<Reservation>), NodeError> {
        let started = Instant::now();
        let method = facts.method.as_str();
        let mut record = Self::base_record(ctx, method);
        record.resource = Some(key.id.clone());
        record.digest = Some(hex::encode(digest));

        let deny = |record: &mut AuditRecord, reasons: Vec<String>| {
            record.decision = "deny".into();
            record.reasons = reasons;
            record.duration_us = Some(started.elapsed().as_micros() as u64);
        };
        if let Err(e) = self.vault().check_usable(&key.id) {
            let e: NodeError = e.into();
            deny(&mut record, vec![e.to_string()]);
            self.audit_in_background(record);
            return Err(e);
        }
        let mut approved = match self
            .policy()
            .authorize(&ctx.principal, facts, digest, approval)
        {
            Ok(Authorization::Approved(a)) => a,
            Ok(Authorization::NeedsApproval { spec, reasons }) => {
                // Built only here: what approvers see and sign is not needed on the fast path.
                let held = held();
                let summary = summarize(facts);
                let rec = self
                    .approvals()
                    .create(
                        &spec,
                        &ctx.principal.credential_id,
                        method,
                        Some(&key.id),
                        request_digest(&held),
                        summary,
                        held,
                    )
                    .map_err(|e| NodeError::Internal(e.to_string()))?;
                record.decision = "hold".into();
                record.reasons = reasons.clone();
                record.outcome = Some(format!("pending approval `{}`", rec.id));
                self.audit().append(record).await?;
                return Err(NodeError::PendingApproval {
                    id: rec.id,
                    reason: format!(
                        "rule `{}` requires {} approval(s) from group `{}`",
                        spec.rule_id, spec.quorum, spec.group
                    ),
                });
            }
            Err(d) => {
                let reasons = match &d {
                    policy::Denied::Policy { reasons } => reasons.clone(),
                    other => vec![other.to_string()],
                };
                deny(&mut record, reasons);
                self.audit_in_background(record);
                return Err(d.into());
            }
        };
        record.decision = "allow".into();
        record.reasons = approved.reasons().to_vec();
        // INVARIANT: the request is durably in the audit log before the key is touched.
        let audited = match self.audit().audit_signing(record, &key.id, digest).await {
            Ok(a) => a,
            Err(e) => {
                if let Some(r) = approved.take_reservation() {
                    self.policy().release(r);
                }
                return Err(e.into());
            }
        };
        let signed = self.vault().sign_secp256k1(&approved, &audited);
        let reservation = approved.take_reservation();
        let (sig, recid) = match signed {
            Ok(s) => s,
            Err(e) => {
                if let Some(r) = reservation {
                    self.policy().release(r);
                }
                return Err(e.into());
            }
        };
        let mut result = Self::base_record(ctx, method);
        result.kind = "result".into();
        result.resource = Some(key.id.clone());
        result.decision = "allow".into();
        result.outcome = Some(format!("signed (request #{})", audited.seq()));
        result.duration_us = Some(started.elapsed().as_micros() as u64);
        self.audit_in_background(result);
        Ok((RecoverableSignature::from_k256(&sig, recid), reservation))
    }

    /// `personal_sign` / `eth_sign` / geth `text/plain`: EIP-191 personal message.
    pub async fn sign_personal_message(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        chain: &Chain,
        address: &str,
        message: &[u8],
        approval: Option<&ApprovedRequest>,
    ) -> Result<[u8; 65], NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        let key = self.resolve_signing_key(ctx, address)?;
        let digest = chain::eip191_personal_hash(message);
        let facts = self.facts(ctx, Action::SignMessage, method, chain.id, &key);
        let held = || json!({"action": "personal_sign", "chain_id": chain.id, "address": address, "message": format!("0x{}", hex::encode(message))});
        Ok(self
            .sign_digest(ctx, &key, &facts, digest.0, held, approval)
            .await?
            .0
            .to_rsv_bytes())
    }

    /// geth `data/validator`: EIP-191 version 0x00.
    pub async fn sign_validator_data(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        chain: &Chain,
        address: &str,
        validator: chain::Address,
        data: &[u8],
    ) -> Result<[u8; 65], NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        let key = self.resolve_signing_key(ctx, address)?;
        let digest = chain::eip191_validator_hash(validator, data);
        let facts = self.facts(ctx, Action::SignMessage, method, chain.id, &key);
        let held = || json!({"action": "data/validator", "chain_id": chain.id, "address": address, "validator": validator, "data": format!("0x{}", hex::encode(data))});
        Ok(self
            .sign_digest(ctx, &key, &facts, digest.0, held, None)
            .await?
            .0
            .to_rsv_bytes())
    }

    /// `eth_signTypedData_v4`: EIP-712. A domain naming another chain is refused.
    pub async fn sign_typed_data(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        chain: &Chain,
        address: &str,
        typed: &Value,
        approval: Option<&ApprovedRequest>,
    ) -> Result<[u8; 65], NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        let key = self.resolve_signing_key(ctx, address)?;
        let td = chain::typed_data_hash(typed)?;
        if let Some(requested) = td.domain_chain_id {
            if requested != chain.id {
                return Err(NodeError::ChainIdMismatch {
                    requested,
                    expected: chain.id,
                });
            }
        }
        let facts = self
            .facts(ctx, Action::SignTypedData, method, chain.id, &key)
            .with_typed_data(&td);
        let held = || json!({"action": "eth_signTypedData_v4", "chain_id": chain.id, "address": address, "typed": typed});
        Ok(self
            .sign_digest(ctx, &key, &facts, td.hash.0, held, approval)
            .await?
            .0
            .to_rsv_bytes())
    }

    fn check_chain(req: &mut TxRequest, chain: &Chain) -> Result<(), NodeError> {
        if let Some(requested) = req.chain_id() {
            if requested != chain.id {
                return Err(NodeError::ChainIdMismatch {
                    requested,
                    expected: chain.id,
                });
            }
        }
        req.set_chain_id(chain.id);
        Ok(())
    }

    fn sender(&self, ctx: &RequestCtx, req: &TxRequest) -> Result<KeyInfo, NodeError> {
        let from = req.from().ok_or_else(|| {
            NodeError::InvalidParams(
                "transaction field `from` is required: it names the key to sign with".into(),
            )
        })?;
        // Looked up by the lower-case form (the vault's index); the checksummed form, which
        // costs a Keccak hash, only for the error a user reads.
        self.resolve_signing_key(ctx, &format!("{from:#x}"))
            .map_err(|e| match e {
                NodeError::UnknownKey(_) => NodeError::UnknownKey(from.to_checksum(None)),
                other => other,
            })
    }

    /// `eth_signTransaction` / `account_signTransaction`: every field must be given (as geth
    /// requires), except `chainId`, which defaults to the endpoint's chain.
    pub async fn sign_transaction(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        chain: &Chain,
        mut req: TxRequest,
        raw_request: &Value,
        approval: Option<&ApprovedRequest>,
    ) -> Result<SignedTx, NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        Self::check_chain(&mut req, chain)?;
        let key = self.sender(ctx, &req)?;
        let unsigned = req.build(chain.id)?;
        let facts = self
            .facts(ctx, Action::SignTransaction, method, chain.id, &key)
            .with_tx(&req);
        let held =
            || json!({"action": "eth_signTransaction", "chain_id": chain.id, "tx": raw_request});
        let (sig, _) = self
            .sign_digest(ctx, &key, &facts, unsigned.signing_hash().0, held, approval)
            .await?;
        Ok(unsigned.into_signed(&sig))
    }

    /// Fills gas and fees the client left out, from the upstream node.
    async fn fill_gas_and_fees(&self, chain: &Chain, req: &mut TxRequest) -> Result<(), NodeError> {
        if !req.has_fees() {
            if req.wants_legacy_fees() {
                let price = chain.upstream.call_u128("eth_gasPrice", json!([])).await?;
                req.set_legacy_gas_price(price);
            } else {
                let block = chain
                    .upstream
                    .call("eth_getBlockByNumber", json!(["latest", false]))
                    .await?;
                match block
                    .get("baseFeePerGas")
                    .and_then(crate::upstream::parse_quantity)
                {
                    Some(base) => {
                        let tip = chain
                            .upstream
                            .call_u128("eth_maxPriorityFeePerGas", json!([]))
                            .await
                            .unwrap_or(1_000_000_000);
                        req.set_eip1559_fees(base.saturating_mul(2).saturating_add(tip), tip);
                    }
                    None => {
                        // Pre-London chain: legacy pricing.
                        let price = chain.upstream.call_u128("eth_gasPrice", json!([])).await?;
                        req.set_legacy_gas_price(price);
                    }
                }
            }
        }
        if req.gas().is_none() {
            let mut call = serde_json::Map::new();
            if let Some(from) = req.from() {
                call.insert("from".into(), json!(from));
            }
            if let Some(to) = req.to() {
                call.insert("to".into(), json!(to));
            }
            call.insert("value".into(), json!(format!("{:#x}", req.value())));
            call.insert("input".into(), json!(req.input()));
            let gas = chain
                .upstream
                .call_u128("eth_estimateGas", json!([Value::Object(call)]))
                .await?;
            req.set_gas(u64::try_from(gas).map_err(|_| {
                NodeError::InvalidParams("estimated gas does not fit in 64 bits".into())
            })?);
        }
        Ok(())
    }

    /// `eth_sendTransaction`: fills nonce, gas and fees, signs, forwards; returns the hash.
    /// Sends from one key are serialised on that key's nonce slot, so concurrent requests get
    /// contiguous nonces; any upstream error forgets the cached nonce and resyncs next time.
    pub async fn send_transaction(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        chain: &Chain,
        mut req: TxRequest,
        raw_request: &Value,
        approval: Option<&ApprovedRequest>,
    ) -> Result<Value, NodeError> {
        let method = "eth_sendTransaction";
        policy::authorize_method(&ctx.principal, method, MethodGroup::Send)?;
        Self::check_chain(&mut req, chain)?;
        let key = self.sender(ctx, &req)?;
        self.vault().check_usable(&key.id)?;
        // What approvers see and sign is the request as the client sent it.
        let held =
            || json!({"action": "eth_sendTransaction", "chain_id": chain.id, "tx": raw_request});
        self.fill_gas_and_fees(chain, &mut req).await?;
        let address = key.address.clone().unwrap_or_default();
        let slot = self.nonce_slot(&address, chain.id);
        let mut next = slot.lock().await;
        let assigned = match req.nonce() {
            Some(n) => n,
            None => {
                let n = match *next {
                    Some(n) => n,
                    None => {
                        let n = chain
                            .upstream
                            .call_u128("eth_getTransactionCount", json!([address, "pending"]))
                            .await?;
                        u64::try_from(n).map_err(|_| {
                            NodeError::Internal("upstream nonce does not fit in 64 bits".into())
                        })?
                    }
                };
                req.set_nonce(n);
                n
            }
        };
        let unsigned = req.build(chain.id)?;
        let facts = self
            .facts(ctx, Action::SendTransaction, method, chain.id, &key)
            .with_tx(&req);
        let (sig, reservation) = self
            .sign_digest(ctx, &key, &facts, unsigned.signing_hash().0, held, approval)
            .await?;
        let signed = unsigned.into_signed(&sig);
        match chain
            .upstream
            .call("eth_sendRawTransaction", json!([signed.raw()]))
            .await
        {
            Ok(hash) => {
                *next = Some(next.map_or(assigned.saturating_add(1), |n| {
                    n.max(assigned.saturating_add(1))
                }));
                Ok(hash)
            }
            Err(e) => {
                *next = None;
                // The node explicitly refused it: nothing moved, give the budget back. (On a
                // timeout the transaction may be out there, so the budget stays spent.)
                if let (crate::UpstreamError::Rpc { .. }, Some(r)) = (&e, reservation) {
                    self.policy().release(r);
                }
                Err(e.into())
            }
        }
    }

    /// `eth_sendRawTransaction`: decoded, checked (chain id, sender key frozen, policy when the
    /// sender is a Palisade key), audited and forwarded.
    pub async fn send_raw_transaction(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        chain: &Chain,
        raw: &[u8],
    ) -> Result<Value, NodeError> {
        let method = "eth_sendRawTransaction";
        policy::authorize_method(&ctx.principal, method, MethodGroup::Send)?;
        let tx = chain::decode_raw_tx(raw)?;
        if let Some(requested) = tx.chain_id {
            if requested != chain.id {
                return Err(NodeError::ChainIdMismatch {
                    requested,
                    expected: chain.id,
                });
            }
        }
        let mut record = Self::base_record(ctx, method);
        record.digest = Some(hex::encode(tx.hash));
        // A transaction signed by a key Palisade holds must not slip past its policy: frozen
        // keys, caps, lists and budgets apply as if Palisade had signed it.
        if let Ok(key) = self.vault().get(&tx.sender.to_checksum(None)) {
            if key.status == KeyStatus::Frozen {
                return Err(NodeError::Frozen(key.id));
            }
            let facts = self
                .facts(ctx, Action::SendRawTransaction, method, chain.id, &key)
                .with_raw(&tx);
            let eval = self.policy().evaluate(&ctx.principal, &facts);
            if !eval.rules.denials.is_empty() {
                let reasons: Vec<String> = eval
                    .rules
                    .denials
                    .iter()
                    .map(|(id, why)| format!("rule `{id}`: {why}"))
                    .collect();
                record.decision = "deny".into();
                record.reasons = reasons.clone();
                self.audit_in_background(record);
                return Err(policy::Denied::Policy { reasons }.into());
            }
        }
        record.decision = "allow".into();
        record.reasons = vec![format!(
            "sender {} forwards a signed transaction",
            tx.sender
        )];
        self.audit().append(record).await?;
        let sent = chain
            .upstream
            .call(
                "eth_sendRawTransaction",
                json!([format!("0x{}", hex::encode(raw))]),
            )
            .await?;
        // Our cached nonce for this sender is stale now.
        self.nonces
            .lock()
            .remove(&(tx.sender.to_checksum(None).to_ascii_lowercase(), chain.id));
        Ok(sent)
    }

    /// Forwards a method the firewall allowed, auditing it in the background.
    pub async fn forward(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        chain: &Chain,
        method: &str,
        params: &Value,
    ) -> Result<Box<serde_json::value::RawValue>, NodeError> {
        self.admit_forward(ctx, method)?;
        Ok(chain.upstream.call_raw(method, params).await?)
    }

    /// The checks and the audit record of a forwarded read-only method, for callers that
    /// carry the request to the node themselves (the WebSocket passthrough).
    pub fn admit_forward(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
    ) -> Result<(), NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Read)?;
        let mut record = Self::base_record(ctx, method);
        record.decision = "allow".into();
        record.reasons = vec!["read-only method allowed by the RPC firewall".into()];
        self.audit_in_background(record);
        Ok(())
    }

    /// Audits a request refused before reaching a key (firewall, bad input).
    pub fn audit_refusal(self: &Arc<Self>, ctx: Option<&RequestCtx>, method: &str, reason: &str) {
        let record = AuditRecord {
            kind: "request".into(),
            principal: ctx.map(|c| c.principal.credential_id.clone()),
            source: ctx.and_then(|c| c.source.clone()),
            action: method.chars().take(128).collect(),
            decision: "deny".into(),
            reasons: vec![reason.chars().take(512).collect()],
            ..Default::default()
        };
        self.audit_in_background(record);
    }
}

/// One line approvers read before they sign.
fn summarize(f: &Facts) -> String {
    let mut s = format!("{} with key {} on chain {}", f.method, f.key_id, f.chain_id);
    if let Some(to) = f.to {
        s.push_str(&format!(" to {to}"));
    }
    if !f.value.is_zero() {
        s.push_str(&format!(" value {} wei", f.value));
    }
    if let Some(op) = &f.token_op {
        s.push_str(&format!(
            " ({:?} {} of token {} to {})",
            op.kind, op.amount, op.token, op.counterparty
        ));
    }
    s
}
