//! `palisade audit ...`, `palisade incident ...`, `palisade response ...`.
//!
//! `audit verify --log FILE --checkpoint FILE --key KEY` is offline: it needs no server, only an
//! exported log and a checkpoint signed by the key you trust. `audit verify --data-dir DIR` opens a
//! stopped server's data directory (unseal shares or passphrase needed). The rest are clients of
//! the admin API.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use palisade_audit::verify::{verify_export, VerifyReport};
use palisade_audit::{Checkpoint, InclusionProof, VerifierKey};
use serde_json::{json, Value};

use crate::commands::ClientArgs;

/// Entries fetched per export request.
const PAGE: u64 = 50_000;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the log: online (no flags), offline on an exported log (`--log`), or offline on a
    /// stopped server's data directory (`--data-dir`).
    Verify {
        #[command(flatten)]
        client: ClientArgs,
        /// Exported log (JSON lines from `palisade audit export`).
        #[arg(long, conflicts_with = "data_dir")]
        log: Option<PathBuf>,
        /// A data directory (the server must be stopped).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Trusted signed checkpoint file; repeatable.
        #[arg(long = "checkpoint")]
        checkpoints: Vec<PathBuf>,
        /// Trusted verifier key (`name+id+key`, from `palisade audit key`), or `@FILE`.
        #[arg(long)]
        key: Option<String>,
        /// With --data-dir: unseal share files (threshold many).
        #[arg(long = "share-file")]
        share_files: Vec<PathBuf>,
        /// With --data-dir: the passphrase file of a passphrase seal.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Write the log as JSON lines (one stored entry per line) and the latest signed checkpoint.
    Export {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        out: PathBuf,
        /// Also sign a checkpoint now and write it here.
        #[arg(long)]
        checkpoint_out: Option<PathBuf>,
    },
    /// Print and check the inclusion proof of entry SEQ under a signed checkpoint.
    Proof {
        #[command(flatten)]
        client: ClientArgs,
        seq: u64,
    },
    /// Print the last entries; `--follow` keeps printing new ones.
    Tail {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: u64,
        #[arg(short, long)]
        follow: bool,
    },
    /// Sign a checkpoint of the log now and print it (or write it to --out).
    Checkpoint {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the checkpoint verifier key (keep a copy outside the server: it is the trust anchor).
    Key {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print the keyed hash under which a sensitive value (a source address) is stored.
    Hash {
        #[command(flatten)]
        client: ClientArgs,
        value: String,
    },
}

#[derive(Subcommand)]
pub enum IncidentCommand {
    List {
        #[command(flatten)]
        client: ClientArgs,
        /// open, resolved or all.
        #[arg(long, default_value = "open")]
        status: String,
    },
    Show {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
    /// Close an incident and undo every response it applied (unless --keep-actions).
    Resolve {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        keep_actions: bool,
    },
}

#[derive(Subcommand)]
pub enum ResponseCommand {
    /// Suspend a credential (reversible, unlike revoke).
    Suspend {
        #[command(flatten)]
        client: ClientArgs,
        credential: String,
    },
    /// Lift a credential's suspension.
    Reinstate {
        #[command(flatten)]
        client: ClientArgs,
        credential: String,
    },
    /// Refuse JSON-RPC requests from a source address for a time.
    Block {
        #[command(flatten)]
        client: ClientArgs,
        source: String,
        #[arg(long = "for", default_value = "15m")]
        duration: humantime::Duration,
    },
    Unblock {
        #[command(flatten)]
        client: ClientArgs,
        source: String,
    },
    Blocks {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// `on`: only admin credentials are served; `off`: lift it.
    Lockdown {
        #[command(flatten)]
        client: ClientArgs,
        state: String,
    },
}

fn print_json(v: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn read_key(arg: &Option<String>) -> Result<Option<VerifierKey>> {
    let Some(k) = arg else { return Ok(None) };
    let text = match k.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read key file `{path}`"))?,
        None => k.clone(),
    };
    Ok(Some(VerifierKey::parse(&text)?))
}

fn trusted(key: &VerifierKey, files: &[PathBuf]) -> Result<Vec<Checkpoint>> {
    files
        .iter()
        .map(|f| {
            let note = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read checkpoint `{}`", f.display()))?;
            key.open(&note)
                .with_context(|| format!("checkpoint `{}`", f.display()))
        })
        .collect()
}

fn print_report(r: &VerifyReport, json_out: bool) -> Result<()> {
    if json_out {
        return print_json(&serde_json::to_value(r)?);
    }
    println!(
        "Audit log verified: {} entries, root {}.",
        r.entries,
        hex::encode(r.root)
    );
    if r.verified_up_to > 0 {
        println!("Matches the trusted checkpoint(s) up to entry {}; {} later entries are not yet covered by a signature.", r.verified_up_to, r.unanchored);
    }
    Ok(())
}

pub fn audit(cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify {
            client,
            log: Some(log),
            checkpoints,
            key,
            ..
        } => {
            let key = read_key(&key)?.context("offline verification needs the trusted verifier key: --key (see `palisade audit key`)")?;
            if checkpoints.is_empty() {
                bail!("offline verification needs at least one trusted --checkpoint");
            }
            let cps = trusted(&key, &checkpoints)?;
            let f = std::fs::File::open(&log)
                .with_context(|| format!("cannot open `{}`", log.display()))?;
            let report = verify_export(std::io::BufReader::new(f), &cps)
                .map_err(|e| anyhow::anyhow!("audit log verification failed: {e}"))?;
            print_report(&report, client.json)
        }
        AuditCommand::Verify {
            client,
            data_dir: Some(dir),
            checkpoints,
            key,
            share_files,
            passphrase_file,
            ..
        } => verify_data_dir(
            &dir,
            &checkpoints,
            read_key(&key)?,
            &share_files,
            passphrase_file.as_ref(),
            client.json,
        ),
        AuditCommand::Verify { client, .. } => {
            let v = client.client()?.post("/v1/audit/verify", json!({}))?;
            if client.json {
                return print_json(&v);
            }
            println!(
                "Audit log verified: {} entries, root {}.",
                v["size"],
                v["root"].as_str().unwrap_or("")
            );
            Ok(())
        }
        AuditCommand::Export {
            client,
            out,
            checkpoint_out,
        } => {
            let c = client.client()?;
            let mut f = std::fs::File::create(&out)
                .with_context(|| format!("cannot write `{}`", out.display()))?;
            // Sign first so the checkpoint covers everything exported.
            let cp = c.post("/v1/audit/checkpoint", json!({}))?;
            let mut from = 0u64;
            loop {
                let v = c.get(&format!(
                    "/v1/audit/export?format=json&from={from}&limit={PAGE}"
                ))?;
                let lines = v["lines"]
                    .as_array()
                    .context("server answer has no lines")?;
                for l in lines {
                    f.write_all(l.as_str().context("line is not text")?.as_bytes())?;
                    f.write_all(b"\n")?;
                }
                let to = v["to"].as_u64().unwrap_or(from);
                if lines.is_empty() || to >= v["size"].as_u64().unwrap_or(0) {
                    from = to;
                    break;
                }
                from = to;
            }
            f.sync_all()?;
            if let Some(p) = &checkpoint_out {
                std::fs::write(p, cp["checkpoint"].as_str().unwrap_or_default())
                    .with_context(|| format!("cannot write `{}`", p.display()))?;
            }
            println!("Exported {from} entries to {}.", out.display());
            if let Some(p) = checkpoint_out {
                println!(
                    "Checkpoint written to {} (verifier key: {}).",
                    p.display(),
                    cp["key"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
        AuditCommand::Proof { client, seq } => {
            let v = client.client()?.get(&format!("/v1/audit/proof/{seq}"))?;
            let proof: InclusionProof =
                serde_json::from_value(v.clone()).context("malformed proof")?;
            let key = VerifierKey::parse(v["key"].as_str().unwrap_or(""))?;
            let cp = key.open(v["checkpoint"].as_str().unwrap_or(""))?;
            let entry = v["entry"].as_str().unwrap_or("");
            let ok = cp.size == proof.size && proof.verify(entry.as_bytes(), &cp.root);
            if client.json {
                return print_json(&json!({"verified": ok, "proof": v}));
            }
            println!("entry {seq}: {entry}");
            println!("leaf hash: {}", hex::encode(proof.leaf_hash));
            println!(
                "tree size: {}  root: {}",
                proof.size,
                hex::encode(proof.root)
            );
            for (i, h) in proof.path.iter().enumerate() {
                println!("  path[{i}] {h}");
            }
            println!("checkpoint:\n{}", v["checkpoint"].as_str().unwrap_or(""));
            if !ok {
                bail!("the inclusion proof does not verify against the signed checkpoint");
            }
            println!(
                "Inclusion proof verified against the checkpoint signed by {}.",
                key.name
            );
            Ok(())
        }
        AuditCommand::Tail {
            client,
            lines,
            follow,
        } => {
            let c = client.client()?;
            let v = c.get(&format!("/v1/audit/entries?tail={lines}"))?;
            let mut next = print_entries(&v, client.json)?;
            if !follow {
                return Ok(());
            }
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let v = c.get(&format!("/v1/audit/entries?from={next}&limit=1000"))?;
                next = print_entries(&v, client.json)?.max(next);
            }
        }
        AuditCommand::Checkpoint { client, out } => {
            let v = client.client()?.post("/v1/audit/checkpoint", json!({}))?;
            let note = v["checkpoint"].as_str().unwrap_or_default();
            match out {
                Some(p) => {
                    std::fs::write(&p, note)
                        .with_context(|| format!("cannot write `{}`", p.display()))?;
                    println!("Checkpoint written to {}.", p.display());
                }
                None => print!("{note}"),
            }
            Ok(())
        }
        AuditCommand::Key { client } => {
            println!(
                "{}",
                client.client()?.get("/v1/audit/key")?["key"]
                    .as_str()
                    .unwrap_or("")
            );
            Ok(())
        }
        AuditCommand::Hash { client, value } => {
            println!(
                "{}",
                client
                    .client()?
                    .post("/v1/audit/hash", json!({"value": value}))?["hash"]
                    .as_str()
                    .unwrap_or("")
            );
            Ok(())
        }
    }
}

/// Prints entries; returns the sequence number after the last one.
fn print_entries(v: &Value, raw: bool) -> Result<u64> {
    let mut next = v["from"].as_u64().unwrap_or(0);
    for e in v["entries"].as_array().into_iter().flatten() {
        if raw {
            println!("{e}");
        } else {
            let t = e["time_ms"].as_u64().unwrap_or(0);
            let when =
                humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_millis(t));
            println!(
                "{:>8} {when} {:<8} {:<6} {:<28} principal={} resource={} {}",
                e["seq"],
                e["kind"].as_str().unwrap_or(""),
                e["decision"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap_or(""),
                e["principal"].as_str().unwrap_or("-"),
                e["resource"].as_str().unwrap_or("-"),
                e["reasons"]
                    .as_array()
                    .map(|r| r
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "))
                    .unwrap_or_default()
            );
        }
        next = e["seq"].as_u64().map_or(next, |s| s + 1);
    }
    std::io::stdout().flush()?;
    Ok(next)
}

fn verify_data_dir(
    dir: &std::path::Path,
    checkpoints: &[PathBuf],
    key: Option<VerifierKey>,
    share_files: &[PathBuf],
    passphrase_file: Option<&PathBuf>,
    json_out: bool,
) -> Result<()> {
    use palisade_node::config::Config;
    let config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let node = palisade_node::Node::open(config).await.context("cannot open the data directory (is the server still running?)")?;
        if !node.barrier().is_initialized()? {
            bail!("`{}` is not an initialised data directory", dir.display());
        }
        match passphrase_file {
            Some(p) => {
                let text = zeroize::Zeroizing::new(std::fs::read_to_string(p).with_context(|| format!("cannot read `{}`", p.display()))?);
                node.barrier().unseal_with_passphrase(&palisade_crypto::SecretString::new(text.trim().to_string()))?;
            }
            None => {
                for f in share_files {
                    let s = zeroize::Zeroizing::new(std::fs::read_to_string(f).with_context(|| format!("cannot read `{}`", f.display()))?);
                    node.barrier().submit_share(s.trim())?;
                }
            }
        }
        if node.is_sealed() {
            bail!("still sealed: give enough --share-file (or --passphrase-file) to unseal the data directory");
        }
        let head = node.audit().verify().map_err(|e| anyhow::anyhow!("{e}"))?;
        let stored_key = node.audit().verifier_key().map_err(|e| anyhow::anyhow!("{e}"))?;
        let key = key.unwrap_or(stored_key);
        let mut cps = trusted(&key, checkpoints)?;
        if let Some(note) = node.audit().latest_checkpoint().map_err(|e| anyhow::anyhow!("{e}"))? {
            cps.push(key.open(&note).context("the data directory's latest checkpoint")?);
        }
        let raw = node.audit().raw_entries(0, head.size).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut text = Vec::new();
        for r in raw {
            text.extend_from_slice(&r);
            text.push(b'\n');
        }
        node.seal();
        let report = verify_export(text.as_slice(), &cps).map_err(|e| anyhow::anyhow!("audit log verification failed: {e}"))?;
        print_report(&report, json_out)
    })
}

pub fn incident(cmd: IncidentCommand) -> Result<()> {
    match cmd {
        IncidentCommand::List { client, status } => {
            let v = client
                .client()?
                .get(&format!("/v1/incidents?status={status}"))?;
            if client.json {
                return print_json(&v);
            }
            println!(
                "{:<22} {:<9} {:<9} {:<24} {:>6}  TITLE",
                "ID", "STATUS", "SEVERITY", "RULE", "ALERTS"
            );
            for i in v["incidents"].as_array().into_iter().flatten() {
                println!(
                    "{:<22} {:<9} {:<9} {:<24} {:>6}  {}",
                    i["id"].as_str().unwrap_or(""),
                    i["status"].as_str().unwrap_or(""),
                    i["severity"].as_str().unwrap_or(""),
                    i["rule"].as_str().unwrap_or(""),
                    i["alert_count"],
                    i["title"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
        IncidentCommand::Show { client, id } => {
            print_json(&client.client()?.get(&format!("/v1/incidents/{id}"))?)
        }
        IncidentCommand::Resolve {
            client,
            id,
            note,
            keep_actions,
        } => {
            let v = client.client()?.post(
                &format!("/v1/incidents/{id}/resolve"),
                json!({"note": note, "keep_actions": keep_actions}),
            )?;
            if client.json {
                return print_json(&v);
            }
            println!("Incident {id} resolved.");
            for a in v["actions"].as_array().into_iter().flatten() {
                println!(
                    "  {} {}: {} ({})",
                    a["action"].as_str().unwrap_or(""),
                    a["target"].as_str().unwrap_or(""),
                    a["state"].as_str().unwrap_or(""),
                    a["detail"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

pub fn response(cmd: ResponseCommand) -> Result<()> {
    let (client, v) = match cmd {
        ResponseCommand::Suspend { client, credential } => {
            let v = client
                .client()?
                .post(&format!("/v1/credentials/{credential}/suspend"), json!({}))?;
            (client, v)
        }
        ResponseCommand::Reinstate { client, credential } => {
            let v = client.client()?.post(
                &format!("/v1/credentials/{credential}/reinstate"),
                json!({}),
            )?;
            (client, v)
        }
        ResponseCommand::Block {
            client,
            source,
            duration,
        } => {
            let secs = Duration::from(duration).as_secs();
            let v = client
                .client()?
                .post("/v1/blocks", json!({"source": source, "seconds": secs}))?;
            (client, v)
        }
        ResponseCommand::Unblock { client, source } => {
            let v = client.client()?.call(
                reqwest::Method::DELETE,
                &format!("/v1/blocks/{source}"),
                None,
            )?;
            (client, v)
        }
        ResponseCommand::Blocks { client } => {
            let v = client.client()?.get("/v1/blocks")?;
            (client, v)
        }
        ResponseCommand::Lockdown { client, state } => {
            let on = match state.as_str() {
                "on" => true,
                "off" => false,
                other => bail!("lockdown state must be `on` or `off`, not `{other}`"),
            };
            let v = client.client()?.post("/v1/lockdown", json!({"on": on}))?;
            (client, v)
        }
    };
    let _ = client.json;
    print_json(&v)
}
