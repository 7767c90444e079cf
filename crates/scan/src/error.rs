//! Typed errors of the scanner library.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("path `{0}` does not exist")]
    MissingPath(PathBuf),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid baseline `{path}`: {reason}")]
    Baseline { path: PathBuf, reason: String },
    #[error("git history of `{path}`: {reason}")]
    Git { path: PathBuf, reason: String },
    #[error("output: {0}")]
    Output(#[from] std::io::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}
