//! `cargo run --release --example json -- PATH...`: analyses every `.sol` file given (or found
//! below a directory) and prints one JSON object per finding on its own line:
//! `{"file":..,"line":..,"column":..,"rule":..,"severity":..,"confidence":..,"message":..}`.
//! Paths are printed as found (relative when given relative). On stderr: the file count and the
//! analysis time (reading files excluded). Used by `bench/solidity/*.sh`.
use std::io::Write;
use std::path::{Path, PathBuf};

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_file() {
        out.push(p.to_path_buf());
        return;
    }
    let Ok(rd) = std::fs::read_dir(p) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            walk(&e, out);
        } else if e.extension().is_some_and(|x| x == "sol") {
            out.push(e);
        }
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn main() {
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        walk(Path::new(&a), &mut files);
    }
    let texts: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(p).ok()?)))
        .collect();
    let t = std::time::Instant::now();
    let mut lines = Vec::new();
    for (p, data) in &texts {
        for f in palisade_solidity::findings(p, data) {
            let conf = palisade_solidity::rules::rule(&f.rule_id)
                .map_or("unknown", |r| r.confidence.as_str());
            // the message without the " [SWC..; confidence ..]" suffix that `hits` appends
            let msg = f
                .message
                .rsplit_once(" [")
                .map_or(f.message.as_str(), |x| x.0);
            lines.push(format!(
                "{{\"file\":{},\"line\":{},\"column\":{},\"rule\":{},\"severity\":{},\"confidence\":{},\"message\":{}}}",
                esc(&f.path),
                f.line,
                f.column,
                esc(&f.rule_id),
                esc(f.severity.as_str()),
                esc(conf),
                esc(msg)
            ));
        }
    }
    let el = t.elapsed();
    let mut out = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    eprintln!(
        "palisade-solidity: {} files, {} ms analysis",
        texts.len(),
        el.as_millis()
    );
}
