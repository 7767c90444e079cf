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
         Solidity files are parsed with slang (`slang_solidity` 1.3.7) at the newest language\n\
         version their `pragma solidity` allows, from 0.4.11 to 0.8.x; no compiler is downloaded\n\
         and imports are not resolved, so inheritance, state variables and internal calls are\n\
         followed within one file. A file that does not parse is reported (`sol-parse-error`),\n\
         never skipped. Findings use the scanner's own format: rule id, severity, file, line,\n\
         column, excerpt and a fingerprint of rule, file and line text; the message ends with the\n\
         SWC ids, the DASP-10 category and the detector's confidence. Suppress one line with\n\
         `palisade:ignore[rule-id]` on it or on the line above.\n\n\
         Every rule has a vulnerable contract that must fire and a safe look-alike that must not\n\
         in `testing/solidity-corpus/<rule-without-sol->/`.\n\n\
         Status (issue 8): the analyser is the library `palisade-solidity`\n\
         (`palisade_solidity::findings` for findings, `::hits` for the scan engine's hits); the\n\
         `palisade scan` walker does not yet hand `.sol` files to it. Files nesting brackets more\n\
         than 100 deep are reported as `sol-parse-error` without being parsed.\n\n\
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
