//! Our build + sign path against alloy-signer-local's, for all five transaction types with
//! randomized fields: the raw bytes and hashes must be identical.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip4844Variant, TxEip7702, TxEnvelope,
    TxLegacy, TypedTransaction,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use k256::ecdsa::SigningKey;
use palisade_chain::{decode_raw_tx, parse_tx_request, RecoverableSignature};
use serde_json::{json, Map, Value};

/// SplitMix64: small, seeded, good enough to spread test inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    /// Values spread over magnitudes, including 0 and the type's maximum.
    fn u64(&mut self) -> u64 {
        match self.below(6) {
            0 => 0,
            1 => u64::MAX,
            2 => self.below(256),
            _ => self.next() >> self.below(64),
        }
    }
    fn u128(&mut self) -> u128 {
        match self.below(5) {
            0 => 0,
            1 => u128::MAX,
            _ => ((u128::from(self.next()) << 64) | u128::from(self.next())) >> self.below(128),
        }
    }
    fn u256(&mut self) -> U256 {
        match self.below(5) {
            0 => U256::ZERO,
            1 => U256::MAX,
            _ => U256::from_be_slice(&self.bytes(32)) >> (self.below(256) as usize),
        }
    }
    fn address(&mut self) -> Address {
        Address::from_slice(&self.bytes(20))
    }
    fn b256(&mut self) -> B256 {
        B256::from_slice(&self.bytes(32))
    }
}

/// Encodes a quantity the way one of the clients might: hex (usual), decimal string, or a
/// JSON number when small.
fn q(rng: &mut Rng, n: U256) -> Value {
    match rng.below(4) {
        0 => Value::String(n.to_string()),
        1 if n <= U256::from(u64::MAX) => json!(n.to::<u64>()),
        _ => Value::String(format!("{n:#x}")),
    }
}

fn addr_json(rng: &mut Rng, a: Address) -> Value {
    if rng.bool() {
        Value::String(a.to_checksum(None))
    } else {
        Value::String(format!("{a:#x}"))
    }
}

fn access_list(rng: &mut Rng) -> AccessList {
    let n = rng.below(4) as usize;
    AccessList(
        (0..n)
            .map(|_| AccessListItem {
                address: rng.address(),
                storage_keys: (0..rng.below(4)).map(|_| rng.b256()).collect(),
            })
            .collect(),
    )
}

fn access_list_json(rng: &mut Rng, list: &AccessList) -> Value {
    list.0
        .iter()
        .map(|i| {
            json!({
                "address": addr_json(rng, i.address),
                "storageKeys": i.storage_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn case(rng: &mut Rng, ty: u8, chain_id: u64) -> (TypedTransaction, Value) {
    let nonce = rng.u64();
    let gas = rng.u64();
    let value = rng.u256();
    let len = rng.below(100) as usize;
    let input = Bytes::from(rng.bytes(len));
    let create = ty <= 2 && rng.below(4) == 0;
    let to = rng.address();
    let kind = if create {
        TxKind::Create
    } else {
        TxKind::Call(to)
    };
    let mut req = Map::new();
    req.insert(
        "from".into(),
        Value::String(format!("{:#x}", rng.address())),
    );
    req.insert("nonce".into(), q(rng, U256::from(nonce)));
    req.insert(
        if rng.bool() { "gas" } else { "gasLimit" }.into(),
        q(rng, U256::from(gas)),
    );
    if !create {
        req.insert("to".into(), addr_json(rng, to));
    } else if rng.bool() {
        req.insert("to".into(), Value::Null);
    }
    if value != U256::ZERO || rng.bool() {
        req.insert("value".into(), q(rng, value));
    }
    let data_key = match rng.below(3) {
        0 => "data",
        1 => "input",
        _ => {
            req.insert("data".into(), Value::String(input.to_string()));
            "input"
        }
    };
    req.insert(data_key.into(), Value::String(input.to_string()));
    if rng.bool() {
        req.insert("chainId".into(), q(rng, U256::from(chain_id)));
    }
    // Explicit type half the time; otherwise it must be inferred from the fields.
    if rng.bool() {
        req.insert("type".into(), Value::String(format!("{ty:#x}")));
    }
    let tx: TypedTransaction = match ty {
        0 => {
            let gas_price = rng.u128();
            req.insert("gasPrice".into(), q(rng, U256::from(gas_price)));
            TypedTransaction::from(TxLegacy {
                chain_id: Some(chain_id),
                nonce,
                gas_price,
                gas_limit: gas,
                to: kind,
                value,
                input,
            })
        }
        1 => {
            let gas_price = rng.u128();
            let mut list = access_list(rng);
            if list.0.is_empty() {
                list.0.push(AccessListItem {
                    address: rng.address(),
                    storage_keys: vec![],
                });
            }
            req.insert("gasPrice".into(), q(rng, U256::from(gas_price)));
            req.insert("accessList".into(), access_list_json(rng, &list));
            TypedTransaction::from(TxEip2930 {
                chain_id,
                nonce,
                gas_price,
                gas_limit: gas,
                to: kind,
                value,
                access_list: list,
                input,
            })
        }
        _ => {
            let max_fee = rng.u128();
            let prio = rng.u128().min(max_fee);
            req.insert("maxFeePerGas".into(), q(rng, U256::from(max_fee)));
            req.insert("maxPriorityFeePerGas".into(), q(rng, U256::from(prio)));
            let list = access_list(rng);
            if !list.0.is_empty() || rng.bool() {
                req.insert("accessList".into(), access_list_json(rng, &list));
            }
            match ty {
                2 => TypedTransaction::from(TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: prio,
                    to: kind,
                    value,
                    access_list: list,
                    input,
                }),
                3 => {
                    let blob_fee = rng.u128();
                    let hashes: Vec<B256> = (0..1 + rng.below(6))
                        .map(|_| {
                            let mut h = rng.b256();
                            h[0] = 1;
                            h
                        })
                        .collect();
                    req.insert("maxFeePerBlobGas".into(), q(rng, U256::from(blob_fee)));
                    req.insert(
                        "blobVersionedHashes".into(),
                        hashes.iter().map(|h| h.to_string()).collect(),
                    );
                    TypedTransaction::Eip4844(TxEip4844Variant::TxEip4844(TxEip4844 {
                        chain_id,
                        nonce,
                        gas_limit: gas,
                        max_fee_per_gas: max_fee,
                        max_priority_fee_per_gas: prio,
                        to,
                        value,
                        access_list: list,
                        blob_versioned_hashes: hashes,
                        max_fee_per_blob_gas: blob_fee,
                        input,
                    }))
                }
                _ => {
                    let auths: Vec<SignedAuthorization> = (0..1 + rng.below(3))
                        .map(|_| {
                            SignedAuthorization::new_unchecked(
                                Authorization {
                                    chain_id: if rng.bool() {
                                        U256::ZERO
                                    } else {
                                        U256::from(chain_id)
                                    },
                                    address: rng.address(),
                                    nonce: rng.u64(),
                                },
                                rng.below(2) as u8,
                                rng.u256(),
                                rng.u256(),
                            )
                        })
                        .collect();
                    let auth_json: Vec<Value> = auths
                        .iter()
                        .map(|a| {
                            let mut m = json!({
                                "chainId": q(rng, a.chain_id),
                                "address": addr_json(rng, a.address),
                                "nonce": q(rng, U256::from(a.nonce)),
                                "r": q(rng, a.r()),
                                "s": q(rng, a.s()),
                            });
                            // viem sends `v` when the authorization carries no `yParity`.
                            if rng.bool() {
                                m["yParity"] = q(rng, U256::from(a.y_parity()));
                            } else {
                                m["v"] = json!(27 + a.y_parity());
                            }
                            m
                        })
                        .collect();
                    req.insert("authorizationList".into(), Value::Array(auth_json));
                    TypedTransaction::from(TxEip7702 {
                        chain_id,
                        nonce,
                        gas_limit: gas,
                        max_fee_per_gas: max_fee,
                        max_priority_fee_per_gas: prio,
                        to,
                        value,
                        access_list: list,
                        authorization_list: auths,
                        input,
                    })
                }
            }
        }
    };
    (tx, Value::Object(req))
}

#[test]
fn build_and_sign_match_alloy_signer_for_all_types() {
    let mut rng = Rng(0x005e_ed0f_5a11_5ade);
    for i in 0..200u32 {
        let ty = (i % 5) as u8;
        let chain_id = match rng.below(4) {
            0 => 1,
            1 => 11_155_111,
            2 => rng.below(1 << 32),
            _ => rng.next() >> 2,
        };
        let secret = rng.b256();
        let Ok(alloy_signer) = PrivateKeySigner::from_bytes(&secret) else {
            continue;
        };
        let key = SigningKey::from_slice(secret.as_slice()).unwrap();

        let (mut theirs, request) = case(&mut rng, ty, chain_id);
        let their_sig = alloy_signer.sign_transaction_sync(&mut theirs).unwrap();
        let their_hash = theirs.signature_hash();

        let req =
            parse_tx_request(&request).unwrap_or_else(|e| panic!("case {i}: {e}\n{request:#}"));
        let unsigned = req
            .build(chain_id)
            .unwrap_or_else(|e| panic!("case {i}: {e}\n{request:#}"));
        assert_eq!(unsigned.tx_type(), ty, "case {i}");
        assert_eq!(
            unsigned.signing_hash(),
            their_hash,
            "case {i}: signing hash\n{request:#}"
        );
        let (sig, recid) = key
            .sign_prehash_recoverable(unsigned.signing_hash().as_slice())
            .unwrap();
        let ours = unsigned.into_signed(&RecoverableSignature::from_k256(&sig, recid));

        // alloy's envelope for the same transaction and signature.
        let their_env = TxEnvelope::from(theirs.into_signed(their_sig));
        assert_eq!(
            ours.raw(),
            Bytes::from(their_env.encoded_2718()),
            "case {i}: raw bytes"
        );
        assert_eq!(ours.hash(), *their_env.tx_hash(), "case {i}: hash");

        let decoded = decode_raw_tx(&ours.raw()).unwrap();
        assert_eq!(decoded.sender, alloy_signer.address(), "case {i}");
        assert_eq!(decoded.chain_id, Some(chain_id), "case {i}");
        assert_eq!(decoded.tx_type, ty, "case {i}");
        assert_eq!(decoded.hash, ours.hash(), "case {i}");
        assert_eq!(decoded.value, req.value(), "case {i}");
        assert_eq!(&decoded.input, req.input(), "case {i}");
        assert_eq!(decoded.to, req.to(), "case {i}");

        let geth = ours.to_geth_json();
        assert_eq!(geth["type"], format!("{ty:#x}"), "case {i}");
        assert_eq!(geth["hash"], ours.hash().to_string(), "case {i}");
        assert_eq!(
            geth["nonce"],
            format!("{:#x}", req.nonce().unwrap()),
            "case {i}"
        );
    }
}
