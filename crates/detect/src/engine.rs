//! The detection engine: feeds each event to every rule, keeps per-group sliding windows, and
//! returns the detections that fire. Synchronous, bounded in memory, no I/O — the node runs it on
//! its own task off the audit stream, so it never slows signing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Serialize;

use crate::event::Event;
use crate::rules::{Action, Rule, Severity};

/// Groups tracked per rule before the stalest are dropped.
const MAX_GROUPS: usize = 50_000;
/// Events kept per group window (beyond it, the oldest are folded away).
const MAX_WINDOW_EVENTS: usize = 100_000;
/// Distinct values remembered per group by `new_value` rules.
const MAX_SEEN: usize = 1_000;

/// A rule that fired.
#[derive(Clone, Debug, Serialize)]
pub struct Detection {
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    /// `group_by` field → value of the group that fired.
    pub group: BTreeMap<String, String>,
    /// Events (or the sum) in the window when it fired.
    pub value: f64,
    pub summary: String,
    pub actions: Vec<Action>,
    pub block_for_secs: u64,
    /// The event that tipped it.
    pub event: Event,
}

impl Detection {
    /// Identifies "the same problem": one open incident per rule and group.
    pub fn dedup_key(&self) -> String {
        let g: Vec<String> = self.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}|{}", self.rule, g.join(","))
    }
}

#[derive(Default)]
struct GroupState {
    window: VecDeque<(u64, f64)>,
    total: f64,
    last_fired: Option<u64>,
    last_seen: u64,
    seen: HashSet<String>,
}

pub struct Engine {
    rules: Vec<Rule>,
    state: Vec<HashMap<String, GroupState>>,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        let state = rules.iter().map(|_| HashMap::new()).collect();
        Self { rules, state }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Feeds one event; returns what fired.
    pub fn observe(&mut self, event: &Event) -> Vec<Detection> {
        let mut out = Vec::new();
        let now = event.time_ms;
        for (rule, groups) in self.rules.iter().zip(self.state.iter_mut()) {
            if !rule.matches(event) {
                continue;
            }
            // Rules run on every audit entry: the group's key is built without copying fields
            // that are text, and its field map only when the rule fires.
            let key = group_key(rule, event);
            if groups.len() >= MAX_GROUPS && !groups.contains_key(&key) {
                prune(groups, now, rule);
            }
            let st = groups.entry(key).or_default();
            st.last_seen = now;
            let window_ms = rule.window.as_millis() as u64;

            let fired_value = if let Some(field) = &rule.new_value {
                let seen = match event.text_field(field) {
                    Some(text) => st.seen.contains(text.unwrap_or("-")),
                    None => st.seen.contains(&event.field_text(field)),
                };
                if seen {
                    None
                } else {
                    let first = st.seen.is_empty();
                    if st.seen.len() < MAX_SEEN {
                        st.seen.insert(event.field_text(field));
                    }
                    // The first value of a group is its baseline, not an anomaly.
                    (!first).then_some(st.seen.len() as f64)
                }
            } else {
                let amount = match &rule.sum {
                    Some(f) => event
                        .field(f)
                        .and_then(|v| {
                            v.as_f64()
                                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        })
                        .unwrap_or(0.0),
                    None => 1.0,
                };
                st.window.push_back((now, amount));
                st.total += amount;
                while let Some(&(t, a)) = st.window.front() {
                    if now.saturating_sub(t) > window_ms || st.window.len() > MAX_WINDOW_EVENTS {
                        st.window.pop_front();
                        st.total -= a;
                    } else {
                        break;
                    }
                }
                (st.total >= rule.threshold).then_some(st.total)
            };
            let Some(value) = fired_value else { continue };
            if st
                .last_fired
                .is_some_and(|t| now.saturating_sub(t) < rule.cooldown.as_millis() as u64)
            {
                continue;
            }
            st.last_fired = Some(now);
            let group: BTreeMap<String, String> = rule
                .group_by
                .iter()
                .map(|f| (f.clone(), event.field_text(f)))
                .collect();
            // A fresh threshold is needed to fire again after the cooldown.
            st.window.clear();
            st.total = 0.0;
            out.push(Detection {
                rule: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity,
                summary: summary(rule, &group, value, event),
                group,
                value,
                actions: rule.actions.clone(),
                block_for_secs: rule.block_for.as_secs(),
                event: event.clone(),
            });
        }
        out
    }
}

/// The values of the rule's `group_by` fields (as [`Event::field_text`] gives them), joined.
fn group_key(rule: &Rule, event: &Event) -> String {
    let mut key = String::new();
    for (i, f) in rule.group_by.iter().enumerate() {
        if i > 0 {
            key.push('\u{1f}');
        }
        match event.text_field(f) {
            Some(text) => key.push_str(text.unwrap_or("-")),
            None => key.push_str(&event.field_text(f)),
        }
    }
    key
}

fn prune(groups: &mut HashMap<String, GroupState>, now: u64, rule: &Rule) {
    let horizon = rule.window.max(rule.cooldown).as_millis() as u64;
    groups.retain(|_, g| now.saturating_sub(g.last_seen) <= horizon);
    if groups.len() >= MAX_GROUPS {
        // Still full: drop the stalest half.
        let mut ages: Vec<u64> = groups.values().map(|g| g.last_seen).collect();
        ages.sort_unstable();
        let cut = ages[ages.len() / 2];
        groups.retain(|_, g| g.last_seen > cut);
    }
}

fn summary(rule: &Rule, group: &BTreeMap<String, String>, value: f64, event: &Event) -> String {
    let g: Vec<String> = group.iter().map(|(k, v)| format!("{k} `{v}`")).collect();
    let scope = if g.is_empty() {
        String::new()
    } else {
        format!(" for {}", g.join(", "))
    };
    let what = if let Some(f) = &rule.new_value {
        format!("new {f} `{}`", event.field_text(f))
    } else if let Some(f) = &rule.sum {
        format!(
            "sum of {f} reached {value} within {}",
            humantime::format_duration(rule.window)
        )
    } else if rule.threshold > 1.0 {
        format!(
            "{value} matching events within {}",
            humantime::format_duration(rule.window)
        )
    } else {
        format!("`{}` ({})", event.record.action, event.record.decision)
    };
    format!("{}{scope}: {what}", rule.title)
}
