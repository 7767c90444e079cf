//! Random-mutation smoke test (the stable-toolchain companion of `crates/solidity/fuzz`):
//! corpus files cut, spliced, duplicated and sprinkled with Solidity tokens go through the
//! parser, the model and every detector — alone and as a project whose files import each
//! other — without a panic, and every issue points inside its text. Deterministic (seeded);
//! `PALISADE_MUTATIONS=N` runs N mutations per file instead of the default.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

use palisade_solidity::Project;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/solidity-corpus")
}

fn sol_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sol_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "sol") {
            out.push(p);
        }
    }
}

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "\"",
    "'",
    "/*",
    "*/",
    "//",
    "\n",
    "_;",
    "=",
    "==",
    "+=",
    "-=",
    "--",
    "++",
    "%",
    "*",
    "function ",
    "modifier m() { _; }",
    "contract X is Y {",
    "import \"./A.sol\";",
    "import {A} from \"../x/A.sol\";",
    "msg.sender.call.value(1)();",
    "x.send(1);",
    "selfdestruct(msg.sender);",
    "block.timestamp",
    "now",
    "tx.origin",
    "var v = m[msg.sender];",
    "throw;",
    "unchecked {",
    "assembly {",
    "pragma solidity ^0.4.0;",
    "pragma solidity >=0.8.0;",
    "é",
    "\u{0}",
    "uint256[] storage s;",
    "mapping(address=>uint)",
    "keccak256(abi.encodePacked(a, b))",
    "return ",
    "emit E();",
    "using SafeMath for uint;",
];

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, text: &str, others: &[String]) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let a = boundary(&s, rng.below(s.len() + 1));
        let b = boundary(&s, a + rng.below(64));
        match rng.below(5) {
            0 => s.replace_range(a..b, ""),
            1 => {
                let dup = s[a..b].to_string();
                s.insert_str(a, &dup);
            }
            2 => s.insert_str(a, TOKENS[rng.below(TOKENS.len())]),
            3 => {
                // splice in a piece of another corpus file
                let o = &others[rng.below(others.len())];
                let c = boundary(o, rng.below(o.len() + 1));
                let d = boundary(o, c + rng.below(400));
                s.insert_str(a, &o[c..d]);
            }
            _ => s.truncate(a),
        }
    }
    s
}

fn iterations() -> usize {
    std::env::var("PALISADE_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

#[test]
fn mutated_files_never_panic() {
    let mut files = Vec::new();
    sol_files(&corpus(), &mut files);
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let mut rng = Rng(0x5eed_0f50_11d1_7e57);
    for (f, text) in files.iter().zip(&texts) {
        for i in 0..iterations() {
            let m = mutate(&mut rng, text, &texts);
            let issues = palisade_solidity::analyse("m.sol", &m);
            for issue in &issues {
                assert!(
                    issue.offset <= m.len(),
                    "{} mutation {i}: issue outside the text",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn mutated_projects_never_panic() {
    // the import corpus, mutated file by file, analysed as one project per round
    let src = corpus().join("imports");
    let mut files = Vec::new();
    sol_files(&src, &mut files);
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..iterations() {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        for (f, text) in files.iter().zip(&texts) {
            let rel = f.strip_prefix(&src).unwrap();
            let to = dir.path().join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let m = if rng.below(2) == 0 {
                mutate(&mut rng, text, &texts)
            } else {
                text.clone()
            };
            std::fs::write(&to, &m).unwrap();
            written.push((to, m));
        }
        let project = Project::new();
        project.set_roots(&[dir.path().to_path_buf()]);
        for (p, m) in &written {
            for issue in project.analyse(&p.display().to_string(), Some(p), m) {
                assert!(issue.offset <= m.len());
            }
        }
    }
}
