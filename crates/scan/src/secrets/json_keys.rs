//! Key files with a JSON shape: Web3 Secret Storage keystores, EIP-2335 validator keystores,
//! Cosmos `priv_validator_key.json`, GCP service-account keys.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use crate::finding::Severity;
use crate::keys;
use crate::source::{Hit, Source};

/// Files larger than this are not parsed as key files.
const MAX_JSON: usize = 4 << 20;

fn offset_of(src: &Source<'_>, needle: &str) -> usize {
    src.lower().find(needle).unwrap_or(0)
}

/// Byte range of the JSON string value that follows `key_at` (the opening quote excluded).
fn value_span(src: &Source<'_>, key_at: usize) -> std::ops::Range<usize> {
    let b = src.bytes();
    let Some(colon) = memchr::memchr(b':', &b[key_at.min(b.len())..]).map(|i| key_at + i) else {
        return key_at..key_at;
    };
    let Some(open) = memchr::memchr(b'"', &b[colon..]).map(|i| colon + i + 1) else {
        return key_at..key_at;
    };
    let mut i = open;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    open..i.min(b.len())
}

fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// A password file or password setting next to a keystore turns it into a plaintext key.
fn password_nearby(src: &Source<'_>, json: &Value) -> Option<String> {
    if get(json, "password").is_some() {
        return Some("the keystore JSON holds a password".into());
    }
    let dir = Path::new(src.path).parent()?;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    for e in std::fs::read_dir(dir).ok()?.flatten().take(512) {
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if name.contains("password")
            || name.contains("passwd")
            || name.contains("passphrase")
            || name.ends_with(".pass")
            || name == "pass.txt"
            || name == "pass"
        {
            return Some(format!(
                "password file `{}` next to it",
                e.file_name().to_string_lossy()
            ));
        }
    }
    None
}

pub fn detect(src: &Source<'_>, out: &mut Vec<Hit>) {
    let text = src.text.trim_start();
    if src.text.len() > MAX_JSON || !text.starts_with('{') {
        return;
    }
    let Ok(json) = serde_json::from_str::<Value>(&src.text) else {
        return;
    };
    // Web3 Secret Storage (v3) and EIP-2335 (v4)
    if let Some(crypto) = get(&json, "crypto") {
        let version = get(&json, "version").and_then(Value::as_u64);
        if version == Some(4)
            && get(crypto, "checksum").is_some()
            && get(crypto, "cipher").is_some()
        {
            let msg = get(crypto, "cipher")
                .and_then(|c| get(c, "message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let (sev, why) = match password_nearby(src, &json) {
                Some(w) => (Severity::Critical, format!(", {w}")),
                None => (Severity::High, String::new()),
            };
            let at = offset_of(src, "\"cipher\"");
            out.push(Hit::secret(
                "eip2335-validator-keystore",
                sev,
                at..at,
                msg.as_bytes().to_vec(),
                format!("EIP-2335 validator keystore{why}"),
            ));
            return;
        }
        let ct = get(crypto, "ciphertext").and_then(Value::as_str);
        if let (Some(ct), true, true) = (
            ct,
            get(crypto, "kdf").is_some(),
            get(crypto, "mac").is_some(),
        ) {
            if ct.len() >= 32 && ct.bytes().all(|b| b.is_ascii_hexdigit()) {
                let (sev, why) = match password_nearby(src, &json) {
                    Some(w) => (Severity::Critical, format!(", {w}")),
                    None => (Severity::Medium, String::new()),
                };
                let at = offset_of(src, "\"ciphertext\"");
                out.push(Hit {
                    rule: "web3-keystore",
                    severity: sev,
                    offset: at,
                    secret: Some(value_span(src, at)),
                    fingerprint_material: Some(ct.as_bytes().to_vec()),
                    message: format!("encrypted Ethereum keystore (Web3 Secret Storage){why}"),
                });
            }
        }
        return;
    }
    // Cosmos / Tendermint / CometBFT validator key
    if let Some(pk) = get(&json, "priv_key") {
        let ty = get(pk, "type").and_then(Value::as_str).unwrap_or("");
        let value = get(pk, "value").and_then(Value::as_str).unwrap_or("");
        if ty.ends_with("PrivKeyEd25519") {
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(value) {
                if keys::ed25519_keypair_consistent(&bytes) {
                    let at = src.text.find(value).unwrap_or(0);
                    out.push(Hit::secret(
                        "cosmos-validator-key",
                        Severity::Critical,
                        at..at + value.len(),
                        bytes[..32].to_vec(),
                        "Tendermint/CometBFT Ed25519 validator key (public half matches)".into(),
                    ));
                }
            }
        }
        return;
    }
    // GCP service account
    if get(&json, "type").and_then(Value::as_str) == Some("service_account") {
        if let Some(pem) = get(&json, "private_key").and_then(Value::as_str) {
            if super::cloud::pem_body_decodes(pem) {
                let at = offset_of(src, "\"private_key\"");
                let email = get(&json, "client_email")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                out.push(Hit {
                    rule: "gcp-service-account-key",
                    severity: Severity::Critical,
                    offset: at,
                    secret: Some(value_span(src, at)),
                    fingerprint_material: Some(pem.as_bytes().to_vec()),
                    message: format!("GCP service account key for `{email}`"),
                });
            }
        }
    }
}
