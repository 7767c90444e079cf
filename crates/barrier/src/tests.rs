#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::Path;
use std::sync::Arc;

use palisade_store::{RedbStorage, Storage};

use super::*;

fn open(dir: &Path) -> (Arc<RedbStorage>, Barrier) {
    let storage = Arc::new(RedbStorage::open(&dir.join("palisade.redb")).unwrap());
    let barrier = Barrier::new(storage.clone());
    (storage, barrier)
}

fn init_shamir(b: &Barrier, n: u8, t: u8) -> Vec<String> {
    b.init(InitRequest::Shamir {
        shares: n,
        threshold: t,
    })
    .unwrap()
    .shares
    .iter()
    .map(|s| s.expose_secret().to_string())
    .collect()
}

fn unsealed() -> (tempfile::TempDir, Arc<RedbStorage>, Barrier) {
    let dir = tempfile::tempdir().unwrap();
    let (s, b) = open(dir.path());
    let shares = init_shamir(&b, 1, 1);
    b.submit_share(&shares[0]).unwrap();
    (dir, s, b)
}

#[test]
fn records_are_ciphertext_in_storage() {
    let (_d, storage, b) = unsealed();
    b.put("keys/a", b"PLAINTEXT-MARKER-1234").unwrap();
    assert_eq!(b.get("keys/a").unwrap().unwrap(), b"PLAINTEXT-MARKER-1234");
    for (k, v) in storage.scan_prefix("").unwrap() {
        assert!(
            !v.windows(9).any(|w| w == b"PLAINTEXT"),
            "plaintext leaked in {k}"
        );
    }
}

#[test]
fn bit_flip_is_detected_with_the_path_named() {
    let (_d, storage, b) = unsealed();
    b.put("keys/a", b"value").unwrap();
    let mut raw = storage.get("data/keys/a").unwrap().unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    storage.put("data/keys/a", &raw).unwrap();
    let err = b.get("keys/a").unwrap_err();
    assert!(matches!(err, BarrierError::Tampered { ref path } if path == "keys/a"));
    assert!(err.to_string().contains("keys/a"));
}

#[test]
fn swapped_records_are_detected() {
    let (_d, storage, b) = unsealed();
    b.put("keys/a", b"alice").unwrap();
    b.put("keys/b", b"bob").unwrap();
    let a = storage.get("data/keys/a").unwrap().unwrap();
    let bb = storage.get("data/keys/b").unwrap().unwrap();
    storage.put("data/keys/a", &bb).unwrap();
    storage.put("data/keys/b", &a).unwrap();
    assert!(matches!(
        b.get("keys/a"),
        Err(BarrierError::Tampered { .. })
    ));
    assert!(matches!(
        b.get("keys/b"),
        Err(BarrierError::Tampered { .. })
    ));
}

#[test]
fn header_tamper_is_detected() {
    let (_d, storage, b) = unsealed();
    b.put("x", b"v").unwrap();
    let mut raw = storage.get("data/x").unwrap().unwrap();
    raw[0] = 9;
    storage.put("data/x", &raw).unwrap();
    assert!(matches!(
        b.get("x"),
        Err(BarrierError::UnknownVersion { version: 9, .. })
    ));
    raw[0] = 1;
    raw[4] = 77; // term 77 does not exist
    storage.put("data/x", &raw).unwrap();
    assert!(matches!(
        b.get("x"),
        Err(BarrierError::UnknownTerm { term: 77, .. })
    ));
}

#[test]
fn restart_is_sealed_and_threshold_shares_unseal() {
    let dir = tempfile::tempdir().unwrap();
    let shares = {
        let (_s, b) = open(dir.path());
        let shares = init_shamir(&b, 5, 3);
        assert!(b.is_sealed(), "init leaves the barrier sealed");
        b.submit_share(&shares[0]).unwrap();
        b.submit_share(&shares[1]).unwrap();
        b.submit_share(&shares[2]).unwrap();
        b.put("k", b"v").unwrap();
        shares
    };
    let (_s, b) = open(dir.path());
    assert!(b.is_sealed());
    assert!(matches!(b.get("k"), Err(BarrierError::Sealed)));
    assert!(matches!(b.put("k", b"w"), Err(BarrierError::Sealed)));
    // Too few shares: still sealed, progress reported.
    let st = b.submit_share(&shares[4]).unwrap();
    assert!(st.sealed && st.progress == 1 && st.threshold == Some(3));
    // The same share twice is refused.
    assert!(b
        .submit_share(&shares[4])
        .unwrap_err()
        .to_string()
        .contains("already provided"));
    b.submit_share(&shares[2]).unwrap();
    let st = b.submit_share(&shares[0]).unwrap();
    assert!(!st.sealed);
    assert_eq!(b.get("k").unwrap().unwrap(), b"v");
    b.seal();
    assert!(matches!(b.get("k"), Err(BarrierError::Sealed)));
}

#[test]
fn foreign_or_garbled_shares_are_refused() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let (_s1, b1) = open(d1.path());
    let (_s2, b2) = open(d2.path());
    let _ = init_shamir(&b1, 3, 2);
    let other = init_shamir(&b2, 3, 2);
    let e = b1.submit_share(&other[0]).unwrap_err();
    assert!(e.to_string().contains("different Palisade instance"), "{e}");
    assert!(b1.submit_share("palisade-share-v1:zz").is_err());
    assert!(b1.failed_unseal_attempts() >= 2);
    assert!(b1.is_sealed());
}

#[test]
fn passphrase_seal() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, b) = open(dir.path());
    assert!(b
        .init(InitRequest::Passphrase(SecretString::new("short".into())))
        .is_err());
    b.init(InitRequest::Passphrase(SecretString::new(
        "correct horse battery staple".into(),
    )))
    .unwrap();
    let e = b
        .unseal_with_passphrase(&SecretString::new("wrong horse battery staple".into()))
        .unwrap_err();
    assert_eq!(e.to_string(), "unseal failed: wrong passphrase");
    assert!(b.is_sealed());
    b.unseal_with_passphrase(&SecretString::new("correct horse battery staple".into()))
        .unwrap();
    assert!(!b.is_sealed());
}

#[test]
fn init_twice_is_refused() {
    let (_d, _s, b) = unsealed();
    assert!(matches!(
        b.init(InitRequest::Shamir {
            shares: 1,
            threshold: 1
        }),
        Err(BarrierError::AlreadyInitialized)
    ));
}

#[test]
fn tampered_seal_config_fails_unseal() {
    let dir = tempfile::tempdir().unwrap();
    let (storage, b) = open(dir.path());
    let shares = init_shamir(&b, 3, 2);
    let cfg = String::from_utf8(storage.get(seal::CONFIG_KEY).unwrap().unwrap()).unwrap();
    storage
        .put(
            seal::CONFIG_KEY,
            cfg.replace("\"shares\":3", "\"shares\":4").as_bytes(),
        )
        .unwrap();
    b.submit_share(&shares[0]).unwrap();
    let e = b.submit_share(&shares[1]).unwrap_err();
    assert!(e.to_string().contains("unseal key is wrong"), "{e}");
    assert!(b.is_sealed());
}

#[test]
fn rotation_keeps_old_records_readable_and_rewrap_moves_them() {
    let (_d, _s, b) = unsealed();
    b.put("old", b"1").unwrap();
    assert_eq!(b.rotate().unwrap(), 2);
    b.put("new", b"2").unwrap();
    assert_eq!(b.get("old").unwrap().unwrap(), b"1");
    let h = b.term_histogram().unwrap();
    assert_eq!((h.get(&1), h.get(&2)), (Some(&1), Some(&1)));
    assert_eq!(b.rewrap().unwrap(), 1);
    assert_eq!(b.term_histogram().unwrap().get(&2), Some(&2));
    assert_eq!(b.get("old").unwrap().unwrap(), b"1");
}

#[test]
fn rotation_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, b) = open(dir.path());
    let shares = init_shamir(&b, 1, 1);
    b.submit_share(&shares[0]).unwrap();
    b.put("a", b"1").unwrap();
    b.rotate().unwrap();
    b.put("b", b"2").unwrap();
    drop(b);
    drop(_s);
    let (_s, b) = open(dir.path());
    b.submit_share(&shares[0]).unwrap();
    assert_eq!(b.get("a").unwrap().unwrap(), b"1");
    assert_eq!(b.get("b").unwrap().unwrap(), b"2");
}

#[test]
fn checked_batch_is_atomic() {
    let (_d, _s, b) = unsealed();
    b.put("counter", b"1").unwrap();
    let e = b
        .apply(
            vec![
                Write::Put {
                    path: "counter".into(),
                    value: b"3".to_vec(),
                },
                Write::Put {
                    path: "side".into(),
                    value: b"x".to_vec(),
                },
            ],
            vec![("counter".into(), Some(b"2".to_vec()))],
        )
        .unwrap_err();
    assert!(matches!(e, BarrierError::Conflict { .. }));
    assert_eq!(b.get("side").unwrap(), None);
    b.apply(
        vec![Write::Put {
            path: "counter".into(),
            value: b"2".to_vec(),
        }],
        vec![("counter".into(), Some(b"1".to_vec()))],
    )
    .unwrap();
    assert_eq!(b.get("counter").unwrap().unwrap(), b"2");
}

#[test]
fn bad_paths_are_refused() {
    let (_d, _s, b) = unsealed();
    assert!(matches!(b.put("", b"x"), Err(BarrierError::BadPath(_))));
    assert!(matches!(
        b.put(&"a".repeat(600), b"x"),
        Err(BarrierError::BadPath(_))
    ));
    assert!(matches!(b.put("a\nb", b"x"), Err(BarrierError::BadPath(_))));
}

#[test]
fn blobs_are_bound_to_their_context_and_apart_from_records() {
    let (_d, storage, b) = unsealed();
    let blob = b
        .encrypt_blob("audit/journal/0/1", b"PLAINTEXT-MARKER")
        .unwrap();
    assert!(!blob.windows(9).any(|w| w == b"PLAINTEXT"));
    assert_eq!(
        b.decrypt_blob("audit/journal/0/1", &blob).unwrap(),
        b"PLAINTEXT-MARKER"
    );
    // Moved to another context: refused, with the context named (no control characters).
    let err = b.decrypt_blob("audit/journal/1/1", &blob).unwrap_err();
    assert!(matches!(err, BarrierError::Tampered { ref path } if path == "audit/journal/1/1"));
    let mut flipped = blob.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(b.decrypt_blob("audit/journal/0/1", &flipped).is_err());
    // A blob passed off as the stored record of the same path, and a record as a blob: refused.
    storage.put("data/audit/journal/0/1", &blob).unwrap();
    assert!(matches!(
        b.get("audit/journal/0/1").unwrap_err(),
        BarrierError::Tampered { .. }
    ));
    b.put("keys/a", b"record").unwrap();
    let record = storage.get("data/keys/a").unwrap().unwrap();
    assert!(b.decrypt_blob("keys/a", &record).is_err());
    // Sealed: nothing is encrypted or decrypted.
    b.seal();
    assert!(matches!(
        b.encrypt_blob("audit/journal/0/1", b"x").unwrap_err(),
        BarrierError::Sealed
    ));
    assert!(matches!(
        b.decrypt_blob("audit/journal/0/1", &blob).unwrap_err(),
        BarrierError::Sealed
    ));
}
