//! Node flags and node configuration keys: geth, reth, erigon, nethermind, besu, beacon
//! clients, Web3Signer, Substrate, Solana validators, bitcoind.
//!
//! The text is tokenised like a shell (quotes, brackets and YAML list markers are separators),
//! so one pass covers command lines, compose `command:`, systemd `ExecStart=`, Kubernetes `args`,
//! Dockerfile `CMD`/`ENTRYPOINT`, and `key = value` / `key: value` config files (TOML, YAML,
//! bitcoin.conf).

use std::ops::Range;

use crate::finding::Severity;
use crate::source::{Hit, Source};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    RpcBind,
    EngineBind,
    PrivateApi,
    ApiList,
    InsecureUnlock,
    Cors,
    Vhosts,
    EngineVhosts,
    SignerAllowlist,
    Unprotected,
    SubstrateExternal,
    SubstrateUnsafeExternal,
    RpcMethods,
    SolanaBind,
    SolanaFullRpc,
    BtcAllowIp,
    BtcPassword,
    BeaconBind,
}

fn kind(name: &str) -> Option<Kind> {
    use Kind::*;
    Some(match name {
        "http.addr" | "ws.addr" | "rpcaddr" | "wsaddr" | "httphost" | "wshost"
        | "rpc-http-host" | "rpc-ws-host" | "jsonrpc.host" | "rpcbind" | "http.address"
        | "ws.address" | "http-listen-host" => RpcBind,
        "authrpc.addr" | "authaddr" | "jsonrpc.enginehost" | "engine-rpc-host" => EngineBind,
        "private.api.addr" | "pprof.addr" => PrivateApi,
        "http.api"
        | "ws.api"
        | "rpcapi"
        | "wsapi"
        | "httpmodules"
        | "wsmodules"
        | "rpc-http-api"
        | "rpc-ws-api"
        | "rpc-http-apis"
        | "rpc-ws-apis"
        | "jsonrpc.enabledmodules" => ApiList,
        "allow-insecure-unlock" | "insecureunlockallowed" => InsecureUnlock,
        "http.corsdomain"
        | "ws.origins"
        | "rpccorsdomain"
        | "wsorigins"
        | "httpcors"
        | "rpc-http-cors-origins"
        | "rpc-ws-cors-origins"
        | "jsonrpc.corsorigins"
        | "rpc-cors"
        | "rest-api-cors-origins"
        | "http-allow-origin"
        | "http.cors" => Cors,
        "http.vhosts"
        | "rpcvhosts"
        | "httpvirtualhosts"
        | "host-allowlist"
        | "host-whitelist"
        | "ws.vhosts"
        | "rest-api-host-allowlist" => Vhosts,
        "authrpc.vhosts" | "authvirtualhosts" | "engine-host-allowlist" => EngineVhosts,
        "http-host-allowlist" => SignerAllowlist,
        "rpc.allow-unprotected-txs" | "allowunprotectedtxs" => Unprotected,
        "rpc-external" | "ws-external" => SubstrateExternal,
        "unsafe-rpc-external" | "unsafe-ws-external" => SubstrateUnsafeExternal,
        "rpc-methods" => RpcMethods,
        "rpc-bind-address" => SolanaBind,
        "full-rpc-api" => SolanaFullRpc,
        "rpcallowip" => BtcAllowIp,
        "rpcpassword" => BtcPassword,
        "http-address" | "rest-api-interface" | "rest-address" | "rest.address"
        | "grpc-gateway-host" | "rpc-host" | "keymanager-address" | "keymanager.address" => {
            BeaconBind
        }
        _ => return None,
    })
}

/// One setting found in the text.
#[derive(Debug)]
struct Setting {
    kind: Kind,
    name: String,
    value: String,
    /// Where the flag or key starts.
    at: usize,
    /// Where the value is (for redaction), if any.
    value_span: Option<Range<usize>>,
    is_flag: bool,
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with(';')
}

/// Splits a line into tokens with their byte ranges (relative to the line).
fn tokenize(line: &str) -> Vec<Range<usize>> {
    let b = line.as_bytes();
    let sep = |c: u8| {
        matches!(
            c,
            b' ' | b'\t' | b'"' | b'\'' | b'`' | b'[' | b']' | b'\\' | b'(' | b')' | b'{' | b'}'
        )
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && sep(b[i]) {
            i += 1;
        }
        let s = i;
        while i < b.len() && !sep(b[i]) {
            i += 1;
        }
        let mut e = i;
        while e > s && b[e - 1] == b',' {
            e -= 1;
        }
        if e > s {
            out.push(s..e);
        }
    }
    out
}

/// Settings on the lines that hold a prefilter hit (`offsets`, ascending).
fn settings(src: &Source<'_>, offsets: &[usize]) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    for &o in offsets {
        if lines.last().is_some_and(|l| o < l.end) {
            continue;
        }
        let r = src.line_range(o);
        lines.push(r.start..r.end.max(o + 1));
    }
    for range in lines {
        let lstart = range.start;
        let line = src.slice(lstart..range.end.min(src.text.len()));
        let line = line.trim_end_matches(['\n', '\r']);
        if is_comment(line) || line.len() > 8192 {
            continue;
        }
        let toks = tokenize(line);
        for (i, t) in toks.iter().enumerate() {
            let tok = &line[t.clone()];
            let dashes = tok.bytes().take_while(|&b| b == b'-').count();
            let body = &tok[dashes..];
            if body.is_empty() {
                continue;
            }
            if dashes > 0 && dashes <= 2 {
                let (name, inline) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (body, None),
                };
                let norm = name.to_ascii_lowercase();
                let Some(k) = kind(&norm) else { continue };
                let (value, span) = match inline {
                    Some(v) if !v.is_empty() => {
                        let s = lstart + t.start + dashes + name.len() + 1;
                        (v.to_string(), Some(s..s + v.len()))
                    }
                    _ => {
                        // next token that is not a YAML list marker or an `=`
                        let next = toks[i + 1..].iter().find(|n| {
                            let s = &line[(*n).clone()];
                            s != "-" && s != "=" && s != ","
                        });
                        match next {
                            Some(n)
                                if !line[n.clone()].starts_with('-')
                                    || line[n.clone()].starts_with("-1") =>
                            {
                                (
                                    line[n.clone()].to_string(),
                                    Some(lstart + n.start..lstart + n.end),
                                )
                            }
                            Some(_) => (String::new(), None),
                            None => next_list_item(src, lstart + line.len()),
                        }
                    }
                };
                out.push(Setting {
                    kind: k,
                    name: norm,
                    value,
                    at: lstart + t.start,
                    value_span: span,
                    is_flag: true,
                });
            } else if dashes == 0 {
                // `key = value`, `key=value`, `key: value`
                let (name, rest_from) = if let Some((n, _)) = body.split_once('=') {
                    (n, Some(t.start + n.len() + 1))
                } else if let Some(n) = body.strip_suffix(':') {
                    (n, Some(t.end))
                } else if toks
                    .get(i + 1)
                    .is_some_and(|n| matches!(&line[n.clone()], "=" | ":"))
                {
                    (body, toks.get(i + 1).map(|n| n.end))
                } else {
                    continue;
                };
                let norm = name.to_ascii_lowercase();
                let Some(k) = kind(&norm) else { continue };
                let Some(from) = rest_from else { continue };
                let rest = &line[from.min(line.len())..];
                let trimmed = rest.trim();
                let value = trimmed.trim_matches(|c| c == '"' || c == '\'').to_string();
                let vs = lstart + from + rest.find(value.as_str()).unwrap_or(0);
                out.push(Setting {
                    kind: k,
                    name: norm,
                    value,
                    at: lstart + t.start,
                    value_span: Some(
                        vs..vs + trimmed.trim_matches(|c| c == '"' || c == '\'').len(),
                    ),
                    is_flag: false,
                });
            }
        }
    }
    out
}

/// A YAML list item on the next line (`- 0.0.0.0`) is the value of a flag that ends its line.
fn next_list_item(src: &Source<'_>, line_end: usize) -> (String, Option<Range<usize>>) {
    if line_end + 1 >= src.text.len() {
        return (String::new(), None);
    }
    let r = src.line_range(line_end + 1);
    let start = r.start;
    let next = src.slice(r);
    let t = next.trim_start();
    let Some(item) = t.strip_prefix("- ") else {
        return (String::new(), None);
    };
    let v = item.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || v.starts_with('-') {
        return (String::new(), None);
    }
    let off = start + next.find(v).unwrap_or(0);
    (v.to_string(), Some(off..off + v.len()))
}

/// The host part of a listen address value.
fn host(value: &str) -> &str {
    let v = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == ',');
    let v = v.split_once("://").map_or(v, |(_, r)| r);
    if let Some(r) = v.strip_prefix('[') {
        return r.split(']').next().unwrap_or(r);
    }
    if v.matches(':').count() == 1 {
        return v.split(':').next().unwrap_or(v);
    }
    v
}

fn all_interfaces(value: &str) -> bool {
    matches!(host(value), "0.0.0.0" | "::" | "*" | "0")
}

fn non_loopback(value: &str) -> bool {
    let h = host(value);
    !(h.is_empty()
        || h.starts_with("127.")
        || h == "localhost"
        || h == "::1"
        || h.contains('$')
        || h.contains('{'))
}

fn wildcard(value: &str) -> bool {
    value
        .split(|c: char| {
            c == ',' || c == '"' || c == '\'' || c == '[' || c == ']' || c.is_whitespace()
        })
        .any(|p| p == "*" || p.eq_ignore_ascii_case("all"))
}

fn truthy(s: &Setting) -> bool {
    if s.is_flag && (s.value.is_empty() || s.value.starts_with('-')) {
        return true;
    }
    let v = s.value.trim().to_ascii_lowercase();
    v == "true"
        || v == "1"
        || v == "yes"
        || s.is_flag && !matches!(v.as_str(), "false" | "0" | "no")
}

const DANGEROUS_NS: &[&str] = &[
    "personal",
    "admin",
    "debug",
    "miner",
    "txpool",
    "clique",
    "parity_set",
    "parity_accounts",
    "perm",
    "plugins",
    "engine",
];

pub fn detect(src: &Source<'_>, offsets: &[usize], out: &mut Vec<Hit>) {
    let list = settings(src, offsets);
    if list.is_empty() {
        return;
    }
    let has = |needle: &str| memchr::memmem::find(src.bytes(), needle.as_bytes()).is_some();
    let public_rpc = list.iter().any(|s| {
        s.kind == Kind::RpcBind && all_interfaces(&s.value)
            || s.kind == Kind::SubstrateExternal
            || s.kind == Kind::SubstrateUnsafeExternal
    });
    for s in &list {
        let n = &s.name;
        let v = s.value.as_str();
        let hit = |rule, sev, msg: String| Hit::config(rule, sev, s.at, msg);
        match s.kind {
            Kind::RpcBind if all_interfaces(v) => out.push(hit(
                "node-rpc-public-bind",
                Severity::Medium,
                format!("`{n}` binds the RPC to all interfaces (`{}`)", v.trim()),
            )),
            Kind::EngineBind if all_interfaces(v) => out.push(hit(
                "node-engine-api-exposed",
                Severity::High,
                format!("`{n}` binds the Engine API to all interfaces"),
            )),
            Kind::EngineVhosts if wildcard(v) => out.push(hit(
                "node-engine-api-exposed",
                Severity::High,
                format!("`{n}` accepts any host for the Engine API"),
            )),
            Kind::PrivateApi if non_loopback(v) => out.push(hit(
                "node-private-api-exposed",
                Severity::High,
                format!("`{n}` listens on `{}`, not loopback", v.trim()),
            )),
            Kind::ApiList => {
                let lv = v.to_ascii_lowercase();
                let found: Vec<&str> = lv
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|t| DANGEROUS_NS.contains(t))
                    .collect();
                if found.is_empty() {
                    continue;
                }
                let personal = found.contains(&"personal");
                let sev = match (personal, public_rpc) {
                    (true, true) => Severity::Critical,
                    (true, false) | (false, true) => Severity::High,
                    (false, false) => Severity::Medium,
                };
                let mut ns = found.clone();
                ns.dedup();
                out.push(hit(
                    "node-rpc-dangerous-api",
                    sev,
                    format!(
                        "`{n}` enables {}{}",
                        ns.join(", "),
                        if public_rpc {
                            " on a public RPC listener"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            Kind::InsecureUnlock if truthy(s) => out.push(hit(
                "node-insecure-unlock",
                Severity::Critical,
                format!("`{n}` allows unlocking accounts over HTTP"),
            )),
            Kind::Cors if wildcard(v) => out.push(hit(
                "node-rpc-cors-wildcard",
                Severity::Medium,
                format!("`{n}` allows every origin"),
            )),
            Kind::Vhosts if wildcard(v) => out.push(hit(
                "node-rpc-vhosts-wildcard",
                Severity::Medium,
                format!("`{n}` accepts any Host header"),
            )),
            Kind::SignerAllowlist if wildcard(v) => out.push(hit(
                "signer-allowlist-wildcard",
                Severity::High,
                format!("`{n}` lets the signer answer any host"),
            )),
            Kind::Unprotected if truthy(s) => out.push(hit(
                "node-unprotected-txs",
                Severity::Medium,
                format!("`{n}` accepts transactions without replay protection"),
            )),
            Kind::SubstrateExternal if s.is_flag => out.push(hit(
                "node-rpc-public-bind",
                Severity::Medium,
                format!("`--{n}` listens on all interfaces"),
            )),
            Kind::SubstrateUnsafeExternal if s.is_flag => out.push(hit(
                "substrate-unsafe-rpc",
                Severity::High,
                format!("`--{n}` exposes unsafe RPC methods on all interfaces"),
            )),
            Kind::RpcMethods if v.trim().eq_ignore_ascii_case("unsafe") => out.push(hit(
                "substrate-unsafe-rpc",
                Severity::High,
                "`--rpc-methods unsafe` enables key and node management methods".into(),
            )),
            Kind::SolanaBind if all_interfaces(v) && !has("--private-rpc") => out.push(hit(
                "solana-rpc-public",
                Severity::Medium,
                "`--rpc-bind-address` is public and `--private-rpc` is not set".into(),
            )),
            Kind::SolanaFullRpc
                if s.is_flag
                    && !has("--no-voting")
                    && (has("--vote-account") || has("validator")) =>
            {
                out.push(hit(
                    "solana-full-rpc-api-voting",
                    Severity::Medium,
                    "`--full-rpc-api` on a voting validator".into(),
                ))
            }
            Kind::BtcAllowIp => {
                let h = v.trim().trim_matches(|c| c == '"' || c == '\'');
                if matches!(
                    h,
                    "0.0.0.0/0" | "::/0" | "*" | "0/0" | "0.0.0.0/0.0.0.0" | "0.0.0.0"
                ) {
                    out.push(hit(
                        "bitcoind-rpc-allow-all",
                        Severity::Critical,
                        format!("`rpcallowip={h}` allows RPC from any address"),
                    ));
                }
            }
            Kind::BtcPassword => {
                let p = v.trim();
                if p.len() >= 4 && !crate::secrets::is_placeholder(p) {
                    out.push(Hit {
                        rule: "bitcoind-rpc-password",
                        severity: Severity::High,
                        offset: s.at,
                        secret: s.value_span.clone(),
                        fingerprint_material: Some(p.as_bytes().to_vec()),
                        message: "plaintext `rpcpassword`; use `rpcauth` or cookie auth".into(),
                    });
                }
            }
            Kind::BeaconBind if all_interfaces(v) => out.push(hit(
                "beacon-api-public",
                Severity::Medium,
                format!("`{n}` binds the beacon/validator API to all interfaces"),
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<&'static str> {
        let src = Source::new("x", text.as_bytes());
        let mut out = Vec::new();
        let pf = crate::prefilter::Prefilter::new().unwrap();
        detect(&src, &pf.scan(text.as_bytes()).node_flags, &mut out);
        out.iter().map(|h| h.rule).collect()
    }

    #[test]
    fn flag_forms() {
        assert_eq!(rules("geth --http.addr 0.0.0.0"), ["node-rpc-public-bind"]);
        assert_eq!(rules("geth --http.addr=0.0.0.0"), ["node-rpc-public-bind"]);
        assert_eq!(rules("geth --http.addr 127.0.0.1"), Vec::<&str>::new());
        assert_eq!(
            rules("  - \"--http.addr\"\n  - \"0.0.0.0\""),
            ["node-rpc-public-bind"]
        );
        assert_eq!(
            rules("args: [\"--http.addr\", \"0.0.0.0\"]"),
            ["node-rpc-public-bind"]
        );
        assert_eq!(rules("HTTPHost = \"0.0.0.0\""), ["node-rpc-public-bind"]);
        assert_eq!(rules("rpcallowip=0.0.0.0/0"), ["bitcoind-rpc-allow-all"]);
        assert_eq!(rules("# --allow-insecure-unlock"), Vec::<&str>::new());
        assert_eq!(
            rules("geth --allow-insecure-unlock --unlock 0x1"),
            ["node-insecure-unlock"]
        );
        assert_eq!(
            rules("--http.api eth,net,admin"),
            ["node-rpc-dangerous-api"]
        );
        assert_eq!(
            rules("rpc-http-api=[\"ETH\",\"ADMIN\"]"),
            ["node-rpc-dangerous-api"]
        );
        assert_eq!(rules("--http.corsdomain '*'"), ["node-rpc-cors-wildcard"]);
        assert_eq!(rules("--http.vhosts=*"), ["node-rpc-vhosts-wildcard"]);
        assert_eq!(rules("--rpc-cors all"), ["node-rpc-cors-wildcard"]);
    }
}
