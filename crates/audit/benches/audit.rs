//! Audit log throughput: durable appends per second with group commit (redb fsync per group,
//! AES-GCM per record through the barrier) at several concurrencies, and verification speed
//! (entries per second) online (through the barrier) and offline (exported JSON lines).
//! Run: `cargo bench -p palisade-audit --bench audit` (or `bench/audit.sh`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark"
)]

use std::sync::Arc;
use std::time::Instant;

use palisade_audit::{verify, AuditLog, AuditRecord};
use palisade_barrier::{Barrier, InitRequest};
use palisade_store::RedbStorage;

fn record(i: u64) -> AuditRecord {
    AuditRecord {
        kind: "request".into(),
        principal: Some("0123456789abcdef".into()),
        action: "eth_signTransaction".into(),
        resource: Some("key_0123456789abcdef".into()),
        decision: "allow".into(),
        reasons: vec!["policy `default` permits".into()],
        source: Some(format!("10.0.{}.{}", (i >> 8) & 255, i & 255)),
        digest: Some(format!("{:064x}", i)),
        duration_us: Some(120),
        ..Default::default()
    }
}

fn main() {
    let total: u64 = std::env::var("AUDIT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("| concurrency | appends | seconds | durable appends/s |");
    println!("|---:|---:|---:|---:|");
    let mut last = None;
    for conc in [1u64, 64, 512, 2048] {
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
        let log =
            Arc::new(AuditLog::start(barrier.clone(), &dir.path().join("audit.journal")).unwrap());
        let n = if conc == 1 {
            (total / 100).max(200)
        } else {
            total
        };
        let started = Instant::now();
        rt.block_on(async {
            let mut tasks = Vec::new();
            for w in 0..conc {
                let log = log.clone();
                tasks.push(tokio::spawn(async move {
                    let mut i = w;
                    while i < n {
                        log.append(record(i)).await.unwrap();
                        i += conc;
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
        let secs = started.elapsed().as_secs_f64();
        println!("| {conc} | {n} | {secs:.2} | {:.0} |", n as f64 / secs);
        last = Some((dir, barrier, log, n));
    }
    let (_dir, _barrier, log, n) = last.unwrap();
    let started = Instant::now();
    let head = log.verify().unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!();
    println!("| verification | entries | seconds | entries/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| online (barrier: decrypt + hash) | {} | {secs:.2} | {:.0} |",
        head.size,
        head.size as f64 / secs
    );
    let raw = log.raw_entries(0, n).unwrap();
    let mut text = Vec::new();
    for r in &raw {
        text.extend_from_slice(r);
        text.push(b'\n');
    }
    let note = log.checkpoint().unwrap();
    let cp = log.verifier_key().unwrap().open(&note).unwrap();
    let started = Instant::now();
    let report = verify::verify_export(text.as_slice(), &[cp]).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "| offline (exported JSON lines + signed checkpoint) | {} | {secs:.2} | {:.0} |",
        report.entries,
        report.entries as f64 / secs
    );
}
