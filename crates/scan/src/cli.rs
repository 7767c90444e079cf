//! The `palisade scan` command: flags in, exit code out (0 clean, 1 findings at or above
//! `--fail-on`, 2 error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::analyzer::FileAnalyzer;
use crate::baseline::Baseline;
use crate::engine::{ScanOptions, Scanner};
use crate::error::ScanError;
use crate::finding::Severity;
use crate::output::{JsonPrinter, SarifPrinter, TextPrinter};
use crate::sink::{Collect, Sink, Tee};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Scan files, directories or a repository's history for leaked keys and misconfigurations.
#[derive(clap::Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not report findings whose fingerprint is in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding to FILE as a baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = Severity::Low, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Only report findings at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Info, value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// Scan every blob in the git history (each once) instead of the working tree.
    #[arg(long)]
    pub git_history: bool,
    /// Do not show a progress line.
    #[arg(long)]
    pub no_progress: bool,
    /// Do not honour .gitignore/.ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Never colour the text output.
    #[arg(long)]
    pub no_color: bool,
}

/// Runs a scan as the CLI would; returns the process exit code (0 clean, 1 findings at/above
/// --fail-on, 2 error).
pub fn run(args: &ScanArgs) -> i32 {
    run_with(args, Vec::new())
}

/// [`run`] with language analysers registered on the scanner (the binary passes the Solidity
/// analyser; this crate cannot depend on it).
pub fn run_with(args: &ScanArgs, analyzers: Vec<Arc<dyn FileAnalyzer>>) -> i32 {
    match execute(args, analyzers) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn execute(args: &ScanArgs, analyzers: Vec<Arc<dyn FileAnalyzer>>) -> Result<i32, ScanError> {
    let mut opts = ScanOptions {
        max_file_size: args.max_file_size,
        respect_ignore: !args.no_ignore,
        progress: !args.no_progress && std::io::stderr().is_terminal(),
        ..ScanOptions::default()
    };
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    let baseline = match &args.baseline {
        Some(p) => Baseline::load(p)?,
        None => Baseline::default(),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let scanner = analyzers
        .into_iter()
        .fold(Scanner::new(opts)?, Scanner::with_analyzer);
    let (mut findings, mut summary) = if args.git_history {
        let mut all = Vec::new();
        let mut sum = crate::sink::Summary::default();
        for p in &paths {
            let (f, s) = scanner.scan_git_history(p)?;
            all.extend(f);
            sum.files_scanned += s.files_scanned;
            sum.bytes_scanned += s.bytes_scanned;
            sum.files_skipped += s.files_skipped;
            sum.suppressed += s.suppressed;
            sum.elapsed_ms += s.elapsed_ms;
            sum.notes.extend(s.notes);
        }
        (all, sum)
    } else {
        scanner.scan_tree(&paths)?
    };
    findings.retain(|f| f.severity >= args.min_severity);
    crate::engine::sort_findings(&mut findings);
    if let Some(p) = &args.write_baseline {
        Baseline::write(p, &findings)?;
    }
    summary.findings = 0;

    let to_file = args.output.is_some();
    let writer: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |source| ScanError::Write {
                path: p.clone(),
                source,
            },
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let color = !args.no_color
        && !to_file
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let mut printer: Box<dyn Sink> = match args.format {
        Format::Text => Box::new(TextPrinter::new(writer, color)),
        Format::Json => Box::new(JsonPrinter::new(writer)),
        Format::Sarif => Box::new(SarifPrinter::new(writer).with_rules(scanner.analyzer_rules())),
    };
    let mut collect = Collect::default();
    let mut tee = Tee(vec![printer.as_mut(), &mut collect]);
    Scanner::report(findings, &baseline, summary, &mut tee)?;
    let fail = collect.findings.iter().any(|f| f.severity >= args.fail_on);
    Ok(i32::from(fail))
}
