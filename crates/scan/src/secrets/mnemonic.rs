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
    // the space-separated pieces of a run (empty ones too: two spaces break a streak)
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for run in runs {
        // the run must not continue a longer word on either side
        if run.start > 0 && bytes[run.start - 1].is_ascii_alphabetic()
            || run.end < bytes.len() && bytes[run.end].is_ascii_alphabetic()
        {
            continue;
        }
        let text = src.slice(run.clone());
        let tb = text.as_bytes();
        pieces.clear();
        let mut off = 0usize;
        loop {
            let mut end = off;
            while end < tb.len() && tb[end] != b' ' {
                end += 1;
            }
            pieces.push((off, end));
            if end >= tb.len() {
                break;
            }
            off = end + 1;
        }
        let word = |i: usize| -> Option<(usize, &str)> {
            let &(s, e) = pieces.get(i)?;
            let w = text.get(s..e)?;
            ((3..=8).contains(&w.len()) && keys::bip39_index(w).is_some()).then_some((s, w))
        };
        // maximal streaks of twelve or more list words: each holds a piece whose index is
        // 11 modulo 12, so only those are probed and a streak is grown around a hit
        let mut floor = 0usize;
        let mut probe = 11usize;
        while probe < pieces.len() {
            if word(probe).is_none() {
                probe += 12;
                continue;
            }
            let mut first = probe;
            while first > floor && word(first - 1).is_some() {
                first -= 1;
            }
            let mut last = probe + 1;
            while last < pieces.len() && word(last).is_some() {
                last += 1;
            }
            if last - first >= 12 {
                let streak: Vec<(usize, &str)> = (first..last).filter_map(word).collect();
                report(src, run.start, &streak, out);
            }
            floor = last;
            probe = last + 12;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every maximal streak, word by word (the probing in `detect` must find the same).
    fn naive(src: &Source<'_>, runs: &[Range<usize>], out: &mut Vec<Hit>) {
        let bytes = src.bytes();
        for run in runs {
            if run.start > 0 && bytes[run.start - 1].is_ascii_alphabetic()
                || run.end < bytes.len() && bytes[run.end].is_ascii_alphabetic()
            {
                continue;
            }
            let text = src.slice(run.clone());
            let mut streak: Vec<(usize, &str)> = Vec::new();
            let mut pos = 0;
            let mut words = Vec::new();
            for w in text.split(' ') {
                words.push((pos, w));
                pos += w.len() + 1;
            }
            words.push((pos, ""));
            for (off, w) in words {
                if !w.is_empty() && keys::bip39_index(w).is_some() {
                    streak.push((off, w));
                    continue;
                }
                if streak.len() >= 12 {
                    report(src, run.start, &streak, out);
                }
                streak.clear();
            }
        }
    }

    #[test]
    fn probing_finds_the_same_streaks() {
        let phrase = keys::PUBLIC_MNEMONICS[1];
        let other = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        let fillers = ["zebra", "the", "", "abandon", "xyzzy", "wallet", "ability"];
        let mut x: u32 = 99;
        let mut next = |n: u32| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) % n
        };
        for _ in 0..3000 {
            let mut parts: Vec<String> = Vec::new();
            for _ in 0..next(40) {
                match next(6) {
                    0 => parts.push(phrase.to_string()),
                    1 => parts.push(other.to_string()),
                    _ => parts.push(fillers[next(fillers.len() as u32) as usize].to_string()),
                }
            }
            let text = format!("# {}\n", parts.join(" "));
            let src = Source::new("notes.txt", text.as_bytes());
            let mut runs = Vec::new();
            crate::prefilter::long_runs(src.bytes(), &crate::prefilter::WORDS, 47, &mut runs);
            let (mut got, mut want) = (Vec::new(), Vec::new());
            detect(&src, &runs, &mut got);
            naive(&src, &runs, &mut want);
            let key = |h: &Hit| (h.rule, h.secret.clone(), h.message.clone());
            assert_eq!(
                got.iter().map(key).collect::<Vec<_>>(),
                want.iter().map(key).collect::<Vec<_>>(),
                "{text}"
            );
        }
    }
}
