//! Detection rules: field conditions, counts or sums over a sliding window per group, "new value"
//! rules, cooldown, and the responses a rule triggers. Rules are written in YAML.
//!
//! ```yaml
//! - id: repeated-denials
//!   title: Repeated denials from one credential
//!   severity: high
//!   when: {kind: request, decision: deny, principal: {exists: true}}
//!   group_by: [principal]
//!   window: 60s
//!   threshold: 5
//!   cooldown: 5m
//!   actions: [suspend_credential]
//! ```
//!
//! A condition is a value (equality) or a map of operators that must all hold: `eq`, `ne`, `in`,
//! `not_in`, `prefix`, `contains`, `regex`, `exists`, `gt`, `gte`, `lt`, `lte`, `between`
//! (`[lo, hi)`), `not_between`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::Event;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RuleError {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("rule `{rule}`: {why}")]
    Invalid { rule: String, why: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A response a rule can trigger. Each is reversible (see `palisade incident resolve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Freeze the key the triggering event names (its `resource`).
    FreezeKey,
    /// Suspend the credential that made the triggering request (its `principal`).
    SuspendCredential,
    /// Refuse requests from the triggering event's source address for `block_for`.
    BlockSource,
    /// Refuse every non-admin credential until an administrator lifts it.
    Lockdown,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::FreezeKey => "freeze_key",
            Action::SuspendCredential => "suspend_credential",
            Action::BlockSource => "block_source",
            Action::Lockdown => "lockdown",
        }
    }
}

/// A rule as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub when: BTreeMap<String, Value>,
    #[serde(default)]
    pub group_by: Vec<String>,
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Sum this numeric field instead of counting events.
    #[serde(default)]
    pub sum: Option<String>,
    /// Fire when a group shows a value of this field it has not shown before (the first value
    /// of each group is learned silently).
    #[serde(default)]
    pub new_value: Option<String>,
    #[serde(default)]
    pub cooldown: Option<String>,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub block_for: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Prefix(String),
    Contains(String),
    Regex(regex::Regex),
    Exists(bool),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Between(f64, f64),
    NotBetween(f64, f64),
}

/// A compiled, validated rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub(crate) when: Vec<(String, Vec<Op>)>,
    pub group_by: Vec<String>,
    pub window: Duration,
    pub threshold: f64,
    pub sum: Option<String>,
    pub new_value: Option<String>,
    pub cooldown: Duration,
    pub actions: Vec<Action>,
    pub block_for: Duration,
}

fn duration(
    rule: &str,
    what: &str,
    text: Option<&str>,
    default: Duration,
) -> Result<Duration, RuleError> {
    match text {
        None => Ok(default),
        Some(t) => humantime::parse_duration(t).map_err(|e| RuleError::Invalid {
            rule: rule.into(),
            why: format!("`{what}` value `{t}` is not a duration ({e})"),
        }),
    }
}

fn number(rule: &str, op: &str, v: &Value) -> Result<f64, RuleError> {
    v.as_f64().ok_or_else(|| RuleError::Invalid {
        rule: rule.into(),
        why: format!("`{op}` needs a number"),
    })
}

fn pair(rule: &str, op: &str, v: &Value) -> Result<(f64, f64), RuleError> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((number(rule, op, a)?, number(rule, op, b)?)),
        _ => Err(RuleError::Invalid {
            rule: rule.into(),
            why: format!("`{op}` needs `[low, high]`"),
        }),
    }
}

fn compile_ops(rule: &str, cond: &Value) -> Result<Vec<Op>, RuleError> {
    let Value::Object(map) = cond else {
        return Ok(vec![Op::Eq(cond.clone())]);
    };
    let bad = |why: String| RuleError::Invalid {
        rule: rule.into(),
        why,
    };
    let mut ops = Vec::new();
    for (op, v) in map {
        ops.push(match op.as_str() {
            "eq" => Op::Eq(v.clone()),
            "ne" => Op::Ne(v.clone()),
            "in" | "not_in" => {
                let list = v
                    .as_array()
                    .ok_or_else(|| bad(format!("`{op}` needs a list")))?
                    .clone();
                if op == "in" {
                    Op::In(list)
                } else {
                    Op::NotIn(list)
                }
            }
            "prefix" => Op::Prefix(
                v.as_str()
                    .ok_or_else(|| bad("`prefix` needs a string".into()))?
                    .into(),
            ),
            "contains" => Op::Contains(
                v.as_str()
                    .ok_or_else(|| bad("`contains` needs a string".into()))?
                    .into(),
            ),
            "regex" => {
                let r = v
                    .as_str()
                    .ok_or_else(|| bad("`regex` needs a string".into()))?;
                Op::Regex(regex::Regex::new(r).map_err(|e| bad(format!("bad regex `{r}`: {e}")))?)
            }
            "exists" => Op::Exists(
                v.as_bool()
                    .ok_or_else(|| bad("`exists` needs true or false".into()))?,
            ),
            "gt" => Op::Gt(number(rule, op, v)?),
            "gte" => Op::Gte(number(rule, op, v)?),
            "lt" => Op::Lt(number(rule, op, v)?),
            "lte" => Op::Lte(number(rule, op, v)?),
            "between" => {
                let (a, b) = pair(rule, op, v)?;
                Op::Between(a, b)
            }
            "not_between" => {
                let (a, b) = pair(rule, op, v)?;
                Op::NotBetween(a, b)
            }
            other => return Err(bad(format!("unknown operator `{other}`"))),
        });
    }
    Ok(ops)
}

impl Rule {
    pub fn compile(spec: &RuleSpec) -> Result<Rule, RuleError> {
        let id = spec.id.trim();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(RuleError::Invalid {
                rule: spec.id.clone(),
                why: "ids are 1-64 characters of a-z, 0-9, `-`, `_`, `.`".into(),
            });
        }
        let mut when = Vec::new();
        for (field, cond) in &spec.when {
            when.push((field.clone(), compile_ops(id, cond)?));
        }
        let window = duration(
            id,
            "window",
            spec.window.as_deref(),
            Duration::from_secs(60),
        )?;
        if spec.sum.is_some() && spec.new_value.is_some() {
            return Err(RuleError::Invalid {
                rule: id.into(),
                why: "`sum` and `new_value` cannot be combined".into(),
            });
        }
        let threshold = spec.threshold.unwrap_or(1.0);
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(RuleError::Invalid {
                rule: id.into(),
                why: "`threshold` must be a positive number".into(),
            });
        }
        Ok(Rule {
            id: id.to_string(),
            title: spec.title.clone().unwrap_or_else(|| id.to_string()),
            severity: spec.severity,
            when,
            group_by: spec.group_by.clone(),
            window,
            threshold,
            sum: spec.sum.clone(),
            new_value: spec.new_value.clone(),
            cooldown: duration(
                id,
                "cooldown",
                spec.cooldown.as_deref(),
                Duration::from_secs(300),
            )?,
            actions: spec.actions.clone(),
            block_for: duration(
                id,
                "block_for",
                spec.block_for.as_deref(),
                Duration::from_secs(900),
            )?,
        })
    }

    /// Whether every condition holds for `event`.
    pub fn matches(&self, event: &Event) -> bool {
        self.when.iter().all(|(field, ops)| {
            if let Some(text) = event.text_field(field) {
                if let Some(all) = ops
                    .iter()
                    .map(|op| op_holds_on_text(op, text))
                    .try_fold(true, |all, holds| Some(all && holds?))
                {
                    return all;
                }
            }
            condition_holds(event, field, ops)
        })
    }

    /// [`Rule::matches`] through the general path only (the reference its text fast path is
    /// tested against).
    #[cfg(test)]
    pub(crate) fn matches_general(&self, event: &Event) -> bool {
        self.when
            .iter()
            .all(|(field, ops)| condition_holds(event, field, ops))
    }
}

/// One condition on any field: the field as a JSON value, every operator on it.
fn condition_holds(event: &Event, field: &str, ops: &[Op]) -> bool {
    let v = event.field(field);
    ops.iter().all(|op| op_holds(op, v.as_ref()))
}

/// [`op_holds`] for a text field, without copying it into a JSON value; `None` where the
/// operator needs the general path (numeric comparisons, non-text operands).
fn op_holds_on_text(op: &Op, t: Option<&str>) -> Option<bool> {
    let eq = |x: &Value| match x {
        Value::String(x) => Some(t.is_some_and(|t| loose_eq_text(t, x))),
        _ => None,
    };
    let any = |list: &[Value]| -> Option<bool> {
        list.iter().try_fold(false, |found, x| Some(found | eq(x)?))
    };
    Some(match op {
        Op::Exists(want) => t.is_some() == *want,
        Op::Eq(x) => eq(x)?,
        Op::Ne(x) => !eq(x)?,
        Op::In(list) => any(list)?,
        Op::NotIn(list) => !any(list)?,
        Op::Prefix(p) => t.is_some_and(|t| t.starts_with(p.as_str())),
        Op::Contains(s) => t.is_some_and(|t| t.contains(s.as_str())),
        Op::Regex(r) => t.is_some_and(|t| r.is_match(t)),
        _ => return None,
    })
}

/// [`loose_eq`] of two strings: equal text, or both numbers of equal value.
fn loose_eq_text(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn op_holds(op: &Op, v: Option<&Value>) -> bool {
    // Numbers are parsed only for the comparisons that need one (a rule's `eq`, `in` or
    // `prefix` runs on every audit entry and must not parse text as a float each time).
    let num = || v.and_then(as_number);
    let text = v.and_then(Value::as_str);
    match op {
        Op::Exists(want) => v.is_some_and(|v| !v.is_null()) == *want,
        Op::Eq(x) => v.is_some_and(|v| loose_eq(v, x)),
        Op::Ne(x) => !v.is_some_and(|v| loose_eq(v, x)),
        Op::In(list) => v.is_some_and(|v| list.iter().any(|x| loose_eq(v, x))),
        Op::NotIn(list) => !v.is_some_and(|v| list.iter().any(|x| loose_eq(v, x))),
        Op::Prefix(p) => text.is_some_and(|t| t.starts_with(p.as_str())),
        Op::Contains(s) => match v {
            Some(Value::String(t)) => t.contains(s.as_str()),
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|t| t.contains(s.as_str()))),
            _ => false,
        },
        Op::Regex(r) => match v {
            Some(Value::String(t)) => r.is_match(t),
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|t| r.is_match(t))),
            _ => false,
        },
        Op::Gt(x) => num().is_some_and(|n| n > *x),
        Op::Gte(x) => num().is_some_and(|n| n >= *x),
        Op::Lt(x) => num().is_some_and(|n| n < *x),
        Op::Lte(x) => num().is_some_and(|n| n <= *x),
        Op::Between(a, b) => num().is_some_and(|n| n >= *a && n < *b),
        Op::NotBetween(a, b) => num().is_some_and(|n| n < *a || n >= *b),
    }
}

/// Converts parsed YAML into a JSON value (strings, numbers, booleans, lists, maps).
pub fn yaml_to_json(y: &yaml_rust2::Yaml) -> Result<Value, RuleError> {
    use yaml_rust2::Yaml;
    Ok(match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::String(s.clone())),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut m = serde_json::Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => return Err(RuleError::Yaml("map keys must be strings".into())),
                };
                m.insert(key, yaml_to_json(v)?);
            }
            Value::Object(m)
        }
        Yaml::Null => Value::Null,
        Yaml::Alias(_) => return Err(RuleError::Yaml("aliases are not supported".into())),
        Yaml::BadValue => return Err(RuleError::Yaml("unparseable value".into())),
    })
}

/// Parses one YAML document into JSON.
pub fn parse_yaml(text: &str) -> Result<Value, RuleError> {
    if text.len() > 4 * 1024 * 1024 {
        return Err(RuleError::Yaml("document larger than 4 MiB".into()));
    }
    let docs =
        yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| RuleError::Yaml(e.to_string()))?;
    match docs.as_slice() {
        [] => Ok(Value::Null),
        [one] => yaml_to_json(one),
        _ => Err(RuleError::Yaml("expected a single YAML document".into())),
    }
}

/// Parses a YAML list of rules (or a map with a `rules:` list) and compiles each.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleError> {
    let v = parse_yaml(text)?;
    let list = match v {
        Value::Object(mut m) => m.remove("rules").unwrap_or(Value::Array(Vec::new())),
        other => other,
    };
    compile_all(list)
}

pub(crate) fn compile_all(list: Value) -> Result<Vec<Rule>, RuleError> {
    let specs: Vec<RuleSpec> =
        serde_json::from_value(list).map_err(|e| RuleError::Yaml(format!("rules: {e}")))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for s in &specs {
        if !seen.insert(s.id.clone()) {
            return Err(RuleError::Invalid {
                rule: s.id.clone(),
                why: "defined twice".into(),
            });
        }
        if s.enabled {
            out.push(Rule::compile(s)?);
        }
    }
    Ok(out)
}
