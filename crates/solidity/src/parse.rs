//! Parsing with slang, at a language version chosen from the file's own pragma.

use slang_solidity::cst::{EdgeLabel, Node as SlangNode};
use slang_solidity::parser::Parser;
use slang_solidity::utils::LanguageFacts;

use crate::tree::Node;

/// Why a file could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("no supported solidity version satisfies the pragma of `{path}`")]
    NoVersion { path: String },
    #[error("cannot create a parser for solidity {version}: {reason}")]
    Parser { version: String, reason: String },
    #[error("`{path}` does not parse as solidity {version} at byte {offset}: {message}")]
    Syntax {
        path: String,
        version: String,
        offset: usize,
        message: String,
    },
}

/// A parsed file.
pub struct Parsed {
    pub version: (u64, u64, u64),
    /// Every supported version the pragmas allow, ascending.
    pub allowed: Vec<(u64, u64, u64)>,
    pub root: Node,
}

/// Parses `text` with the newest language version its pragmas allow.
pub fn parse(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let allowed: Vec<(u64, u64, u64)> = LanguageFacts::infer_language_versions(text)
        .map(|v| (v.major, v.minor, v.patch))
        .collect();
    let version = LanguageFacts::infer_language_versions(text)
        .last()
        .cloned()
        .ok_or_else(|| ParseError::NoVersion {
            path: path.to_string(),
        })?;
    let parser = Parser::create(version.clone()).map_err(|e| ParseError::Parser {
        version: version.to_string(),
        reason: e.to_string(),
    })?;
    let out = parser.parse_file_contents(text);
    if let Some(e) = out.errors().first() {
        return Err(ParseError::Syntax {
            path: path.to_string(),
            version: version.to_string(),
            offset: e.text_range().start.utf8,
            message: e.message(),
        });
    }
    let (root, _) = Node::from_slang(
        &SlangNode::Nonterminal(out.tree().clone()),
        EdgeLabel::Root,
        0,
    );
    Ok(Parsed {
        version: (version.major, version.minor, version.patch),
        allowed,
        root,
    })
}
