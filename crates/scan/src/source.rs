//! One file's text as the detectors see it, with lazily built line index.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::ops::Range;

use crate::finding::Severity;

/// What a detector reports: a rule, where, and which bytes (if any) are the secret.
#[derive(Clone, Debug)]
pub struct Hit {
    pub rule: &'static str,
    pub severity: Severity,
    /// Byte offset the finding points at.
    pub offset: usize,
    /// Byte range of the secret in the text, redacted in excerpts.
    pub secret: Option<Range<usize>>,
    /// Material of a secret fingerprint (normalised secret). `None`: configuration fingerprint.
    pub fingerprint_material: Option<Vec<u8>>,
    pub message: String,
}

impl Hit {
    /// A secret finding whose fingerprint is the normalised secret.
    pub fn secret(
        rule: &'static str,
        severity: Severity,
        span: Range<usize>,
        material: Vec<u8>,
        message: String,
    ) -> Hit {
        Hit {
            rule,
            severity,
            offset: span.start,
            secret: Some(span),
            fingerprint_material: Some(material),
            message,
        }
    }

    /// A configuration finding at `offset`.
    pub fn config(rule: &'static str, severity: Severity, offset: usize, message: String) -> Hit {
        Hit {
            rule,
            severity,
            offset,
            secret: None,
            fingerprint_material: None,
            message,
        }
    }
}

/// A file being scanned.
pub struct Source<'a> {
    /// Display path.
    pub path: &'a str,
    /// Lower-cased file name (last component).
    pub file_name: String,
    pub text: Cow<'a, str>,
    line_starts: OnceCell<Vec<usize>>,
    lower: OnceCell<String>,
}

impl<'a> Source<'a> {
    pub fn new(path: &'a str, data: &'a [u8]) -> Source<'a> {
        let file_name = path
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(path)
            .to_ascii_lowercase();
        Source {
            path,
            file_name,
            text: match std::str::from_utf8(data) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(data),
            },
            line_starts: OnceCell::new(),
            lower: OnceCell::new(),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut v = vec![0];
            v.extend(memchr::memchr_iter(b'\n', self.bytes()).map(|i| i + 1));
            v
        })
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let starts = self.starts();
        let idx = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let col = offset - starts[idx] + 1;
        (
            u32::try_from(idx + 1).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    /// Byte range of the line containing `offset` (without the newline).
    pub fn line_range(&self, offset: usize) -> Range<usize> {
        let b = self.bytes();
        let offset = offset.min(b.len());
        let start = memchr::memrchr(b'\n', &b[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &b[offset..]).map_or(b.len(), |i| offset + i);
        let end = if end > start && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end
    }

    /// Byte range of the line before the one containing `offset`, if any.
    pub fn prev_line_range(&self, offset: usize) -> Option<Range<usize>> {
        let cur = self.line_range(offset);
        if cur.start == 0 {
            return None;
        }
        Some(self.line_range(cur.start - 1))
    }

    /// Byte offset of the start of 1-based `line`.
    pub fn line_start(&self, line: usize) -> usize {
        let starts = self.starts();
        starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The whole text in ASCII lower case (same byte offsets).
    pub fn lower(&self) -> &str {
        self.lower.get_or_init(|| self.text.to_ascii_lowercase())
    }

    pub fn slice(&self, r: Range<usize>) -> &str {
        self.text.get(r).unwrap_or("")
    }
}
