//! Findings are pushed into a [`Sink`]: the same engine feeds the text, JSON and SARIF printers
//! and the tests' collector.

use crate::error::ScanError;
use crate::finding::Finding;

/// What the engine reports at the end of a scan.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub files_skipped: u64,
    pub findings: u64,
    pub suppressed: u64,
    pub baselined: u64,
    pub elapsed_ms: u64,
    /// Non-fatal problems (unreadable files, unparsable configs that were only partly checked).
    pub notes: Vec<String>,
}

/// Receives findings in a deterministic order (path, line, column, rule), then the summary.
pub trait Sink {
    fn finding(&mut self, finding: &Finding) -> Result<(), ScanError>;
    fn finish(&mut self, summary: &Summary) -> Result<(), ScanError>;
}

/// Collects findings in memory (tests, baselines).
#[derive(Debug, Default)]
pub struct Collect {
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Sink for Collect {
    fn finding(&mut self, finding: &Finding) -> Result<(), ScanError> {
        self.findings.push(finding.clone());
        Ok(())
    }
    fn finish(&mut self, summary: &Summary) -> Result<(), ScanError> {
        self.summary = summary.clone();
        Ok(())
    }
}

/// Feeds several sinks at once (a printer and a baseline writer, say).
pub struct Tee<'a>(pub Vec<&'a mut dyn Sink>);

impl Sink for Tee<'_> {
    fn finding(&mut self, finding: &Finding) -> Result<(), ScanError> {
        for s in self.0.iter_mut() {
            s.finding(finding)?;
        }
        Ok(())
    }
    fn finish(&mut self, summary: &Summary) -> Result<(), ScanError> {
        for s in self.0.iter_mut() {
            s.finish(summary)?;
        }
        Ok(())
    }
}
