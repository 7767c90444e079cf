//! BIP-39 mnemonics: a maximal sequence of English-list words, a valid length and a valid
//! checksum. Twelve words pass the checksum 1 time in 16 by chance, so a 12-word phrase without
//! context is reported one level lower.

use std::ops::Range;

use super::name_tokens;
use crate::finding::Severity;
use crate::keys;
use crate::source::{Hit, Source};

const CONTEXT: &[&str] = &[
    "mnemonic",
    "seed",
    "phrase",
    "words",
    "recovery",
    "secret",
    "wallet",
    "backup",
    "bip39",
    "passphrase",
    "hdwallet",
];

fn has_context(src: &Source<'_>, start: usize) -> bool {
    let line = src.line_range(start);
    let mut text = src.slice(line.start..start).to_string();
    if let Some(prev) = src.prev_line_range(start) {
        text.push(' ');
        text.push_str(src.slice(prev));
    }
    text.push(' ');
    text.push_str(&src.file_name);
    name_tokens(&text)
        .iter()
        .any(|t| CONTEXT.contains(&t.as_str()))
}

pub fn detect(src: &Source<'_>, runs: &[Range<usize>], out: &mut Vec<Hit>) {
    let bytes = src.bytes();
    for run in runs {
        // the run must not continue a longer word on either side
        if run.start > 0 && bytes[run.start - 1].is_ascii_alphabetic()
            || run.end < bytes.len() && bytes[run.end].is_ascii_alphabetic()
        {
            continue;
        }
        let text = src.slice(run.clone());
        // maximal streaks of list words separated by single spaces (counted without
        // allocating; only a streak of twelve or more is collected)
        let mut streak_start = 0usize;
        let mut streak_len = 0usize;
        let mut streak_end = 0usize;
        let tb = text.as_bytes();
        let mut pos = 0usize;
        while pos <= tb.len() + 1 {
            // the word at `pos` (a run is ASCII: lower-case letters and spaces); past the end
            // an empty sentinel word ends the last streak
            let off = pos;
            // words are short: a plain loop beats a memchr call
            let mut end = off.min(tb.len());
            while end < tb.len() && tb[end] != b' ' {
                end += 1;
            }
            let end = end.max(off);
            pos = end + 1;
            let w = text.get(off..end).unwrap_or("");
            if (3..=8).contains(&w.len()) && keys::bip39_index(w).is_some() {
                if streak_len == 0 {
                    streak_start = off;
                }
                streak_len += 1;
                streak_end = off + w.len();
                continue;
            }
            if streak_len >= 12 {
                let mut streak: Vec<(usize, &str)> = Vec::with_capacity(streak_len);
                let mut p = streak_start;
                for w in text.get(streak_start..streak_end).unwrap_or("").split(' ') {
                    streak.push((p, w));
                    p += w.len() + 1;
                }
                report(src, run.start, &streak, out);
            }
            streak_len = 0;
        }
    }
}

fn report(src: &Source<'_>, base: usize, streak: &[(usize, &str)], out: &mut Vec<Hit>) {
    let words: Vec<&str> = streak.iter().map(|(_, w)| *w).collect();
    if !keys::bip39_checksum_ok(&words) {
        return;
    }
    let start = base + streak[0].0;
    let (last_off, last) = streak[streak.len() - 1];
    let span = start..base + last_off + last.len();
    let phrase = words.join(" ");
    let mut distinct = words.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if keys::PUBLIC_MNEMONICS.contains(&phrase.as_str()) || distinct.len() <= 3 {
        out.push(Hit::secret(
            "bip39-test-mnemonic",
            Severity::Info,
            span,
            phrase.into_bytes(),
            format!("public test mnemonic ({} words)", words.len()),
        ));
        return;
    }
    let (severity, why) = if words.len() > 12 {
        (Severity::Critical, "")
    } else if has_context(src, start) {
        (Severity::Critical, " in mnemonic context")
    } else {
        (Severity::High, " without mnemonic context")
    };
    out.push(Hit::secret(
        "bip39-mnemonic",
        severity,
        span,
        phrase.into_bytes(),
        format!(
            "BIP-39 mnemonic ({} words, valid checksum){why}",
            words.len()
        ),
    ));
}
