//! On-chain watch: polls the upstream node block by block for
//! - `OwnershipTransferred`, `AdminChanged` and `Upgraded` logs of watched contracts,
//! - transactions from watched addresses whose value exceeds a threshold,
//! - ERC-20 `Approval` logs whose owner is a watched address and whose spender is not known,
//!
//! and turns each into an [`Event`] of kind `chain` for the detection engine.

use std::collections::BTreeSet;
use std::time::Duration;

use palisade_audit::AuditRecord;
use serde::Deserialize;
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use tokio::sync::mpsc;

use crate::event::Event;

/// Blocks examined per poll at most (catch-up is spread over several polls).
const MAX_BLOCKS_PER_POLL: u64 = 64;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// Poll interval (default 2s).
    #[serde(default)]
    pub interval: Option<String>,
    /// Node to watch (default: the first configured chain's upstream).
    #[serde(default)]
    pub upstream: Option<String>,
    /// Contracts whose ownership / admin / implementation changes raise alerts.
    #[serde(default)]
    pub contracts: Vec<String>,
    /// Addresses whose outgoing value and ERC-20 approvals are watched.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Outgoing value (wei, decimal) above which a transfer raises an alert.
    #[serde(default)]
    pub max_value_wei: Option<String>,
    /// Spenders an approval may name without an alert.
    #[serde(default)]
    pub known_spenders: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("watch config: {0}")]
    Config(String),
    #[error("upstream: {0}")]
    Upstream(String),
}

pub fn topic(signature: &str) -> String {
    format!("0x{}", hex::encode(Keccak256::digest(signature.as_bytes())))
}

fn norm_address(a: &str) -> Result<String, WatchError> {
    let a = a.trim().to_ascii_lowercase();
    let hex_part = a.strip_prefix("0x").unwrap_or(&a);
    if hex_part.len() != 40 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WatchError::Config(format!(
            "`{a}` is not a 20-byte hex address"
        )));
    }
    Ok(format!("0x{hex_part}"))
}

/// The address in the low 20 bytes of a 32-byte topic.
fn topic_address(t: &Value) -> Option<String> {
    let s = t.as_str()?;
    (s.len() == 66).then(|| format!("0x{}", &s[26..]))
}

fn quantity(v: &Value) -> Option<u128> {
    u128::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
}

pub struct Watcher {
    url: String,
    interval: Duration,
    contracts: Vec<String>,
    addresses: BTreeSet<String>,
    max_value: Option<u128>,
    known_spenders: BTreeSet<String>,
    http: reqwest::Client,
    admin_topics: [String; 3],
    approval_topic: String,
}

impl Watcher {
    pub fn new(cfg: &WatchConfig, default_upstream: Option<&str>) -> Result<Self, WatchError> {
        let url = cfg
            .upstream
            .clone()
            .or_else(|| default_upstream.map(str::to_string))
            .ok_or_else(|| {
                WatchError::Config(
                    "no upstream to watch: set `watch.upstream` or configure a chain".into(),
                )
            })?;
        let interval = crate::config::parse_duration(
            "watch.interval",
            cfg.interval.as_deref(),
            Duration::from_secs(2),
        )
        .map_err(|e| WatchError::Config(e.to_string()))?;
        let max_value = match &cfg.max_value_wei {
            None => None,
            Some(v) => Some(v.parse::<u128>().map_err(|_| {
                WatchError::Config(format!("`max_value_wei` `{v}` is not a decimal integer"))
            })?),
        };
        Ok(Self {
            url,
            interval: interval.max(Duration::from_millis(100)),
            contracts: cfg
                .contracts
                .iter()
                .map(|a| norm_address(a))
                .collect::<Result<_, _>>()?,
            addresses: cfg
                .addresses
                .iter()
                .map(|a| norm_address(a))
                .collect::<Result<_, _>>()?,
            max_value,
            known_spenders: cfg
                .known_spenders
                .iter()
                .map(|a| norm_address(a))
                .collect::<Result<_, _>>()?,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| WatchError::Config(e.to_string()))?,
            admin_topics: [
                topic("OwnershipTransferred(address,address)"),
                topic("AdminChanged(address,address)"),
                topic("Upgraded(address)"),
            ],
            approval_topic: topic("Approval(address,address,uint256)"),
        })
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, WatchError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| WatchError::Upstream(e.without_url().to_string()))?;
        let v: Value = resp
            .json()
            .await
            .map_err(|e| WatchError::Upstream(e.to_string()))?;
        if let Some(err) = v.get("error") {
            return Err(WatchError::Upstream(format!("`{method}` failed: {err}")));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Polls forever, sending events to `tx`; starts at the current head (no history replay).
    pub async fn run(self, tx: mpsc::Sender<Event>) {
        let mut next: Option<u64> = None;
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match self.poll(&mut next).await {
                Ok(events) => {
                    for e in events {
                        if tx.send(e).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "on-chain watch poll failed"),
            }
        }
    }

    /// Examines blocks `next..=head` (bounded) and returns the events found.
    pub async fn poll(&self, next: &mut Option<u64>) -> Result<Vec<Event>, WatchError> {
        let head = quantity(&self.call("eth_blockNumber", json!([])).await?)
            .ok_or_else(|| WatchError::Upstream("bad eth_blockNumber answer".into()))?
            as u64;
        let from = match *next {
            Some(n) => n,
            None => head,
        };
        if from > head {
            return Ok(Vec::new());
        }
        let to = head.min(from + MAX_BLOCKS_PER_POLL - 1);
        let mut events = Vec::new();
        let range = |extra: Value| {
            let mut f = json!({"fromBlock": format!("{from:#x}"), "toBlock": format!("{to:#x}")});
            if let (Some(o), Value::Object(e)) = (f.as_object_mut(), extra) {
                o.extend(e);
            }
            f
        };
        if !self.contracts.is_empty() {
            let logs = self
                .call(
                    "eth_getLogs",
                    json!([range(
                        json!({"address": self.contracts, "topics": [self.admin_topics]})
                    )]),
                )
                .await?;
            for log in logs.as_array().into_iter().flatten() {
                events.push(self.admin_event(log));
            }
        }
        if !self.addresses.is_empty() {
            let owners: Vec<String> = self
                .addresses
                .iter()
                .map(|a| format!("0x{:0>64}", a.trim_start_matches("0x")))
                .collect();
            let logs = self
                .call(
                    "eth_getLogs",
                    json!([range(json!({"topics": [self.approval_topic, owners]}))]),
                )
                .await?;
            for log in logs.as_array().into_iter().flatten() {
                let topics = log["topics"].as_array().cloned().unwrap_or_default();
                let spender = topics.get(2).and_then(topic_address).unwrap_or_default();
                if self.known_spenders.contains(&spender) {
                    continue;
                }
                let owner = topics.get(1).and_then(topic_address).unwrap_or_default();
                let token = log["address"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                events.push(chain_event(
                    "chain.approval_unknown_spender",
                    &owner,
                    format!("`{owner}` approved unknown spender `{spender}` on token `{token}`"),
                    json!({"token": token, "spender": spender, "amount": log["data"], "block": log["blockNumber"], "tx": log["transactionHash"]}),
                ));
            }
            if let Some(max) = self.max_value {
                for n in from..=to {
                    let block = self
                        .call("eth_getBlockByNumber", json!([format!("{n:#x}"), true]))
                        .await?;
                    for tx in block["transactions"].as_array().into_iter().flatten() {
                        let sender = tx["from"].as_str().unwrap_or_default().to_ascii_lowercase();
                        let value = quantity(&tx["value"]).unwrap_or(0);
                        if self.addresses.contains(&sender) && value > max {
                            events.push(chain_event(
                                "chain.large_transfer",
                                &sender,
                                format!("`{sender}` sent {value} wei (above {max}) to `{}`", tx["to"].as_str().unwrap_or("contract creation")),
                                json!({"value_wei": value.to_string(), "to": tx["to"], "block": format!("{n:#x}"), "tx": tx["hash"]}),
                            ));
                        }
                    }
                }
            }
        }
        *next = Some(to + 1);
        Ok(events)
    }

    fn admin_event(&self, log: &Value) -> Event {
        let contract = log["address"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let topics = log["topics"].as_array().cloned().unwrap_or_default();
        let t0 = topics.first().and_then(Value::as_str).unwrap_or_default();
        let (action, what) = if t0 == self.admin_topics[0] {
            let prev = topics.get(1).and_then(topic_address).unwrap_or_default();
            let new = topics.get(2).and_then(topic_address).unwrap_or_default();
            (
                "chain.ownership_transferred",
                format!("ownership of `{contract}` moved from `{prev}` to `{new}`"),
            )
        } else if t0 == self.admin_topics[1] {
            (
                "chain.admin_changed",
                format!("proxy admin of `{contract}` changed"),
            )
        } else {
            let imp = topics.get(1).and_then(topic_address).unwrap_or_default();
            (
                "chain.upgraded",
                format!("`{contract}` upgraded to implementation `{imp}`"),
            )
        };
        chain_event(
            action,
            &contract,
            what,
            json!({"block": log["blockNumber"], "tx": log["transactionHash"], "topics": topics}),
        )
    }
}

fn chain_event(action: &str, resource: &str, reason: String, details: Value) -> Event {
    let details = match details {
        Value::Object(m) => m.into_iter().collect(),
        _ => Default::default(),
    };
    Event::observed(AuditRecord {
        kind: "chain".into(),
        action: action.into(),
        resource: Some(resource.to_string()),
        decision: "observe".into(),
        reasons: vec![reason],
        details,
        ..Default::default()
    })
}
