//! WebSocket JSON-RPC on the public listener: `GET /`, `/rpc` or `/rpc/{chain_id}` with
//! `Upgrade: websocket`.
//!
//! The upgrade is refused before it happens, with the same statuses and JSON-RPC errors as an
//! HTTP request (blocked source, sealed, missing or bad API key; the origin allowlist and the
//! per-IP limit are checked by `server` first), and the connection stays counted against the
//! connection caps until it closes. Every data frame costs its source IP one per-IP unit
//! before it is parsed, and a blocked source or a credential that must sign its requests is
//! refused and closed (1008); the same checks, the credential and the sealed state are
//! repeated on every ping tick, so a connection that only holds subscriptions is closed too.
//! Every text message is a JSON-RPC request or batch and
//! takes the HTTP path's checks: the credential is authenticated again (a revoked key stops
//! working at once), the per-credential rate limits are charged with the same cost
//! weights, an in-flight slot is taken, and each item goes through [`rpc::run`] — validation,
//! the credential's method allowlist, the local signer methods, the RPC firewall, audit,
//! metrics. Forwarded methods and `eth_subscribe` / `eth_unsubscribe` go to the chain's node
//! over one upstream WebSocket per client connection ([`Upstream`]), opened on first use;
//! subscription notifications are relayed unchanged. If that socket drops, outstanding requests
//! get an error and the client connection is closed (1011), so clients reconnect.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::FromRequestParts as _;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse as _;
use axum::Json;
use futures_util::{SinkExt as _, StreamExt as _};
use palisade_node::{Node, RequestCtx};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite;

use crate::errors::{RpcError, DENIED, INTERNAL, INVALID_REQUEST, PARSE_ERROR, SEALED, UPSTREAM};
use crate::rpc::{self, Replies, Route};
use crate::server::{OVERLOADED, RATE_LIMITED};
use crate::{AppState, ConnMeta};

/// Close codes (RFC 6455 §7.4.1).
const CLOSE_NORMAL: u16 = 1000;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_UPSTREAM: u16 = 1011;
/// "Try Again Later": the Palisade is sealed (HTTP answers 503 for the same state).
const CLOSE_SEALED: u16 = 1013;

/// Messages queued for the client before readers of the upstream wait (backpressure).
const OUT_QUEUE: usize = 256;

/// Whether a request asks for a WebSocket upgrade.
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// An upgrade refused: the status and JSON-RPC error object an HTTP request would get.
fn refuse(status: StatusCode, e: RpcError) -> Response<Body> {
    let mut r = (
        status,
        Json(json!({"jsonrpc": "2.0", "id": null, "error": e.to_json()})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

/// Checks an upgrade request and, if it passes, switches the connection to a WebSocket session.
pub(crate) async fn upgrade(
    app: AppState,
    peer: SocketAddr,
    meta: Arc<ConnMeta>,
    mut parts: Parts,
    chain_segment: Option<String>,
) -> Response<Body> {
    let node = app.node;
    if !node.config.websocket.enabled {
        return refuse(
            StatusCode::NOT_FOUND,
            RpcError::new(
                INVALID_REQUEST,
                "WebSocket is disabled on this Palisade (`[websocket] enabled = false`): send JSON-RPC with HTTP POST",
            ),
        );
    }
    if let Some(refused) = crate::audit_api::blocked_source(&node, peer.ip()) {
        return refused;
    }
    if crate::signed::signer_required(&node, &parts.headers).is_some() {
        return refuse(
            StatusCode::FORBIDDEN,
            RpcError::new(
                DENIED,
                "this credential must sign each request, which WebSocket messages cannot carry: send JSON-RPC with HTTP POST",
            ),
        );
    }
    let chain_id = match chain_segment.as_deref().map(str::parse::<u64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return refuse(
                StatusCode::NOT_FOUND,
                RpcError::new(
                    INVALID_REQUEST,
                    format!(
                        "`{}` is not a chain id",
                        chain_segment
                            .unwrap_or_default()
                            .chars()
                            .take(32)
                            .collect::<String>()
                    ),
                ),
            )
        }
    };
    let principal = match rpc::authenticate(&node, Some(&meta), &parts.headers) {
        Ok(p) => p,
        // HTTP answers "sealed" with 200 and -32002; an upgrade refused needs an error status.
        Err((StatusCode::OK, e)) => return refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        Err((status, e)) => return refuse(status, e),
    };
    let Some(chain) = node.chain(chain_id) else {
        return refuse(StatusCode::NOT_FOUND, rpc::no_chain(chain_id));
    };
    let chain_id = chain.id;
    let ws_url = chain.ws_url.clone();
    let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    drop(principal);
    // Only what re-authentication needs is kept for the session.
    let mut auth = HeaderMap::new();
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        auth.insert(header::AUTHORIZATION, v.clone());
    }
    let max = node.config.limits.max_body_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| session(socket, node, meta, auth, peer, chain_id, ws_url))
}

/// What the session's writer sends to the client.
enum Out {
    /// A message, with what it holds until it is written (its bytes of the outbox budget,
    /// the message slot of the request it answers).
    Msg(Message, Held),
    Close(u16, String),
}

/// Released once the message is written to the client (or dropped).
#[derive(Default)]
struct Held {
    _bytes: Option<OwnedSemaphorePermit>,
    _slot: Option<OwnedSemaphorePermit>,
}

/// The queue to the client's writer, bounded in messages ([`OUT_QUEUE`]) and in bytes: a
/// client that does not read holds at most `budget` bytes of answers and notifications
/// (readers of the upstream wait, then requests time out).
#[derive(Clone)]
struct Outbox {
    tx: mpsc::Sender<Out>,
    bytes: Arc<Semaphore>,
    budget: usize,
}

impl Outbox {
    fn new(tx: mpsc::Sender<Out>, budget: usize) -> Outbox {
        let budget = budget.clamp(1, u32::MAX as usize);
        Outbox {
            tx,
            bytes: Arc::new(Semaphore::new(budget)),
            budget,
        }
    }

    /// Queues `m` once its bytes fit the budget; `false` if the session is over.
    async fn send(&self, m: Message, slot: Option<OwnedSemaphorePermit>) -> bool {
        let len = match &m {
            Message::Text(t) => t.len(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
            Message::Close(_) => 0,
        };
        let n = u32::try_from(len.clamp(1, self.budget)).unwrap_or(u32::MAX);
        let Ok(bytes) = self.bytes.clone().acquire_many_owned(n).await else {
            return false;
        };
        let held = Held {
            _bytes: Some(bytes),
            _slot: slot,
        };
        self.tx.send(Out::Msg(m, held)).await.is_ok()
    }

    /// The session is over: senders waiting for room give up.
    fn close(&self) {
        self.bytes.close();
    }
}

/// A close reason fits a control frame (at most 123 bytes).
fn close_reason(s: &str) -> String {
    let mut end = s.len().min(123);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

struct Session {
    node: Arc<Node>,
    meta: Arc<ConnMeta>,
    /// The `Authorization` header of the upgrade, for authentication of every message.
    auth: HeaderMap,
    peer: SocketAddr,
    chain_id: u64,
    upstream: Upstream,
    out: Outbox,
    close: mpsc::Sender<(u16, String)>,
    /// Messages being worked on for this connection.
    pending: Arc<Semaphore>,
    max_pending: usize,
}

async fn session(
    socket: WebSocket,
    node: Arc<Node>,
    meta: Arc<ConnMeta>,
    auth: HeaderMap,
    peer: SocketAddr,
    chain_id: u64,
    ws_url: String,
) {
    let cfg = node.config.websocket.clone();
    let max_body = node.config.limits.max_body_bytes;
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(OUT_QUEUE);
    let (close_tx, mut close_rx) = mpsc::channel::<(u16, String)>(4);
    // A close for security reasons (blocked source, revoked credential, sealed) skips what is
    // queued for the client: nothing more is relayed once the session is refused.
    let (urgent_tx, mut urgent_rx) = oneshot::channel::<Urgent>();
    let mut urgent_tx = Some(urgent_tx);
    // A client that does not read its socket cannot hold the session: a frame that cannot be
    // written within two ping intervals ends it.
    let write_timeout = Duration::from_secs(cfg.ping_interval_secs.saturating_mul(2));
    let mut writer = tokio::spawn(async move {
        loop {
            let o = tokio::select! {
                biased;
                u = &mut urgent_rx => match u {
                    Ok(u) => {
                        let _ = tokio::time::timeout(write_timeout, async {
                            if let Some(m) = u.last {
                                let _ = sink.send(m).await;
                            }
                            let frame = CloseFrame { code: u.code, reason: close_reason(&u.reason).into() };
                            let _ = sink.send(Message::Close(Some(frame))).await;
                            let _ = sink.close().await;
                        })
                        .await;
                        return;
                    }
                    Err(_) => return,
                },
                o = out_rx.recv() => o,
            };
            match o {
                None => return,
                Some(Out::Msg(m, _held)) => {
                    match tokio::time::timeout(write_timeout, sink.send(m)).await {
                        Ok(Ok(())) => {}
                        _ => return,
                    }
                }
                Some(Out::Close(code, reason)) => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = tokio::time::timeout(write_timeout, async {
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        let _ = sink.close().await;
                    })
                    .await;
                    return;
                }
            }
        }
    });
    let mut writer_done = false;
    // One message of the largest size allowed, plus 1 MiB of smaller ones.
    let outbox = Outbox::new(
        out_tx.clone(),
        node.config
            .firewall
            .max_response_bytes
            .max(max_body)
            .saturating_add(1 << 20),
    );
    let upstream = Upstream {
        url: ws_url,
        timeout: Duration::from_millis(node.config.limits.upstream_timeout_ms),
        max_response: node.config.firewall.max_response_bytes,
        max_subscriptions: cfg.max_subscriptions,
        link: tokio::sync::Mutex::new(None),
        shut: std::sync::atomic::AtomicBool::new(false),
        subs: Mutex::new(Subs::default()),
        notify: outbox.clone(),
        close: close_tx.clone(),
    };
    let s = Arc::new(Session {
        node,
        meta,
        auth,
        peer,
        chain_id,
        upstream,
        out: outbox.clone(),
        close: close_tx,
        pending: Arc::new(Semaphore::new(cfg.max_pending)),
        max_pending: cfg.max_pending,
    });
    let ping_every = Duration::from_secs(cfg.ping_interval_secs);
    let idle_after = Duration::from_secs(cfg.idle_timeout_secs);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut stop = s.meta.stop.clone();
    let shutting_down = *stop.borrow_and_update();
    let mut last_seen = Instant::now();
    let mut last_request = Instant::now();
    let mut urgent: Option<Urgent> = None;
    let closing: Option<(u16, String)> = if shutting_down {
        Some((
            CLOSE_GOING_AWAY,
            "Palisade is shutting down: reconnect".into(),
        ))
    } else {
        loop {
            tokio::select! {
                frame = stream.next() => match frame {
                    None => break None,
                    Some(Err(e)) => {
                        let too_big = e
                            .into_inner()
                            .downcast_ref::<tungstenite::Error>()
                            .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)));
                        if too_big {
                            break Some((CLOSE_TOO_BIG, format!("message exceeds the limit of {max_body} bytes (limits.max_body_bytes)")));
                        }
                        break None;
                    }
                    Some(Ok(m)) => {
                        last_seen = Instant::now();
                        let text = match &m {
                            Message::Text(t) => Some(t.as_str()),
                            Message::Binary(_) => None,
                            Message::Close(_) => break None,
                            Message::Ping(_) | Message::Pong(_) => continue,
                        };
                        if text.is_some() {
                            last_request = Instant::now();
                        }
                        // Every data frame costs its source IP one unit before anything else is
                        // done with it (parsing included), as every HTTP request does.
                        if let Err(l) = s.meta.guard.limits.check_ip(s.peer.ip()) {
                            let ids = text.map_or(Value::Null, ids_of_text);
                            let e = RpcError::new(RATE_LIMITED, l.message());
                            s.out.send(text_msg(&rpc::refusal_body(&ids, &e)), None).await;
                            continue;
                        }
                        // The checks HTTP makes on every request and the upgrade made once.
                        if let Some(refusal) = s.still_allowed() {
                            let ids = text.map_or(Value::Null, ids_of_text);
                            let last = text_msg(&rpc::refusal_body(&ids, &refusal.error));
                            urgent = Some(Urgent { last: Some(last), code: refusal.code, reason: refusal.reason });
                            break None;
                        }
                        match text {
                            Some(text) => s.clone().accept(text).await,
                            None => {
                                let e = RpcError::new(INVALID_REQUEST, "binary frames are not supported: send each JSON-RPC request or batch as a text frame");
                                s.out.send(text_msg(&rpc::refusal_body(&Value::Null, &e)), None).await;
                            }
                        }
                    }
                },
                Some(c) = close_rx.recv() => break Some(c),
                _ = &mut writer => {
                    writer_done = true;
                    break None;
                }
                _ = ping.tick() => {
                    // A connection that only holds subscriptions sends nothing: its source,
                    // credential and the sealed state are checked again on every tick.
                    if let Some(refusal) = s.still_allowed().or_else(|| s.still_authenticated()) {
                        urgent = Some(Urgent { last: None, code: refusal.code, reason: refusal.reason });
                        break None;
                    }
                    if last_seen.elapsed() > ping_every * 2 {
                        break Some((CLOSE_GOING_AWAY, "no answer to pings: closing".into()));
                    }
                    let busy = s.pending.available_permits() < s.max_pending;
                    if !busy && s.upstream.subscriptions() == 0 && last_request.elapsed() >= idle_after {
                        break Some((CLOSE_NORMAL, format!("idle for {} s with no request or subscription", idle_after.as_secs())));
                    }
                    // Never waits: with the queue full, the writer's timeout decides.
                    let _ = s.out.tx.try_send(Out::Msg(Message::Ping(Bytes::new()), Held::default()));
                }
                _ = stop.changed() => break Some((CLOSE_GOING_AWAY, "Palisade is shutting down: reconnect".into())),
            }
        }
    };
    if let Some(u) = urgent {
        // Nothing more is relayed: the upstream socket goes first, then the close frame
        // overtakes whatever is queued.
        s.upstream.shut().await;
        tracing::debug!(peer = %s.peer, code = u.code, reason = %u.reason, "closing WebSocket");
        if let Some(tx) = urgent_tx.take() {
            let _ = tx.send(u);
        }
    } else if let (Some((code, reason)), false) = (closing, writer_done) {
        // Answers already being worked on go out before the close frame (bounded wait).
        let all = u32::try_from(s.max_pending).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            s.pending.clone().acquire_many_owned(all),
        )
        .await;
        tracing::debug!(peer = %s.peer, code, reason = %reason, "closing WebSocket");
        let _ = out_tx.send(Out::Close(code, close_reason(&reason))).await;
    }
    s.upstream.shut().await;
    s.out.close();
    // Every sender goes, so the writer ends once the queue is written.
    drop(outbox);
    drop(out_tx);
    drop(s);
    if !writer_done
        && tokio::time::timeout(Duration::from_secs(5), &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
}

fn text_msg(v: &Value) -> Message {
    Message::Text(v.to_string().into())
}

/// The ids of a text message, for a refusal (`null` if it is not JSON).
fn ids_of_text(text: &str) -> Value {
    serde_json::from_str::<Value>(text).map_or(Value::Null, |v| ids_of(&v))
}

/// A close that skips the queue: an optional last message, then the close frame.
struct Urgent {
    last: Option<Message>,
    code: u16,
    reason: String,
}

/// Why a session may not go on.
struct Refusal {
    error: RpcError,
    code: u16,
    reason: String,
}

/// Why a session may not go on: a blocked source, or a credential that must sign its requests
/// (checked on every message, as HTTP checks them on every request, and on every ping tick).
fn refusal_of(node: &Node, ip: std::net::IpAddr, auth: &HeaderMap) -> Option<Refusal> {
    if let Some(msg) = crate::audit_api::blocked_message(node, ip) {
        return Some(Refusal {
            reason: "source blocked after a security incident".into(),
            error: RpcError::new(DENIED, msg),
            code: CLOSE_POLICY,
        });
    }
    if crate::signed::signer_required(node, auth).is_some() {
        return Some(Refusal {
            error: RpcError::new(
                DENIED,
                "this credential must now sign each request, which WebSocket messages cannot carry: send JSON-RPC with HTTP POST",
            ),
            reason: "credential must sign each request: use HTTP POST".into(),
            code: CLOSE_POLICY,
        });
    }
    None
}

impl Session {
    /// See [`refusal_of`].
    fn still_allowed(&self) -> Option<Refusal> {
        refusal_of(&self.node, self.peer.ip(), &self.auth)
    }

    /// The credential still authenticates and the Palisade is not sealed (ping ticks; each
    /// message is authenticated in [`Session::answer`]).
    fn still_authenticated(&self) -> Option<Refusal> {
        match rpc::authenticate(&self.node, Some(&self.meta), &self.auth) {
            Ok(_) => None,
            Err((_, e)) if e.code == SEALED => Some(Refusal {
                reason: "Palisade is sealed: reconnect once it is unsealed".into(),
                error: e,
                code: CLOSE_SEALED,
            }),
            Err((_, e)) => Some(Refusal {
                reason: format!("credential refused: {}", e.message),
                error: e,
                code: CLOSE_POLICY,
            }),
        }
    }

    /// Takes one text message: a per-connection slot, then its answer in a task of its own
    /// (answers go out as they are ready, matched by id as JSON-RPC over WebSocket allows).
    async fn accept(self: Arc<Self>, text: &str) {
        let Ok(permit) = self.pending.clone().try_acquire_owned() else {
            let parsed: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let e = RpcError::new(
                OVERLOADED,
                format!(
                    "too many requests in progress on this connection (limit {}, `websocket.max_pending`): wait for answers",
                    self.max_pending
                ),
            );
            self.out
                .send(text_msg(&rpc::refusal_body(&parsed, &e)), None)
                .await;
            return;
        };
        let text = text.to_string();
        tokio::spawn(async move {
            let (reply, fatal) = self.answer(&text).await;
            // The message slot is held until the answer is written, not merely queued.
            if let Some(r) = reply {
                self.out.send(Message::Text(r.into()), Some(permit)).await;
            } else {
                drop(permit);
            }
            if let Some(reason) = fatal {
                let _ = self.close.send((CLOSE_POLICY, reason)).await;
            }
        });
    }

    /// The answer to one message (if any), and a reason to close the connection (if any).
    async fn answer(self: &Arc<Self>, text: &str) -> (Option<String>, Option<String>) {
        let refused = |parsed: &Value, code: i64, msg: String| {
            Some(rpc::refusal_body(parsed, &RpcError::new(code, msg)).to_string())
        };
        let parsed: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return (
                    refused(
                        &Value::Null,
                        PARSE_ERROR,
                        format!("parse error: message is not valid JSON ({e})"),
                    ),
                    None,
                )
            }
        };
        let node = &self.node;
        let guard = &self.meta.guard;
        // The source IP was charged when the frame arrived (`session`).
        let principal = match rpc::authenticate(node, Some(&self.meta), &self.auth) {
            Ok(p) => p,
            Err((_, e)) if e.code == SEALED => {
                return (Some(rpc::refusal_body(&parsed, &e).to_string()), None)
            }
            Err((_, e)) => {
                let reason = format!("credential refused: {}", e.message);
                return (
                    Some(rpc::refusal_body(&parsed, &e).to_string()),
                    Some(reason),
                );
            }
        };
        let ctx = RequestCtx {
            principal,
            source: Some(self.peer.ip().to_string()),
        };
        let cost = guard.limits.cost_of(&parsed);
        if let Err(l) = guard
            .limits
            .check_rpc(&ctx.principal.credential_id, self.peer.ip(), cost)
        {
            return (refused(&parsed, RATE_LIMITED, l.message()), None);
        }
        let Some(permit) = guard.try_in_flight() else {
            crate::metrics::global().shed("in_flight");
            return (
                refused(
                    &parsed,
                    OVERLOADED,
                    "server is overloaded: retry shortly".into(),
                ),
                None,
            );
        };
        // Only the ids are kept for a timeout answer.
        let ids = ids_of(&parsed);
        // As on HTTP, the work runs in its own task: on timeout the client is answered, but a
        // signature is never left half-recorded.
        let s = self.clone();
        let work = tokio::spawn(async move {
            let _permit = permit;
            crate::metrics::global().in_flight(1);
            let r = match s.node.chain(Some(s.chain_id)) {
                Some(chain) => rpc::run(&s.node, &ctx, chain, parsed, Route::Ws(&s.upstream)).await,
                None => Replies::Refused(rpc::no_chain(Some(s.chain_id))),
            };
            crate::metrics::global().in_flight(-1);
            r
        });
        let replies = match tokio::time::timeout(guard.request_timeout(), work).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => return (refused(&ids, INTERNAL, "internal error".into()), None),
            Err(_) => {
                crate::metrics::global().shed("request_timeout");
                return (
                    refused(
                        &ids,
                        OVERLOADED,
                        "request timed out: the server or the upstream node is too slow, retry later".into(),
                    ),
                    None,
                );
            }
        };
        let text = match replies {
            Replies::Empty => return (None, None),
            Replies::One(r) => serde_json::to_string(&r),
            Replies::Batch(v) => serde_json::to_string(&v),
            Replies::Refused(e) => Ok(rpc::refusal_body(&Value::Null, &e).to_string()),
        };
        match text {
            Ok(t) => (Some(t), None),
            Err(_) => (refused(&ids, INTERNAL, "internal error".into()), None),
        }
    }
}

/// A body with only the ids of `parsed` (enough for [`rpc::refusal_body`]).
fn ids_of(parsed: &Value) -> Value {
    let id = |v: &Value| json!({"id": v.get("id").cloned().unwrap_or(Value::Null)});
    match parsed {
        Value::Array(items) => Value::Array(items.iter().map(id).collect()),
        other => id(other),
    }
}

#[derive(Default)]
struct Subs {
    active: HashSet<String>,
    /// `eth_subscribe` calls on their way (counted against the cap).
    opening: usize,
}

/// The upstream WebSocket of one client connection, opened on the first forwarded request.
pub(crate) struct Upstream {
    /// May carry an API key: never logged nor put in an error.
    url: String,
    timeout: Duration,
    max_response: usize,
    max_subscriptions: usize,
    link: tokio::sync::Mutex<Option<Arc<Link>>>,
    /// The session is over: no new upstream socket is opened.
    shut: std::sync::atomic::AtomicBool,
    subs: Mutex<Subs>,
    /// Subscription notifications go to the client here.
    notify: Outbox,
    /// Tells the session to close when the upstream socket is gone.
    close: mpsc::Sender<(u16, String)>,
}

/// A subscription on its way, counted against the cap until it is active or failed.
pub(crate) struct SubSlot<'a> {
    up: &'a Upstream,
}

impl Drop for SubSlot<'_> {
    fn drop(&mut self) {
        let mut s = self.up.subs.lock();
        s.opening = s.opening.saturating_sub(1);
    }
}

type Waiter = oneshot::Sender<Result<Box<RawValue>, RpcError>>;

#[derive(Default)]
struct Waiting {
    by_id: HashMap<u64, Waiter>,
    /// The socket is gone: no new request is sent on it.
    dead: bool,
}

struct Link {
    tx: mpsc::Sender<String>,
    waiting: Arc<Mutex<Waiting>>,
    next_id: AtomicU64,
    tasks: Vec<JoinHandle<()>>,
}

impl Link {
    /// Stops the socket's tasks and fails the requests waiting on it.
    fn end(&self) {
        for t in &self.tasks {
            t.abort();
        }
        let left = {
            let mut w = self.waiting.lock();
            w.dead = true;
            std::mem::take(&mut w.by_id)
        };
        for (_, tx) in left {
            let _ = tx.send(Err(gone()));
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn upstream_error(msg: impl Into<String>) -> RpcError {
    RpcError::new(UPSTREAM, msg)
}

#[derive(Deserialize)]
struct UpstreamMessage {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    /// `Some` whenever the field is there, `null` included (a valid result).
    #[serde(default, deserialize_with = "present")]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<UpstreamRpcError>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct UpstreamRpcError {
    code: i64,
    message: String,
    #[serde(default)]
    data: Option<Value>,
}

impl Upstream {
    /// Active subscriptions.
    fn subscriptions(&self) -> usize {
        let s = self.subs.lock();
        s.active.len() + s.opening
    }

    /// Sends one request on the upstream socket and waits for its answer.
    pub(crate) async fn call(
        &self,
        method: &str,
        params: &Value,
    ) -> Result<Box<RawValue>, RpcError> {
        // One deadline for opening the socket, handing the request to it and the answer: a hung
        // upstream cannot hold the request (and its in-flight slot) longer.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let late = || {
            upstream_error(format!(
                "the upstream node did not answer within {} ms",
                self.timeout.as_millis()
            ))
        };
        let link = match tokio::time::timeout_at(deadline, self.link()).await {
            Ok(l) => l?,
            Err(_) => return Err(late()),
        };
        let id = link.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut w = link.waiting.lock();
            if w.dead {
                return Err(gone());
            }
            w.by_id.insert(id, tx);
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        match tokio::time::timeout_at(deadline, link.tx.send(body.to_string())).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                link.waiting.lock().by_id.remove(&id);
                return Err(gone());
            }
            Err(_) => {
                link.waiting.lock().by_id.remove(&id);
                return Err(late());
            }
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(gone()),
            Err(_) => {
                link.waiting.lock().by_id.remove(&id);
                Err(late())
            }
        }
    }

    /// A place under the per-connection subscription cap for an `eth_subscribe` (`None` for
    /// other methods), taken before the request is admitted (and audited as allowed): a
    /// subscription over the cap is refused, never recorded as allowed.
    pub(crate) fn reserve(&self, method: &str) -> Result<Option<SubSlot<'_>>, RpcError> {
        if method != "eth_subscribe" {
            return Ok(None);
        }
        let mut s = self.subs.lock();
        if s.active.len() + s.opening >= self.max_subscriptions {
            return Err(RpcError::new(
                DENIED,
                format!(
                    "too many subscriptions on this connection (limit {}, `websocket.max_subscriptions`): eth_unsubscribe one first",
                    self.max_subscriptions
                ),
            ));
        }
        s.opening += 1;
        Ok(Some(SubSlot { up: self }))
    }

    /// `eth_subscribe` (with its place under the cap, [`Upstream::reserve`]) and
    /// `eth_unsubscribe`.
    pub(crate) async fn subscription(
        &self,
        method: &str,
        params: &Value,
        slot: Option<SubSlot<'_>>,
    ) -> Result<Box<RawValue>, RpcError> {
        let Some(slot) = slot else {
            let r = self.call(method, params).await;
            if let (Ok(_), Some(id)) = (&r, params.get(0).and_then(Value::as_str)) {
                self.subs.lock().active.remove(id);
            }
            return r;
        };
        let r = self.call(method, params).await;
        if let Ok(raw) = &r {
            if let Ok(id) = serde_json::from_str::<String>(raw.get()) {
                self.subs.lock().active.insert(id);
            }
        }
        drop(slot);
        r
    }

    /// The open upstream socket, connecting on first use.
    async fn link(&self) -> Result<Arc<Link>, RpcError> {
        let mut slot = self.link.lock().await;
        if self.shut.load(Ordering::Acquire) {
            return Err(gone());
        }
        if let Some(l) = slot.as_ref() {
            if l.waiting.lock().dead {
                return Err(gone());
            }
            return Ok(l.clone());
        }
        if self.url.starts_with("wss://") {
            // tokio-tungstenite builds its TLS client on the process's default provider; make
            // it the ring provider the listeners use (no effect if one is installed already).
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let config = tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(self.max_response))
            .max_frame_size(Some(self.max_response));
        let connect =
            tokio_tungstenite::connect_async_with_config(self.url.as_str(), Some(config), true);
        let (socket, _) = match tokio::time::timeout(self.timeout, connect).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                // The error text names no URL (the URL may carry an API key).
                return Err(upstream_error(format!(
                    "cannot open the WebSocket to this chain's upstream node ({}): set `ws_url` for the chain if the node serves WebSocket elsewhere",
                    describe(&e)
                )));
            }
            Err(_) => {
                return Err(upstream_error(
                    "the upstream node's WebSocket did not open in time",
                ))
            }
        };
        let (mut up_sink, mut up_stream) = socket.split();
        let (tx, mut rx) = mpsc::channel::<String>(OUT_QUEUE);
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        // An upstream that stops reading ends the socket: a write that does not finish within
        // the upstream timeout fails every request waiting on it and closes the session (1011).
        let writer = {
            let waiting = waiting.clone();
            let close = self.close.clone();
            let write_timeout = self.timeout;
            tokio::spawn(async move {
                while let Some(text) = rx.recv().await {
                    match tokio::time::timeout(
                        write_timeout,
                        up_sink.send(tungstenite::Message::text(text)),
                    )
                    .await
                    {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            return lost(&waiting, &close, format!("failed ({})", describe(&e)))
                                .await
                        }
                        Err(_) => {
                            return lost(
                                &waiting,
                                &close,
                                "did not take a request in time".to_string(),
                            )
                            .await
                        }
                    }
                }
                let _ = tokio::time::timeout(write_timeout, up_sink.close()).await;
            })
        };
        let reader = {
            let waiting = waiting.clone();
            let notify = self.notify.clone();
            let close = self.close.clone();
            let limit = self.max_response;
            tokio::spawn(async move {
                let why = loop {
                    match up_stream.next().await {
                        Some(Ok(tungstenite::Message::Text(t))) => {
                            if !relay(t.as_str(), &waiting, &notify).await {
                                return;
                            }
                        }
                        Some(Ok(tungstenite::Message::Close(_))) | None => {
                            break "closed the connection".to_string();
                        }
                        Some(Ok(_)) => {}
                        Some(Err(tungstenite::Error::Capacity(_))) => {
                            break format!("sent an answer above the RPC firewall's limit of {limit} bytes (firewall.max_response_bytes)");
                        }
                        Some(Err(e)) => break format!("failed ({})", describe(&e)),
                    }
                };
                lost(&waiting, &close, why).await;
            })
        };
        let link = Arc::new(Link {
            tx,
            waiting,
            next_id: AtomicU64::new(1),
            tasks: vec![writer, reader],
        });
        *slot = Some(link.clone());
        Ok(link)
    }

    /// Closes the upstream socket (the session is over).
    async fn shut(&self) {
        let mut slot = self.link.lock().await;
        self.shut.store(true, Ordering::Release);
        // Requests still holding the link must not keep its tasks (and the socket) alive.
        if let Some(link) = slot.take() {
            link.end();
        }
    }
}

/// The upstream socket is gone (`why`): waiting requests fail, the session is told to close.
async fn lost(waiting: &Mutex<Waiting>, close: &mpsc::Sender<(u16, String)>, why: String) {
    let left = {
        let mut w = waiting.lock();
        w.dead = true;
        std::mem::take(&mut w.by_id)
    };
    for (_, tx) in left {
        let _ = tx.send(Err(upstream_error(format!(
            "the upstream node's WebSocket {why}: reconnect"
        ))));
    }
    let _ = close
        .send((
            CLOSE_UPSTREAM,
            format!("upstream node WebSocket {why}: reconnect"),
        ))
        .await;
}

/// Passes one upstream message on: a notification to the client unchanged, an answer to its
/// waiting request. `false` once the client is gone.
async fn relay(text: &str, waiting: &Mutex<Waiting>, notify: &Outbox) -> bool {
    let Ok(m) = serde_json::from_str::<UpstreamMessage>(text) else {
        tracing::debug!("upstream WebSocket sent a message that is not JSON-RPC; ignored");
        return true;
    };
    if m.id.is_none() && m.method.as_deref() == Some("eth_subscription") {
        return notify
            .send(Message::Text(text.to_string().into()), None)
            .await;
    }
    let Some(id) = m.id.as_ref().and_then(Value::as_u64) else {
        return true;
    };
    let Some(tx) = waiting.lock().by_id.remove(&id) else {
        return true;
    };
    let outcome = match m.error {
        Some(e) => Err(RpcError {
            code: e.code,
            message: e.message,
            data: e.data,
        }),
        // As over HTTP: an answer must carry one of them.
        None => m.result.ok_or_else(|| {
            upstream_error(
                "upstream node sent an invalid answer: answer has neither result nor error",
            )
        }),
    };
    let _ = tx.send(outcome);
    true
}

fn gone() -> RpcError {
    upstream_error("the upstream node's WebSocket is closed: reconnect")
}

/// A connection error without the URL.
fn describe(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(resp) => format!("it answered HTTP {}", resp.status()),
        tungstenite::Error::Io(io) => io.to_string(),
        tungstenite::Error::Url(_) => "invalid WebSocket URL".into(),
        tungstenite::Error::Tls(t) => format!("TLS: {t}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn close_reasons_fit_a_control_frame() {
        let r = close_reason(&"é".repeat(100));
        assert!(r.len() <= 123);
        assert!(r.chars().all(|c| c == 'é'));
        assert_eq!(close_reason("short"), "short");
    }

    #[test]
    fn timeout_answers_keep_every_id() {
        let ids = ids_of(&json!([{"id": 1, "method": "x"}, {"method": "y"}]));
        let body = rpc::refusal_body(&ids, &RpcError::new(OVERLOADED, "slow"));
        assert_eq!(body[0]["id"], 1);
        assert_eq!(body[1]["id"], Value::Null);
        assert_eq!(body[0]["error"]["code"], OVERLOADED);
    }

    #[test]
    fn upgrade_header_is_case_insensitive() {
        let mut h = HeaderMap::new();
        assert!(!is_upgrade(&h));
        h.insert(header::UPGRADE, HeaderValue::from_static("WebSocket"));
        assert!(is_upgrade(&h));
        h.insert(header::UPGRADE, HeaderValue::from_static("h2c"));
        assert!(!is_upgrade(&h));
    }

    #[tokio::test]
    async fn notifications_pass_unchanged_and_answers_reach_their_request() {
        let waiting = Mutex::new(Waiting::default());
        let (out, mut rx) = mpsc::channel(4);
        let tx = Outbox::new(out, 1 << 20);
        let note = r#"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":{"number":"0x2"}}}"#;
        assert!(relay(note, &waiting, &tx).await);
        let relayed = rx.recv().await;
        assert!(
            matches!(&relayed, Some(Out::Msg(Message::Text(t), _)) if t.as_str() == note),
            "notification not relayed unchanged"
        );
        let (a, ra) = oneshot::channel();
        let (b, rb) = oneshot::channel();
        waiting.lock().by_id.insert(1, a);
        waiting.lock().by_id.insert(2, b);
        assert!(relay(r#"{"jsonrpc":"2.0","id":2,"error":{"code":3,"message":"execution reverted","data":"0x08"}}"#, &waiting, &tx).await);
        assert!(relay(r#"{"jsonrpc":"2.0","id":1,"result":null}"#, &waiting, &tx).await);
        assert_eq!(ra.await.unwrap().unwrap().get(), "null");
        let e = rb.await.unwrap().unwrap_err();
        assert_eq!((e.code, e.data), (3, Some(json!("0x08"))));
        // An answer with neither result nor error is an error, as over HTTP.
        let (c, rc) = oneshot::channel();
        waiting.lock().by_id.insert(3, c);
        assert!(relay(r#"{"jsonrpc":"2.0","id":3}"#, &waiting, &tx).await);
        let e = rc.await.unwrap().unwrap_err();
        assert_eq!(e.code, UPSTREAM);
        assert!(
            e.message.contains("neither result nor error"),
            "{}",
            e.message
        );
        // Garbage and unknown ids are ignored.
        assert!(relay("not json", &waiting, &tx).await);
        assert!(relay(r#"{"id":99,"result":1}"#, &waiting, &tx).await);
    }

    #[tokio::test]
    async fn a_credential_that_must_sign_or_a_blocked_source_stops_the_session() {
        use palisade_node::policy::{KeyScope, MethodGroup};
        let dir = tempfile::tempdir().unwrap();
        let config = palisade_node::Config {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let node = Node::open(config).await.unwrap();
        let (_, root) = node
            .bootstrap(palisade_barrier::InitRequest::Shamir {
                shares: 1,
                threshold: 1,
            })
            .await
            .unwrap();
        let bearer = |t: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
            );
            h
        };
        let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        assert!(refusal_of(&node, ip, &bearer(&root.token)).is_none());
        // A credential whose requests must be signed (as it would be after a request key is
        // added): its session is refused on the next message and closed with 1008.
        let signer = node
            .credentials()
            .create(palisade_node::credentials::CreateCredential {
                name: "signed".into(),
                keys: KeyScope::All,
                methods: [MethodGroup::Read].into_iter().collect(),
                admin: false,
                expires_at: None,
                rpc_methods: None,
                groups: Vec::new(),
                owner: None,
                approver_key: None,
                request_key: Some("11".repeat(32)),
            })
            .unwrap();
        let r = refusal_of(&node, ip, &bearer(&signer.token)).unwrap();
        assert_eq!((r.code, r.error.code), (CLOSE_POLICY, DENIED));
        assert!(r.reason.contains("sign"), "{}", r.reason);
        // A blocked source.
        let ctx = RequestCtx {
            principal: node.authenticate(&root.token).unwrap(),
            source: None,
        };
        node.block_source(&ctx, "127.0.0.1", 60).await.unwrap();
        let r = refusal_of(&node, ip, &bearer(&root.token)).unwrap();
        assert_eq!(r.code, CLOSE_POLICY);
        assert!(r.error.message.contains("blocked"), "{}", r.error.message);
        assert!(refusal_of(&node, "127.0.0.2".parse().unwrap(), &bearer(&root.token)).is_none());
    }

    #[tokio::test]
    async fn the_outbox_holds_a_bounded_number_of_bytes_until_they_are_written() {
        let (tx, mut rx) = mpsc::channel(16);
        let out = Outbox::new(tx, 10);
        let slots = Arc::new(Semaphore::new(1));
        let slot = slots.clone().try_acquire_owned().unwrap();
        assert!(out.send(Message::text("12345678"), Some(slot)).await);
        // The message slot stays taken while the answer is queued, not yet written.
        assert_eq!(slots.available_permits(), 0);
        // No room for 8 more bytes until the first message is written.
        let second = tokio::time::timeout(
            Duration::from_millis(100),
            out.send(Message::text("abcdefgh"), None),
        )
        .await;
        assert!(second.is_err(), "the budget was exceeded");
        let first = rx.recv().await.unwrap();
        drop(first);
        assert_eq!(slots.available_permits(), 1);
        assert!(out.send(Message::text("abcdefgh"), None).await);
        // A message above the budget still goes out alone.
        let big = tokio::spawn({
            let out = out.clone();
            async move { out.send(Message::text("x".repeat(100)), None).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!big.is_finished());
        drop(rx.recv().await.unwrap());
        assert!(big.await.unwrap());
        // Once the session is over, waiting senders give up.
        let blocked = tokio::spawn({
            let out = out.clone();
            async move { out.send(Message::text("y".repeat(10)), None).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        out.close();
        assert!(!blocked.await.unwrap());
    }
}
