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

fn start(dir: &tempfile::TempDir, barrier: &Arc<Barrier>) -> AuditLog {
    AuditLog::start(barrier.clone(), &dir.path().join("audit.journal")).unwrap()
}

/// A log of `n` appends (one frame each), closed again: the directory, the barrier, the journal
/// file, where each frame starts and where the next would.
async fn written(
    n: usize,
) -> (
    tempfile::TempDir,
    Arc<Barrier>,
    std::path::PathBuf,
    Vec<u64>,
    u64,
) {
    let (d, barrier) = setup();
    let path = d.path().join("audit.journal");
    let (offsets, end) = {
        let log = start(&d, &barrier);
        for i in 0..n {
            log.append(rec(i)).await.unwrap();
        }
        log.journal.layout()
    };
    (d, barrier, path, offsets, end)
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
    let (d, barrier) = setup();
    let log = Arc::new(start(&d, &barrier));
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
    let (d, barrier) = setup();
    let log = start(&d, &barrier);
    barrier.seal();
    let e = log
        .audit_signing(rec(0), "key_1", [0; 32])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("fail closed"), "{e}");
}

#[tokio::test]
async fn tampering_with_the_journal_is_detected() {
    let (d, barrier) = setup();
    let log = start(&d, &barrier);
    for i in 0..5 {
        log.append(rec(i)).await.unwrap();
    }
    log.verify().unwrap();
    // An insider with an unsealed barrier re-encrypts a frame with entry 2 rewritten
    // ("allow" -> "deny!", same length): the stored root gives it away.
    let frame_of_2 = log
        .journal
        .groups(&barrier, 5)
        .unwrap()
        .iter()
        .position(|g| g.first_seq <= 2 && 2 < g.first_seq + g.entries.len() as u64)
        .unwrap();
    log.journal
        .rewrite_frame(&barrier, frame_of_2, |entries| {
            let i = entries
                .iter()
                .position(|e| String::from_utf8_lossy(e).contains("eth_sign#2"))
                .unwrap();
            let text = String::from_utf8(entries[i].clone()).unwrap();
            entries[i] = text.replace("\"allow\"", "\"deny!\"").into_bytes();
        })
        .unwrap();
    let e = log.verify().unwrap_err().to_string();
    assert!(e.contains("do not hash to the root"), "{e}");
    // Flipping a byte of the file without the barrier's keys: the frame fails authentication.
    let path = d.path().join("audit.journal");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[30] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let e = log.verify().unwrap_err().to_string();
    assert!(e.contains("offset 0"), "{e}");
}

#[tokio::test]
async fn entries_survive_a_restart_and_appends_continue() {
    let (d, barrier) = setup();
    let head = {
        let log = start(&d, &barrier);
        for i in 0..7 {
            log.append(rec(i)).await.unwrap();
        }
        log.head().unwrap()
    };
    let log = start(&d, &barrier);
    assert_eq!(log.head().unwrap(), head);
    assert_eq!(log.append(rec(7)).await.unwrap(), 7);
    let actions: Vec<String> = log
        .entries(0, 8)
        .unwrap()
        .into_iter()
        .map(|e| e.record.action)
        .collect();
    assert_eq!(
        actions,
        (0..8).map(|i| format!("eth_sign#{i}")).collect::<Vec<_>>()
    );
    assert_eq!(log.entries(3, 5).unwrap()[0].seq, 3);
    assert!(log.entries(0, 9).is_err());
    log.verify().unwrap();
}

#[tokio::test]
async fn a_torn_final_frame_is_cut_and_the_cut_is_recorded() {
    let (d, barrier, path, _, good_len) = written(4).await;
    // A crash in the middle of the next group's write: its header and its first sectors
    // reached the disk, the rest did not, and that group was never acknowledged.
    let log = start(&d, &barrier);
    let mut big = rec(4);
    big.reasons = vec!["x".repeat(3000)];
    log.append(big).await.unwrap();
    drop(log);
    let mut bytes = std::fs::read(&path).unwrap();
    let torn_end = (good_len as usize / 512 + 2) * 512;
    for b in &mut bytes[torn_end..] {
        *b = 0;
    }
    std::fs::write(&path, &bytes).unwrap();
    let log = start(&d, &barrier);
    assert_eq!(log.head().unwrap().size, 4);
    // The next append records the cut first, then carries on; the log verifies.
    assert_eq!(log.append(rec(5)).await.unwrap(), 5);
    let e = log.entries(4, 6).unwrap();
    assert_eq!(e[0].record.action, "audit.recover");
    assert!(e[0]
        .record
        .outcome
        .as_deref()
        .unwrap()
        .contains("entries 4..5"));
    assert_eq!(e[1].record.action, "eth_sign#5");
    log.verify().unwrap();
    // Damage beyond the final frame is not a torn write: the log refuses to run over it.
    let (offsets, _) = log.journal.layout();
    drop(log);
    let mut bytes = std::fs::read(&path).unwrap();
    for o in &offsets[offsets.len() - 2..] {
        bytes[*o as usize + 30] ^= 1;
    }
    std::fs::write(&path, &bytes).unwrap();
    let log = start(&d, &barrier);
    let e = log.append(rec(6)).await.unwrap_err();
    assert!(e.to_string().contains("offset"), "{e}");
}

/// A log of `n` entries written as earlier versions did: each entry at `audit/e/{seq}`, the
/// frontier at `audit/head` (returned).
fn write_legacy_log(barrier: &Barrier, n: u64) -> merkle::Frontier {
    let mut f = merkle::Frontier::default();
    for seq in 0..n {
        let entry = AuditEntry {
            seq,
            time_ms: 1,
            record: rec(seq as usize),
        };
        let raw = serde_json::to_vec(&entry).unwrap();
        f.push(merkle::leaf_hash(&raw));
        barrier
            .put(&format!("{LEGACY_ENTRY_PREFIX}{seq:020}"), &raw)
            .unwrap();
    }
    barrier
        .put(
            LEGACY_HEAD_PATH,
            &serde_json::to_vec(&serde_json::json!({ "frontier": f })).unwrap(),
        )
        .unwrap();
    f
}

#[tokio::test]
async fn a_log_kept_in_the_store_by_earlier_versions_moves_into_the_journal() {
    let (d, barrier) = setup();
    let f = write_legacy_log(&barrier, 5);
    // A first move was interrupted by a crash after its first group reached the journal.
    {
        let journal = Journal::open(&d.path().join("audit.journal")).unwrap();
        journal.frontier(&barrier).unwrap();
        let raw: Vec<Vec<u8>> = barrier
            .scan(LEGACY_ENTRY_PREFIX)
            .unwrap()
            .into_iter()
            .take(2)
            .map(|(_, v)| v)
            .collect();
        let mut g = merkle::Frontier::default();
        for r in &raw {
            g.push(merkle::leaf_hash(r));
        }
        journal.append(&barrier, 0, &raw, &g).unwrap();
    }
    let log = start(&d, &barrier);
    let head = log.head().unwrap();
    assert_eq!((head.size, head.root), (5, f.root()));
    assert_eq!(log.append(rec(5)).await.unwrap(), 5);
    log.verify().unwrap();
    assert!(barrier.scan(LEGACY_ENTRY_PREFIX).unwrap().is_empty());
    assert!(barrier.get(LEGACY_HEAD_PATH).unwrap().is_none());
}

#[tokio::test]
async fn a_journal_that_is_not_a_prefix_of_the_old_log_is_refused() {
    let (d, barrier) = setup();
    {
        let log = start(&d, &barrier);
        log.append(rec(9)).await.unwrap();
    }
    write_legacy_log(&barrier, 1);
    let log = start(&d, &barrier);
    let e = log.head().unwrap_err().to_string();
    assert!(e.contains("not a prefix"), "{e}");
    assert!(log.append(rec(1)).await.is_err(), "fails closed");
}

/// An exported log (one stored entry per line) and the verified checkpoint over all of it.
async fn exported(n: usize) -> (tempfile::TempDir, AuditLog, Vec<String>, Checkpoint) {
    let (d, barrier) = setup();
    let log = start(&d, &barrier);
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
    let (d, barrier) = setup();
    let log = start(&d, &barrier);
    let mut stream = log.subscribe();
    let mut r = rec(0);
    r.source = Some("203.0.113.7".into());
    log.append(r).await.unwrap();
    let raw = String::from_utf8(log.raw_entries(0, 1).unwrap().remove(0)).unwrap();
    let file = std::fs::read(d.path().join("audit.journal")).unwrap();
    assert!(!file.windows(b"eth_sign".len()).any(|w| w == b"eth_sign"));
    assert!(!raw.contains("203.0.113.7"), "{raw}");
    let hashed = log.keyed_hash("203.0.113.7").unwrap();
    assert!(
        hashed.starts_with(KEYED_HASH_PREFIX) && raw.contains(&hashed),
        "{raw}"
    );
    let c = stream.recv().await.unwrap();
    assert_eq!(c.source.as_deref(), Some("203.0.113.7"));
    assert_eq!(c.entry.record.source.as_deref(), Some(hashed.as_str()));
    // Later groups (the writer keeps recent hashes) store each source under its own hash.
    for (i, source) in ["203.0.113.7", "198.51.100.1", "203.0.113.7"]
        .iter()
        .enumerate()
    {
        let mut r = rec(1 + i);
        r.source = Some(source.to_string());
        log.append(r).await.unwrap();
        let c = stream.recv().await.unwrap();
        assert_eq!(c.source.as_deref(), Some(*source));
        let want = log.keyed_hash(source).unwrap();
        assert_eq!(c.entry.record.source.as_deref(), Some(want.as_str()));
        assert_eq!(want == hashed, *source == "203.0.113.7");
    }
    // The keys survive a restart of the log (same barrier): same hash, same checkpoint key.
    let vk = log.verifier_key().unwrap();
    let again = start(&d, &barrier);
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

#[tokio::test]
async fn bytes_after_the_last_frame_that_are_no_frame_are_zeroed_and_recorded() {
    let (d, barrier, path, _, end) = written(3).await;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[end as usize..end as usize + 7].copy_from_slice(b"GARBAGE");
    std::fs::write(&path, &bytes).unwrap();
    let log = start(&d, &barrier);
    assert_eq!(log.head().unwrap().size, 3);
    assert_eq!(log.append(rec(3)).await.unwrap(), 4);
    let note = log.entries(3, 4).unwrap().remove(0);
    assert_eq!(note.record.action, "audit.recover");
    assert!(note.record.outcome.unwrap().contains("unreadable tail"));
    log.verify().unwrap();
    assert!(!std::fs::read(&path)
        .unwrap()
        .windows(7)
        .any(|w| w == b"GARBAGE"));
}

/// Damage to committed frames is never mistaken for an interrupted write: a bad or zeroed
/// header with frames after it, or a final frame changed after it was written whole, stops the
/// log (fail closed) and nothing is cut or zeroed, however often recovery is tried.
#[tokio::test]
async fn damage_before_later_frames_is_refused_and_nothing_is_zeroed() {
    for damage in [
        "bad header",
        "zeroed header",
        "changed final frame",
        "two bad final frames",
    ] {
        let (d, barrier, path, offsets, _) = written(6).await;
        let mut bytes = std::fs::read(&path).unwrap();
        let third = offsets[2] as usize;
        let last = *offsets.last().unwrap() as usize;
        match damage {
            "bad header" => bytes[third + 9] ^= 0x40,
            "zeroed header" => bytes[third..third + 24].fill(0),
            "changed final frame" => bytes[last + 40] ^= 1,
            _ => {
                bytes[last + 40] ^= 1;
                bytes[offsets[offsets.len() - 2] as usize + 40] ^= 1;
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        let log = start(&d, &barrier);
        for _ in 0..3 {
            assert!(log.head().is_err(), "{damage}: must fail closed");
            assert!(log.append(rec(9)).await.is_err(), "{damage}: no appends");
        }
        drop(log);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{damage}: the file must be left as found"
        );
    }
}

/// A journal cut back at a frame boundary is self-consistent; the latest signed checkpoint is
/// what catches it.
#[tokio::test]
async fn a_log_cut_below_its_latest_checkpoint_fails_verification() {
    let (d, barrier) = setup();
    let path = d.path().join("audit.journal");
    let cut_at = {
        let log = start(&d, &barrier);
        for i in 0..3 {
            log.append(rec(i)).await.unwrap();
        }
        let (offsets, _) = log.journal.layout();
        log.append(rec(3)).await.unwrap();
        log.checkpoint().unwrap();
        log.verify().unwrap();
        offsets[2]
    };
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[cut_at as usize..].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let log = start(&d, &barrier);
    assert_eq!(log.head().unwrap().size, 2);
    let e = log.verify().unwrap_err().to_string();
    assert!(e.contains("checkpoint covers 4"), "{e}");
}

/// The hand-written stored form is byte for byte what serde's `flatten` writes (entries written
/// by earlier versions hash and read the same), and reads back to the same entry.
#[test]
fn stored_form_is_the_flattened_record() {
    #[derive(serde::Serialize)]
    struct Flattened<'a> {
        seq: u64,
        time_ms: u64,
        #[serde(flatten)]
        record: &'a AuditRecord,
    }
    let full = AuditRecord {
        kind: "request".into(),
        principal: Some("cred_1".into()),
        action: "eth_signTransaction".into(),
        resource: Some("key_1".into()),
        decision: "allow".into(),
        reasons: vec!["cedar policy `a`".into(), "quote \" and \\u{1}".into()],
        outcome: Some("signed".into()),
        source: Some("hmac:00".into()),
        digest: Some("ab".repeat(32)),
        duration_us: Some(42),
        details: [("value_wei".to_string(), serde_json::json!("0x10"))].into(),
    };
    for record in [AuditRecord::default(), full] {
        let entry = AuditEntry {
            seq: 7,
            time_ms: 1_700_000_000_000,
            record: record.clone(),
        };
        let ours = serde_json::to_vec(&entry).unwrap();
        let reference = serde_json::to_vec(&Flattened {
            seq: 7,
            time_ms: 1_700_000_000_000,
            record: &record,
        })
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&reference)
        );
        assert_eq!(serde_json::from_slice::<AuditEntry>(&ours).unwrap(), entry);
    }
}
