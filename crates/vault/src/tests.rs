#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::Path;
use std::sync::Arc;

use palisade_audit::{AuditLog, AuditRecord};
use palisade_barrier::{Barrier, InitRequest};
use palisade_policy::{
    Action, Authorization, Facts, KeyScope, MethodGroup, PolicyEngine, Principal,
};
use palisade_store::RedbStorage;

use super::*;

fn open(dir: &Path) -> Arc<Barrier> {
    Arc::new(Barrier::new(Arc::new(
        RedbStorage::open(&dir.join("v.redb")).unwrap(),
    )))
}

fn setup() -> (tempfile::TempDir, Arc<Barrier>, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let b = open(dir.path());
    let s = b
        .init(InitRequest::Shamir {
            shares: 1,
            threshold: 1,
        })
        .unwrap()
        .shares;
    b.submit_share(s[0].expose_secret()).unwrap();
    let v = Vault::new(b.clone());
    (dir, b, v)
}

const HARDHAT0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

#[test]
fn import_derives_the_known_address() {
    let (_d, _b, v) = setup();
    let k = v
        .import_hex(
            KeyType::Secp256k1,
            &format!("0x{HARDHAT0}"),
            Default::default(),
        )
        .unwrap();
    assert_eq!(
        k.address.as_deref(),
        Some("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    );
    assert_eq!(
        v.get("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266")
            .unwrap()
            .id,
        k.id
    );
}

#[test]
fn duplicate_import_is_refused_and_changes_nothing() {
    let (_d, _b, v) = setup();
    v.import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
        .unwrap();
    let e = v
        .import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
        .unwrap_err();
    assert!(matches!(e, VaultError::Duplicate { .. }), "{e}");
    assert_eq!(v.list().unwrap().len(), 1);
}

#[test]
fn invalid_keys_are_refused() {
    let (_d, _b, v) = setup();
    for bad in [
        "",
        "0x1234",
        &"0".repeat(64),
        &"f".repeat(64),
        &"zz".repeat(32),
    ] {
        assert!(
            v.import_hex(KeyType::Secp256k1, bad, Default::default())
                .is_err(),
            "{bad}"
        );
    }
    assert!(v.list().unwrap().is_empty());
    assert!(matches!(v.get("key_nope"), Err(VaultError::UnknownKey(_))));
    assert!(matches!(v.get("../../etc"), Err(VaultError::UnknownKey(_))));
}

#[test]
fn no_private_key_bytes_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    {
        let b = open(dir.path());
        let s = b
            .init(InitRequest::Shamir {
                shares: 1,
                threshold: 1,
            })
            .unwrap()
            .shares;
        b.submit_share(s[0].expose_secret()).unwrap();
        let v = Vault::new(b.clone());
        v.import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
            .unwrap();
        secrets.push(hex::decode(HARDHAT0).unwrap());
        for _ in 0..20 {
            let k = v.create(KeyType::Secp256k1, Default::default()).unwrap();
            secrets.push(b.get(&secret_path(&k.id)).unwrap().unwrap());
            let k = v.create(KeyType::Ed25519, Default::default()).unwrap();
            secrets.push(b.get(&secret_path(&k.id)).unwrap().unwrap());
        }
    }
    let mut dump = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        dump.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let dump_lower = String::from_utf8_lossy(&dump).to_lowercase();
    for s in &secrets {
        assert!(
            !dump.windows(32).any(|w| w == s.as_slice()),
            "raw key bytes found in the data directory"
        );
        assert!(
            !dump_lower.contains(&hex::encode(s)),
            "hex key found in the data directory"
        );
        // Also the first half, in case a key was split across a page boundary.
        assert!(!dump.windows(16).any(|w| w == &s[..16]));
    }
}

#[test]
fn freeze_unfreeze_destroy() {
    let (_d, _b, v) = setup();
    let k = v
        .create(
            KeyType::Secp256k1,
            [("team".to_string(), "ops".to_string())].into(),
        )
        .unwrap();
    assert_eq!(v.freeze(&k.id).unwrap().status, KeyStatus::Frozen);
    assert!(matches!(v.check_usable(&k.id), Err(VaultError::Frozen(_))));
    v.unfreeze(&k.id).unwrap();
    v.check_usable(&k.id).unwrap();
    v.destroy(&k.id).unwrap();
    assert!(matches!(
        v.check_usable(&k.id),
        Err(VaultError::Destroyed(_))
    ));
    assert!(matches!(v.unfreeze(&k.id), Err(VaultError::Destroyed(_))));
    assert_eq!(v.get(&k.id).unwrap().status, KeyStatus::Destroyed);
}

/// Lookups by address are served from the loaded-key cache; every status change must show
/// through it at once, and a destroyed key's address must resolve to nothing.
#[test]
fn lookups_by_address_see_status_changes_at_once() {
    let (_d, b, v) = setup();
    let k = v
        .import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
        .unwrap();
    let addr = k.address.clone().unwrap();
    v.check_usable(&k.id).unwrap(); // loaded: lookups now hit the cache
    assert_eq!(v.get(&addr.to_lowercase()).unwrap().id, k.id);
    v.freeze(&addr).unwrap();
    assert_eq!(v.get(&addr).unwrap().status, KeyStatus::Frozen);
    v.unfreeze(&addr).unwrap();
    v.check_usable(&k.id).unwrap();
    assert_eq!(v.get(&addr).unwrap().status, KeyStatus::Active);
    v.destroy(&addr).unwrap();
    assert!(matches!(v.get(&addr), Err(VaultError::UnknownKey(_))));
    let again = v
        .import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
        .unwrap();
    v.check_usable(&again.id).unwrap();
    assert_eq!(v.get(&addr).unwrap().id, again.id);
    b.seal();
    assert!(
        v.get(&addr).is_err(),
        "sealed: nothing is served from memory"
    );
}

#[test]
fn labels_are_validated() {
    let (_d, _b, v) = setup();
    let bad = [("bad key!".to_string(), "x".to_string())].into();
    assert!(matches!(
        v.create(KeyType::Secp256k1, bad),
        Err(VaultError::InvalidLabels(_))
    ));
}

fn principal() -> Principal {
    Principal {
        credential_id: "cred".into(),
        name: "t".into(),
        keys: KeyScope::All,
        groups: [MethodGroup::Sign].into(),
        admin: false,
        cedar_groups: vec![],
        owner: None,
    }
}

#[tokio::test]
async fn signing_requires_matching_proofs_and_matches_known_signature() {
    let (d, b, v) = setup();
    let k = v
        .import_hex(KeyType::Secp256k1, HARDHAT0, Default::default())
        .unwrap();
    let log = AuditLog::start(b.clone(), &d.path().join("audit.journal")).unwrap();
    let digest = [0x11u8; 32];
    let engine = PolicyEngine::new(b.clone()).unwrap();
    let facts = Facts::new(Action::SignMessage, "eth_sign", 1, &k.id, "cred");
    let Authorization::Approved(approved) = engine
        .authorize(&principal(), &facts, digest, None)
        .unwrap()
    else {
        panic!("default policy must allow an in-scope signature")
    };
    let audited = log
        .audit_signing(AuditRecord::default(), &k.id, digest)
        .await
        .unwrap();
    let (sig, recid) = v.sign_secp256k1(&approved, &audited).unwrap();
    // Same as signing directly with k256 (deterministic RFC 6979).
    let direct = k256::ecdsa::SigningKey::from_slice(&hex::decode(HARDHAT0).unwrap()).unwrap();
    let (sig2, recid2) = direct.sign_prehash_recoverable(&digest).unwrap();
    assert_eq!((sig, recid), (sig2, recid2));

    // An audit record for a different digest does not unlock signing.
    let other = log
        .audit_signing(AuditRecord::default(), &k.id, [0x22; 32])
        .await
        .unwrap();
    assert!(matches!(
        v.sign_secp256k1(&approved, &other),
        Err(VaultError::ProofMismatch)
    ));

    // Frozen keys cannot sign even with valid proofs.
    v.freeze(&k.id).unwrap();
    assert!(matches!(
        v.sign_secp256k1(&approved, &audited),
        Err(VaultError::Frozen(_))
    ));
    v.unfreeze(&k.id).unwrap();

    // Sealing wipes the decrypted key cache and stops signing.
    b.seal();
    assert!(matches!(
        v.sign_secp256k1(&approved, &audited),
        Err(VaultError::Barrier(BarrierError::Sealed))
    ));
}

#[test]
fn backup_restore_into_a_fresh_instance_keeps_addresses() {
    let (_d, _b, v) = setup();
    let a = v
        .import_hex(
            KeyType::Secp256k1,
            HARDHAT0,
            [("env".to_string(), "prod".to_string())].into(),
        )
        .unwrap();
    let c = v.create(KeyType::Secp256k1, Default::default()).unwrap();
    let e = v.create(KeyType::Ed25519, Default::default()).unwrap();
    let (identity, recipient) = palisade_crypto::backup::generate_identity();
    let identity = String::from_utf8(identity.expose_secret().to_vec()).unwrap();
    let file = v.backup(&[recipient], &[]).unwrap();
    assert_eq!(file.keys, 3);
    assert!(!file.backup.contains(HARDHAT0));

    let (_d2, _b2, fresh) = setup();
    let report = fresh.restore(&identity, file.backup.as_bytes()).unwrap();
    assert_eq!(report.restored.len(), 3);
    for original in [&a, &c, &e] {
        let restored = fresh.get(&original.id).unwrap();
        assert_eq!(restored.address, original.address);
        assert_eq!(restored.public_key, original.public_key);
        assert_eq!(restored.labels, original.labels);
    }
    // Restoring twice skips, never duplicates.
    let again = fresh.restore(&identity, file.backup.as_bytes()).unwrap();
    assert_eq!((again.restored.len(), again.skipped.len()), (0, 3));

    // A tampered file is rejected and restores nothing.
    let (_d3, _b3, third) = setup();
    let tampered = file.backup.replacen('A', "B", 1).replacen("Q", "R", 1);
    assert!(third.restore(&identity, tampered.as_bytes()).is_err());
    assert!(third.list().unwrap().is_empty());
}
