//! Message hashing: EIP-191 (personal messages, data with an intended validator) and EIP-712
//! typed data.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{eip191_hash_message, keccak256, Address, B256};
use serde_json::Value;

use crate::error::{shown, ChainError};
use crate::json::{depth_exceeds, kind};

/// Largest typed-data payload accepted, in bytes of JSON.
pub const MAX_TYPED_DATA_BYTES: usize = 1024 * 1024;
/// Deepest JSON nesting accepted in a typed-data payload.
pub const MAX_TYPED_DATA_DEPTH: usize = 64;

/// The EIP-712 domain fields in the order EIP-712 lists them, with their Solidity types.
const DOMAIN_FIELDS: [(&str, &str); 5] = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
];

/// EIP-191 version `0x45` hash: `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`,
/// what `personal_sign` and `eth_sign` sign.
pub fn eip191_personal_hash(message: &[u8]) -> B256 {
    eip191_hash_message(message)
}

/// EIP-191 version `0x00` hash: `keccak256(0x19 ‖ 0x00 ‖ validator ‖ data)`, what geth's
/// `account_signData` signs for the `data/validator` content type.
pub fn eip191_validator_hash(validator: Address, data: &[u8]) -> B256 {
    let mut buf = Vec::with_capacity(22 + data.len());
    buf.extend_from_slice(&[0x19, 0x00]);
    buf.extend_from_slice(validator.as_slice());
    buf.extend_from_slice(data);
    keccak256(buf)
}

/// The EIP-712 signing hash of a typed-data payload, with the decoded parts policy rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedDataDigest {
    /// `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message))`.
    pub hash: B256,
    /// The `primaryType` of the payload.
    pub primary_type: String,
    /// `domain.chainId`, if present.
    pub domain_chain_id: Option<u64>,
    /// `domain.verifyingContract`, if present.
    pub verifying_contract: Option<Address>,
    /// The `message` object as sent.
    pub message: Value,
}

/// Hashes EIP-712 typed data given as a JSON object, or as a JSON string holding the object
/// (clients send both).
///
/// Bounded: at most [`MAX_TYPED_DATA_BYTES`] of JSON nested at most [`MAX_TYPED_DATA_DEPTH`]
/// deep. The domain object may only hold the five EIP-712 domain fields, and when the payload
/// declares an `EIP712Domain` type it must list exactly the domain's fields in EIP-712 order —
/// otherwise implementations disagree on the domain separator and the signature would not be
/// the one the dapp expects.
pub fn typed_data_hash(v: &Value) -> Result<TypedDataDigest, ChainError> {
    let parsed;
    let obj = match v {
        Value::String(s) => {
            if s.len() > MAX_TYPED_DATA_BYTES {
                return Err(too_large(s.len()));
            }
            // serde_json's parser stops at 128 levels of nesting, so this cannot overflow.
            parsed = serde_json::from_str::<Value>(s).map_err(|e| {
                ChainError::TypedData(format!("the typed-data string is not valid JSON: {e}"))
            })?;
            &parsed
        }
        other => other,
    };
    let Value::Object(map) = obj else {
        return Err(ChainError::TypedData(format!(
            "expected an object with `types`, `primaryType`, `domain` and `message`, got {}",
            kind(obj)
        )));
    };
    if depth_exceeds(obj, MAX_TYPED_DATA_DEPTH) {
        return Err(ChainError::TypedData(format!(
            "nesting deeper than {MAX_TYPED_DATA_DEPTH} levels"
        )));
    }
    let size = json_size(obj, MAX_TYPED_DATA_BYTES);
    if size > MAX_TYPED_DATA_BYTES {
        return Err(too_large(size));
    }
    for key in map.keys() {
        if !matches!(key.as_str(), "types" | "primaryType" | "domain" | "message") {
            return Err(ChainError::TypedData(format!(
                "unknown top-level field `{}`",
                shown(key)
            )));
        }
    }
    check_domain(map)?;

    let typed: TypedData = serde_json::from_value(obj.clone())
        .map_err(|e| ChainError::TypedData(shown_error(&e.to_string())))?;
    let hash = typed
        .eip712_signing_hash()
        .map_err(|e| ChainError::TypedData(shown_error(&e.to_string())))?;
    let domain_chain_id = typed
        .domain
        .chain_id
        .map(|id| {
            u64::try_from(id).map_err(|_| {
                ChainError::TypedData(format!("domain `chainId` `{id}` does not fit in 64 bits"))
            })
        })
        .transpose()?;
    Ok(TypedDataDigest {
        hash,
        primary_type: typed.primary_type,
        domain_chain_id,
        verifying_contract: typed.domain.verifying_contract,
        message: typed.message,
    })
}

fn too_large(len: usize) -> ChainError {
    ChainError::TypedData(format!(
        "payload of {len} bytes is larger than the limit of {MAX_TYPED_DATA_BYTES} bytes"
    ))
}

/// Library error texts may quote the input; keep them to one bounded line.
fn shown_error(s: &str) -> String {
    shown(&s.replace('\n', " "))
}

/// Length of the value's compact JSON encoding, counting at most a little past `limit`.
fn json_size(v: &Value, limit: usize) -> usize {
    struct Counter {
        n: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.n = self.n.saturating_add(buf.len());
            if self.n > self.limit {
                return Err(std::io::Error::other("limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Counter { n: 0, limit };
    // An error here only means the limit was passed; `c.n` already says so.
    let _ = serde_json::to_writer(&mut c, v);
    c.n
}

fn check_domain(map: &serde_json::Map<String, Value>) -> Result<(), ChainError> {
    let domain = match map.get("domain") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(d)) => d.clone(),
        Some(other) => {
            return Err(ChainError::TypedData(format!(
                "`domain` must be an object, got {}",
                kind(other)
            )))
        }
    };
    for key in domain.keys() {
        if !DOMAIN_FIELDS.iter().any(|(name, _)| name == key) {
            return Err(ChainError::TypedData(format!(
                "unknown domain field `{}`; EIP-712 domains hold name, version, chainId, \
                 verifyingContract and salt",
                shown(key)
            )));
        }
    }
    let present: Vec<(&str, &str)> = DOMAIN_FIELDS
        .iter()
        .copied()
        .filter(|(name, _)| domain.get(*name).is_some_and(|v| !v.is_null()))
        .collect();
    let Some(declared) = map.get("types").and_then(|t| t.get("EIP712Domain")) else {
        return Ok(());
    };
    let Value::Array(fields) = declared else {
        return Err(ChainError::TypedData(
            "`types.EIP712Domain` must be an array".into(),
        ));
    };
    let declared: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| {
            (
                f.get("name").and_then(Value::as_str).unwrap_or(""),
                f.get("type").and_then(Value::as_str).unwrap_or(""),
            )
        })
        .collect();
    if declared != present {
        let list = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(n, t)| format!("{t} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(ChainError::TypedData(format!(
            "declared `EIP712Domain` fields `{}` do not match the domain's fields `{}` \
             (EIP-712 order: name, version, chainId, verifyingContract, salt)",
            shown(&list(&declared)),
            list(&present)
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mail() -> Value {
        json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"}
                ],
                "Person": [
                    {"name": "name", "type": "string"},
                    {"name": "wallet", "type": "address"}
                ],
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
                "chainId": 1,
                "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
            },
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        })
    }

    const MAIL_DIGEST: &str = "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2";

    #[test]
    fn mail_vector_hashes_from_object_and_string() {
        let d = typed_data_hash(&mail()).unwrap();
        assert_eq!(d.hash.to_string(), MAIL_DIGEST);
        assert_eq!(d.primary_type, "Mail");
        assert_eq!(d.domain_chain_id, Some(1));
        assert_eq!(
            d.verifying_contract,
            Some(
                "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
                    .parse()
                    .unwrap()
            )
        );
        assert_eq!(d.message["contents"], "Hello, Bob!");
        let s = Value::String(mail().to_string());
        assert_eq!(typed_data_hash(&s).unwrap().hash.to_string(), MAIL_DIGEST);
    }

    #[test]
    fn domain_type_must_match_domain_fields() {
        let mut v = mail();
        v["types"]["EIP712Domain"]
            .as_array_mut()
            .unwrap()
            .swap(0, 1);
        let e = typed_data_hash(&v).unwrap_err().to_string();
        assert!(e.contains("do not match the domain's fields"), "{e}");

        let mut v = mail();
        v["domain"]["extra"] = json!("x");
        let e = typed_data_hash(&v).unwrap_err().to_string();
        assert!(e.contains("unknown domain field `extra`"), "{e}");

        let mut v = mail();
        v["types"].as_object_mut().unwrap().remove("EIP712Domain");
        assert_eq!(typed_data_hash(&v).unwrap().hash.to_string(), MAIL_DIGEST);
    }

    #[test]
    fn bounds_are_enforced() {
        let big = Value::String("x".repeat(MAX_TYPED_DATA_BYTES + 1));
        let e = typed_data_hash(&big).unwrap_err().to_string();
        assert!(e.contains("larger than the limit"), "{e}");

        let mut v = mail();
        v["message"]["contents"] = json!("y".repeat(MAX_TYPED_DATA_BYTES));
        let e = typed_data_hash(&v).unwrap_err().to_string();
        assert!(e.contains("larger than the limit"), "{e}");

        let mut deep = json!("z");
        for _ in 0..100 {
            deep = Value::Array(vec![deep]);
        }
        let mut v = mail();
        v["message"]["contents"] = deep;
        let e = typed_data_hash(&v).unwrap_err().to_string();
        assert!(e.contains("nesting deeper than"), "{e}");

        let e = typed_data_hash(&json!(42)).unwrap_err().to_string();
        assert!(e.contains("got a number"), "{e}");
        let e = typed_data_hash(&json!("{not json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        let mut v = mail();
        v["extra"] = json!(1);
        let e = typed_data_hash(&v).unwrap_err().to_string();
        assert!(e.contains("unknown top-level field `extra`"), "{e}");
    }

    #[test]
    fn missing_struct_type_is_an_error_not_a_panic() {
        let mut v = mail();
        v["types"].as_object_mut().unwrap().remove("Person");
        assert!(matches!(typed_data_hash(&v), Err(ChainError::TypedData(_))));
    }

    #[test]
    fn recursive_and_huge_array_types_terminate() {
        let v = json!({
            "types": {"Node": [{"name": "next", "type": "Node"}, {"name": "v", "type": "uint8"}]},
            "primaryType": "Node",
            "domain": {},
            "message": {"next": {"v": 1}, "v": 2}
        });
        assert!(matches!(typed_data_hash(&v), Err(ChainError::TypedData(_))));
        let v = json!({
            "types": {"Big": [{"name": "xs", "type": "uint256[18446744073709551615]"}]},
            "primaryType": "Big",
            "domain": {},
            "message": {"xs": [1, 2]}
        });
        assert!(matches!(typed_data_hash(&v), Err(ChainError::TypedData(_))));
    }

    #[test]
    fn validator_hash_layout() {
        let validator: Address = "0x00000000000000000000000000000000000000aa"
            .parse()
            .unwrap();
        let mut expected = vec![0x19, 0x00];
        expected.extend_from_slice(validator.as_slice());
        expected.extend_from_slice(b"hi");
        assert_eq!(eip191_validator_hash(validator, b"hi"), keccak256(expected));
    }
}
