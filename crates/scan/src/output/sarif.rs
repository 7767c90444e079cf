//! SARIF 2.1.0 for code-scanning services: rule metadata with `security-severity`,
//! `partialFingerprints` for de-duplication, at most 25,000 results per run.

use std::io::Write;

use serde_json::{json, Value};

use crate::analyzer::RuleMeta;
use crate::error::ScanError;
use crate::finding::Finding;
use crate::rules::{Category, RULES};
use crate::sink::{Sink, Summary};

/// GitHub code scanning accepts at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;

pub struct SarifPrinter<W: Write> {
    out: W,
    findings: Vec<Finding>,
    /// Rules of registered analysers, listed after the built-in ones.
    extra_rules: Vec<RuleMeta>,
}

impl<W: Write> SarifPrinter<W> {
    pub fn new(out: W) -> Self {
        SarifPrinter {
            out,
            findings: Vec::new(),
            extra_rules: Vec::new(),
        }
    }

    /// Also describes these rules (a registered analyser's) in `tool.driver.rules`.
    pub fn with_rules(mut self, rules: Vec<RuleMeta>) -> Self {
        self.extra_rules = rules;
        self
    }
}

/// A relative path as a URI reference (percent-encoding anything outside the unreserved set).
pub fn path_uri(path: &str) -> String {
    let mut out = String::new();
    let abs = path.starts_with('/');
    if abs {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule_descriptor(r: &crate::rules::Rule) -> Value {
    let tags = match r.category {
        Category::Secret => vec!["security", "secret"],
        Category::Node => vec!["security", "node", "misconfiguration"],
        Category::Container => vec!["security", "container", "misconfiguration"],
        Category::Terraform => vec!["security", "terraform", "misconfiguration"],
    };
    json!({
        "id": r.id,
        "name": pascal(r.id),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.what },
        "help": {
            "text": format!("{}\n\nWhy it matters: {}\n\nHow to fix: {}", r.what, r.why, r.fix),
            "markdown": format!("{}\n\n**Why it matters:** {}\n\n**How to fix:** {}", r.what, r.why, r.fix),
        },
        "defaultConfiguration": { "level": r.severity.sarif_level() },
        "properties": {
            "tags": tags,
            "precision": if r.id == "generic-secret" { "medium" } else { "high" },
            "security-severity": r.severity.security_score(),
        }
    })
}

fn meta_descriptor(r: &RuleMeta) -> Value {
    let mut tags = vec!["security"];
    tags.extend(r.tags.iter().copied());
    json!({
        "id": r.id,
        "name": pascal(r.id),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.what },
        "help": {
            "text": format!("{}\n\nWhy it matters: {}\n\nHow to fix: {}", r.what, r.why, r.fix),
            "markdown": format!("{}\n\n**Why it matters:** {}\n\n**How to fix:** {}", r.what, r.why, r.fix),
        },
        "defaultConfiguration": { "level": r.severity.sarif_level() },
        "properties": {
            "tags": tags,
            "precision": r.precision,
            "security-severity": r.severity.security_score(),
        }
    })
}

impl<W: Write> Sink for SarifPrinter<W> {
    fn finding(&mut self, f: &Finding) -> Result<(), ScanError> {
        self.findings.push(f.clone());
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> Result<(), ScanError> {
        let mut rules: Vec<Value> = RULES.iter().map(rule_descriptor).collect();
        rules.extend(self.extra_rules.iter().map(meta_descriptor));
        let ids: Vec<&str> = RULES
            .iter()
            .map(|r| r.id)
            .chain(self.extra_rules.iter().map(|r| r.id))
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .take(MAX_RESULTS)
            .map(|f| {
                let index = ids.iter().position(|id| *id == f.rule_id);
                let mut region = json!({
                    "startLine": f.line.max(1),
                    "startColumn": f.column.max(1),
                });
                if !f.excerpt.is_empty() {
                    region["snippet"] = json!({ "text": f.excerpt });
                }
                let mut r = json!({
                    "ruleId": f.rule_id,
                    "level": f.severity.sarif_level(),
                    "message": { "text": f.message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": path_uri(&f.path) },
                            "region": region,
                        }
                    }],
                    "partialFingerprints": { "palisadeFingerprint/v1": f.fingerprint },
                    "properties": {
                        "severity": f.severity.as_str(),
                        "security-severity": f.severity.security_score(),
                    }
                });
                if let Some(i) = index {
                    r["ruleIndex"] = json!(i);
                }
                if let Some(c) = &f.commit {
                    r["properties"]["commit"] = json!(c);
                }
                r
            })
            .collect();
        let mut notifications = Vec::new();
        if self.findings.len() > MAX_RESULTS {
            notifications.push(json!({
                "level": "warning",
                "message": { "text": format!("{} results omitted: SARIF consumers accept at most {MAX_RESULTS} per run", self.findings.len() - MAX_RESULTS) }
            }));
        }
        for n in &s.notes {
            notifications.push(json!({ "level": "note", "message": { "text": n } }));
        }
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "palisade-scan",
                        "semanticVersion": env!("CARGO_PKG_VERSION"),
                        "rules": rules,
                    }
                },
                "invocations": [{
                    "executionSuccessful": true,
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
            }]
        });
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        writeln!(self.out)?;
        self.out.flush()?;
        Ok(())
    }
}
