//! Public behaviour of `cli::run`: exit codes, output formats, baseline, suppression, walker
//! rules and `--git-history`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_scan::cli::{run, Format, ScanArgs};
use palisade_scan::Severity;

const KEY_LINE: &str =
    "PRIVATE_KEY=0x85dd1b24a784e8c5a71159d276ead30f9c9de981c22a2f98985d314589cfe88d\n";

fn args(paths: &[&Path]) -> ScanArgs {
    ScanArgs {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        format: Format::Json,
        output: None,
        baseline: None,
        write_baseline: None,
        fail_on: Severity::Low,
        min_severity: Severity::Info,
        git_history: false,
        no_progress: true,
        no_ignore: false,
        max_file_size: 10 << 20,
        threads: Some(2),
        no_color: true,
    }
}

fn json_findings(path: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn exit_codes_clean_findings_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.txt", "nothing to see\n");
    let out = dir.path().join("out.json");
    let mut a = args(&[dir.path()]);
    a.output = Some(out.clone());
    assert_eq!(run(&a), 0);
    write(dir.path(), ".env", KEY_LINE);
    assert_eq!(run(&a), 1);
    // findings below --fail-on do not fail the run
    a.fail_on = Severity::Critical;
    write(
        dir.path(),
        ".env",
        "GITHUB_TOKEN=ghp_R7x2Lk9QvT4mZp8WcY3nB6dF1hJ5sA0eU2iO\n",
    );
    assert_eq!(run(&a), 0);
    assert_eq!(json_findings(&out).len(), 1);
    // a missing path is an error
    let mut bad = args(&[&dir.path().join("nope")]);
    bad.output = Some(out);
    assert_eq!(run(&bad), 2);
}

#[test]
fn baseline_hides_known_findings_and_keeps_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write(&tree, ".env", KEY_LINE);
    let base = dir.path().join("baseline.json");
    let out = dir.path().join("out.json");
    let mut a = args(&[&tree]);
    a.output = Some(out.clone());
    a.write_baseline = Some(base.clone());
    assert_eq!(run(&a), 1);
    a.write_baseline = None;
    a.baseline = Some(base.clone());
    assert_eq!(run(&a), 0, "the known finding is baselined");
    assert!(json_findings(&out).is_empty());
    // moving the line does not change a secret's fingerprint
    write(&tree, ".env", &format!("# moved\n{KEY_LINE}"));
    assert_eq!(run(&a), 0);
    write(&tree, "deploy.sh", "geth --http --http.addr 0.0.0.0\n");
    assert_eq!(run(&a), 1, "a new finding is reported");
    assert_eq!(json_findings(&out).len(), 1);
    // a corrupt baseline is an error, not an empty baseline
    std::fs::write(&base, "{not json").unwrap();
    assert_eq!(run(&a), 2);
}

#[test]
fn inline_ignore_comments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "run.sh",
        "# palisade:ignore[node-rpc-public-bind]\ngeth --http.addr 0.0.0.0 --allow-insecure-unlock\ngeth --ws.addr 0.0.0.0 # palisade:ignore\n",
    );
    let out = dir.path().join("out.json");
    let mut a = args(&[dir.path()]);
    a.output = Some(out.clone());
    assert_eq!(run(&a), 1);
    let f = json_findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule_id"], "node-insecure-unlock");
}

#[test]
fn walker_honours_gitignore_and_skips_binaries_and_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "build/\n");
    write(dir.path(), "build/leak.env", KEY_LINE);
    let mut bin = KEY_LINE.as_bytes().to_vec();
    bin.insert(0, 0);
    std::fs::write(dir.path().join("blob.dat"), bin).unwrap();
    write(
        dir.path(),
        "huge.env",
        &format!("{KEY_LINE}{}", "x".repeat(2048)),
    );
    let out = dir.path().join("out.json");
    let mut a = args(&[dir.path()]);
    a.output = Some(out.clone());
    a.max_file_size = 1024;
    assert_eq!(run(&a), 0);
    a.no_ignore = true;
    assert_eq!(run(&a), 1);
    let f = json_findings(&out);
    assert_eq!(f.len(), 1);
    assert!(f[0]["path"].as_str().unwrap().ends_with("build/leak.env"));
}

#[test]
fn git_history_finds_deleted_secrets_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    write(repo, "app/.env", KEY_LINE);
    write(repo, "copy/.env", KEY_LINE); // same blob, scanned once
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "add"]);
    std::fs::remove_dir_all(repo.join("app")).unwrap();
    std::fs::remove_dir_all(repo.join("copy")).unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "remove"]);
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut a = args(&[repo]);
    a.output = Some(out.path().to_path_buf());
    assert_eq!(run(&a), 0, "the working tree is clean");
    a.git_history = true;
    assert_eq!(run(&a), 1);
    let f = json_findings(out.path());
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "evm-private-key");
    assert_eq!(f[0]["commit"].as_str().unwrap().len(), 40);
}

#[test]
fn sarif_has_the_required_structure() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testing/scan-corpus");
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut a = args(&[&corpus]);
    a.format = Format::Sarif;
    a.output = Some(out.path().to_path_buf());
    assert_eq!(run(&a), 1);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path()).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), palisade_scan::rules::RULES.len());
    for r in rules {
        assert!(r["id"].is_string() && r["shortDescription"]["text"].is_string());
        let score: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
    }
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(matches!(
            r["level"].as_str().unwrap(),
            "note" | "warning" | "error"
        ));
        assert!(r["message"]["text"].is_string());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["palisadeFingerprint/v1"].is_string());
    }
    // critical findings map to >= 9.0 so code scanning shows them as critical
    let crit = results
        .iter()
        .find(|r| r["properties"]["severity"] == "critical")
        .unwrap();
    assert!(
        crit["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 9.0
    );
}

#[test]
fn text_output_groups_by_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", KEY_LINE);
    let out = dir.path().join("out.txt");
    let mut a = args(&[dir.path()]);
    a.format = Format::Text;
    a.output = Some(out.clone());
    assert_eq!(run(&a), 1);
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains(".env\n"));
    assert!(text.contains("critical evm-private-key"));
    assert!(!text.contains("85dd1b24a784e8c5a71159d2"));
    assert!(text.contains("1 finding (1 critical)"));
}
