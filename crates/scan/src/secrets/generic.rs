//! Generic secret-named assignments with a literal, high-entropy value (low severity: the value
//! cannot be validated).

use super::{entropy, is_placeholder, is_secret_name, name_tokens};
use crate::finding::Severity;
use crate::source::{Hit, Source};

const LOCKFILES: &[&str] = &[
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.lock",
    "go.sum",
    "poetry.lock",
    "composer.lock",
    "gemfile.lock",
    "npm-shrinkwrap.json",
    "bun.lock",
    "flake.lock",
];

fn char_classes(v: &str) -> usize {
    let lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let digit = v.bytes().any(|b| b.is_ascii_digit());
    let other = v.bytes().any(|b| !b.is_ascii_alphanumeric());
    [lower, upper, digit, other].iter().filter(|x| **x).count()
}

fn looks_like_code(v: &str) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    v.split('.').all(ident) && (v.contains('.') || !v.bytes().any(|b| b.is_ascii_digit()))
        || v.bytes().any(|b| matches!(b, b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'<' | b'>'))
        || v.starts_with("http")
}

/// Decides whether `value` under `name` is a plausible literal secret.
pub fn literal_secret(name: &str, value: &str) -> bool {
    let tokens = name_tokens(name);
    if !is_secret_name(&tokens) || is_placeholder(value) || looks_like_code(value) {
        return false;
    }
    let password = tokens.iter().any(|t| matches!(t.as_str(), "password" | "passwd" | "passphrase" | "pwd" | "pass"));
    if password {
        value.len() >= 8 && entropy(value) >= 2.5 && char_classes(value) >= 2
    } else {
        value.len() >= 16 && entropy(value) >= 3.5 && char_classes(value) >= 2
    }
}

pub fn detect(src: &Source<'_>, keyword_offsets: &[usize], out: &mut Vec<Hit>) {
    if LOCKFILES.contains(&src.file_name.as_str()) {
        return;
    }
    let Some(re) = regex!(
        r#"(?i)([A-Za-z0-9_.\-]*(?:secret|password|passwd|passphrase|token|api_?key|api-key|access_?key|auth_?key)[A-Za-z0-9_.\-]*)["']?\s*(?::=|=>|=|:)\s*["'`]?([^\s"'`,;]{8,200})"#
    ) else {
        return;
    };
    let mut last_line_end = 0usize;
    for &off in keyword_offsets {
        if off < last_line_end {
            continue;
        }
        let line = src.line_range(off);
        last_line_end = line.end.max(off + 1);
        let text = src.slice(line.clone());
        if text.len() > 2000 {
            continue;
        }
        for c in re.captures_iter(text) {
            let (Some(name), Some(value)) = (c.get(1), c.get(2)) else {
                continue;
            };
            if !literal_secret(name.as_str(), value.as_str()) {
                continue;
            }
            let span = line.start + value.start()..line.start + value.end();
            out.push(Hit::secret(
                "generic-secret",
                Severity::Low,
                span,
                value.as_str().as_bytes().to_vec(),
                format!("`{}` is assigned a literal high-entropy value", name.as_str()),
            ));
        }
    }
}
