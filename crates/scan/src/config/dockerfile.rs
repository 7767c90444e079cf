//! Dockerfile `ENV`/`ARG` with literal secrets (node flags in `CMD`/`ENTRYPOINT` are covered by
//! the flag rules).

use super::check_env;
use crate::source::{Hit, Source};

pub fn is_dockerfile(name: &str) -> bool {
    name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || name == "containerfile"
}

/// Splits `K=V K2="V 2"` (or the legacy `K V`) into (name, value, value offset) triples.
fn assignments(body: &str, base: usize) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    let b = body.as_bytes();
    let mut i = 0;
    if !body.contains('=')
        || body
            .split_whitespace()
            .next()
            .is_some_and(|f| !f.contains('='))
    {
        // legacy form: ENV NAME value with spaces
        let t = body.trim_start();
        let lead = body.len() - t.len();
        if let Some((k, v)) = t.split_once(char::is_whitespace) {
            let vt = v.trim_start();
            let voff = base + lead + k.len() + (v.len() - vt.len()) + 1;
            out.push((k.to_string(), vt.trim_end().to_string(), base + lead, voff));
        }
        return out;
    }
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        let key = &body[ks..i];
        i += 1;
        let vs = i;
        let quote = b.get(i).copied().filter(|c| *c == b'"' || *c == b'\'');
        if let Some(q) = quote {
            i += 1;
            while i < b.len() && b[i] != q {
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        let raw = &body[vs..i];
        let val = raw.trim_matches(|c| c == '"' || c == '\'');
        let voff = base + vs + usize::from(quote.is_some());
        out.push((key.to_string(), val.to_string(), base + ks, voff));
    }
    out
}

pub fn detect(src: &Source<'_>, out: &mut Vec<Hit>) {
    let mut base = 0;
    for line in src.text.split_inclusive('\n') {
        let start = base;
        base += line.len();
        let t = line.trim_start();
        let lead = line.len() - t.len();
        let upper: String = t.chars().take(4).collect::<String>().to_ascii_uppercase();
        let kw_len = 3;
        if !(upper.starts_with("ENV ") || upper.starts_with("ENV\t") || upper.starts_with("ARG ")) {
            continue;
        }
        let body = t[kw_len..].trim_end_matches(['\n', '\r', '\\']);
        for (k, v, kat, vat) in assignments(body, start + lead + kw_len) {
            check_env("dockerfile-secret-env", &k, &v, kat, vat, out);
        }
    }
}
