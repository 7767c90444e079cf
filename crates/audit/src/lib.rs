//! Tamper-evident audit log; mints [`Audited`].
//!
//! Every request is appended — durably, through the barrier — before a signature is released
//! (design invariant 4: no audit, no signature). Entries are the leaves of an RFC 6962 Merkle
//! tree whose frontier is stored with them in the same atomic write, so the stored head always
//! commits to exactly the stored entries. Appends from concurrent requests are grouped into one
//! durable write (group commit) by a dedicated writer thread.
#![forbid(unsafe_code)]

pub mod merkle;

use std::sync::{mpsc, Arc};
use std::thread;

use palisade_barrier::{Barrier, BarrierError, Write};
use serde::{Deserialize, Serialize};

use merkle::{Frontier, Hash};

const HEAD_PATH: &str = "audit/head";
const ENTRY_PREFIX: &str = "audit/e/";
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

type Reply = tokio::sync::oneshot::Sender<Result<u64, AuditError>>;

pub struct AuditLog {
    queue: mpsc::SyncSender<(AuditRecord, Reply)>,
    barrier: Arc<Barrier>,
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
fn writer(barrier: Arc<Barrier>, rx: mpsc::Receiver<(AuditRecord, Reply)>) {
    let mut frontier: Option<Frontier> = None;
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let result = (|| -> Result<(u64, Frontier), AuditError> {
            let mut f = match &frontier {
                Some(f) => f.clone(),
                None => load_frontier(&barrier)?,
            };
            let first_seq = f.size;
            let time_ms = now_ms();
            let mut writes = Vec::with_capacity(group.len() + 1);
            for (record, _) in &group {
                let entry = AuditEntry {
                    seq: f.size,
                    time_ms,
                    record: record.clone(),
                };
                let bytes = serde_json::to_vec(&entry)
                    .map_err(|e| AuditError::Unavailable(e.to_string()))?;
                f.push(merkle::leaf_hash(&bytes));
                writes.push(Write::Put {
                    path: entry_path(entry.seq),
                    value: bytes,
                });
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
            Ok((first_seq, f))
        })();
        match result {
            Ok((first_seq, f)) => {
                frontier = Some(f);
                for (i, (_, reply)) in group.into_iter().enumerate() {
                    let _ = reply.send(Ok(first_seq + i as u64));
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
        thread::Builder::new()
            .name("palisade-audit".into())
            .spawn(move || writer(b, rx))
            .map_err(|e| AuditError::Unavailable(format!("cannot start the audit writer: {e}")))?;
        Ok(Self { queue: tx, barrier })
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

mod hex_hash {
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
