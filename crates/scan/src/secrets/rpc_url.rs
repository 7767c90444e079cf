//! RPC provider endpoints with embedded API keys, and credentials embedded in URLs.

use crate::finding::Severity;
use crate::source::{Hit, Source};

fn plausible_key(k: &str) -> bool {
    let l = k.to_ascii_lowercase();
    !super::is_placeholder(k)
        && ![
            "your", "key", "api", "demo", "xxxx", "project", "token", "0000",
        ]
        .iter()
        .any(|w| l.contains(w))
        && super::entropy(k) >= 3.0
}

pub fn detect_provider(src: &Source<'_>, out: &mut Vec<Hit>) {
    let Some(re) = regex!(
        r#"(?i)\b(?:https?|wss?)://[a-z0-9.\-]*?(infura\.io/(?:ws/)?v3/([0-9a-f]{32})|alchemy(?:api)?\.(?:com|io)/(?:v2|nft/v[23])/([A-Za-z0-9_\-]{20,64})|quiknode\.pro/([0-9a-f]{32,64})|ankr\.com/[a-z0-9_]+/([0-9a-f]{40,64})|blastapi\.io/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|nodereal\.io/v1/([0-9a-f]{32})|getblock\.io/([0-9a-f\-]{32,36})|chainstack\.com/([0-9a-f]{32})|drpc\.org/[^\s"'`]*?dkey=([A-Za-z0-9_\-]{20,}))"#
    ) else {
        return;
    };
    for c in re.captures_iter(&src.text) {
        let Some(provider) = c.get(1) else { continue };
        let Some(key) = (2..c.len()).find_map(|i| c.get(i)) else {
            continue;
        };
        if !plausible_key(key.as_str()) {
            continue;
        }
        let name = provider
            .as_str()
            .split(['.', '/'])
            .next()
            .unwrap_or("provider")
            .to_ascii_lowercase();
        out.push(Hit::secret(
            "rpc-url-api-key",
            Severity::High,
            key.start()..key.end(),
            key.as_str().as_bytes().to_vec(),
            format!("{name} RPC URL with an embedded API key"),
        ));
    }
}

/// `scheme://user:password@host` at each `://` the prefilter saw.
pub fn detect_url_credentials(src: &Source<'_>, offsets: &[usize], out: &mut Vec<Hit>) {
    let b = src.bytes();
    let stop = |c: u8| c.is_ascii_whitespace() || matches!(c, b'/' | b'@' | b'\'' | b'"' | b'`');
    for &at in offsets {
        // scheme before `://`
        let mut s = at;
        while s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'.' | b'-'))
        {
            s -= 1;
        }
        if s == at {
            continue;
        }
        let u = at + 3;
        let mut i = u;
        while i < b.len() && i - u <= 64 && !stop(b[i]) && b[i] != b':' {
            i += 1;
        }
        if i >= b.len() || b[i] != b':' || i == u {
            continue;
        }
        let ps = i + 1;
        let mut j = ps;
        while j < b.len() && j - ps <= 128 && !stop(b[j]) {
            j += 1;
        }
        if j >= b.len() || b[j] != b'@' || j - ps < 3 {
            continue;
        }
        let p = src.slice(ps..j);
        let pl = p.to_ascii_lowercase();
        if super::is_placeholder(p)
            || p.contains('$')
            || p.contains('{')
            || ["password", "pass", "pwd", "secret", "user"].contains(&pl.as_str())
            || p.len() < 6
        {
            continue;
        }
        let scheme = src.slice(s..at);
        out.push(Hit::secret(
            "url-embedded-credentials",
            Severity::Medium,
            ps..j,
            p.as_bytes().to_vec(),
            format!("password embedded in a {scheme}:// URL"),
        ));
    }
}
