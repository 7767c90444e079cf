//! Authorization + rule evaluation for one signing request against a 50-policy Cedar set and a
//! dozen transaction rules (budget: under 50 µs p99). Prints p50/p99 from a direct sample too,
//! since criterion reports means.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark"
)]

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use palisade_barrier::{Barrier, InitRequest};
use palisade_chain::parse_tx_request;
use palisade_policy::{
    cedar, Action, Facts, KeyScope, MethodGroup, PolicyBundle, PolicyEngine, Principal,
};
use palisade_store::RedbStorage;
use serde_json::json;

fn fifty_policies() -> String {
    let mut p = String::from(cedar::DEFAULT_POLICIES);
    for i in 0..24 {
        p.push_str(&format!(
            "@id(\"forbid-team-{i}-outside-vpc\")\nforbid (principal, action in Palisade::Action::\"sign\", resource) when {{ resource.hasTag(\"team\") && resource.getTag(\"team\") == \"team{i}\" && !context.source_ip.isInRange(ip(\"10.{i}.0.0/16\")) }};\n"
        ));
        p.push_str(&format!(
            "@id(\"forbid-group-{i}-large\")\nforbid (principal in Palisade::Group::\"group{i}\", action == Palisade::Action::\"send_transaction\", resource) when {{ context.value_gwei > {} }};\n",
            1_000_000_000u64 * (i + 1)
        ));
    }
    p
}

const RULES: &str = r#"
[[rule]]
id = "cap"
kind = "max_value"
max = "100 ether"
[[rule]]
id = "usdc"
kind = "token_cap"
token = "0x2222222222222222222222222222222222222222"
max = "1000000"
decimals = 6
[[rule]]
id = "sanctions"
kind = "deny_destinations"
addresses = ["0x3333333333333333333333333333333333333333", "0x4444444444444444444444444444444444444444"]
[[rule]]
id = "unlimited"
kind = "unlimited_approval"
[[rule]]
id = "pin"
kind = "chain_pin"
chains = [1, 10, 8453]
[[rule]]
id = "fees"
kind = "fee_cap"
max_fee_per_gas = "500 gwei"
[[rule]]
id = "hours"
kind = "time_window"
tz = "Europe/Berlin"
from = "00:00"
to = "24:00"
[[rule]]
id = "typed"
kind = "deny_typed_data"
primary_types = ["Order"]
[[rule]]
id = "contracts"
kind = "contract_allowlist"
contracts = [{ address = "0x2222222222222222222222222222222222222222", selectors = ["transfer(address,uint256)", "approve(address,uint256)"] }]
[[rule]]
id = "approval"
kind = "require_approval"
group = "treasury"
quorum = 2
min_value = "1000 ether"
"#;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let barrier = Arc::new(Barrier::new(Arc::new(
        RedbStorage::open(&dir.path().join("b.redb")).unwrap(),
    )));
    let shares = barrier
        .init(InitRequest::Shamir {
            shares: 1,
            threshold: 1,
        })
        .unwrap()
        .shares;
    barrier.submit_share(shares[0].expose_secret()).unwrap();
    let engine = PolicyEngine::new(barrier).unwrap();
    let cedar = fifty_policies();
    assert_eq!(cedar.matches("@id(").count(), 50);
    engine
        .set(PolicyBundle {
            cedar,
            rules: RULES.into(),
        })
        .unwrap();

    let principal = Principal {
        credential_id: "cred_bench".into(),
        name: "bench".into(),
        keys: KeyScope::All,
        groups: [MethodGroup::Sign, MethodGroup::Send].into(),
        admin: false,
        cedar_groups: vec!["group3".into()],
        owner: None,
    };
    let data = format!(
        "0xa9059cbb{:0>64}{:064x}",
        "1111111111111111111111111111111111111111", 5_000_000u64
    );
    let req = parse_tx_request(&json!({"to": "0x2222222222222222222222222222222222222222", "data": data, "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1"})).unwrap();
    let mut facts = Facts::new(
        Action::SendTransaction,
        "eth_sendTransaction",
        1,
        "key_bench",
        "cred_bench",
    )
    .with_tx(&req);
    facts.key_labels.insert("team".into(), "team7".into());
    facts.source_ip = Some("10.7.1.2".parse().unwrap());

    // Sanity: this request is allowed (so the benchmark measures the full allow path).
    assert!(matches!(
        engine.authorize(&principal, &facts, [1; 32], None),
        Ok(palisade_policy::Authorization::Approved(_))
    ));

    c.bench_function("authorize_50_policies_10_rules", |b| {
        b.iter(|| engine.authorize(&principal, &facts, [1; 32], None).unwrap())
    });

    let mut samples: Vec<u128> = (0..20_000)
        .map(|_| {
            let t = Instant::now();
            let _ = std::hint::black_box(engine.authorize(&principal, &facts, [1; 32], None));
            t.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    let pct = |p: f64| {
        samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)] as f64 / 1000.0
    };
    println!("authorize (50 cedar policies, 10 rules): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs over {} samples", pct(0.50), pct(0.99), pct(1.0), samples.len());

    // Where the time goes: the same request with only the Cedar set, and with only the rules;
    // and the worst case, 50 policies that all apply to every signing request (no scope or
    // leading tag test lets any of them be skipped).
    let mut all_apply = String::from(cedar::DEFAULT_POLICIES);
    for i in 0..48 {
        all_apply.push_str(&format!(
            "@id(\"cap-{i}\")\nforbid (principal, action in Palisade::Action::\"sign\", resource) when {{ context.value_gwei > {} && context.chain_id != {i} }};\n",
            1_000_000_000_000u64 + i
        ));
    }
    for (label, bundle) in [
        (
            "worst case: 50 policies that all apply",
            PolicyBundle {
                cedar: all_apply,
                rules: RULES.into(),
            },
        ),
        (
            "cedar only (50 policies)",
            PolicyBundle {
                cedar: fifty_policies(),
                rules: String::new(),
            },
        ),
        (
            "rules only (default cedar)",
            PolicyBundle {
                cedar: cedar::DEFAULT_POLICIES.into(),
                rules: RULES.into(),
            },
        ),
    ] {
        engine.set(bundle).unwrap();
        let mut s: Vec<u128> = (0..5_000)
            .map(|_| {
                let t = Instant::now();
                let _ = std::hint::black_box(engine.authorize(&principal, &facts, [1; 32], None));
                t.elapsed().as_nanos()
            })
            .collect();
        s.sort_unstable();
        println!(
            "  {label}: p50 {:.1} µs, p99 {:.1} µs",
            s[s.len() / 2] as f64 / 1000.0,
            s[s.len() * 99 / 100] as f64 / 1000.0
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
