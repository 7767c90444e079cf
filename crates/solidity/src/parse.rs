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
    #[error("`{path}` nests brackets {depth} deep at byte {offset}, over the limit of {limit}")]
    TooDeep {
        path: String,
        depth: usize,
        offset: usize,
        limit: usize,
    },
    #[error("`{path}` does not parse as solidity {version}: the parser failed on malformed input")]
    ParserFailed { path: String, version: String },
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

/// Deepest bracket nesting accepted. The parser and the tree walks recurse per level: about
/// 3,000 levels overflowed the 8 MiB main stack in a release build, ~195 a 2 MiB worker stack
/// in a debug build. OpenZeppelin Contracts 5.x nests at most 10 deep.
pub const MAX_DEPTH: usize = 100;

/// Parses `text` with the newest language version its pragmas allow.
pub fn parse(path: &str, text: &str) -> Result<Parsed, ParseError> {
    // INVARIANT: nothing deeper than MAX_DEPTH reaches the recursive parser or tree walks
    if let Some((depth, offset)) = too_deep(text, MAX_DEPTH) {
        return Err(ParseError::TooDeep {
            path: path.to_string(),
            depth,
            offset,
            limit: MAX_DEPTH,
        });
    }
    // INVARIANT: version inference sees only the pragma statements, so it costs a parse of a
    // few bytes rather than of the whole file
    let pragmas = pragma_text(text);
    let versions: Vec<_> = LanguageFacts::infer_language_versions(&pragmas).collect();
    let allowed: Vec<(u64, u64, u64)> = versions
        .iter()
        .map(|v| (v.major, v.minor, v.patch))
        .collect();
    let version = versions
        .last()
        .map(|v| (*v).clone())
        .ok_or_else(|| ParseError::NoVersion {
            path: path.to_string(),
        })?;
    let parser = Parser::create(version.clone()).map_err(|e| ParseError::Parser {
        version: version.to_string(),
        reason: e.to_string(),
    })?;
    // slang 1.3.7's error recovery panics on some malformed input (`function f( external {}`
    // reaches an `unreachable` in its sequence helper): such a file is a parse error, not a
    // crash of the scan
    let out = std::panic::catch_unwind(|| parser.parse_file_contents(text)).map_err(|_| {
        ParseError::ParserFailed {
            path: path.to_string(),
            version: version.to_string(),
        }
    })?;
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

/// Keeps the default panic message quiet for panics raised inside slang's parser, which
/// [`parse`] catches and reports as [`ParseError::ParserFailed`]; every other panic is
/// printed as before. For binaries (the hook is process-wide).
pub fn quiet_parser_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_parser = info
            .location()
            .is_some_and(|l| l.file().contains("slang_solidity"));
        if !in_parser {
            previous(info);
        }
    }));
}

/// The `pragma solidity ...;` statements of a file (outside comments), joined.
pub fn pragma_text(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i += b[i..]
                .iter()
                .position(|c| *c == b'\n')
                .unwrap_or(b.len() - i);
        } else if b[i..].starts_with(b"/*") {
            i += 2 + b[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(b.len(), |p| p + 2);
        } else if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b[i..].starts_with(b"pragma") && (i == 0 || !is_word(b[i - 1])) {
            let end = b[i..]
                .iter()
                .position(|c| *c == b';')
                .map_or(b.len(), |p| i + p + 1);
            let stmt = &text[i..end.min(text.len())];
            if stmt["pragma".len()..].trim_start().starts_with("solidity") {
                out.push_str(stmt);
                out.push('\n');
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The first place where `(`, `[` and `{` nest deeper than `limit` (comments and strings are
/// not skipped: over-counting only makes the bound stricter for odd files).
fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (i, c) in text.bytes().enumerate() {
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some((depth, i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_rejected_before_parsing() {
        let deep = format!(
            "contract A {{ uint x = {}1{}; }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(matches!(
            parse("d.sol", &deep),
            Err(ParseError::TooDeep { .. })
        ));
        assert!(matches!(
            parse(
                "p.sol",
                "pragma solidity 0.8.24;\ncontract B {\n    function f( external {}\n}\n"
            ),
            Err(ParseError::ParserFailed { .. }) | Err(ParseError::Syntax { .. })
        ));
        let fine = format!(
            "contract A {{ uint x = {}1{}; }}",
            "(".repeat(50),
            ")".repeat(50)
        );
        assert!(parse("f.sol", &fine).is_ok());
    }

    #[test]
    fn pragma_text_skips_comments_and_strings() {
        let t = "// pragma solidity 0.4.1;\n/* pragma solidity 0.5.0; */\nstring s = \"pragma solidity 0.6.0;\";\npragma solidity ^0.8.0;\npragma abicoder v2;\ncontract A {}";
        assert_eq!(pragma_text(t), "pragma solidity ^0.8.0;\n");
    }
}
