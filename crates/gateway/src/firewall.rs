//! The RPC firewall: which methods that Palisade does not answer itself may reach the upstream.
//!
//! Deny by default: only known read-only methods are forwarded. Namespaces that control or
//! unlock a node are refused with a message naming them, whatever the configuration.

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
    /// Not a known read-only method.
    Unknown,
}

pub fn classify(method: &str) -> Verdict {
    if let Some(prefix) = HARD_DENIED_PREFIXES.iter().find(|p| method.starts_with(*p)) {
        return Verdict::HardDenied(prefix);
    }
    if READ_ONLY.binary_search(&method).is_ok() {
        Verdict::Forward
    } else {
        Verdict::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
