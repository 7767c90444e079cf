//! The RPC firewall: which methods that Palisade does not answer itself may reach the upstream.
//!
//! Deny by default: only known read-only methods are forwarded. Namespaces that control or
//! unlock a node are refused with a message naming them, whatever the configuration. On top of
//! that: a credential may carry its own method allowlist, `eth_getLogs` / `eth_newFilter` block
//! ranges are capped, and upstream answers are size-capped (in `palisade_node::upstream`).

use std::sync::Arc;

use palisade_node::{Chain, Node, RequestCtx};
use serde_json::Value;

use crate::errors::{RpcError, DENIED, INVALID_PARAMS};
use crate::metrics;

/// Namespaces never forwarded.
pub const HARD_DENIED_PREFIXES: &[&str] = &[
    "admin_",
    "personal_",
    "debug_",
    "miner_",
    "txpool_",
    "engine_",
];

/// Read-only methods forwarded by default.
pub const READ_ONLY: &[&str] = &[
    "eth_blobBaseFee",
    "eth_blockNumber",
    "eth_call",
    "eth_createAccessList",
    "eth_estimateGas",
    "eth_feeHistory",
    "eth_gasPrice",
    "eth_getBalance",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getBlockReceipts",
    "eth_getBlockTransactionCountByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getCode",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_getLogs",
    "eth_getProof",
    "eth_getStorageAt",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByHash",
    "eth_getTransactionCount",
    "eth_getTransactionReceipt",
    "eth_getUncleByBlockHashAndIndex",
    "eth_getUncleByBlockNumberAndIndex",
    "eth_getUncleCountByBlockHash",
    "eth_getUncleCountByBlockNumber",
    "eth_maxPriorityFeePerGas",
    "eth_newBlockFilter",
    "eth_newFilter",
    "eth_newPendingTransactionFilter",
    "eth_protocolVersion",
    "eth_syncing",
    "eth_uninstallFilter",
    "net_listening",
    "net_peerCount",
    "net_version",
    "web3_clientVersion",
    "web3_sha3",
];

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Forward,
    /// A dangerous namespace: refused whatever the credential.
    HardDenied(&'static str),
    /// Subscriptions: only over WebSocket (there is nowhere to push notifications over HTTP).
    WebSocketOnly,
    /// Not a known read-only method.
    Unknown,
}

/// Methods served only on WebSocket connections.
pub const WEBSOCKET_ONLY: &[&str] = &["eth_subscribe", "eth_unsubscribe"];

pub fn classify(method: &str) -> Verdict {
    if let Some(prefix) = HARD_DENIED_PREFIXES.iter().find(|p| method.starts_with(*p)) {
        return Verdict::HardDenied(prefix);
    }
    if READ_ONLY.binary_search(&method).is_ok() {
        Verdict::Forward
    } else if WEBSOCKET_ONLY.contains(&method) {
        Verdict::WebSocketOnly
    } else {
        Verdict::Unknown
    }
}

/// Whether the credential's own method allowlist (if it has one) admits `method`. Entries are
/// exact names or namespace wildcards such as `eth_*`.
pub fn credential_allows(node: &Arc<Node>, ctx: &RequestCtx, method: &str) -> Result<(), RpcError> {
    let Some(list) = node.credentials().rpc_methods(&ctx.principal.credential_id) else {
        return Ok(());
    };
    if list_allows(&list, method) {
        return Ok(());
    }
    metrics::global().firewall_denied("credential_allowlist");
    let msg = format!(
        "method `{}` is not in the method allowlist of credential `{}`",
        method.chars().take(64).collect::<String>(),
        ctx.principal.credential_id
    );
    node.audit_refusal(Some(ctx), method, &msg);
    Err(RpcError::new(DENIED, msg))
}

fn list_allows<'a>(list: impl IntoIterator<Item = &'a String>, method: &str) -> bool {
    list.into_iter().any(|e| match e.strip_suffix('*') {
        Some(prefix) => method.starts_with(prefix),
        None => e == method,
    })
}

/// A block reference in a log filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockRef {
    Number(u64),
    Earliest,
    /// `latest`, `safe`, `finalized`, `pending`, or absent.
    Head,
}

fn block_ref(v: Option<&Value>, field: &str) -> Result<BlockRef, RpcError> {
    let Some(v) = v else {
        return Ok(BlockRef::Head);
    };
    let bad = || {
        RpcError::new(
            INVALID_PARAMS,
            format!("invalid params: filter `{field}` must be a block number or tag"),
        )
    };
    match v.as_str().ok_or_else(bad)? {
        "earliest" => Ok(BlockRef::Earliest),
        "latest" | "safe" | "finalized" | "pending" => Ok(BlockRef::Head),
        s => {
            let h = s.strip_prefix("0x").ok_or_else(bad)?;
            if h.is_empty() || h.len() > 16 {
                return Err(bad());
            }
            u64::from_str_radix(h, 16)
                .map(BlockRef::Number)
                .map_err(|_| bad())
        }
    }
}

/// Checks a forwarded request's parameters: today, the block range of log queries.
pub async fn check_forward(
    node: &Arc<Node>,
    ctx: &RequestCtx,
    chain: &Chain,
    method: &str,
    params: &Value,
) -> Result<(), RpcError> {
    if !matches!(method, "eth_getLogs" | "eth_newFilter") {
        return Ok(());
    }
    let max = node.config.firewall.max_get_logs_blocks;
    let Some(filter) = params.get(0) else {
        return Ok(());
    };
    if filter.get("blockHash").is_some_and(|h| !h.is_null()) {
        return Ok(());
    }
    let from = block_ref(filter.get("fromBlock"), "fromBlock")?;
    let to = block_ref(filter.get("toBlock"), "toBlock")?;
    let start = match from {
        BlockRef::Head => return Ok(()),
        BlockRef::Earliest => 0,
        BlockRef::Number(n) => n,
    };
    let end = match to {
        BlockRef::Number(n) => n,
        BlockRef::Earliest => 0,
        BlockRef::Head => {
            let head = chain
                .upstream
                .call_u128("eth_blockNumber", Value::Array(Vec::new()))
                .await
                .map_err(|e| {
                    RpcError::new(
                        crate::errors::UPSTREAM,
                        format!("cannot check the log range: {e}"),
                    )
                })?;
            u64::try_from(head).unwrap_or(u64::MAX)
        }
    };
    let span = end.saturating_sub(start).saturating_add(1);
    if span > max {
        metrics::global().firewall_denied("get_logs_range");
        let msg = format!("`{method}` over {span} blocks exceeds the limit of {max}: query a narrower `fromBlock`..`toBlock` range");
        node.audit_refusal(Some(ctx), method, &msg);
        return Err(RpcError::new(DENIED, msg));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn allowlist_entries_and_wildcards() {
        let list = vec!["eth_blockNumber".to_string(), "net_*".to_string()];
        assert!(list_allows(&list, "eth_blockNumber"));
        assert!(list_allows(&list, "net_version"));
        assert!(!list_allows(&list, "eth_getLogs"));
    }

    #[test]
    fn block_refs() {
        assert_eq!(
            block_ref(Some(&Value::from("0x10")), "f").unwrap(),
            BlockRef::Number(16)
        );
        assert_eq!(
            block_ref(Some(&Value::from("earliest")), "f").unwrap(),
            BlockRef::Earliest
        );
        assert_eq!(block_ref(None, "f").unwrap(), BlockRef::Head);
        assert!(block_ref(Some(&Value::from("12")), "f").is_err());
        assert!(block_ref(Some(&Value::from("0x")), "f").is_err());
    }

    #[test]
    fn list_is_sorted_for_binary_search() {
        let mut sorted = READ_ONLY.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, READ_ONLY);
    }

    #[test]
    fn dangerous_namespaces_and_unknowns_are_refused() {
        assert_eq!(classify("admin_nodeInfo"), Verdict::HardDenied("admin_"));
        assert_eq!(
            classify("personal_unlockAccount"),
            Verdict::HardDenied("personal_")
        );
        assert_eq!(
            classify("engine_newPayloadV3"),
            Verdict::HardDenied("engine_")
        );
        assert_eq!(
            classify("debug_traceTransaction"),
            Verdict::HardDenied("debug_")
        );
        assert_eq!(classify("anvil_setBalance"), Verdict::Unknown);
        assert_eq!(classify("eth_submitWork"), Verdict::Unknown);
        assert_eq!(classify("eth_getBalance"), Verdict::Forward);
        assert_eq!(classify("eth_subscribe"), Verdict::WebSocketOnly);
        assert_eq!(classify("eth_unsubscribe"), Verdict::WebSocketOnly);
    }
}
