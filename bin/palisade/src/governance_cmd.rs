//! `palisade policy ...` and `palisade approve ...`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use ed25519_dalek::Signer;
use palisade_node::policy::{approvals::approval_message, CompiledPolicy, PolicyBundle};
use serde_json::{json, Value};

use crate::commands::ClientArgs;
use crate::serve::write_private;

fn read(path: &Option<PathBuf>) -> Result<String> {
    match path {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read `{}`", p.display()))
        }
        None => Ok(String::new()),
    }
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check Cedar policies and transaction rules offline (schema-validated; nothing is applied).
    Validate {
        #[arg(long)]
        cedar: Option<PathBuf>,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Show the active policy.
    Show {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Replace the active policy (validated whole; may be held for approval).
    Set {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        cedar: Option<PathBuf>,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// What-if: the decision and every reason for a transaction by a credential with a key.
    Test {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        credential: String,
        /// Key id or address.
        #[arg(long)]
        key: String,
        #[arg(long, default_value = "eth_sendTransaction")]
        method: String,
        #[arg(long)]
        chain_id: Option<u64>,
        /// Transaction as JSON (as a client would send it), or `@file.json`.
        #[arg(long)]
        tx: Option<String>,
    },
}

pub fn policy(cmd: PolicyCommand) -> Result<()> {
    match cmd {
        PolicyCommand::Validate { cedar, rules } => {
            let bundle = PolicyBundle {
                cedar: if cedar.is_some() {
                    read(&cedar)?
                } else {
                    PolicyBundle::default_bundle().cedar
                },
                rules: read(&rules)?,
            };
            match CompiledPolicy::compile(bundle, 0) {
                Ok(p) => {
                    println!("valid: cedar policies validate against the Palisade schema; {} rule(s): {}", p.rule_ids().len(), p.rule_ids().join(", "));
                    Ok(())
                }
                Err(e) => bail!("{e}"),
            }
        }
        PolicyCommand::Show { client } => {
            let v = client.client()?.get("/v1/policy")?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!(
                "# policy version {}\n\n# --- cedar\n{}\n# --- rules\n{}",
                v["version"],
                v["cedar"].as_str().unwrap_or(""),
                v["rules"].as_str().unwrap_or("")
            );
            Ok(())
        }
        PolicyCommand::Set {
            client,
            cedar,
            rules,
        } => {
            let body = json!({
                "cedar": if cedar.is_some() { read(&cedar)? } else { PolicyBundle::default_bundle().cedar },
                "rules": read(&rules)?,
            });
            let v = client
                .client()?
                .call(reqwest::Method::PUT, "/v1/policy", Some(body))?;
            match v.get("approval_id") {
                Some(id) => println!(
                    "Held for approval {}: {}",
                    id.as_str().unwrap_or(""),
                    v["reason"].as_str().unwrap_or("")
                ),
                None => println!("Policy version {} is active.", v["version"]),
            }
            Ok(())
        }
        PolicyCommand::Test {
            client,
            credential,
            key,
            method,
            chain_id,
            tx,
        } => {
            let tx: Option<Value> = match tx {
                Some(t) if t.starts_with('@') => {
                    Some(serde_json::from_str(&std::fs::read_to_string(&t[1..])?)?)
                }
                Some(t) => Some(serde_json::from_str(&t).context("--tx is not JSON")?),
                None => None,
            };
            let v = client.client()?.post("/v1/policy/test", json!({"credential": credential, "key": key, "method": method, "chain_id": chain_id, "tx": tx}))?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!("decision: {}", v["decision"].as_str().unwrap_or(""));
            for r in v["reasons"].as_array().into_iter().flatten() {
                println!("  - {}", r.as_str().unwrap_or(""));
            }
            for (label, field) in [
                ("matched rules", "matched_rules"),
                ("velocity", "velocity_checks"),
                ("approvals", "approvals_required"),
            ] {
                let items: Vec<&str> = v[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if !items.is_empty() {
                    println!("{label}: {}", items.join("; "));
                }
            }
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum ApproveCommand {
    /// Create an approver signing key (kept by the approver; register its public key with
    /// `credential create --approver-key`).
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    Show {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
        /// Wait up to this many seconds for the outcome.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
    /// Approve a held request (signs its digest with your approver key).
    Accept {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
        #[arg(long)]
        signing_key: PathBuf,
    },
    /// Reject a held request; one rejection ends it.
    Reject {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
        #[arg(long)]
        signing_key: PathBuf,
    },
}

fn load_signing_key(path: &PathBuf) -> Result<ed25519_dalek::SigningKey> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?,
    );
    let bytes = zeroize::Zeroizing::new(
        hex::decode(text.trim()).context("approver key file must hold a hex Ed25519 seed")?,
    );
    let seed: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .context("approver key must be 32 bytes")?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

fn print_approval(v: &Value) {
    println!("id:        {}", v["id"].as_str().unwrap_or(""));
    println!("status:    {}", v["status"].as_str().unwrap_or(""));
    println!("action:    {}", v["action"].as_str().unwrap_or(""));
    println!("summary:   {}", v["summary"].as_str().unwrap_or(""));
    println!("requester: {}", v["requester"].as_str().unwrap_or(""));
    println!(
        "rule:      {} ({} of group `{}`)",
        v["rule_id"].as_str().unwrap_or(""),
        v["quorum"],
        v["group"].as_str().unwrap_or("")
    );
    println!("digest:    {}", v["digest"].as_str().unwrap_or(""));
    let votes: Vec<String> = v["votes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            format!(
                "{} {}",
                x["credential"].as_str().unwrap_or(""),
                if x["accept"] == true {
                    "accepted"
                } else {
                    "rejected"
                }
            )
        })
        .collect();
    println!(
        "votes:     {}",
        if votes.is_empty() {
            "-".into()
        } else {
            votes.join(", ")
        }
    );
    if !v["result"].is_null() {
        println!("result:    {}", v["result"]);
    }
    if let Some(e) = v["error"].as_str() {
        println!("error:     {e}");
    }
}

pub fn approve(cmd: ApproveCommand) -> Result<()> {
    match cmd {
        ApproveCommand::Keygen { out } => {
            let key = ed25519_dalek::SigningKey::generate(&mut rand_core_os());
            write_private(&out, &hex::encode(key.to_bytes()))?;
            println!(
                "Approver key written to {} (keep it offline).",
                out.display()
            );
            println!(
                "Public key (register with `credential create --approver-key`): {}",
                hex::encode(key.verifying_key().to_bytes())
            );
            Ok(())
        }
        ApproveCommand::List { client } => {
            let v = client.client()?.get("/v1/approvals")?;
            if client.json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!("{:<22} {:<10} {:<22} SUMMARY", "ID", "STATUS", "ACTION");
            for a in v["approvals"].as_array().into_iter().flatten() {
                println!(
                    "{:<22} {:<10} {:<22} {}",
                    a["id"].as_str().unwrap_or(""),
                    a["status"].as_str().unwrap_or(""),
                    a["action"].as_str().unwrap_or(""),
                    a["summary"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
        ApproveCommand::Show { client, id, wait } => {
            let v = client
                .client()?
                .get(&format!("/v1/approvals/{id}?wait={wait}"))?;
            print_approval(&v);
            Ok(())
        }
        ApproveCommand::Accept {
            client,
            id,
            signing_key,
        } => vote(client, id, signing_key, true),
        ApproveCommand::Reject {
            client,
            id,
            signing_key,
        } => vote(client, id, signing_key, false),
    }
}

fn vote(client: ClientArgs, id: String, signing_key: PathBuf, accept: bool) -> Result<()> {
    let key = load_signing_key(&signing_key)?;
    let c = client.client()?;
    let rec = c.get(&format!("/v1/approvals/{id}"))?;
    let digest = rec["digest"].as_str().context("approval has no digest")?;
    println!(
        "{} {}: {}",
        if accept { "Approving" } else { "Rejecting" },
        id,
        rec["summary"].as_str().unwrap_or("")
    );
    let sig = key.sign(&approval_message(&id, digest, accept));
    let path = format!(
        "/v1/approvals/{id}/{}",
        if accept { "accept" } else { "reject" }
    );
    let v = c.post(&path, json!({"signature": hex::encode(sig.to_bytes())}))?;
    print_approval(&v);
    Ok(())
}

fn rand_core_os() -> rand_core::OsRng {
    rand_core::OsRng
}
