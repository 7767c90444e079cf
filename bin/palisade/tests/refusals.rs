//! Every refusal on the JSON-RPC endpoint has the documented status, code and a message that
//! names what is wrong — and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn credentials_are_checked() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let sign = |tok: Option<String>| {
        let s = &s;
        async move {
            s.rpc_as(
                tok.as_deref(),
                "personal_sign",
                json!(["0x68656c6c6f", HARDHAT0_ADDR]),
            )
            .await
        }
    };
    let (st, v) = sign(None).await;
    assert_eq!((st, error_code(&v)), (401, -32000));
    assert!(error_message(&v).contains("missing API key"));

    let (st, v) = sign(Some(
        "pal_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
    ))
    .await;
    assert_eq!((st, error_message(&v).as_str()), (401, "invalid API key"));
    let (st, _) = sign(Some("garbage".into())).await;
    assert_eq!(st, 401);

    // A valid credential, then revoked: refused at once.
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "bot", "keys": ["*"], "methods": ["sign"]})),
        )
        .await;
    let tok = c["token"].as_str().unwrap().to_string();
    let (st, v) = sign(Some(tok.clone())).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["result"].as_str().unwrap().len(), 132);
    s.admin(
        Method::POST,
        &format!("/v1/credentials/{}/revoke", c["id"].as_str().unwrap()),
        None,
    )
    .await;
    let (st, v) = sign(Some(tok)).await;
    assert_eq!(st, 401);
    assert!(error_message(&v).contains("revoked"), "{v}");

    // Expired.
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(
                json!({"name": "short", "keys": ["*"], "methods": ["sign"], "expires_in_secs": 1}),
            ),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (st, v) = sign(Some(c["token"].as_str().unwrap().into())).await;
    assert_eq!(st, 401);
    assert!(error_message(&v).contains("expired"), "{v}");

    // The admin API refuses non-admin credentials.
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "app", "keys": ["*"]})),
        )
        .await;
    let (st, v) = s
        .admin_as(
            c["token"].as_str(),
            Method::POST,
            "/v1/keys",
            Some(json!({})),
        )
        .await;
    assert_eq!(st, 403, "{v}");
}

#[tokio::test]
async fn scope_frozen_and_group_refusals() {
    let s = Server::dev(&[]).await;
    let k = s.import_hardhat0().await;
    let (_, other) = s.admin(Method::POST, "/v1/keys", Some(json!({}))).await;
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "scoped", "keys": [other["id"]], "methods": ["sign"]})),
        )
        .await;
    let tok = c["token"].as_str().unwrap().to_string();

    let (_, v) = s
        .rpc_as(Some(&tok), "personal_sign", json!(["0x01", HARDHAT0_ADDR]))
        .await;
    assert_eq!(error_code(&v), -32004, "{v}");
    assert!(error_message(&v).contains(HARDHAT0_ADDR));
    let (_, v) = s.rpc_as(Some(&tok), "eth_accounts", json!([])).await;
    assert_eq!(v["result"], json!([other["address"]]));

    // The sign-only credential may not send.
    let (_, v) = s
        .rpc_as(
            Some(&tok),
            "eth_sendTransaction",
            json!([{"from": other["address"], "to": HARDHAT0_ADDR, "value": "0x1"}]),
        )
        .await;
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(error_message(&v).contains("send"));

    s.admin(
        Method::POST,
        &format!("/v1/keys/{}/freeze", k["id"].as_str().unwrap()),
        None,
    )
    .await;
    let (_, v) = s.rpc("personal_sign", json!(["0x01", HARDHAT0_ADDR])).await;
    assert_eq!(error_code(&v), -32003, "{v}");
    assert!(error_message(&v).contains("frozen"));
    s.admin(
        Method::POST,
        &format!("/v1/keys/{}/unfreeze", k["id"].as_str().unwrap()),
        None,
    )
    .await;
    let (_, v) = s.rpc("personal_sign", json!(["0x01", HARDHAT0_ADDR])).await;
    assert!(v["result"].is_string(), "{v}");
}

#[tokio::test]
async fn firewall_and_malformed_input() {
    let s = Server::dev(&[]).await;
    for m in [
        "admin_nodeInfo",
        "personal_unlockAccount",
        "debug_traceTransaction",
        "engine_forkchoiceUpdatedV3",
        "miner_start",
        "txpool_content",
    ] {
        let (_, v) = s.rpc(m, json!([])).await;
        assert_eq!(error_code(&v), -32001, "{m}: {v}");
        assert!(error_message(&v).contains(m), "{v}");
    }
    let (_, v) = s.rpc("anvil_setBalance", json!([])).await;
    assert_eq!(error_code(&v), -32601);

    let tok = s.token.clone();
    let (st, v) = s.raw_rpc(tok.as_deref(), b"{not json".to_vec()).await;
    assert_eq!((st, error_code(&v)), (200, -32700));
    let (_, v) = s
        .raw_rpc(
            tok.as_deref(),
            br#"{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}"#.to_vec(),
        )
        .await;
    assert_eq!(error_code(&v), -32600);
    let (_, v) = s.raw_rpc(tok.as_deref(), b"[]".to_vec()).await;
    assert_eq!(error_code(&v), -32600);
    let big_batch: Vec<_> = (0..101)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}))
        .collect();
    let (_, v) = s
        .raw_rpc(tok.as_deref(), serde_json::to_vec(&big_batch).unwrap())
        .await;
    assert!(error_message(&v).contains("101"), "{v}");
    let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, {"jsonrpc": "2.0", "id": 2, "method": "admin_peers"}]);
    let (_, v) = s
        .raw_rpc(tok.as_deref(), serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(v[0]["result"], "0x7a69");
    assert_eq!(v[1]["error"]["code"], -32001);

    // Oversized body: 413 before any parsing.
    let huge = vec![b' '; 1024 * 1024 + 10];
    let (st, _) = s.raw_rpc(tok.as_deref(), huge).await;
    assert_eq!(st, 413);

    // Bad params name the parameter.
    let (_, v) = s.rpc("personal_sign", json!(["0x01", "0x1234"])).await;
    assert_eq!(error_code(&v), -32602);
    assert!(error_message(&v).contains("address"), "{v}");
    let (_, v) = s
        .rpc(
            "eth_signTransaction",
            json!([{"from": HARDHAT0_ADDR, "bogus": 1}]),
        )
        .await;
    assert_eq!(error_code(&v), -32602);
    assert!(error_message(&v).contains("bogus"), "{v}");
}

#[tokio::test]
async fn wrong_chain_id_is_refused() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let tx = json!({"from": HARDHAT0_ADDR, "to": HARDHAT0_ADDR, "nonce": "0x0", "gas": "0x5208", "gasPrice": "0x1", "value": "0x0", "chainId": "0x1"});
    let (_, v) = s.rpc("eth_signTransaction", json!([tx])).await;
    assert_eq!(error_code(&v), -32006, "{v}");
    assert!(
        error_message(&v).contains("chain 1") && error_message(&v).contains("31337"),
        "{v}"
    );
    let mut ok = tx.clone();
    ok["chainId"] = json!("0x7a69");
    let (_, v) = s.rpc("eth_signTransaction", json!([ok])).await;
    assert!(v["result"].as_str().unwrap().starts_with("0xf8"), "{v}");
}

#[tokio::test]
async fn dev_mode_refuses_non_loopback() {
    let (code, _, err) = cli(&["serve", "--dev", "--listen", "0.0.0.0:18999"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("non-loopback"), "{err}");
}

#[tokio::test]
async fn every_request_is_in_a_verifiable_audit_log() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    for _ in 0..5 {
        s.rpc("personal_sign", json!(["0x01", HARDHAT0_ADDR])).await;
    }
    s.rpc("admin_nodeInfo", json!([])).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (st, v) = s.admin(Method::POST, "/v1/audit/verify", None).await;
    assert_eq!(st, 200, "{v}");
    // init + import (2) + 5 × (request + result) + denial ≥ 14
    assert!(v["size"].as_u64().unwrap() >= 14, "{v}");
}
