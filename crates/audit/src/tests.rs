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

/// An exported log (one stored entry per line) and the verified checkpoint over all of it.
async fn exported(n: usize) -> (tempfile::TempDir, AuditLog, Vec<String>, Checkpoint) {
    let (d, barrier) = setup();
    let log = AuditLog::start(barrier).unwrap();
    for i in 0..n {
        log.append(rec(i)).await.unwrap();
    }
    let note = log.checkpoint().unwrap();
    let cp = log.verifier_key().unwrap().open(&note).unwrap();
    assert_eq!(cp.size, n as u64);
    let lines = log
        .raw_entries(0, n as u64)
        .unwrap()
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();
    (d, log, lines, cp)
}

fn verify_lines(
    lines: &[String],
    cp: &Checkpoint,
) -> Result<verify::VerifyReport, verify::VerifyError> {
    let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    verify::verify_export(text.as_bytes(), std::slice::from_ref(cp))
}

#[tokio::test]
async fn untouched_export_verifies_against_the_signed_checkpoint() {
    let (_d, _log, lines, cp) = exported(9).await;
    let r = verify_lines(&lines, &cp).unwrap();
    assert_eq!((r.entries, r.verified_up_to, r.unanchored), (9, 9, 0));
    assert_eq!(r.root, cp.root);
}

#[tokio::test]
async fn modified_entry_is_detected() {
    let (_d, _log, mut lines, cp) = exported(9).await;
    lines[3] = lines[3].replace("\"allow\"", "\"deny\"");
    assert_eq!(
        verify_lines(&lines, &cp).unwrap_err(),
        verify::VerifyError::RootMismatch { size: 9 }
    );
}

#[tokio::test]
async fn deleted_entry_is_detected() {
    let (_d, _log, mut lines, cp) = exported(9).await;
    lines.remove(4);
    assert_eq!(
        verify_lines(&lines, &cp).unwrap_err(),
        verify::VerifyError::OutOfOrder {
            line: 5,
            expected: 4,
            found: 5
        }
    );
    // Renumbering the rest to hide the gap does not help: the root no longer matches.
    let renumbered: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut e: AuditEntry = serde_json::from_str(l).unwrap();
            e.seq = i as u64;
            serde_json::to_string(&e).unwrap()
        })
        .collect();
    assert!(matches!(
        verify_lines(&renumbered, &cp).unwrap_err(),
        verify::VerifyError::Truncated { have: 8, want: 9 }
    ));
}

#[tokio::test]
async fn inserted_entry_is_detected() {
    let (_d, _log, mut lines, cp) = exported(9).await;
    let mut forged: AuditEntry = serde_json::from_str(&lines[2]).unwrap();
    forged.seq = 3;
    forged.record.action = "key.backup".into();
    lines.insert(3, serde_json::to_string(&forged).unwrap());
    assert_eq!(
        verify_lines(&lines, &cp).unwrap_err(),
        verify::VerifyError::OutOfOrder {
            line: 5,
            expected: 4,
            found: 3
        }
    );
    // Inserted and renumbered, then the tail dropped to keep the count: the root gives it away.
    let mut renumbered: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut e: AuditEntry = serde_json::from_str(l).unwrap();
            e.seq = i as u64;
            serde_json::to_string(&e).unwrap()
        })
        .collect();
    renumbered.pop();
    assert_eq!(
        verify_lines(&renumbered, &cp).unwrap_err(),
        verify::VerifyError::RootMismatch { size: 9 }
    );
}

#[tokio::test]
async fn reordered_entries_are_detected() {
    let (_d, _log, mut lines, cp) = exported(9).await;
    lines.swap(2, 6);
    assert_eq!(
        verify_lines(&lines, &cp).unwrap_err(),
        verify::VerifyError::OutOfOrder {
            line: 3,
            expected: 2,
            found: 6
        }
    );
}

#[tokio::test]
async fn truncated_tail_is_detected() {
    let (_d, _log, mut lines, cp) = exported(9).await;
    lines.truncate(6);
    assert_eq!(
        verify_lines(&lines, &cp).unwrap_err(),
        verify::VerifyError::Truncated { have: 6, want: 9 }
    );
}

#[tokio::test]
async fn growth_after_a_checkpoint_is_reported_as_unanchored() {
    let (_d, log, _, cp) = exported(5).await;
    for i in 5..8 {
        log.append(rec(i)).await.unwrap();
    }
    let lines: Vec<String> = log
        .raw_entries(0, 8)
        .unwrap()
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();
    let r = verify_lines(&lines, &cp).unwrap();
    assert_eq!((r.entries, r.verified_up_to, r.unanchored), (8, 5, 3));
}

#[tokio::test]
async fn source_is_stored_as_a_keyed_hash_and_streamed_in_plaintext() {
    let (_d, barrier) = setup();
    let log = AuditLog::start(barrier.clone()).unwrap();
    let mut stream = log.subscribe();
    let mut r = rec(0);
    r.source = Some("203.0.113.7".into());
    log.append(r).await.unwrap();
    let raw = String::from_utf8(barrier.get(&entry_path(0)).unwrap().unwrap()).unwrap();
    assert!(!raw.contains("203.0.113.7"), "{raw}");
    let hashed = log.keyed_hash("203.0.113.7").unwrap();
    assert!(
        hashed.starts_with(KEYED_HASH_PREFIX) && raw.contains(&hashed),
        "{raw}"
    );
    let c = stream.recv().await.unwrap();
    assert_eq!(c.source.as_deref(), Some("203.0.113.7"));
    assert_eq!(c.entry.record.source.as_deref(), Some(hashed.as_str()));
    // The keys survive a restart of the log (same barrier): same hash, same checkpoint key.
    let vk = log.verifier_key().unwrap();
    let again = AuditLog::start(barrier).unwrap();
    assert_eq!(again.keyed_hash("203.0.113.7").unwrap(), hashed);
    assert_eq!(again.verifier_key().unwrap(), vk);
}

#[tokio::test]
async fn inclusion_proofs_check_against_the_checkpoint_root() {
    let (_d, log, lines, cp) = exported(11).await;
    for seq in [0u64, 5, 10] {
        let (proof, entry) = log.inclusion_proof(seq, cp.size).unwrap();
        assert_eq!(entry, lines[seq as usize].as_bytes());
        assert!(proof.verify(&entry, &cp.root));
        assert!(!proof.verify(b"{}", &cp.root));
    }
    assert!(log.inclusion_proof(11, 11).is_err());
}
