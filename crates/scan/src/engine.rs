//! The engine: one file in, findings out. Prefilter first, detectors only where it points,
//! then de-duplication, inline suppression, redaction and fingerprints.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::analyzer::{FileAnalyzer, FileInput, RuleMeta};
use crate::baseline::Baseline;
use crate::config;
use crate::error::ScanError;
use crate::finding::{config_fingerprint, redact, secret_fingerprint, Finding};
use crate::prefilter::{self, Prefilter, Trigger};
use crate::secrets;
use crate::sink::{Sink, Summary};
use crate::source::{Hit, Source};

/// Knobs of a scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Files larger than this are skipped (counted in the summary).
    pub max_file_size: u64,
    /// Worker threads for the walker.
    pub threads: usize,
    /// Honour `.gitignore`, `.ignore` and git excludes.
    pub respect_ignore: bool,
    /// Print a progress line on stderr.
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 10 * 1024 * 1024,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            respect_ignore: true,
            progress: false,
        }
    }
}

/// Result of scanning one file.
#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    pub suppressed: u64,
    pub notes: Vec<String>,
    pub skipped_binary: bool,
}

/// The scanner: built once, shared by all worker threads.
pub struct Scanner {
    pub(crate) opts: ScanOptions,
    prefilter: Prefilter,
    /// Language analysers registered by the composition root (the binary).
    analyzers: Vec<Arc<dyn FileAnalyzer>>,
}

/// Rules that yield to a more specific secret finding on the same line.
const WEAK_RULES: &[&str] = &[
    "generic-secret",
    "url-embedded-credentials",
    "pem-private-key",
];

impl Scanner {
    pub fn new(opts: ScanOptions) -> Result<Scanner, ScanError> {
        let prefilter = Prefilter::new().map_err(|e| {
            ScanError::Output(std::io::Error::other(format!("keyword automaton: {e}")))
        })?;
        Ok(Scanner {
            opts,
            prefilter,
            analyzers: Vec::new(),
        })
    }

    /// Registers a per-file analyser: its hits are reported like the built-in rules'.
    pub fn with_analyzer(mut self, analyzer: Arc<dyn FileAnalyzer>) -> Scanner {
        self.analyzers.push(analyzer);
        self
    }

    pub fn analyzers(&self) -> &[Arc<dyn FileAnalyzer>] {
        &self.analyzers
    }

    /// Rule metadata of every registered analyser (for SARIF).
    pub fn analyzer_rules(&self) -> Vec<RuleMeta> {
        self.analyzers.iter().flat_map(|a| a.rules()).collect()
    }

    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    /// Scans one file's bytes. `path` is the display path (also used to look for sibling
    /// password files next to keystores).
    pub fn scan_bytes(&self, path: &str, data: &[u8], commit: Option<&str>) -> FileReport {
        self.scan_file(path, None, data, commit)
    }

    /// [`Scanner::scan_bytes`] for a file that is on disk at `fs_path`, so analysers can
    /// resolve the files it refers to (Solidity imports).
    pub fn scan_file(
        &self,
        path: &str,
        fs_path: Option<&Path>,
        data: &[u8],
        commit: Option<&str>,
    ) -> FileReport {
        let mut report = FileReport::default();
        if memchr::memchr(0, &data[..data.len().min(8192)]).is_some() {
            // a source file an analyser owns is never skipped: it reports it as unparsable
            if self.analyzers.iter().any(|a| a.wants(path)) {
                let src = Source::new(path, data);
                let hits = self.analyzer_hits(path, fs_path, &src);
                self.finish(&src, hits, commit, &mut report);
            } else {
                report.skipped_binary = true;
            }
            return report;
        }
        let src = Source::new(path, data);
        let bytes = src.bytes();
        let trig = self.prefilter.scan(bytes);
        let mut hits: Vec<Hit> = Vec::new();

        // secrets: run-based candidates
        let mut runs: Vec<Range<usize>> = Vec::new();
        prefilter::long_runs(bytes, &prefilter::HEX, 64, &mut runs);
        if !runs.is_empty() {
            secrets::evm::detect(&src, &runs, &mut hits);
        }
        runs.clear();
        prefilter::long_runs(bytes, &prefilter::BASE58, 51, &mut runs);
        if !runs.is_empty() {
            secrets::packed::detect_base58(&src, &runs, &mut hits);
        }
        runs.clear();
        prefilter::long_runs(bytes, &prefilter::NUM_LIST, 127, &mut runs);
        if !runs.is_empty() {
            secrets::packed::detect_byte_arrays(&src, &runs, &mut hits);
        }
        runs.clear();
        prefilter::long_runs(bytes, &prefilter::WORDS, 47, &mut runs);
        if !runs.is_empty() {
            secrets::mnemonic::detect(&src, &runs, &mut hits);
        }
        // secrets: keyword-triggered
        if trig.has(Trigger::Json) {
            secrets::json_keys::detect(&src, &mut hits);
        }
        if trig.has(Trigger::Pem) {
            secrets::cloud::detect_pem(&src, &mut hits);
        }
        if trig.has(Trigger::Aws) {
            secrets::cloud::detect_aws(&src, &mut hits);
        }
        if trig.has(Trigger::Azure) {
            secrets::cloud::detect_azure(&src, &mut hits);
        }
        if trig.has(Trigger::RpcUrl) {
            secrets::rpc_url::detect_provider(&src, &mut hits);
        }
        if trig.has(Trigger::UrlCreds) {
            secrets::rpc_url::detect_url_credentials(&src, &trig.urls, &mut hits);
        }
        if trig.has(Trigger::SecretName) {
            secrets::generic::detect(&src, &trig.secret_names, &mut hits);
        }

        // configuration
        // prose documentation quotes flags as examples; secrets in it are still reported
        let prose = [".md", ".markdown", ".rst", ".adoc"]
            .iter()
            .any(|e| src.file_name.ends_with(e));
        if trig.has(Trigger::NodeFlag) && !prose {
            config::flags::detect(&src, &trig.node_flags, &mut hits);
        }
        let name = src.file_name.clone();
        if config::yaml::wanted(&src) {
            config::yaml::detect(&src, &mut hits);
        }
        if config::dockerfile::is_dockerfile(&name) {
            config::dockerfile::detect(&src, &mut hits);
        }
        if config::systemd::is_unit(&src) {
            config::systemd::detect(&src, &mut hits);
        }
        if name.ends_with(".tf") {
            if let Err(e) = config::terraform::detect(&src, &mut hits) {
                report.notes.push(format!(
                    "{path}: terraform not parsed ({e}); secrets still scanned"
                ));
            }
        }

        hits.extend(self.analyzer_hits(path, fs_path, &src));

        self.finish(&src, hits, commit, &mut report);
        report
    }

    fn analyzer_hits(&self, path: &str, fs_path: Option<&Path>, src: &Source<'_>) -> Vec<Hit> {
        let mut hits = Vec::new();
        for a in &self.analyzers {
            if a.wants(path) {
                hits.extend(a.hits(&FileInput {
                    path,
                    fs_path,
                    text: &src.text,
                }));
            }
        }
        hits
    }

    fn finish(
        &self,
        src: &Source<'_>,
        mut hits: Vec<Hit>,
        commit: Option<&str>,
        report: &mut FileReport,
    ) {
        hits.sort_by_key(|h| (h.offset, h.rule));
        // line of every hit
        let lines: Vec<u32> = hits.iter().map(|h| src.line_col(h.offset).0).collect();
        // a secret may sit on another line than the finding (AWS secret key under its id)
        let secret_lines: Vec<u32> = hits
            .iter()
            .zip(&lines)
            .map(|(h, l)| h.secret.as_ref().map_or(*l, |s| src.line_col(s.start).0))
            .collect();
        let mut keep = vec![true; hits.len()];
        for i in 0..hits.len() {
            // one finding per rule and line
            if (0..i).any(|j| keep[j] && lines[j] == lines[i] && hits[j].rule == hits[i].rule) {
                keep[i] = false;
                continue;
            }
            if WEAK_RULES.contains(&hits[i].rule)
                && (0..hits.len()).any(|j| {
                    j != i
                        && (lines[j] == lines[i] || secret_lines[j] == lines[i])
                        && hits[j].fingerprint_material.is_some()
                        && !WEAK_RULES.contains(&hits[j].rule)
                })
            {
                keep[i] = false;
            }
        }
        for (i, h) in hits.into_iter().enumerate() {
            if !keep[i] {
                continue;
            }
            if suppressed(src, h.offset, h.rule) {
                report.suppressed += 1;
                continue;
            }
            report.findings.push(to_finding(src, h, commit));
        }
    }

    /// Pushes findings (sorted, baseline applied) into a sink and completes the summary.
    pub fn report(
        findings: Vec<Finding>,
        baseline: &Baseline,
        mut summary: Summary,
        sink: &mut dyn Sink,
    ) -> Result<Summary, ScanError> {
        let mut findings = findings;
        sort_findings(&mut findings);
        for f in &findings {
            if baseline.contains(f) {
                summary.baselined += 1;
                continue;
            }
            summary.findings += 1;
            sink.finding(f)?;
        }
        sink.finish(&summary)?;
        Ok(summary)
    }
}

/// Deterministic order: path, line, column, rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id, &a.commit)
            .cmp(&(&b.path, b.line, b.column, &b.rule_id, &b.commit))
    });
}

/// `palisade:ignore` (any rule) or `palisade:ignore[rule-a,rule-b]` on the line or the line
/// above.
fn suppressed(src: &Source<'_>, offset: usize, rule: &str) -> bool {
    let line = src.line_range(offset);
    let mut texts = vec![src.slice(line)];
    if let Some(p) = src.prev_line_range(offset) {
        texts.push(src.slice(p));
    }
    texts.iter().any(|t| {
        let mut rest = *t;
        while let Some(i) = rest.find("palisade:ignore") {
            rest = &rest[i + "palisade:ignore".len()..];
            match rest.strip_prefix('[') {
                None => return true,
                Some(r) => {
                    let list = r.split(']').next().unwrap_or("");
                    if list.split(',').any(|x| x.trim() == rule) {
                        return true;
                    }
                }
            }
        }
        false
    })
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

fn to_finding(src: &Source<'_>, h: Hit, commit: Option<&str>) -> Finding {
    let (line, column) = src.line_col(h.offset);
    let lr = src.line_range(h.offset);
    let mut excerpt = String::new();
    match &h.secret {
        Some(s)
            if s.start < lr.end && s.end > lr.start
                || s.start == s.end && s.start >= lr.start && s.start <= lr.end =>
        {
            let a = s.start.max(lr.start);
            let b = s.end.min(lr.end);
            excerpt.push_str(src.slice(lr.start..a));
            if b > a {
                excerpt.push_str(&redact(src.slice(a..b)));
            }
            excerpt.push_str(src.slice(b..lr.end));
        }
        // the secret is on other lines
        Some(_) | None => excerpt.push_str(src.slice(lr.clone())),
    }
    let excerpt = truncate_chars(excerpt.trim(), 200);
    let fingerprint = match &h.fingerprint_material {
        Some(m) => secret_fingerprint(h.rule, m),
        None => config_fingerprint(h.rule, src.path, src.slice(lr)),
    };
    Finding {
        rule_id: h.rule.to_string(),
        severity: h.severity,
        path: src.path.to_string(),
        line,
        column,
        message: h.message,
        excerpt,
        fingerprint,
        commit: commit.map(str::to_string),
    }
}
