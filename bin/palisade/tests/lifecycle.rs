//! Seal lifecycle, crash safety, backup/restore and bad data directories, on the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use common::*;
use reqwest::Method;
use serde_json::json;

fn init_shamir(t: &tempfile::TempDir, shares: &str, threshold: &str) -> (Vec<String>, String) {
    let data = data_dir_in(t);
    let share_dir = t.path().join("shares");
    let token_file = t.path().join("root.token");
    let (code, out, err) = cli(
        &[
            "init",
            "--data-dir",
            &path_str(&data),
            "--shares",
            shares,
            "--threshold",
            threshold,
            "--share-dir",
            &path_str(&share_dir),
            "--root-token-file",
            &path_str(&token_file),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let n: usize = shares.parse().unwrap();
    let shares = (1..=n)
        .map(|i| {
            std::fs::read_to_string(share_dir.join(format!("share-{i}.txt")))
                .unwrap()
                .trim()
                .to_string()
        })
        .collect();
    (
        shares,
        std::fs::read_to_string(token_file)
            .unwrap()
            .trim()
            .to_string(),
    )
}

async fn unseal(s: &Server, share: &str) -> (u16, serde_json::Value) {
    s.admin_as(
        None,
        Method::POST,
        "/v1/sys/unseal",
        Some(json!({"share": share})),
    )
    .await
}

#[tokio::test]
async fn restart_is_sealed_and_needs_threshold_shares() {
    let t = tempdir();
    let (shares, token) = init_shamir(&t, "3", "2");
    let data = data_dir_in(&t);
    // init twice is refused.
    let (code, _, err) = cli(&["init", "--data-dir", &path_str(&data)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("already initialised"), "{err}");

    let s = Server::data_dir(&data).await.with_token(&token);
    let (st, _) = s.admin(Method::GET, "/readyz", None).await;
    assert_eq!(st, 503);
    let (_, v) = s.rpc("eth_accounts", json!([])).await;
    assert_eq!(error_code(&v), -32002, "{v}");
    assert!(error_message(&v).contains("sealed"));

    // A share from another instance is named as such; a garbled one fails its checksum.
    let other = tempdir();
    let (foreign, _) = init_shamir(&other, "2", "2");
    let (st, v) = unseal(&s, &foreign[0]).await;
    assert_eq!(st, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("different Palisade instance"),
        "{v}"
    );
    let mut garbled = shares[0].clone();
    garbled.replace_range(30..31, if &garbled[30..31] == "a" { "b" } else { "a" });
    let (st, v) = unseal(&s, &garbled).await;
    assert_eq!(st, 400);
    assert!(v["error"].as_str().unwrap().contains("checksum"), "{v}");

    // Too few shares: still sealed.
    let (st, v) = unseal(&s, &shares[2]).await;
    assert_eq!(st, 200);
    assert_eq!(
        (v["sealed"].as_bool(), v["progress"].as_u64()),
        (Some(true), Some(1))
    );
    let (_, v) = unseal(&s, &shares[0]).await;
    assert_eq!(v["sealed"], false, "{v}");
    let (st, _) = s.admin(Method::GET, "/readyz", None).await;
    assert_eq!(st, 200);
    let (st, k) = s
        .admin(
            Method::POST,
            "/v1/keys",
            Some(json!({"labels": {"team": "treasury"}})),
        )
        .await;
    assert_eq!(st, 201, "{k}");

    // Seal via the API: keys wiped, requests refused.
    let (_, v) = s.admin(Method::POST, "/v1/sys/seal", None).await;
    assert_eq!(v["sealed"], true);
    let (_, v) = s.rpc("eth_accounts", json!([])).await;
    assert_eq!(error_code(&v), -32002);
    drop(s);

    // Restart: sealed again; two shares bring the same key back.
    let s = Server::data_dir(&data).await.with_token(&token);
    let (_, v) = s.rpc("eth_accounts", json!([])).await;
    assert_eq!(error_code(&v), -32002);
    unseal(&s, &shares[1]).await;
    unseal(&s, &shares[2]).await;
    let (_, v) = s.rpc("eth_accounts", json!([])).await;
    assert_eq!(v["result"], json!([k["address"]]), "{v}");
}

#[tokio::test]
async fn passphrase_seal_refuses_wrong_passphrase() {
    let t = tempdir();
    let data = data_dir_in(&t);
    let pass = t.path().join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let tok = t.path().join("tok");
    let (code, out, err) = cli(
        &[
            "init",
            "--data-dir",
            &path_str(&data),
            "--passphrase-file",
            &path_str(&pass),
            "--root-token-file",
            &path_str(&tok),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let s = Server::data_dir(&data).await;
    let (st, v) = s
        .admin_as(
            None,
            Method::POST,
            "/v1/sys/unseal",
            Some(json!({"passphrase": "wrong horse battery staple"})),
        )
        .await;
    assert_eq!(st, 400);
    assert!(
        v["error"].as_str().unwrap().contains("wrong passphrase"),
        "{v}"
    );
    let (st, v) = s
        .admin_as(
            None,
            Method::POST,
            "/v1/sys/unseal",
            Some(json!({"passphrase": "correct horse battery staple"})),
        )
        .await;
    assert_eq!((st, &v["sealed"]), (200, &json!(false)), "{v}");
}

/// kill -9 during a burst of key creations: every acknowledged key exists after restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_keys_survive_kill_9() {
    let t = tempdir();
    let (shares, token) = init_shamir(&t, "1", "1");
    let data = data_dir_in(&t);
    let mut s = Server::data_dir(&data).await.with_token(&token);
    unseal(&s, &shares[0]).await;

    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, addr, token, acked) =
            (s.http.clone(), s.addr.clone(), token.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let r = http
                    .post(format!("{addr}/v1/keys"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().as_u16() == 201 => {
                        let v: serde_json::Value = resp.json().await.unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .insert(v["id"].as_str().unwrap().to_string());
                    }
                    _ => break,
                }
            }
        }));
    }
    // Let the burst run, then kill -9 mid-flight.
    while acked.lock().unwrap().len() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.lock().unwrap().clone();
    drop(s);

    let s = Server::data_dir(&data).await.with_token(&token);
    let (st, _) = unseal(&s, &shares[0]).await;
    assert_eq!(st, 200, "store must open cleanly after kill -9");
    let (_, v) = s.admin(Method::GET, "/v1/keys", None).await;
    let present: BTreeSet<String> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<_> = acked.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged keys lost: {missing:?}",
        missing.len()
    );
    let (st, v) = s.admin(Method::POST, "/v1/audit/verify", None).await;
    assert_eq!(st, 200, "audit log must verify after kill -9: {v}");
    // Each acknowledged creation was durably audited before it ran.
    let mut admitted = 0;
    let mut from = 0;
    loop {
        let (_, page) = s
            .admin(Method::GET, &format!("/v1/audit/entries?from={from}"), None)
            .await;
        let list = page["entries"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        from += list.len();
        admitted += list
            .iter()
            .filter(|e| {
                e["kind"] == "admin" && e["action"] == "key.create" && e["decision"] == "allow"
            })
            .count();
    }
    assert!(
        admitted >= acked.len(),
        "{} keys acknowledged but only {admitted} creations in the audit log",
        acked.len()
    );
}

#[tokio::test]
async fn backup_restore_into_a_fresh_instance_via_cli() {
    let s = Server::dev(&[]).await;
    let k1 = s.import_hardhat0().await;
    let (_, k2) = s
        .admin(Method::POST, "/v1/keys", Some(json!({"type": "ed25519"})))
        .await;
    let t = tempdir();
    let (identity, recipient) = palisade_crypto::backup::generate_identity();
    let id_file = t.path().join("id.txt");
    std::fs::write(&id_file, identity.expose_secret()).unwrap();
    let out = t.path().join("backup.age");
    let env = [
        ("PALISADE_ADDR", s.addr.as_str()),
        ("PALISADE_TOKEN", s.token.as_deref().unwrap()),
    ];
    let (code, _, err) = cli(
        &["backup", "--to", &recipient, "--out", &path_str(&out)],
        &env,
    );
    assert_eq!(code, 2, "backup without --yes must refuse");
    assert!(err.contains("--yes"));
    let (code, o, err) = cli(
        &[
            "backup",
            "--to",
            &recipient,
            "--out",
            &path_str(&out),
            "--yes",
        ],
        &env,
    );
    assert_eq!(code, 0, "{o}{err}");
    let file = std::fs::read_to_string(&out).unwrap();
    assert!(file.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!file.contains(HARDHAT0));

    let fresh = Server::dev(&[]).await;
    let env2 = [
        ("PALISADE_ADDR", fresh.addr.as_str()),
        ("PALISADE_TOKEN", fresh.token.as_deref().unwrap()),
    ];
    // A tampered file is rejected and restores nothing.
    let tampered = t.path().join("tampered.age");
    let mut lines: Vec<String> = file.lines().map(String::from).collect();
    let l = &mut lines[3];
    let c = l.remove(5);
    l.insert(5, if c == 'A' { 'B' } else { 'A' });
    std::fs::write(&tampered, lines.join("\n")).unwrap();
    let (code, _, err) = cli(
        &[
            "restore",
            "--from",
            &path_str(&tampered),
            "--identity",
            &path_str(&id_file),
            "--yes",
        ],
        &env2,
    );
    assert_eq!(code, 2, "{err}");
    let (_, v) = fresh.admin(Method::GET, "/v1/keys", None).await;
    assert_eq!(v["keys"].as_array().unwrap().len(), 0);

    let (code, o, err) = cli(
        &[
            "restore",
            "--from",
            &path_str(&out),
            "--identity",
            &path_str(&id_file),
            "--yes",
        ],
        &env2,
    );
    assert_eq!(code, 0, "{o}{err}");
    let (_, r1) = fresh
        .admin(
            Method::GET,
            &format!("/v1/keys/{}", k1["id"].as_str().unwrap()),
            None,
        )
        .await;
    let (_, r2) = fresh
        .admin(
            Method::GET,
            &format!("/v1/keys/{}", k2["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r1["address"], k1["address"]);
    assert_eq!(r2["public_key"], k2["public_key"]);
    // And the restored key signs exactly as the original did.
    let (_, a) = s
        .rpc("personal_sign", json!(["0x68656c6c6f", HARDHAT0_ADDR]))
        .await;
    let (_, b) = fresh
        .rpc("personal_sign", json!(["0x68656c6c6f", HARDHAT0_ADDR]))
        .await;
    assert_eq!(a["result"], b["result"]);
}

#[tokio::test]
async fn corrupt_data_directory_is_a_precise_error() {
    let t = tempdir();
    let data = data_dir_in(&t);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("palisade.redb"), vec![0x42u8; 16384]).unwrap();
    let (code, _, err) = cli(
        &[
            "serve",
            "--data-dir",
            &path_str(&data),
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--upstream",
            "1=http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot be opened") && err.contains("palisade.redb"),
        "{err}"
    );

    // Uninitialised directory: says what to run.
    let empty = t.path().join("empty");
    let (code, _, err) = cli(
        &[
            "serve",
            "--data-dir",
            &path_str(&empty),
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--upstream",
            "1=http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("palisade init"), "{err}");
}
