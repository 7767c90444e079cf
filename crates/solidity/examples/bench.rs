//! `cargo run --release --example bench -- DIR`: analyses every `.sol` file below DIR and prints
//! the file count, parse failures, findings per rule and the elapsed time.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "sol") {
            out.push(p);
        }
    }
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        return;
    };
    let mut files = Vec::new();
    walk(Path::new(&dir), &mut files);
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let t = std::time::Instant::now();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, t) in &texts {
        for i in palisade_solidity::analyse(p, t) {
            *per_rule.entry(i.rule).or_insert(0) += 1;
            if std::env::var_os("SHOW").is_some() {
                println!("{p}:{} {} {}", i.offset, i.rule, i.message);
            }
        }
    }
    let el = t.elapsed();
    let t2 = std::time::Instant::now();
    for (p, t) in &texts {
        let _ = palisade_solidity::parse::parse(p, t);
    }
    println!("parse only: {:.1} ms", t2.elapsed().as_secs_f64() * 1e3);
    println!("{} files, {:.1} ms", texts.len(), el.as_secs_f64() * 1e3);
    for (r, n) in per_rule {
        println!("{n:6} {r}");
    }
}
