//! Barrier put/get of 256-byte records on the redb backend, and unseal time.
#![allow(clippy::unwrap_used, reason = "benchmark")]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_barrier::{Barrier, InitRequest};
use palisade_store::RedbStorage;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(RedbStorage::open(&dir.path().join("b.redb")).unwrap());
    let barrier = Barrier::new(storage.clone());
    let shares = barrier
        .init(InitRequest::Shamir {
            shares: 5,
            threshold: 3,
        })
        .unwrap()
        .shares;
    for s in &shares[..3] {
        barrier.submit_share(s.expose_secret()).unwrap();
    }
    let record = vec![0x42u8; 256];
    let mut g = c.benchmark_group("barrier_256B");
    g.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    g.bench_function("put_durable", |b| {
        b.iter(|| {
            i += 1;
            barrier
                .put(&format!("bench/{}", i % 1024), &record)
                .unwrap();
        })
    });
    barrier.put("bench/get", &record).unwrap();
    g.bench_function("get", |b| b.iter(|| barrier.get("bench/get").unwrap()));
    g.finish();

    let mut g = c.benchmark_group("unseal");
    g.sample_size(20);
    g.bench_function("shamir_3_of_5", |b| {
        b.iter(|| {
            barrier.seal();
            for s in &shares[..3] {
                barrier.submit_share(s.expose_secret()).unwrap();
            }
        })
    });
    let dir2 = tempfile::tempdir().unwrap();
    let b2 = Barrier::new(Arc::new(
        RedbStorage::open(&dir2.path().join("p.redb")).unwrap(),
    ));
    let pass = palisade_crypto::SecretString::new("correct horse battery staple".into());
    b2.init(InitRequest::Passphrase(pass.clone())).unwrap();
    g.bench_function("passphrase_argon2id_owasp", |b| {
        b.iter(|| {
            b2.seal();
            b2.unseal_with_passphrase(&pass).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
