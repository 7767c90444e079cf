//! Human-readable output, grouped by file, coloured on a terminal.

use std::io::Write;

use crate::error::ScanError;
use crate::finding::{Finding, Severity};
use crate::sink::{Sink, Summary};

pub struct TextPrinter<W: Write> {
    out: W,
    color: bool,
    current: Option<String>,
    counts: [u64; 5],
}

impl<W: Write> TextPrinter<W> {
    pub fn new(out: W, color: bool) -> Self {
        TextPrinter {
            out,
            color,
            current: None,
            counts: [0; 5],
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

impl<W: Write> Sink for TextPrinter<W> {
    fn finding(&mut self, f: &Finding) -> Result<(), ScanError> {
        let group = match &f.commit {
            Some(c) => format!("{} @ {}", f.path, &c[..c.len().min(12)]),
            None => f.path.clone(),
        };
        if self.current.as_deref() != Some(group.as_str()) {
            if self.current.is_some() {
                writeln!(self.out)?;
            }
            let head = self.paint("1;4", &group);
            writeln!(self.out, "{head}")?;
            self.current = Some(group);
        }
        self.counts[f.severity as usize] += 1;
        let sev = self.paint(
            sev_color(f.severity),
            &format!("{:<8}", f.severity.as_str()),
        );
        let rule = self.paint("1", &f.rule_id);
        writeln!(
            self.out,
            "  {:>5}:{:<3} {sev} {rule}  {}",
            f.line, f.column, f.message
        )?;
        let ex = self.paint("2", &f.excerpt);
        writeln!(self.out, "              {ex}")?;
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> Result<(), ScanError> {
        if self.current.is_some() {
            writeln!(self.out)?;
        }
        let parts: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .filter(|x| self.counts[**x as usize] > 0)
        .map(|x| format!("{} {}", self.counts[*x as usize], x.as_str()))
        .collect();
        let breakdown = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        writeln!(
            self.out,
            "{} finding{}{breakdown} in {} files, {:.1} MB in {} ms{}{}",
            s.findings,
            if s.findings == 1 { "" } else { "s" },
            s.files_scanned,
            s.bytes_scanned as f64 / 1e6,
            s.elapsed_ms,
            if s.suppressed > 0 {
                format!(", {} suppressed inline", s.suppressed)
            } else {
                String::new()
            },
            if s.baselined > 0 {
                format!(", {} in baseline", s.baselined)
            } else {
                String::new()
            },
        )?;
        for n in &s.notes {
            writeln!(self.out, "note: {n}")?;
        }
        self.out.flush()?;
        Ok(())
    }
}
