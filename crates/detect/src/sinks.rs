//! Alert sinks: signed webhook, Slack-compatible webhook, log file, SMTP; and the shipping of
//! signed checkpoints to a directory on another mount or a webhook.
//!
//! Each sink has its own bounded queue and task, retries with exponential backoff, and drops
//! (with a warning) what it cannot queue: alerting never blocks or slows signing, and one slow
//! sink never delays another.
//!
//! Webhook bodies are signed: `X-Palisade-Timestamp: <unix seconds>` and
//! `X-Palisade-Signature: sha256=<hex HMAC-SHA256(secret, timestamp ‖ "." ‖ body)>`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::engine::Detection;
use crate::event::{now_ms, Event};
use crate::rules::Severity;

const QUEUE: usize = 1024;
const ATTEMPTS: u32 = 6;
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("sink `{0}`: {1}")]
    Config(String, String),
    #[error("{0}")]
    Delivery(String),
    #[error("{0}")]
    Permanent(String),
}

/// One alert as sinks receive it.
#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    pub id: String,
    pub time_ms: u64,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub summary: String,
    pub group: BTreeMap<String, String>,
    pub incident: Option<String>,
    /// Responses taken, e.g. `suspend_credential 3f2a…: applied`.
    pub actions: Vec<String>,
    pub event: Event,
}

impl Alert {
    pub fn from_detection(
        id: String,
        d: &Detection,
        incident: Option<String>,
        actions: Vec<String>,
    ) -> Self {
        Self {
            id,
            time_ms: now_ms(),
            rule: d.rule.clone(),
            title: d.title.clone(),
            severity: d.severity,
            summary: d.summary.clone(),
            group: d.group.clone(),
            incident,
            actions,
            event: d.event.clone(),
        }
    }

    fn text(&self) -> String {
        let mut t = format!(
            "[{}] {}",
            self.severity.as_str().to_uppercase(),
            self.summary
        );
        if let Some(i) = &self.incident {
            t.push_str(&format!(" (incident {i})"));
        }
        for a in &self.actions {
            t.push_str(&format!("\n- {a}"));
        }
        t
    }
}

fn default_severity() -> Severity {
    Severity::Info
}

/// A configured sink.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SinkConfig {
    Webhook {
        url: String,
        /// HMAC secret, inline or from an environment variable (preferred).
        #[serde(default)]
        secret: Option<String>,
        #[serde(default)]
        secret_env: Option<String>,
        #[serde(default = "default_severity")]
        min_severity: Severity,
    },
    Slack {
        url: String,
        #[serde(default = "default_severity")]
        min_severity: Severity,
    },
    File {
        path: PathBuf,
        #[serde(default = "default_severity")]
        min_severity: Severity,
    },
    Smtp {
        /// `host:port` of a relay that accepts mail without authentication (e.g. a local MTA).
        server: String,
        from: String,
        to: Vec<String>,
        #[serde(default = "default_severity")]
        min_severity: Severity,
    },
}

/// A secret for webhook signatures; never printed.
#[derive(Clone)]
pub struct WebhookSecret(Arc<zeroizing::Secret>);

mod zeroizing {
    pub struct Secret(pub(super) Vec<u8>);
    impl Drop for Secret {
        fn drop(&mut self) {
            for b in self.0.iter_mut() {
                *b = 0;
            }
        }
    }
}

impl WebhookSecret {
    pub fn new(bytes: &[u8]) -> Self {
        Self(Arc::new(zeroizing::Secret(bytes.to_vec())))
    }
    fn bytes(&self) -> &[u8] {
        &self.0 .0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

fn resolve_secret(
    name: &str,
    secret: &Option<String>,
    env: &Option<String>,
) -> Result<Option<WebhookSecret>, SinkError> {
    match (secret, env) {
        (Some(s), None) => Ok(Some(WebhookSecret::new(s.as_bytes()))),
        (None, Some(var)) => std::env::var(var)
            .map(|s| Some(WebhookSecret::new(s.as_bytes())))
            .map_err(|_| {
                SinkError::Config(
                    name.into(),
                    format!("environment variable `{var}` is not set"),
                )
            }),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(SinkError::Config(
            name.into(),
            "give `secret` or `secret_env`, not both".into(),
        )),
    }
}

/// `sha256=<hex>` over `timestamp.body`.
pub fn sign_webhook(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Receiver side: checks the signature in constant time and that the timestamp is within
/// `tolerance` of now (replay window).
pub fn verify_webhook(
    secret: &[u8],
    timestamp: &str,
    signature: &str,
    body: &[u8],
    tolerance: Duration,
) -> bool {
    let Ok(ts) = timestamp.parse::<u64>() else {
        return false;
    };
    let now = now_ms() / 1000;
    if now.abs_diff(ts) > tolerance.as_secs() {
        return false;
    }
    let want = sign_webhook(secret, ts, body);
    subtle::ConstantTimeEq::ct_eq(want.as_bytes(), signature.as_bytes()).into()
}

#[derive(Clone)]
enum Target {
    Webhook {
        url: String,
        secret: Option<WebhookSecret>,
        slack: bool,
    },
    File(PathBuf),
    Smtp {
        server: String,
        from: String,
        to: Vec<String>,
    },
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::Webhook { slack: true, .. } => "slack".into(),
            Target::Webhook { .. } => "webhook".into(),
            Target::File(p) => format!("file {}", p.display()),
            Target::Smtp { server, .. } => format!("smtp {server}"),
        }
    }
}

/// What is delivered: an alert, or a checkpoint note.
#[derive(Clone)]
enum Payload {
    Alert(Arc<Alert>),
    Checkpoint { size: u64, note: Arc<str> },
}

/// Counters for `/metrics` and tests.
#[derive(Default, Debug)]
pub struct SinkStats {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub deduplicated: AtomicU64,
}

pub struct Dispatcher {
    sinks: Vec<(Severity, mpsc::Sender<Payload>)>,
    checkpoint_sinks: Vec<mpsc::Sender<Payload>>,
    dedup_window_ms: u64,
    recent: Mutex<HashMap<String, u64>>,
    pub stats: Arc<SinkStats>,
}

fn spawn_sink(
    target: Target,
    http: reqwest::Client,
    stats: Arc<SinkStats>,
) -> mpsc::Sender<Payload> {
    let (tx, mut rx) = mpsc::channel::<Payload>(QUEUE);
    tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            let mut delay = Duration::from_millis(200);
            let mut attempt = 1;
            loop {
                match deliver(&target, &http, &p).await {
                    Ok(()) => {
                        stats.delivered.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Err(e) if attempt < ATTEMPTS && !matches!(e, SinkError::Permanent(_)) => {
                        tracing::debug!(sink = %target.name(), attempt, error = %e, "alert delivery failed; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(10));
                        attempt += 1;
                    }
                    Err(e) => {
                        stats.failed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(sink = %target.name(), attempts = attempt, error = %e, "alert delivery failed");
                        break;
                    }
                }
            }
        }
    });
    tx
}

impl Dispatcher {
    /// Starts one task per sink (needs a Tokio runtime). `checkpoint_webhook` / `checkpoint_dir`
    /// receive each signed checkpoint.
    pub fn start(
        configs: &[SinkConfig],
        dedup: Duration,
        checkpoint_dir: Option<PathBuf>,
        checkpoint_webhook: Option<(String, Option<WebhookSecret>)>,
    ) -> Result<Self, SinkError> {
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| SinkError::Config("http".into(), e.to_string()))?;
        let stats = Arc::new(SinkStats::default());
        let mut sinks = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            let name = format!("alerts[{i}]");
            let (min, target) = match c {
                SinkConfig::Webhook {
                    url,
                    secret,
                    secret_env,
                    min_severity,
                } => {
                    check_url(&name, url)?;
                    let secret = resolve_secret(&name, secret, secret_env)?;
                    (
                        *min_severity,
                        Target::Webhook {
                            url: url.clone(),
                            secret,
                            slack: false,
                        },
                    )
                }
                SinkConfig::Slack { url, min_severity } => {
                    check_url(&name, url)?;
                    (
                        *min_severity,
                        Target::Webhook {
                            url: url.clone(),
                            secret: None,
                            slack: true,
                        },
                    )
                }
                SinkConfig::File { path, min_severity } => {
                    (*min_severity, Target::File(path.clone()))
                }
                SinkConfig::Smtp {
                    server,
                    from,
                    to,
                    min_severity,
                } => {
                    if to.is_empty()
                        || [from]
                            .into_iter()
                            .chain(to)
                            .any(|a| a.contains(['\r', '\n', '<', '>']))
                    {
                        return Err(SinkError::Config(
                            name,
                            "`from` and `to` must be plain addresses (and `to` not empty)".into(),
                        ));
                    }
                    (
                        *min_severity,
                        Target::Smtp {
                            server: server.clone(),
                            from: from.clone(),
                            to: to.clone(),
                        },
                    )
                }
            };
            sinks.push((min, spawn_sink(target, http.clone(), stats.clone())));
        }
        let mut checkpoint_sinks = Vec::new();
        if let Some(dir) = checkpoint_dir {
            checkpoint_sinks.push(spawn_sink(Target::File(dir), http.clone(), stats.clone()));
        }
        if let Some((url, secret)) = checkpoint_webhook {
            check_url("checkpoints.webhook", &url)?;
            checkpoint_sinks.push(spawn_sink(
                Target::Webhook {
                    url,
                    secret,
                    slack: false,
                },
                http,
                stats.clone(),
            ));
        }
        Ok(Self {
            sinks,
            checkpoint_sinks,
            dedup_window_ms: dedup.as_millis() as u64,
            recent: Mutex::new(HashMap::new()),
            stats,
        })
    }

    /// Queues an alert for every sink whose minimum severity it meets. An alert with the same
    /// `dedup_key` as one sent within the dedup window is not sent again. Never waits.
    pub fn send(&self, dedup_key: &str, alert: Alert) -> bool {
        let now = now_ms();
        {
            let mut recent = self.recent.lock();
            if recent.len() > 10_000 {
                recent.retain(|_, t| now.saturating_sub(*t) < self.dedup_window_ms);
            }
            if recent
                .get(dedup_key)
                .is_some_and(|t| now.saturating_sub(*t) < self.dedup_window_ms)
            {
                self.stats.deduplicated.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            recent.insert(dedup_key.to_string(), now);
        }
        tracing::warn!(rule = %alert.rule, severity = alert.severity.as_str(), incident = ?alert.incident, "{}", alert.summary);
        let alert = Arc::new(alert);
        for (min, q) in &self.sinks {
            if alert.severity >= *min && q.try_send(Payload::Alert(alert.clone())).is_err() {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("alert sink queue is full; alert dropped for that sink");
            }
        }
        true
    }

    /// Ships a signed checkpoint to the checkpoint sinks. Never waits.
    pub fn ship_checkpoint(&self, size: u64, note: &str) {
        let note: Arc<str> = Arc::from(note);
        for q in &self.checkpoint_sinks {
            if q.try_send(Payload::Checkpoint {
                size,
                note: note.clone(),
            })
            .is_err()
            {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn has_checkpoint_sinks(&self) -> bool {
        !self.checkpoint_sinks.is_empty()
    }
}

fn check_url(name: &str, url: &str) -> Result<(), SinkError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(SinkError::Config(
            name.into(),
            format!("url `{url}` must be http:// or https://"),
        ))
    }
}

async fn deliver(target: &Target, http: &reqwest::Client, p: &Payload) -> Result<(), SinkError> {
    match target {
        Target::Webhook { url, secret, slack } => {
            let (body, content_type) = match p {
                Payload::Alert(a) if *slack => (
                    serde_json::json!({"text": a.text()}).to_string(),
                    "application/json",
                ),
                Payload::Alert(a) => (
                    serde_json::to_string(a.as_ref()).unwrap_or_default(),
                    "application/json",
                ),
                Payload::Checkpoint { note, .. } => (note.to_string(), "text/plain; charset=utf-8"),
            };
            let mut req = http.post(url).header("content-type", content_type);
            if let Some(s) = secret {
                let ts = now_ms() / 1000;
                req = req.header("x-palisade-timestamp", ts.to_string()).header(
                    "x-palisade-signature",
                    sign_webhook(s.bytes(), ts, body.as_bytes()),
                );
            }
            let resp =
                req.body(body).send().await.map_err(|e| {
                    SinkError::Delivery(format!("POST failed: {}", e.without_url()))
                })?;
            let st = resp.status();
            if st.is_success() {
                Ok(())
            } else if st.is_server_error() || st.as_u16() == 429 || st.as_u16() == 408 {
                Err(SinkError::Delivery(format!(
                    "receiver answered HTTP {}",
                    st.as_u16()
                )))
            } else {
                Err(SinkError::Permanent(format!(
                    "receiver refused with HTTP {}",
                    st.as_u16()
                )))
            }
        }
        Target::File(path) => {
            let path = path.clone();
            let p = p.clone();
            tokio::task::spawn_blocking(move || write_file(&path, &p))
                .await
                .map_err(|e| SinkError::Delivery(e.to_string()))?
        }
        Target::Smtp { server, from, to } => match p {
            Payload::Alert(a) => {
                smtp_send(
                    server,
                    from,
                    to,
                    &format!("[palisade] {}", a.title),
                    &a.text(),
                )
                .await
            }
            Payload::Checkpoint { .. } => Ok(()),
        },
    }
}

fn write_file(path: &std::path::Path, p: &Payload) -> Result<(), SinkError> {
    use std::io::Write as _;
    let io =
        |e: std::io::Error| SinkError::Delivery(format!("cannot write `{}`: {e}", path.display()));
    match p {
        Payload::Alert(a) => {
            let mut line =
                serde_json::to_vec(a.as_ref()).map_err(|e| SinkError::Permanent(e.to_string()))?;
            line.push(b'\n');
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(io)?;
            f.write_all(&line).map_err(io)?;
            f.sync_data().map_err(io)
        }
        Payload::Checkpoint { size, note } => {
            // One file per checkpoint, never overwritten: a shipped checkpoint stays as shipped.
            std::fs::create_dir_all(path).map_err(io)?;
            let file = path.join(format!("checkpoint-{size:012}.txt"));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&file)
            {
                Ok(mut f) => {
                    f.write_all(note.as_bytes()).map_err(io)?;
                    f.sync_all().map_err(io)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(io(e)),
            }
        }
    }
}

type SmtpReader = BufReader<tokio::net::tcp::OwnedReadHalf>;

/// Sends `cmd` (if any) and expects reply code `want` (multi-line replies folded).
async fn smtp_step(
    r: &mut SmtpReader,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    cmd: Option<&str>,
    want: u16,
) -> Result<(), String> {
    if let Some(c) = cmd {
        w.write_all(c.as_bytes()).await.map_err(|e| e.to_string())?;
    }
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(HTTP_TIMEOUT, r.read_line(&mut line))
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| e.to_string())?;
        if n == 0 || line.len() < 4 {
            return Err("connection closed".into());
        }
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| "bad reply".to_string())?;
        if line.as_bytes().get(3) == Some(&b'-') {
            continue;
        }
        return if code == want {
            Ok(())
        } else {
            Err(format!("server answered {code}, expected {want}"))
        };
    }
}

/// Minimal SMTP client for a local relay (no TLS, no AUTH): EHLO, MAIL, RCPT, DATA, QUIT.
async fn smtp_send(
    server: &str,
    from: &str,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<(), SinkError> {
    let fail = |what: String| SinkError::Delivery(format!("smtp {server}: {what}"));
    let stream = tokio::time::timeout(HTTP_TIMEOUT, tokio::net::TcpStream::connect(server))
        .await
        .map_err(|_| fail("connect timed out".into()))?
        .map_err(|e| fail(format!("connect failed: {e}")))?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    smtp_step(&mut r, &mut w, None, 220).await.map_err(fail)?;
    smtp_step(&mut r, &mut w, Some("EHLO palisade\r\n"), 250)
        .await
        .map_err(fail)?;
    smtp_step(
        &mut r,
        &mut w,
        Some(&format!("MAIL FROM:<{from}>\r\n")),
        250,
    )
    .await
    .map_err(fail)?;
    for rcpt in to {
        smtp_step(&mut r, &mut w, Some(&format!("RCPT TO:<{rcpt}>\r\n")), 250)
            .await
            .map_err(fail)?;
    }
    smtp_step(&mut r, &mut w, Some("DATA\r\n"), 354)
        .await
        .map_err(fail)?;
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let rcpts = to
        .iter()
        .map(|t| format!("<{t}>"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut msg = format!("From: <{from}>\r\nTo: {rcpts}\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    for line in body.lines() {
        if line.starts_with('.') {
            msg.push('.');
        }
        msg.push_str(line);
        msg.push_str("\r\n");
    }
    msg.push_str(".\r\n");
    smtp_step(&mut r, &mut w, Some(&msg), 250)
        .await
        .map_err(fail)?;
    let _ = w.write_all(b"QUIT\r\n").await;
    Ok(())
}
