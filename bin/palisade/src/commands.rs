//! CLI commands: `init` works on the data directory; the rest are admin-API clients.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use palisade_barrier::InitRequest;
use palisade_crypto::SecretString;
use palisade_node::config::Config;
use palisade_node::Node;
use serde_json::{json, Value};

use crate::client::Client;
use crate::serve::write_private;

#[derive(Args, Clone)]
pub struct ClientArgs {
    /// Address of the running server.
    #[arg(long, env = "PALISADE_ADDR", default_value = "http://127.0.0.1:8550")]
    addr: String,
    /// API key (admin commands need an admin credential).
    #[arg(long, env = "PALISADE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Read the API key from this file instead.
    #[arg(long, env = "PALISADE_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Print raw JSON.
    #[arg(long)]
    pub json: bool,
}

impl ClientArgs {
    pub fn client(&self) -> Result<Client> {
        let token = match (&self.token, &self.token_file) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read token file `{}`", f.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        Client::new(&self.addr, token)
    }
}

fn print_json(v: &Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Reads one secret line: from a terminal without echo, otherwise from stdin.
fn read_secret(prompt: &str) -> Result<zeroize::Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        Ok(zeroize::Zeroizing::new(rpassword::prompt_password(prompt)?))
    } else {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(zeroize::Zeroizing::new(line.trim().to_string()))
    }
}

fn read_secret_file(path: &PathBuf) -> Result<zeroize::Zeroizing<String>> {
    let s = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?,
    );
    Ok(zeroize::Zeroizing::new(s.trim().to_string()))
}

// ---------------------------------------------------------------- init

#[derive(Args)]
pub struct InitArgs {
    /// Data directory to initialise (must not be initialised yet).
    #[arg(long, env = "PALISADE_DATA_DIR", default_value = "./palisade-data")]
    data_dir: PathBuf,
    /// Number of Shamir unseal shares.
    #[arg(long, default_value_t = 5)]
    shares: u8,
    /// Shares needed to unseal.
    #[arg(long, default_value_t = 3)]
    threshold: u8,
    /// Seal with an Argon2id passphrase (prompted, or from --passphrase-file) instead of shares.
    #[arg(long)]
    passphrase: bool,
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
    /// Write each share to its own file in this directory instead of printing them.
    #[arg(long)]
    share_dir: Option<PathBuf>,
    /// Encrypt share i to the i-th age recipient (give one per share; implies --share-dir).
    #[arg(long = "share-recipient")]
    share_recipients: Vec<String>,
    /// Write the root token to this file (mode 0600) instead of printing it.
    #[arg(long)]
    root_token_file: Option<PathBuf>,
}

pub fn init(args: InitArgs) -> Result<()> {
    let request = if args.passphrase || args.passphrase_file.is_some() {
        let p = match &args.passphrase_file {
            Some(f) => read_secret_file(f)?,
            None => read_secret("Passphrase (at least 12 characters): ")?,
        };
        InitRequest::Passphrase(SecretString::new(p.to_string()))
    } else {
        if !args.share_recipients.is_empty() && args.share_recipients.len() != args.shares as usize
        {
            bail!(
                "give exactly one --share-recipient per share ({} shares, {} recipients)",
                args.shares,
                args.share_recipients.len()
            );
        }
        InitRequest::Shamir {
            shares: args.shares,
            threshold: args.threshold,
        }
    };
    // Fail before creating anything if a recipient is malformed.
    for r in &args.share_recipients {
        palisade_crypto::backup::parse_recipient(r).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let config = Config {
        data_dir: args.data_dir.clone(),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (shares, root) = rt.block_on(async {
        let node = Node::open(config).await?;
        if node.barrier().is_initialized()? {
            bail!(
                "`{}` is already initialised; refusing to overwrite its seal",
                args.data_dir.display()
            );
        }
        let out = node.bootstrap(request).await?;
        node.seal();
        Ok::<_, anyhow::Error>(out)
    })?;
    println!("Initialised {}.", args.data_dir.display());
    let share_dir = args.share_dir.clone().or_else(|| {
        (!args.share_recipients.is_empty()).then(|| args.data_dir.with_extension("shares"))
    });
    if !shares.is_empty() {
        match &share_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                for (i, share) in shares.iter().enumerate() {
                    if let Some(r) = args.share_recipients.get(i) {
                        let enc = palisade_crypto::backup::encrypt(
                            std::slice::from_ref(r),
                            &palisade_crypto::SecretBytes::from_slice(
                                share.expose_secret().as_bytes(),
                            ),
                        )
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                        write_private(&dir.join(format!("share-{}.age", i + 1)), &enc)?;
                    } else {
                        write_private(
                            &dir.join(format!("share-{}.txt", i + 1)),
                            share.expose_secret(),
                        )?;
                    }
                }
                println!(
                    "Wrote {} unseal shares to {} (hand each to a different operator, then delete them here).",
                    shares.len(),
                    dir.display()
                );
            }
            None => {
                println!("\nUnseal shares (shown once; give each to a different operator; {} of {} unseal):", args.threshold, args.shares);
                for (i, share) in shares.iter().enumerate() {
                    println!("  share {}: {}", i + 1, share.expose_secret());
                }
            }
        }
    }
    match &args.root_token_file {
        Some(f) => {
            write_private(f, &root.token)?;
            println!("Root API key written to {}.", f.display());
        }
        None => println!(
            "\nRoot API key (shown once; create narrower credentials for applications):\n  {}",
            root.token
        ),
    }
    println!(
        "\nThe instance is sealed. Start it with `palisade serve --data-dir {}` and unseal it.",
        args.data_dir.display()
    );
    Ok(())
}

// ---------------------------------------------------------------- seal

#[derive(Args)]
pub struct UnsealArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Read the share from this file (otherwise prompted / read from stdin).
    #[arg(long)]
    share_file: Option<PathBuf>,
    /// Decrypt an age-encrypted share file with this identity file.
    #[arg(long)]
    identity: Option<PathBuf>,
    /// Unseal with the passphrase instead of a share.
    #[arg(long)]
    passphrase: bool,
}

pub fn unseal(args: UnsealArgs) -> Result<()> {
    let body = if args.passphrase {
        json!({"passphrase": read_secret("Passphrase: ")?.as_str()})
    } else {
        let share = match (&args.share_file, &args.identity) {
            (Some(f), Some(id)) => {
                let identity = read_secret_file(id)?;
                let data = std::fs::read(f)?;
                let plain = palisade_crypto::backup::decrypt(&identity, &data)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                zeroize::Zeroizing::new(String::from_utf8(plain.expose_secret().to_vec())?)
            }
            (Some(f), None) => read_secret_file(f)?,
            (None, _) => read_secret("Unseal share: ")?,
        };
        json!({"share": share.as_str()})
    };
    let v = args.client.client()?.post("/v1/sys/unseal", body)?;
    print_status(&v, args.client.json)
}

fn print_status(v: &Value, raw: bool) -> Result<()> {
    if raw {
        return print_json(v);
    }
    let sealed = v.get("sealed").and_then(Value::as_bool).unwrap_or(true);
    if sealed {
        let progress = v.get("progress").and_then(Value::as_u64).unwrap_or(0);
        match v.get("threshold").and_then(Value::as_u64) {
            Some(t) => println!("Sealed: {progress} of {t} shares provided."),
            None => println!("Sealed."),
        }
    } else {
        println!("Unsealed.");
    }
    Ok(())
}

pub fn seal(args: ClientArgs) -> Result<()> {
    let v = args.client()?.post("/v1/sys/seal", json!({}))?;
    print_status(&v, args.json)
}

pub fn status(args: ClientArgs) -> Result<()> {
    let v = args.client()?.get("/v1/sys/status")?;
    if args.json {
        return print_json(&v);
    }
    println!("initialized: {}", v["initialized"]);
    println!("seal type:   {}", v["seal_type"].as_str().unwrap_or("-"));
    print_status(&v, false)
}

// ---------------------------------------------------------------- keys

fn parse_labels(labels: &[String]) -> Result<BTreeMap<String, String>> {
    labels
        .iter()
        .map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| anyhow::anyhow!("label `{l}` must be `name=value`"))
        })
        .collect()
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate a key inside Palisade.
    New {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long = "type", default_value = "secp256k1")]
        key_type: String,
        /// `name=value`; repeatable.
        #[arg(long = "label")]
        labels: Vec<String>,
    },
    /// Import an existing key (migration): a hex private key file, or a keystore JSON + password.
    Import {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long = "type", default_value = "secp256k1")]
        key_type: String,
        /// File holding the hex private key (or `-` to read it from stdin).
        #[arg(long, conflicts_with = "keystore")]
        private_key_file: Option<PathBuf>,
        /// Web3 Secret Storage v3 keystore JSON file.
        #[arg(long)]
        keystore: Option<PathBuf>,
        /// File holding the keystore password (otherwise prompted).
        #[arg(long, requires = "keystore")]
        password_file: Option<PathBuf>,
        #[arg(long = "label")]
        labels: Vec<String>,
    },
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    Show {
        #[command(flatten)]
        client: ClientArgs,
        /// Key id or address.
        key: String,
    },
    Freeze {
        #[command(flatten)]
        client: ClientArgs,
        key: String,
    },
    Unfreeze {
        #[command(flatten)]
        client: ClientArgs,
        key: String,
    },
    /// Irreversibly destroy a key (crypto-shredded).
    Destroy {
        #[command(flatten)]
        client: ClientArgs,
        key: String,
        /// Confirm that the key and any funds it controls become unusable.
        #[arg(long)]
        yes: bool,
    },
}

fn print_key(v: &Value, raw: bool) -> Result<()> {
    if raw {
        return print_json(v);
    }
    println!("id:         {}", v["id"].as_str().unwrap_or("-"));
    println!("type:       {}", v["type"].as_str().unwrap_or("-"));
    if let Some(a) = v.get("address").and_then(Value::as_str) {
        println!("address:    {a}");
    }
    println!("public key: {}", v["public_key"].as_str().unwrap_or("-"));
    println!("status:     {}", v["status"].as_str().unwrap_or("-"));
    println!(
        "created:    {}",
        v["created_at"]
            .as_u64()
            .map(|t| humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(t)
            )
            .to_string())
            .unwrap_or_default()
    );
    if let Some(labels) = v.get("labels").and_then(Value::as_object) {
        if !labels.is_empty() {
            let l: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            println!("labels:     {}", l.join(", "));
        }
    }
    Ok(())
}

pub fn key(cmd: KeyCommand) -> Result<()> {
    match cmd {
        KeyCommand::New {
            client,
            key_type,
            labels,
        } => {
            let v = client.client()?.post(
                "/v1/keys",
                json!({"type": key_type, "labels": parse_labels(&labels)?}),
            )?;
            print_key(&v, client.json)
        }
        KeyCommand::Import {
            client,
            key_type,
            private_key_file,
            keystore,
            password_file,
            labels,
        } => {
            let labels = parse_labels(&labels)?;
            let body = match (private_key_file, keystore) {
                (Some(f), None) => {
                    let hex_key = if f.as_os_str() == "-" {
                        read_secret("Private key (hex): ")?
                    } else {
                        read_secret_file(&f)?
                    };
                    json!({"type": key_type, "private_key": hex_key.as_str(), "labels": labels})
                }
                (None, Some(ks)) => {
                    let json_text = std::fs::read_to_string(&ks)
                        .with_context(|| format!("cannot read keystore `{}`", ks.display()))?;
                    let password = match password_file {
                        Some(p) => read_secret_file(&p)?,
                        None => read_secret("Keystore password: ")?,
                    };
                    json!({"keystore": json_text, "password": password.as_str(), "labels": labels})
                }
                _ => bail!("give --private-key-file or --keystore"),
            };
            let v = client.client()?.post("/v1/keys/import", body)?;
            print_key(&v, client.json)
        }
        KeyCommand::List { client } => {
            let v = client.client()?.get("/v1/keys")?;
            if client.json {
                return print_json(&v);
            }
            println!(
                "{:<22} {:<10} {:<44} {:<10} LABELS",
                "ID", "TYPE", "ADDRESS / PUBLIC KEY", "STATUS"
            );
            for k in v["keys"].as_array().into_iter().flatten() {
                let ident = k
                    .get("address")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        k["public_key"]
                            .as_str()
                            .unwrap_or("")
                            .chars()
                            .take(42)
                            .collect()
                    });
                let labels: Vec<String> = k["labels"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(a, b)| format!("{a}={}", b.as_str().unwrap_or("")))
                    .collect();
                println!(
                    "{:<22} {:<10} {:<44} {:<10} {}",
                    k["id"].as_str().unwrap_or(""),
                    k["type"].as_str().unwrap_or(""),
                    ident,
                    k["status"].as_str().unwrap_or(""),
                    labels.join(",")
                );
            }
            Ok(())
        }
        KeyCommand::Show { client, key } => print_key(
            &client.client()?.get(&format!("/v1/keys/{key}"))?,
            client.json,
        ),
        KeyCommand::Freeze { client, key } => print_key(
            &client
                .client()?
                .post(&format!("/v1/keys/{key}/freeze"), json!({}))?,
            client.json,
        ),
        KeyCommand::Unfreeze { client, key } => print_key(
            &client
                .client()?
                .post(&format!("/v1/keys/{key}/unfreeze"), json!({}))?,
            client.json,
        ),
        KeyCommand::Destroy { client, key, yes } => {
            if !yes {
                bail!("destroying `{key}` is irreversible: rerun with --yes");
            }
            let c = client.client()?;
            let v = c.call(
                reqwest::Method::DELETE,
                &format!("/v1/keys/{key}?confirm={key}"),
                None,
            )?;
            print_key(&v, client.json)
        }
    }
}

// ---------------------------------------------------------------- credentials

#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Create an API key (printed once).
    Create {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        name: String,
        /// Key ids or addresses the credential may use, comma-separated, or `*` for all.
        #[arg(long, value_delimiter = ',')]
        keys: Vec<String>,
        /// Method groups: read, sign, send.
        #[arg(long, value_delimiter = ',', default_value = "read,sign,send")]
        methods: Vec<String>,
        /// Expiry, e.g. `24h`, `30d`.
        #[arg(long)]
        expires: Option<humantime::Duration>,
        /// Grant the admin API.
        #[arg(long)]
        admin: bool,
        /// Cedar group (e.g. an approval group); repeatable.
        #[arg(long = "group")]
        groups: Vec<String>,
        /// The user this credential belongs to.
        #[arg(long)]
        owner: Option<String>,
        /// Hex Ed25519 public key for signing approvals (see `palisade approve keygen`).
        #[arg(long)]
        approver_key: Option<String>,
        /// Hex Ed25519 public key: every request with this credential must then be signed.
        #[arg(long)]
        request_key: Option<String>,
        /// Complete a creation that a rule held for approval: the approval id, with the same
        /// options as the first attempt (the API key is shown then, once).
        #[arg(long)]
        approval: Option<String>,
    },
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Revoke an API key at once.
    Revoke {
        #[command(flatten)]
        client: ClientArgs,
        id: String,
    },
}

pub fn credential(cmd: CredentialCommand) -> Result<()> {
    match cmd {
        CredentialCommand::Create {
            client,
            name,
            keys,
            methods,
            expires,
            admin,
            groups,
            owner,
            approver_key,
            request_key,
            approval,
        } => {
            let mut body = json!({"name": name, "keys": keys, "methods": methods, "admin": admin, "groups": groups, "owner": owner, "approver_key": approver_key, "request_key": request_key});
            if let Some(id) = approval {
                body["approval_id"] = json!(id);
            }
            if let Some(e) = expires {
                body["expires_in_secs"] = json!(std::time::Duration::from(e).as_secs());
            }
            let v = client.client()?.post("/v1/credentials", body)?;
            if client.json {
                return print_json(&v);
            }
            if let Some(id) = v["approval_id"].as_str() {
                println!(
                    "Held for approval `{id}`: {}. Once approved, repeat this command with --approval {id}.",
                    v["reason"].as_str().unwrap_or("")
                );
                return Ok(());
            }
            println!("Credential {} created.", v["id"].as_str().unwrap_or(""));
            println!(
                "API key (shown once): {}",
                v["token"].as_str().unwrap_or("")
            );
            Ok(())
        }
        CredentialCommand::List { client } => {
            let v = client.client()?.get("/v1/credentials")?;
            if client.json {
                return print_json(&v);
            }
            println!(
                "{:<18} {:<20} {:<16} {:<6} STATE",
                "ID", "NAME", "METHODS", "ADMIN"
            );
            for c in v["credentials"].as_array().into_iter().flatten() {
                let methods: Vec<&str> = c["methods"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let state = if !c["revoked_at"].is_null() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<18} {:<20} {:<16} {:<6} {state}",
                    c["id"].as_str().unwrap_or(""),
                    c["name"].as_str().unwrap_or(""),
                    methods.join(","),
                    c["admin"]
                );
            }
            Ok(())
        }
        CredentialCommand::Revoke { client, id } => {
            let v = client
                .client()?
                .post(&format!("/v1/credentials/{id}/revoke"), json!({}))?;
            if client.json {
                return print_json(&v);
            }
            println!("Credential {id} revoked.");
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- backup

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// age X25519 recipient (`age1...`) whose identity is kept offline; repeatable.
    #[arg(long = "to", required = true)]
    recipients: Vec<String>,
    /// Only these keys (default: every key that is not destroyed); repeatable.
    #[arg(long = "key")]
    keys: Vec<String>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Confirm the export (key material leaves the server, encrypted to the recipients).
    #[arg(long)]
    yes: bool,
}

pub fn backup(args: BackupArgs) -> Result<()> {
    if !args.yes {
        bail!("a backup exports key material (encrypted to the recipients): rerun with --yes");
    }
    let v = args.client.client()?.post(
        "/v1/backup",
        json!({"recipients": args.recipients, "keys": args.keys, "confirm": true}),
    )?;
    let text = v["backup"]
        .as_str()
        .context("server answer has no backup")?;
    write_private(&args.out, text.trim_end())?;
    println!(
        "Wrote {} keys to {} (encrypted to {} recipient(s)).",
        v["keys"],
        args.out.display(),
        args.recipients.len()
    );
    Ok(())
}

#[derive(Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Backup file written by `palisade backup`.
    #[arg(long)]
    from: PathBuf,
    /// File holding the age identity (`AGE-SECRET-KEY-1...`).
    #[arg(long)]
    identity: PathBuf,
    #[arg(long)]
    yes: bool,
}

pub fn restore(args: RestoreArgs) -> Result<()> {
    if !args.yes {
        bail!("restoring imports key material into this instance: rerun with --yes");
    }
    let backup = std::fs::read_to_string(&args.from)
        .with_context(|| format!("cannot read `{}`", args.from.display()))?;
    let identity = read_secret_file(&args.identity)?;
    let v = args.client.client()?.post(
        "/v1/restore",
        json!({"backup": backup, "identity": identity.as_str(), "confirm": true}),
    )?;
    if args.client.json {
        return print_json(&v);
    }
    for k in v["restored"].as_array().into_iter().flatten() {
        println!(
            "restored {} {}",
            k["id"].as_str().unwrap_or(""),
            k.get("address").and_then(Value::as_str).unwrap_or("")
        );
    }
    for s in v["skipped"].as_array().into_iter().flatten() {
        println!(
            "skipped  {} ({})",
            s[0].as_str().unwrap_or(""),
            s[1].as_str().unwrap_or("")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- operator, audit

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Add a new data-key term; new writes use it, old records stay readable.
    Rotate {
        #[command(flatten)]
        client: ClientArgs,
        /// Also re-encrypt every record under the new term now.
        #[arg(long)]
        rewrap: bool,
    },
    /// Re-encrypt every record still under an older term.
    Rewrap {
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub fn operator(cmd: OperatorCommand) -> Result<()> {
    match cmd {
        OperatorCommand::Rotate { client, rewrap } => {
            let c = client.client()?;
            let v = c.post("/v1/sys/rotate", json!({}))?;
            println!("Data key rotated: new term {}.", v["term"]);
            if rewrap {
                let v = c.post("/v1/sys/rewrap", json!({}))?;
                println!("Re-encrypted {} records.", v["rewritten"]);
            }
            Ok(())
        }
        OperatorCommand::Rewrap { client } => {
            let v = client.client()?.post("/v1/sys/rewrap", json!({}))?;
            println!("Re-encrypted {} records.", v["rewritten"]);
            Ok(())
        }
    }
}

// `palisade audit`: see audit_cmd.rs.
