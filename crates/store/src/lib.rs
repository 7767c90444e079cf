//! The untrusted key-value `Storage` trait and its embedded backend.
//!
//! Storage sees only ciphertext: the barrier crate is the only caller (design invariant 1).
//! The trait is synchronous and small so a PostgreSQL backend (one table `(key text primary key,
//! value bytea)`, `SELECT ... FOR UPDATE` inside a transaction for checks) can implement it
//! without any caller changing. Every write is durable before the call returns.
#![forbid(unsafe_code)]

mod redb_store;

pub use redb_store::RedbStorage;

/// One write inside an atomic [`Batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Put { key: String, value: Vec<u8> },
    Delete { key: String },
}

/// An atomic multi-record write with optional preconditions: either every check holds and every
/// op is applied, or nothing changes and [`StoreError::Conflict`] names the first failed check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// `(key, expected current value)`; `None` means "must not exist".
    pub checks: Vec<(String, Option<Vec<u8>>)>,
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn check(mut self, key: impl Into<String>, expected: Option<Vec<u8>>) -> Self {
        self.checks.push((key.into(), expected));
        self
    }
    pub fn put(mut self, key: impl Into<String>, value: Vec<u8>) -> Self {
        self.ops.push(Op::Put {
            key: key.into(),
            value,
        });
        self
    }
    pub fn delete(mut self, key: impl Into<String>) -> Self {
        self.ops.push(Op::Delete { key: key.into() });
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage precondition failed on `{key}` (it was changed concurrently)")]
    Conflict { key: String },
    #[error("data directory `{path}` cannot be opened: {reason}")]
    Open { path: String, reason: String },
    #[error("storage I/O error: {0}")]
    Io(String),
}

/// Untrusted, durable key-value storage with ordered keys.
pub trait Storage: Send + Sync + 'static {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// All `(key, value)` pairs whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Applies the batch atomically and durably (see [`Batch`]).
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;

    fn put(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.apply(Batch::new().put(key, value.to_vec()))
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.apply(Batch::new().delete(key))
    }
    /// Keys under `prefix`, in order.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .scan_prefix(prefix)?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }
    /// Replaces `key` only if it still holds `expected`; returns whether it did.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        let mut batch = Batch::new().check(key, expected.map(<[u8]>::to_vec));
        batch = match new {
            Some(v) => batch.put(key, v.to_vec()),
            None => batch.delete(key),
        };
        match self.apply(batch) {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
