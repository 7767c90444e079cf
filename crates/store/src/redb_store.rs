//! Embedded backend on redb: copy-on-write B-trees, checksummed pages, and an fsync on every
//! commit (`Durability::Immediate`, redb's default), so an acknowledged write survives kill -9.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::{Batch, Op, Storage, StoreError};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");

pub struct RedbStorage {
    db: Database,
}

fn io<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Io(e.to_string())
}

impl RedbStorage {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |e: &dyn std::fmt::Display| StoreError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let db = Database::create(path).map_err(|e| open_err(&e))?;
        let txn = db.begin_write().map_err(|e| open_err(&e))?;
        txn.open_table(RECORDS).map_err(|e| open_err(&e))?;
        txn.commit().map_err(|e| open_err(&e))?;
        Ok(Self { db })
    }
}

impl Storage for RedbStorage {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(io)?;
        let table = txn.open_table(RECORDS).map_err(io)?;
        Ok(table.get(key).map_err(io)?.map(|v| v.value().to_vec()))
    }

    fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read().map_err(io)?;
        let table = txn.open_table(RECORDS).map_err(io)?;
        let mut out = Vec::new();
        for item in table.range(prefix..).map_err(io)? {
            let (k, v) = item.map_err(io)?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            out.push((key.to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        // redb allows one writer at a time; checks and writes happen in the same transaction,
        // so a check cannot be invalidated between reading and committing.
        let txn = self.db.begin_write().map_err(io)?;
        {
            let mut table = txn.open_table(RECORDS).map_err(io)?;
            for (key, expected) in &batch.checks {
                let current = table
                    .get(key.as_str())
                    .map_err(io)?
                    .map(|v| v.value().to_vec());
                if current.as_deref() != expected.as_deref() {
                    return Err(StoreError::Conflict { key: key.clone() });
                }
            }
            for op in &batch.ops {
                match op {
                    Op::Put { key, value } => {
                        table.insert(key.as_str(), value.as_slice()).map_err(io)?;
                    }
                    Op::Delete { key } => {
                        table.remove(key.as_str()).map_err(io)?;
                    }
                }
            }
        }
        txn.commit().map_err(io)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, RedbStorage) {
        let dir = tempfile::tempdir().unwrap();
        let s = RedbStorage::open(&dir.path().join("db.redb")).unwrap();
        (dir, s)
    }

    #[test]
    fn put_get_delete_list() {
        let (_d, s) = store();
        s.put("a/1", b"x").unwrap();
        s.put("a/2", b"y").unwrap();
        s.put("b/1", b"z").unwrap();
        assert_eq!(s.get("a/1").unwrap().unwrap(), b"x");
        assert_eq!(s.list("a/").unwrap(), vec!["a/1", "a/2"]);
        s.delete("a/1").unwrap();
        assert_eq!(s.get("a/1").unwrap(), None);
        assert_eq!(s.list("").unwrap().len(), 2);
    }

    #[test]
    fn cas_and_atomic_batch() {
        let (_d, s) = store();
        assert!(s.compare_and_swap("k", None, Some(b"1")).unwrap());
        assert!(!s.compare_and_swap("k", None, Some(b"2")).unwrap());
        assert!(s.compare_and_swap("k", Some(b"1"), Some(b"2")).unwrap());
        // A failed check applies nothing.
        let err = s
            .apply(
                Batch::new()
                    .check("k", Some(b"1".to_vec()))
                    .put("other", b"v".to_vec()),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { ref key } if key == "k"));
        assert_eq!(s.get("other").unwrap(), None);
    }

    #[test]
    fn reopen_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db.redb");
        RedbStorage::open(&p).unwrap().put("k", b"v").unwrap();
        assert_eq!(
            RedbStorage::open(&p).unwrap().get("k").unwrap().unwrap(),
            b"v"
        );
    }

    #[test]
    fn corrupt_file_is_a_clear_open_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db.redb");
        std::fs::write(&p, vec![0x5Au8; 8192]).unwrap();
        let e = RedbStorage::open(&p).err().unwrap();
        assert!(e.to_string().contains("cannot be opened"), "{e}");
    }
}
