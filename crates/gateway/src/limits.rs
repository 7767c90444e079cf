//! Rate limits: GCRA (the generic cell rate algorithm) per credential, per source IP and for the
//! whole server, in cost units so that expensive methods and every item of a batch count.
//!
//! The keyed state is bounded: an entry whose theoretical arrival time (TAT) has passed carries
//! no information (a fresh key behaves the same), so a timer drops those; and when a limiter
//! already tracks `max_keys` keys, new keys share one overflow bucket instead of growing the
//! map. Memory is therefore `O(max_keys)` whatever an attacker sends. The limiter is a few dozen
//! lines rather than `governor`'s keyed store, whose map can be pruned but not capped.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use palisade_node::config::{Quota, RateLimitConfig};
use parking_lot::Mutex;
use serde_json::Value;

use crate::metrics;

const SHARDS: usize = 16;

/// The quota's parameters in nanoseconds.
#[derive(Clone, Copy, Debug)]
struct Gcra {
    /// Time one cost unit "occupies": 1 / rate.
    interval: u64,
    /// How far ahead of now the TAT may run: burst × interval.
    tolerance: u64,
}

impl Gcra {
    fn new(q: Quota) -> Self {
        let interval = (1e9 / q.rate).max(1.0) as u64;
        Self {
            interval,
            tolerance: interval.saturating_mul(u64::from(q.burst)),
        }
    }

    /// Admits `cost` units at `now` against `tat`, or returns how long to wait.
    // INVARIANT: a refused request leaves the state unchanged, so a flood that is refused does
    // not push the legitimate traffic of the same key further into the future.
    fn admit(&self, tat: &mut u64, now: u64, cost: u32) -> Result<(), Duration> {
        let need = self.interval.saturating_mul(u64::from(cost));
        if need > self.tolerance {
            // Never admissible: more than a full burst at once.
            return Err(Duration::MAX);
        }
        let new_tat = (*tat).max(now).saturating_add(need);
        let allow_at = new_tat.saturating_sub(self.tolerance);
        if allow_at > now {
            return Err(Duration::from_nanos(allow_at - now));
        }
        *tat = new_tat;
        Ok(())
    }
}

/// A GCRA limiter over keys of type `K` with bounded memory.
pub struct KeyedLimiter<K> {
    gcra: Gcra,
    shards: Vec<Mutex<HashMap<K, u64>>>,
    overflow: Mutex<u64>,
    max_per_shard: usize,
    hasher: std::collections::hash_map::RandomState,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn new(quota: Quota, max_keys: usize) -> Self {
        Self {
            gcra: Gcra::new(quota),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            overflow: Mutex::new(0),
            max_per_shard: max_keys.div_ceil(SHARDS).max(1),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn shard(&self, key: &K) -> &Mutex<HashMap<K, u64>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[i]
    }

    pub fn check(&self, key: &K, cost: u32, now: u64) -> Result<(), Duration> {
        let mut map = self.shard(key).lock();
        if let Some(tat) = map.get_mut(key) {
            return self.gcra.admit(tat, now, cost);
        }
        if map.len() >= self.max_per_shard {
            map.retain(|_, tat| *tat > now);
        }
        if map.len() >= self.max_per_shard {
            // Full of keys that are all still active: the newcomer shares the overflow bucket.
            drop(map);
            return self.gcra.admit(&mut self.overflow.lock(), now, cost);
        }
        let mut tat = 0;
        let r = self.gcra.admit(&mut tat, now, cost);
        if r.is_ok() {
            map.insert(key.clone(), tat);
        }
        r
    }

    /// Drops the keys whose state equals a fresh key's.
    pub fn prune(&self, now: u64) {
        for s in &self.shards {
            s.lock().retain(|_, tat| *tat > now);
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Credential,
    Ip,
    Global,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::Credential => "credential",
            Scope::Ip => "ip",
            Scope::Global => "global",
        }
    }
}

#[derive(Debug)]
pub struct Limited {
    pub scope: Scope,
    /// `None`: the request costs more than a full burst and can never pass.
    pub retry_after: Option<Duration>,
    pub cost: u32,
}

impl Limited {
    /// Whole seconds for the `Retry-After` header (at least 1).
    pub fn retry_after_secs(&self) -> u64 {
        match self.retry_after {
            Some(d) => d.as_secs() + u64::from(d.subsec_nanos() > 0),
            None => 60,
        }
        .max(1)
    }

    pub fn message(&self) -> String {
        match self.retry_after {
            Some(_) => format!(
                "rate limit exceeded ({} limit): retry after {} s or lower the request rate",
                self.scope.label(),
                self.retry_after_secs()
            ),
            None => format!(
                "request costs {} units, more than the {} limit's burst: split the batch",
                self.cost,
                self.scope.label()
            ),
        }
    }
}

/// All rate limits of a server, shared by its listeners.
pub struct RateLimits {
    per_credential: Option<KeyedLimiter<Arc<str>>>,
    per_ip: Option<KeyedLimiter<IpAddr>>,
    global: Option<(Gcra, Mutex<u64>)>,
    costs: BTreeMap<String, u32>,
    epoch: Instant,
}

impl RateLimits {
    pub fn new(c: &RateLimitConfig) -> Self {
        Self {
            per_credential: c.per_credential.map(|q| KeyedLimiter::new(q, c.max_keys)),
            per_ip: c.per_ip.map(|q| KeyedLimiter::new(q, c.max_keys)),
            global: c.global.map(|q| (Gcra::new(q), Mutex::new(0))),
            costs: c.costs.clone(),
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The cost of a parsed JSON-RPC body: the sum over every item of a batch (at least 1).
    pub fn cost_of(&self, body: &Value) -> u32 {
        let item = |v: &Value| {
            v.get("method")
                .and_then(Value::as_str)
                .and_then(|m| self.costs.get(m).copied())
                .unwrap_or(1)
                .max(1)
        };
        match body {
            Value::Array(items) => items
                .iter()
                .map(item)
                .fold(0u32, u32::saturating_add)
                .max(1),
            other => item(other),
        }
    }

    /// Before authentication: one unit per HTTP request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Limited> {
        if let Some(l) = &self.per_ip {
            l.check(&ip, 1, self.now())
                .map_err(|d| self.refused(Scope::Ip, d, 1))?;
        }
        Ok(())
    }

    /// After authentication and parsing: the full cost per credential and globally, and the
    /// rest of it (one unit was taken by [`check_ip`](Self::check_ip)) per IP.
    pub fn check_rpc(&self, credential: &str, ip: IpAddr, cost: u32) -> Result<(), Limited> {
        let now = self.now();
        if let Some(l) = &self.per_credential {
            l.check(&Arc::from(credential), cost, now)
                .map_err(|d| self.refused(Scope::Credential, d, cost))?;
        }
        if let Some(l) = &self.per_ip {
            if cost > 1 {
                l.check(&ip, cost - 1, now)
                    .map_err(|d| self.refused(Scope::Ip, d, cost))?;
            }
        }
        if let Some((g, tat)) = &self.global {
            g.admit(&mut tat.lock(), now, cost)
                .map_err(|d| self.refused(Scope::Global, d, cost))?;
        }
        Ok(())
    }

    fn refused(&self, scope: Scope, d: Duration, cost: u32) -> Limited {
        metrics::global().rate_limited(scope.label());
        Limited {
            scope,
            retry_after: (d != Duration::MAX).then_some(d),
            cost,
        }
    }

    /// Drops idle keys; call periodically.
    pub fn prune(&self) {
        let now = self.now();
        if let Some(l) = &self.per_credential {
            l.prune(now);
        }
        if let Some(l) = &self.per_ip {
            l.prune(now);
        }
    }

    /// Keys tracked now (credential, ip).
    pub fn tracked_keys(&self) -> (usize, usize) {
        (
            self.per_credential.as_ref().map_or(0, KeyedLimiter::len),
            self.per_ip.as_ref().map_or(0, KeyedLimiter::len),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    const S: u64 = 1_000_000_000;

    fn q(rate: f64, burst: u32) -> Quota {
        Quota { rate, burst }
    }

    #[test]
    fn gcra_allows_burst_then_rate() {
        let l = KeyedLimiter::new(q(10.0, 5), 100);
        for _ in 0..5 {
            l.check(&1u8, 1, 0).unwrap();
        }
        let wait = l.check(&1u8, 1, 0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        // After 100 ms one more unit is allowed, not two.
        l.check(&1u8, 1, S / 10).unwrap();
        assert!(l.check(&1u8, 1, S / 10).is_err());
        // Another key is independent.
        l.check(&2u8, 5, 0).unwrap();
    }

    #[test]
    fn refusals_do_not_consume() {
        let l = KeyedLimiter::new(q(1.0, 2), 100);
        l.check(&1u8, 2, 0).unwrap();
        for _ in 0..1000 {
            assert!(l.check(&1u8, 1, S / 2).is_err());
        }
        l.check(&1u8, 1, S).unwrap();
    }

    #[test]
    fn cost_larger_than_burst_never_passes() {
        let l = KeyedLimiter::new(q(100.0, 10), 100);
        assert_eq!(l.check(&1u8, 11, 0).unwrap_err(), Duration::MAX);
    }

    #[test]
    fn memory_is_bounded_and_pruned() {
        let l = KeyedLimiter::new(q(1.0, 1), 64);
        for k in 0..10_000u32 {
            let _ = l.check(&k, 1, 0);
        }
        assert!(l.len() <= 64 + SHARDS, "{} keys tracked", l.len());
        // Everything has expired after one interval: pruning empties the map.
        l.prune(2 * S);
        assert!(l.is_empty());
        // New keys over the cap share the overflow bucket (and are limited together).
        for k in 0..10_000u32 {
            let _ = l.check(&k, 1, 3 * S);
        }
        assert!(l.len() <= 64 + SHARDS);
    }

    #[test]
    fn batch_items_each_count() {
        let mut c = RateLimitConfig::default();
        c.costs.insert("eth_getLogs".into(), 10);
        let r = RateLimits::new(&c);
        let batch: Value = serde_json::json!([
            {"method": "eth_getLogs"}, {"method": "eth_blockNumber"}, {"method": "eth_blockNumber"}
        ]);
        assert_eq!(r.cost_of(&batch), 12);
        assert_eq!(r.cost_of(&serde_json::json!({"method": "eth_chainId"})), 1);
        assert_eq!(r.cost_of(&serde_json::json!([])), 1);
    }

    #[test]
    fn credential_limit_refuses_with_retry_after() {
        let c = RateLimitConfig {
            per_credential: Some(q(2.0, 2)),
            per_ip: None,
            global: None,
            ..RateLimitConfig::default()
        };
        let r = RateLimits::new(&c);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        r.check_rpc("a", ip, 2).unwrap();
        let e = r.check_rpc("a", ip, 1).unwrap_err();
        assert_eq!(e.scope, Scope::Credential);
        assert_eq!(e.retry_after_secs(), 1);
        assert!(e.message().contains("rate limit exceeded"));
        r.check_rpc("b", ip, 2).unwrap();
        let e = r.check_rpc("c", ip, 3).unwrap_err();
        assert!(e.retry_after.is_none() && e.message().contains("split the batch"));
    }
}
