//! 64-hex-digit values: EVM private keys, public dev keys, Engine API JWT secrets.
//!
//! A bare 64-hex regex matches every transaction hash and keccak constant, so a candidate is
//! reported only with key-like context (the name it is assigned to, the line, the file name) or
//! when the address it derives appears in the same file; then it must be a valid scalar.

use std::ops::Range;

use super::{name_before, name_tokens};
use crate::finding::Severity;
use crate::keys;
use crate::source::{Hit, Source};

/// Words that name a private key or its holder.
const STRONG: &[&str] = &[
    "private",
    "priv",
    "privkey",
    "privatekey",
    "secret",
    "secretkey",
    "sk",
    "pk",
    "pkey",
    "wallet",
    "signer",
    "mnemonic",
    "seed",
    "accounts",
    "account",
    "deployer",
    "relayer",
    "operator",
    "owner",
    "admin",
    "sender",
    "funder",
    "faucet",
    "treasury",
    "keeper",
    "bot",
    "sequencer",
    "batcher",
    "proposer",
    "challenger",
    "eth",
    "evm",
];

/// Words that name something that is not a private key even though it is 32 bytes.
const NEGATIVE: &[&str] = &[
    "hash",
    "hashes",
    "root",
    "salt",
    "role",
    "slot",
    "topic",
    "topics",
    "digest",
    "checksum",
    "sha",
    "sha256",
    "keccak",
    "keccak256",
    "block",
    "blockhash",
    "commit",
    "tx",
    "txhash",
    "txid",
    "transaction",
    "nonce",
    "sig",
    "signature",
    "selector",
    "codehash",
    "merkle",
    "leaf",
    "proof",
    "pubkey",
    "public",
    "address",
    "id",
    "uuid",
    "event",
    "storage",
    "state",
    "receipt",
    "parent",
    "mix",
    "data",
    "input",
    "calldata",
    "bytes32",
    "integrity",
    "sri",
    "etag",
    "api",
    "access",
    "encryption",
    "aes",
    "hmac",
    "session",
    "license",
    "cache",
    "domain",
    "separator",
    "typehash",
    "codehash",
    "commitment",
    "hashed",
    "sum",
    "md5",
    "sha1",
    "sha512",
    "random",
    "randao",
    "prevrandao",
    "withdrawal",
    "credentials",
    "deposit",
];

fn has_any(tokens: &[String], set: &[&str]) -> bool {
    tokens.iter().any(|t| set.contains(&t.as_str()))
}

/// Strength of the context around a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Strong,
    Weak,
    Jwt,
    Negative,
    None,
}

/// Words of the last 80 bytes of `text`, as far as [`classify`] needs them: it only asks
/// about them when one is `private`, `priv`, `privkey`, `privatekey` or `secret`, so text that
/// contains neither `priv` nor `secret` (in any case) yields no words at all (no allocation on
/// the hot path: most 64-hex values are hashes on lines without such words).
fn tail_tokens(text: &str) -> Vec<String> {
    let mut from = text.len().saturating_sub(80);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let tail = &text[from..];
    let b = tail.as_bytes();
    let at = |i: usize, w: &[u8]| {
        b.get(i..i + w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w))
    };
    let found = (0..b.len()).any(|i| match b[i] | 0x20 {
        b'p' => at(i + 1, b"riv"),
        b's' => at(i + 1, b"ecret"),
        _ => false,
    });
    if found {
        name_tokens(tail)
    } else {
        Vec::new()
    }
}

/// Is `tokens[i]` (`private`) the visibility modifier of a declaration
/// (`uint256 private constant HALF_N = 0x…`, `private static final`, `private readonly`) rather
/// than a word about a private key? Curve parameters and other public constants are declared
/// that way; a key declared that way is still caught by its name (`DEPLOYER_PRIVATE_KEY`).
fn is_visibility_keyword(tokens: &[String], i: usize) -> bool {
    let next = tokens.get(i + 1).map(String::as_str);
    let prev = i
        .checked_sub(1)
        .and_then(|p| tokens.get(p))
        .map(String::as_str);
    matches!(
        next,
        Some("constant" | "immutable" | "static" | "final" | "readonly" | "const")
    ) || prev.is_some_and(|p| {
        ["uint", "int", "bytes"].iter().any(|ty| {
            p.strip_prefix(ty)
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        }) || p == "address"
    })
}

fn classify(src: &Source<'_>, start: usize) -> Context {
    let line = src.line_range(start);
    let prefix = src.slice(line.start..start);
    let mut name = name_before(prefix);
    let mut prefix_tokens = tail_tokens(prefix);
    if name.is_empty() && !prefix.bytes().any(|b| b.is_ascii_alphabetic()) {
        // value alone on its line (`accounts: [` above it, or a key file)
        if let Some(prev) = src.prev_line_range(start) {
            let p = src.slice(prev);
            name = name_before(p.trim_end());
            prefix_tokens = tail_tokens(p);
        }
        let rest = src
            .slice(start..line.end)
            .trim_end_matches(['"', '\'', ',', ';', ' ']);
        let file = name_tokens(&src.file_name);
        if name.is_empty() && rest.len() <= 64 {
            if file.iter().any(|t| t == "jwt" || t == "jwtsecret") {
                return Context::Jwt;
            }
            if has_any(
                &file,
                &[
                    "key", "keys", "priv", "private", "secret", "wallet", "pk", "account",
                    "keystore", "deployer", "signer",
                ],
            ) {
                return Context::Strong;
            }
        }
    }
    let mut tokens = name_tokens(name);
    if tokens == ["value"] {
        // Kubernetes `env`: `- name: SIGNER_KEY` on the line above `value: "0x…"`
        if let Some(prev) = src.prev_line_range(start) {
            tokens = name_tokens(name_before(src.slice(prev).trim_end()));
        }
    }
    let strong_prefix = prefix_tokens
        .iter()
        .enumerate()
        .any(|(i, t)| match t.as_str() {
            "priv" | "privkey" | "privatekey" | "secret" => true,
            "private" => !is_visibility_keyword(&prefix_tokens, i),
            _ => false,
        });
    if tokens
        .iter()
        .any(|t| t == "jwt" || t == "jwtsecret" || t == "authrpc")
    {
        return Context::Jwt;
    }
    let strong_name = has_any(
        &tokens,
        &[
            "private",
            "priv",
            "privkey",
            "privatekey",
            "secretkey",
            "sk",
            "pk",
            "pkey",
            "mnemonic",
        ],
    );
    if has_any(&tokens, NEGATIVE) && !strong_name {
        return Context::Negative;
    }
    if has_any(&tokens, STRONG) || strong_name {
        return Context::Strong;
    }
    if tokens.iter().any(|t| t == "key") {
        return if strong_prefix {
            Context::Strong
        } else {
            Context::Weak
        };
    }
    if (tokens.is_empty() || !has_any(&prefix_tokens, NEGATIVE)) && strong_prefix {
        return Context::Strong;
    }
    Context::None
}

/// Candidate 64-hex runs (exactly 64 digits, optionally `0x`-prefixed, not part of a longer
/// word). Returns the span including the prefix.
fn candidate(bytes: &[u8], run: &Range<usize>) -> Option<Range<usize>> {
    if run.len() != 64 {
        return None;
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if run.end < bytes.len() && word(bytes[run.end]) {
        return None;
    }
    let s = run.start;
    if s >= 2 && matches!(bytes[s - 1], b'x' | b'X') && bytes[s - 2] == b'0' {
        if s >= 3 && word(bytes[s - 3]) {
            return None;
        }
        return Some(s - 2..run.end);
    }
    if s >= 1 && word(bytes[s - 1]) {
        return None;
    }
    Some(run.clone())
}

/// Decodes 64 hex digits (either case) by table.
fn decode32(digits: &[u8]) -> Option<[u8; 32]> {
    const fn table() -> [u8; 256] {
        let mut t = [0xffu8; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    }
    static VAL: [u8; 256] = table();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (h, l) = (VAL[usize::from(pair[0])], VAL[usize::from(pair[1])]);
        if (h | l) == 0xff {
            return None;
        }
        *o = h << 4 | l;
    }
    Some(out)
}

/// Upper bound on address derivations per file (each costs a scalar multiplication).
const MAX_DERIVATIONS: usize = 8;

/// Context-free candidates are only checked against addresses in files with few of them:
/// a file full of 64-hex values is a log or a deployment record of hashes.
const MAX_CONTEXT_FREE: usize = 4;

/// Lower-cased 40-hex runs (addresses) of the file.
fn addresses(src: &Source<'_>) -> std::collections::HashSet<String> {
    let mut runs = Vec::new();
    crate::prefilter::long_runs(src.bytes(), &crate::prefilter::HEX, 40, &mut runs);
    runs.iter()
        .filter(|r| r.len() == 40)
        .map(|r| src.slice(r.clone()).to_ascii_lowercase())
        .collect()
}

pub fn detect(src: &Source<'_>, hex_runs: &[Range<usize>], out: &mut Vec<Hit>) {
    let bytes = src.bytes();
    let mut derivations = 0;
    let candidates = hex_runs.iter().filter(|r| r.len() == 64).count();
    let mut addrs: Option<std::collections::HashSet<String>> = None;
    for run in hex_runs {
        let Some(span) = candidate(bytes, run) else {
            continue;
        };
        let Some(arr) = decode32(&bytes[run.clone()]) else {
            continue;
        };
        let Some(sk) = keys::secp_secret(&arr) else {
            continue;
        };
        let ctx = classify(src, span.start);
        if ctx == Context::Jwt {
            out.push(Hit::secret(
                "engine-jwt-secret",
                Severity::High,
                span,
                arr.to_vec(),
                "Engine API JWT secret (32 bytes hex)".into(),
            ));
            continue;
        }
        if keys::is_dev_key(&arr) {
            let addr = hex::encode(keys::eth_address(&sk));
            out.push(Hit::secret(
                "evm-dev-key",
                Severity::Info,
                span,
                arr.to_vec(),
                format!("publicly known development key (address 0x{addr})"),
            ));
            continue;
        }
        let mut address_nearby = |derivations: &mut usize| {
            *derivations += 1;
            let set = addrs.get_or_insert_with(|| addresses(src));
            !set.is_empty() && set.contains(&hex::encode(keys::eth_address(&sk)))
        };
        let (severity, why) = match ctx {
            Context::Strong => (Severity::Critical, "in private-key context"),
            Context::Weak => {
                if derivations < MAX_DERIVATIONS && address_nearby(&mut derivations) {
                    (Severity::Critical, "its address appears in the same file")
                } else {
                    (Severity::High, "assigned to a key-named setting")
                }
            }
            Context::None | Context::Negative => {
                if ctx == Context::None
                    && candidates <= MAX_CONTEXT_FREE
                    && derivations < MAX_DERIVATIONS
                    && address_nearby(&mut derivations)
                {
                    (Severity::Critical, "its address appears in the same file")
                } else {
                    continue;
                }
            }
            Context::Jwt => continue,
        };
        out.push(Hit::secret(
            "evm-private-key",
            severity,
            span,
            arr.to_vec(),
            format!("EVM private key (valid secp256k1 scalar) {why}"),
        ));
    }
}
