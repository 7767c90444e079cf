//! The audit journal: committed entries in one append-only file, one frame per group commit.
//!
//! Why not the key-value store: a B-tree commit rewrites about a dozen scattered pages per group
//! (measured under signing load: ~12 pwrites and an fdatasync, ~225 µs of CPU per commit), while
//! appending one frame to pre-zeroed space is one pwrite of contiguous pages and an fdatasync
//! that changes no file metadata. Frames are encrypted by the barrier and bound to their
//! position, so the file is as opaque as the store.
//!
//! Frame: a 24-byte header in the clear — magic `PAJ1`, ciphertext length (u32 LE), first
//! sequence number (u64 LE), entry count (u32 LE), 4 zero bytes — then the barrier ciphertext
//! (context `audit/journal/{first}/{count}`) of the entries (u32 LE length + bytes each) followed
//! by the Merkle frontier after the last of them.
//!
//! Crash safety: a frame is acknowledged only after its fdatasync, and the next frame is written
//! only after that, so only the last frame can be torn by a crash. Opening walks the headers;
//! the last frame is decrypted, and if it fails authentication it is a torn write that nobody
//! was told about: it is cut off (zeroed) and the cut is reported.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use palisade_barrier::{Barrier, BarrierError};
use parking_lot::{Mutex, RwLock};

use crate::merkle::{Frontier, Hash};
use crate::AuditError;

const MAGIC: [u8; 4] = *b"PAJ1";
const HEADER_LEN: usize = 24;
/// Space is zeroed ahead of the writer in chunks this big (about 3,500 entries each).
const CHUNK: u64 = 1 << 20;
/// No honest frame comes near this (2,048 entries of a few KiB); a header claiming more is
/// not a header.
const MAX_FRAME: u64 = 64 << 20;
/// Disks write sectors whole: a torn write leaves whole sectors of the pre-zeroed space zero.
const SECTOR: u64 = 512;

#[derive(Clone, Copy, Debug)]
struct Frame {
    offset: u64,
    first_seq: u64,
    count: u32,
    len: u32,
}

impl Frame {
    fn end(&self) -> u64 {
        self.offset + HEADER_LEN as u64 + u64::from(self.len)
    }
    fn last_seq(&self) -> u64 {
        self.first_seq + u64::from(self.count)
    }
}

struct Index {
    frames: Vec<Frame>,
    /// Entries in the journal.
    size: u64,
    /// Where the next frame goes.
    end: u64,
    /// File length: everything past `end` is zeros (once `tail_clean`).
    allocated: u64,
    /// The frontier after the last frame; `None` until the tail was checked with the unsealed
    /// barrier.
    frontier: Option<Frontier>,
    /// Bytes past `end` may be a torn frame and must be zeroed before the next append.
    tail_dirty: bool,
    /// Set when opening stopped at bytes that are neither zeros nor a frame that could follow.
    unreadable_tail: Option<String>,
    /// Set when frames follow the point where the walk stopped: that is damage to committed
    /// frames, not a torn write, and the log refuses to run over it.
    damage: Option<String>,
    /// A failed fdatasync leaves the file in an unknown state: refuse everything until restart.
    poisoned: Option<String>,
    /// What recovery cut off, for the log to record.
    recovery_note: Option<String>,
}

/// One frame's entries and the frontier stored after them.
pub(crate) struct StoredGroup {
    pub first_seq: u64,
    pub entries: Vec<Vec<u8>>,
    pub frontier: Frontier,
}

pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    index: RwLock<Index>,
    /// Held by the one appender and by tail recovery, which both change the file.
    write: Mutex<()>,
    /// Whether the store was checked for a log kept there by earlier versions (and it was
    /// moved here); held while moving it.
    pub legacy_checked: Mutex<bool>,
}

fn context(first_seq: u64, count: u32) -> String {
    format!("audit/journal/{first_seq}/{count}")
}

fn encode(entries: &[Vec<u8>], frontier: &Frontier) -> Vec<u8> {
    let size =
        4 + entries.iter().map(|e| e.len() + 4).sum::<usize>() + 12 + frontier.nodes.len() * 36;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&(e.len() as u32).to_le_bytes());
        out.extend_from_slice(e);
    }
    out.extend_from_slice(&frontier.size.to_le_bytes());
    out.extend_from_slice(&(frontier.nodes.len() as u32).to_le_bytes());
    for (height, hash) in &frontier.nodes {
        out.extend_from_slice(&height.to_le_bytes());
        out.extend_from_slice(hash);
    }
    out
}

/// Reads the plaintext of a frame; `None` if it is malformed (which authenticated data from
/// this code never is).
fn decode(mut b: &[u8]) -> Option<(Vec<Vec<u8>>, Frontier)> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Some(head)
    }
    fn u32_le(b: &mut &[u8]) -> Option<u32> {
        take(b, 4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
    }
    let n = u32_le(&mut b)? as usize;
    let mut entries = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let len = u32_le(&mut b)? as usize;
        entries.push(take(&mut b, len)?.to_vec());
    }
    let size = u64::from_le_bytes(take(&mut b, 8)?.try_into().ok()?);
    let nodes_len = u32_le(&mut b)? as usize;
    let mut nodes = Vec::with_capacity(nodes_len.min(64));
    for _ in 0..nodes_len {
        let height = u32_le(&mut b)?;
        let hash: Hash = take(&mut b, 32)?.try_into().ok()?;
        nodes.push((height, hash));
    }
    b.is_empty().then_some((entries, Frontier { size, nodes }))
}

/// The offset of a plausible frame header for entries after `size` in `[from, to)`, if any.
fn later_frame(file: &File, from: u64, size: u64, to: u64) -> std::io::Result<Option<u64>> {
    let mut buf = vec![0u8; CHUNK as usize + HEADER_LEN];
    let mut at = from;
    while at < to {
        let n = ((to - at) as usize).min(buf.len());
        file.read_exact_at(&mut buf[..n], at)?;
        for i in 0..n.saturating_sub(HEADER_LEN - 1) {
            if buf[i..i + 4] != MAGIC {
                continue;
            }
            let h = &buf[i..i + HEADER_LEN];
            let len = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
            let first_seq = u64::from_le_bytes(h[8..16].try_into().unwrap_or_default());
            let count = u32::from_le_bytes([h[16], h[17], h[18], h[19]]);
            let start = at + i as u64;
            if first_seq > size
                && count > 0
                && len <= MAX_FRAME
                && start + HEADER_LEN as u64 + len <= to
            {
                return Ok(Some(start));
            }
        }
        if n < buf.len() {
            break;
        }
        // Overlap by a header's length so a header across the boundary is seen.
        at += (n - HEADER_LEN) as u64;
    }
    Ok(None)
}

/// Whether `f`'s bytes after its header include a whole zero sector: what a write cut short
/// leaves in pre-zeroed space. Ciphertext never holds 512 zero bytes, so a frame without one was
/// written whole and then changed.
fn has_zero_sector(file: &File, f: &Frame) -> std::io::Result<bool> {
    let start = f.offset + HEADER_LEN as u64;
    let end = f.end();
    let mut sector = start.div_ceil(SECTOR) * SECTOR;
    let mut buf = [0u8; SECTOR as usize];
    // A sector only partly inside the frame counts too when its frame bytes are all zero, if
    // there are enough of them that ciphertext could not be zero there by chance.
    const MIN_EVIDENCE: usize = 16;
    if !start.is_multiple_of(SECTOR) {
        let n = (sector.min(end) - start) as usize;
        file.read_exact_at(&mut buf[..n], start)?;
        if n >= MIN_EVIDENCE && buf[..n].iter().all(|b| *b == 0) {
            return Ok(true);
        }
    }
    while sector < end {
        let n = ((end - sector).min(SECTOR)) as usize;
        file.read_exact_at(&mut buf[..n], sector)?;
        if n >= MIN_EVIDENCE && buf[..n].iter().all(|b| *b == 0) {
            return Ok(true);
        }
        sector += SECTOR;
    }
    Ok(false)
}

impl Journal {
    /// Opens (or creates) the journal at `path` and indexes its frame headers. Nothing is
    /// decrypted yet: the barrier may still be sealed.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let io = |e: std::io::Error| {
            AuditError::Unavailable(format!("audit journal `{}`: {e}", path.display()))
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let existed = path.exists();
        let file = options.open(path).map_err(io)?;
        if !existed {
            // The new file's directory entry must be durable before its frames are.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
            }
        }
        let allocated = file.metadata().map_err(io)?.len();
        let mut frames = Vec::new();
        let (mut offset, mut size) = (0u64, 0u64);
        let mut header = [0u8; HEADER_LEN];
        let mut tail_dirty = false;
        let mut unreadable_tail = None;
        while offset + HEADER_LEN as u64 <= allocated {
            file.read_exact_at(&mut header, offset).map_err(io)?;
            if header.iter().all(|b| *b == 0) {
                break;
            }
            let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
            let first_seq = u64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
            let count = u32::from_le_bytes([header[16], header[17], header[18], header[19]]);
            let frame = Frame {
                offset,
                first_seq,
                count,
                len,
            };
            if header[..4] != MAGIC
                || first_seq != size
                || count == 0
                || u64::from(len) > MAX_FRAME
                || frame.end() > allocated
            {
                // Not a frame that could follow the previous one: a torn write.
                tail_dirty = true;
                unreadable_tail = Some(format!(
                    "bytes at offset {offset} are not a frame for entry {size} (a write interrupted before its header or size reached the disk)"
                ));
                break;
            }
            frames.push(frame);
            offset = frame.end();
            size = frame.last_seq();
        }
        // Whatever stopped the walk (zeros or a bad header), a torn write can only be the one
        // frame being written when the process died; a later frame past it means committed
        // frames were damaged or hidden.
        let damage = later_frame(&file, offset, size, allocated)
            .map_err(io)?
            .map(|at| {
                format!(
                    "audit journal `{}`: a frame for later entries at offset {at} follows an unreadable or zeroed header at offset {offset}: committed frames are damaged; the log refuses to run over them",
                    path.display()
                )
            });
        Ok(Self {
            path: path.to_path_buf(),
            file,
            index: RwLock::new(Index {
                frames,
                size,
                end: offset,
                allocated,
                frontier: None,
                tail_dirty,
                unreadable_tail,
                damage,
                poisoned: None,
                recovery_note: None,
            }),
            write: Mutex::new(()),
            legacy_checked: Mutex::new(false),
        })
    }

    fn io_err(&self, e: std::io::Error) -> AuditError {
        AuditError::Unavailable(format!("audit journal `{}`: {e}", self.path.display()))
    }

    fn read_frame(&self, barrier: &Barrier, f: &Frame) -> Result<StoredGroup, AuditError> {
        self.read_frame_or_torn(barrier, f).map_err(|(_, e)| e)
    }

    /// Like `read_frame`; the flag says whether the failure is what a torn write looks like
    /// (the frame fails authentication), as opposed to a sealed barrier, an I/O error or a key
    /// term the keyring does not hold.
    fn read_frame_or_torn(
        &self,
        barrier: &Barrier,
        f: &Frame,
    ) -> Result<StoredGroup, (bool, AuditError)> {
        let mut ct = vec![0u8; f.len as usize];
        self.file
            .read_exact_at(&mut ct, f.offset + HEADER_LEN as u64)
            .map_err(|e| (false, self.io_err(e)))?;
        let plain = barrier
            .decrypt_blob(&context(f.first_seq, f.count), &ct)
            .map_err(|e| match e {
                BarrierError::Sealed => (false, AuditError::Unavailable(e.to_string())),
                other => (
                    matches!(
                        other,
                        BarrierError::Tampered { .. }
                            | BarrierError::UnknownVersion { .. }
                            | BarrierError::UnknownTerm { .. }
                    ),
                    AuditError::Verify(format!(
                        "audit journal frame at offset {} (entries {}..{}): {other}",
                        f.offset,
                        f.first_seq,
                        f.last_seq()
                    )),
                ),
            })?;
        let (entries, frontier) = decode(&plain)
            .filter(|(e, _)| e.len() == f.count as usize)
            .ok_or_else(|| {
                (
                    false,
                    AuditError::Verify(format!(
                        "audit journal frame at offset {} is malformed",
                        f.offset
                    )),
                )
            })?;
        Ok(StoredGroup {
            first_seq: f.first_seq,
            entries,
            frontier,
        })
    }

    /// The frontier after the last committed entry. The first call after opening checks the
    /// tail with the (unsealed) barrier and cuts off a torn final frame.
    pub fn frontier(&self, barrier: &Barrier) -> Result<Frontier, AuditError> {
        if let Some(f) = &self.index.read().frontier {
            return Ok(f.clone());
        }
        let _w = self.write.lock();
        if let Some(f) = &self.index.read().frontier {
            return Ok(f.clone());
        }
        let mut index = self.index.write();
        if let Some(damage) = &index.damage {
            return Err(AuditError::Verify(damage.clone()));
        }
        // Decided on the current view; the index and the file change only once the new tail is
        // known good, so a failed or repeated recovery never cuts more than one frame.
        let frames = index.frames.len();
        let stored_head = |f: &Frame| -> Result<Frontier, AuditError> {
            let g = self.read_frame(barrier, f)?;
            if g.frontier.size == f.last_seq() {
                Ok(g.frontier)
            } else {
                Err(AuditError::Verify(format!(
                    "audit journal frame at offset {} stores a head that does not match its entries",
                    f.offset
                )))
            }
        };
        let mut cut = None;
        let frontier = match index.frames.last().copied() {
            None => Frontier::default(),
            Some(last) => match self.read_frame_or_torn(barrier, &last) {
                Ok(_) => stored_head(&last)?,
                Err((true, AuditError::Verify(why))) => {
                    // Only the last frame can be torn by a crash, and it was never acknowledged;
                    // but a write cut short leaves a zero sector in it. Without one the frame
                    // was written whole and changed since: damage, not a crash.
                    if !has_zero_sector(&self.file, &last).map_err(|e| self.io_err(e))? {
                        return Err(AuditError::Verify(format!(
                            "{why}; it was written whole, so this is damage rather than an interrupted write: the log refuses to run over it"
                        )));
                    }
                    let previous = match frames.checked_sub(2).map(|i| index.frames[i]) {
                        None => Frontier::default(),
                        Some(p) => stored_head(&p)?,
                    };
                    cut = Some((last, why));
                    previous
                }
                Err((_, e)) => return Err(e),
            },
        };
        let end = cut.as_ref().map_or(index.end, |(f, _)| f.offset);
        if cut.is_some() || index.tail_dirty {
            self.zero_from(end, index.allocated)?;
        }
        if let Some((f, _)) = &cut {
            index.frames.pop();
            index.size = f.first_seq;
            index.end = f.offset;
        }
        index.tail_dirty = false;
        let note = match (cut, index.unreadable_tail.take()) {
            (Some((f, why)), _) => Some(format!(
                "audit journal recovery: cut an unreadable final frame (entries {}..{}, offset {}) left by an interrupted write: {why}",
                f.first_seq,
                f.last_seq(),
                f.offset
            )),
            (None, Some(why)) => Some(format!("audit journal recovery: zeroed an unreadable tail: {why}")),
            (None, None) => None,
        };
        if let Some(note) = note {
            tracing::warn!("{note}");
            index.recovery_note = Some(note);
        }
        index.frontier = Some(frontier.clone());
        Ok(frontier)
    }

    /// Puts back a recovery note whose record could not be written.
    pub fn restore_recovery_note(&self, note: String) {
        self.index.write().recovery_note.get_or_insert(note);
    }

    /// What the last recovery cut off, once.
    pub fn take_recovery_note(&self) -> Option<String> {
        self.index.write().recovery_note.take()
    }

    fn zero_from(&self, from: u64, to: u64) -> Result<(), AuditError> {
        let zeros = vec![0u8; CHUNK as usize];
        let mut at = from;
        while at < to {
            let n = (to - at).min(CHUNK) as usize;
            self.file
                .write_all_at(&zeros[..n], at)
                .map_err(|e| self.io_err(e))?;
            at += n as u64;
        }
        self.file.sync_data().map_err(|e| self.io_err(e))
    }

    /// Appends the entries `first_seq..` as one frame and makes it durable. `frontier` is the
    /// tree after them. Only the log's writer thread calls this.
    pub fn append(
        &self,
        barrier: &Barrier,
        first_seq: u64,
        entries: &[Vec<u8>],
        frontier: &Frontier,
    ) -> Result<(), AuditError> {
        let _w = self.write.lock();
        let (offset, allocated) = {
            let index = self.index.read();
            if let Some(why) = &index.poisoned {
                return Err(AuditError::Unavailable(why.clone()));
            }
            if index.frontier.is_none() || index.size != first_seq || index.tail_dirty {
                return Err(AuditError::Unavailable(format!(
                    "audit journal is not ready to append entry {first_seq}"
                )));
            }
            (index.end, index.allocated)
        };
        let count = u32::try_from(entries.len())
            .map_err(|_| AuditError::Unavailable("audit group too large".into()))?;
        let ct = barrier.encrypt_blob(&context(first_seq, count), &encode(entries, frontier))?;
        let len = u32::try_from(ct.len())
            .ok()
            .filter(|l| u64::from(*l) <= MAX_FRAME)
            .ok_or_else(|| AuditError::Unavailable("audit group too large".into()))?;
        let mut frame = Vec::with_capacity(HEADER_LEN + ct.len());
        frame.extend_from_slice(&MAGIC);
        frame.extend_from_slice(&len.to_le_bytes());
        frame.extend_from_slice(&first_seq.to_le_bytes());
        frame.extend_from_slice(&count.to_le_bytes());
        frame.extend_from_slice(&[0u8; 4]);
        frame.extend_from_slice(&ct);
        let end = offset + frame.len() as u64;
        let result = (|| {
            // Zeroed space ahead, so that the fdatasync below rarely has metadata to write.
            let mut new_allocated = allocated;
            if end > allocated {
                let zeros = vec![0u8; CHUNK as usize];
                while new_allocated < end + CHUNK / 2 {
                    self.file.write_all_at(&zeros, new_allocated)?;
                    new_allocated += CHUNK;
                }
            }
            self.file.write_all_at(&frame, offset)?;
            self.file.sync_data()?;
            Ok::<u64, std::io::Error>(new_allocated)
        })();
        let mut index = self.index.write();
        match result {
            Ok(new_allocated) => {
                index.frames.push(Frame {
                    offset,
                    first_seq,
                    count,
                    len,
                });
                index.size = first_seq + u64::from(count);
                index.end = end;
                index.allocated = new_allocated;
                index.frontier = Some(frontier.clone());
                Ok(())
            }
            Err(e) => {
                // After a failed write or fdatasync the file's state is unknown (the kernel may
                // have dropped dirty pages): fail closed until a restart re-reads it.
                let why = format!(
                    "audit journal `{}` write failed ({e}); restart Palisade to recover the log",
                    self.path.display()
                );
                index.poisoned = Some(why.clone());
                Err(AuditError::Unavailable(why))
            }
        }
    }

    /// Committed entries.
    pub fn size(&self) -> u64 {
        self.index.read().size
    }

    fn frames_overlapping(&self, from: u64, to: u64) -> Vec<Frame> {
        let index = self.index.read();
        let start = index.frames.partition_point(|f| f.last_seq() <= from);
        index.frames[start..]
            .iter()
            .take_while(|f| f.first_seq < to)
            .copied()
            .collect()
    }

    /// Raw entries `[from, to)`; `to` must not pass the committed size.
    pub fn read(&self, barrier: &Barrier, from: u64, to: u64) -> Result<Vec<Vec<u8>>, AuditError> {
        let size = self.size();
        if to > size {
            return Err(AuditError::Verify(format!(
                "entries up to {to} requested but the log holds {size}"
            )));
        }
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        for f in self.frames_overlapping(from, to) {
            let g = self.read_frame(barrier, &f)?;
            let skip = from.saturating_sub(f.first_seq) as usize;
            let take = (to.min(f.last_seq()) - f.first_seq) as usize;
            out.extend(g.entries.into_iter().take(take).skip(skip));
        }
        Ok(out)
    }

    /// The frames holding entries `[0, size)` in order, decrypted (for verification); `size`
    /// is a committed head, which always ends on a frame boundary.
    pub fn groups(&self, barrier: &Barrier, size: u64) -> Result<Vec<StoredGroup>, AuditError> {
        let frames = self.frames_overlapping(0, size);
        frames.iter().map(|f| self.read_frame(barrier, f)).collect()
    }

    /// Test hook: where each frame starts, and where the next one would.
    #[cfg(test)]
    pub fn layout(&self) -> (Vec<u64>, u64) {
        let index = self.index.read();
        (index.frames.iter().map(|f| f.offset).collect(), index.end)
    }

    /// Test hook: re-encrypts frame `i` with `edit` applied to its entries, as an insider holding
    /// the unsealed barrier could. The header keeps the original count.
    #[cfg(test)]
    pub fn rewrite_frame(
        &self,
        barrier: &Barrier,
        i: usize,
        edit: impl FnOnce(&mut Vec<Vec<u8>>),
    ) -> Result<(), AuditError> {
        let _w = self.write.lock();
        let f = self.index.read().frames[i];
        let mut g = self.read_frame(barrier, &f)?;
        edit(&mut g.entries);
        let ct = barrier.encrypt_blob(
            &context(f.first_seq, f.count),
            &encode(&g.entries, &g.frontier),
        )?;
        assert_eq!(
            ct.len(),
            f.len as usize,
            "test edits must keep the frame length"
        );
        self.file
            .write_all_at(&ct, f.offset + HEADER_LEN as u64)
            .map_err(|e| self.io_err(e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn frame_plaintext_round_trips_and_rejects_trailing_bytes() {
        let mut f = Frontier::default();
        f.push([7; 32]);
        f.push([8; 32]);
        f.push([9; 32]);
        let entries = vec![b"{\"a\":1}".to_vec(), Vec::new(), vec![0xff; 300]];
        let plain = encode(&entries, &f);
        let (e, g) = decode(&plain).unwrap();
        assert_eq!((e, g), (entries, f));
        let mut longer = plain.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        assert!(decode(&plain[..plain.len() - 1]).is_none());
    }
}
