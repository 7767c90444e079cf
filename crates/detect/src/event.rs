//! What detection looks at: a committed audit entry (with its source address in plaintext, as
//! only memory holds it) or an observation that cannot be in the log (failed unseal attempts
//! while sealed, on-chain activity).

use palisade_audit::{AuditRecord, Committed};
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// Audit sequence number, when the event is a log entry.
    pub seq: Option<u64>,
    pub time_ms: u64,
    #[serde(flatten)]
    pub record: AuditRecord,
}

impl Event {
    pub fn from_committed(c: &Committed) -> Self {
        let mut record = c.entry.record.clone();
        record.source = c.source.clone();
        Self {
            seq: Some(c.entry.seq),
            time_ms: c.entry.time_ms,
            record,
        }
    }

    /// An observation that is not (yet) a log entry.
    pub fn observed(record: AuditRecord) -> Self {
        Self {
            seq: None,
            time_ms: now_ms(),
            record,
        }
    }

    /// The value of a field named in a rule: a record field, `seq`, `hour_utc`, or `details.X`.
    pub fn field(&self, name: &str) -> Option<Value> {
        let r = &self.record;
        let s = |v: &Option<String>| v.as_ref().map(|x| Value::String(x.clone()));
        match name {
            "kind" => Some(Value::String(r.kind.clone())),
            "action" => Some(Value::String(r.action.clone())),
            "decision" => Some(Value::String(r.decision.clone())),
            "principal" => s(&r.principal),
            "resource" => s(&r.resource),
            "outcome" => s(&r.outcome),
            "source" => s(&r.source),
            "digest" => s(&r.digest),
            "reasons" => Some(Value::Array(
                r.reasons.iter().cloned().map(Value::String).collect(),
            )),
            "duration_us" => r.duration_us.map(Value::from),
            "seq" => self.seq.map(Value::from),
            "hour_utc" => Some(Value::from((self.time_ms / 3_600_000) % 24)),
            other => other
                .strip_prefix("details.")
                .and_then(|k| r.details.get(k).cloned()),
        }
    }

    /// A field that is always text (or absent), borrowed: `None` for any other field. Rules
    /// test these on every audit entry; [`Event::field`] would copy them each time.
    pub fn text_field(&self, name: &str) -> Option<Option<&str>> {
        let r = &self.record;
        Some(match name {
            "kind" => Some(r.kind.as_str()),
            "action" => Some(r.action.as_str()),
            "decision" => Some(r.decision.as_str()),
            "principal" => r.principal.as_deref(),
            "resource" => r.resource.as_deref(),
            "outcome" => r.outcome.as_deref(),
            "source" => r.source.as_deref(),
            "digest" => r.digest.as_deref(),
            _ => return None,
        })
    }

    /// The field as text for grouping (`-` when absent).
    pub fn field_text(&self, name: &str) -> String {
        match self.field(name) {
            None | Some(Value::Null) => "-".into(),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        }
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
