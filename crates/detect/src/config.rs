//! The detection file (`palisade serve --detect-config detect.yaml`): extra and overriding rules,
//! alert sinks, checkpoint shipping and the on-chain watch.
//!
//! ```yaml
//! alerts:
//!   - {type: webhook, url: "https://hooks.example/palisade", secret_env: PALISADE_WEBHOOK_SECRET}
//!   - {type: slack, url: "https://hooks.slack.com/services/...", min_severity: high}
//!   - {type: file, path: /var/log/palisade/alerts.jsonl}
//!   - {type: smtp, server: "127.0.0.1:25", from: palisade@example.com, to: [oncall@example.com]}
//! dedup: 10m
//! checkpoints: {interval: 60s, dir: /mnt/worm/palisade-checkpoints, webhook: "https://..."}
//! watch: {interval: 2s, contracts: ["0x..."], addresses: ["0x..."], max_value_wei: "1000000000000000000"}
//! never_block: ["10.0.0.5"]
//! rules: [...]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::rules::{self, Rule, RuleError, RuleSpec};
use crate::sinks::SinkConfig;
use crate::watch::WatchConfig;

const BUILTIN: &str = include_str!("builtin.yaml");

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectConfig {
    #[serde(default)]
    pub rules: Vec<Value>,
    #[serde(default)]
    pub alerts: Vec<SinkConfig>,
    /// Window in which an identical alert (same rule and group) is not sent again.
    #[serde(default)]
    pub dedup: Option<String>,
    #[serde(default)]
    pub checkpoints: CheckpointConfig,
    #[serde(default)]
    pub watch: Option<WatchConfig>,
    /// Source addresses that `block_source` never blocks.
    #[serde(default)]
    pub never_block: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointConfig {
    /// How often a checkpoint is signed when the log has grown (default 60s).
    #[serde(default)]
    pub interval: Option<String>,
    /// Directory (ideally on another mount, append-only) that receives one file per checkpoint.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    #[serde(default)]
    pub webhook: Option<String>,
    #[serde(default)]
    pub webhook_secret_env: Option<String>,
}

impl DetectConfig {
    pub fn from_yaml(text: &str) -> Result<Self, RuleError> {
        let v = rules::parse_yaml(text)?;
        let v = if v.is_null() {
            Value::Object(Default::default())
        } else {
            v
        };
        let cfg: DetectConfig = serde_json::from_value(v)
            .map_err(|e| RuleError::Yaml(format!("detection config: {e}")))?;
        cfg.rules()?;
        cfg.dedup()?;
        cfg.checkpoint_interval()?;
        Ok(cfg)
    }

    /// Built-in rules, with the operator's rules of the same id replacing them, then theirs.
    pub fn rules(&self) -> Result<Vec<Rule>, RuleError> {
        let builtin = rules::parse_yaml(BUILTIN)?;
        let mut specs: BTreeMap<String, (usize, RuleSpec)> = BTreeMap::new();
        let all = builtin
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(self.rules.iter().cloned());
        for (i, v) in all.enumerate() {
            let spec: RuleSpec =
                serde_json::from_value(v).map_err(|e| RuleError::Yaml(format!("rules: {e}")))?;
            let order = specs.get(&spec.id).map_or(i, |(o, _)| *o);
            specs.insert(spec.id.clone(), (order, spec));
        }
        let mut ordered: Vec<(usize, RuleSpec)> = specs.into_values().collect();
        ordered.sort_by_key(|(o, _)| *o);
        ordered
            .iter()
            .filter(|(_, s)| s.enabled)
            .map(|(_, s)| Rule::compile(s))
            .collect()
    }

    pub fn dedup(&self) -> Result<Duration, RuleError> {
        parse_duration("dedup", self.dedup.as_deref(), Duration::from_secs(600))
    }

    pub fn checkpoint_interval(&self) -> Result<Duration, RuleError> {
        parse_duration(
            "checkpoints.interval",
            self.checkpoints.interval.as_deref(),
            Duration::from_secs(60),
        )
    }
}

pub(crate) fn parse_duration(
    what: &str,
    text: Option<&str>,
    default: Duration,
) -> Result<Duration, RuleError> {
    match text {
        None => Ok(default),
        Some(t) => humantime::parse_duration(t)
            .map_err(|e| RuleError::Yaml(format!("`{what}` value `{t}` is not a duration ({e})"))),
    }
}
