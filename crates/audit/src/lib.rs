//! Tamper-evident audit log; mints [`Audited`].
//!
//! Every request is appended — durably, through the barrier — before a signature is released
//! (design invariant 4: no audit, no signature). Entries are the leaves of an RFC 6962 Merkle
//! tree whose frontier is stored with them in the same atomic write, so the stored head always
//! commits to exactly the stored entries. Appends from concurrent requests are grouped into one
//! durable write (group commit) by a dedicated writer thread.
//!
//! Around the log: [`keys`] holds the audit keys (an HMAC key for sensitive fields, an Ed25519
//! checkpoint key), [`checkpoint`] the C2SP signed-note checkpoints, [`verify`] the offline
//! verifier of exported logs, and [`AuditLog::subscribe`] the live stream of committed entries
//! that detection reads.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod keys;
pub mod merkle;
pub mod verify;

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};
use std::thread;

use palisade_barrier::{Barrier, BarrierError, Write};
use serde::{Deserialize, Serialize};

use merkle::{Frontier, Hash};

pub use checkpoint::{Checkpoint, CheckpointError, VerifierKey};
pub use keys::KEYED_HASH_PREFIX;

const HEAD_PATH: &str = "audit/head";
const ENTRY_PREFIX: &str = "audit/e/";
const CHECKPOINT_PATH: &str = "audit/checkpoint";
/// Committed entries kept for slow stream readers before they lag (and are told so).
const STREAM_DEPTH: usize = 65_536;
/// Most entries folded into one durable write.
const MAX_GROUP: usize = 2048;
/// Bound on queued appends; callers wait (backpressure) rather than grow memory.
const QUEUE_DEPTH: usize = 16_384;

#[derive(Debug, thiserror::Error, Clone)]
pub enum AuditError {
    #[error("audit log unavailable, request refused (fail closed): {0}")]
    Unavailable(String),
    #[error("audit log verification failed: {0}")]
    Verify(String),
}

impl From<BarrierError> for AuditError {
    fn from(e: BarrierError) -> Self {
        AuditError::Unavailable(e.to_string())
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub time_ms: u64,
    #[serde(flatten)]
    pub record: AuditRecord,
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

#[derive(Serialize, Deserialize)]
struct StoredHead {
    frontier: Frontier,
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

pub struct AuditLog {
    queue: mpsc::SyncSender<(AuditRecord, Reply)>,
    barrier: Arc<Barrier>,
    keys: Arc<keys::KeyCache>,
    stream: tokio::sync::broadcast::Sender<Arc<Committed>>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn entry_path(seq: u64) -> String {
    format!("{ENTRY_PREFIX}{seq:020}")
}

fn load_frontier(barrier: &Barrier) -> Result<Frontier, AuditError> {
    match barrier.get(HEAD_PATH)? {
        None => Ok(Frontier::default()),
        Some(raw) => serde_json::from_slice::<StoredHead>(&raw)
            .map(|h| h.frontier)
            .map_err(|e| AuditError::Unavailable(format!("audit head is damaged: {e}"))),
    }
}

/// The writer: drains the queue, writes each group in one atomic durable batch, then answers.
fn writer(
    barrier: Arc<Barrier>,
    keys: Arc<keys::KeyCache>,
    stream: tokio::sync::broadcast::Sender<Arc<Committed>>,
    rx: mpsc::Receiver<(AuditRecord, Reply)>,
) {
    let mut frontier: Option<Frontier> = None;
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let result = (|| -> Result<(u64, Frontier, Vec<AuditEntry>), AuditError> {
            let mut f = match &frontier {
                Some(f) => f.clone(),
                None => load_frontier(&barrier)?,
            };
            let k = keys.get(&barrier)?;
            let first_seq = f.size;
            let time_ms = now_ms();
            let mut writes = Vec::with_capacity(group.len() + 1);
            let mut entries = Vec::with_capacity(group.len());
            for (record, _) in &group {
                let mut record = record.clone();
                // INVARIANT: sensitive fields are stored only as keyed hashes.
                record.source = record.source.as_deref().map(|s| k.keyed_hash(s));
                let entry = AuditEntry {
                    seq: f.size,
                    time_ms,
                    record,
                };
                let bytes = serde_json::to_vec(&entry)
                    .map_err(|e| AuditError::Unavailable(e.to_string()))?;
                f.push(merkle::leaf_hash(&bytes));
                writes.push(Write::Put {
                    path: entry_path(entry.seq),
                    value: bytes,
                });
                entries.push(entry);
            }
            let head = serde_json::to_vec(&StoredHead {
                frontier: f.clone(),
            })
            .map_err(|e| AuditError::Unavailable(e.to_string()))?;
            writes.push(Write::Put {
                path: HEAD_PATH.into(),
                value: head,
            });
            barrier.apply(writes, Vec::new())?;
            Ok((first_seq, f, entries))
        })();
        match result {
            Ok((first_seq, f, entries)) => {
                frontier = Some(f);
                for (i, ((record, reply), entry)) in group.into_iter().zip(entries).enumerate() {
                    let _ = reply.send(Ok(first_seq + i as u64));
                    // Durable first, then published; with no reader nothing is kept.
                    if stream.receiver_count() > 0 {
                        let _ = stream.send(Arc::new(Committed {
                            entry,
                            source: record.source,
                        }));
                    }
                }
            }
            Err(e) => {
                // Re-read the head next time: a failed write must not leave a phantom frontier.
                frontier = None;
                tracing::error!(error = %e, "audit append failed; refusing the affected requests");
                for (_, reply) in group {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

impl AuditLog {
    /// Starts the writer thread over `barrier`. The log may be opened while sealed; appends fail
    /// closed until the barrier is unsealed.
    pub fn start(barrier: Arc<Barrier>) -> Result<Self, AuditError> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_DEPTH);
        let b = barrier.clone();
        let keys = Arc::new(keys::KeyCache::default());
        let (stream, _) = tokio::sync::broadcast::channel(STREAM_DEPTH);
        let (k, s) = (keys.clone(), stream.clone());
        thread::Builder::new()
            .name("palisade-audit".into())
            .spawn(move || writer(b, k, s, rx))
            .map_err(|e| AuditError::Unavailable(format!("cannot start the audit writer: {e}")))?;
        Ok(Self {
            queue: tx,
            barrier,
            keys,
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
        (from..to)
            .map(|seq| {
                self.barrier
                    .get(&entry_path(seq))?
                    .ok_or_else(|| AuditError::Verify(format!("entry {seq} is missing")))
            })
            .collect()
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
        let sent = match queue.try_send((record, tx)) {
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
        rx.await
            .map_err(|_| AuditError::Unavailable("audit writer stopped".into()))?
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
        let f = load_frontier(&self.barrier)?;
        Ok(Head {
            size: f.size,
            root: f.root(),
        })
    }

    /// Reads entries `[from, to)`.
    pub fn entries(&self, from: u64, to: u64) -> Result<Vec<AuditEntry>, AuditError> {
        let mut out = Vec::new();
        for seq in from..to {
            let raw = self
                .barrier
                .get(&entry_path(seq))?
                .ok_or_else(|| AuditError::Verify(format!("entry {seq} is missing")))?;
            out.push(
                serde_json::from_slice(&raw)
                    .map_err(|e| AuditError::Verify(format!("entry {seq} is malformed: {e}")))?,
            );
        }
        Ok(out)
    }

    /// Recomputes the tree from every stored entry and checks it against the stored head:
    /// detects modified, deleted, inserted and reordered entries.
    pub fn verify(&self) -> Result<Head, AuditError> {
        let head = self.head()?;
        let stored = self.barrier.scan(ENTRY_PREFIX)?;
        if stored.len() as u64 != head.size {
            return Err(AuditError::Verify(format!(
                "head commits to {} entries but {} are stored",
                head.size,
                stored.len()
            )));
        }
        let mut leaves = Vec::with_capacity(stored.len());
        for (i, (path, raw)) in stored.iter().enumerate() {
            let entry: AuditEntry = serde_json::from_slice(raw)
                .map_err(|e| AuditError::Verify(format!("`{path}` is malformed: {e}")))?;
            if entry.seq != i as u64 || *path != entry_path(i as u64) {
                return Err(AuditError::Verify(format!(
                    "entry at position {i} claims sequence {}",
                    entry.seq
                )));
            }
            leaves.push(merkle::leaf_hash(raw));
        }
        let root = merkle::root_of(&leaves);
        if root != head.root {
            return Err(AuditError::Verify(
                "entries do not hash to the stored root".into(),
            ));
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
