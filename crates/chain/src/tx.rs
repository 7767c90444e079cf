//! Transaction requests (what clients send to `eth_signTransaction`, `eth_sendTransaction` and
//! geth's `account_signTransaction`), the unsigned transactions built from them, their signed
//! encodings, and decoding of raw signed transactions (`eth_sendRawTransaction`).

use alloy_consensus::{
    SignableTransaction, Signed, Transaction, TxEip1559, TxEip2930, TxEip4844, TxEip4844Variant,
    TxEip7702, TxEnvelope, TxLegacy, TypedTransaction,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718, Typed2718};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use serde_json::{json, Map, Value};

use crate::error::{shown, ChainError};
use crate::json::{self, invalid, kind};
use crate::signature::RecoverableSignature;

/// Largest `data`/`input` accepted in a transaction request, in bytes.
pub const MAX_INPUT_BYTES: usize = 512 * 1024;
/// Largest raw signed transaction accepted by [`decode_raw_tx`], in bytes. Room for a blob
/// transaction in network form (sidecar included) with up to 9 blobs.
pub const MAX_RAW_TX_BYTES: usize = 2 * 1024 * 1024;
/// Most entries in an `accessList`.
const MAX_ACCESS_LIST_ENTRIES: usize = 1024;
/// Most storage keys across all entries of an `accessList`.
const MAX_STORAGE_KEYS: usize = 16 * 1024;
/// Most entries in an `authorizationList`.
const MAX_AUTHORIZATIONS: usize = 256;
/// Most entries in `blobVersionedHashes`.
const MAX_BLOB_HASHES: usize = 16;

const LEGACY: u8 = 0;
const EIP2930: u8 = 1;
const EIP1559: u8 = 2;
const EIP4844: u8 = 3;
const EIP7702: u8 = 4;

/// A transaction request as a client sent it, validated field by field. Fields the gateway fills
/// (nonce, gas, fees, chain id) may be missing until [`TxRequest::build`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxRequest {
    from: Option<Address>,
    to: Option<Address>,
    gas: Option<u64>,
    gas_price: Option<u128>,
    max_fee_per_gas: Option<u128>,
    max_priority_fee_per_gas: Option<u128>,
    max_fee_per_blob_gas: Option<u128>,
    blob_versioned_hashes: Option<Vec<B256>>,
    value: U256,
    input: Bytes,
    nonce: Option<u64>,
    chain_id: Option<u64>,
    tx_type: Option<u8>,
    access_list: Option<AccessList>,
    authorization_list: Option<Vec<SignedAuthorization>>,
}

/// Parses a transaction request object.
///
/// Accepted fields: `from`, `to`, `gas` (alias `gasLimit`), `gasPrice`, `maxFeePerGas`,
/// `maxPriorityFeePerGas`, `maxFeePerBlobGas`, `blobVersionedHashes`, `value`, `data`, `input`,
/// `nonce`, `chainId`, `type`, `accessList`, `authorizationList` — the union of what ethers v6
/// (`getRpcTransaction`), viem (`formatTransactionRequest`), web3.py and geth's `SendTxArgs`
/// send. `null` means absent. Blob sidecar fields (`blobs`, `commitments`, `proofs`) are
/// recognised and refused with [`ChainError::Unsupported`]; anything else is
/// [`ChainError::UnknownField`].
pub fn parse_tx_request(v: &Value) -> Result<TxRequest, ChainError> {
    let Value::Object(map) = v else {
        return Err(ChainError::RequestNotObject(kind(v)));
    };
    let mut req = TxRequest::default();
    let mut data: Option<Bytes> = None;
    let mut input: Option<Bytes> = None;
    let mut gas: Option<u64> = None;
    let mut gas_limit: Option<u64> = None;
    for (key, val) in map {
        let known = matches!(
            key.as_str(),
            "from"
                | "to"
                | "gas"
                | "gasLimit"
                | "gasPrice"
                | "maxFeePerGas"
                | "maxPriorityFeePerGas"
                | "maxFeePerBlobGas"
                | "blobVersionedHashes"
                | "value"
                | "data"
                | "input"
                | "nonce"
                | "chainId"
                | "type"
                | "accessList"
                | "authorizationList"
                | "blobs"
                | "commitments"
                | "proofs"
        );
        if !known {
            return Err(ChainError::UnknownField(shown(key)));
        }
        if val.is_null() {
            continue;
        }
        let f = key.as_str();
        match f {
            "from" => req.from = Some(json::address(val, f)?),
            "to" => req.to = Some(json::address(val, f)?),
            "gas" => gas = Some(json::u64_of(val, f)?),
            "gasLimit" => gas_limit = Some(json::u64_of(val, f)?),
            "gasPrice" => req.gas_price = Some(json::u128_of(val, f)?),
            "maxFeePerGas" => req.max_fee_per_gas = Some(json::u128_of(val, f)?),
            "maxPriorityFeePerGas" => req.max_priority_fee_per_gas = Some(json::u128_of(val, f)?),
            "maxFeePerBlobGas" => req.max_fee_per_blob_gas = Some(json::u128_of(val, f)?),
            "blobVersionedHashes" => req.blob_versioned_hashes = Some(parse_blob_hashes(val)?),
            "value" => req.value = json::quantity(val, f)?,
            "data" => data = Some(json::bytes(val, f, MAX_INPUT_BYTES)?),
            "input" => input = Some(json::bytes(val, f, MAX_INPUT_BYTES)?),
            "nonce" => req.nonce = Some(json::u64_of(val, f)?),
            "chainId" => req.chain_id = Some(json::u64_of(val, f)?),
            "type" => {
                let t = json::quantity(val, f)?;
                req.tx_type = match u8::try_from(t) {
                    Ok(t) if t <= EIP7702 => Some(t),
                    _ => return Err(ChainError::UnsupportedTxType(format!("{t:#x}"))),
                };
            }
            "accessList" => req.access_list = Some(parse_access_list(val)?),
            "authorizationList" => req.authorization_list = Some(parse_authorizations(val)?),
            _ => {
                return Err(ChainError::Unsupported(
                    "blob sidecars (`blobs`, `commitments`, `proofs`) are not supported; send \
                     `blobVersionedHashes` and `maxFeePerBlobGas` only and attach the sidecar \
                     when broadcasting",
                ))
            }
        }
    }
    req.input = match (data, input) {
        (Some(d), Some(i)) if d != i => {
            return Err(ChainError::ConflictingFields {
                first: "data",
                second: "input",
                reason: "both are present and differ; send only one of them",
            })
        }
        (Some(d), _) => d,
        (None, Some(i)) => i,
        (None, None) => Bytes::new(),
    };
    req.gas = match (gas, gas_limit) {
        (Some(g), Some(l)) if g != l => {
            return Err(ChainError::ConflictingFields {
                first: "gas",
                second: "gasLimit",
                reason: "both are present and differ; send only one of them",
            })
        }
        (g, l) => g.or(l),
    };
    req.check_consistency()?;
    Ok(req)
}

fn array<'a>(v: &'a Value, field: &str, max: usize) -> Result<&'a [Value], ChainError> {
    let Value::Array(items) = v else {
        return Err(invalid(
            field,
            format!("expected an array, got {}", kind(v)),
        ));
    };
    if items.len() > max {
        return Err(invalid(
            field,
            format!("{} entries is more than the limit of {max}", items.len()),
        ));
    }
    Ok(items)
}

fn object<'a>(
    v: &'a Value,
    field: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, ChainError> {
    let Value::Object(map) = v else {
        return Err(invalid(
            field,
            format!("expected an object, got {}", kind(v)),
        ));
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ChainError::UnknownField(format!("{field}.{}", shown(k))));
    }
    Ok(map)
}

fn required<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    key: &str,
) -> Result<&'a Value, ChainError> {
    match map.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(invalid(&format!("{field}.{key}"), "is required")),
    }
}

fn parse_blob_hashes(v: &Value) -> Result<Vec<B256>, ChainError> {
    let items = array(v, "blobVersionedHashes", MAX_BLOB_HASHES)?;
    items
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let field = format!("blobVersionedHashes[{i}]");
            let hash = json::b256(h, &field)?;
            if hash[0] != alloy_eips::eip4844::VERSIONED_HASH_VERSION_KZG {
                return Err(invalid(
                    &field,
                    "a versioned hash must start with the version byte 0x01",
                ));
            }
            Ok(hash)
        })
        .collect()
}

fn parse_access_list(v: &Value) -> Result<AccessList, ChainError> {
    let items = array(v, "accessList", MAX_ACCESS_LIST_ENTRIES)?;
    let mut keys_total = 0usize;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("accessList[{i}]");
        let map = object(item, &field, &["address", "storageKeys"])?;
        let address = json::address(
            required(map, &field, "address")?,
            &format!("{field}.address"),
        )?;
        let keys_field = format!("{field}.storageKeys");
        let keys = match map.get("storageKeys") {
            None | Some(Value::Null) => Vec::new(),
            Some(k) => {
                let keys = array(k, &keys_field, MAX_STORAGE_KEYS)?;
                keys_total += keys.len();
                if keys_total > MAX_STORAGE_KEYS {
                    return Err(invalid(
                        "accessList",
                        format!("more than {MAX_STORAGE_KEYS} storage keys in total"),
                    ));
                }
                keys.iter()
                    .enumerate()
                    .map(|(j, k)| json::b256(k, &format!("{keys_field}[{j}]")))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        out.push(AccessListItem {
            address,
            storage_keys: keys,
        });
    }
    Ok(AccessList(out))
}

fn parse_authorizations(v: &Value) -> Result<Vec<SignedAuthorization>, ChainError> {
    let items = array(v, "authorizationList", MAX_AUTHORIZATIONS)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("authorizationList[{i}]");
            let map = object(
                item,
                &field,
                &["chainId", "address", "nonce", "yParity", "v", "r", "s"],
            )?;
            let sub = |k: &str| format!("{field}.{k}");
            let chain_id = json::quantity(required(map, &field, "chainId")?, &sub("chainId"))?;
            let address = json::address(required(map, &field, "address")?, &sub("address"))?;
            let nonce = json::u64_of(required(map, &field, "nonce")?, &sub("nonce"))?;
            let r = json::quantity(required(map, &field, "r")?, &sub("r"))?;
            let s = json::quantity(required(map, &field, "s")?, &sub("s"))?;
            // viem sends `v` (27/28 or 0/1) when the authorization has no `yParity`.
            let y_parity = match (map.get("yParity").filter(|v| !v.is_null()), map.get("v")) {
                (Some(y), _) => match json::u64_of(y, &sub("yParity"))? {
                    p @ (0 | 1) => p as u8,
                    other => {
                        return Err(invalid(&sub("yParity"), format!("`{other}` is not 0 or 1")))
                    }
                },
                (None, Some(v)) if !v.is_null() => match json::u64_of(v, &sub("v"))? {
                    p @ (0 | 1) => p as u8,
                    p @ (27 | 28) => (p - 27) as u8,
                    other => {
                        return Err(invalid(
                            &sub("v"),
                            format!("`{other}` is not 0, 1, 27 or 28"),
                        ))
                    }
                },
                _ => return Err(invalid(&sub("yParity"), "is required")),
            };
            Ok(SignedAuthorization::new_unchecked(
                Authorization {
                    chain_id,
                    address,
                    nonce,
                },
                y_parity,
                r,
                s,
            ))
        })
        .collect()
}

impl TxRequest {
    /// The sender the client named, if any.
    pub fn from(&self) -> Option<Address> {
        self.from
    }
    /// The recipient; `None` means contract creation.
    pub fn to(&self) -> Option<Address> {
        self.to
    }
    /// The chain id the client named, if any.
    pub fn chain_id(&self) -> Option<u64> {
        self.chain_id
    }
    /// Value in wei (zero when absent).
    pub fn value(&self) -> U256 {
        self.value
    }
    /// Call data (`data` or `input`).
    pub fn input(&self) -> &Bytes {
        &self.input
    }
    /// The nonce, if given or filled.
    pub fn nonce(&self) -> Option<u64> {
        self.nonce
    }
    /// The gas limit, if given or filled.
    pub fn gas(&self) -> Option<u64> {
        self.gas
    }
    /// `gasPrice`, if given or filled.
    pub fn gas_price(&self) -> Option<u128> {
        self.gas_price
    }
    /// `maxFeePerGas`, if given or filled.
    pub fn max_fee_per_gas(&self) -> Option<u128> {
        self.max_fee_per_gas
    }
    /// `maxPriorityFeePerGas`, if given or filled.
    pub fn max_priority_fee_per_gas(&self) -> Option<u128> {
        self.max_priority_fee_per_gas
    }
    /// `maxFeePerBlobGas`, if given.
    pub fn max_fee_per_blob_gas(&self) -> Option<u128> {
        self.max_fee_per_blob_gas
    }
    /// `blobVersionedHashes` (empty when absent).
    pub fn blob_versioned_hashes(&self) -> &[B256] {
        self.blob_versioned_hashes.as_deref().unwrap_or_default()
    }
    /// The signed EIP-7702 authorizations (empty when absent).
    pub fn authorization_list(&self) -> &[SignedAuthorization] {
        self.authorization_list.as_deref().unwrap_or_default()
    }
    /// The access list, if any.
    pub fn access_list(&self) -> Option<&AccessList> {
        self.access_list.as_ref()
    }

    /// True when the fees are complete: `gasPrice`, or both `maxFeePerGas` and
    /// `maxPriorityFeePerGas`.
    pub fn has_fees(&self) -> bool {
        self.gas_price.is_some()
            || (self.max_fee_per_gas.is_some() && self.max_priority_fee_per_gas.is_some())
    }

    /// True when the fees to fill are legacy ones: `gasPrice` was given or type 0/1 requested.
    pub fn wants_legacy_fees(&self) -> bool {
        self.gas_price.is_some() || matches!(self.tx_type, Some(LEGACY | EIP2930))
    }

    /// The transaction type that [`TxRequest::build`] produces: the explicit `type`, else
    /// inferred (authorizationList → 4, blob fields → 3, EIP-1559 fees → 2, an accessList (even
    /// empty) with gasPrice → 1, gasPrice → 0, no fees yet → 2).
    pub fn tx_type(&self) -> u8 {
        if let Some(t) = self.tx_type {
            t
        } else if self.authorization_list.is_some() {
            EIP7702
        } else if self.blob_versioned_hashes.is_some() || self.max_fee_per_blob_gas.is_some() {
            EIP4844
        } else if self.max_fee_per_gas.is_some() || self.max_priority_fee_per_gas.is_some() {
            EIP1559
        } else if self.gas_price.is_some() {
            // A present `accessList`, even an empty one, selects EIP-2930: that is how geth's
            // SendTxArgs, ethers, viem and eth-account all infer the type.
            if self.access_list.is_some() {
                EIP2930
            } else {
                LEGACY
            }
        } else {
            EIP1559
        }
    }

    /// Sets the nonce (filled from the upstream node for `eth_sendTransaction`).
    pub fn set_nonce(&mut self, n: u64) {
        self.nonce = Some(n);
    }
    /// Sets the gas limit.
    pub fn set_gas(&mut self, g: u64) {
        self.gas = Some(g);
    }
    /// Sets the chain id.
    pub fn set_chain_id(&mut self, id: u64) {
        self.chain_id = Some(id);
    }
    /// Sets `gasPrice`, clearing any EIP-1559 fees so the request stays consistent.
    pub fn set_legacy_gas_price(&mut self, p: u128) {
        self.gas_price = Some(p);
        self.max_fee_per_gas = None;
        self.max_priority_fee_per_gas = None;
    }
    /// Sets the EIP-1559 fees, clearing any `gasPrice` so the request stays consistent.
    pub fn set_eip1559_fees(&mut self, max_fee: u128, max_priority: u128) {
        self.max_fee_per_gas = Some(max_fee);
        self.max_priority_fee_per_gas = Some(max_priority);
        self.gas_price = None;
    }

    /// Rejects field combinations no transaction type can carry.
    fn check_consistency(&self) -> Result<(), ChainError> {
        if self.gas_price.is_some() {
            let second = if self.max_fee_per_gas.is_some() {
                Some("maxFeePerGas")
            } else if self.max_priority_fee_per_gas.is_some() {
                Some("maxPriorityFeePerGas")
            } else {
                None
            };
            if let Some(second) = second {
                return Err(ChainError::ConflictingFields {
                    first: "gasPrice",
                    second,
                    reason: "legacy and EIP-1559 fees cannot be combined; send one kind",
                });
            }
        }
        if let (Some(max), Some(prio)) = (self.max_fee_per_gas, self.max_priority_fee_per_gas) {
            if prio > max {
                return Err(ChainError::ConflictingFields {
                    first: "maxPriorityFeePerGas",
                    second: "maxFeePerGas",
                    reason: "the priority fee must not exceed the max fee",
                });
            }
        }
        let t = self.tx_type();
        let mismatch = |reason| Err(ChainError::TypeMismatch { tx_type: t, reason });
        let has_1559_fees =
            self.max_fee_per_gas.is_some() || self.max_priority_fee_per_gas.is_some();
        let has_blob_fields =
            self.blob_versioned_hashes.is_some() || self.max_fee_per_blob_gas.is_some();
        match t {
            LEGACY if self.access_list.as_ref().is_some_and(|l| !l.0.is_empty()) => {
                mismatch("cannot carry an `accessList`; use type 0x1 or 0x2")
            }
            LEGACY | EIP2930 if has_1559_fees => {
                mismatch("takes `gasPrice`, not `maxFeePerGas`/`maxPriorityFeePerGas`")
            }
            EIP1559 | EIP4844 | EIP7702 if self.gas_price.is_some() => {
                mismatch("takes `maxFeePerGas` and `maxPriorityFeePerGas`, not `gasPrice`")
            }
            LEGACY | EIP2930 | EIP1559 | EIP7702 if has_blob_fields => {
                mismatch("cannot carry `blobVersionedHashes` or `maxFeePerBlobGas`; use type 0x3")
            }
            LEGACY | EIP2930 | EIP1559 | EIP4844 if self.authorization_list.is_some() => {
                mismatch("cannot carry an `authorizationList`; use type 0x4")
            }
            EIP4844 if self.to.is_none() => {
                mismatch("needs a `to` address: blob transactions cannot create contracts")
            }
            EIP4844 if self.blob_versioned_hashes().is_empty() => {
                mismatch("needs a non-empty `blobVersionedHashes`")
            }
            EIP7702 if self.to.is_none() => {
                mismatch("needs a `to` address: EIP-7702 transactions cannot create contracts")
            }
            EIP7702 if self.authorization_list().is_empty() => {
                mismatch("needs a non-empty `authorizationList`")
            }
            _ => Ok(()),
        }
    }

    /// Builds the unsigned transaction for the chain the gateway signs for.
    ///
    /// A request naming another chain is [`ChainError::ChainIdMismatch`]; a missing nonce, gas
    /// limit or fee is [`ChainError::MissingField`] naming it. Legacy transactions always use
    /// EIP-155 replay protection.
    pub fn build(&self, chain_id: u64) -> Result<UnsignedTx, ChainError> {
        if let Some(requested) = self.chain_id {
            if requested != chain_id {
                return Err(ChainError::ChainIdMismatch {
                    requested,
                    expected: chain_id,
                });
            }
        }
        self.check_consistency()?;
        let nonce = self.nonce.ok_or(ChainError::MissingField {
            field: "nonce",
            hint: "send `nonce`, or use eth_sendTransaction to have the gateway fill it",
        })?;
        let gas_limit = self.gas.ok_or(ChainError::MissingField {
            field: "gas",
            hint: "send `gas` (or `gasLimit`), or use eth_sendTransaction to have it estimated",
        })?;
        let gas_price = || {
            self.gas_price.ok_or(ChainError::MissingField {
                field: "gasPrice",
                hint: "type 0x0 and 0x1 transactions need `gasPrice`",
            })
        };
        let max_fee = || {
            self.max_fee_per_gas.ok_or(ChainError::MissingField {
                field: "maxFeePerGas",
                hint: "send `maxFeePerGas` and `maxPriorityFeePerGas`, or `gasPrice` for a legacy transaction",
            })
        };
        let max_priority = || {
            self.max_priority_fee_per_gas.ok_or(ChainError::MissingField {
                field: "maxPriorityFeePerGas",
                hint: "send `maxFeePerGas` and `maxPriorityFeePerGas`, or `gasPrice` for a legacy transaction",
            })
        };
        let kind = self.to.map_or(TxKind::Create, TxKind::Call);
        let access_list = self.access_list.clone().unwrap_or_default();
        let input = self.input.clone();
        let value = self.value;
        let tx: TypedTransaction = match self.tx_type() {
            LEGACY => TxLegacy {
                chain_id: Some(chain_id),
                nonce,
                gas_price: gas_price()?,
                gas_limit,
                to: kind,
                value,
                input,
            }
            .into(),
            EIP2930 => TxEip2930 {
                chain_id,
                nonce,
                gas_price: gas_price()?,
                gas_limit,
                to: kind,
                value,
                access_list,
                input,
            }
            .into(),
            EIP1559 => TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: max_fee()?,
                max_priority_fee_per_gas: max_priority()?,
                to: kind,
                value,
                access_list,
                input,
            }
            .into(),
            EIP4844 => {
                // INVARIANT: check_consistency guarantees `to` and the hashes for type 3.
                let to = self.to.ok_or(ChainError::TypeMismatch {
                    tx_type: EIP4844,
                    reason: "needs a `to` address: blob transactions cannot create contracts",
                })?;
                let tx = TxEip4844 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: max_fee()?,
                    max_priority_fee_per_gas: max_priority()?,
                    to,
                    value,
                    access_list,
                    blob_versioned_hashes: self.blob_versioned_hashes().to_vec(),
                    max_fee_per_blob_gas: self.max_fee_per_blob_gas.ok_or(
                        ChainError::MissingField {
                            field: "maxFeePerBlobGas",
                            hint: "blob transactions need `maxFeePerBlobGas`",
                        },
                    )?,
                    input,
                };
                TypedTransaction::Eip4844(TxEip4844Variant::TxEip4844(tx))
            }
            EIP7702 => {
                let to = self.to.ok_or(ChainError::TypeMismatch {
                    tx_type: EIP7702,
                    reason: "needs a `to` address: EIP-7702 transactions cannot create contracts",
                })?;
                TxEip7702 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: max_fee()?,
                    max_priority_fee_per_gas: max_priority()?,
                    to,
                    value,
                    access_list,
                    authorization_list: self.authorization_list().to_vec(),
                    input,
                }
                .into()
            }
            other => return Err(ChainError::UnsupportedTxType(format!("{other:#x}"))),
        };
        Ok(UnsignedTx(tx))
    }
}

/// An unsigned transaction of one of the five supported types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedTx(TypedTransaction);

impl UnsignedTx {
    /// The EIP-2718 type byte (0 for legacy).
    pub fn tx_type(&self) -> u8 {
        self.0.ty()
    }
    /// The 32-byte hash to sign (EIP-155 for legacy, `keccak256(type ‖ rlp(fields))` otherwise).
    pub fn signing_hash(&self) -> B256 {
        self.0.signature_hash()
    }
    /// The alloy transaction, for policy rules that need every field.
    pub fn as_alloy(&self) -> &TypedTransaction {
        &self.0
    }
    /// Attaches the signature.
    pub fn into_signed(self, sig: &RecoverableSignature) -> SignedTx {
        let signed: Signed<TypedTransaction> = self.0.into_signed(sig.to_alloy());
        SignedTx(TxEnvelope::from(signed))
    }
}

/// A signed transaction, ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx(TxEnvelope);

impl SignedTx {
    /// EIP-2718 encoding (legacy: plain RLP with the EIP-155 `v`): what `eth_signTransaction`
    /// returns and `eth_sendRawTransaction` takes.
    pub fn raw(&self) -> Bytes {
        self.0.encoded_2718().into()
    }
    /// The transaction hash.
    pub fn hash(&self) -> B256 {
        *self.0.tx_hash()
    }
    /// The EIP-2718 type byte.
    pub fn tx_type(&self) -> u8 {
        self.0.ty()
    }
    /// The alloy envelope.
    pub fn as_alloy(&self) -> &TxEnvelope {
        &self.0
    }

    /// The `tx` object of geth's `account_signTransaction` answer, in the shape geth's
    /// `types.Transaction` JSON decoder reads: every quantity as `0x` hex.
    pub fn to_geth_json(&self) -> Value {
        let tx = &self.0;
        let sig = tx.signature();
        let ty = tx.ty();
        let mut m = Map::new();
        m.insert("type".into(), hex_u64(u64::from(ty)));
        if let Some(id) = tx.chain_id() {
            m.insert("chainId".into(), hex_u64(id));
        }
        m.insert("nonce".into(), hex_u64(tx.nonce()));
        m.insert("gas".into(), hex_u64(tx.gas_limit()));
        match ty {
            LEGACY | EIP2930 => {
                m.insert(
                    "gasPrice".into(),
                    hex_u128(tx.gas_price().unwrap_or_default()),
                );
            }
            _ => {
                m.insert("maxFeePerGas".into(), hex_u128(tx.max_fee_per_gas()));
                m.insert(
                    "maxPriorityFeePerGas".into(),
                    hex_u128(tx.max_priority_fee_per_gas().unwrap_or_default()),
                );
            }
        }
        m.insert(
            "to".into(),
            tx.to().map_or(Value::Null, |a| Value::String(lower(&a))),
        );
        m.insert("value".into(), hex_u256(tx.value()));
        m.insert("input".into(), Value::String(tx.input().to_string()));
        if ty != LEGACY {
            let list = tx.access_list().map(|l| l.0.as_slice()).unwrap_or_default();
            m.insert("accessList".into(), access_list_json(list));
        }
        if let Some(fee) = tx.max_fee_per_blob_gas() {
            m.insert("maxFeePerBlobGas".into(), hex_u128(fee));
        }
        if let Some(hashes) = tx.blob_versioned_hashes() {
            m.insert(
                "blobVersionedHashes".into(),
                hashes
                    .iter()
                    .map(|h| Value::String(h.to_string()))
                    .collect(),
            );
        }
        if let Some(auths) = tx.authorization_list() {
            m.insert(
                "authorizationList".into(),
                auths
                    .iter()
                    .map(|a| {
                        json!({
                            "chainId": hex_u256(a.chain_id),
                            "address": lower(&a.address),
                            "nonce": hex_u64(a.nonce),
                            "yParity": hex_u64(u64::from(a.y_parity())),
                            "r": hex_u256(a.r()),
                            "s": hex_u256(a.s()),
                        })
                    })
                    .collect(),
            );
        }
        let parity = u64::from(sig.v());
        let v = if ty == LEGACY {
            // EIP-155: v = 35 + 2·chainId + parity (27 + parity without a chain id).
            tx.chain_id().map_or(27 + parity, |id| 35 + 2 * id + parity)
        } else {
            m.insert("yParity".into(), hex_u64(parity));
            parity
        };
        m.insert("v".into(), hex_u64(v));
        m.insert("r".into(), hex_u256(sig.r()));
        m.insert("s".into(), hex_u256(sig.s()));
        m.insert("hash".into(), Value::String(self.hash().to_string()));
        Value::Object(m)
    }
}

fn hex_u64(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}
fn hex_u128(n: u128) -> Value {
    Value::String(format!("{n:#x}"))
}
fn hex_u256(n: U256) -> Value {
    Value::String(format!("{n:#x}"))
}
fn lower(a: &Address) -> String {
    format!("{a:#x}")
}
fn access_list_json(list: &[AccessListItem]) -> Value {
    list.iter()
        .map(|i| {
            json!({
                "address": lower(&i.address),
                "storageKeys": i.storage_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// A raw signed transaction, decoded, with its sender recovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedTx {
    /// The recovered sender.
    pub sender: Address,
    /// The chain id (`None` for pre-EIP-155 legacy transactions).
    pub chain_id: Option<u64>,
    /// The nonce.
    pub nonce: u64,
    /// The recipient; `None` for contract creation.
    pub to: Option<Address>,
    /// Value in wei.
    pub value: U256,
    /// Call data.
    pub input: Bytes,
    /// EIP-2718 type byte (0 for legacy).
    pub tx_type: u8,
    /// Transaction hash.
    pub hash: B256,
    /// Gas limit.
    pub gas_limit: u64,
    /// `gasPrice` for types 0/1, `maxFeePerGas` otherwise: the most paid per gas.
    pub max_fee_per_gas: u128,
    /// Number of EIP-7702 authorizations (0 for other types).
    pub authorization_count: usize,
}

/// Decodes an EIP-2718 raw signed transaction (what `eth_sendRawTransaction` takes) and
/// recovers its sender.
///
/// Bounded by [`MAX_RAW_TX_BYTES`]; rejects trailing bytes, non-canonical encodings (the bytes
/// must re-encode identically, so the hash is the one nodes compute), unknown types and high-`s`
/// signatures.
pub fn decode_raw_tx(raw: &[u8]) -> Result<DecodedTx, ChainError> {
    if raw.is_empty() {
        return Err(ChainError::RawTx("empty input".into()));
    }
    if raw.len() > MAX_RAW_TX_BYTES {
        return Err(ChainError::RawTx(format!(
            "{} bytes is more than the limit of {MAX_RAW_TX_BYTES} bytes",
            raw.len()
        )));
    }
    let tx = TxEnvelope::decode_2718_exact(raw).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("unexpected length") {
            ChainError::RawTx(format!("{msg} (trailing bytes or a truncated transaction)"))
        } else {
            ChainError::RawTx(msg)
        }
    })?;
    if tx.encoded_2718().as_slice() != raw {
        return Err(ChainError::RawTx("non-canonical encoding".into()));
    }
    let sender = alloy_consensus::transaction::SignerRecoverable::recover_signer(&tx)
        .map_err(|e| ChainError::RawTx(format!("cannot recover the sender: {e}")))?;
    Ok(DecodedTx {
        sender,
        chain_id: tx.chain_id(),
        nonce: tx.nonce(),
        to: tx.to(),
        value: tx.value(),
        input: tx.input().clone(),
        tx_type: tx.ty(),
        hash: *tx.tx_hash(),
        gas_limit: tx.gas_limit(),
        max_fee_per_gas: tx.max_fee_per_gas(),
        authorization_count: tx.authorization_list().map_or(0, <[_]>::len),
    })
}
