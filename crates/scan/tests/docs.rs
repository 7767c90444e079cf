//! `docs/scan-rules.md` is generated from the rule table; this test fails when they drift.
//! Regenerate with `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-scan --test docs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use palisade_scan::rules::{Category, RULES};

fn render() -> String {
    let mut s = String::from(
        "# `palisade scan` rule catalogue\n\n\
         Generated from `crates/scan/src/rules.rs` (do not edit by hand; run\n\
         `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-scan --test docs`).\n\n\
         Every finding carries the rule id, severity, file, line, column, a redacted excerpt and a\n\
         stable fingerprint. Suppress one line with `palisade:ignore[rule-id]` (or\n\
         `palisade:ignore` for every rule) on the line or the line above; ignore known findings\n\
         with `--baseline FILE` (written by `--write-baseline FILE`). Exit codes: 0 clean, 1 a\n\
         finding at or above `--fail-on` (default `low`), 2 error.\n\n\
         Secret detectors validate what they find (secp256k1 scalar range, BIP-39 checksum,\n\
         Base58Check, Ed25519 public half, PEM/base64 structure) and need key-like context where a\n\
         value alone is ambiguous, so decoys such as transaction hashes, keccak role constants,\n\
         lockfile integrity hashes and signatures stay silent. Node-flag rules read command lines,\n\
         compose `command:`, systemd `ExecStart=`, Kubernetes `args`, Dockerfile `CMD` and\n\
         `key = value` configs; they are not applied to Markdown/reStructuredText prose.\n\
         Terraform variables with literal defaults and `locals` are resolved; anything else is\n\
         treated as unknown and the rule stays silent.\n\n\
         Solidity files (`.sol`) are also analysed for vulnerable contracts by the analyser the\n\
         binary registers on the scanner; its `sol-*` rules are listed in\n\
         [solidity-rules.md](solidity-rules.md) and reported through the same outputs.\n\n",
    );
    for (cat, title) in [
        (Category::Secret, "Secrets"),
        (Category::Node, "Node flags and node configuration"),
        (Category::Container, "Containers and deployment"),
        (Category::Terraform, "Terraform"),
    ] {
        s.push_str(&format!(
            "## {title}\n\n| id | severity | title |\n|---|---|---|\n"
        ));
        for r in RULES.iter().filter(|r| r.category == cat) {
            s.push_str(&format!(
                "| [`{}`](#{}) | {} | {} |\n",
                r.id, r.id, r.severity, r.title
            ));
        }
        s.push('\n');
        for r in RULES.iter().filter(|r| r.category == cat) {
            s.push_str(&format!(
                "### {}\n\n**Severity:** {} (SARIF security-severity {})\n\n**What:** {}\n\n**Why it matters:** {}\n\n**How to fix:** {}\n\n",
                r.id,
                r.severity,
                r.severity.security_score(),
                r.what,
                r.why,
                r.fix
            ));
        }
    }
    s
}

#[test]
fn rule_catalogue_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scan-rules.md");
    let want = render();
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/scan-rules.md is stale: run PALISADE_UPDATE_DOCS=1 cargo test -p palisade-scan --test docs");
}
