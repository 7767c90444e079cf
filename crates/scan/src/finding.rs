//! The unit of output: one finding at one place, with a redacted excerpt and a stable fingerprint.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The SARIF `security-severity` score (GitHub shows >= 9.0 as critical).
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Info => "0.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }

    /// The SARIF `level`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Low | Severity::Medium => "warning",
            Severity::High | Severity::Critical => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding. It never holds a whole secret: `excerpt` is redacted and `fingerprint` is a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// Path as given on the command line joined with the walked path, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in bytes.
    pub column: u32,
    pub message: String,
    /// The line with any secret replaced by a redacted form.
    pub excerpt: String,
    /// Stable identifier for baselines and SARIF `partialFingerprints`.
    pub fingerprint: String,
    /// For `--git-history`: the commit that introduced the blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// Fingerprint of a secret: independent of where it is, so moving or copying a known secret
/// keeps its baseline entry.
pub fn secret_fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"palisade-scan/v1\0");
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    hex::encode(&h.finalize()[..16])
}

/// Fingerprint of a configuration finding: rule, file and the line's text with whitespace
/// collapsed (stable when lines move, changes when the offending text changes).
pub fn config_fingerprint(rule_id: &str, path: &str, line_text: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"palisade-scan/v1/config\0");
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(path.as_bytes());
    h.update([0u8]);
    for (i, w) in line_text.split_whitespace().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(w.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// Redacts a secret: at most the first four characters survive, then its length.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 24 {
        4
    } else if n >= 12 {
        2
    } else {
        0
    };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}…[redacted {n} chars]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_keeps_more_than_four_chars() {
        let s = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let r = redact(s);
        assert!(r.starts_with("ac09…"));
        assert!(!r.contains("bec3"));
        assert_eq!(redact("short"), "…[redacted 5 chars]");
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(secret_fingerprint("a", b"x"), secret_fingerprint("a", b"x"));
        assert_ne!(secret_fingerprint("a", b"x"), secret_fingerprint("b", b"x"));
        assert_eq!(
            config_fingerprint("r", "p", "  a   b "),
            config_fingerprint("r", "p", "a b")
        );
    }
}
