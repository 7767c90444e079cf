//! Prometheus metrics at `/metrics`, in the text exposition format, written by hand (a few
//! counters and histograms do not need a metrics framework).
//!
//! INVARIANT: every label value comes from a fixed set (known method names, namespaces, status
//! codes, fixed reasons), so a client sending random method names cannot grow the series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use crate::firewall;
use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Methods Palisade answers itself (label values for them).
const OWN_METHODS: &[&str] = &[
    "account_list",
    "account_signData",
    "account_signTransaction",
    "account_signTypedData",
    "account_version",
    "eth_accounts",
    "eth_chainId",
    "eth_sendRawTransaction",
    "eth_sendTransaction",
    "eth_sign",
    "eth_signTransaction",
    "eth_signTypedData",
    "eth_signTypedData_v3",
    "eth_signTypedData_v4",
    "personal_sign",
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }
}

#[derive(Default)]
pub struct Metrics {
    rpc: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    rpc_latency: Mutex<BTreeMap<&'static str, Histogram>>,
    http: Mutex<BTreeMap<(&'static str, u16), u64>>,
    http_latency: Mutex<BTreeMap<&'static str, Histogram>>,
    rate_limited: Mutex<BTreeMap<&'static str, u64>>,
    shed: Mutex<BTreeMap<&'static str, u64>>,
    firewall_denied: Mutex<BTreeMap<&'static str, u64>>,
    tls_failures: Mutex<BTreeMap<&'static str, u64>>,
    tls_reloads: AtomicU64,
    in_flight: AtomicI64,
    connections: AtomicI64,
    keys_credential: AtomicU64,
    keys_ip: AtomicU64,
    sealed: AtomicBool,
}

static GLOBAL: OnceLock<Metrics> = OnceLock::new();

/// The process's metrics (one registry per process, like Prometheus' default registry).
pub fn global() -> &'static Metrics {
    GLOBAL.get_or_init(Metrics::default)
}

/// A bounded label for a JSON-RPC method name.
pub fn method_label(method: &str) -> &'static str {
    if let Ok(i) = OWN_METHODS.binary_search(&method) {
        return OWN_METHODS[i];
    }
    if let Ok(i) = firewall::READ_ONLY.binary_search(&method) {
        return firewall::READ_ONLY[i];
    }
    match firewall::classify(method) {
        firewall::Verdict::HardDenied(prefix) => prefix,
        _ => "other",
    }
}

/// The outcome label of a JSON-RPC error code.
pub fn outcome_label(code: Option<i64>) -> &'static str {
    use crate::errors::*;
    match code {
        None => "ok",
        Some(PARSE_ERROR) | Some(INVALID_REQUEST) | Some(INVALID_PARAMS) => "invalid",
        Some(METHOD_NOT_FOUND) => "method_not_found",
        Some(UNAUTHENTICATED) => "unauthenticated",
        Some(DENIED) => "denied",
        Some(SEALED) => "sealed",
        Some(FROZEN) => "frozen",
        Some(UNKNOWN_KEY) => "unknown_key",
        Some(UPSTREAM) => "upstream_error",
        Some(WRONG_CHAIN) => "wrong_chain",
        Some(crate::server::RATE_LIMITED) => "rate_limited",
        Some(crate::server::OVERLOADED) => "overloaded",
        Some(INTERNAL) => "internal",
        Some(_) => "node_error",
    }
}

fn bump<K: Ord>(m: &Mutex<BTreeMap<K, u64>>, k: K) {
    *m.lock().entry(k).or_default() += 1;
}

impl Metrics {
    /// One JSON-RPC item: its method, the error code if it failed, and how long it took.
    pub fn rpc(&self, method: &str, code: Option<i64>, took: Duration) {
        let m = method_label(method);
        bump(&self.rpc, (m, outcome_label(code)));
        self.rpc_latency
            .lock()
            .entry(m)
            .or_default()
            .observe(took.as_secs_f64());
    }
    pub fn http(&self, listener: &'static str, status: u16, took: Duration) {
        bump(&self.http, (listener, status));
        self.http_latency
            .lock()
            .entry(listener)
            .or_default()
            .observe(took.as_secs_f64());
    }
    pub fn rate_limited(&self, scope: &'static str) {
        bump(&self.rate_limited, scope);
    }
    pub fn shed(&self, reason: &'static str) {
        bump(&self.shed, reason);
    }
    pub fn firewall_denied(&self, reason: &'static str) {
        bump(&self.firewall_denied, reason);
    }
    pub fn tls_failure(&self, listener: &'static str) {
        bump(&self.tls_failures, listener);
    }
    pub fn tls_reloaded(&self) {
        self.tls_reloads.fetch_add(1, Ordering::Relaxed);
    }
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }
    pub fn connections(&self, delta: i64) {
        self.connections.fetch_add(delta, Ordering::Relaxed);
    }
    pub fn tracked_keys(&self, credential: usize, ip: usize) {
        self.keys_credential
            .store(credential as u64, Ordering::Relaxed);
        self.keys_ip.store(ip as u64, Ordering::Relaxed);
    }

    /// The text exposition.
    pub fn render(&self, sealed: bool) -> String {
        self.sealed.store(sealed, Ordering::Relaxed);
        let mut o = String::with_capacity(8192);
        header_line(
            &mut o,
            "palisade_sealed",
            "gauge",
            "1 when the server is sealed and refuses to sign",
        );
        let _ = writeln!(o, "palisade_sealed {}", u8::from(sealed));

        header_line(
            &mut o,
            "palisade_rpc_requests_total",
            "counter",
            "JSON-RPC requests (batch items count one each) by method and outcome",
        );
        for ((m, out), n) in self.rpc.lock().iter() {
            let _ = writeln!(
                o,
                "palisade_rpc_requests_total{{method=\"{m}\",outcome=\"{out}\"}} {n}"
            );
        }
        header_line(
            &mut o,
            "palisade_rpc_request_duration_seconds",
            "histogram",
            "JSON-RPC item latency by method",
        );
        for (m, h) in self.rpc_latency.lock().iter() {
            histogram(
                &mut o,
                "palisade_rpc_request_duration_seconds",
                &format!("method=\"{m}\""),
                h,
            );
        }
        header_line(
            &mut o,
            "palisade_http_requests_total",
            "counter",
            "HTTP requests by listener and status",
        );
        for ((l, s), n) in self.http.lock().iter() {
            let _ = writeln!(
                o,
                "palisade_http_requests_total{{listener=\"{l}\",code=\"{s}\"}} {n}"
            );
        }
        header_line(
            &mut o,
            "palisade_http_request_duration_seconds",
            "histogram",
            "HTTP request latency by listener",
        );
        for (l, h) in self.http_latency.lock().iter() {
            histogram(
                &mut o,
                "palisade_http_request_duration_seconds",
                &format!("listener=\"{l}\""),
                h,
            );
        }
        labelled(
            &mut o,
            "palisade_rate_limited_total",
            "requests refused with 429 by limit",
            "scope",
            &self.rate_limited,
        );
        labelled(
            &mut o,
            "palisade_shed_total",
            "requests or connections refused at once because of overload",
            "reason",
            &self.shed,
        );
        labelled(
            &mut o,
            "palisade_firewall_denied_total",
            "JSON-RPC items and requests refused by the RPC firewall",
            "reason",
            &self.firewall_denied,
        );
        labelled(
            &mut o,
            "palisade_tls_handshake_failures_total",
            "TLS handshakes that failed (including refused client certificates)",
            "listener",
            &self.tls_failures,
        );
        header_line(
            &mut o,
            "palisade_tls_reloads_total",
            "counter",
            "certificate reloads",
        );
        let _ = writeln!(
            o,
            "palisade_tls_reloads_total {}",
            self.tls_reloads.load(Ordering::Relaxed)
        );
        header_line(
            &mut o,
            "palisade_in_flight_requests",
            "gauge",
            "requests being handled",
        );
        let _ = writeln!(
            o,
            "palisade_in_flight_requests {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        header_line(
            &mut o,
            "palisade_open_connections",
            "gauge",
            "open client connections",
        );
        let _ = writeln!(
            o,
            "palisade_open_connections {}",
            self.connections.load(Ordering::Relaxed)
        );
        header_line(
            &mut o,
            "palisade_rate_limit_keys",
            "gauge",
            "keys tracked by the rate limiters",
        );
        let _ = writeln!(
            o,
            "palisade_rate_limit_keys{{scope=\"credential\"}} {}",
            self.keys_credential.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            o,
            "palisade_rate_limit_keys{{scope=\"ip\"}} {}",
            self.keys_ip.load(Ordering::Relaxed)
        );
        o
    }
}

fn header_line(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn labelled(
    o: &mut String,
    name: &str,
    help: &str,
    label: &str,
    m: &Mutex<BTreeMap<&'static str, u64>>,
) {
    header_line(o, name, "counter", help);
    for (k, n) in m.lock().iter() {
        let _ = writeln!(o, "{name}{{{label}=\"{k}\"}} {n}");
    }
}

fn histogram(o: &mut String, name: &str, labels: &str, h: &Histogram) {
    for (b, c) in BUCKETS.iter().zip(h.counts.iter()) {
        let _ = writeln!(o, "{name}_bucket{{{labels},le=\"{b}\"}} {c}");
    }
    let _ = writeln!(o, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(o, "{name}_sum{{{labels}}} {}", h.sum);
    let _ = writeln!(o, "{name}_count{{{labels}}} {}", h.count);
}

/// `GET /metrics`.
pub async fn handler(State(app): State<AppState>) -> Response {
    let body = global().render(app.node.is_sealed());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_methods_sorted() {
        let mut s = OWN_METHODS.to_vec();
        s.sort_unstable();
        assert_eq!(s, OWN_METHODS);
    }

    #[test]
    fn labels_are_bounded() {
        assert_eq!(method_label("eth_getLogs"), "eth_getLogs");
        assert_eq!(method_label("personal_unlockAccount"), "personal_");
        assert_eq!(method_label("x_random_123"), "other");
        assert_eq!(method_label("eth_sign"), "eth_sign");
    }

    #[test]
    fn exposition_has_series() {
        let m = Metrics::default();
        m.rpc("eth_blockNumber", None, Duration::from_micros(300));
        m.rpc(
            "admin_peers",
            Some(crate::errors::DENIED),
            Duration::from_micros(30),
        );
        m.rate_limited("credential");
        let text = m.render(true);
        assert!(text.contains("palisade_sealed 1"));
        assert!(
            text.contains("palisade_rpc_requests_total{method=\"admin_\",outcome=\"denied\"} 1"),
            "{text}"
        );
        assert!(text.contains("palisade_rpc_request_duration_seconds_bucket{method=\"eth_blockNumber\",le=\"0.0005\"} 1"));
        assert!(text.contains("palisade_rate_limited_total{scope=\"credential\"} 1"));
    }
}
