//! Solidity smart-contract analysis for `palisade scan`.
//!
//! [`parse`] turns a file into an owned syntax [`tree`] with slang (at the newest language
//! version the file's pragma allows, 0.4.11 to 0.8.x, no compiler download); [`model`] builds
//! contracts, linearised inheritance, functions, modifiers, state variables and the ordered
//! events of each function; [`detectors`] report [`detectors::Issue`]s, which become the
//! scanner's own [`palisade_scan::source::Hit`]s and [`palisade_scan::Finding`]s (same severity,
//! fingerprints, `palisade:ignore` suppression and printers). Rule metadata is in [`rules`].
#![forbid(unsafe_code)]

pub mod detectors;
pub mod model;
pub mod parse;
pub mod project;
pub mod rules;
pub mod tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use palisade_scan::finding::config_fingerprint;
use palisade_scan::source::{Hit, Source};
use palisade_scan::{FileAnalyzer, FileInput, Finding, RuleMeta, Severity};

pub use detectors::Issue;
pub use parse::ParseError;
pub use project::Project;

/// Is this a Solidity source file?
pub fn is_solidity(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".sol")
}

/// Analyses one file on its own (imports are not followed). A file that does not parse
/// yields one `sol-parse-error` issue (it is never skipped silently).
pub fn analyse(path: &str, text: &str) -> Vec<Issue> {
    Project::new().analyse(path, None, text)
}

impl Project {
    /// Analyses one file of the project. With `fs_path` (where the file is on disk) its
    /// imports are resolved and parsed (once per project) so that inherited contracts,
    /// modifiers and state variables are known; only this file's contracts are reported.
    pub fn analyse(&self, path: &str, fs_path: Option<&Path>, text: &str) -> Vec<Issue> {
        let source = self.unit_for(path, fs_path, text);
        let parsed = match &source.parsed {
            Ok(p) => p,
            Err(e) => {
                let offset = match e {
                    ParseError::Syntax { offset, .. } | ParseError::TooDeep { offset, .. } => {
                        *offset
                    }
                    _ => 0,
                };
                return vec![Issue {
                    rule: "sol-parse-error",
                    offset: offset.min(text.len()),
                    message: e.to_string(),
                }];
            }
        };
        let (imported, _unresolved) = self.imports_of(fs_path, &source);
        let roots: Vec<&tree::Node> = imported
            .iter()
            .filter_map(|u| u.parsed.as_ref().ok())
            .map(|p| &p.root)
            .collect();
        let unit = model::Unit::build_with(&parsed.root, &roots);
        let input = detectors::Input {
            text,
            root: &parsed.root,
            unit: &unit,
            versions: parsed.allowed.clone(),
            version: parsed.version,
        };
        let mut out = Vec::new();
        detectors::run(&input, &mut out);
        out.retain(|i| i.offset <= text.len());
        out.sort_by(|a, b| (a.offset, a.rule).cmp(&(b.offset, b.rule)));
        out.dedup_by(|a, b| a.offset == b.offset && a.rule == b.rule);
        out
    }
}

/// The issues of one file as the scanner's hits (for the scan engine: it then applies
/// de-duplication, suppression and fingerprints as for every other rule).
pub fn hits(path: &str, text: &str) -> Vec<Hit> {
    to_hits(analyse(path, text))
}

fn to_hits(issues: Vec<Issue>) -> Vec<Hit> {
    issues
        .into_iter()
        .map(|i| {
            let sev = rules::rule(i.rule).map_or(Severity::Info, |r| r.severity);
            let message = match rules::rule(i.rule) {
                Some(r) => format!(
                    "{} [{}; confidence {}]",
                    i.message,
                    tags(r),
                    r.confidence.as_str()
                ),
                None => i.message,
            };
            Hit::config(i.rule, sev, i.offset, message)
        })
        .collect()
}

fn tags(r: &rules::SolRule) -> String {
    let mut t: Vec<&str> = r.swc.to_vec();
    t.push(r.dasp);
    t.join(", ")
}

/// Analyses a file into findings, standalone (without the scan engine): inline
/// `palisade:ignore` / `palisade:ignore[rule]` on the line or the line above suppresses.
pub fn findings(path: &str, data: &[u8]) -> Vec<Finding> {
    let src = Source::new(path, data);
    let text = src.text.to_string();
    let mut out = Vec::new();
    for h in hits(path, &text) {
        let lr = src.line_range(h.offset);
        if suppressed(&src, h.offset, h.rule) {
            continue;
        }
        let (line, column) = src.line_col(h.offset);
        let line_text = src.slice(lr);
        out.push(Finding {
            rule_id: h.rule.to_string(),
            severity: h.severity,
            path: path.to_string(),
            line,
            column,
            message: h.message,
            excerpt: line_text.trim().chars().take(200).collect(),
            fingerprint: config_fingerprint(h.rule, path, line_text),
            commit: None,
        });
    }
    out
}

/// The engine's suppression syntax (kept identical; the engine's own function is private).
fn suppressed(src: &Source<'_>, offset: usize, rule: &str) -> bool {
    let mut texts = vec![src.slice(src.line_range(offset))];
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

/// The Solidity analyser as the scanner's pluggable [`FileAnalyzer`]: `palisade scan`
/// registers one per scan, so every `.sol` file (and every file it imports) is parsed once.
#[derive(Default)]
pub struct SolidityAnalyzer {
    project: Project,
}

impl SolidityAnalyzer {
    pub fn new() -> SolidityAnalyzer {
        SolidityAnalyzer::default()
    }

    /// The per-scan project (cache and resolver).
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Ready to register on a [`palisade_scan::Scanner`].
    pub fn shared() -> Arc<dyn FileAnalyzer> {
        Arc::new(SolidityAnalyzer::new())
    }
}

impl FileAnalyzer for SolidityAnalyzer {
    fn prepare(&self, roots: &[PathBuf]) {
        self.project.set_roots(roots);
    }

    fn wants(&self, path: &str) -> bool {
        is_solidity(path)
    }

    fn hits(&self, file: &FileInput<'_>) -> Vec<Hit> {
        to_hits(self.project.analyse(file.path, file.fs_path, file.text))
    }

    fn rules(&self) -> Vec<RuleMeta> {
        rules::RULES
            .iter()
            .map(|r| {
                let mut tags = vec!["solidity", "smart-contract"];
                tags.extend(r.swc.iter().copied());
                RuleMeta {
                    id: r.id,
                    severity: r.severity,
                    title: r.title,
                    what: r.what,
                    why: r.why,
                    fix: r.fix,
                    tags,
                    precision: match r.confidence {
                        rules::Confidence::High => "high",
                        rules::Confidence::Medium => "medium",
                        rules::Confidence::Low => "low",
                    },
                }
            })
            .collect()
    }
}
