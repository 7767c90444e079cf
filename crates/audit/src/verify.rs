//! Offline verification of an exported log (JSON lines, one stored entry per line, byte for
//! byte) against trusted signed checkpoints.
//!
//! Each line's leaf hash is recomputed; the root of the first `n` leaves must equal the root of
//! every trusted checkpoint of size `n`. That detects any modification, deletion, insertion or
//! reordering of the first `n` entries, and a log shorter than a checkpoint has lost its tail.
//! Sequence numbers inside the entries let the report name the first line that is out of place.

use std::io::BufRead;

use crate::checkpoint::Checkpoint;
use crate::merkle::{self, Frontier, Hash};
use crate::AuditEntry;

/// Longest line accepted in an export.
const MAX_LINE: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("cannot read the exported log: {0}")]
    Io(String),
    #[error("line {line}: not an audit entry ({why})")]
    Malformed { line: u64, why: String },
    #[error("line {line}: entry has sequence {found}, expected {expected} (an entry was deleted, inserted or reordered)")]
    OutOfOrder {
        line: u64,
        expected: u64,
        found: u64,
    },
    #[error("the log has {have} entries but a trusted checkpoint commits to {want}: its tail was truncated")]
    Truncated { have: u64, want: u64 },
    #[error("the first {size} entries do not hash to the root of the trusted checkpoint (an entry was modified, deleted, inserted or reordered)")]
    RootMismatch { size: u64 },
    #[error("the trusted checkpoints name origin `{found}`, not `{expected}`")]
    WrongOrigin { expected: String, found: String },
}

/// What an offline verification established.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    /// Root of the whole exported log.
    #[serde(with = "crate::hex_hash")]
    pub root: Hash,
    /// Largest trusted checkpoint size that was matched.
    pub verified_up_to: u64,
    /// Entries after the largest checkpoint (present, but not yet covered by a signature).
    pub unanchored: u64,
}

/// Verifies exported JSON lines against `trusted` checkpoints (already signature-checked).
pub fn verify_export(
    reader: impl BufRead,
    trusted: &[Checkpoint],
) -> Result<VerifyReport, VerifyError> {
    if let Some(first) = trusted.first() {
        if let Some(other) = trusted.iter().find(|c| c.origin != first.origin) {
            return Err(VerifyError::WrongOrigin {
                expected: first.origin.clone(),
                found: other.origin.clone(),
            });
        }
    }
    let mut wanted: Vec<&Checkpoint> = trusted.iter().collect();
    wanted.sort_by_key(|c| c.size);
    let mut next_cp = 0;
    let check = |f: &Frontier, next_cp: &mut usize| -> Result<(), VerifyError> {
        while let Some(cp) = wanted.get(*next_cp) {
            if cp.size != f.size {
                break;
            }
            if f.root() != cp.root {
                return Err(VerifyError::RootMismatch { size: cp.size });
            }
            *next_cp += 1;
        }
        Ok(())
    };
    let mut f = Frontier::default();
    check(&f, &mut next_cp)?;
    let mut out_of_order: Option<VerifyError> = None;
    let mut reader = reader;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let mut limited = std::io::Read::take(&mut reader, MAX_LINE as u64 + 1);
        let n = limited
            .read_until(b'\n', &mut buf)
            .map_err(|e| VerifyError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.len() > MAX_LINE {
            return Err(VerifyError::Malformed {
                line: line_no,
                why: "line longer than 1 MiB".into(),
            });
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.is_empty() {
            return Err(VerifyError::Malformed {
                line: line_no,
                why: "empty line".into(),
            });
        }
        let entry: AuditEntry =
            serde_json::from_slice(&buf).map_err(|e| VerifyError::Malformed {
                line: line_no,
                why: e.to_string(),
            })?;
        if entry.seq != f.size && out_of_order.is_none() {
            out_of_order = Some(VerifyError::OutOfOrder {
                line: line_no,
                expected: f.size,
                found: entry.seq,
            });
        }
        f.push(merkle::leaf_hash(&buf));
        if let Err(e) = check(&f, &mut next_cp) {
            // Name the first misplaced line when there is one: it is the more precise finding.
            return Err(out_of_order.unwrap_or(e));
        }
    }
    if let Some(cp) = wanted.get(next_cp) {
        return Err(out_of_order.unwrap_or(VerifyError::Truncated {
            have: f.size,
            want: cp.size,
        }));
    }
    if let Some(e) = out_of_order {
        return Err(e);
    }
    let verified_up_to = wanted.last().map_or(0, |c| c.size);
    Ok(VerifyReport {
        entries: f.size,
        root: f.root(),
        verified_up_to,
        unanchored: f.size - verified_up_to,
    })
}

/// Root hash of the first `size` raw entries (for building checkpoints in tests and tools).
pub fn root_of_entries<T: AsRef<[u8]>>(entries: &[T]) -> Hash {
    let leaves: Vec<Hash> = entries
        .iter()
        .map(|e| merkle::leaf_hash(e.as_ref()))
        .collect();
    merkle::root_of(&leaves)
}
