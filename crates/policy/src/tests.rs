#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::sync::Arc;

use palisade_barrier::{Barrier, InitRequest};
use palisade_chain::{parse_tx_request, U256};
use palisade_store::RedbStorage;
use serde_json::json;

use super::*;

fn barrier() -> (tempfile::TempDir, Arc<Barrier>) {
    let dir = tempfile::tempdir().unwrap();
    let b = Arc::new(Barrier::new(Arc::new(
        RedbStorage::open(&dir.path().join("p.redb")).unwrap(),
    )));
    let s = b
        .init(InitRequest::Shamir {
            shares: 1,
            threshold: 1,
        })
        .unwrap()
        .shares;
    b.submit_share(s[0].expose_secret()).unwrap();
    (dir, b)
}

fn principal() -> Principal {
    Principal {
        credential_id: "cred_a".into(),
        name: "bot".into(),
        keys: KeyScope::All,
        groups: [MethodGroup::Sign, MethodGroup::Send].into(),
        admin: false,
        cedar_groups: vec![],
        owner: None,
    }
}

const TO: &str = "0x1111111111111111111111111111111111111111";

fn tx_facts(tx: serde_json::Value) -> Facts {
    let req = parse_tx_request(&tx).unwrap();
    Facts::new(
        Action::SendTransaction,
        "eth_sendTransaction",
        1,
        "key_1",
        "cred_a",
    )
    .with_tx(&req)
}

fn engine(rules: &str) -> (tempfile::TempDir, PolicyEngine) {
    let (d, b) = barrier();
    let e = PolicyEngine::new(b).unwrap();
    e.set(PolicyBundle {
        cedar: cedar::DEFAULT_POLICIES.into(),
        rules: rules.into(),
    })
    .unwrap();
    (d, e)
}

fn decide(e: &PolicyEngine, f: &Facts) -> Result<Authorization, Denied> {
    e.authorize(&principal(), f, [1; 32], None)
}

#[test]
fn default_policy_allows_in_scope_and_denies_admin_to_non_admins() {
    let (_d, b) = barrier();
    let e = PolicyEngine::new(b).unwrap();
    let f = tx_facts(json!({"to": TO, "value": "0x1"}));
    assert!(matches!(decide(&e, &f), Ok(Authorization::Approved(_))));
    assert!(e.authorize_admin(&principal(), "key.create", None).is_err());
    let mut admin = principal();
    admin.admin = true;
    assert!(e.authorize_admin(&admin, "key.create", None).is_ok());
}

#[test]
fn max_value_both_sides() {
    let (_d, e) = engine("[[rule]]\nid = \"cap\"\nkind = \"max_value\"\nmax = \"1 ether\"\n");
    assert!(decide(
        &e,
        &tx_facts(json!({"to": TO, "value": "0xde0b6b3a7640000"}))
    )
    .is_ok()); // exactly 1 ether
    let err = decide(
        &e,
        &tx_facts(json!({"to": TO, "value": "0xde0b6b3a7640001"})),
    )
    .unwrap_err();
    assert!(err.to_string().contains("rule `cap`"), "{err}");
}

#[test]
fn invalid_bundles_are_rejected_whole() {
    let (_d, e) = engine("");
    let before = e.current().version;
    for bad in [
        PolicyBundle { cedar: "permit(principal, action == Palisade::Action::\"nope\", resource);".into(), rules: String::new() },
        PolicyBundle { cedar: "this is not cedar".into(), rules: String::new() },
        PolicyBundle { cedar: cedar::DEFAULT_POLICIES.into(), rules: "[[rule]]\nid = \"x\"\nkind = \"max_value\"\nmax = \"lots\"\n".into() },
        PolicyBundle { cedar: cedar::DEFAULT_POLICIES.into(), rules: "[[rule]]\nid = \"x\"\nkind = \"teleport\"\n".into() },
        PolicyBundle { cedar: cedar::DEFAULT_POLICIES.into(), rules: "[[rule]]\nid = \"a\"\nkind = \"chain_pin\"\nchains=[1]\n[[rule]]\nid = \"a\"\nkind = \"chain_pin\"\nchains=[1]\n".into() },
        PolicyBundle { cedar: "permit(principal, action, resource) when { context.nonexistent == 1 };".into(), rules: String::new() },
    ] {
        assert!(e.set(bad).is_err());
    }
    assert_eq!(e.current().version, before);
}

#[test]
fn cedar_forbid_with_context_and_tags() {
    let (_d, b) = barrier();
    let e = PolicyEngine::new(b).unwrap();
    let cedar = format!(
        "{}\n@id(\"no-prod-from-outside\")\nforbid(principal, action, resource) when {{ resource.hasTag(\"env\") && resource.getTag(\"env\") == \"prod\" && !context.source_ip.isInRange(ip(\"10.0.0.0/8\")) }};",
        cedar::DEFAULT_POLICIES
    );
    e.set(PolicyBundle {
        cedar,
        rules: String::new(),
    })
    .unwrap();
    let mut f = tx_facts(json!({"to": TO, "value": "0x1"}));
    f.key_labels.insert("env".into(), "prod".into());
    f.source_ip = Some("203.0.113.9".parse().unwrap());
    let err = decide(&e, &f).unwrap_err();
    assert!(err.to_string().contains("no-prod-from-outside"), "{err}");
    f.source_ip = Some("10.1.2.3".parse().unwrap());
    assert!(decide(&e, &f).is_ok());
}

fn erc20(selector: &str, args: &[String]) -> String {
    let mut s = format!("0x{selector}");
    for a in args {
        s.push_str(a);
    }
    s
}

fn addr_word(a: &str) -> String {
    format!("{:0>64}", a.trim_start_matches("0x").to_lowercase())
}

fn u_word(v: U256) -> String {
    format!("{v:064x}")
}

#[test]
fn token_caps_unlimited_approvals_and_lists() {
    let token = "0x2222222222222222222222222222222222222222";
    let rules = format!(
        r#"
[[rule]]
id = "usdc-cap"
kind = "token_cap"
token = "{token}"
max = "1000"
decimals = 6

[[rule]]
id = "no-unlimited"
kind = "unlimited_approval"

[[rule]]
id = "sanctions"
kind = "deny_destinations"
addresses = ["0x3333333333333333333333333333333333333333"]
"#
    );
    let (_d, e) = engine(&rules);
    let transfer = |to: &str, amt: U256| {
        tx_facts(json!({"to": token, "data": erc20("a9059cbb", &[addr_word(to), u_word(amt)])}))
    };
    assert!(decide(&e, &transfer(TO, U256::from(1_000_000_000u64))).is_ok());
    let err = decide(&e, &transfer(TO, U256::from(1_000_000_001u64))).unwrap_err();
    assert!(err.to_string().contains("usdc-cap"), "{err}");
    let err = decide(
        &e,
        &transfer(
            "0x3333333333333333333333333333333333333333",
            U256::from(1u8),
        ),
    )
    .unwrap_err();
    assert!(err.to_string().contains("sanctions"), "{err}");
    let approve = tx_facts(
        json!({"to": "0x4444444444444444444444444444444444444444", "data": erc20("095ea7b3", &[addr_word(TO), u_word(U256::MAX)])}),
    );
    let err = decide(&e, &approve).unwrap_err();
    assert!(err.to_string().contains("no-unlimited"), "{err}");
}

#[test]
fn contract_allowlist_with_argument_predicates() {
    let token = "0x2222222222222222222222222222222222222222";
    let rules = format!(
        r#"
[[rule]]
id = "only-payroll"
kind = "contract_allowlist"
contracts = [{{ address = "{token}", selectors = ["transfer(address,uint256)"], args = [{{ index = 0, op = "in", values = ["{TO}"] }}, {{ index = 1, op = "lte", value = "500" }}] }}]
"#
    );
    let (_d, e) = engine(&rules);
    let call = |to: &str, sel: &str, who: &str, amt: u64| {
        tx_facts(json!({"to": to, "data": erc20(sel, &[addr_word(who), u_word(U256::from(amt))])}))
    };
    assert!(decide(&e, &call(token, "a9059cbb", TO, 500)).is_ok());
    assert!(decide(&e, &call(token, "a9059cbb", TO, 501)).is_err());
    assert!(decide(
        &e,
        &call(
            token,
            "a9059cbb",
            "0x5555555555555555555555555555555555555555",
            1
        )
    )
    .is_err());
    assert!(decide(&e, &call(token, "095ea7b3", TO, 1)).is_err());
    assert!(decide(
        &e,
        &call(
            "0x6666666666666666666666666666666666666666",
            "a9059cbb",
            TO,
            1
        )
    )
    .is_err());
    // Plain value transfers carry no calldata and are not affected.
    assert!(decide(&e, &tx_facts(json!({"to": TO, "value": "0x5"}))).is_ok());
}

#[test]
fn chain_pin_fee_cap_and_time_window() {
    let (_d, e) = engine(
        r#"
[[rule]]
id = "mainnet-only"
kind = "chain_pin"
chains = [1]

[[rule]]
id = "fees"
kind = "fee_cap"
max_fee_per_gas = "100 gwei"

[[rule]]
id = "office-hours"
kind = "time_window"
tz = "Europe/Berlin"
days = ["mon", "tue", "wed", "thu", "fri"]
from = "09:00"
to = "18:00"
"#,
    );
    let mut f =
        tx_facts(json!({"to": TO, "maxFeePerGas": "0x174876e800", "maxPriorityFeePerGas": "0x1"}));
    // Wednesday 2026-11-25 12:00 Berlin = 11:00 UTC.
    f.now = 1_795_604_400;
    assert!(decide(&e, &f).is_ok(), "{:?}", decide(&e, &f).err());
    f.now += 8 * 3600; // 20:00 Berlin
    assert!(decide(&e, &f)
        .unwrap_err()
        .to_string()
        .contains("office-hours"));
    f.now -= 8 * 3600;
    f.chain_id = 5;
    assert!(decide(&e, &f)
        .unwrap_err()
        .to_string()
        .contains("mainnet-only"));
    f.chain_id = 1;
    let mut hot =
        tx_facts(json!({"to": TO, "maxFeePerGas": "0x174876e801", "maxPriorityFeePerGas": "0x1"}));
    hot.now = f.now;
    assert!(decide(&e, &hot).unwrap_err().to_string().contains("fees"));
}

#[test]
fn velocity_is_durable_and_not_overspendable() {
    let (d, b) = barrier();
    let rules = "[[rule]]\nid = \"hourly\"\nkind = \"velocity\"\nwindow = \"1h\"\nmax_value = \"10 wei\"\nmax_count = 100\n";
    {
        let e = Arc::new(PolicyEngine::new(b.clone()).unwrap());
        e.set(PolicyBundle {
            cedar: cedar::DEFAULT_POLICIES.into(),
            rules: rules.into(),
        })
        .unwrap();
        // 100 concurrent requests of 1 wei against a 10 wei budget: exactly 10 pass.
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || {
                    matches!(
                        decide(&e, &tx_facts(json!({"to": TO, "value": "0x1"}))),
                        Ok(Authorization::Approved(_))
                    )
                })
            })
            .collect();
        let ok = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|x| *x)
            .count();
        assert_eq!(ok, 10);
    }
    // A fresh engine over the same storage (a restart) still sees the spent budget.
    let e = PolicyEngine::new(b).unwrap();
    e.load().unwrap();
    let err = decide(&e, &tx_facts(json!({"to": TO, "value": "0x1"}))).unwrap_err();
    assert!(err.to_string().contains("hourly"), "{err}");
    drop(d);
}

#[test]
fn approvals_quorum_self_approval_and_rejection() {
    use ed25519_dalek::Signer;
    let (_d, e) = engine("[[rule]]\nid = \"big\"\nkind = \"require_approval\"\ngroup = \"treasury\"\nquorum = 2\nmin_value = \"100 wei\"\n");
    let f = tx_facts(json!({"to": TO, "value": "0x64"}));
    let spec = match decide(&e, &f).unwrap() {
        Authorization::NeedsApproval { spec, .. } => spec,
        other => panic!("expected approval, got {other:?}"),
    };
    // Small values are not held.
    assert!(matches!(
        decide(&e, &tx_facts(json!({"to": TO, "value": "0x63"}))).unwrap(),
        Authorization::Approved(_)
    ));

    let approvals = Approvals::new(e.barrier.clone());
    let rec = approvals
        .create(
            &spec,
            "cred_a",
            "eth_sendTransaction",
            Some("key_1"),
            [9; 32],
            "send 100 wei".into(),
            json!({}),
        )
        .unwrap();
    let keys: Vec<ed25519_dalek::SigningKey> = (0..3u8)
        .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i + 1; 32]))
        .collect();
    let voter = |id: &str, groups: &[&str]| Principal {
        credential_id: id.into(),
        cedar_groups: groups.iter().map(|g| g.to_string()).collect(),
        ..principal()
    };
    let sign = |k: &ed25519_dalek::SigningKey, accept: bool| {
        hex::encode(
            k.sign(&approvals::approval_message(&rec.id, &rec.digest, accept))
                .to_bytes(),
        )
    };
    let pk = |k: &ed25519_dalek::SigningKey| hex::encode(k.verifying_key().to_bytes());

    // The requester cannot approve, even in the group.
    let e1 = approvals
        .vote(
            &rec.id,
            &voter("cred_a", &["treasury"]),
            Some(&pk(&keys[0])),
            true,
            &sign(&keys[0], true),
        )
        .unwrap_err();
    assert!(matches!(e1, approvals::ApprovalError::SelfApproval(_)));
    // Outside the group, or a signature by another key: refused.
    assert!(approvals
        .vote(
            &rec.id,
            &voter("cred_x", &["ops"]),
            Some(&pk(&keys[0])),
            true,
            &sign(&keys[0], true)
        )
        .is_err());
    assert!(matches!(
        approvals.vote(
            &rec.id,
            &voter("cred_b", &["treasury"]),
            Some(&pk(&keys[0])),
            true,
            &sign(&keys[1], true)
        ),
        Err(approvals::ApprovalError::BadSignature)
    ));
    let r = approvals
        .vote(
            &rec.id,
            &voter("cred_b", &["treasury"]),
            Some(&pk(&keys[1])),
            true,
            &sign(&keys[1], true),
        )
        .unwrap();
    assert_eq!(r.status, ApprovalStatus::Pending);
    assert!(approvals.approved(&rec.id).is_err());
    let r = approvals
        .vote(
            &rec.id,
            &voter("cred_c", &["treasury"]),
            Some(&pk(&keys[2])),
            true,
            &sign(&keys[2], true),
        )
        .unwrap();
    assert_eq!(r.status, ApprovalStatus::Approved);
    let proof = approvals.approved(&rec.id).unwrap();
    assert!(matches!(
        e.authorize(&principal(), &f, [1; 32], Some(&proof))
            .unwrap(),
        Authorization::Approved(_)
    ));

    // One rejection ends another request.
    let rec2 = approvals
        .create(
            &spec,
            "cred_a",
            "eth_sendTransaction",
            None,
            [8; 32],
            "x".into(),
            json!({}),
        )
        .unwrap();
    let sign2 = |k: &ed25519_dalek::SigningKey, accept: bool| {
        hex::encode(
            k.sign(&approvals::approval_message(&rec2.id, &rec2.digest, accept))
                .to_bytes(),
        )
    };
    let r = approvals
        .vote(
            &rec2.id,
            &voter("cred_b", &["treasury"]),
            Some(&pk(&keys[1])),
            false,
            &sign2(&keys[1], false),
        )
        .unwrap();
    assert_eq!(r.status, ApprovalStatus::Rejected);
    assert!(approvals
        .vote(
            &rec2.id,
            &voter("cred_c", &["treasury"]),
            Some(&pk(&keys[2])),
            true,
            &sign2(&keys[2], true)
        )
        .is_err());
}

#[test]
fn permits_are_judged_as_approvals() {
    let (_d, e) = engine("[[rule]]\nid = \"no-unlimited\"\nkind = \"unlimited_approval\"\n");
    let td = palisade_chain::typed_data_hash(&json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]
        },
        "primaryType": "Permit",
        "domain": {"name": "USD Coin", "chainId": 1, "verifyingContract": "0x2222222222222222222222222222222222222222"},
        "message": {"owner": TO, "spender": "0x5555555555555555555555555555555555555555", "value": U256::MAX.to_string(), "nonce": 0, "deadline": 9999999999u64}
    }))
    .unwrap();
    let f = Facts::new(
        Action::SignTypedData,
        "eth_signTypedData_v4",
        1,
        "key_1",
        "cred_a",
    )
    .with_typed_data(&td);
    let err = decide(&e, &f).unwrap_err();
    assert!(err.to_string().contains("unlimited approval"), "{err}");
}

/// Slicing the policy set by scope must never change a decision or its reasons: compare with
/// whole-set evaluation over every combination of principal, action and resource the policies
/// below single out (and ones they do not).
#[test]
fn scope_slicing_gives_the_same_decisions_as_the_whole_set() {
    let policies = format!(
        r#"{}
@id("group-a-no-send")
forbid (principal in Palisade::Group::"a", action == Palisade::Action::"send_transaction", resource);
@id("cred-x-only-key-1")
forbid (principal == Palisade::Credential::"cred_x", action in Palisade::Action::"sign", resource) unless {{ resource == Palisade::Key::"key_1" }};
@id("key-2-frozen-by-policy")
forbid (principal, action, resource == Palisade::Key::"key_2");
@id("user-bob-may-admin")
permit (principal in Palisade::User::"bob", action in [Palisade::Action::"key.create", Palisade::Action::"key.list"], resource);
@id("credentials-is")
forbid (principal is Palisade::Credential in Palisade::Group::"b", action in Palisade::Action::"sign", resource is Palisade::Key) when {{ context.chain_id == 5 }};
@id("big-values")
forbid (principal, action in Palisade::Action::"sign", resource) when {{ context.value_gwei > 1000 }};
@id("tagged")
forbid (principal, action == Palisade::Action::"sign_message", resource) when {{ resource.hasTag("tier") && resource.getTag("tier") == "cold" }};
@id("team-1-inside-only")
forbid (principal, action in Palisade::Action::"sign", resource) when {{ resource.hasTag("team") && resource.getTag("team") == "t1" && !context.source_ip.isInRange(ip("10.0.0.0/8")) }};
@id("team-2-reversed")
forbid (principal, action in Palisade::Action::"sign", resource) when {{ resource.hasTag("team") && "t2" == resource.getTag("team") && resource.hasTag("tier") && resource.getTag("tier") == "hot" }} unless {{ context.chain_id == 5 }};
@id("tag-test-not-leading")
forbid (principal, action in Palisade::Action::"sign", resource) when {{ context.chain_id == 5 && resource.hasTag("team") && resource.getTag("team") == "t2" }};
@id("team-3-permit")
permit (principal, action, resource) when {{ resource.hasTag("team") && resource.getTag("team") == "t3" }};
"#,
        cedar::DEFAULT_POLICIES
    );
    let sliced = cedar::CedarEngine::new(&policies).unwrap();
    let whole = cedar::CedarEngine::new(&policies)
        .unwrap()
        .without_slicing();
    let actions = [
        Action::SignTransaction,
        Action::SendTransaction,
        Action::SignMessage,
        Action::SignTypedData,
    ];
    let (mut compared, mut allowed) = (0, 0);
    for cred in ["cred_a", "cred_x"] {
        for groups in [vec![], vec!["a".to_string()], vec!["a".into(), "b".into()]] {
            for owner in [None, Some("bob".to_string())] {
                for admin in [false, true] {
                    let p = Principal {
                        credential_id: cred.into(),
                        cedar_groups: groups.clone(),
                        owner: owner.clone(),
                        admin,
                        ..principal()
                    };
                    for action in actions {
                        for (key, labels) in [
                            ("key_1", vec![]),
                            ("key_2", vec![("team", "t1")]),
                            ("key_3", vec![("team", "t2"), ("tier", "hot")]),
                            ("key_3", vec![("team", "t2"), ("tier", "cold")]),
                            ("key_4", vec![("team", "t3")]),
                        ] {
                            for (chain, value) in [(1u64, "0x1"), (5, "0xffffffffffffffff")] {
                                let req =
                                    parse_tx_request(&json!({"to": TO, "value": value})).unwrap();
                                let mut f = Facts::new(action, "m", chain, key, cred).with_tx(&req);
                                for (k, v) in &labels {
                                    f.key_labels.insert(k.to_string(), v.to_string());
                                }
                                f.source_ip = Some("203.0.113.1".parse().unwrap());
                                let got = sliced.decide_sign(&p, &f);
                                assert_eq!(
                                    got,
                                    whole.decide_sign(&p, &f),
                                    "{cred} {groups:?} {owner:?} {action:?} {key} {labels:?} chain {chain}"
                                );
                                compared += 1;
                                allowed += usize::from(got.allowed);
                            }
                        }
                    }
                    for op in ["key.create", "key.list", "policy.change"] {
                        assert_eq!(
                            sliced.decide_admin(&p, op, None, 0),
                            whole.decide_admin(&p, op, None, 0),
                            "{cred} {groups:?} {owner:?} {op}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(compared, 2 * 3 * 2 * 2 * 4 * 5 * 2);
    // Both outcomes occur, so the comparison is not trivially all-deny or all-allow.
    assert!(allowed > 0 && allowed < compared, "{allowed} of {compared}");
}

#[test]
fn leading_tag_tests_are_indexed_and_nothing_else() {
    let policies = r#"
@id("a") forbid (principal, action, resource) when { resource.hasTag("team") && resource.getTag("team") == "t1" && context.hour_utc > 3 };
@id("b") forbid (principal, action, resource) when { context.hour_utc > 3 && resource.hasTag("team") && resource.getTag("team") == "t1" };
@id("c") forbid (principal, action, resource) when { resource.hasTag("x") && "1" == resource.getTag("x") && resource.hasTag("y") && resource.getTag("y") == "2" };
@id("d") forbid (principal, action, resource) unless { resource.hasTag("team") && resource.getTag("team") == "t1" };
"#;
    let set: cedar_policy::PolicySet = policies.parse().unwrap();
    let by_id = |id: &str| {
        set.policies()
            .find(|p| p.annotation("id") == Some(id))
            .map(cedar::required_tags)
            .unwrap()
    };
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(by_id("a"), vec![kv("team", "t1")]);
    assert_eq!(by_id("b"), vec![]);
    assert_eq!(by_id("c"), vec![kv("x", "1"), kv("y", "2")]);
    assert_eq!(by_id("d"), vec![]);
}

/// Entities are cached per exact description of the credential and key: a credential that
/// joins a group, or a key whose labels or address change, is decided with the new facts at
/// once (a cache keyed on ids alone would keep the old decision).
#[test]
fn cached_entities_follow_changes_to_the_credential_and_the_key() {
    let policies = format!(
        r#"{}
@id("group-a-no-send")
forbid (principal in Palisade::Group::"a", action == Palisade::Action::"send_transaction", resource);
@id("owner-bob-no-send")
forbid (principal in Palisade::User::"bob", action == Palisade::Action::"send_transaction", resource);
@id("admins-no-send")
forbid (principal, action == Palisade::Action::"send_transaction", resource) when {{ principal.admin }};
@id("cold-keys")
forbid (principal, action == Palisade::Action::"send_transaction", resource) when {{ resource.hasTag("tier") && resource.getTag("tier") == "cold" }};
@id("one-address")
forbid (principal, action == Palisade::Action::"send_transaction", resource) when {{ resource.address == "0x2222222222222222222222222222222222222222" }};
"#,
        cedar::DEFAULT_POLICIES
    );
    let engine = cedar::CedarEngine::new(&policies).unwrap();
    let req = parse_tx_request(&json!({"to": TO, "value": "0x1"})).unwrap();
    let facts = |labels: &[(&str, &str)], address: Option<&str>| {
        let mut f = Facts::new(Action::SendTransaction, "m", 1, "key_1", "cred_a").with_tx(&req);
        for (k, v) in labels {
            f.key_labels.insert(k.to_string(), v.to_string());
        }
        f.key_address = address.map(|a| a.parse().unwrap());
        f
    };
    let plain = facts(&[], None);
    let allowed = |p: &Principal, f: &Facts| engine.decide_sign(p, f).allowed;
    assert!(allowed(&principal(), &plain));
    let in_group = Principal {
        cedar_groups: vec!["a".into()],
        ..principal()
    };
    assert!(!allowed(&in_group, &plain));
    let owned = Principal {
        owner: Some("bob".into()),
        ..principal()
    };
    assert!(!allowed(&owned, &plain));
    let admin = Principal {
        admin: true,
        ..principal()
    };
    assert!(!allowed(&admin, &plain));
    assert!(!allowed(&principal(), &facts(&[("tier", "cold")], None)));
    assert!(allowed(&principal(), &facts(&[("tier", "hot")], None)));
    assert!(!allowed(
        &principal(),
        &facts(&[], Some("0x2222222222222222222222222222222222222222"))
    ));
    // And back: nothing sticks.
    assert!(allowed(&principal(), &plain));
}

/// A decision under policies that never read `context` is made once per entities and reused;
/// the reused one carries the same reasons, a context-reading policy is still decided per
/// request, and a policy change applies to the very next request.
#[test]
fn context_free_decisions_are_reused_and_policy_changes_apply_at_once() {
    let (_d, b) = barrier();
    let e = PolicyEngine::new(b).unwrap();
    let set = |cedar: String| {
        e.set(PolicyBundle {
            cedar,
            rules: String::new(),
        })
        .unwrap()
    };
    let no_send = format!(
        "{}\n@id(\"no-send\")\nforbid(principal, action == Palisade::Action::\"send_transaction\", resource);",
        cedar::DEFAULT_POLICIES
    );
    set(no_send);
    let evaluated = |e: &PolicyEngine| {
        e.current()
            .cedar
            .evaluations
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let f = tx_facts(json!({"to": TO, "value": "0x1"}));
    let first = decide(&e, &f).unwrap_err().to_string();
    assert!(first.contains("no-send"), "{first}");
    let once = evaluated(&e);
    for _ in 0..3 {
        assert_eq!(decide(&e, &f).unwrap_err().to_string(), first);
    }
    assert_eq!(
        evaluated(&e),
        once,
        "the context-free decision was evaluated again"
    );
    set(cedar::DEFAULT_POLICIES.into());
    assert!(decide(&e, &f).is_ok(), "the lifted forbid still applies");
    let big = format!(
        "{}\n@id(\"big\")\nforbid(principal, action in Palisade::Action::\"sign\", resource) when {{ context.value_gwei > 5 }};",
        cedar::DEFAULT_POLICIES
    );
    set(big);
    let small = tx_facts(json!({"to": TO, "value": "0x1"}));
    let large = tx_facts(json!({"to": TO, "value": "0x3b9aca000"})); // 16 gwei
    let before = evaluated(&e);
    for _ in 0..2 {
        assert!(decide(&e, &small).is_ok());
        assert!(decide(&e, &large).unwrap_err().to_string().contains("big"));
    }
    assert_eq!(
        evaluated(&e),
        before + 4,
        "a context-reading slice is decided per request"
    );
}
