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
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    v.split('.').all(ident) && (v.contains('.') || !v.bytes().any(|b| b.is_ascii_digit()))
        || v.bytes()
            .any(|b| matches!(b, b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'<' | b'>'))
        || v.starts_with("http")
}

/// Decides whether `value` under `name` is a plausible literal secret.
pub fn literal_secret(name: &str, value: &str) -> bool {
    let tokens = name_tokens(name);
    if !is_secret_name(&tokens) {
        return false;
    }
    let password = tokens.iter().any(|t| {
        matches!(
            t.as_str(),
            "password" | "passwd" | "passphrase" | "pwd" | "pass"
        )
    });
    // the length bound first: it is free, the placeholder markers are not
    if value.len() < if password { 8 } else { 16 }
        || is_placeholder(value)
        || looks_like_code(value)
    {
        return false;
    }
    if password {
        value.len() >= 8 && entropy(value) >= 2.5 && char_classes(value) >= 2
    } else {
        value.len() >= 16 && entropy(value) >= 3.5 && char_classes(value) >= 2
    }
}

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Parses `NAME <sep> VALUE` around a keyword at `at`: the name is the identifier containing
/// the keyword, the separator `=`, `:`, `:=` or `=>` (quotes and spaces allowed around it).
fn assignment(b: &[u8], at: usize) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut s = at;
    while s > 0 && name_byte(b[s - 1]) {
        s -= 1;
    }
    let mut e = at;
    while e < b.len() && name_byte(b[e]) {
        e += 1;
    }
    let mut i = e;
    if i < b.len() && matches!(b[i], b'"' | b'\'') {
        i += 1;
    }
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    match b.get(i..i + 2) {
        Some(b":=") | Some(b"=>") => i += 2,
        _ if i < b.len() && matches!(b[i], b'=' | b':') => i += 1,
        _ => return None,
    }
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    if i < b.len() && matches!(b[i], b'"' | b'\'' | b'`') {
        i += 1;
    }
    let vs = i;
    while i < b.len()
        && i - vs <= 200
        && !matches!(
            b[i],
            b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'`' | b',' | b';'
        )
    {
        i += 1;
    }
    (i - vs >= 8 && i - vs <= 200).then_some((s..e, vs..i))
}

pub fn detect(src: &Source<'_>, keyword_offsets: &[usize], out: &mut Vec<Hit>) {
    if LOCKFILES.contains(&src.file_name.as_str()) {
        return;
    }
    let b = src.bytes();
    let mut last_value_end = 0usize;
    for &off in keyword_offsets {
        if off < last_value_end {
            continue;
        }
        let Some((name, value)) = assignment(b, off) else {
            continue;
        };
        last_value_end = value.end;
        let (n, v) = (src.slice(name), src.slice(value.clone()));
        if !literal_secret(n, v) {
            continue;
        }
        out.push(Hit::secret(
            "generic-secret",
            Severity::Low,
            value,
            v.as_bytes().to_vec(),
            format!("`{n}` is assigned a literal high-entropy value"),
        ));
    }
}
