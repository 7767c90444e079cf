//! The hot path: one Aho-Corasick pass over keywords, and sublinear scans for long runs of
//! hex, base58, BIP-39-like words and byte arrays. Detectors only look where these point.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Which detector families a file triggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Trigger {
    Pem = 0,
    Aws,
    Json,
    Azure,
    RpcUrl,
    UrlCreds,
    SecretName,
    NodeFlag,
}

const N_TRIGGERS: usize = 8;
const _: () = assert!(N_TRIGGERS <= 16);

/// Keywords and the detector family each one wakes up. Matching is ASCII case-insensitive.
const KEYWORDS: &[(&str, Trigger)] = &[
    ("-----begin", Trigger::Pem),
    ("akia", Trigger::Aws),
    ("asia", Trigger::Aws),
    ("ciphertext", Trigger::Json),
    ("priv_key", Trigger::Json),
    ("service_account", Trigger::Json),
    ("accountkey=", Trigger::Azure),
    ("q~", Trigger::Azure),
    ("infura.io", Trigger::RpcUrl),
    ("alchemy", Trigger::RpcUrl),
    ("quiknode.pro", Trigger::RpcUrl),
    ("ankr.com", Trigger::RpcUrl),
    ("blastapi.io", Trigger::RpcUrl),
    ("nodereal.io", Trigger::RpcUrl),
    ("getblock.io", Trigger::RpcUrl),
    ("chainstack.com", Trigger::RpcUrl),
    ("drpc.org", Trigger::RpcUrl),
    ("://", Trigger::UrlCreds),
    ("secret", Trigger::SecretName),
    ("password", Trigger::SecretName),
    ("passwd", Trigger::SecretName),
    ("passphrase", Trigger::SecretName),
    ("token", Trigger::SecretName),
    ("api_key", Trigger::SecretName),
    ("apikey", Trigger::SecretName),
    ("api-key", Trigger::SecretName),
    ("access_key", Trigger::SecretName),
    ("auth_key", Trigger::SecretName),
    // node flags and node config keys
    ("http.addr", Trigger::NodeFlag),
    ("ws.addr", Trigger::NodeFlag),
    ("rpcaddr", Trigger::NodeFlag),
    ("wsaddr", Trigger::NodeFlag),
    ("http.api", Trigger::NodeFlag),
    ("ws.api", Trigger::NodeFlag),
    ("rpcapi", Trigger::NodeFlag),
    ("wsapi", Trigger::NodeFlag),
    ("insecure-unlock", Trigger::NodeFlag),
    ("insecureunlock", Trigger::NodeFlag),
    ("corsdomain", Trigger::NodeFlag),
    ("origins", Trigger::NodeFlag),
    ("vhosts", Trigger::NodeFlag),
    ("authrpc", Trigger::NodeFlag),
    ("private.api", Trigger::NodeFlag),
    ("pprof.addr", Trigger::NodeFlag),
    ("unprotected", Trigger::NodeFlag),
    ("httphost", Trigger::NodeFlag),
    ("wshost", Trigger::NodeFlag),
    ("modules", Trigger::NodeFlag),
    ("virtualhosts", Trigger::NodeFlag),
    ("httpcors", Trigger::NodeFlag),
    ("rpc-http-", Trigger::NodeFlag),
    ("rpc-ws-", Trigger::NodeFlag),
    ("allowlist", Trigger::NodeFlag),
    ("jsonrpc.", Trigger::NodeFlag),
    ("rpc-bind-address", Trigger::NodeFlag),
    ("full-rpc-api", Trigger::NodeFlag),
    ("rpc-external", Trigger::NodeFlag),
    ("ws-external", Trigger::NodeFlag),
    ("rpc-methods", Trigger::NodeFlag),
    ("rpc-cors", Trigger::NodeFlag),
    ("rpcallowip", Trigger::NodeFlag),
    ("rpcbind", Trigger::NodeFlag),
    ("rpcpassword", Trigger::NodeFlag),
    ("http-address", Trigger::NodeFlag),
    ("rest-api-interface", Trigger::NodeFlag),
    ("rest-address", Trigger::NodeFlag),
    ("rest.address", Trigger::NodeFlag),
    ("grpc-gateway-host", Trigger::NodeFlag),
    ("rpc-host", Trigger::NodeFlag),
    ("keymanager", Trigger::NodeFlag),
    ("authaddr", Trigger::NodeFlag),
    ("enginehost", Trigger::NodeFlag),
    ("http-allow-origin", Trigger::NodeFlag),
];

/// The keyword automaton, built once per scanner.
pub struct Prefilter {
    ac: AhoCorasick,
}

/// What the prefilter saw in one file.
#[derive(Debug, Default)]
pub struct Triggers {
    bits: u16,
    /// Offsets of secret-name keywords (for the generic detector).
    pub secret_names: Vec<usize>,
}

impl Triggers {
    pub fn has(&self, t: Trigger) -> bool {
        self.bits & (1 << (t as u8)) != 0
    }
}

impl Prefilter {
    pub fn new() -> Result<Prefilter, aho_corasick::BuildError> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(KEYWORDS.iter().map(|(k, _)| k))?;
        Ok(Prefilter { ac })
    }

    pub fn scan(&self, data: &[u8]) -> Triggers {
        let mut t = Triggers::default();
        for m in self.ac.find_iter(data) {
            let trig = KEYWORDS[m.pattern().as_usize()].1;
            t.bits |= 1 << (trig as u8);
            if trig == Trigger::SecretName && t.secret_names.len() < 4096 {
                t.secret_names.push(m.start());
            }
        }
        t
    }
}

/// A byte class as a lookup table.
pub struct Class([bool; 256]);

macro_rules! class {
    (|$b:ident| $e:expr) => {{
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            t[i] = $e;
            i += 1;
        }
        Class(t)
    }};
}

impl Class {
    #[inline]
    pub fn has(&self, b: u8) -> bool {
        self.0[b as usize]
    }
}

pub static HEX: Class = class!(|b| b.is_ascii_hexdigit());
pub static BASE58: Class = class!(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'));
pub static WORDS: Class = class!(|b| b.is_ascii_lowercase() || b == b' ');
pub static NUM_LIST: Class = class!(|b| b.is_ascii_digit() || matches!(b, b',' | b' ' | b'\t' | b'\n' | b'\r'));

/// Maximal runs of bytes of `class` at least `min` long, found by probing every `min` bytes
/// (a run that long must contain a probe), so text without such runs costs about n/min probes.
pub fn long_runs(data: &[u8], class: &Class, min: usize, out: &mut Vec<Range<usize>>) {
    let n = data.len();
    if min == 0 || n < min {
        return;
    }
    let mut floor = 0usize;
    let mut p = min - 1;
    while p < n {
        if !class.has(data[p]) {
            p += min;
            continue;
        }
        let mut s = p;
        while s > floor && class.has(data[s - 1]) {
            s -= 1;
        }
        let mut e = p + 1;
        while e < n && class.has(data[e]) {
            e += 1;
        }
        if e - s >= min {
            out.push(s..e);
        }
        floor = e;
        p = e + min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_finds_every_run() {
        let data = b"zz 0123456789abcdef0123456789abcdef zz abc 0123456789abcdef0123456789abcdef0";
        let mut out = Vec::new();
        long_runs(data, &HEX, 32, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(&data[out[0].clone()], b"0123456789abcdef0123456789abcdef");
        assert_eq!(out[1].len(), 33);
        // brute force agreement on a pseudo-random buffer
        let mut x: u32 = 12345;
        let buf: Vec<u8> = (0..20_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if (x >> 16).is_multiple_of(7) {
                    b'z'
                } else {
                    b"0123456789abcdef"[((x >> 8) % 16) as usize]
                }
            })
            .collect();
        for min in [3usize, 8, 20] {
            let mut fast = Vec::new();
            long_runs(&buf, &HEX, min, &mut fast);
            let mut slow = Vec::new();
            let mut s = 0;
            for i in 0..=buf.len() {
                if i == buf.len() || !HEX.has(buf[i]) {
                    if i - s >= min {
                        slow.push(s..i);
                    }
                    s = i + 1;
                }
            }
            assert_eq!(fast, slow, "min {min}");
        }
    }
}
