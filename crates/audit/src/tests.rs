#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::sync::Arc;

use palisade_barrier::{Barrier, InitRequest};
use palisade_store::RedbStorage;

use super::*;

fn setup() -> (tempfile::TempDir, Arc<Barrier>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(RedbStorage::open(&dir.path().join("a.redb")).unwrap());
    let barrier = Arc::new(Barrier::new(storage));
    let shares = barrier
        .init(InitRequest::Shamir {
            shares: 1,
            threshold: 1,
        })
        .unwrap()
        .shares;
    barrier.submit_share(shares[0].expose_secret()).unwrap();
    (dir, barrier)
}

fn rec(i: usize) -> AuditRecord {
    AuditRecord {
        kind: "request".into(),
        action: format!("eth_sign#{i}"),
        decision: "allow".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_contiguous_and_verify() {
    let (_d, barrier) = setup();
    let log = Arc::new(AuditLog::start(barrier).unwrap());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let log = log.clone();
        tasks.push(tokio::spawn(
            async move { log.append(rec(i)).await.unwrap() },
        ));
    }
    let mut seqs: Vec<u64> = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (0..200).collect::<Vec<_>>());
    let head = log.verify().unwrap();
    assert_eq!(head.size, 200);
}

#[tokio::test]
async fn sealed_barrier_fails_closed() {
    let (_d, barrier) = setup();
    let log = AuditLog::start(barrier.clone()).unwrap();
    barrier.seal();
    let e = log
        .audit_signing(rec(0), "key_1", [0; 32])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("fail closed"), "{e}");
}

#[tokio::test]
async fn tampering_through_the_barrier_is_detected() {
    let (_d, barrier) = setup();
    let log = AuditLog::start(barrier.clone()).unwrap();
    for i in 0..5 {
        log.append(rec(i)).await.unwrap();
    }
    log.verify().unwrap();
    // An insider with an unsealed barrier rewrites entry 2.
    let mut e: AuditEntry =
        serde_json::from_slice(&barrier.get(&entry_path(2)).unwrap().unwrap()).unwrap();
    e.record.decision = "deny".into();
    barrier
        .put(&entry_path(2), &serde_json::to_vec(&e).unwrap())
        .unwrap();
    assert!(log.verify().unwrap_err().to_string().contains("root"));
    // Deleting an entry is detected too.
    barrier.delete(&entry_path(4)).unwrap();
    assert!(log.verify().unwrap_err().to_string().contains("stored"));
}
