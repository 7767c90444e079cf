//! `palisade probe <url>`: checks a live JSON-RPC endpoint from the outside for the exposures
//! attackers scan for — unlockable or listed accounts, control namespaces (admin, personal,
//! debug, txpool, dev-chain methods) answering, a CORS wildcard, plaintext HTTP off-host —
//! and reports findings the way `palisade scan` does (exit 0 clean, 1 findings, 2 error).
//!
//! Every call is read-only or harmless: `personal_unlockAccount` is sent for the zero address
//! with an empty password, which unlocks nothing but shows whether the method is reachable.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Args)]
pub struct ProbeArgs {
    /// JSON-RPC endpoint, e.g. `http://10.0.0.5:8545`.
    url: String,
    /// Send `Authorization: Bearer <TOKEN>` (probe as a credential would see it).
    #[arg(long, env = "PALISADE_PROBE_TOKEN")]
    token: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Accept an invalid or self-signed TLS certificate.
    #[arg(long)]
    insecure: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Serialize)]
struct Finding {
    rule_id: &'static str,
    severity: Severity,
    title: String,
    evidence: String,
    remediation: &'static str,
}

/// How an endpoint answered one method.
#[derive(Debug)]
enum Answer {
    /// A `result`.
    Result(Value),
    /// The method exists but refused these params (it is reachable).
    Reachable(String),
    /// Not found, denied by a firewall, or authentication required.
    Refused,
}

struct Prober {
    http: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Prober {
    async fn call(&self, method: &str, params: Value) -> Result<Answer> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("cannot reach `{}`", self.url))?;
        let status = resp.status();
        if status == 401 || status == 403 || status == 404 || status == 429 {
            return Ok(Answer::Refused);
        }
        let v: Value = match resp.json().await {
            Ok(v) => v,
            Err(_) => return Ok(Answer::Refused),
        };
        if let Some(r) = v.get("result") {
            return Ok(Answer::Result(r.clone()));
        }
        let code = v["error"]["code"].as_i64().unwrap_or(0);
        let msg = v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok(if refused(code, &msg) {
            Answer::Refused
        } else {
            Answer::Reachable(msg)
        })
    }
}

/// Whether an error means "this method is not available here".
fn refused(code: i64, msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    // -32601: method not found; -32000/-32001 with these words: auth or firewall refusals.
    code == -32601
        || [
            "not found",
            "does not exist",
            "not available",
            "not supported",
            "unsupported",
            "denied",
            "not allowed",
            "unauthorized",
            "api key",
            "disabled",
        ]
        .iter()
        .any(|w| m.contains(w))
}

const ZERO: &str = "0x0000000000000000000000000000000000000000";

async fn probe(p: &Prober) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    // Reachability first: a transport error here is the command's error, not a finding.
    let version = p.call("web3_clientVersion", json!([])).await?;
    if let Answer::Result(v) = &version {
        out.push(Finding {
            rule_id: "rpc-client-version",
            severity: Severity::Info,
            title: "client version disclosed".into(),
            evidence: format!("web3_clientVersion = {v}"),
            remediation: "informational: attackers use it to pick exploits for outdated clients",
        });
    }
    if let Answer::Result(Value::Array(accounts)) = p.call("eth_accounts", json!([])).await? {
        if !accounts.is_empty() {
            out.push(Finding {
                rule_id: "rpc-accounts-exposed",
                severity: Severity::High,
                title: "the node lists accounts it holds keys for".into(),
                evidence: format!("eth_accounts returned {} account(s), first {}", accounts.len(), accounts[0]),
                remediation: "keep keys out of the node (use a signer such as Palisade) or bind RPC to localhost",
            });
        }
    }
    let unlock = p
        .call("personal_unlockAccount", json!([ZERO, "", 1]))
        .await?;
    if !matches!(unlock, Answer::Refused) {
        out.push(Finding {
            rule_id: "rpc-unlock-possible",
            severity: Severity::Critical,
            title: "personal_unlockAccount is reachable: accounts can be unlocked over RPC".into(),
            evidence: describe("personal_unlockAccount", &unlock),
            remediation: "remove `personal` from --http.api / --ws.api and never use --allow-insecure-unlock",
        });
    }
    let namespaces: [(&str, Value, &'static str, Severity, &'static str); 7] = [
        (
            "personal_listAccounts",
            json!([]),
            "rpc-personal-namespace",
            Severity::High,
            "personal",
        ),
        (
            "admin_nodeInfo",
            json!([]),
            "rpc-admin-namespace",
            Severity::High,
            "admin",
        ),
        (
            "admin_peers",
            json!([]),
            "rpc-admin-namespace",
            Severity::High,
            "admin",
        ),
        (
            "debug_getRawHeader",
            json!(["latest"]),
            "rpc-debug-namespace",
            Severity::High,
            "debug",
        ),
        (
            "txpool_status",
            json!([]),
            "rpc-txpool-namespace",
            Severity::Medium,
            "txpool",
        ),
        (
            "anvil_nodeInfo",
            json!([]),
            "rpc-dev-namespace",
            Severity::Critical,
            "anvil",
        ),
        (
            "hardhat_metadata",
            json!([]),
            "rpc-dev-namespace",
            Severity::Critical,
            "hardhat",
        ),
    ];
    for (method, params, rule, severity, ns) in namespaces {
        let a = p.call(method, params).await?;
        if matches!(a, Answer::Refused) || out.iter().any(|f| f.rule_id == rule) {
            continue;
        }
        out.push(Finding {
            rule_id: rule,
            severity,
            title: format!("the `{ns}` namespace answers"),
            evidence: describe(method, &a),
            remediation: "serve only eth/net/web3 publicly (--http.api eth,net,web3) or put an RPC firewall in front",
        });
    }
    if let Some(f) = cors(p).await? {
        out.push(f);
    }
    if let Ok(u) = reqwest::Url::parse(&p.url) {
        let local = matches!(
            u.host_str(),
            Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
        );
        if u.scheme() == "http" && !local {
            out.push(Finding {
                rule_id: "rpc-plaintext-http",
                severity: Severity::Low,
                title: "RPC is served over plain HTTP to other hosts".into(),
                evidence: format!("`{}`", p.url),
                remediation: "terminate TLS in front of the node (Palisade `[tls]`)",
            });
        }
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(b.rule_id)));
    Ok(out)
}

fn describe(method: &str, a: &Answer) -> String {
    match a {
        Answer::Result(v) => {
            let s = v.to_string();
            format!(
                "{method} answered: {}",
                s.chars().take(120).collect::<String>()
            )
        }
        Answer::Reachable(msg) => format!(
            "{method} is reachable (error: {})",
            msg.chars().take(120).collect::<String>()
        ),
        Answer::Refused => format!("{method} refused"),
    }
}

/// A browser page on any site may call the endpoint if CORS allows every origin.
async fn cors(p: &Prober) -> Result<Option<Finding>> {
    let origin = "https://palisade-probe.invalid";
    let resp = p
        .http
        .request(reqwest::Method::OPTIONS, &p.url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .with_context(|| format!("cannot reach `{}`", p.url))?;
    let allow = resp
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok(match allow.as_deref() {
        Some("*") | Some("https://palisade-probe.invalid") => Some(Finding {
            rule_id: "rpc-cors-wildcard",
            severity: Severity::Medium,
            title: "CORS lets any web page call this endpoint".into(),
            evidence: format!(
                "preflight from {origin} → Access-Control-Allow-Origin: {}",
                allow.unwrap_or_default()
            ),
            remediation: "set --http.corsdomain to the origins that need it (never `*`)",
        }),
        _ => None,
    })
}

pub fn run(args: ProbeArgs) -> ExitCode {
    match run_inner(&args) {
        Ok(findings) => {
            let failing = findings.iter().any(|f| f.severity > Severity::Info);
            ExitCode::from(u8::from(failing))
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: &ProbeArgs) -> Result<Vec<Finding>> {
    if !(args.url.starts_with("http://") || args.url.starts_with("https://")) {
        anyhow::bail!("`{}` is not an http:// or https:// URL", args.url);
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .danger_accept_invalid_certs(args.insecure)
        .build()?;
    let prober = Prober {
        http,
        url: args.url.clone(),
        token: args.token.clone(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let findings = rt.block_on(probe(&prober))?;
    match args.format {
        Format::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"url": args.url, "findings": findings}))?
            );
        }
        Format::Text => {
            for f in &findings {
                println!(
                    "{:<8} {:<24} {}",
                    format!("{:?}", f.severity).to_uppercase(),
                    f.rule_id,
                    f.title
                );
                println!("         evidence: {}", f.evidence);
                println!("         fix: {}", f.remediation);
            }
            let n = findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .count();
            if n == 0 {
                println!("{}: no dangerous exposure found", args.url);
            } else {
                println!("{}: {n} finding(s)", args.url);
            }
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_words() {
        assert!(refused(-32601, "Method not found"));
        assert!(refused(
            -32000,
            "the method personal_unlockAccount does not exist/is not available"
        ));
        assert!(refused(
            -32001,
            "method `admin_peers` is denied by the RPC firewall"
        ));
        assert!(!refused(
            -32000,
            "could not decrypt key with given password"
        ));
        assert!(!refused(-32602, "invalid argument 0"));
    }
}
