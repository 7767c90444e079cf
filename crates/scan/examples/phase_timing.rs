//! Times each hot-path phase over a tree loaded in memory (developer tool for the benchmark).
use std::time::Instant;

use palisade_scan::prefilter::{self, Prefilter};

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut files = Vec::new();
    for e in ignore::WalkBuilder::new(&root).build().flatten() {
        if e.file_type().is_some_and(|t| t.is_file()) {
            if let Ok(d) = std::fs::read(e.path()) {
                files.push((e.path().display().to_string(), d));
            }
        }
    }
    let total: usize = files.iter().map(|f| f.1.len()).sum();
    let mb = total as f64 / 1e6;
    let pf = match Prefilter::new() {
        Ok(p) => p,
        Err(_) => return,
    };
    let t = Instant::now();
    let mut n = 0;
    for (_, d) in &files {
        n += pf.scan(d).secret_names.len();
    }
    println!(
        "aho-corasick: {:.0} MB/s ({n} secret-name hits)",
        mb / t.elapsed().as_secs_f64()
    );
    for (name, class, min) in [
        ("hex64", &prefilter::HEX, 64),
        ("base58", &prefilter::BASE58, 51),
        ("numlist", &prefilter::NUM_LIST, 127),
        ("words", &prefilter::WORDS, 47),
    ] {
        let t = Instant::now();
        let mut runs = Vec::new();
        let mut n = 0;
        for (_, d) in &files {
            runs.clear();
            prefilter::long_runs(d, class, min, &mut runs);
            n += runs.len();
        }
        println!(
            "{name}: {:.0} MB/s ({n} runs)",
            mb / t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    for (_, d) in &files {
        let _ = String::from_utf8_lossy(d);
    }
    println!("utf8: {:.0} MB/s", mb / t.elapsed().as_secs_f64());
    if std::env::var_os("AC_EXPERIMENTS").is_some() {
        ac_experiments(&files, mb);
        return;
    }
    let scanner = match palisade_scan::Scanner::new(palisade_scan::ScanOptions::default()) {
        Ok(s) => s,
        Err(_) => return,
    };
    let t = Instant::now();
    for (p, d) in &files {
        let _ = scanner.scan_bytes(p, d, None);
    }
    println!(
        "scan_bytes (1 thread): {:.0} MB/s",
        mb / t.elapsed().as_secs_f64()
    );
}

fn ac_experiments(files: &[(String, Vec<u8>)], mb: f64) {
    use aho_corasick::{AhoCorasickBuilder, MatchKind};
    let all: Vec<&str> = palisade_scan::prefilter::KEYWORDS
        .iter()
        .map(|k| k.0)
        .collect();
    let mut sets: Vec<Vec<&str>> = vec![
        all.clone(),
        all[..all.len() / 2].to_vec(),
        all[all.len() / 2..].to_vec(),
        all[..60].to_vec(),
        all[..40].to_vec(),
    ];
    sets.extend(vec![
        vec!["secret", "password", "token", "api_key", "://"],
        vec![
            "-----begin",
            "akia",
            "asia",
            "ciphertext",
            "priv_key",
            "service_account",
            "accountkey=",
            "q~",
            "infura.io",
            "alchemy",
            "quiknode.pro",
            "ankr.com",
        ],
        vec![
            "http.addr",
            "ws.addr",
            "rpcaddr",
            "wsaddr",
            "http.api",
            "ws.api",
            "rpcapi",
            "wsapi",
            "insecure-unlock",
            "corsdomain",
            "vhosts",
            "authrpc",
            "private.api",
            "pprof.addr",
            "httphost",
            "wshost",
            "rpc-http-",
            "rpc-ws-",
            "jsonrpc.",
            "rpc-bind-address",
            "full-rpc-api",
            "rpc-external",
            "rpc-methods",
            "rpc-cors",
            "rpcallowip",
            "rpcbind",
            "rpcpassword",
            "http-address",
            "rest-api-interface",
            "rest-address",
            "keymanager",
        ],
    ]);
    let lower: Vec<Vec<u8>> = files.iter().map(|f| f.1.to_ascii_lowercase()).collect();
    for s in &sets {
        let ac = match AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(s)
        {
            Ok(a) => a,
            Err(_) => return,
        };
        let t = Instant::now();
        let mut n = 0;
        for d in &lower {
            n += ac.find_iter(d).count();
        }
        println!(
            "ac {} patterns: {:.0} MB/s ({n} hits)",
            s.len(),
            mb / t.elapsed().as_secs_f64()
        );
    }
    // the keyword list in groups of `size` patterns, one automaton each
    for size in [8usize, 12, 16, 24, 40] {
        let autos: Vec<_> = all
            .chunks(size)
            .filter_map(|c| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(c)
                    .ok()
            })
            .collect();
        let t = Instant::now();
        let mut n = 0;
        for d in &lower {
            for ac in &autos {
                n += ac.find_iter(d).count();
            }
        }
        println!(
            "ac groups of {size} ({} automata): {:.0} MB/s ({n} hits)",
            autos.len(),
            mb / t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    for (_, d) in files {
        let _ = d.to_ascii_lowercase();
    }
    println!("lowercase copy: {:.0} MB/s", mb / t.elapsed().as_secs_f64());
}
