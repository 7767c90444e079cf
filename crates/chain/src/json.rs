//! Bounded readers for the JSON values clients put in requests: quantities, byte strings,
//! addresses and hashes. Every reader names the field it reads in its errors.

use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::Value;

use crate::error::{shown, ChainError};

/// Longest quantity string accepted (`0x` + 64 hex digits, or 78 decimal digits, plus slack for
/// leading zeros some clients emit).
const MAX_QUANTITY_CHARS: usize = 100;

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> ChainError {
    ChainError::InvalidField {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// Name of a JSON value's kind, for "expected X, got Y" messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A quantity: a `0x`-prefixed hex string (as the JSON-RPC spec says), or, for robustness, a
/// decimal string or a non-negative integer JSON number.
pub(crate) fn quantity(v: &Value, field: &str) -> Result<U256, ChainError> {
    match v {
        Value::String(s) => quantity_str(s, field),
        Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(|| {
            invalid(
                field,
                format!(
                    "`{}` is not a non-negative integer; send large values as 0x-prefixed hex",
                    shown(&n.to_string())
                ),
            )
        }),
        other => Err(invalid(
            field,
            format!(
                "expected a quantity (0x-prefixed hex string), got {}",
                kind(other)
            ),
        )),
    }
}

fn quantity_str(s: &str, field: &str) -> Result<U256, ChainError> {
    if s.len() > MAX_QUANTITY_CHARS {
        return Err(invalid(
            field,
            format!("quantity `{}` is too long", shown(s)),
        ));
    }
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => {
            if hex.is_empty() {
                return Err(invalid(
                    field,
                    "empty hex quantity `0x`; use `0x0` for zero",
                ));
            }
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    field,
                    format!("`{}` is not a hex quantity", shown(s)),
                ));
            }
            (hex, 16)
        }
        None => {
            if s.is_empty() {
                return Err(invalid(field, "empty string is not a quantity"));
            }
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    field,
                    format!(
                        "`{}` is neither a 0x-prefixed hex quantity nor a decimal number",
                        shown(s)
                    ),
                ));
            }
            (s, 10)
        }
    };
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(trimmed, radix)
        .map_err(|_| invalid(field, format!("`{}` does not fit in 256 bits", shown(s))))
}

pub(crate) fn u64_of(v: &Value, field: &str) -> Result<u64, ChainError> {
    let q = quantity(v, field)?;
    u64::try_from(q).map_err(|_| invalid(field, format!("`{q}` does not fit in 64 bits")))
}

pub(crate) fn u128_of(v: &Value, field: &str) -> Result<u128, ChainError> {
    let q = quantity(v, field)?;
    u128::try_from(q).map_err(|_| invalid(field, format!("`{q}` does not fit in 128 bits")))
}

/// A `0x`-prefixed byte string of at most `max` bytes.
pub(crate) fn bytes(v: &Value, field: &str, max: usize) -> Result<Bytes, ChainError> {
    let Value::String(s) = v else {
        return Err(invalid(
            field,
            format!("expected a 0x-prefixed hex string, got {}", kind(v)),
        ));
    };
    let hex = hex_digits(s, field)?;
    if hex.len() / 2 > max {
        return Err(invalid(
            field,
            format!(
                "{} bytes is more than the limit of {max} bytes",
                hex.len() / 2
            ),
        ));
    }
    decode_hex(hex, field).map(Bytes::from)
}

fn hex_digits<'a>(s: &'a str, field: &str) -> Result<&'a str, ChainError> {
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        return Err(invalid(
            field,
            format!("`{}` is missing the `0x` prefix", shown(s)),
        ));
    };
    if hex.len() % 2 != 0 {
        return Err(invalid(field, format!("odd-length hex `{}`", shown(s))));
    }
    Ok(hex)
}

fn decode_hex(hex: &str, field: &str) -> Result<Vec<u8>, ChainError> {
    hex::decode(hex).map_err(|e| match e {
        hex::FromHexError::InvalidHexCharacter { c, index } => invalid(
            field,
            format!(
                "invalid hex character `{}` at position {}",
                shown(&c.to_string()),
                index + 2
            ),
        ),
        other => invalid(field, format!("invalid hex: {other}")),
    })
}

/// Exactly `N` bytes as `0x`-prefixed hex.
pub(crate) fn fixed<const N: usize>(v: &Value, field: &str) -> Result<[u8; N], ChainError> {
    let Value::String(s) = v else {
        return Err(invalid(
            field,
            format!("expected a 0x-prefixed hex string, got {}", kind(v)),
        ));
    };
    let hex = hex_digits(s, field)?;
    if hex.len() != 2 * N {
        return Err(invalid(
            field,
            format!(
                "expected {N} bytes ({} hex digits), got {} hex digits",
                2 * N,
                hex.len()
            ),
        ));
    }
    let raw = decode_hex(hex, field)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&raw);
    Ok(out)
}

pub(crate) fn b256(v: &Value, field: &str) -> Result<B256, ChainError> {
    fixed::<32>(v, field).map(B256::from)
}

/// An address. All-lowercase and all-uppercase forms are accepted as they are; a mixed-case
/// address must carry a valid EIP-55 checksum (a bad one usually means a typo).
pub(crate) fn address(v: &Value, field: &str) -> Result<Address, ChainError> {
    let bytes = fixed::<20>(v, field)?;
    let addr = Address::from(bytes);
    if let Value::String(s) = v {
        let hex = &s[2..];
        let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && addr.to_checksum(None) != format!("0x{hex}") {
            return Err(invalid(
                field,
                format!(
                    "address `{}` has an invalid EIP-55 checksum; check it for typos",
                    shown(s)
                ),
            ));
        }
    }
    Ok(addr)
}

/// Nesting depth of a JSON value, computed without recursion, stopping early past `limit`.
pub(crate) fn depth_exceeds(v: &Value, limit: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((v, d)) = stack.pop() {
        if d > limit {
            return true;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    false
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

    #[test]
    fn quantities_accept_hex_decimal_and_numbers() {
        assert_eq!(quantity(&json!("0x10"), "f").unwrap(), U256::from(16));
        assert_eq!(quantity(&json!("0x0"), "f").unwrap(), U256::ZERO);
        assert_eq!(quantity(&json!("0x0000ff"), "f").unwrap(), U256::from(255));
        assert_eq!(quantity(&json!("1000"), "f").unwrap(), U256::from(1000));
        assert_eq!(quantity(&json!(42), "f").unwrap(), U256::from(42));
        assert_eq!(
            quantity(&json!(format!("0x{}", "f".repeat(64))), "f").unwrap(),
            U256::MAX
        );
    }

    #[test]
    fn quantities_reject_garbage_precisely() {
        let e = quantity(&json!("0x"), "gas").unwrap_err().to_string();
        assert!(
            e.contains("`gas`") && e.contains("empty hex quantity"),
            "{e}"
        );
        let e = quantity(&json!("0xzz"), "gas").unwrap_err().to_string();
        assert!(e.contains("is not a hex quantity"), "{e}");
        let e = quantity(&json!(format!("0x1{}", "0".repeat(64))), "value").unwrap_err();
        assert!(e.to_string().contains("does not fit in 256 bits"), "{e}");
        let e = quantity(&json!(-1), "value").unwrap_err().to_string();
        assert!(e.contains("not a non-negative integer"), "{e}");
        let e = quantity(&json!(1.5), "value").unwrap_err().to_string();
        assert!(e.contains("not a non-negative integer"), "{e}");
        let e = quantity(&json!("12a"), "nonce").unwrap_err().to_string();
        assert!(
            e.contains("neither a 0x-prefixed hex quantity nor a decimal"),
            "{e}"
        );
        let e = u64_of(&json!("0x10000000000000000"), "nonce")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not fit in 64 bits"), "{e}");
        let e = quantity(&json!(true), "nonce").unwrap_err().to_string();
        assert!(e.contains("got a boolean"), "{e}");
    }

    #[test]
    fn bytes_reject_odd_length_bad_chars_and_oversize() {
        assert_eq!(bytes(&json!("0x"), "data", 4).unwrap().len(), 0);
        assert_eq!(
            bytes(&json!("0xABcd"), "data", 4).unwrap().as_ref(),
            &[0xab, 0xcd]
        );
        let e = bytes(&json!("0x123"), "data", 4).unwrap_err().to_string();
        assert!(e.contains("odd-length hex `0x123`"), "{e}");
        let e = bytes(&json!("0x12g4"), "data", 4).unwrap_err().to_string();
        assert!(e.contains("invalid hex character `g` at position 4"), "{e}");
        let e = bytes(&json!("1234"), "data", 4).unwrap_err().to_string();
        assert!(e.contains("missing the `0x` prefix"), "{e}");
        let e = bytes(&json!("0x0102030405"), "data", 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than the limit of 4 bytes"), "{e}");
    }

    #[test]
    fn addresses_check_mixed_case_checksums() {
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert!(address(&json!(good), "to").is_ok());
        assert!(address(&json!(good.to_lowercase()), "to").is_ok());
        let bad = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        let e = address(&json!(bad), "to").unwrap_err().to_string();
        assert!(e.contains("invalid EIP-55 checksum"), "{e}");
        let e = address(&json!("0x1234"), "to").unwrap_err().to_string();
        assert!(e.contains("expected 20 bytes"), "{e}");
    }

    #[test]
    fn depth_is_measured_without_recursion() {
        let mut v = json!(1);
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        assert!(depth_exceeds(&v, 64));
        assert!(!depth_exceeds(&json!({"a": [1, {"b": 2}]}), 4));
        // Dropping a deeply nested value is recursive in serde_json; forget it instead.
        std::mem::forget(v);
    }
}
