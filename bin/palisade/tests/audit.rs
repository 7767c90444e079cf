//! The audit log on the real binary: export + offline verify (and the five tampering attacks),
//! proofs, tail; detection end to end (denied burst → signed webhook alert → credential suspended
//! → incident resolved → credential restored); kill -9 during signing load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn env_of(s: &Server) -> Vec<(&'static str, String)> {
    vec![
        ("PALISADE_ADDR", s.addr.clone()),
        ("PALISADE_TOKEN", s.token.clone().unwrap()),
    ]
}

fn run(args: &[&str], env: &[(&'static str, String)]) -> (i32, String, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli(args, &env)
}

async fn some_activity(s: &Server) {
    s.import_hardhat0().await;
    for i in 0..5 {
        let (_, v) = s
            .rpc("personal_sign", json!([format!("0x0{i}"), HARDHAT0_ADDR]))
            .await;
        assert!(v["result"].is_string(), "{v}");
    }
    s.rpc("admin_peers", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_verifies_offline_and_each_tampering_is_detected() {
    let s = Server::dev(&[]).await;
    some_activity(&s).await;
    let t = tempdir();
    let (log, cp, key) = (
        t.path().join("log.jsonl"),
        t.path().join("cp.txt"),
        t.path().join("key.txt"),
    );
    let env = env_of(&s);
    let (code, out, err) = run(
        &[
            "audit",
            "export",
            "--out",
            &path_str(&log),
            "--checkpoint-out",
            &path_str(&cp),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, vkey, err) = run(&["audit", "key"], &env);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&key, vkey.trim()).unwrap();
    let note = std::fs::read_to_string(&cp).unwrap();
    assert!(
        note.starts_with("palisade.audit/") && note.contains("\n\n\u{2014} palisade.audit/"),
        "C2SP signed note: {note}"
    );

    let keyarg = format!("@{}", path_str(&key));
    let verify = |file: &std::path::Path| {
        run(
            &[
                "audit",
                "verify",
                "--log",
                &path_str(file),
                "--checkpoint",
                &path_str(&cp),
                "--key",
                &keyarg,
            ],
            &[],
        )
    };
    let (code, out, err) = verify(&log);
    assert_eq!(code, 0, "untouched log must verify: {out}{err}");
    assert!(out.contains("Audit log verified"), "{out}");

    let lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(lines.len() >= 10, "{}", lines.len());
    assert!(
        !lines.iter().any(|l| l.contains("127.0.0.1")),
        "source addresses are stored as keyed hashes"
    );
    let tampered = |name: &str, ls: Vec<String>| {
        let p = t.path().join(name);
        std::fs::write(&p, ls.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        let (code, out, err) = verify(&p);
        assert_eq!(code, 2, "{name} must be detected: {out}{err}");
        err
    };
    let mut m = lines.clone();
    m[3] = m[3].replacen("\"allow\"", "\"deny\"", 1);
    assert!(m[3] != lines[3]);
    assert!(tampered("modify", m).contains("do not hash to the root"));
    let mut d = lines.clone();
    d.remove(2);
    assert!(tampered("delete", d).contains("expected 2"));
    let mut i = lines.clone();
    i.insert(4, lines[4].clone());
    assert!(tampered("insert", i).contains("line 6"));
    let mut r = lines.clone();
    r.swap(1, 5);
    assert!(tampered("reorder", r).contains("reordered"));
    let mut tr = lines.clone();
    tr.truncate(lines.len() - 3);
    assert!(tampered("truncate", tr).contains("truncated"));

    // A forged checkpoint (other key) is refused.
    let size: usize = note.lines().nth(1).unwrap().parse().unwrap();
    let forged = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 3), 1);
    assert_ne!(forged, note);
    std::fs::write(t.path().join("forged.txt"), forged).unwrap();
    let (code, _, err) = run(
        &[
            "audit",
            "verify",
            "--log",
            &path_str(&log),
            "--checkpoint",
            &path_str(&t.path().join("forged.txt")),
            "--key",
            &keyarg,
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no valid signature"), "{err}");

    // Proof and tail.
    let (code, out, err) = run(&["audit", "proof", "3"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Inclusion proof verified"), "{out}");
    let (code, out, err) = run(&["audit", "tail", "-n", "4"], &env);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    // The keyed hash of the test's address is what the log holds.
    let (_, h, _) = run(&["audit", "hash", "127.0.0.1"], &env);
    assert!(lines.iter().any(|l| l.contains(h.trim())), "{h}");
}

/// A minimal HTTP receiver: collects (timestamp, signature, body) of each POST.
async fn webhook_receiver() -> (String, Arc<Mutex<Vec<(String, String, Vec<u8>)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let g = g.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, len) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map(|v| v.trim().parse::<usize>().unwrap())
                            .unwrap_or(0);
                        break (p + 4, len);
                    }
                };
                while buf.len() < head_end + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            l.split_once(':')
                                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                                .map(|(_, v)| v.trim().to_string())
                        })
                        .unwrap_or_default()
                };
                g.lock().unwrap().push((
                    header("x-palisade-timestamp"),
                    header("x-palisade-signature"),
                    buf[head_end..].to_vec(),
                ));
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_burst_alerts_a_signed_webhook_suspends_and_resolve_restores() {
    let (url, got) = webhook_receiver().await;
    let t = tempdir();
    let cps = t.path().join("checkpoints");
    let cfg = t.path().join("detect.yaml");
    std::fs::write(
        &cfg,
        format!(
            "alerts:\n  - {{type: webhook, url: \"{url}\", secret: hook-secret}}\n  - {{type: file, path: \"{}\"}}\ncheckpoints: {{interval: 1s, dir: \"{}\"}}\n",
            path_str(&t.path().join("alerts.jsonl")),
            path_str(&cps)
        ),
    )
    .unwrap();
    let s = Server::dev(&["--detect-config", &path_str(&cfg)]).await;
    s.import_hardhat0().await;
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "bot", "keys": ["*"], "methods": ["read", "sign"]})),
        )
        .await;
    let (id, tok) = (
        c["id"].as_str().unwrap().to_string(),
        c["token"].as_str().unwrap().to_string(),
    );
    let (_, v) = s
        .rpc_as(Some(&tok), "personal_sign", json!(["0x01", HARDHAT0_ADDR]))
        .await;
    assert!(v["result"].is_string(), "{v}");

    // A burst of requests the firewall denies.
    for _ in 0..12 {
        let (_, v) = s
            .rpc_as(Some(&tok), "admin_addPeer", json!(["enode://x"]))
            .await;
        assert_eq!(error_code(&v), -32001, "{v}");
    }
    // The alert reaches the receiver, signed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let alert = loop {
        let hit = got
            .lock()
            .unwrap()
            .iter()
            .find(|(_, _, b)| String::from_utf8_lossy(b).contains("repeated-denials"))
            .cloned();
        if let Some(h) = hit {
            break h;
        }
        assert!(Instant::now() < deadline, "no alert reached the webhook");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (ts, sig, body) = alert;
    assert!(
        palisade_detect::sinks::verify_webhook(
            b"hook-secret",
            &ts,
            &sig,
            &body,
            Duration::from_secs(300)
        ),
        "signature must verify"
    );
    assert!(!palisade_detect::sinks::verify_webhook(
        b"wrong",
        &ts,
        &sig,
        &body,
        Duration::from_secs(300)
    ));
    let a: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(a["severity"], "high");
    assert_eq!(a["group"]["principal"], id.as_str());
    let incident = a["incident"].as_str().unwrap().to_string();

    // The credential is suspended: refused, distinct from revoked.
    let (st, v) = s
        .rpc_as(Some(&tok), "personal_sign", json!(["0x02", HARDHAT0_ADDR]))
        .await;
    assert_eq!(st, 401, "{v}");
    assert!(error_message(&v).contains("suspended"), "{v}");
    let (_, list) = s.admin(Method::GET, "/v1/incidents", None).await;
    let inc = list["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == incident.as_str())
        .cloned()
        .unwrap();
    assert_eq!(inc["actions"][0]["action"], "suspend_credential");
    assert_eq!(inc["actions"][0]["state"], "applied");

    // Resolving the incident (CLI) restores the credential.
    let env = env_of(&s);
    let (code, out, err) = run(&["incident", "resolve", &incident, "--note", "test"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reinstated"), "{out}");
    let (_, v) = s
        .rpc_as(Some(&tok), "personal_sign", json!(["0x03", HARDHAT0_ADDR]))
        .await;
    assert!(v["result"].is_string(), "credential restored: {v}");
    let (code, out, _) = run(&["incident", "list", "--status", "resolved"], &env);
    assert_eq!(code, 0);
    assert!(out.contains(&incident), "{out}");

    // Response, resolution and reversal are in the audit log.
    let (_, e) = s
        .admin(Method::GET, "/v1/audit/entries?tail=200", None)
        .await;
    let actions: BTreeSet<String> = e["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap().to_string())
        .collect();
    for a in [
        "response.suspend_credential",
        "alert.raised",
        "incident.resolve",
        "response.suspend_credential.reverse",
    ] {
        assert!(actions.contains(a), "{a} missing from {actions:?}");
    }
    // The file sink got the alert, and signed checkpoints were shipped to the other directory.
    assert!(std::fs::read_to_string(t.path().join("alerts.jsonl"))
        .unwrap()
        .contains(&incident));
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_dir(&cps).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "no checkpoint shipped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockdown_block_and_suspend_by_hand_are_reversible() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "app", "keys": ["*"], "methods": ["sign"]})),
        )
        .await;
    let tok = c["token"].as_str().unwrap().to_string();
    let sign = || s.rpc_as(Some(&tok), "personal_sign", json!(["0x01", HARDHAT0_ADDR]));
    let env = env_of(&s);
    assert_eq!(run(&["response", "lockdown", "on"], &env).0, 0);
    let (_, v) = sign().await;
    assert!(error_message(&v).contains("lockdown"), "{v}");
    let (_, v) = s.rpc("personal_sign", json!(["0x01", HARDHAT0_ADDR])).await;
    assert!(v["result"].is_string(), "admins are still served: {v}");
    assert_eq!(run(&["response", "lockdown", "off"], &env).0, 0);
    assert!(sign().await.1["result"].is_string());

    assert_eq!(
        run(&["response", "block", "127.0.0.1", "--for", "1m"], &env).0,
        0
    );
    let (st, v) = sign().await;
    assert_eq!((st, error_code(&v)), (403, -32001), "{v}");
    assert_eq!(run(&["response", "unblock", "127.0.0.1"], &env).0, 0);
    assert!(sign().await.1["result"].is_string());

    let id = c["id"].as_str().unwrap();
    assert_eq!(run(&["response", "suspend", id], &env).0, 0);
    assert_eq!(sign().await.0, 401);
    assert_eq!(run(&["response", "reinstate", id], &env).0, 0);
    assert!(sign().await.1["result"].is_string());
}

/// kill -9 during signing load: after restart the log verifies (offline, against a signed
/// checkpoint) and holds every signature that was acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_signing_keeps_every_acknowledged_signature_in_a_verifying_log() {
    let t = tempdir();
    let data = data_dir_in(&t);
    let (code, out, err) = cli(
        &[
            "init",
            "--data-dir",
            &path_str(&data),
            "--shares",
            "1",
            "--threshold",
            "1",
            "--share-dir",
            &path_str(&t.path().join("shares")),
            "--root-token-file",
            &path_str(&t.path().join("root")),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let token = std::fs::read_to_string(t.path().join("root"))
        .unwrap()
        .trim()
        .to_string();
    let share = std::fs::read_to_string(t.path().join("shares/share-1.txt"))
        .unwrap()
        .trim()
        .to_string();
    let mut s = Server::data_dir(&data).await.with_token(&token);
    let (st, _) = s
        .admin(
            Method::POST,
            "/v1/sys/unseal",
            Some(json!({"share": share})),
        )
        .await;
    assert_eq!(st, 200);
    s.import_hardhat0().await;

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (http, addr, token, acked) =
            (s.http.clone(), s.addr.clone(), token.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let msg = format!("worker {w} message {i}");
                let body = json!({"jsonrpc": "2.0", "id": 1, "method": "personal_sign", "params": [format!("0x{}", hex::encode(&msg)), HARDHAT0_ADDR]});
                match http.post(&addr).bearer_auth(&token).json(&body).send().await {
                    Ok(r) => match r.json::<Value>().await {
                        Ok(v) if v["result"].is_string() => {
                            let digest = palisade_node::chain::eip191_personal_hash(msg.as_bytes());
                            acked.lock().unwrap().push(hex::encode(digest.0));
                        }
                        _ => break,
                    },
                    Err(_) => break,
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.lock().unwrap().clone();
    drop(s);

    // Offline, on the data directory of the stopped server.
    let shares = t.path().join("shares/share-1.txt");
    let (code, out, err) = cli(
        &[
            "audit",
            "verify",
            "--data-dir",
            &path_str(&data),
            "--share-file",
            &path_str(&shares),
        ],
        &[],
    );
    assert_eq!(
        code, 0,
        "data directory must verify after kill -9: {out}{err}"
    );

    let s = Server::data_dir(&data).await.with_token(&token);
    let (st, _) = s
        .admin(
            Method::POST,
            "/v1/sys/unseal",
            Some(json!({"share": share})),
        )
        .await;
    assert_eq!(st, 200);
    let log = t.path().join("log.jsonl");
    let cp = t.path().join("cp.txt");
    let env = env_of(&s);
    let (code, out, err) = run(
        &[
            "audit",
            "export",
            "--out",
            &path_str(&log),
            "--checkpoint-out",
            &path_str(&cp),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (_, vkey, _) = run(&["audit", "key"], &env);
    let (code, out, err) = cli(
        &[
            "audit",
            "verify",
            "--log",
            &path_str(&log),
            "--checkpoint",
            &path_str(&cp),
            "--key",
            vkey.trim(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let signed: BTreeSet<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "personal_sign" && e["decision"] == "allow")
        .filter_map(|e| e["digest"].as_str().map(str::to_string))
        .collect();
    let missing: Vec<&String> = acked.iter().filter(|d| !signed.contains(*d)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged signatures missing from the audit log",
        missing.len(),
        acked.len()
    );
}
