//! Baseline files: known findings (by fingerprint) that a scan should not report again.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ScanError;
use crate::finding::Finding;

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    pub line: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineFile {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// The fingerprints to ignore.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, ScanError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| ScanError::Baseline {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if file.version != 1 {
            return Err(ScanError::Baseline {
                path: path.to_path_buf(),
                reason: format!("unsupported version `{}`", file.version),
            });
        }
        Ok(Baseline {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
    }

    pub fn write(path: &Path, findings: &[Finding]) -> Result<(), ScanError> {
        let file = BaselineFile {
            version: 1,
            findings: findings
                .iter()
                .map(|f| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    rule_id: f.rule_id.clone(),
                    path: f.path.clone(),
                    line: f.line,
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file)?;
        std::fs::write(path, text + "\n").map_err(|source| ScanError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}
