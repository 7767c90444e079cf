#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::time::Duration;

use palisade_audit::AuditRecord;

use super::*;

fn ev(t: u64, principal: &str, decision: &str, source: &str) -> Event {
    Event {
        seq: Some(t),
        time_ms: t,
        record: AuditRecord {
            kind: "request".into(),
            principal: Some(principal.into()),
            action: "personal_sign".into(),
            decision: decision.into(),
            source: Some(source.into()),
            resource: Some("key_1".into()),
            ..Default::default()
        },
    }
}

#[test]
fn builtin_rules_compile_and_user_rules_override_them() {
    let cfg = DetectConfig::from_yaml("").unwrap();
    let ids: Vec<String> = cfg.rules().unwrap().into_iter().map(|r| r.id).collect();
    assert!(ids.contains(&"repeated-denials".to_string()));
    assert!(
        !ids.contains(&"signing-outside-hours".to_string()),
        "off until configured"
    );
    let cfg = DetectConfig::from_yaml(
        "rules:\n  - {id: repeated-denials, enabled: false}\n  - id: signing-outside-hours\n    when: {hour_utc: {not_between: [8, 18]}}\n",
    )
    .unwrap();
    let ids: Vec<String> = cfg.rules().unwrap().into_iter().map(|r| r.id).collect();
    assert!(!ids.contains(&"repeated-denials".to_string()));
    assert!(ids.contains(&"signing-outside-hours".to_string()));
}

#[test]
fn bad_rules_are_refused_with_the_rule_named() {
    let e = rules::parse_rules("- {id: x, when: {action: {startswith: a}}}").unwrap_err();
    assert_eq!(e.to_string(), "rule `x`: unknown operator `startswith`");
    let e = rules::parse_rules("- {id: y, window: soon}").unwrap_err();
    assert!(e.to_string().contains("`window` value `soon`"), "{e}");
    assert!(rules::parse_rules("- {id: z, bogus: 1}").is_err());
    assert!(rules::parse_rules("- {id: a}\n- {id: a}").is_err());
}

#[test]
fn counts_over_a_sliding_window_per_group_with_cooldown() {
    let rules = rules::parse_rules(
        "- id: denials\n  when: {decision: deny}\n  group_by: [principal]\n  window: 10s\n  threshold: 3\n  cooldown: 60s\n  actions: [suspend_credential]\n",
    )
    .unwrap();
    let mut e = Engine::new(rules);
    // Two denials, then a gap longer than the window: no fire.
    assert!(e.observe(&ev(0, "a", "deny", "x")).is_empty());
    assert!(e.observe(&ev(1_000, "a", "deny", "x")).is_empty());
    assert!(e.observe(&ev(20_000, "a", "deny", "x")).is_empty());
    // Another group does not count toward `a`.
    assert!(e.observe(&ev(20_500, "b", "deny", "x")).is_empty());
    assert!(e.observe(&ev(21_000, "a", "allow", "x")).is_empty());
    assert!(e.observe(&ev(21_000, "a", "deny", "x")).is_empty());
    let d = e.observe(&ev(22_000, "a", "deny", "x"));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].group.get("principal").map(String::as_str), Some("a"));
    assert_eq!(d[0].actions, vec![Action::SuspendCredential]);
    assert_eq!(d[0].dedup_key(), "denials|principal=a");
    // Within the cooldown, more denials do not fire again.
    for t in 0..5 {
        assert!(e.observe(&ev(23_000 + t, "a", "deny", "x")).is_empty());
    }
    // After it, a fresh threshold fires again.
    assert!(e.observe(&ev(90_000, "a", "deny", "x")).is_empty());
    assert!(e.observe(&ev(90_001, "a", "deny", "x")).is_empty());
    assert_eq!(e.observe(&ev(90_002, "a", "deny", "x")).len(), 1);
}

#[test]
fn sums_and_new_values() {
    let rules = rules::parse_rules(
        "- id: big\n  when: {details.value_eth: {exists: true}}\n  sum: details.value_eth\n  threshold: 10\n  window: 1h\n  cooldown: 0s\n- id: newip\n  when: {decision: allow}\n  group_by: [principal]\n  new_value: source\n  cooldown: 0s\n",
    )
    .unwrap();
    let mut e = Engine::new(rules);
    let mut v = ev(0, "a", "deny", "x");
    v.record
        .details
        .insert("value_eth".into(), serde_json::json!(6));
    assert!(e.observe(&v).is_empty());
    v.time_ms = 1000;
    let d = e.observe(&v);
    assert_eq!((d.len(), d[0].value), (1, 12.0));
    assert!(
        e.observe(&ev(0, "a", "allow", "10.0.0.1")).is_empty(),
        "first address is the baseline"
    );
    assert!(e.observe(&ev(1, "a", "allow", "10.0.0.1")).is_empty());
    let d = e.observe(&ev(2, "a", "allow", "10.0.0.2"));
    assert_eq!(d.len(), 1);
    assert!(
        d[0].summary.contains("new source `10.0.0.2`"),
        "{}",
        d[0].summary
    );
    assert!(
        e.observe(&ev(3, "b", "allow", "10.0.0.2")).is_empty(),
        "per principal"
    );
}

#[test]
fn operators() {
    let rules = rules::parse_rules(
        "- id: r\n  when:\n    action: {regex: \"^personal_\", ne: eth_sign}\n    reasons: {contains: frozen}\n    hour_utc: {between: [0, 24]}\n    outcome: {exists: false}\n",
    )
    .unwrap();
    let mut e = Engine::new(rules);
    let mut v = ev(0, "a", "deny", "x");
    assert!(e.observe(&v).is_empty());
    v.record.reasons = vec!["key `k` is frozen".into()];
    assert_eq!(e.observe(&v).len(), 1);
}

#[test]
fn webhook_signatures_verify_and_expire() {
    let now = event::now_ms() / 1000;
    let sig = sinks::sign_webhook(b"s3cret", now, b"{\"a\":1}");
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
    assert!(sinks::verify_webhook(
        b"s3cret",
        &now.to_string(),
        &sig,
        b"{\"a\":1}",
        Duration::from_secs(300)
    ));
    assert!(!sinks::verify_webhook(
        b"other",
        &now.to_string(),
        &sig,
        b"{\"a\":1}",
        Duration::from_secs(300)
    ));
    assert!(!sinks::verify_webhook(
        b"s3cret",
        &now.to_string(),
        &sig,
        b"{\"a\":2}",
        Duration::from_secs(300)
    ));
    let old = now - 3600;
    let sig = sinks::sign_webhook(b"s3cret", old, b"x");
    assert!(!sinks::verify_webhook(
        b"s3cret",
        &old.to_string(),
        &sig,
        b"x",
        Duration::from_secs(300)
    ));
}

#[test]
fn event_topics_are_the_known_ones() {
    assert_eq!(
        watch::topic("OwnershipTransferred(address,address)"),
        "0x8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0"
    );
    assert_eq!(
        watch::topic("Approval(address,address,uint256)"),
        "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
    );
}

#[tokio::test]
async fn file_sinks_write_alerts_and_never_overwrite_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.jsonl");
    let cps = dir.path().join("cps");
    let cfg = DetectConfig::from_yaml(&format!(
        "alerts:\n  - {{type: file, path: {}}}\n",
        alerts.display()
    ))
    .unwrap();
    let d = Dispatcher::start(
        &cfg.alerts,
        Duration::from_secs(60),
        Some(cps.clone()),
        None,
    )
    .unwrap();
    let mut engine = Engine::new(
        rules::parse_rules("- {id: any, when: {decision: deny}, cooldown: 0s}").unwrap(),
    );
    let det = engine.observe(&ev(0, "a", "deny", "x")).remove(0);
    assert!(d.send(
        &det.dedup_key(),
        Alert::from_detection("alert_1".into(), &det, Some("inc_1".into()), vec![])
    ));
    assert!(
        !d.send(
            &det.dedup_key(),
            Alert::from_detection("alert_2".into(), &det, None, vec![])
        ),
        "deduplicated"
    );
    d.ship_checkpoint(7, "origin\n7\nAAAA\n\n— origin sig\n");
    d.ship_checkpoint(7, "forged");
    for _ in 0..100 {
        if d.stats.delivered.load(std::sync::atomic::Ordering::Relaxed) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = std::fs::read_to_string(&alerts).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (
            v["rule"].as_str(),
            v["incident"].as_str(),
            v["severity"].as_str()
        ),
        (Some("any"), Some("inc_1"), Some("medium"))
    );
    assert_eq!(text.lines().count(), 1);
    let cp = std::fs::read_to_string(cps.join("checkpoint-000000000007.txt")).unwrap();
    assert!(
        cp.starts_with("origin\n7\n"),
        "the first shipped checkpoint stays: {cp}"
    );
}

/// Text fields are tested without copying them; every operator must decide exactly as the
/// general path does, numbers written as text and absent fields included.
#[test]
fn text_fast_path_decides_like_the_general_path() {
    let rules = rules::parse_rules(
        r#"
- {id: eq, when: {principal: cred_a}}
- {id: eq-number, when: {outcome: 5}}
- {id: eq-number-text, when: {outcome: "5.0"}}
- {id: ne, when: {decision: {ne: deny}}}
- {id: in, when: {action: {in: [personal_sign, eth_sign]}}}
- {id: in-mixed, when: {outcome: {in: [5, signed]}}}
- {id: not-in, when: {resource: {not_in: [key_1]}}}
- {id: prefix, when: {action: {prefix: personal_}}}
- {id: contains, when: {outcome: {contains: sign}}}
- {id: regex, when: {source: {regex: "^10\\."}}}
- {id: exists, when: {digest: {exists: true}}}
- {id: absent, when: {digest: {exists: false}, outcome: {exists: false}}}
- {id: gt, when: {outcome: {gt: 4}}}
- {id: both, when: {kind: request, principal: {exists: true}, action: {regex: "^(eth_sign|personal_sign)"}}}
"#,
    )
    .unwrap();
    let mut events = Vec::new();
    for principal in [None, Some("cred_a"), Some("cred_b")] {
        for outcome in [None, Some("5"), Some("5.0"), Some("signed"), Some("x")] {
            for (action, decision) in [("personal_sign", "allow"), ("eth_call", "deny")] {
                for digest in [None, Some("ab")] {
                    let mut e = ev(0, "p", decision, "10.0.0.1");
                    e.record.principal = principal.map(str::to_string);
                    e.record.outcome = outcome.map(str::to_string);
                    e.record.action = action.into();
                    e.record.digest = digest.map(str::to_string);
                    e.record.resource = principal.map(|_| "key_1".to_string());
                    events.push(e);
                }
            }
        }
    }
    let mut matched = 0;
    for rule in &rules {
        for e in &events {
            let fast = rule.matches(e);
            assert_eq!(
                fast,
                rule.matches_general(e),
                "rule {} on {:?}",
                rule.id,
                e.record
            );
            matched += usize::from(fast);
        }
    }
    assert!(matched > 0 && matched < rules.len() * events.len());
}
