//! `docs/solidity-rules.md` is generated from the rule table; this test fails when they drift.
//! Regenerate with `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-solidity --test docs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use palisade_solidity::rules::RULES;

fn render() -> String {
    let mut s = String::from(
        "# `palisade scan` Solidity rule catalogue\n\n\
         Generated from `crates/solidity/src/rules.rs` (do not edit by hand; run\n\
         `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-solidity --test docs`).\n\n\
         `palisade scan` hands every `.sol` file to this analyser (registered on the scanner by the\n\
         binary); files are analysed in parallel on the scan's worker threads. Each file is parsed\n\
         with slang (`slang_solidity` 1.3.7) at the newest language version its `pragma solidity`\n\
         allows, from 0.4.11 to 0.8.x; no compiler is downloaded. Imports are resolved within the\n\
         scan (relative paths; npm-style paths under `node_modules/` of the file's directory or an\n\
         ancestor, or against those directories; then any scanned file whose path ends with the\n\
         import path, with leading components dropped, or with `src/`/`contracts/` after the\n\
         package name), so inheritance, modifiers, state variables and internal calls of bases in\n\
         other files are known; every file is parsed once per scan however often it is imported,\n\
         cycles end, and an import that does not resolve is skipped (the analysis goes on with what\n\
         is known). Only the contracts of the file itself are reported. A file that does not parse\n\
         (or on which the parser fails) is reported (`sol-parse-error`), never skipped. Findings\n\
         use the scanner's own format and outputs (text, JSON, SARIF with rule metadata), baselines\n\
         and fingerprints (rule, file and line text); the message ends with the SWC ids, the\n\
         DASP-10 category and the detector's confidence. Suppress one line with\n\
         `palisade:ignore[rule-id]` on it or on the line above. Files nesting brackets more than\n\
         100 deep are reported as `sol-parse-error` without being parsed.\n\n\
         Every rule has a vulnerable contract that must fire and a safe look-alike that must not\n\
         in `testing/solidity-corpus/<rule-without-sol->/`; `testing/solidity-corpus/legacy/` holds\n\
         Solidity 0.4-style contracts per vulnerability class (`call.value`, `throw`, `suicide`,\n\
         `sha3`, `var`, constructors named like the contract) and `imports/` the cross-file cases.\n\n\
         | id | severity | confidence | SWC | DASP-10 | title |\n|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} | {} | {} |\n",
            r.id,
            r.id,
            r.severity,
            r.confidence.as_str(),
            if r.swc.is_empty() {
                "–".to_string()
            } else {
                r.swc.join(", ")
            },
            r.dasp,
            r.title
        ));
    }
    for r in RULES {
        s.push_str(&format!(
            "\n## {}\n\n**{}** · severity {} · confidence {} · {} · DASP: {}\n\n\
             **Detects:** {}\n\n**Why it matters:** {}\n\n**Fix:** {}\n",
            r.id,
            r.title,
            r.severity,
            r.confidence.as_str(),
            if r.swc.is_empty() {
                "no SWC id".to_string()
            } else {
                r.swc.join(", ")
            },
            r.dasp,
            r.what,
            r.why,
            r.fix
        ));
    }
    s
}

#[test]
fn rule_docs_match_the_table() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/solidity-rules.md");
    let want = render();
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got == want, "docs/solidity-rules.md is stale: run PALISADE_UPDATE_DOCS=1 cargo test -p palisade-solidity --test docs");
}
