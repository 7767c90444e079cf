//! Raw secp256k1 signing rate (the reference for the gateway's end-to-end figures) next to the
//! vault's proof-checked signing of the same digest.
#![allow(clippy::unwrap_used, reason = "benchmark")]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let sk = k256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let mut g = c.benchmark_group("secp256k1");
    g.throughput(Throughput::Elements(1));
    let mut digest = [7u8; 32];
    g.bench_function("raw_k256_sign_prehash", |b| {
        b.iter(|| {
            digest[0] = digest[0].wrapping_add(1);
            sk.sign_prehash_recoverable(&digest).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
