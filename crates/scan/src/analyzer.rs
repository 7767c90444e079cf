//! Pluggable per-file analysers: language front ends that live in other crates (the Solidity
//! analyser depends on this crate, so this crate cannot call it) register here and report
//! [`Hit`]s, which then go through the same de-duplication, `palisade:ignore` suppression,
//! fingerprints, baselines and printers as the built-in rules.

use std::path::{Path, PathBuf};

use crate::finding::Severity;
use crate::source::Hit;

/// One file handed to an analyser.
#[derive(Clone, Copy, Debug)]
pub struct FileInput<'a> {
    /// Display path (what findings carry).
    pub path: &'a str,
    /// Where the file is on disk, when it is (a working-tree scan); `None` for git-history
    /// blobs and in-memory scans. Analysers that follow imports resolve them from here.
    pub fs_path: Option<&'a Path>,
    pub text: &'a str,
}

/// SARIF metadata of a rule an analyser reports.
#[derive(Clone, Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// SARIF tags after `security` (`solidity`, `SWC-107`, ...).
    pub tags: Vec<&'static str>,
    /// SARIF `precision`: `very-high`, `high`, `medium` or `low`.
    pub precision: &'static str,
}

/// A per-file analyser. Called from the walker's worker threads, so it must be `Sync`; it may
/// keep a per-scan cache (parsed imports) behind interior mutability.
pub trait FileAnalyzer: Send + Sync {
    /// Called once before a working-tree scan with the paths given to it, so the analyser
    /// can resolve cross-file references within the scanned tree.
    fn prepare(&self, _roots: &[PathBuf]) {}
    /// Does this analyser handle the file at display path `path`?
    fn wants(&self, path: &str) -> bool;
    /// Findings for one file, as hits on its text.
    fn hits(&self, file: &FileInput<'_>) -> Vec<Hit>;
    /// Metadata of every rule the analyser can report (SARIF `tool.driver.rules`).
    fn rules(&self) -> Vec<RuleMeta> {
        Vec::new()
    }
}
