//! Rolling-window budgets (amount and count), kept durably through the barrier so they survive
//! restarts, and reserved atomically so concurrent requests cannot overspend.
//!
//! Each bucket (`velocity/<rule>/<scope>`) holds the events of its window. A request locks its
//! buckets (in a fixed order), checks every budget including itself, and writes all updated
//! buckets in one checked barrier batch — so on a shared database a second replica racing on
//! the same bucket fails its check instead of double-spending.

use std::collections::HashMap;
use std::sync::Arc;

use palisade_barrier::{Barrier, BarrierError, Write};
use palisade_chain::U256;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::rules::VelocityCharge;

/// Events kept per bucket before the oldest are merged (conservatively: the merged event keeps
/// the later timestamp, so it stays in the window longer, never shorter).
const MAX_EVENTS: usize = 4096;

#[derive(Debug)]
pub enum VelocityError {
    Exceeded(Vec<String>),
    Storage(String),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Bucket {
    /// `(unix seconds, amount as decimal string, count)`.
    events: Vec<(i64, String, u64)>,
}

/// What a request added, so it can be given back if signing fails.
#[derive(Debug)]
pub struct Reservation {
    entries: Vec<(String, i64, U256)>,
}

pub struct Velocity {
    barrier: Arc<Barrier>,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

fn path(charge: &VelocityCharge) -> String {
    format!("velocity/{}/{}", charge.spec.rule_id, charge.bucket)
}

impl Velocity {
    pub fn new(barrier: Arc<Barrier>) -> Self {
        Self {
            barrier,
            locks: Mutex::new(HashMap::new()),
        }
    }

    fn lock_for(&self, p: &str) -> Arc<Mutex<()>> {
        self.locks.lock().entry(p.to_string()).or_default().clone()
    }

    fn load(&self, p: &str) -> Result<(Option<Vec<u8>>, Bucket), VelocityError> {
        let raw = self
            .barrier
            .get(p)
            .map_err(|e| VelocityError::Storage(e.to_string()))?;
        let bucket = match &raw {
            Some(r) => serde_json::from_slice(r).map_err(|e| {
                VelocityError::Storage(format!("velocity bucket `{p}` is damaged: {e}"))
            })?,
            None => Bucket::default(),
        };
        Ok((raw, bucket))
    }

    /// Checks every charge against its budget and, if all fit, records them in one write.
    pub fn reserve(
        &self,
        charges: &[VelocityCharge],
        now: i64,
    ) -> Result<Reservation, VelocityError> {
        let mut paths: Vec<String> = charges.iter().map(path).collect();
        paths.sort();
        paths.dedup();
        let locks: Vec<Arc<Mutex<()>>> = paths.iter().map(|p| self.lock_for(p)).collect();
        let _guards: Vec<_> = locks.iter().map(|l| l.lock()).collect();

        let mut loaded: HashMap<String, (Option<Vec<u8>>, Bucket)> = HashMap::new();
        for p in &paths {
            loaded.insert(p.clone(), self.load(p)?);
        }
        let mut exceeded = Vec::new();
        let mut entries = Vec::new();
        for charge in charges {
            let p = path(charge);
            let Some((_, bucket)) = loaded.get_mut(&p) else {
                continue;
            };
            let start = now - charge.spec.window_secs as i64;
            bucket.events.retain(|(t, _, _)| *t > start);
            let spent: U256 = bucket
                .events
                .iter()
                .map(|(_, a, _)| U256::from_str_radix(a, 10).unwrap_or(U256::MAX))
                .fold(U256::ZERO, |x, y| x.saturating_add(y));
            let count: u64 = bucket.events.iter().map(|(_, _, c)| *c).sum();
            if let Some(max) = charge.spec.max_value {
                if spent.saturating_add(charge.amount) > max {
                    exceeded.push(format!(
                        "rule `{}`: {} would spend {} in {}s for {} (budget {max}, already {spent})",
                        charge.spec.rule_id, charge.bucket, charge.amount, charge.spec.window_secs, charge.bucket
                    ));
                }
            }
            if let Some(max) = charge.spec.max_count {
                if count + 1 > max {
                    exceeded.push(format!(
                        "rule `{}`: more than {max} requests in {}s for {}",
                        charge.spec.rule_id, charge.spec.window_secs, charge.bucket
                    ));
                }
            }
            bucket.events.push((now, charge.amount.to_string(), 1));
            if bucket.events.len() > MAX_EVENTS {
                let (t1, a1, c1) = bucket.events.remove(0);
                if let Some(first) = bucket.events.first_mut() {
                    let sum = U256::from_str_radix(&a1, 10)
                        .unwrap_or(U256::MAX)
                        .saturating_add(U256::from_str_radix(&first.1, 10).unwrap_or(U256::MAX));
                    *first = (first.0.max(t1), sum.to_string(), first.2 + c1);
                }
            }
            entries.push((p, now, charge.amount));
        }
        if !exceeded.is_empty() {
            return Err(VelocityError::Exceeded(exceeded));
        }
        let mut writes = Vec::with_capacity(loaded.len());
        let mut checks = Vec::with_capacity(loaded.len());
        for (p, (raw, bucket)) in loaded {
            let value =
                serde_json::to_vec(&bucket).map_err(|e| VelocityError::Storage(e.to_string()))?;
            writes.push(Write::Put {
                path: p.clone(),
                value,
            });
            checks.push((p, raw));
        }
        // The check compares against what we read; a concurrent writer elsewhere makes it fail.
        match self.barrier.apply(writes, checks) {
            Ok(()) => Ok(Reservation { entries }),
            Err(BarrierError::Conflict { path }) => Err(VelocityError::Exceeded(vec![format!(
                "velocity bucket `{path}` changed concurrently; retry"
            )])),
            Err(e) => Err(VelocityError::Storage(e.to_string())),
        }
    }

    /// Removes a reservation's events (best effort: a failure leaves the budget conservatively
    /// spent).
    pub fn release(&self, reservation: Reservation) {
        for (p, t, amount) in reservation.entries {
            let lock = self.lock_for(&p);
            let _g = lock.lock();
            let Ok((raw, mut bucket)) = self.load(&p) else {
                continue;
            };
            let amount = amount.to_string();
            if let Some(i) = bucket
                .events
                .iter()
                .rposition(|(et, a, c)| *et == t && *a == amount && *c == 1)
            {
                bucket.events.remove(i);
                if let Ok(value) = serde_json::to_vec(&bucket) {
                    let _ = self.barrier.apply(
                        vec![Write::Put {
                            path: p.clone(),
                            value,
                        }],
                        vec![(p.clone(), raw)],
                    );
                }
            }
        }
    }
}
