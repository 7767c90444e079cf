//! JSON output: `{ "version": 1, "findings": [...], "summary": {...} }`.

use std::io::Write;

use crate::error::ScanError;
use crate::finding::Finding;
use crate::sink::{Sink, Summary};

pub struct JsonPrinter<W: Write> {
    out: W,
    findings: Vec<Finding>,
}

impl<W: Write> JsonPrinter<W> {
    pub fn new(out: W) -> Self {
        JsonPrinter {
            out,
            findings: Vec::new(),
        }
    }
}

impl<W: Write> Sink for JsonPrinter<W> {
    fn finding(&mut self, f: &Finding) -> Result<(), ScanError> {
        self.findings.push(f.clone());
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> Result<(), ScanError> {
        let doc = serde_json::json!({
            "version": 1,
            "tool": { "name": "palisade-scan", "version": env!("CARGO_PKG_VERSION") },
            "findings": self.findings,
            "summary": s,
        });
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        writeln!(self.out)?;
        self.out.flush()?;
        Ok(())
    }
}
