//! What policy sees of a request: the decoded transaction (or typed data, or message) reduced to
//! the facts rules are written against. ERC-20 `transfer`, `transferFrom`, `approve`,
//! `increaseAllowance` and EIP-2612 / Permit2 signatures are decoded, so a token movement or an
//! allowance is judged the same way whether it arrives as a transaction or as a signature.

use palisade_chain::{Address, TxRequest, TypedDataDigest, U256};
use serde_json::Value;

/// How the request uses the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SignTransaction,
    SendTransaction,
    SendRawTransaction,
    SignMessage,
    SignTypedData,
}

impl Action {
    /// The Cedar action id.
    pub fn cedar_name(self) -> &'static str {
        match self {
            Action::SignTransaction => "sign_transaction",
            Action::SendTransaction => "send_transaction",
            Action::SendRawTransaction => "send_raw_transaction",
            Action::SignMessage => "sign_message",
            Action::SignTypedData => "sign_typed_data",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOpKind {
    Transfer,
    TransferFrom,
    Approve,
    /// A signed allowance (EIP-2612 `Permit`, Permit2): treated as an approval.
    Permit,
}

/// A decoded ERC-20 movement or allowance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenOp {
    pub kind: TokenOpKind,
    pub token: Address,
    /// Recipient (transfers) or spender (approvals, permits).
    pub counterparty: Address,
    pub amount: U256,
}

impl TokenOp {
    pub fn is_approval(&self) -> bool {
        matches!(self.kind, TokenOpKind::Approve | TokenOpKind::Permit)
    }
    /// `type(uint256).max` or anything at or above 2^255 counts as unlimited.
    pub fn is_unlimited(&self) -> bool {
        self.is_approval() && self.amount >= (U256::from(1u8) << 255)
    }
}

/// Everything rules and Cedar policies can look at.
#[derive(Clone, Debug)]
pub struct Facts {
    pub action: Action,
    pub method: String,
    pub chain_id: u64,
    pub key_id: String,
    pub key_address: Option<Address>,
    pub key_labels: std::collections::BTreeMap<String, String>,
    pub credential_id: String,
    pub source_ip: Option<std::net::IpAddr>,
    /// Seconds since the Unix epoch when the request was decided.
    pub now: i64,
    pub to: Option<Address>,
    pub value: U256,
    pub selector: Option<[u8; 4]>,
    pub calldata: Vec<u8>,
    pub tx_type: Option<u8>,
    pub max_fee_per_gas: Option<u128>,
    pub max_priority_fee_per_gas: Option<u128>,
    pub token_op: Option<TokenOp>,
    pub typed_primary_type: Option<String>,
}

const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
const TRANSFER_FROM: [u8; 4] = [0x23, 0xb8, 0x72, 0xdd];
const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
const INCREASE_ALLOWANCE: [u8; 4] = [0x39, 0x50, 0x93, 0x51];

fn word(data: &[u8], i: usize) -> Option<&[u8]> {
    data.get(4 + 32 * i..4 + 32 * (i + 1))
}

fn word_address(data: &[u8], i: usize) -> Option<Address> {
    let w = word(data, i)?;
    // A well-formed ABI address word has 12 zero bytes first.
    w[..12]
        .iter()
        .all(|b| *b == 0)
        .then(|| Address::from_slice(&w[12..]))
}

fn word_u256(data: &[u8], i: usize) -> Option<U256> {
    word(data, i).map(U256::from_be_slice)
}

/// Decodes an ERC-20 call sent to `token`. Calldata of the wrong length is not decoded (it is
/// then judged by contract/selector allowlists only).
pub fn decode_erc20(token: Address, data: &[u8]) -> Option<TokenOp> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let (kind, args) = match selector {
        TRANSFER => (TokenOpKind::Transfer, 2),
        TRANSFER_FROM => (TokenOpKind::TransferFrom, 3),
        APPROVE | INCREASE_ALLOWANCE => (TokenOpKind::Approve, 2),
        _ => return None,
    };
    if data.len() != 4 + 32 * args {
        return None;
    }
    let (counterparty, amount) = match kind {
        TokenOpKind::TransferFrom => (word_address(data, 1)?, word_u256(data, 2)?),
        _ => (word_address(data, 0)?, word_u256(data, 1)?),
    };
    Some(TokenOp {
        kind,
        token,
        counterparty,
        amount,
    })
}

fn json_u256(v: &Value) -> Option<U256> {
    match v {
        Value::String(s) => match s.strip_prefix("0x") {
            Some(h) => U256::from_str_radix(h, 16).ok(),
            None => U256::from_str_radix(s, 10).ok(),
        },
        Value::Number(n) => n.as_u64().map(U256::from),
        _ => None,
    }
}

fn json_address(v: &Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

/// Recognises EIP-2612 `Permit` and Uniswap Permit2 (`PermitSingle`, `PermitTransferFrom`).
pub fn decode_permit(td: &TypedDataDigest) -> Option<TokenOp> {
    let m = &td.message;
    match td.primary_type.as_str() {
        "Permit" => Some(TokenOp {
            kind: TokenOpKind::Permit,
            token: td.verifying_contract?,
            counterparty: json_address(m.get("spender")?)?,
            amount: json_u256(m.get("value")?)?,
        }),
        "PermitSingle" => {
            let d = m.get("details")?;
            Some(TokenOp {
                kind: TokenOpKind::Permit,
                token: json_address(d.get("token")?)?,
                counterparty: json_address(m.get("spender")?)?,
                amount: json_u256(d.get("amount")?)?,
            })
        }
        "PermitTransferFrom" => {
            let p = m.get("permitted")?;
            Some(TokenOp {
                kind: TokenOpKind::Permit,
                token: json_address(p.get("token")?)?,
                counterparty: json_address(m.get("spender")?)?,
                amount: json_u256(p.get("amount")?)?,
            })
        }
        _ => None,
    }
}

impl Facts {
    /// Facts without a payload (messages), to be filled by `with_tx` / `with_typed_data`.
    pub fn new(
        action: Action,
        method: &str,
        chain_id: u64,
        key_id: &str,
        credential_id: &str,
    ) -> Self {
        Facts {
            action,
            method: method.to_string(),
            chain_id,
            key_id: key_id.to_string(),
            key_address: None,
            key_labels: Default::default(),
            credential_id: credential_id.to_string(),
            source_ip: None,
            now: palisade_types::unix_now() as i64,
            to: None,
            value: U256::ZERO,
            selector: None,
            calldata: Vec::new(),
            tx_type: None,
            max_fee_per_gas: None,
            max_priority_fee_per_gas: None,
            token_op: None,
            typed_primary_type: None,
        }
    }

    pub fn with_tx(mut self, tx: &TxRequest) -> Self {
        self.to = tx.to();
        self.value = tx.value();
        self.calldata = tx.input().to_vec();
        self.selector = self.calldata.get(..4).and_then(|s| s.try_into().ok());
        self.tx_type = Some(tx.tx_type());
        self.max_fee_per_gas = tx.max_fee_per_gas().or(tx.gas_price());
        self.max_priority_fee_per_gas = tx.max_priority_fee_per_gas();
        self.token_op = self.to.and_then(|to| decode_erc20(to, &self.calldata));
        self
    }

    /// For raw transactions decoded by the gateway.
    pub fn with_raw(mut self, tx: &palisade_chain::DecodedTx) -> Self {
        self.to = tx.to;
        self.value = tx.value;
        self.calldata = tx.input.to_vec();
        self.selector = self.calldata.get(..4).and_then(|s| s.try_into().ok());
        self.tx_type = Some(tx.tx_type);
        self.max_fee_per_gas = Some(tx.max_fee_per_gas);
        self.token_op = self.to.and_then(|to| decode_erc20(to, &self.calldata));
        self
    }

    pub fn with_typed_data(mut self, td: &TypedDataDigest) -> Self {
        self.typed_primary_type = Some(td.primary_type.clone());
        self.token_op = decode_permit(td);
        self.to = td.verifying_contract;
        self
    }

    /// Where value ends up: the token recipient / spender for token operations, else `to`.
    pub fn destinations(&self) -> Vec<Address> {
        let mut d = Vec::with_capacity(2);
        if let Some(to) = self.to {
            d.push(to);
        }
        if let Some(op) = &self.token_op {
            d.push(op.counterparty);
        }
        d
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn addr(b: u8) -> Address {
        Address::repeat_byte(b)
    }

    fn call(selector: [u8; 4], words: &[[u8; 32]]) -> Vec<u8> {
        let mut v = selector.to_vec();
        for w in words {
            v.extend_from_slice(w);
        }
        v
    }

    fn aw(a: Address) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[12..].copy_from_slice(a.as_slice());
        w
    }

    fn uw(x: U256) -> [u8; 32] {
        x.to_be_bytes()
    }

    #[test]
    fn erc20_calls_decode() {
        let t = decode_erc20(addr(1), &call(TRANSFER, &[aw(addr(2)), uw(U256::from(5))])).unwrap();
        assert_eq!(
            (t.kind, t.counterparty, t.amount),
            (TokenOpKind::Transfer, addr(2), U256::from(5))
        );
        let t = decode_erc20(
            addr(1),
            &call(
                TRANSFER_FROM,
                &[aw(addr(3)), aw(addr(4)), uw(U256::from(7))],
            ),
        )
        .unwrap();
        assert_eq!(
            (t.kind, t.counterparty, t.amount),
            (TokenOpKind::TransferFrom, addr(4), U256::from(7))
        );
        let t = decode_erc20(addr(1), &call(APPROVE, &[aw(addr(5)), uw(U256::MAX)])).unwrap();
        assert!(t.is_unlimited());
        // Wrong length or dirty address word: not decoded.
        assert!(decode_erc20(addr(1), &call(TRANSFER, &[aw(addr(2))])).is_none());
        let mut dirty = aw(addr(2));
        dirty[0] = 1;
        assert!(decode_erc20(addr(1), &call(TRANSFER, &[dirty, uw(U256::from(1))])).is_none());
    }

    #[test]
    fn permits_decode_as_approvals() {
        let td = TypedDataDigest {
            hash: Default::default(),
            primary_type: "Permit".into(),
            domain_chain_id: Some(1),
            verifying_contract: Some(addr(9)),
            message: serde_json::json!({"owner": format!("{}", addr(1)), "spender": format!("{}", addr(2)), "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935", "nonce": 0, "deadline": 1}),
        };
        let op = decode_permit(&td).unwrap();
        assert_eq!((op.token, op.counterparty), (addr(9), addr(2)));
        assert!(op.is_unlimited());
    }
}
