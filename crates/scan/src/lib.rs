//! `palisade scan`: leaked keys and secrets, misconfigured cloud and node deployments.
//!
//! Layout (ripgrep-like): [`walk`] finds files (parallel, `.gitignore`-aware, or every blob of
//! the git history); [`engine::Scanner`] runs the [`prefilter`] and then the detectors in
//! [`secrets`] and [`config`] on each file; findings are pushed into a [`sink::Sink`] — the
//! text, JSON and SARIF printers in [`output`], or a test collector. [`cli`] wires it to flags.
#![forbid(unsafe_code)]

/// A lazily compiled regex (`None` only if the pattern is invalid, which unit tests rule out).
#[macro_export]
#[doc(hidden)]
macro_rules! regex {
    ($p:expr) => {{
        static RE: ::std::sync::OnceLock<Option<::regex::Regex>> = ::std::sync::OnceLock::new();
        RE.get_or_init(|| ::regex::Regex::new($p).ok()).as_ref()
    }};
}

pub mod analyzer;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod finding;
pub mod keys;
pub mod output;
pub mod prefilter;
pub mod rules;
pub mod secrets;
pub mod sink;
pub mod source;
pub mod walk;

pub use analyzer::{FileAnalyzer, FileInput, RuleMeta};
pub use engine::{ScanOptions, Scanner};
pub use error::ScanError;
pub use finding::{Finding, Severity};
pub use sink::{Collect, Sink, Summary};
