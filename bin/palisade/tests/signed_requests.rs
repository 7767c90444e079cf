//! Signed requests: a credential with a request key must sign method, path, body digest,
//! timestamp and nonce; stale, tampered and replayed requests are refused.
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
use sha2::{Digest, Sha256};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn send(s: &Server, token: &str, body: &[u8], headers: &[(&str, String)]) -> (u16, Value) {
    let mut req = s
        .http
        .post(&s.addr)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    let st = resp.status().as_u16();
    (st, resp.json().await.unwrap_or(Value::Null))
}

fn sign(
    key: &ed25519_dalek::SigningKey,
    body: &[u8],
    ts: u64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    let msg = format!(
        "palisade-request-v1\nPOST\n/\n{}\n{ts}\n{nonce}",
        hex::encode(Sha256::digest(body))
    );
    vec![
        ("x-palisade-timestamp", ts.to_string()),
        ("x-palisade-nonce", nonce.to_string()),
        (
            "x-palisade-signature",
            hex::encode(key.sign(msg.as_bytes()).to_bytes()),
        ),
    ]
}

#[tokio::test]
async fn replayed_stale_and_tampered_requests_are_refused() {
    let s = Server::dev(&[]).await;
    s.import_hardhat0().await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let (st, c) = s
        .admin(Method::POST, "/v1/credentials", Some(json!({"name": "signed-bot", "keys": ["*"], "methods": ["sign"], "request_key": hex::encode(key.verifying_key().to_bytes())})))
        .await;
    assert_eq!(st, 201, "{c}");
    let token = c["token"].as_str().unwrap().to_string();
    let body = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "method": "personal_sign", "params": ["0x68656c6c6f", HARDHAT0_ADDR]})).unwrap();

    // The bearer token alone is not enough.
    let (st, v) = send(&s, &token, &body, &[]).await;
    assert_eq!(st, 401, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("X-Palisade-Signature"),
        "{v}"
    );

    let headers = sign(&key, &body, now(), "nonce-0001");
    let (st, v) = send(&s, &token, &body, &headers).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["result"].is_string(), "{v}");

    // The same request again: replay.
    let (st, v) = send(&s, &token, &body, &headers).await;
    assert_eq!(st, 401);
    assert!(v["error"].as_str().unwrap().contains("replayed"), "{v}");

    // Stale timestamp.
    let (st, v) = send(
        &s,
        &token,
        &body,
        &sign(&key, &body, now() - 3600, "nonce-0002"),
    )
    .await;
    assert_eq!(st, 401);
    assert!(v["error"].as_str().unwrap().contains("stale"), "{v}");

    // A body that differs from what was signed.
    let headers = sign(&key, &body, now(), "nonce-0003");
    let mut tampered = body.clone();
    let pos = tampered
        .windows(10)
        .position(|w| w == b"68656c6c6f")
        .unwrap();
    tampered[pos] = b'7';
    let (st, v) = send(&s, &token, &tampered, &headers).await;
    assert_eq!(st, 401);
    assert!(
        v["error"].as_str().unwrap().contains("does not verify"),
        "{v}"
    );

    // Signed by another key.
    let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let (st, _) = send(&s, &token, &body, &sign(&other, &body, now(), "nonce-0004")).await;
    assert_eq!(st, 401);

    // Credentials without a request key are unaffected.
    let (st, v) = send(&s, s.token.as_deref().unwrap(), &body, &[]).await;
    assert_eq!(st, 200, "{v}");
}
