//! `palisade.toml`: where to listen, where data lives, and the upstream node per chain.

use std::net::SocketAddr;
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
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// EIP-155 chain id. When omitted it is read from the upstream at start.
    pub id: Option<u64>,
    /// `http://` or `https://` URL of the upstream execution node.
    pub upstream: String,
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

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            data_dir: default_data_dir(),
            chains: Vec::new(),
            limits: Limits::default(),
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
        }
        Ok(c)
    }
}
