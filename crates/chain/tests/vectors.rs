//! Published test vectors: EIP-155's worked example, EIP-712's "Mail" example, personal_sign.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use alloy_primitives::{hex, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use k256::ecdsa::SigningKey;
use palisade_chain::{
    address_of, decode_raw_tx, eip191_personal_hash, parse_tx_request, typed_data_hash, Address,
    RecoverableSignature, B256,
};
use serde_json::json;

fn sign(key: &SigningKey, hash: B256) -> RecoverableSignature {
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    RecoverableSignature::from_k256(&sig, recid)
}

/// EIP-155 "Example" section: nonce 9, 20 gwei, 21000 gas, to 0x3535…35, 1 ether, chain 1,
/// key 0x4646…46.
#[test]
fn eip155_worked_example() {
    const SIGNING_DATA: &str =
        "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080";
    const SIGNING_HASH: &str = "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53";
    const SIGNED_TX: &str = "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";

    let req = parse_tx_request(&json!({
        "nonce": 9,
        "gasPrice": "20000000000",
        "gas": "0x5208",
        "to": "0x3535353535353535353535353535353535353535",
        "value": "0xde0b6b3a7640000",
    }))
    .unwrap();
    let tx = req.build(1).unwrap();
    assert_eq!(tx.tx_type(), 0);
    assert_eq!(
        keccak256(hex::decode(SIGNING_DATA).unwrap()),
        tx.signing_hash()
    );
    assert_eq!(hex::encode(tx.signing_hash()), SIGNING_HASH);

    let key = SigningKey::from_slice(&[0x46; 32]).unwrap();
    let sig = sign(&key, tx.signing_hash());
    // The EIP lists v = 37 and these r, s as decimals.
    assert_eq!(
        sig.r.to_string(),
        "18515461264373351373200002665853028612451056578545711640558177340181847433846"
    );
    assert_eq!(
        sig.s.to_string(),
        "46948507304638947509940763649030358759909902576025900602547168820602576006531"
    );
    let signed = tx.into_signed(&sig);
    assert_eq!(hex::encode(signed.raw()), SIGNED_TX);
    assert_eq!(signed.hash(), keccak256(hex::decode(SIGNED_TX).unwrap()));

    let geth = signed.to_geth_json();
    assert_eq!(geth["v"], "0x25");
    assert_eq!(geth["type"], "0x0");
    assert_eq!(geth["chainId"], "0x1");
    assert_eq!(geth["gasPrice"], "0x4a817c800");
    assert_eq!(geth["hash"], signed.hash().to_string());

    let decoded = decode_raw_tx(&signed.raw()).unwrap();
    assert_eq!(decoded.sender, address_of(key.verifying_key()));
    assert_eq!(decoded.chain_id, Some(1));
    assert_eq!(decoded.nonce, 9);
    assert_eq!(decoded.tx_type, 0);
    assert_eq!(decoded.hash, signed.hash());
}

/// EIP-712's "Mail" example, signed with keccak256("cow").
#[test]
fn eip712_mail_vector() {
    let key = SigningKey::from_slice(keccak256("cow").as_slice()).unwrap();
    let expected: Address = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
        .parse()
        .unwrap();
    assert_eq!(address_of(key.verifying_key()), expected);

    let typed = json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail",
            "version": "1",
            "chainId": "0x1",
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    });
    let digest = typed_data_hash(&typed).unwrap();
    assert_eq!(
        hex::encode(digest.hash),
        "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    );
    let sig = sign(&key, digest.hash);
    assert_eq!(
        hex::encode(sig.to_rsv_bytes()),
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"
    );
    // Clients send the typed data as a JSON string too.
    let as_string = serde_json::Value::String(typed.to_string());
    assert_eq!(typed_data_hash(&as_string).unwrap().hash, digest.hash);
}

/// personal_sign must be byte-identical to alloy's `sign_message`.
#[test]
fn personal_sign_matches_alloy() {
    let secret = keccak256("personal");
    let key = SigningKey::from_slice(secret.as_slice()).unwrap();
    let alloy = PrivateKeySigner::from_bytes(&secret).unwrap();
    for msg in [&b""[..], b"hello", &[0u8; 32], &[0xffu8; 1000]] {
        let ours = sign(&key, eip191_personal_hash(msg)).to_rsv_bytes();
        let theirs = alloy.sign_message_sync(msg).unwrap().as_bytes();
        assert_eq!(ours, theirs, "message of {} bytes", msg.len());
    }
    assert_eq!(address_of(key.verifying_key()), alloy.address());
}
