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

/// Keywords and the detector family each one wakes up, matched in lower-cased text. Each is a
/// distinctive piece of the word (`iphertext`, `c-http-`): the SIMD prefilter keys on the first
/// three bytes, and a common start (`pri`, `htt`, `acc`) would stop it at every `print`.
pub const KEYWORDS: &[(&str, Trigger)] = &[
    ("iphertext", Trigger::Json),
    ("iv_key", Trigger::Json),
    ("e_account", Trigger::Json),
    ("tkey=", Trigger::Azure),
    ("infura.io", Trigger::RpcUrl),
    ("lchemy", Trigger::RpcUrl),
    ("quiknode.pro", Trigger::RpcUrl),
    ("ankr.com", Trigger::RpcUrl),
    ("blastapi.io", Trigger::RpcUrl),
    ("dereal.io", Trigger::RpcUrl),
    ("tblock.io", Trigger::RpcUrl),
    ("nstack.com", Trigger::RpcUrl),
    ("drpc.org", Trigger::RpcUrl),
    ("://", Trigger::UrlCreds),
    ("ecret", Trigger::SecretName),
    ("sword", Trigger::SecretName),
    ("sswd", Trigger::SecretName),
    ("phrase", Trigger::SecretName),
    ("oken", Trigger::SecretName),
    ("i_key", Trigger::SecretName),
    ("pikey", Trigger::SecretName),
    ("i-key", Trigger::SecretName),
    ("s_key", Trigger::SecretName),
    ("h_key", Trigger::SecretName),
    // node flags and node config keys
    ("p.addr", Trigger::NodeFlag),
    ("s.addr", Trigger::NodeFlag),
    ("caddr", Trigger::NodeFlag),
    ("saddr", Trigger::NodeFlag),
    ("thaddr", Trigger::NodeFlag),
    ("p.api", Trigger::NodeFlag),
    ("s.api", Trigger::NodeFlag),
    ("rpcapi", Trigger::NodeFlag),
    ("wsapi", Trigger::NodeFlag),
    ("-unlock", Trigger::NodeFlag),
    ("reunlock", Trigger::NodeFlag),
    ("rsdomain", Trigger::NodeFlag),
    ("vhosts", Trigger::NodeFlag),
    ("thrpc", Trigger::NodeFlag),
    ("vate.api", Trigger::NodeFlag),
    ("d-txs", Trigger::NodeFlag),
    ("dtxs", Trigger::NodeFlag),
    ("tphost", Trigger::NodeFlag),
    ("wshost", Trigger::NodeFlag),
    ("pmodules", Trigger::NodeFlag),
    ("wsmodules", Trigger::NodeFlag),
    ("dmodules", Trigger::NodeFlag),
    ("ualhosts", Trigger::NodeFlag),
    ("tpcors", Trigger::NodeFlag),
    ("c-http-", Trigger::NodeFlag),
    ("c-ws-", Trigger::NodeFlag),
    ("t-allowlist", Trigger::NodeFlag),
    ("t-whitelist", Trigger::NodeFlag),
    ("onrpc.", Trigger::NodeFlag),
    ("c-bind-address", Trigger::NodeFlag),
    ("l-rpc-api", Trigger::NodeFlag),
    ("c-external", Trigger::NodeFlag),
    ("s-external", Trigger::NodeFlag),
    ("c-methods", Trigger::NodeFlag),
    ("c-cors", Trigger::NodeFlag),
    ("p.cors", Trigger::NodeFlag),
    ("callowip", Trigger::NodeFlag),
    ("cbind", Trigger::NodeFlag),
    ("cpassword", Trigger::NodeFlag),
    ("p-address", Trigger::NodeFlag),
    ("t-api-interface", Trigger::NodeFlag),
    ("t-address", Trigger::NodeFlag),
    ("t.address", Trigger::NodeFlag),
    ("c-gateway-host", Trigger::NodeFlag),
    ("c-host", Trigger::NodeFlag),
    ("ymanager", Trigger::NodeFlag),
    ("inehost", Trigger::NodeFlag),
    ("ine-rpc", Trigger::NodeFlag),
    ("p-allow-origin", Trigger::NodeFlag),
    ("ten-host", Trigger::NodeFlag),
    ("s.origins", Trigger::NodeFlag),
    ("sorigins", Trigger::NodeFlag),
    ("s-origins", Trigger::NodeFlag),
];

/// Where the searched part of each keyword starts: the automata look for the three bytes
/// `keyword[at..at + 3]` and the whole keyword is checked at each hit. The SIMD prefilter keys on the first three
/// bytes of a pattern, so each keyword is entered by its rarest three-byte window in source
/// code (`thrpc` by `hrp`, not by `thr` of `three`, `through`, `throw`), counted over 40 MB of
/// crates.io sources.
const ANCHOR_AT: [u8; KEYWORDS.len()] = [
    1, 1, 3, 2, 4, 3, 1, 2, 7, 5, 5, 5, 2, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1,
    0, 0, 1, 0, 0, 1, 4, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
    4, 1, 1, 0, 0, 0, 1, 3, 6, 3, 0, 0, 1,
];

/// Case-sensitive literals, each found with SIMD `memmem` (short or upper-case patterns would
/// slow the keyword automaton down).
const LITERALS: &[(&str, Trigger)] = &[
    ("-----BEGIN", Trigger::Pem),
    ("AKIA", Trigger::Aws),
    ("ASIA", Trigger::Aws),
    ("Q~", Trigger::Azure),
];

/// Keywords per automaton among the rare ones. With more, the SIMD (Teddy) buckets mix so
/// many different first bytes that ordinary text keeps producing candidates; with fewer, the
/// passes add up (whole scan of a 5 MB generated tree: about 168 million instructions with
/// three automata of 22 rare keywords, the frequent ones joining the last; 172 with the
/// frequent ones apart; 190 to 250 with other splits).
const RARE_GROUP: usize = 22;

/// Whether a keyword is frequent in ordinary code (`token`, `secret`, `password`, `://`).
fn frequent(t: Trigger) -> bool {
    matches!(t, Trigger::SecretName | Trigger::UrlCreds)
}

/// One automaton over the three-byte anchors of a subset of [`KEYWORDS`].
struct Group {
    ac: AhoCorasick,
    /// The keywords (ids) entered by each anchor pattern.
    ids: Vec<Vec<usize>>,
}

impl Group {
    fn build(pick: impl Fn(Trigger, usize) -> bool) -> Result<Group, aho_corasick::BuildError> {
        let mut anchors: Vec<&[u8]> = Vec::new();
        let mut ids: Vec<Vec<usize>> = Vec::new();
        for (i, (k, t)) in KEYWORDS.iter().enumerate() {
            if !pick(*t, i) {
                continue;
            }
            let a = anchor(i);
            match anchors.iter().position(|x| *x == a) {
                Some(p) => ids[p].push(i),
                None => {
                    anchors.push(a);
                    ids.push(vec![i]);
                }
            }
            debug_assert!(k.len() >= 3);
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&anchors)?;
        Ok(Group { ac, ids })
    }

    /// Every occurrence of the group's keywords: (start, end, keyword id). The anchors all
    /// have three bytes, so restarting one byte after each anchor hit finds every anchor
    /// occurrence, overlapping ones included.
    fn occurrences(&self, data: &[u8], out: &mut Vec<(usize, usize, usize)>) {
        let mut from = 0usize;
        while from < data.len() {
            let Some(m) = self
                .ac
                .find(aho_corasick::Input::new(data).range(from..data.len()))
            else {
                break;
            };
            from = m.start() + 1;
            let Some(list) = self.ids.get(m.pattern().as_usize()) else {
                continue;
            };
            for &id in list {
                let k = KEYWORDS[id].0.as_bytes();
                let Some(start) = m.start().checked_sub(usize::from(ANCHOR_AT[id])) else {
                    continue;
                };
                if data.get(start..start + k.len()) == Some(k) {
                    out.push((start, start + k.len(), id));
                }
            }
        }
    }
}

/// The three bytes of keyword `i` the automata search for.
fn anchor(i: usize) -> &'static [u8] {
    let k = KEYWORDS[i].0.as_bytes();
    let at = usize::from(ANCHOR_AT[i]).min(k.len().saturating_sub(3));
    &k[at..(at + 3).min(k.len())]
}

/// The keyword automata, built once per scanner.
pub struct Prefilter {
    groups: Vec<Group>,
    literals: Vec<(memchr::memmem::Finder<'static>, Trigger)>,
}

/// What the prefilter saw in one file.
#[derive(Debug, Default)]
pub struct Triggers {
    bits: u16,
    /// Offsets of secret-name keywords (for the generic detector).
    pub secret_names: Vec<usize>,
    /// Offsets of node flag keywords (the flag rules read only these lines).
    pub node_flags: Vec<usize>,
    /// Offsets of `://`.
    pub urls: Vec<usize>,
}

impl Triggers {
    pub fn has(&self, t: Trigger) -> bool {
        self.bits & (1 << (t as u8)) != 0
    }
}

impl Prefilter {
    pub fn new() -> Result<Prefilter, aho_corasick::BuildError> {
        // Case-insensitive automata cannot use the SIMD (Teddy) prefilter, so the text is
        // lower-cased first (a cheap vectorisable pass) and the automata are case-sensitive.
        // the frequent few ride with the last rare chunk: one pass fewer, and fewer
        // instructions than in an automaton of their own
        let rare: Vec<usize> = (0..KEYWORDS.len())
            .filter(|&i| !frequent(KEYWORDS[i].1))
            .collect();
        let chunks: Vec<&[usize]> = rare.chunks(RARE_GROUP).collect();
        let mut groups = Vec::with_capacity(chunks.len());
        for (n, c) in chunks.iter().enumerate() {
            let last = n + 1 == chunks.len();
            groups.push(Group::build(|t, i| c.contains(&i) || last && frequent(t))?);
        }
        let literals = LITERALS
            .iter()
            .map(|(l, t)| (memchr::memmem::Finder::new(l.as_bytes()), *t))
            .collect();
        Ok(Prefilter { groups, literals })
    }

    pub fn scan(&self, data: &[u8]) -> Triggers {
        thread_local! {
            static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut t = LOWER.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            buf.extend_from_slice(data);
            buf.make_ascii_lowercase();
            self.scan_lower(&buf)
        });
        for (f, trig) in &self.literals {
            if !t.has(*trig) && f.find(data).is_some() {
                t.bits |= 1 << (*trig as u8);
            }
        }
        t
    }

    /// The matches one leftmost-first automaton over all of [`KEYWORDS`] would report
    /// (non-overlapping; the leftmost start wins, at equal starts the keyword listed first),
    /// selected from every occurrence the groups found.
    fn scan_lower(&self, data: &[u8]) -> Triggers {
        thread_local! {
            static OCC: std::cell::RefCell<Vec<(usize, usize, usize)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        OCC.with(|occ| {
            let mut occ = occ.borrow_mut();
            occ.clear();
            for g in &self.groups {
                g.occurrences(data, &mut occ);
            }
            occ.sort_unstable_by_key(|&(start, _, id)| (start, id));
            let mut t = Triggers::default();
            let mut pos = 0usize;
            for &(start, end, id) in occ.iter() {
                if start < pos {
                    continue;
                }
                pos = end;
                let Some(&(_, trig)) = KEYWORDS.get(id) else {
                    continue;
                };
                t.bits |= 1 << (trig as u8);
                let list = match trig {
                    Trigger::SecretName => &mut t.secret_names,
                    Trigger::NodeFlag => &mut t.node_flags,
                    Trigger::UrlCreds => &mut t.urls,
                    _ => continue,
                };
                if list.len() < 4096 {
                    list.push(start);
                }
            }
            t
        })
    }

    /// The same matches from one automaton over all keywords (reference for tests).
    #[cfg(test)]
    fn scan_lower_single(ac: &AhoCorasick, data: &[u8]) -> Triggers {
        let mut t = Triggers::default();
        for m in ac.find_iter(data) {
            let trig = KEYWORDS[m.pattern().as_usize()].1;
            t.bits |= 1 << (trig as u8);
            let list = match trig {
                Trigger::SecretName => &mut t.secret_names,
                Trigger::NodeFlag => &mut t.node_flags,
                Trigger::UrlCreds => &mut t.urls,
                _ => continue,
            };
            if list.len() < 4096 {
                list.push(m.start());
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
pub static BASE58: Class =
    class!(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'));
pub static WORDS: Class = class!(|b| b.is_ascii_lowercase() || b == b' ');
pub static NUM_LIST: Class =
    class!(|b| b.is_ascii_digit() || matches!(b, b',' | b' ' | b'\t' | b'\n' | b'\r'));

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
        // iterator searches: no bounds check per byte on these hot loops
        let s = data[floor..p]
            .iter()
            .rposition(|&b| !class.has(b))
            .map_or(floor, |i| floor + i + 1);
        let e = data[p + 1..]
            .iter()
            .position(|&b| !class.has(b))
            .map_or(n, |i| p + 1 + i);
        if e - s >= min {
            out.push(s..e);
        }
        floor = e;
        p = e + min;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn grouped_automata_match_one_automaton() {
        let pf = Prefilter::new().unwrap();
        let single = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(KEYWORDS.iter().map(|(k, _)| k))
            .unwrap();
        let mut texts: Vec<Vec<u8>> = vec![
            b"rpcpassword=hunter22 --http.addr 0.0.0.0 token=abc://x@y".to_vec(),
            b"--rpc-http-host=0.0.0.0 mysecret_token ws://a:b@c --rpccorsdomain=* api_key".to_vec(),
            b"c-http-cors c-ws-origins thrpc.api ciphertext priv_key infura.io/v3/".to_vec(),
        ];
        // every keyword and every pair of keywords, overlapping and adjacent
        for (a, _) in KEYWORDS {
            texts.push(a.as_bytes().to_vec());
            for (b, _) in KEYWORDS {
                for k in 0..a.len() {
                    let mut t = a.as_bytes()[..k].to_vec();
                    t.extend_from_slice(b.as_bytes());
                    t.extend_from_slice(&a.as_bytes()[k..]);
                    texts.push(t);
                }
                let mut t = a.as_bytes().to_vec();
                t.extend_from_slice(b.as_bytes());
                texts.push(t);
            }
        }
        for t in &texts {
            let got = pf.scan_lower(t);
            let want = Prefilter::scan_lower_single(&single, t);
            let s = String::from_utf8_lossy(t);
            assert_eq!(got.bits, want.bits, "{s}");
            assert_eq!(got.secret_names, want.secret_names, "{s}");
            assert_eq!(got.node_flags, want.node_flags, "{s}");
            assert_eq!(got.urls, want.urls, "{s}");
        }
    }

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
