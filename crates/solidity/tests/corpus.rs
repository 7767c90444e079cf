//! The detector corpus: every finding in `testing/solidity-corpus` is annotated with
//! `// expect: RULE` on its line, and nothing else may fire.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use palisade_solidity::rules::RULES;
use palisade_solidity::Project;

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset].matches('\n').count() as u32 + 1
}

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

fn expected(text: &str) -> BTreeSet<(u32, String)> {
    let mut set = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("// expect:") {
            for r in line[pos + "// expect:".len()..].split_whitespace() {
                set.insert((i as u32 + 1, r.to_string()));
            }
        }
    }
    set
}

#[test]
fn every_corpus_file_yields_exactly_its_annotations() {
    let mut files = Vec::new();
    sol_files(&corpus(), &mut files);
    assert!(files.len() >= 50, "corpus has {} files", files.len());
    let mut failures = Vec::new();
    // one project for the whole corpus, as one `palisade scan` run: imports resolve
    let project = Project::new();
    project.set_roots(&[corpus()]);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(corpus()).unwrap().display().to_string();
        let got: BTreeSet<(u32, String)> = project
            .analyse(&name, Some(f), &text)
            .into_iter()
            .map(|i| (line_of(&text, i.offset), i.rule.to_string()))
            .collect();
        let want = expected(&text);
        if got != want {
            failures.push(format!(
                "{name}\n  unexpected: {:?}\n  missing:    {:?}",
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_vulnerable_and_a_safe_contract() {
    for r in RULES {
        let dir = corpus().join(r.id.trim_start_matches("sol-"));
        let vuln = std::fs::read_to_string(dir.join("vulnerable.sol"))
            .unwrap_or_else(|_| panic!("no vulnerable.sol for {}", r.id));
        assert!(
            expected(&vuln).iter().any(|(_, id)| id == r.id),
            "{}: vulnerable.sol does not expect the rule",
            r.id
        );
        let safe = std::fs::read_to_string(dir.join("safe.sol"))
            .unwrap_or_else(|_| panic!("no safe.sol for {}", r.id));
        assert!(
            !expected(&safe).iter().any(|(_, id)| id == r.id),
            "{}: safe.sol expects its own rule",
            r.id
        );
    }
}

#[test]
fn inline_suppression_silences_one_rule() {
    let src = "pragma solidity 0.8.24;\ncontract A {\n  function f(address t) external {\n    // palisade:ignore[sol-unchecked-lowlevel]\n    t.call(\"\");\n  }\n}\n";
    let got = palisade_solidity::findings("a.sol", src.as_bytes());
    assert!(got.is_empty(), "{got:?}");
    let other = src.replace("sol-unchecked-lowlevel", "sol-tx-origin");
    let got = palisade_solidity::findings("a.sol", other.as_bytes());
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn findings_carry_rule_severity_and_stable_fingerprints() {
    let src = "pragma solidity 0.8.24;\ncontract A {\n  address o;\n  function f() external { require(tx.origin == o); }\n}\n";
    let a = palisade_solidity::findings("a.sol", src.as_bytes());
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].rule_id, "sol-tx-origin");
    assert_eq!(a[0].severity, palisade_scan::Severity::High);
    assert!(a[0].message.contains("SWC-115"));
    let moved = format!("\n\n{src}");
    let b = palisade_solidity::findings("a.sol", moved.as_bytes());
    assert_eq!(a[0].fingerprint, b[0].fingerprint);
    assert_eq!(b[0].line, a[0].line + 2);
}

#[test]
fn nesting_just_under_the_limit_fits_a_worker_stack() {
    // test threads have the 2 MiB default stack of spawned threads, like the scan workers
    let n = palisade_solidity::parse::MAX_DEPTH - 5;
    let src = format!(
        "pragma solidity 0.8.24;\ncontract A {{ function f() external pure returns (uint) {{ return {}1{}; }} }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let got = palisade_solidity::analyse("d.sol", &src);
    assert!(got.iter().all(|i| i.rule != "sol-parse-error"), "{got:?}");
}

#[test]
fn truncated_and_mangled_files_never_panic() {
    let mut files = Vec::new();
    sol_files(&corpus(), &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for k in 1..5 {
            let mut cut = text.len() * k / 5;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let head = &text[..cut];
            let issues = palisade_solidity::analyse("t.sol", head);
            // every issue points inside the text
            assert!(issues.iter().all(|i| i.offset <= head.len()));
            // a closing brace dropped from the middle
            let mangled: String = text.replacen('}', "", k);
            let _ = palisade_solidity::analyse("m.sol", &mangled);
        }
    }
}

#[test]
fn imported_bases_are_known_and_each_file_is_parsed_once() {
    let dir = corpus().join("imports");
    let vault = dir.join("Vault.sol");
    let text = std::fs::read_to_string(&vault).unwrap();
    let rules_at = |issues: Vec<palisade_solidity::Issue>| -> Vec<(u32, &'static str)> {
        issues
            .into_iter()
            .map(|i| (line_of(&text, i.offset), i.rule))
            .collect()
    };
    // on its own the file cannot see what `gated` checks: `pause` looks unprotected
    let alone = rules_at(palisade_solidity::analyse("Vault.sol", &text));
    assert!(
        alone.contains(&(7, "sol-missing-access-control")),
        "{alone:?}"
    );
    // with the import resolved the modifier's body is known
    let project = Project::new();
    project.set_roots(std::slice::from_ref(&dir));
    let with = rules_at(project.analyse("Vault.sol", Some(&vault), &text));
    assert!(
        !with.contains(&(7, "sol-missing-access-control")),
        "{with:?}"
    );
    assert!(
        with.contains(&(11, "sol-missing-access-control")),
        "{with:?}"
    );

    // a whole scan parses every file once, however often it is imported
    let project = Project::new();
    project.set_roots(std::slice::from_ref(&dir));
    let mut files = Vec::new();
    sol_files(&dir, &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        project.analyse(&f.display().to_string(), Some(f), &text);
    }
    assert_eq!(project.parse_count(), files.len());
}
