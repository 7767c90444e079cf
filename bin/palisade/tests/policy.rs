//! Policy through the real JSON-RPC endpoint: every rule type on both sides, invalid bundles,
//! velocity across a restart, M-of-N approvals, approval-gated policy change, what-if.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use common::*;
use ed25519_dalek::Signer;
use reqwest::Method;
use serde_json::{json, Value};

const TO: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BAD: &str = "0x3333333333333333333333333333333333333333";
const TOKEN: &str = "0x2222222222222222222222222222222222222222";

fn tx(to: &str, value: &str, data: &str) -> Value {
    json!({"from": HARDHAT0_ADDR, "to": to, "value": value, "data": data, "nonce": "0x0", "gas": "0x30000",
           "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1"})
}

fn erc20(selector: &str, who: &str, amount: u128) -> String {
    format!(
        "0x{selector}{:0>64}{amount:064x}",
        who.trim_start_matches("0x").to_lowercase()
    )
}

async fn set_rules(s: &Server, rules: &str) -> (u16, Value) {
    let cedar = s.admin(Method::GET, "/v1/policy", None).await.1["cedar"]
        .as_str()
        .unwrap()
        .to_string();
    s.admin(
        Method::PUT,
        "/v1/policy",
        Some(json!({"cedar": cedar, "rules": rules})),
    )
    .await
}

async fn sign_tx(s: &Server, t: Value) -> Value {
    s.rpc("eth_signTransaction", json!([t])).await.1
}

fn assert_allowed(v: &Value, what: &str) {
    assert!(
        v["result"].is_string(),
        "{what}: expected a signature, got {v}"
    );
}

fn assert_denied_by(v: &Value, rule: &str) {
    assert_eq!(error_code(v), -32001, "expected rule `{rule}` to deny: {v}");
    assert!(
        error_message(v).contains(&format!("rule `{rule}`")),
        "message must name rule `{rule}`: {v}"
    );
}

#[tokio::test]
async fn every_rule_type_allows_and_denies_through_json_rpc() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let hour = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 3600)
        % 24;
    let (open_from, open_to) = (
        format!("{:02}:00", hour),
        format!("{:02}:00", (hour + 1) % 24),
    );
    let (closed_from, closed_to) = (
        format!("{:02}:00", (hour + 2) % 24),
        format!("{:02}:00", (hour + 3) % 24),
    );
    let u256_max = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    let cases: Vec<(&str, String, Value, Value)> = vec![
        ("cap", "[[rule]]\nid = \"cap\"\nkind = \"max_value\"\nmax = \"1 ether\"\n".into(), tx(TO, "0xde0b6b3a7640000", "0x"), tx(TO, "0xde0b6b3a7640001", "0x")),
        (
            "usdc",
            format!("[[rule]]\nid = \"usdc\"\nkind = \"token_cap\"\ntoken = \"{TOKEN}\"\nmax = \"100\"\ndecimals = 6\n"),
            tx(TOKEN, "0x0", &erc20("a9059cbb", TO, 100_000_000)),
            tx(TOKEN, "0x0", &erc20("a9059cbb", TO, 100_000_001)),
        ),
        ("deny", format!("[[rule]]\nid = \"deny\"\nkind = \"deny_destinations\"\naddresses = [\"{BAD}\"]\n"), tx(TO, "0x1", "0x"), tx(BAD, "0x1", "0x")),
        ("allow", format!("[[rule]]\nid = \"allow\"\nkind = \"allow_destinations\"\naddresses = [\"{TO}\"]\n"), tx(TO, "0x1", "0x"), tx(BAD, "0x1", "0x")),
        (
            "contracts",
            format!("[[rule]]\nid = \"contracts\"\nkind = \"contract_allowlist\"\ncontracts = [{{ address = \"{TOKEN}\", selectors = [\"transfer(address,uint256)\"], args = [{{ index = 1, op = \"lte\", value = \"1000\" }}] }}]\n"),
            tx(TOKEN, "0x0", &erc20("a9059cbb", TO, 1000)),
            tx(TOKEN, "0x0", &erc20("a9059cbb", TO, 1001)),
        ),
        (
            "unlimited",
            "[[rule]]\nid = \"unlimited\"\nkind = \"unlimited_approval\"\n".into(),
            tx(TOKEN, "0x0", &erc20("095ea7b3", TO, 5)),
            tx(TOKEN, "0x0", &format!("0x095ea7b3{:0>64}{u256_max}", TO.trim_start_matches("0x").to_lowercase())),
        ),
        ("fees", "[[rule]]\nid = \"fees\"\nkind = \"fee_cap\"\nmax_fee_per_gas = \"1 gwei\"\n".into(), tx(TO, "0x1", "0x"), {
            let mut t = tx(TO, "0x1", "0x");
            t["maxFeePerGas"] = json!("0x3b9aca01");
            t
        }),
    ];
    for (rule, rules, allowed, denied) in cases {
        let (st, v) = set_rules(&s, &rules).await;
        assert_eq!(st, 200, "{rule}: {v}");
        assert_allowed(&sign_tx(&s, allowed).await, rule);
        assert_denied_by(&sign_tx(&s, denied).await, rule);
    }

    // Chain pinning: this endpoint signs for 31337.
    set_rules(
        &s,
        "[[rule]]\nid = \"pin\"\nkind = \"chain_pin\"\nchains = [31337]\n",
    )
    .await;
    assert_allowed(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "pin");
    set_rules(
        &s,
        "[[rule]]\nid = \"pin\"\nkind = \"chain_pin\"\nchains = [1]\n",
    )
    .await;
    assert_denied_by(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "pin");

    // Time windows: one containing now, one that does not.
    set_rules(&s, &format!("[[rule]]\nid = \"hours\"\nkind = \"time_window\"\ntz = \"UTC\"\nfrom = \"{open_from}\"\nto = \"{open_to}\"\n")).await;
    assert_allowed(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "hours");
    set_rules(&s, &format!("[[rule]]\nid = \"hours\"\nkind = \"time_window\"\ntz = \"UTC\"\nfrom = \"{closed_from}\"\nto = \"{closed_to}\"\n")).await;
    assert_denied_by(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "hours");

    // Velocity by count.
    set_rules(
        &s,
        "[[rule]]\nid = \"burst\"\nkind = \"velocity\"\nwindow = \"1h\"\nmax_count = 2\n",
    )
    .await;
    assert_allowed(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "burst 1");
    assert_allowed(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "burst 2");
    assert_denied_by(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "burst");

    // EIP-712: a Permit with an unlimited amount is an unlimited approval.
    set_rules(
        &s,
        "[[rule]]\nid = \"permits\"\nkind = \"unlimited_approval\"\n",
    )
    .await;
    let permit = |value: &str| {
        json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]
            },
            "primaryType": "Permit",
            "domain": {"name": "Token", "chainId": 31337, "verifyingContract": TOKEN},
            "message": {"owner": HARDHAT0_ADDR, "spender": TO, "value": value, "nonce": 0, "deadline": 4102444800u64}
        })
    };
    let (_, v) = s
        .rpc(
            "eth_signTypedData_v4",
            json!([HARDHAT0_ADDR, permit("1000")]),
        )
        .await;
    assert_allowed(&v, "permit");
    let (_, v) = s.rpc("eth_signTypedData_v4", json!([HARDHAT0_ADDR, permit("115792089237316195423570985008687907853269984665640564039457584007913129639935")])).await;
    assert_denied_by(&v, "permits");
}

#[tokio::test]
async fn cedar_policies_decide_and_invalid_bundles_are_rejected_whole() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let before = s.admin(Method::GET, "/v1/policy", None).await.1;
    for bad in [
        json!({"cedar": "permit(principal, action == Palisade::Action::\"teleport\", resource);", "rules": ""}),
        json!({"cedar": before["cedar"], "rules": "[[rule]]\nid = \"x\"\nkind = \"max_value\"\nmax = \"many\"\n"}),
        json!({"cedar": before["cedar"], "rules": "", "extra": 1}),
    ] {
        let (st, v) = s.admin(Method::PUT, "/v1/policy", Some(bad)).await;
        assert_eq!(st, 400, "{v}");
    }
    assert_eq!(
        s.admin(Method::GET, "/v1/policy", None).await.1["version"],
        before["version"]
    );

    // A Cedar forbid on a key label denies with the policy's id in the message.
    let (_, k) = s
        .admin(
            Method::POST,
            "/v1/keys",
            Some(json!({"labels": {"env": "cold"}})),
        )
        .await;
    let cedar = format!("{}\n@id(\"cold-keys-never-send\")\nforbid(principal, action == Palisade::Action::\"sign_transaction\", resource) when {{ resource.hasTag(\"env\") && resource.getTag(\"env\") == \"cold\" }};", before["cedar"].as_str().unwrap());
    let (st, v) = s
        .admin(
            Method::PUT,
            "/v1/policy",
            Some(json!({"cedar": cedar, "rules": ""})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let mut t = tx(TO, "0x1", "0x");
    t["from"] = k["address"].clone();
    let v = sign_tx(&s, t).await;
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(error_message(&v).contains("cold-keys-never-send"), "{v}");
    assert_allowed(&sign_tx(&s, tx(TO, "0x1", "0x")).await, "other key");
    // Messages are a different action and still allowed for the cold key.
    let (_, v) = s.rpc("personal_sign", json!(["0x01", k["address"]])).await;
    assert_allowed(&v, "message with cold key");
}

#[tokio::test]
async fn velocity_survives_a_restart() {
    let t = tempdir();
    let data = data_dir_in(&t);
    let token_file = t.path().join("tok");
    let share_dir = t.path().join("shares");
    let (code, o, e) = cli(
        &[
            "init",
            "--data-dir",
            &path_str(&data),
            "--shares",
            "1",
            "--threshold",
            "1",
            "--share-dir",
            &path_str(&share_dir),
            "--root-token-file",
            &path_str(&token_file),
        ],
        &[],
    );
    assert_eq!(code, 0, "{o}{e}");
    let share = std::fs::read_to_string(share_dir.join("share-1.txt"))
        .unwrap()
        .trim()
        .to_string();
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_string();
    let start = || async {
        let s = Server::data_dir(&data).await.with_token(&token);
        s.admin_as(
            None,
            Method::POST,
            "/v1/sys/unseal",
            Some(json!({"share": share})),
        )
        .await;
        s
    };
    let s = start().await;
    s.import_hardhat0().await;
    let (st, v) = set_rules(
        &s,
        "[[rule]]\nid = \"daily\"\nkind = \"velocity\"\nwindow = \"1d\"\nmax_value = \"3 wei\"\n",
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_allowed(&sign_tx(&s, tx(TO, "0x2", "0x")).await, "first");
    drop(s);
    let s = start().await;
    // The policy and the spent budget both survived.
    assert_denied_by(&sign_tx(&s, tx(TO, "0x2", "0x")).await, "daily");
    assert_allowed(
        &sign_tx(&s, tx(TO, "0x1", "0x")).await,
        "fits the rest of the budget",
    );
}

struct Approver {
    token: String,
    key: ed25519_dalek::SigningKey,
}

async fn approver(s: &Server, name: &str, seed: u8) -> Approver {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let (st, c) = s
        .admin(Method::POST, "/v1/credentials", Some(json!({"name": name, "keys": [], "methods": ["read"], "groups": ["treasury"], "approver_key": hex::encode(key.verifying_key().to_bytes())})))
        .await;
    assert_eq!(st, 201, "{c}");
    Approver {
        token: c["token"].as_str().unwrap().into(),
        key,
    }
}

async fn vote(s: &Server, a: &Approver, id: &str, accept: bool) -> (u16, Value) {
    let rec = s
        .admin_as(
            Some(&a.token),
            Method::GET,
            &format!("/v1/approvals/{id}"),
            None,
        )
        .await
        .1;
    let msg = format!(
        "palisade-approval-v1:{id}:{}:{}",
        rec["digest"].as_str().unwrap_or(""),
        if accept { "accept" } else { "reject" }
    );
    let sig = hex::encode(a.key.sign(msg.as_bytes()).to_bytes());
    s.admin_as(
        Some(&a.token),
        Method::POST,
        &format!(
            "/v1/approvals/{id}/{}",
            if accept { "accept" } else { "reject" }
        ),
        Some(json!({"signature": sig})),
    )
    .await
}

#[tokio::test]
async fn m_of_n_approvals() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    // The requester: a signing credential that is itself in the treasury group, to show it
    // still cannot approve its own request.
    let req_key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let (_, c) = s
        .admin(Method::POST, "/v1/credentials", Some(json!({"name": "payouts", "keys": ["*"], "methods": ["sign"], "groups": ["treasury"], "approver_key": hex::encode(req_key.verifying_key().to_bytes())})))
        .await;
    let requester = Approver {
        token: c["token"].as_str().unwrap().into(),
        key: req_key,
    };
    let (a, b) = (approver(&s, "alice", 1).await, approver(&s, "bob", 2).await);
    let (st, v) = set_rules(&s, "[[rule]]\nid = \"big\"\nkind = \"require_approval\"\ngroup = \"treasury\"\nquorum = 2\nmin_value = \"1 ether\"\n").await;
    assert_eq!(st, 200, "{v}");

    let big = tx(TO, "0xde0b6b3a7640000", "0x");
    // Below the threshold: signed at once.
    let (_, v) = s
        .rpc_as(
            Some(&requester.token),
            "eth_signTransaction",
            json!([tx(TO, "0x1", "0x")]),
        )
        .await;
    assert_allowed(&v, "small");
    // Above: held, with an approval id.
    let (_, v) = s
        .rpc_as(
            Some(&requester.token),
            "eth_signTransaction",
            json!([big.clone()]),
        )
        .await;
    assert_eq!(error_code(&v), -32010, "{v}");
    let id = v["error"]["data"]["approval_id"]
        .as_str()
        .unwrap()
        .to_string();

    let (st, v) = vote(&s, &requester, &id, true).await;
    assert_eq!(st, 403, "self-approval must be refused: {v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("separation of duties"),
        "{v}"
    );
    let (st, v) = vote(&s, &a, &id, true).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("pending")), "{v}");
    let (st, v) = vote(&s, &a, &id, true).await;
    assert_eq!(st, 403, "double vote: {v}");
    let (st, v) = vote(&s, &b, &id, true).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["status"], "executed", "{v}");
    let raw = v["result"].as_str().unwrap().to_string();

    // The requester waits on the outcome and gets the same signed transaction that signing
    // without the rule produces (deterministic signatures).
    let (_, rec) = s
        .admin_as(
            Some(&requester.token),
            Method::GET,
            &format!("/v1/approvals/{id}?wait=5"),
            None,
        )
        .await;
    assert_eq!(rec["result"], raw);
    set_rules(&s, "").await;
    let (_, direct) = s.rpc("eth_signTransaction", json!([big.clone()])).await;
    assert_eq!(direct["result"], raw);

    // One rejection ends a request; expired requests cannot be approved.
    set_rules(&s, "[[rule]]\nid = \"big\"\nkind = \"require_approval\"\ngroup = \"treasury\"\nquorum = 2\nttl = \"1s\"\n").await;
    let (_, v) = s
        .rpc_as(
            Some(&requester.token),
            "eth_signTransaction",
            json!([big.clone()]),
        )
        .await;
    let id2 = v["error"]["data"]["approval_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, v) = vote(&s, &a, &id2, false).await;
    assert_eq!(v["status"], "rejected", "{v}");
    let (st, _) = vote(&s, &b, &id2, true).await;
    assert_eq!(st, 403);
    let (_, v) = s
        .rpc_as(Some(&requester.token), "eth_signTransaction", json!([big]))
        .await;
    let id3 = v["error"]["data"]["approval_id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (st, v) = vote(&s, &a, &id3, true).await;
    assert_eq!(st, 403, "{v}");
    assert!(v["error"].as_str().unwrap().contains("Expired"), "{v}");
}

#[tokio::test]
async fn policy_change_under_approval_applies_only_when_approved() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let (a, b) = (approver(&s, "alice", 1).await, approver(&s, "bob", 2).await);
    let gate = "[[rule]]\nid = \"four-eyes\"\nkind = \"require_approval\"\ngroup = \"treasury\"\nquorum = 2\nmatch = { methods = [\"policy.change\"] }\n";
    let (st, _) = set_rules(&s, gate).await;
    assert_eq!(st, 200);
    let v0 = s.admin(Method::GET, "/v1/policy", None).await.1["version"]
        .as_u64()
        .unwrap();
    let strict = format!("{gate}\n[[rule]]\nid = \"cap\"\nkind = \"max_value\"\nmax = \"1 wei\"\n");
    let (st, v) = set_rules(&s, &strict).await;
    assert_eq!(st, 202, "{v}");
    let id = v["approval_id"].as_str().unwrap().to_string();
    // Not applied yet.
    assert_eq!(
        s.admin(Method::GET, "/v1/policy", None).await.1["version"]
            .as_u64()
            .unwrap(),
        v0
    );
    assert_allowed(
        &sign_tx(&s, tx(TO, "0x2", "0x")).await,
        "old policy still active",
    );
    vote(&s, &a, &id, true).await;
    let (_, v) = vote(&s, &b, &id, true).await;
    assert_eq!(v["status"], "executed", "{v}");
    assert_eq!(
        s.admin(Method::GET, "/v1/policy", None).await.1["version"]
            .as_u64()
            .unwrap(),
        v0 + 1
    );
    assert_denied_by(&sign_tx(&s, tx(TO, "0x2", "0x")).await, "cap");
}

#[tokio::test]
async fn what_if_reports_decision_and_reasons() {
    let s = Server::dev(&[]).await;
    let k = s.import_hardhat0().await;
    set_rules(
        &s,
        "[[rule]]\nid = \"cap\"\nkind = \"max_value\"\nmax = \"1 ether\"\n",
    )
    .await;
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "bot", "keys": ["*"], "methods": ["send"]})),
        )
        .await;
    let body = |value: &str| json!({"credential": c["id"], "key": k["id"], "tx": {"from": HARDHAT0_ADDR, "to": TO, "value": value}});
    let (st, v) = s
        .admin(Method::POST, "/v1/policy/test", Some(body("0x1")))
        .await;
    assert_eq!((st, v["decision"].as_str()), (200, Some("allow")), "{v}");
    let (_, v) = s
        .admin(
            Method::POST,
            "/v1/policy/test",
            Some(body("0xde0b6b3a7640001")),
        )
        .await;
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(v["reasons"].to_string().contains("rule `cap`"), "{v}");
}

/// Admin credential creation under approval: held (202) until M-of-N approve; the new API key
/// never appears in the approval record; the requester completes it by repeating the same
/// request with the approval id, once; a changed request or a non-admin one is not affected.
#[tokio::test]
async fn admin_credential_creation_under_approval() {
    let s = Server::dev(&[]).await;
    let (a, b) = (approver(&s, "alice", 1).await, approver(&s, "bob", 2).await);
    let gate = "[[rule]]\nid = \"new-admins\"\nkind = \"require_approval\"\ngroup = \"treasury\"\nquorum = 2\nmatch = { methods = [\"credential.create_admin\"] }\n";
    let (st, _) = set_rules(&s, gate).await;
    assert_eq!(st, 200);

    // A non-admin credential is not held by this rule.
    let (st, v) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "bot", "methods": ["read"]})),
        )
        .await;
    assert_eq!(st, 201, "{v}");

    let body =
        json!({"name": "ops-admin", "admin": true, "methods": ["read"], "expires_in_secs": 3600});
    let (st, v) = s
        .admin(Method::POST, "/v1/credentials", Some(body.clone()))
        .await;
    assert_eq!(st, 202, "{v}");
    let id = v["approval_id"].as_str().unwrap().to_string();
    assert!(v["reason"].as_str().unwrap().contains("new-admins"), "{v}");
    let mut completing = body.clone();
    completing["approval_id"] = json!(id);

    // Not yet approved: cannot be completed.
    let (st, v) = s
        .admin(Method::POST, "/v1/credentials", Some(completing.clone()))
        .await;
    assert_eq!(st, 403, "{v}");

    vote(&s, &a, &id, true).await;
    let (st, v) = vote(&s, &b, &id, true).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["status"], "approved",
        "completed by the requester, not by the vote: {v}"
    );
    let (_, list) = s.admin(Method::GET, "/v1/credentials", None).await;
    assert!(
        !list.to_string().contains("ops-admin"),
        "no credential before the requester completes it: {list}"
    );

    // A different request cannot ride on this approval.
    let mut changed = completing.clone();
    changed["methods"] = json!(["read", "sign", "send"]);
    let (st, v) = s
        .admin(Method::POST, "/v1/credentials", Some(changed))
        .await;
    assert_eq!(st, 403, "{v}");
    assert!(v.to_string().contains("differs"), "{v}");

    let (st, v) = s
        .admin(Method::POST, "/v1/credentials", Some(completing.clone()))
        .await;
    assert_eq!(st, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    assert!(
        v["expires_at"].as_u64().is_some(),
        "approved expiry kept: {v}"
    );
    // The key works, as an admin credential.
    let (st, _) = s
        .admin_as(Some(&token), Method::GET, "/v1/credentials", None)
        .await;
    assert_eq!(st, 200);
    // It is nowhere in the approval record.
    let (_, rec) = s
        .admin(Method::GET, &format!("/v1/approvals/{id}"), None)
        .await;
    assert_eq!(rec["status"], "executed", "{rec}");
    assert!(!rec.to_string().contains(&token[4..]), "{rec}");
    // Once only.
    let (st, v) = s
        .admin(Method::POST, "/v1/credentials", Some(completing))
        .await;
    assert_eq!(st, 403, "{v}");
}
