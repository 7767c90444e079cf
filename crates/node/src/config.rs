//! `palisade.toml`: where to listen, where data lives, the upstream node per chain, and the
//! network defences (TLS, listeners, rate limits, overload, RPC firewall).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address of the JSON-RPC and admin listener. Loopback by default.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Data directory (embedded store).
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Upstream nodes; the first is the default chain served at `/` and `/rpc`.
    #[serde(default)]
    pub chains: Vec<ChainConfig>,
    #[serde(default)]
    pub limits: Limits,
    /// TLS for the public listener (plain HTTP when absent).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Source addresses allowed on the public listener (empty: any).
    #[serde(default)]
    pub allow_cidrs: Vec<Cidr>,
    /// Browser origins allowed to call the public listener. Empty: no check; otherwise a request
    /// whose `Origin` header is not listed is refused with 403.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// A separate admin listener. When set, the admin API (`/v1/`) and `/metrics` are served only
    /// there and the public listener answers them with 404.
    #[serde(default)]
    pub admin_listener: Option<AdminListenerConfig>,
    #[serde(default)]
    pub rate_limits: RateLimitConfig,
    #[serde(default)]
    pub overload: OverloadConfig,
    #[serde(default)]
    pub firewall: FirewallConfig,
    #[serde(default)]
    pub websocket: WebSocketConfig,
}

/// TLS 1.3 with certificate files that are reloaded when they change (or on SIGHUP).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM CA bundle. When set, every client must present a certificate signed by it (mTLS);
    /// clients without one are refused during the handshake.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// Client certificate SHA-256 fingerprint (hex) → credential id. A request on a connection
    /// with a mapped certificate acts as that credential without a bearer token; a token, if
    /// sent as well, must belong to the same credential.
    #[serde(default)]
    pub client_credentials: BTreeMap<String, String>,
    /// How often the certificate files are checked for changes.
    #[serde(default = "default_reload_secs")]
    pub reload_interval_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminListenerConfig {
    pub listen: SocketAddr,
    /// Source addresses allowed (empty: loopback only).
    #[serde(default)]
    pub allow_cidrs: Vec<Cidr>,
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// A GCRA quota: a sustained `rate` in cost units per second and a `burst` of units.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub rate: f64,
    pub burst: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Per credential, in cost units.
    #[serde(default = "default_per_credential")]
    pub per_credential: Option<Quota>,
    /// Per source IP, in cost units (every HTTP request costs at least one, before
    /// authentication).
    #[serde(default = "default_per_ip")]
    pub per_ip: Option<Quota>,
    /// Whole server, in cost units of authenticated JSON-RPC requests.
    #[serde(default = "default_global")]
    pub global: Option<Quota>,
    /// Cost of a method (default 1); every item of a batch is counted.
    #[serde(default = "default_costs")]
    pub costs: BTreeMap<String, u32>,
    /// Most keys (credentials or IPs) tracked per limiter; beyond it, new keys share one bucket.
    #[serde(default = "default_max_keys")]
    pub max_keys: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_credential: default_per_credential(),
            per_ip: default_per_ip(),
            global: default_global(),
            costs: default_costs(),
            max_keys: default_max_keys(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverloadConfig {
    /// Requests handled at once across all listeners; beyond it, 503 at once (load shedding).
    #[serde(default = "default_in_flight")]
    pub max_in_flight: usize,
    /// Open connections across all listeners; beyond it, new connections are closed at once.
    #[serde(default = "default_connections")]
    pub max_connections: usize,
    /// Open connections from one source IP.
    #[serde(default = "default_connections_per_ip")]
    pub max_connections_per_ip: usize,
    /// Time allowed for the TLS handshake and for a request's headers (slowloris).
    #[serde(default = "default_header_timeout")]
    pub header_read_timeout_ms: u64,
    /// Time allowed for a request body to arrive (slow uploads).
    #[serde(default = "default_body_timeout")]
    pub body_read_timeout_ms: u64,
    /// Time allowed for a whole request; past it the client gets 503 (the work itself is not
    /// cancelled halfway, so a signature is never half-recorded).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_ms: u64,
}

impl Default for OverloadConfig {
    fn default() -> Self {
        Self {
            max_in_flight: default_in_flight(),
            max_connections: default_connections(),
            max_connections_per_ip: default_connections_per_ip(),
            header_read_timeout_ms: default_header_timeout(),
            body_read_timeout_ms: default_body_timeout(),
            request_timeout_ms: default_request_timeout(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallConfig {
    /// Largest upstream answer passed on; larger ones are refused with -32005.
    #[serde(default = "default_response_bytes")]
    pub max_response_bytes: usize,
    /// Widest `eth_getLogs` / `eth_newFilter` block range forwarded.
    #[serde(default = "default_get_logs_blocks")]
    pub max_get_logs_blocks: u64,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        Self {
            max_response_bytes: default_response_bytes(),
            max_get_logs_blocks: default_get_logs_blocks(),
        }
    }
}

/// An IPv4 or IPv6 network such as `10.0.0.0/8` or `::1/128`; a bare address is a single host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            _ => ip,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP network (expected e.g. `10.0.0.0/8`)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has an invalid prefix length (0-{max})"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether `ip` may connect given an allowlist (empty: everyone).
pub fn allowed_by(list: &[Cidr], ip: IpAddr) -> bool {
    list.is_empty() || list.iter().any(|c| c.contains(ip))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// EIP-155 chain id. When omitted it is read from the upstream at start.
    pub id: Option<u64>,
    /// `http://` or `https://` URL of the upstream execution node.
    pub upstream: String,
    /// `ws://` or `wss://` URL of the same node for WebSocket clients (subscriptions). When
    /// omitted it is derived from `upstream` (http→ws, https→wss, same host, port and path),
    /// which is where anvil, geth (`--ws` on the HTTP port) and reth serve it.
    #[serde(default)]
    pub ws_url: Option<String>,
}

impl ChainConfig {
    /// The upstream WebSocket URL: `ws_url`, else derived from `upstream`.
    pub fn websocket_url(&self) -> String {
        if let Some(u) = &self.ws_url {
            return u.clone();
        }
        if let Some(rest) = self.upstream.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.upstream.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.upstream.clone()
        }
    }
}

/// WebSocket JSON-RPC on the public listener (`GET /`, `/rpc`, `/rpc/{chain_id}` with
/// `Upgrade: websocket`). Messages get the same checks as HTTP requests.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketConfig {
    /// Whether upgrades are accepted at all.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// A connection with no request and no subscription for this long is closed (1001).
    #[serde(default = "default_ws_idle")]
    pub idle_timeout_secs: u64,
    /// The server pings at this interval; a peer silent for two intervals is closed.
    #[serde(default = "default_ws_ping")]
    pub ping_interval_secs: u64,
    /// Requests (messages) being worked on at once per connection; more get -32030.
    #[serde(default = "default_ws_pending")]
    pub max_pending: usize,
    /// Active `eth_subscribe` subscriptions per connection.
    #[serde(default = "default_ws_subscriptions")]
    pub max_subscriptions: usize,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            idle_timeout_secs: default_ws_idle(),
            ping_interval_secs: default_ws_ping(),
            max_pending: default_ws_pending(),
            max_subscriptions: default_ws_subscriptions(),
        }
    }
}

fn default_true() -> bool {
    true
}
/// Upper bounds of the `[websocket]` settings.
const WS_MAX_PING_SECS: u64 = 3600;
const WS_MAX_IDLE_SECS: u64 = 86_400;
const WS_MAX_PENDING: u64 = 65_536;
const WS_MAX_SUBSCRIPTIONS: u64 = 100_000;

fn default_ws_idle() -> u64 {
    300
}
fn default_ws_ping() -> u64 {
    30
}
fn default_ws_pending() -> usize {
    64
}
fn default_ws_subscriptions() -> usize {
    100
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    #[serde(default = "default_batch")]
    pub max_batch: usize,
    #[serde(default = "default_upstream_timeout")]
    pub upstream_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: default_body(),
            max_batch: default_batch(),
            upstream_timeout_ms: default_upstream_timeout(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8550))
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("./palisade-data")
}
fn default_body() -> usize {
    1024 * 1024
}
fn default_batch() -> usize {
    100
}
fn default_upstream_timeout() -> u64 {
    15_000
}
fn default_reload_secs() -> u64 {
    5
}
// Defaults sized so one credential can sustain the signing budget (1,000 signs/s at cost 5)
// and bursts such as 50 concurrent sends; tighten per deployment in `[rate_limits]`.
fn default_per_credential() -> Option<Quota> {
    Some(Quota {
        rate: 5_000.0,
        burst: 10_000,
    })
}
fn default_per_ip() -> Option<Quota> {
    Some(Quota {
        rate: 10_000.0,
        burst: 20_000,
    })
}
fn default_global() -> Option<Quota> {
    Some(Quota {
        rate: 50_000.0,
        burst: 100_000,
    })
}
fn default_costs() -> BTreeMap<String, u32> {
    [
        ("eth_sendTransaction", 10),
        ("eth_sendRawTransaction", 5),
        ("eth_signTransaction", 5),
        ("account_signTransaction", 5),
        ("eth_getLogs", 10),
        ("eth_getFilterLogs", 10),
        ("eth_newFilter", 5),
        ("eth_call", 2),
        ("eth_estimateGas", 2),
        ("eth_createAccessList", 2),
        ("eth_getProof", 5),
        ("eth_getBlockReceipts", 5),
    ]
    .into_iter()
    .map(|(m, c)| (m.to_string(), c))
    .collect()
}
fn default_max_keys() -> usize {
    100_000
}
fn default_in_flight() -> usize {
    512
}
fn default_connections() -> usize {
    4096
}
fn default_connections_per_ip() -> usize {
    512
}
fn default_header_timeout() -> u64 {
    5_000
}
fn default_body_timeout() -> u64 {
    10_000
}
fn default_request_timeout() -> u64 {
    30_000
}
fn default_response_bytes() -> usize {
    16 * 1024 * 1024
}
fn default_get_logs_blocks() -> u64 {
    10_000
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            data_dir: default_data_dir(),
            chains: Vec::new(),
            limits: Limits::default(),
            tls: None,
            allow_cidrs: Vec::new(),
            allowed_origins: Vec::new(),
            admin_listener: None,
            rate_limits: RateLimitConfig::default(),
            overload: OverloadConfig::default(),
            firewall: FirewallConfig::default(),
            websocket: WebSocketConfig::default(),
        }
    }
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let c: Config = toml::from_str(text).map_err(|e| format!("invalid config: {e}"))?;
        for chain in &c.chains {
            if !(chain.upstream.starts_with("http://") || chain.upstream.starts_with("https://")) {
                return Err(format!(
                    "invalid config: upstream `{}` must be an http:// or https:// URL",
                    chain.upstream
                ));
            }
            if let Some(ws) = &chain.ws_url {
                if !(ws.starts_with("ws://") || ws.starts_with("wss://")) {
                    return Err(
                        "invalid config: a chain's `ws_url` must be a ws:// or wss:// URL".into(),
                    );
                }
            }
        }
        let w = &c.websocket;
        if w.max_pending == 0 || w.ping_interval_secs == 0 || w.idle_timeout_secs == 0 {
            return Err("invalid config: `[websocket]` max_pending, ping_interval_secs and idle_timeout_secs must be at least 1".into());
        }
        // Upper bounds: timers and semaphores are built from these (a huge value would panic).
        for (name, value, max) in [
            ("ping_interval_secs", w.ping_interval_secs, WS_MAX_PING_SECS),
            ("idle_timeout_secs", w.idle_timeout_secs, WS_MAX_IDLE_SECS),
            ("max_pending", w.max_pending as u64, WS_MAX_PENDING),
            (
                "max_subscriptions",
                w.max_subscriptions as u64,
                WS_MAX_SUBSCRIPTIONS,
            ),
        ] {
            if value > max {
                return Err(format!(
                    "invalid config: `[websocket]` {name} must be at most {max} (got {value})"
                ));
            }
        }
        c.validate_network()?;
        Ok(c)
    }

    /// Checks the network sections beyond what their types say.
    fn validate_network(&self) -> Result<(), String> {
        let r = &self.rate_limits;
        let quotas = [
            ("per_credential", r.per_credential),
            ("per_ip", r.per_ip),
            ("global", r.global),
        ];
        for (name, q) in quotas {
            if let Some(q) = q {
                if !(q.rate.is_finite() && q.rate > 0.0) || q.burst == 0 {
                    return Err(format!(
                        "invalid config: `rate_limits.{name}` needs rate > 0 and burst >= 1"
                    ));
                }
            }
        }
        let o = &self.overload;
        if o.max_in_flight == 0 || o.max_connections == 0 || o.max_connections_per_ip == 0 {
            return Err("invalid config: `overload` limits must be at least 1".into());
        }
        if let Some(admin) = &self.admin_listener {
            if admin.listen == self.listen {
                return Err(format!(
                    "invalid config: `admin_listener.listen` must differ from `listen` ({})",
                    self.listen
                ));
            }
        }
        let tls_sections = self
            .tls
            .iter()
            .chain(self.admin_listener.iter().filter_map(|a| a.tls.as_ref()));
        for tls in tls_sections {
            for fp in tls.client_credentials.keys() {
                if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "invalid config: client certificate fingerprint `{fp}` must be 64 hex digits (SHA-256 of the DER)"
                    ));
                }
            }
            if !tls.client_credentials.is_empty() && tls.client_ca.is_none() {
                return Err("invalid config: `tls.client_credentials` needs `tls.client_ca` (mTLS) to be set".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn cidr_matching() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            net.contains("::ffff:10.1.0.9".parse().unwrap()),
            "v4-mapped v6 peers match v4 networks"
        );
        let host: Cidr = "127.0.0.1".parse().unwrap();
        assert_eq!(host.prefix, 32);
        assert!(!host.contains("127.0.0.2".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nope/8".parse::<Cidr>().is_err());
    }

    #[test]
    fn network_sections_parse_and_validate() {
        let c = Config::from_toml(
            r#"
            allow_cidrs = ["127.0.0.0/8"]
            [rate_limits]
            per_credential = { rate = 5, burst = 10 }
            per_ip = { rate = 50, burst = 100 }
            [rate_limits.costs]
            eth_getLogs = 20
            [admin_listener]
            listen = "127.0.0.1:9551"
            allow_cidrs = ["10.0.0.7/32"]
            [firewall]
            max_get_logs_blocks = 100
            "#,
        )
        .unwrap();
        assert_eq!(
            c.rate_limits.per_credential,
            Some(Quota {
                rate: 5.0,
                burst: 10
            })
        );
        assert_eq!(c.rate_limits.costs.get("eth_getLogs"), Some(&20));
        assert_eq!(c.firewall.max_get_logs_blocks, 100);
        assert!(Config::from_toml("[rate_limits]\nper_ip = { rate = 0, burst = 1 }").is_err());
        assert!(Config::from_toml(
            "[tls]\ncert = \"a\"\nkey = \"b\"\n[tls.client_credentials]\nabc = \"x\""
        )
        .is_err());
        assert!(Config::from_toml("[overload]\nmax_in_flight = 0").is_err());
    }

    #[test]
    fn websocket_urls_and_section() {
        let c = Config::from_toml(
            "[[chains]]\nid = 1\nupstream = \"https://n.example/v3/k\"\n[[chains]]\nid = 2\nupstream = \"http://127.0.0.1:8545\"\n[[chains]]\nid = 3\nupstream = \"http://a:8545\"\nws_url = \"ws://a:8546\"\n[websocket]\nmax_subscriptions = 5\n",
        )
        .unwrap();
        assert_eq!(c.chains[0].websocket_url(), "wss://n.example/v3/k");
        assert_eq!(c.chains[1].websocket_url(), "ws://127.0.0.1:8545");
        assert_eq!(c.chains[2].websocket_url(), "ws://a:8546");
        assert_eq!(c.websocket.max_subscriptions, 5);
        assert_eq!(c.websocket.max_pending, 64);
        let bad = Config::from_toml(
            "[[chains]]\nupstream = \"http://a:8545\"\nws_url = \"http://a:8546\"\n",
        );
        assert!(bad.unwrap_err().contains("ws_url"));
        assert!(Config::from_toml("[websocket]\nmax_pending = 0\n").is_err());
    }

    #[test]
    fn websocket_settings_have_upper_bounds() {
        for (key, max) in [
            ("ping_interval_secs", 3600u64),
            ("idle_timeout_secs", 86_400),
            ("max_pending", 65_536),
            ("max_subscriptions", 100_000),
        ] {
            assert!(
                Config::from_toml(&format!("[websocket]\n{key} = {max}\n")).is_ok(),
                "{key} = {max}"
            );
            let e = Config::from_toml(&format!("[websocket]\n{key} = {}\n", max + 1)).unwrap_err();
            assert!(e.contains(key) && e.contains("at most"), "{e}");
        }
        let huge = Config::from_toml("[websocket]\nping_interval_secs = 18446744073709551615\n");
        assert!(huge.unwrap_err().contains("ping_interval_secs"));
    }
}
