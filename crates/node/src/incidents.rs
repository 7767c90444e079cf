//! Incidents: one record per open problem (rule and group), linking the alerts it raised and the
//! responses taken. Stored through the barrier under `incidents/`. Resolving an incident undoes
//! every response it applied (unfreeze, reinstate, unblock, lift lockdown), each audited.

use std::sync::Arc;

use palisade_audit::AuditRecord;
use palisade_detect::{Action, Detection};
use serde::{Deserialize, Serialize};

use crate::response::{now_ms, ActionRecord};
use crate::{Node, NodeError, RequestCtx};

const PREFIX: &str = "incidents/";
/// Alerts kept per incident (older ones are counted, not listed).
const MAX_ALERTS: usize = 200;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AlertNote {
    pub id: String,
    pub time_ms: u64,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    /// `open` or `resolved`.
    pub status: String,
    pub rule: String,
    pub title: String,
    pub severity: palisade_detect::Severity,
    pub dedup_key: String,
    pub opened_at_ms: u64,
    pub updated_at_ms: u64,
    pub alert_count: u64,
    pub alerts: Vec<AlertNote>,
    pub actions: Vec<ActionRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

fn path(id: &str) -> String {
    format!("{PREFIX}{id}")
}

fn valid_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with("inc_")
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The target a response acts on, taken from the triggering event.
fn target(action: Action, d: &Detection) -> Option<String> {
    let r = &d.event.record;
    match action {
        Action::FreezeKey => r.resource.clone(),
        Action::SuspendCredential => r.principal.clone(),
        Action::BlockSource => r.source.clone(),
        Action::Lockdown => Some(String::new()),
    }
}

impl Node {
    fn store_incident(&self, inc: &Incident) -> Result<(), NodeError> {
        let raw = serde_json::to_vec(inc).map_err(|e| NodeError::Internal(e.to_string()))?;
        self.barrier.put(&path(&inc.id), &raw)?;
        Ok(())
    }

    fn load_incidents(&self) -> Result<Vec<Incident>, NodeError> {
        let mut out = Vec::new();
        for (p, raw) in self.barrier.scan(PREFIX)? {
            match serde_json::from_slice::<Incident>(&raw) {
                Ok(i) => out.push(i),
                Err(e) => {
                    tracing::warn!(path = %p, error = %e, "skipping a malformed incident record")
                }
            }
        }
        out.sort_by_key(|i| std::cmp::Reverse(i.opened_at_ms));
        Ok(out)
    }

    /// Records a detection: opens an incident (or adds to the open one for the same rule and
    /// group), carries out the rule's responses, audits, and queues the alert.
    pub(crate) async fn handle_detection(self: &Arc<Self>, d: Detection) {
        let key = d.dedup_key();
        let now = now_ms();
        let alert_id = palisade_types::random_id("alert_", 8);
        let open = if self.is_sealed() {
            None
        } else {
            self.load_incidents().ok().and_then(|list| {
                list.into_iter()
                    .find(|i| i.status == "open" && i.dedup_key == key)
            })
        };
        let mut inc = open.unwrap_or_else(|| Incident {
            id: palisade_types::random_id("inc_", 8),
            status: "open".into(),
            rule: d.rule.clone(),
            title: d.title.clone(),
            severity: d.severity,
            dedup_key: key.clone(),
            opened_at_ms: now,
            updated_at_ms: now,
            alert_count: 0,
            alerts: Vec::new(),
            actions: Vec::new(),
            resolved_at_ms: None,
            resolved_by: None,
            resolution: None,
        });
        inc.updated_at_ms = now;
        inc.alert_count += 1;
        if inc.alerts.len() < MAX_ALERTS {
            inc.alerts.push(AlertNote {
                id: alert_id.clone(),
                time_ms: now,
                summary: d.summary.clone(),
                seq: d.event.seq,
            });
        }
        let mut taken = Vec::new();
        if !self.is_sealed() {
            for &action in &d.actions {
                let t = target(action, &d);
                let already = inc.actions.iter().any(|a| {
                    a.action == action && Some(&a.target) == t.as_ref() && a.state == "applied"
                });
                if already {
                    continue;
                }
                let rec = self
                    .apply_response(action, t, &inc.id, &d.rule, d.block_for_secs)
                    .await;
                taken.push(format!(
                    "{} {}: {} ({})",
                    action.as_str(),
                    rec.target,
                    rec.state,
                    rec.detail
                ));
                inc.actions.push(rec);
            }
            if let Err(e) = self.store_incident(&inc) {
                tracing::error!(error = %e, incident = %inc.id, "cannot store the incident");
            }
            self.audit_in_background(AuditRecord {
                kind: "system".into(),
                action: "alert.raised".into(),
                resource: Some(inc.id.clone()),
                decision: "allow".into(),
                reasons: vec![format!("rule `{}`", d.rule)],
                outcome: Some(d.summary.chars().take(512).collect()),
                ..Default::default()
            });
        }
        if let Some(rt) = self.response.runtime.get() {
            let alert =
                palisade_detect::Alert::from_detection(alert_id, &d, Some(inc.id.clone()), taken);
            rt.dispatcher.send(&key, alert);
        }
    }

    pub fn list_incidents(
        &self,
        ctx: &RequestCtx,
        status: Option<&str>,
    ) -> Result<Vec<Incident>, NodeError> {
        require_admin(ctx, "incident.list")?;
        Ok(self
            .load_incidents()?
            .into_iter()
            .filter(|i| status.is_none_or(|s| s == "all" || i.status == s))
            .collect())
    }

    pub fn show_incident(&self, ctx: &RequestCtx, id: &str) -> Result<Incident, NodeError> {
        require_admin(ctx, "incident.show")?;
        self.get_incident(id)
    }

    fn get_incident(&self, id: &str) -> Result<Incident, NodeError> {
        if !valid_id(id) {
            return Err(NodeError::NotFound(format!(
                "unknown incident `{}`",
                id.chars().take(64).collect::<String>()
            )));
        }
        let raw = self
            .barrier
            .get(&path(id))?
            .ok_or_else(|| NodeError::NotFound(format!("unknown incident `{id}`")))?;
        serde_json::from_slice(&raw)
            .map_err(|e| NodeError::Internal(format!("incident `{id}` is malformed: {e}")))
    }

    /// Resolves an incident; unless `keep_actions`, undoes every response it applied.
    pub async fn resolve_incident(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        id: &str,
        note: Option<&str>,
        keep_actions: bool,
    ) -> Result<Incident, NodeError> {
        self.admit_response(ctx, "incident.resolve", Some(id))
            .await?;
        let mut inc = self.get_incident(id)?;
        if inc.status == "resolved" {
            return Err(NodeError::Conflict(format!(
                "incident `{id}` is already resolved"
            )));
        }
        if !keep_actions {
            for rec in inc.actions.iter_mut().filter(|a| a.state == "applied") {
                let outcome = self.reverse_response(rec);
                let (state, detail) = match &outcome {
                    Ok(d) => ("reversed".to_string(), d.clone()),
                    Err(e) => ("applied".to_string(), format!("reversal failed: {e}")),
                };
                self.audit()
                    .append(AuditRecord {
                        kind: "admin".into(),
                        principal: Some(ctx.principal.credential_id.clone()),
                        action: format!("response.{}.reverse", rec.action.as_str()),
                        resource: Some(rec.target.clone()),
                        decision: "allow".into(),
                        reasons: vec![format!("incident `{id}` resolved")],
                        outcome: Some(detail.clone()),
                        ..Default::default()
                    })
                    .await?;
                rec.state = state;
                rec.detail = detail;
            }
        }
        inc.status = "resolved".into();
        inc.resolved_at_ms = Some(now_ms());
        inc.resolved_by = Some(ctx.principal.credential_id.clone());
        inc.resolution = note.map(|n| n.chars().take(1024).collect());
        self.store_incident(&inc)?;
        Ok(inc)
    }
}

fn require_admin(ctx: &RequestCtx, action: &str) -> Result<(), NodeError> {
    if ctx.principal.admin {
        Ok(())
    } else {
        Err(NodeError::Denied(format!(
            "credential `{}` is not an admin credential and may not `{action}`",
            ctx.principal.credential_id
        )))
    }
}
