//! Transaction requests: what real clients send is accepted; bad input gets a precise error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use alloy_primitives::hex;
use palisade_chain::{decode_raw_tx, parse_tx_request, ChainError, TxRequest};
use serde_json::{json, Value};

fn parse(v: Value) -> TxRequest {
    parse_tx_request(&v).unwrap_or_else(|e| panic!("{e}\n{v:#}"))
}

fn err(v: Value) -> String {
    parse_tx_request(&v).unwrap_err().to_string()
}

const TO: &str = "0x3535353535353535353535353535353535353535";
const FROM: &str = "0x9858effd232b4033e47d90003d41ec34ecaeda94";

#[test]
fn client_shapes_are_accepted() {
    // ethers v6 getRpcTransaction: gasLimit renamed to gas, quantities via toQuantity.
    let r = parse(json!({
        "from": FROM, "to": TO, "data": "0xa9059cbb", "value": "0x0", "type": "0x2",
        "gas": "0x5208", "nonce": "0x1", "chainId": "0x1",
        "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1", "accessList": []
    }));
    assert_eq!(r.tx_type(), 2);
    assert_eq!(r.build(1).unwrap().tx_type(), 2);
    // viem formatTransactionRequest, EIP-7702 with `v` instead of yParity and unpadded r/s.
    let r = parse(json!({
        "from": FROM, "to": TO, "data": "0x", "gas": "0x10000", "nonce": "0x0",
        "maxFeePerGas": "0x2", "maxPriorityFeePerGas": "0x1", "type": "0x4", "chainId": "0x1",
        "authorizationList": [{
            "address": TO, "chainId": "0x1", "nonce": "0x3", "r": "0x1234", "s": "0x5678", "v": "0x1c"
        }]
    }));
    assert_eq!(r.authorization_list()[0].y_parity(), 1);
    assert_eq!(r.build(1).unwrap().tx_type(), 4);
    // web3.py / geth SendTxArgs: input, legacy gasPrice, nulls for absent fields.
    let r = parse(json!({
        "from": FROM, "to": null, "input": "0x6000", "gas": 53000, "gasPrice": "1000000000",
        "nonce": 0, "value": null, "chainId": 1, "maxFeePerGas": null
    }));
    assert_eq!(r.to(), None);
    assert!(r.wants_legacy_fees() && r.has_fees());
    let signed = r.build(1).unwrap();
    assert_eq!(signed.tx_type(), 0);
    // eth_sendTransaction with nothing filled yet.
    let mut r = parse(json!({"from": FROM, "to": TO, "value": "0xde0b6b3a7640000"}));
    assert!(!r.has_fees() && !r.wants_legacy_fees());
    assert_eq!(r.nonce(), None);
    r.set_nonce(7);
    r.set_gas(21_000);
    r.set_eip1559_fees(100, 10);
    assert_eq!(r.build(5).unwrap().tx_type(), 2);
    r.set_legacy_gas_price(50);
    assert_eq!(r.build(5).unwrap().tx_type(), 0);
    // data and input both present and equal is fine.
    assert_eq!(
        parse(json!({"data": "0x01", "input": "0x01"}))
            .input()
            .as_ref(),
        &[1]
    );
}

#[test]
fn malformed_values_are_named() {
    let e = err(json!({"to": "0x35353535353535353535353535353535353535zz"}));
    assert!(
        e.contains("invalid transaction field `to`") && e.contains("invalid hex character `z`"),
        "{e}"
    );
    let e = err(json!({"data": "0xabc"}));
    assert_eq!(
        e,
        "invalid transaction field `data`: odd-length hex `0xabc`"
    );
    let e = err(json!({"value": format!("0x1{}", "0".repeat(64))}));
    assert!(
        e.contains("`value`") && e.contains("does not fit in 256 bits"),
        "{e}"
    );
    let e = err(json!({"gas": "0x10000000000000000"}));
    assert!(
        e.contains("`gas`") && e.contains("does not fit in 64 bits"),
        "{e}"
    );
    let e = err(json!({"maxFeePerGas": format!("0x1{}", "0".repeat(32))}));
    assert!(
        e.contains("`maxFeePerGas`") && e.contains("does not fit in 128 bits"),
        "{e}"
    );
    let e = err(json!({"nonce": "0x"}));
    assert!(
        e.contains("`nonce`") && e.contains("empty hex quantity"),
        "{e}"
    );
    let e = err(json!({"accessList": [{"address": TO, "storageKeys": ["0x01"]}]}));
    assert!(
        e.contains("`accessList[0].storageKeys[0]`") && e.contains("expected 32 bytes"),
        "{e}"
    );
    let e = err(json!({"blobVersionedHashes": [format!("0x02{}", "00".repeat(31))], "to": TO}));
    assert!(
        e.contains("`blobVersionedHashes[0]`") && e.contains("version byte 0x01"),
        "{e}"
    );
    let e = err(
        json!({"authorizationList": [{"address": TO, "chainId": 1, "nonce": 0, "r": 1, "s": 1}], "to": TO}),
    );
    assert!(
        e.contains("`authorizationList[0].yParity`") && e.contains("is required"),
        "{e}"
    );
    assert_eq!(
        err(json!([1])),
        "transaction request must be a JSON object, got an array"
    );
}

#[test]
fn unknown_and_conflicting_fields_are_rejected() {
    assert_eq!(
        err(json!({"to": TO, "foo": 1})),
        "unknown transaction field `foo`"
    );
    assert_eq!(
        err(json!({"accessList": [{"address": TO, "slots": []}]})),
        "unknown transaction field `accessList[0].slots`"
    );
    let e = err(json!({"data": "0x01", "input": "0x02"}));
    assert_eq!(
        e,
        "conflicting transaction fields `data` and `input`: both are present and differ; send only one of them"
    );
    let e = err(json!({"gas": 1, "gasLimit": 2}));
    assert!(e.contains("`gas` and `gasLimit`"), "{e}");
    let e = err(json!({"gasPrice": "0x1", "maxFeePerGas": "0x2"}));
    assert!(e.contains("`gasPrice` and `maxFeePerGas`"), "{e}");
    let e = err(json!({"maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x2"}));
    assert!(e.contains("must not exceed the max fee"), "{e}");
    let e =
        err(json!({"type": "0x3", "blobVersionedHashes": [format!("0x01{}", "00".repeat(31))]}));
    assert!(
        e.contains("transaction type `3` needs a `to` address"),
        "{e}"
    );
    let e = err(json!({"type": "0x0", "maxFeePerGas": "0x1"}));
    assert!(e.contains("transaction type `0` takes `gasPrice`"), "{e}");
    let e = err(json!({"type": "0x2", "gasPrice": "0x1"}));
    assert!(
        e.contains("transaction type `2` takes `maxFeePerGas`"),
        "{e}"
    );
    let e = err(json!({"type": "0x4", "to": TO}));
    assert!(e.contains("needs a non-empty `authorizationList`"), "{e}");
    let e = err(json!({"type": "0x5"}));
    assert!(e.starts_with("unsupported transaction type `0x5`"), "{e}");
    let e = err(json!({"to": TO, "blobs": ["0x00"]}));
    assert!(e.starts_with("blob sidecars"), "{e}");
}

#[test]
fn build_names_what_is_missing_and_checks_the_chain() {
    let full = json!({"to": TO, "nonce": 1, "gas": 21000, "gasPrice": 1, "chainId": 5});
    let e = parse(full.clone()).build(1).unwrap_err();
    assert_eq!(
        e,
        ChainError::ChainIdMismatch {
            requested: 5,
            expected: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "transaction chain id `5` does not match this gateway's chain id `1`"
    );
    assert!(parse(full).build(5).is_ok());

    let missing = |v: Value| match parse(v).build(1).unwrap_err() {
        ChainError::MissingField { field, .. } => field,
        other => panic!("{other}"),
    };
    assert_eq!(missing(json!({"to": TO, "gas": 1, "gasPrice": 1})), "nonce");
    assert_eq!(missing(json!({"to": TO, "nonce": 1, "gasPrice": 1})), "gas");
    assert_eq!(
        missing(json!({"to": TO, "nonce": 1, "gas": 1})),
        "maxFeePerGas"
    );
    assert_eq!(
        missing(json!({"to": TO, "nonce": 1, "gas": 1, "maxFeePerGas": 2})),
        "maxPriorityFeePerGas"
    );
    assert_eq!(
        missing(json!({"to": TO, "nonce": 1, "gas": 1, "type": "0x1"})),
        "gasPrice"
    );
    assert_eq!(
        missing(
            json!({"to": TO, "nonce": 1, "gas": 1, "maxFeePerGas": 2, "maxPriorityFeePerGas": 1,
            "blobVersionedHashes": [format!("0x01{}", "00".repeat(31))]})
        ),
        "maxFeePerBlobGas"
    );
}

#[test]
fn raw_transactions_are_bounded_and_exact() {
    // EIP-155's example transaction.
    let raw = hex::decode("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83").unwrap();
    assert!(decode_raw_tx(&raw).is_ok());

    let mut trailing = raw.clone();
    trailing.push(0);
    let e = decode_raw_tx(&trailing).unwrap_err().to_string();
    assert!(
        e.starts_with("invalid raw transaction:") && e.contains("trailing bytes"),
        "{e}"
    );

    let e = decode_raw_tx(&raw[..raw.len() - 1]).unwrap_err();
    assert!(matches!(e, ChainError::RawTx(_)), "{e}");
    assert_eq!(
        decode_raw_tx(&[]).unwrap_err().to_string(),
        "invalid raw transaction: empty input"
    );
    let e = decode_raw_tx(&[0x05, 0xc0]).unwrap_err();
    assert!(matches!(e, ChainError::RawTx(_)), "{e}");
    let huge = vec![0u8; palisade_chain::MAX_RAW_TX_BYTES + 1];
    assert!(decode_raw_tx(&huge)
        .unwrap_err()
        .to_string()
        .contains("more than the limit"));

    // A high-s signature (s replaced by n - s, v flipped) is malleable and rejected.
    let n = alloy_primitives::U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let s = alloy_primitives::U256::from_be_slice(&raw[raw.len() - 32..]);
    let mut high = raw.clone();
    let len = high.len();
    high[len - 32..].copy_from_slice(&(n - s).to_be_bytes::<32>());
    high[len - 67] = 0x26;
    let e = decode_raw_tx(&high).unwrap_err().to_string();
    assert!(e.contains("cannot recover the sender"), "{e}");
}

#[test]
fn gas_price_with_empty_access_list_is_eip2930_like_every_client() {
    let req = palisade_chain::parse_tx_request(&serde_json::json!({
        "from": "0x7be2861B09cffBE883585427F5c9e610ADDaD1bf", "to": "0x3535353535353535353535353535353535353535",
        "nonce": "0x1", "gas": "0x5208", "gasPrice": "0x3b9aca00", "value": "0x1", "chainId": "0x1", "accessList": []
    }))
    .unwrap();
    assert_eq!(req.tx_type(), 1);
    assert_eq!(req.build(1).unwrap().tx_type(), 1);
    let legacy = palisade_chain::parse_tx_request(
        &serde_json::json!({"to": "0x3535353535353535353535353535353535353535", "gasPrice": "0x1"}),
    )
    .unwrap();
    assert_eq!(legacy.tx_type(), 0);
}
