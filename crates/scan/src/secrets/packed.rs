//! Base58 and byte-array encodings with built-in checks: BIP-32 extended private keys and
//! WIF (Base58Check), Solana keypairs (Ed25519 public half must match the secret half).

use std::ops::Range;

use crate::finding::Severity;
use crate::keys;
use crate::source::{Hit, Source};

const XPRV_PREFIXES: &[&str] = &[
    "xprv", "tprv", "yprv", "zprv", "uprv", "vprv", "Yprv", "Zprv", "Uprv", "Vprv",
];

/// Not a piece of a longer token (base64 with `+/=`, identifiers with `_`).
fn standalone(bytes: &[u8], run: &Range<usize>) -> bool {
    let before = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_');
    let after = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_');
    !(run.start > 0 && before(bytes[run.start - 1])
        || run.end < bytes.len() && after(bytes[run.end]))
}

/// Runs of base58 characters at least 51 long.
pub fn detect_base58(src: &Source<'_>, runs: &[Range<usize>], out: &mut Vec<Hit>) {
    let bytes = src.bytes();
    for run in runs {
        if !standalone(bytes, run) {
            continue;
        }
        let s = src.slice(run.clone());
        match s.len() {
            111 | 112 if XPRV_PREFIXES.iter().any(|p| s.starts_with(p)) => {
                if let Some(d) = keys::base58check(s) {
                    if d.len() == 78 && d[45] == 0 && keys::secp_secret(&d[46..]).is_some() {
                        out.push(Hit::secret(
                            "bip32-extended-private-key",
                            Severity::Critical,
                            run.clone(),
                            d[46..].to_vec(),
                            format!("BIP-32 extended private key ({}, depth {})", &s[..4], d[4]),
                        ));
                    }
                }
            }
            51 | 52 if matches!(s.as_bytes()[0], b'5' | b'K' | b'L' | b'9' | b'c') => {
                if let Some(d) = keys::base58check(s) {
                    let ok_len = d.len() == 33 || d.len() == 34 && d[33] == 1;
                    if ok_len
                        && matches!(d[0], 0x80 | 0xef)
                        && keys::secp_secret(&d[1..33]).is_some()
                    {
                        let net = if d[0] == 0x80 { "mainnet" } else { "testnet" };
                        out.push(Hit::secret(
                            "bitcoin-wif-private-key",
                            Severity::Critical,
                            run.clone(),
                            d[1..33].to_vec(),
                            format!("Bitcoin WIF private key ({net}, valid Base58Check)"),
                        ));
                    }
                }
            }
            86..=88 => {
                if let Ok(d) = bs58::decode(s).into_vec() {
                    if keys::ed25519_keypair_consistent(&d) {
                        out.push(Hit::secret(
                            "solana-keypair",
                            Severity::Critical,
                            run.clone(),
                            d[..32].to_vec(),
                            "Solana keypair (base58; public half matches the secret)".into(),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Runs of digits, commas and whitespace: `[12, 34, …]` JSON byte arrays of 64 entries.
pub fn detect_byte_arrays(src: &Source<'_>, runs: &[Range<usize>], out: &mut Vec<Hit>) {
    let bytes = src.bytes();
    for run in runs {
        if run.start == 0 || bytes[run.start - 1] != b'[' || bytes.get(run.end) != Some(&b']') {
            continue;
        }
        let s = src.slice(run.clone());
        let mut vals = Vec::with_capacity(64);
        let mut ok = true;
        for part in s.split(',') {
            match part.trim().parse::<u16>() {
                Ok(v) if v <= 255 && vals.len() < 64 => vals.push(v as u8),
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && vals.len() == 64 && keys::ed25519_keypair_consistent(&vals) {
            let span = run.start - 1..run.end + 1;
            out.push(Hit::secret(
                "solana-keypair",
                Severity::Critical,
                span,
                vals[..32].to_vec(),
                "Solana keypair (64-byte array; public half matches the secret)".into(),
            ));
        }
    }
}
