//! The signing operations behind the Ethereum JSON-RPC methods, all through one path:
//! resolve key → check it is usable → authorize (policy) → durable audit (fail closed) →
//! sign → audit the result in the background.

use std::sync::Arc;
use std::time::Instant;

use palisade_audit::AuditRecord;
use palisade_chain::{self as chain, RecoverableSignature, SignedTx, TxRequest};
use palisade_policy::{self as policy, MethodGroup, SigningIntent};
use palisade_vault::{KeyInfo, KeyStatus, KeyType};
use serde_json::{json, Value};

use crate::{Chain, Node, NodeError, RequestCtx};

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

    /// The one signing path. Returns a recoverable signature over `digest`.
    pub async fn sign_digest(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        group: MethodGroup,
        key: &KeyInfo,
        digest: [u8; 32],
        chain_id: Option<u64>,
    ) -> Result<RecoverableSignature, NodeError> {
        let started = Instant::now();
        let mut record = Self::base_record(ctx, method);
        record.resource = Some(key.id.clone());
        record.digest = Some(hex::encode(digest));

        let deny = |record: &mut AuditRecord, reason: String| {
            record.decision = "deny".into();
            record.reasons = vec![reason];
            record.duration_us = Some(started.elapsed().as_micros() as u64);
        };
        if let Err(e) = self.vault().check_usable(&key.id) {
            let e: NodeError = e.into();
            deny(&mut record, e.to_string());
            self.audit_in_background(record);
            return Err(e);
        }
        let intent = SigningIntent {
            method,
            group,
            key_id: &key.id,
            digest,
            chain_id,
        };
        let approved = match policy::authorize(&ctx.principal, &intent) {
            Ok(a) => a,
            Err(d) => {
                deny(&mut record, d.to_string());
                self.audit_in_background(record);
                return Err(d.into());
            }
        };
        record.decision = "allow".into();
        record.reasons = approved.reasons().to_vec();
        // INVARIANT: the request is durably in the audit log before the key is touched.
        let audited = self.audit().audit_signing(record, &key.id, digest).await?;
        let (sig, recid) = self.vault().sign_secp256k1(&approved, &audited)?;
        let mut result = Self::base_record(ctx, method);
        result.kind = "result".into();
        result.resource = Some(key.id.clone());
        result.decision = "allow".into();
        result.outcome = Some(format!("signed (request #{})", audited.seq()));
        result.duration_us = Some(started.elapsed().as_micros() as u64);
        self.audit_in_background(result);
        Ok(RecoverableSignature::from_k256(&sig, recid))
    }

    /// `personal_sign` / `eth_sign` / geth `text/plain`: EIP-191 personal message.
    pub async fn sign_personal_message(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        address: &str,
        message: &[u8],
    ) -> Result<[u8; 65], NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        let key = self.resolve_signing_key(ctx, address)?;
        let digest = chain::eip191_personal_hash(message);
        Ok(self
            .sign_digest(ctx, method, MethodGroup::Sign, &key, digest.0, None)
            .await?
            .to_rsv_bytes())
    }

    /// geth `data/validator`: EIP-191 version 0x00.
    pub async fn sign_validator_data(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        address: &str,
        validator: chain::Address,
        data: &[u8],
    ) -> Result<[u8; 65], NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        let key = self.resolve_signing_key(ctx, address)?;
        let digest = chain::eip191_validator_hash(validator, data);
        Ok(self
            .sign_digest(ctx, method, MethodGroup::Sign, &key, digest.0, None)
            .await?
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
        Ok(self
            .sign_digest(
                ctx,
                method,
                MethodGroup::Sign,
                &key,
                td.hash.0,
                Some(chain.id),
            )
            .await?
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
        self.resolve_signing_key(ctx, &from.to_checksum(None))
    }

    /// `eth_signTransaction` / `account_signTransaction`: every field must be given (as geth
    /// requires), except `chainId`, which defaults to the endpoint's chain.
    pub async fn sign_transaction(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        method: &str,
        chain: &Chain,
        mut req: TxRequest,
    ) -> Result<SignedTx, NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Sign)?;
        Self::check_chain(&mut req, chain)?;
        let key = self.sender(ctx, &req)?;
        let unsigned = req.build(chain.id)?;
        let sig = self
            .sign_digest(
                ctx,
                method,
                MethodGroup::Sign,
                &key,
                unsigned.signing_hash().0,
                Some(chain.id),
            )
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
    ) -> Result<Value, NodeError> {
        let method = "eth_sendTransaction";
        policy::authorize_method(&ctx.principal, method, MethodGroup::Send)?;
        Self::check_chain(&mut req, chain)?;
        let key = self.sender(ctx, &req)?;
        self.vault().check_usable(&key.id)?;
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
        let sig = self
            .sign_digest(
                ctx,
                method,
                MethodGroup::Send,
                &key,
                unsigned.signing_hash().0,
                Some(chain.id),
            )
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
                Err(e.into())
            }
        }
    }

    /// `eth_sendRawTransaction`: decoded, checked (chain id, sender key frozen), audited and
    /// forwarded.
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
        // A transaction signed elsewhere by a key Palisade holds (e.g. before it was frozen)
        // must not slip out while the key is frozen.
        if let Ok(key) = self.vault().get(&tx.sender.to_checksum(None)) {
            if key.status == KeyStatus::Frozen {
                return Err(NodeError::Frozen(key.id));
            }
        }
        let mut record = Self::base_record(ctx, method);
        record.decision = "allow".into();
        record.digest = Some(hex::encode(tx.hash));
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
        params: Value,
    ) -> Result<Value, NodeError> {
        policy::authorize_method(&ctx.principal, method, MethodGroup::Read)?;
        let mut record = Self::base_record(ctx, method);
        record.decision = "allow".into();
        record.reasons = vec!["read-only method allowed by the RPC firewall".into()];
        self.audit_in_background(record);
        Ok(chain.upstream.call(method, params).await?)
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
