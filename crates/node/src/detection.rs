//! Wires detection into the node: a task reads the live audit stream (and observations that
//! cannot be log entries: failed unseal attempts while sealed, on-chain events) into the
//! detection engine and hands what fires to the incident handler; another signs and ships
//! checkpoints at intervals. None of it is on the signing path.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use palisade_audit::AuditRecord;
use palisade_detect::{DetectConfig, Dispatcher, Engine, Event};
use tokio::sync::{broadcast, mpsc};

use crate::{Node, NodeError, RequestCtx};

pub struct Runtime {
    pub(crate) dispatcher: Dispatcher,
    pub(crate) never_block: BTreeSet<String>,
}

impl Node {
    /// Starts detection, alerting, checkpointing and the on-chain watch (once).
    pub fn start_detection(self: &Arc<Self>, cfg: &DetectConfig) -> Result<(), NodeError> {
        let bad = |e: String| NodeError::InvalidParams(format!("detection config: {e}"));
        let rules = cfg.rules().map_err(|e| bad(e.to_string()))?;
        let interval = cfg.checkpoint_interval().map_err(|e| bad(e.to_string()))?;
        let cp_secret = match &cfg.checkpoints.webhook_secret_env {
            Some(var) => Some(palisade_detect::sinks::WebhookSecret::new(
                std::env::var(var)
                    .map_err(|_| bad(format!("environment variable `{var}` is not set")))?
                    .as_bytes(),
            )),
            None => None,
        };
        let dispatcher = Dispatcher::start(
            &cfg.alerts,
            cfg.dedup().map_err(|e| bad(e.to_string()))?,
            cfg.checkpoints.dir.clone(),
            cfg.checkpoints.webhook.clone().map(|u| (u, cp_secret)),
        )
        .map_err(|e| bad(e.to_string()))?;
        let watcher = match &cfg.watch {
            Some(w) => Some(
                palisade_detect::watch::Watcher::new(
                    w,
                    self.chains().first().map(|c| c.upstream.url.as_str()),
                )
                .map_err(|e| bad(e.to_string()))?,
            ),
            None => None,
        };
        let runtime = Arc::new(Runtime {
            dispatcher,
            never_block: cfg.never_block.iter().cloned().collect(),
        });
        if self.response.runtime.set(runtime).is_err() {
            return Err(NodeError::Conflict("detection is already running".into()));
        }
        tracing::info!(rules = rules.len(), "detection started");

        let (tx, mut observed) = mpsc::channel::<Event>(4096);
        let mut stream = self.audit().subscribe();
        let node = self.clone();
        tokio::spawn(async move {
            let mut engine = Engine::new(rules);
            loop {
                let event = tokio::select! {
                    got = stream.recv() => match got {
                        Ok(c) => Event::from_committed(&c),
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "detection fell behind the audit stream; some entries were not examined");
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    Some(e) = observed.recv() => e,
                };
                for d in engine.observe(&event) {
                    node.handle_detection(d).await;
                }
            }
        });

        // Failed unseal attempts happen while sealed, when nothing can be logged: observe them.
        let node = self.clone();
        let unseal_tx = tx.clone();
        tokio::spawn(async move {
            let mut seen = node.barrier.failed_unseal_attempts();
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = node.barrier.failed_unseal_attempts();
                for _ in seen..now {
                    let e = Event::observed(AuditRecord {
                        kind: "system".into(),
                        action: "sys.unseal".into(),
                        decision: "deny".into(),
                        reasons: vec!["unseal attempt failed".into()],
                        ..Default::default()
                    });
                    if unseal_tx.send(e).await.is_err() {
                        return;
                    }
                }
                seen = now;
            }
        });

        if let Some(w) = watcher {
            tokio::spawn(w.run(tx));
        }

        let node = self.clone();
        tokio::spawn(async move {
            let mut last = None;
            loop {
                tokio::time::sleep(interval).await;
                if node.is_sealed() {
                    continue;
                }
                let size = node.audit().head().map(|h| h.size).ok();
                if size.is_some() && size != last {
                    match node.sign_checkpoint() {
                        Ok(_) => last = size,
                        Err(e) => tracing::warn!(error = %e, "cannot sign a checkpoint"),
                    }
                }
            }
        });
        Ok(())
    }

    /// Signs a checkpoint of the current head and ships it to the checkpoint sinks.
    pub fn sign_checkpoint(&self) -> Result<String, NodeError> {
        let note = self.audit().checkpoint()?;
        let size = note
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        if let Some(rt) = self.response.runtime.get() {
            rt.dispatcher.ship_checkpoint(size, &note);
        }
        Ok(note)
    }

    /// `POST /v1/audit/checkpoint`: an admin asks for a checkpoint now.
    pub async fn checkpoint_now(self: &Arc<Self>, ctx: &RequestCtx) -> Result<String, NodeError> {
        self.admit_response(ctx, "audit.checkpoint", None).await?;
        self.sign_checkpoint()
    }
}

impl Node {
    /// Authorizes (admin) and audits a read of the audit log or incident data (export, proof).
    pub async fn admit_audit_read(
        self: &Arc<Self>,
        ctx: &RequestCtx,
        action: &str,
    ) -> Result<(), NodeError> {
        self.admit_response(ctx, action, None).await
    }
}
