//! Tamper-evident audit log; mints [`Audited`].
//!
//! Every request is appended — durably, encrypted by the barrier — before a signature is
//! released (design invariant 4: no audit, no signature). Entries are the leaves of an RFC 6962
//! Merkle tree whose frontier is stored with them in the same atomic write, so the stored head
//! always commits to exactly the stored entries. Appends from concurrent requests are grouped
//! into one durable write (group commit) by a dedicated writer thread, as one frame of the
//! append-only [`journal`] file.
//!
//! Around the log: [`keys`] holds the audit keys (an HMAC key for sensitive fields, an Ed25519
//! checkpoint key), [`checkpoint`] the C2SP signed-note checkpoints, [`verify`] the offline
//! verifier of exported logs, and [`AuditLog::subscribe`] the live stream of committed entries
//! that detection reads.
#![forbid(unsafe_code)]

pub mod checkpoint;
mod journal;
pub mod keys;
pub mod merkle;
pub mod verify;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use journal::Journal;
use palisade_barrier::{Barrier, BarrierError, Write};
use serde::{Deserialize, Serialize};

use merkle::{Frontier, Hash};

pub use checkpoint::{Checkpoint, CheckpointError, VerifierKey};
pub use keys::KEYED_HASH_PREFIX;

/// Where versions before the journal kept the head and the entries (migrated on first use).
const LEGACY_HEAD_PATH: &str = "audit/head";
const LEGACY_ENTRY_PREFIX: &str = "audit/e/";
const CHECKPOINT_PATH: &str = "audit/checkpoint";
/// Committed entries kept for slow stream readers before they lag (and are told so).
const STREAM_DEPTH: usize = 65_536;
/// Most entries folded into one durable write.
const MAX_GROUP: usize = 2048;
/// Bound on queued appends; callers wait (backpressure) rather than grow memory.
const QUEUE_DEPTH: usize = 16_384;
/// When appends arrive concurrently, the writer waits this long for more before a commit:
/// each fdatasync costs ~40 µs of CPU here, and fewer, larger groups spend less of it per
/// entry (PostgreSQL's `commit_delay`). Sequential appends never wait.
const COMMIT_DELAY: Duration = Duration::from_micros(100);
/// How long records nobody waits for may gather before they are written (and lost in a crash
/// if not yet written): a stream of forwarded reads then costs one fdatasync per batch.
const DETACHED_DELAY: Duration = Duration::from_millis(2);
/// Sources whose keyed hash the writer keeps (it starts over when full or the keys change).
const MAX_HASHED_SOURCES: usize = 4096;

#[derive(Debug, thiserror::Error, Clone)]
pub enum AuditError {
    #[error("audit log unavailable, request refused (fail closed): {0}")]
    Unavailable(String),
    #[error("audit log verification failed: {0}")]
    Verify(String),
}

impl From<BarrierError> for AuditError {
    fn from(e: BarrierError) -> Self {
        match e {
            BarrierError::Tampered { .. } => AuditError::Verify(e.to_string()),
            other => AuditError::Unavailable(other.to_string()),
        }
    }
}

/// What happened, as recorded. Sensitive payloads are recorded by digest only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// `request`, `result`, `admin`, `system`.
    pub kind: String,
    /// Credential id (never the token).
    pub principal: Option<String>,
    /// JSON-RPC method or admin operation.
    pub action: String,
    /// Key id, credential id, ... the action applies to.
    pub resource: Option<String>,
    /// `allow` or `deny`.
    pub decision: String,
    pub reasons: Vec<String>,
    pub outcome: Option<String>,
    pub source: Option<String>,
    /// Hex SHA-256 / signing digest of the payload.
    pub digest: Option<String>,
    pub duration_us: Option<u64>,
    /// Structured facts for detection (e.g. `velocity_pct`, `value_wei`); omitted when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
}

/// A stored entry: the record plus its position and time.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub time_ms: u64,
    #[serde(flatten)]
    pub record: AuditRecord,
}

/// The stored form: one flat JSON object, `seq` and `time_ms` first, then the record's fields
/// in declaration order (`details` only when not empty), byte for byte what
/// `#[serde(flatten)]` writes; written by hand because serde's flatten goes through a
/// buffered map and was the audit writer's largest cost after the encryption.
impl Serialize for AuditEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = &self.record;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("time_ms", &self.time_ms)?;
        m.serialize_entry("kind", &r.kind)?;
        m.serialize_entry("principal", &r.principal)?;
        m.serialize_entry("action", &r.action)?;
        m.serialize_entry("resource", &r.resource)?;
        m.serialize_entry("decision", &r.decision)?;
        m.serialize_entry("reasons", &r.reasons)?;
        m.serialize_entry("outcome", &r.outcome)?;
        m.serialize_entry("source", &r.source)?;
        m.serialize_entry("digest", &r.digest)?;
        m.serialize_entry("duration_us", &r.duration_us)?;
        if !r.details.is_empty() {
            m.serialize_entry("details", &r.details)?;
        }
        m.end()
    }
}

/// Proof that a signing request for `digest` with `key_id` was durably audited.
/// Only this crate can create one.
#[derive(Debug)]
pub struct Audited {
    key_id: String,
    digest: [u8; 32],
    seq: u64,
}

impl Audited {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub size: u64,
    #[serde(with = "hex_hash")]
    pub root: Hash,
}

/// An entry that is durably in the log, as the live stream carries it. `source` is the
/// plaintext source address, which the stored entry holds only as a keyed hash; it never leaves
/// memory.
#[derive(Clone, Debug)]
pub struct Committed {
    pub entry: AuditEntry,
    pub source: Option<String>,
}

/// An RFC 6962 inclusion proof for one entry under a signed checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InclusionProof {
    pub seq: u64,
    pub size: u64,
    #[serde(with = "hex_hash")]
    pub leaf_hash: Hash,
    #[serde(with = "hex_hash")]
    pub root: Hash,
    pub path: Vec<String>,
}

impl InclusionProof {
    /// Checks the proof for the raw stored `entry` bytes against `root`.
    pub fn verify(&self, entry: &[u8], root: &Hash) -> bool {
        let leaf = merkle::leaf_hash(entry);
        let mut path = Vec::with_capacity(self.path.len());
        for p in &self.path {
            match hex::decode(p)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
            {
                Some(h) => path.push(h),
                None => return false,
            }
        }
        leaf == self.leaf_hash && merkle::verify_inclusion(&leaf, self.seq, self.size, &path, root)
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<u64, AuditError>>;

/// One queued append; `reply` is `None` for records nobody waits for (denials, results).
struct Job {
    record: AuditRecord,
    reply: Option<Reply>,
}

pub struct AuditLog {
    queue: mpsc::SyncSender<Job>,
    /// The writer thread, unparked when a record someone waits for is queued.
    writer: thread::Thread,
    barrier: Arc<Barrier>,
    keys: Arc<keys::KeyCache>,
    journal: Arc<Journal>,
    stream: tokio::sync::broadcast::Sender<Arc<Committed>>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The committed frontier, after the journal's tail check and, once, the move of a log kept in
/// the key-value store by earlier versions into the journal (entry bytes unchanged, so roots
/// and signed checkpoints still hold).
fn ready(barrier: &Barrier, journal: &Journal) -> Result<Frontier, AuditError> {
    let mut checked = journal.legacy_checked.lock();
    let frontier = journal.frontier(barrier)?;
    if *checked {
        return Ok(frontier);
    }
    let Some(raw_head) = barrier.get(LEGACY_HEAD_PATH)? else {
        *checked = true;
        return Ok(frontier);
    };
    #[derive(Deserialize)]
    struct LegacyHead {
        frontier: Frontier,
    }
    let head = serde_json::from_slice::<LegacyHead>(&raw_head)
        .map_err(|e| AuditError::Unavailable(format!("legacy audit head is damaged: {e}")))?
        .frontier;
    let stored = barrier.scan(LEGACY_ENTRY_PREFIX)?;
    let leaves: Vec<Hash> = stored
        .iter()
        .map(|(_, raw)| merkle::leaf_hash(raw))
        .collect();
    let mut f = Frontier::default();
    for leaf in &leaves {
        f.push(*leaf);
    }
    if f != head {
        return Err(AuditError::Verify(format!(
            "the audit log of an earlier version ({} stored entries, head of {}) does not verify; it was left in place",
            stored.len(),
            head.size
        )));
    }
    // A move interrupted by a crash left a prefix in the journal: it must be exactly the first
    // entries of the old log, and the move resumes after them.
    let done = usize::try_from(frontier.size).unwrap_or(usize::MAX);
    let mut g = Frontier::default();
    for leaf in leaves.iter().take(done) {
        g.push(*leaf);
    }
    if done > leaves.len() || g != frontier {
        return Err(AuditError::Verify(format!(
            "the audit journal ({} entries) is not a prefix of the earlier version's log ({} entries) it was being filled from",
            frontier.size, head.size
        )));
    }
    let rest: Vec<Vec<u8>> = stored[done..].iter().map(|(_, raw)| raw.clone()).collect();
    for chunk in rest.chunks(MAX_GROUP) {
        let first = g.size;
        for raw in chunk {
            g.push(merkle::leaf_hash(raw));
        }
        journal.append(barrier, first, chunk, &g)?;
    }
    let mut deletes: Vec<Write> = stored
        .into_iter()
        .map(|(path, _)| Write::Delete { path })
        .collect();
    deletes.push(Write::Delete {
        path: LEGACY_HEAD_PATH.into(),
    });
    barrier.apply(deletes, Vec::new())?;
    *checked = true;
    tracing::info!(
        entries = head.size,
        "moved the audit log into the audit journal"
    );
    Ok(head)
}

/// The writer: drains the queue, writes each group as one durable journal frame, then answers.
fn writer(
    barrier: Arc<Barrier>,
    keys: Arc<keys::KeyCache>,
    journal: Arc<Journal>,
    stream: tokio::sync::broadcast::Sender<Arc<Committed>>,
    rx: mpsc::Receiver<Job>,
) {
    let drain = |group: &mut Vec<Job>| {
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
    };
    let waited_for = |group: &[Job]| group.iter().filter(|job| job.reply.is_some()).count();
    let mut concurrent = false;
    // Keyed hashes of recent sources under the current keys: most entries come from a few
    // addresses, and an HMAC per entry was a tenth of the writer's work.
    let mut hashed_sources: (Option<Arc<keys::AuditKeys>>, HashMap<String, String>) =
        (None, HashMap::new());
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        drain(&mut group);
        if waited_for(&group) == 0 {
            // Nobody waits on these (forwarded reads, denials, results): gather more for a
            // little while, so a stream of reads costs one fdatasync per batch rather than per
            // record. Parked rather than blocked on the queue: senders of such records then
            // wake nobody, while `append` unparks the writer for a record someone waits for,
            // which ends the wait at once.
            let deadline = Instant::now() + DETACHED_DELAY;
            while group.len() < MAX_GROUP {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                thread::park_timeout(left);
                drain(&mut group);
                if waited_for(&group) > 0 {
                    break;
                }
            }
        }
        let waiting = waited_for(&group);
        if waiting > 0 && (concurrent || waiting > 1) {
            thread::sleep(COMMIT_DELAY);
            drain(&mut group);
        }
        concurrent = waited_for(&group) > 1;
        let mut recovery_note = None;
        let result = (|| -> Result<(u64, Vec<AuditEntry>), AuditError> {
            let mut f = ready(&barrier, &journal)?;
            recovery_note = journal.take_recovery_note();
            if let Some(note) = &recovery_note {
                group.insert(
                    0,
                    Job {
                        record: AuditRecord {
                            kind: "system".into(),
                            action: "audit.recover".into(),
                            decision: "allow".into(),
                            outcome: Some(note.clone()),
                            ..Default::default()
                        },
                        reply: None,
                    },
                );
            }
            let k = keys.get(&barrier)?;
            let (hashed_for, hashed) = &mut hashed_sources;
            if !hashed_for.as_ref().is_some_and(|h| Arc::ptr_eq(h, &k))
                || hashed.len() >= MAX_HASHED_SOURCES
            {
                *hashed_for = Some(k.clone());
                hashed.clear();
            }
            let first_seq = f.size;
            let time_ms = now_ms();
            let mut raw = Vec::with_capacity(group.len());
            let mut entries = Vec::with_capacity(group.len());
            for job in &mut group {
                // The record moves into its entry; the job keeps only the clear source, which
                // detection gets with the committed entry.
                let mut record = std::mem::take(&mut job.record);
                job.record.source = record.source.take();
                // INVARIANT: sensitive fields are stored only as keyed hashes.
                record.source = job.record.source.as_deref().map(|s| match hashed.get(s) {
                    Some(h) => h.clone(),
                    None => {
                        let h = k.keyed_hash(s);
                        hashed.insert(s.to_string(), h.clone());
                        h
                    }
                });
                let entry = AuditEntry {
                    seq: f.size,
                    time_ms,
                    record,
                };
                let bytes = serde_json::to_vec(&entry)
                    .map_err(|e| AuditError::Unavailable(e.to_string()))?;
                f.push(merkle::leaf_hash(&bytes));
                raw.push(bytes);
                entries.push(entry);
            }
            journal.append(&barrier, first_seq, &raw, &f)?;
            Ok((first_seq, entries))
        })();
        match result {
            Ok((first_seq, entries)) => {
                let publish = stream.receiver_count() > 0;
                for (i, (job, entry)) in group.into_iter().zip(entries).enumerate() {
                    if let Some(reply) = job.reply {
                        let _ = reply.send(Ok(first_seq + i as u64));
                    }
                    // Durable first, then published; with no reader nothing is kept.
                    if publish {
                        let _ = stream.send(Arc::new(Committed {
                            entry,
                            source: job.record.source,
                        }));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "audit append failed; refusing the affected requests");
                // A recovery note that was not written is written with the next group.
                if let Some(note) = recovery_note {
                    journal.restore_recovery_note(note);
                }
                for job in group {
                    if let Some(reply) = job.reply {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

impl AuditLog {
    /// Opens the journal at `journal_path` and starts the writer thread over it. The log may be
    /// opened while sealed; appends fail closed until the barrier is unsealed.
    pub fn start(barrier: Arc<Barrier>, journal_path: &Path) -> Result<Self, AuditError> {
        let journal = Arc::new(Journal::open(journal_path)?);
        let (tx, rx) = mpsc::sync_channel(QUEUE_DEPTH);
        let keys = Arc::new(keys::KeyCache::default());
        let (stream, _) = tokio::sync::broadcast::channel(STREAM_DEPTH);
        let (b, k, j, s) = (
            barrier.clone(),
            keys.clone(),
            journal.clone(),
            stream.clone(),
        );
        let handle = thread::Builder::new()
            .name("palisade-audit".into())
            .spawn(move || writer(b, k, j, s, rx))
            .map_err(|e| AuditError::Unavailable(format!("cannot start the audit writer: {e}")))?;
        Ok(Self {
            queue: tx,
            writer: handle.thread().clone(),
            barrier,
            keys,
            journal,
            stream,
        })
    }

    /// The live stream of committed entries, in log order. A reader that falls more than
    /// 65,536 entries behind is told how many it missed; it never slows the writer.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Committed>> {
        self.stream.subscribe()
    }

    /// Creates the audit keys if they do not exist yet (at `init`; later calls are no-ops).
    pub fn ensure_keys(&self) -> Result<(), AuditError> {
        self.keys.get(&self.barrier).map(|_| ())
    }

    /// Forgets the cached audit keys (on seal).
    pub fn wipe_keys(&self) {
        self.keys.wipe();
    }

    /// The keyed hash under which a sensitive value (a source address) is stored, so an
    /// investigator can search the log for it.
    pub fn keyed_hash(&self, value: &str) -> Result<String, AuditError> {
        Ok(self.keys.get(&self.barrier)?.keyed_hash(value))
    }

    /// The public key checkpoints are signed with, in signed-note verifier-key form.
    pub fn verifier_key(&self) -> Result<VerifierKey, AuditError> {
        Ok(self.keys.get(&self.barrier)?.verifier_key())
    }

    /// Signs a checkpoint of the current head, stores it as the latest and returns the note.
    pub fn checkpoint(&self) -> Result<String, AuditError> {
        let k = self.keys.get(&self.barrier)?;
        let head = self.head()?;
        let cp = Checkpoint {
            origin: k.origin.clone(),
            size: head.size,
            root: head.root,
        };
        let note = cp.sign(&k.origin, k.signing_key());
        self.barrier.put(CHECKPOINT_PATH, note.as_bytes())?;
        Ok(note)
    }

    /// The latest stored checkpoint note, if one was signed.
    pub fn latest_checkpoint(&self) -> Result<Option<String>, AuditError> {
        match self.barrier.get(CHECKPOINT_PATH)? {
            None => Ok(None),
            Some(raw) => String::from_utf8(raw)
                .map(Some)
                .map_err(|_| AuditError::Verify("stored checkpoint is not text".into())),
        }
    }

    /// Raw stored bytes of entries `[from, to)` (what `audit export` writes, one per line).
    pub fn raw_entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, AuditError> {
        self.ready()?;
        self.journal.read(&self.barrier, from, to)
    }

    fn ready(&self) -> Result<Frontier, AuditError> {
        if self.barrier.is_sealed() {
            return Err(BarrierError::Sealed.into());
        }
        ready(&self.barrier, &self.journal)
    }

    /// Inclusion proof of entry `seq` in the tree of the first `size` entries.
    pub fn inclusion_proof(
        &self,
        seq: u64,
        size: u64,
    ) -> Result<(InclusionProof, Vec<u8>), AuditError> {
        if seq >= size {
            return Err(AuditError::Verify(format!(
                "entry {seq} is not in a tree of {size} entries"
            )));
        }
        let raw = self.raw_entries(0, size)?;
        let leaves: Vec<Hash> = raw.iter().map(|e| merkle::leaf_hash(e)).collect();
        let path = merkle::inclusion_proof(&leaves, seq as usize)
            .iter()
            .map(hex::encode)
            .collect();
        let proof = InclusionProof {
            seq,
            size,
            leaf_hash: leaves[seq as usize],
            root: merkle::root_of(&leaves),
            path,
        };
        let entry = raw.into_iter().nth(seq as usize).unwrap_or_default();
        Ok((proof, entry))
    }

    /// Appends a record durably; returns its sequence number.
    pub async fn append(&self, record: AuditRecord) -> Result<u64, AuditError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queue = self.queue.clone();
        // `send` blocks only when the queue is full (backpressure), so keep it off the runtime.
        let job = Job {
            record,
            reply: Some(tx),
        };
        let sent = match queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(job)) => {
                tokio::task::spawn_blocking(move || queue.send(job).map_err(|_| ()))
                    .await
                    .map_err(|_| AuditError::Unavailable("audit queue task failed".into()))?
                    .map_err(|_| AuditError::Unavailable("audit writer stopped".into()))
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                Err(AuditError::Unavailable("audit writer stopped".into()))
            }
        };
        sent?;
        self.writer.unpark();
        rx.await
            .map_err(|_| AuditError::Unavailable("audit writer stopped".into()))?
    }

    /// Appends a record nobody waits for (a denial, the result of a signature) without blocking
    /// or spawning a task; a failed append is logged by the writer. When the queue is full the
    /// record waits for room on the blocking pool rather than being dropped.
    pub fn append_detached(&self, record: AuditRecord) {
        let job = Job {
            record,
            reply: None,
        };
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(job)) => {
                let queue = self.queue.clone();
                match tokio::runtime::Handle::try_current() {
                    Ok(rt) => {
                        rt.spawn_blocking(move || {
                            let _ = queue.send(job);
                        });
                    }
                    Err(_) => {
                        let _ = queue.send(job);
                    }
                }
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                tracing::error!("audit writer stopped; a background audit record was lost");
            }
        }
    }

    /// Appends the record of an approved signing request and returns the proof the signer needs.
    pub async fn audit_signing(
        &self,
        record: AuditRecord,
        key_id: &str,
        digest: [u8; 32],
    ) -> Result<Audited, AuditError> {
        let seq = self.append(record).await?;
        Ok(Audited {
            key_id: key_id.to_string(),
            digest,
            seq,
        })
    }

    /// Current tree size and root.
    pub fn head(&self) -> Result<Head, AuditError> {
        let f = self.ready()?;
        Ok(Head {
            size: f.size,
            root: f.root(),
        })
    }

    /// Reads entries `[from, to)`.
    pub fn entries(&self, from: u64, to: u64) -> Result<Vec<AuditEntry>, AuditError> {
        self.raw_entries(from, to)?
            .iter()
            .zip(from..)
            .map(|(raw, seq)| {
                serde_json::from_slice(raw)
                    .map_err(|e| AuditError::Verify(format!("entry {seq} is malformed: {e}")))
            })
            .collect()
    }

    /// Decrypts every stored frame and recomputes the tree: each entry must carry its position,
    /// and the head stored with every frame must be the tree of exactly the entries before it.
    /// Detects modified, deleted, inserted and reordered entries.
    pub fn verify(&self) -> Result<Head, AuditError> {
        let head = self.head()?;
        // The latest signed checkpoint pins a prefix: a log cut back below it (a truncated or
        // replaced journal) is caught here even though it is self-consistent.
        let pinned = match self.latest_checkpoint()? {
            None => None,
            Some(note) => Some(self.verifier_key()?.open(&note).map_err(|e| {
                AuditError::Verify(format!("the stored checkpoint does not verify: {e}"))
            })?),
        };
        if let Some(cp) = pinned.as_ref().filter(|cp| cp.size > head.size) {
            return Err(AuditError::Verify(format!(
                "the log holds {} entries but its latest signed checkpoint covers {}: entries were cut",
                head.size, cp.size
            )));
        }
        let mut pinned_root_ok = pinned.as_ref().is_none_or(|cp| cp.size == 0);
        let mut f = Frontier::default();
        for group in self.journal.groups(&self.barrier, head.size)? {
            if group.first_seq != f.size {
                return Err(AuditError::Verify(format!(
                    "a stored group starts at entry {} where entry {} was expected",
                    group.first_seq, f.size
                )));
            }
            for raw in &group.entries {
                let seq = f.size;
                let entry: AuditEntry = serde_json::from_slice(raw)
                    .map_err(|e| AuditError::Verify(format!("entry {seq} is malformed: {e}")))?;
                if entry.seq != seq {
                    return Err(AuditError::Verify(format!(
                        "entry at position {seq} claims sequence {}",
                        entry.seq
                    )));
                }
                f.push(merkle::leaf_hash(raw));
                if let Some(cp) = pinned.as_ref().filter(|cp| cp.size == f.size) {
                    pinned_root_ok = cp.root == f.root();
                }
            }
            if group.frontier != f {
                return Err(AuditError::Verify(format!(
                    "entries 0..{} do not hash to the root stored with them",
                    f.size
                )));
            }
        }
        if !pinned_root_ok {
            return Err(AuditError::Verify(
                "the first entries no longer hash to the root of the latest signed checkpoint"
                    .into(),
            ));
        }
        if f.size != head.size || f.root() != head.root {
            return Err(AuditError::Verify(format!(
                "head commits to {} entries but {} are stored",
                head.size, f.size
            )));
        }
        Ok(head)
    }
}

pub(crate) mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(s).map_err(serde::de::Error::custom)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("hash must be 32 bytes"))
    }
}

#[cfg(test)]
mod tests;
