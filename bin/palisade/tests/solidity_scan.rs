//! `palisade scan` analyses Solidity through the scanner's own outputs: JSON and SARIF carry
//! the finding at its line, `palisade:ignore` suppresses it, baselines hide it, imports across
//! files are resolved and files that do not parse are reported.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const BANK: &str = r#"pragma solidity 0.4.24;

contract Bank {
    mapping(address => uint) public credit;

    function deposit() public payable {
        credit[msg.sender] += msg.value;
    }

    function withdraw(uint amount) public {
        require(credit[msg.sender] >= amount);
        require(msg.sender.call.value(amount)());
        credit[msg.sender] -= amount;
    }
}
"#;

fn scan(dir: &Path, format: &str, extra: &[&str]) -> (i32, String) {
    let d = path_str(dir);
    let mut args = vec!["scan", d.as_str(), "--format", format, "--no-progress"];
    args.extend_from_slice(extra);
    let (code, out, err) = cli(&args, &[]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, out)
}

fn findings(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let (_, out) = scan(dir, "json", extra);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn has(fs: &[Value], rule: &str, file: &str, line: u64) -> bool {
    fs.iter().any(|f| {
        f["rule_id"] == rule && f["path"].as_str().unwrap().ends_with(file) && f["line"] == line
    })
}

#[test]
fn solidity_findings_in_json_and_sarif_with_suppression_and_baseline() {
    let t = tempdir();
    std::fs::write(t.path().join("Bank.sol"), BANK).unwrap();

    let fs = findings(t.path(), &[]);
    assert!(has(&fs, "sol-reentrancy-eth", "Bank.sol", 12), "{fs:#?}");
    let f = fs
        .iter()
        .find(|f| f["rule_id"] == "sol-reentrancy-eth")
        .unwrap();
    assert_eq!(f["severity"], "high");
    assert!(f["excerpt"]
        .as_str()
        .unwrap()
        .contains("msg.sender.call.value(amount)()"));
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);

    // SARIF: the result at the line, and the rule described in tool.driver.rules
    let (code, out) = scan(t.path(), "sarif", &[]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let run = &sarif["runs"][0];
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "sol-reentrancy-eth")
        .expect("SARIF result");
    let loc = &result["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("Bank.sol"));
    assert_eq!(loc["region"]["startLine"], 12);
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    let rule = &run["tool"]["driver"]["rules"][index];
    assert_eq!(rule["id"], "sol-reentrancy-eth");
    assert!(rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "SWC-107"));

    // a baseline hides what is known
    let base = t.path().join("baseline.json");
    let b = path_str(&base);
    findings(t.path(), &["--write-baseline", &b]);
    let fs = findings(t.path(), &["--baseline", &b]);
    assert!(
        !fs.iter().any(|f| f["rule_id"] == "sol-reentrancy-eth"),
        "{fs:#?}"
    );
    std::fs::remove_file(&base).unwrap();

    // `palisade:ignore[rule]` on the line above suppresses exactly that rule
    let ignored = BANK.replace(
        "        require(msg.sender.call.value(amount)());",
        "        // palisade:ignore[sol-reentrancy-eth]\n        require(msg.sender.call.value(amount)());",
    );
    std::fs::write(t.path().join("Bank.sol"), ignored).unwrap();
    let (_, out) = scan(t.path(), "json", &[]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let fs = v["findings"].as_array().unwrap();
    assert!(
        !fs.iter().any(|f| f["rule_id"] == "sol-reentrancy-eth"),
        "{fs:#?}"
    );
    assert!(v["summary"]["suppressed"].as_u64().unwrap() >= 1);
}

#[test]
fn imports_resolve_across_files_and_parse_errors_are_findings() {
    let t = tempdir();
    std::fs::create_dir_all(t.path().join("access")).unwrap();
    std::fs::write(
        t.path().join("access/Gate.sol"),
        "pragma solidity 0.8.24;\nabstract contract Gate {\n    address internal boss;\n    bool public paused;\n    modifier gated() {\n        require(msg.sender == boss);\n        _;\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("Vault.sol"),
        "pragma solidity 0.8.24;\nimport \"./access/Gate.sol\";\nimport \"./Missing.sol\";\ncontract Vault is Gate {\n    function pause() external gated {\n        paused = true;\n    }\n    function unpause() external {\n        paused = false;\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("Broken.sol"),
        "pragma solidity 0.8.24;\ncontract Broken {\n    uint x = ;\n}\n",
    )
    .unwrap();
    // input on which slang's own error recovery panics: still a finding, and the scan goes on
    std::fs::write(
        t.path().join("Crash.sol"),
        "pragma solidity 0.8.24;\ncontract Crash {\n    function f( external {}\n}\n",
    )
    .unwrap();
    // a NUL byte makes a file look binary; a .sol file is still analysed (and unparsable)
    std::fs::write(
        t.path().join("Nul.sol"),
        b"pragma solidity 0.8.24;\ncontract N {\0}\n".as_slice(),
    )
    .unwrap();
    let fs = findings(t.path(), &[]);
    assert!(
        fs.iter().any(|f| f["rule_id"] == "sol-parse-error"
            && f["path"].as_str().unwrap().ends_with("Nul.sol")),
        "{fs:#?}"
    );
    // `gated` is known from the imported base: only `unpause` is unprotected
    assert!(
        !has(&fs, "sol-missing-access-control", "Vault.sol", 5),
        "{fs:#?}"
    );
    assert!(
        has(&fs, "sol-missing-access-control", "Vault.sol", 8),
        "{fs:#?}"
    );
    assert!(has(&fs, "sol-parse-error", "Broken.sol", 3), "{fs:#?}");
    assert!(
        fs.iter().any(|f| f["rule_id"] == "sol-parse-error"
            && f["path"].as_str().unwrap().ends_with("Crash.sol")),
        "{fs:#?}"
    );
}
