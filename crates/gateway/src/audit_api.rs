//! Admin REST API for the audit log (export, proofs, checkpoints, keyed hashes), incidents and
//! responses (suspend/reinstate credentials, source blocks, lockdown), and the guard that refuses
//! JSON-RPC requests from blocked sources.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use palisade_node::{NodeError, RequestCtx};
use serde::Deserialize;
use serde_json::json;

use crate::api::{body, ok, ApiResult, Caller};
use crate::errors::ApiError;
use crate::AppState;

/// Most entries one export or listing answers with (page with `from`).
const MAX_PAGE: u64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/audit/entries", get(entries))
        .route("/v1/audit/export", get(export))
        .route("/v1/audit/proof/{seq}", get(proof))
        .route(
            "/v1/audit/checkpoint",
            get(latest_checkpoint).post(new_checkpoint),
        )
        .route("/v1/audit/key", get(verifier_key))
        .route("/v1/audit/hash", post(keyed_hash))
        .route("/v1/incidents", get(list_incidents))
        .route("/v1/incidents/{id}", get(show_incident))
        .route("/v1/incidents/{id}/resolve", post(resolve_incident))
        .route("/v1/credentials/{id}/suspend", post(suspend))
        .route("/v1/credentials/{id}/reinstate", post(reinstate))
        .route("/v1/blocks", get(list_blocks).post(block))
        .route("/v1/blocks/{source}", axum::routing::delete(unblock))
        .route("/v1/lockdown", get(lockdown_status).post(lockdown))
}

/// Refuses JSON-RPC requests from a source blocked by an incident response (HTTP 403, -32001).
/// The admin API stays reachable so an administrator can lift the block.
pub async fn block_guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if crate::server::rpc_route(path).is_some() {
        if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
            if let Some(refused) = blocked_source(&app.node, peer.ip()) {
                return refused;
            }
        }
    }
    next.run(req).await
}

/// The JSON-RPC refusal for a source blocked by incident response, if `ip` is blocked.
pub(crate) fn blocked_source(node: &palisade_node::Node, ip: std::net::IpAddr) -> Option<Response> {
    let msg = blocked_message(node, ip)?;
    Some(
        (
            StatusCode::FORBIDDEN,
            Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": crate::errors::DENIED, "message": msg}})),
        )
            .into_response(),
    )
}

/// Why requests from `ip` are refused, if the source is blocked.
pub(crate) fn blocked_message(node: &palisade_node::Node, ip: std::net::IpAddr) -> Option<String> {
    if !node.any_blocked() {
        return None;
    }
    let ip = ip.to_string();
    if !node.is_blocked(&ip) {
        return None;
    }
    Some(format!(
        "requests from `{ip}` are blocked after a security incident; an administrator can lift the block"
    ))
}

fn admin(c: RequestCtx, what: &str) -> Result<RequestCtx, ApiError> {
    if !c.principal.admin {
        return Err(NodeError::Denied(format!("{what} needs an admin credential")).into());
    }
    Ok(c)
}

fn audit_err<E: Into<NodeError>>(e: E) -> ApiError {
    e.into().into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    from: Option<u64>,
    to: Option<u64>,
    limit: Option<u64>,
    /// For `entries`: the last `tail` entries.
    tail: Option<u64>,
    /// For `export`: `json` answers `{"lines": [...]}` instead of JSON lines.
    format: Option<String>,
}

fn range(q: &RangeQuery, size: u64) -> (u64, u64) {
    let from = match (q.from, q.tail) {
        (Some(f), _) => f.min(size),
        (None, Some(t)) => size.saturating_sub(t),
        (None, None) => 0,
    };
    let limit = q.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let to =
        q.to.unwrap_or(size)
            .min(size)
            .min(from.saturating_add(limit));
    (from, to.max(from))
}

async fn entries(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Query(q): Query<RangeQuery>,
) -> ApiResult {
    admin(ctx, "reading the audit log")?;
    let size = app.node.audit().head().map_err(audit_err)?.size;
    let (from, to) = range(&q, size);
    let node = app.node.clone();
    let list = tokio::task::spawn_blocking(move || node.audit().entries(from, to))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(audit_err)?;
    ok(json!({"size": size, "from": from, "entries": list}))
}

/// JSON lines: each line is one stored entry, byte for byte (what the Merkle leaves hash).
async fn export(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Query(q): Query<RangeQuery>,
) -> ApiResult {
    let c = admin(ctx, "exporting the audit log")?;
    app.node.admit_audit_read(&c, "audit.export").await?;
    let size = app.node.audit().head().map_err(audit_err)?.size;
    let (from, to) = range(&q, size);
    let node = app.node.clone();
    let raw = tokio::task::spawn_blocking(move || node.audit().raw_entries(from, to))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(audit_err)?;
    if q.format.as_deref() == Some("json") {
        let lines: Vec<String> = raw
            .into_iter()
            .map(|r| String::from_utf8_lossy(&r).into_owned())
            .collect();
        return ok(json!({"size": size, "from": from, "to": to, "lines": lines}));
    }
    let mut out = Vec::with_capacity(raw.iter().map(|r| r.len() + 1).sum());
    for r in raw {
        out.extend_from_slice(&r);
        out.push(b'\n');
    }
    let mut resp = Response::new(Body::from(out));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/x-ndjson"),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("{from}-{to}")) {
        resp.headers_mut().insert("x-palisade-range", v);
    }
    Ok(resp)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofQuery {
    size: Option<u64>,
}

/// Inclusion proof of entry `seq` under the latest signed checkpoint (a new one is signed if the
/// latest does not cover the entry), or under a tree of `size` entries.
async fn proof(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(seq): Path<u64>,
    Query(q): Query<ProofQuery>,
) -> ApiResult {
    let c = admin(ctx, "reading the audit log")?;
    app.node.admit_audit_read(&c, "audit.proof").await?;
    let vk = app.node.audit().verifier_key().map_err(audit_err)?;
    let (size, note) = match q.size {
        Some(s) => (s, None),
        None => {
            let latest = app.node.audit().latest_checkpoint().map_err(audit_err)?;
            let covering = latest.and_then(|n| {
                vk.open(&n)
                    .ok()
                    .filter(|cp| cp.size > seq)
                    .map(|cp| (cp.size, n))
            });
            match covering {
                Some((s, n)) => (s, Some(n)),
                None => {
                    let n = app.node.sign_checkpoint()?;
                    let s = vk
                        .open(&n)
                        .map(|cp| cp.size)
                        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
                    (s, Some(n))
                }
            }
        }
    };
    let node = app.node.clone();
    let (p, entry) = tokio::task::spawn_blocking(move || node.audit().inclusion_proof(seq, size))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, e.to_string()))?;
    ok(json!({
        "seq": p.seq, "size": p.size, "leaf_hash": hex::encode(p.leaf_hash), "root": hex::encode(p.root), "path": p.path,
        "entry": String::from_utf8_lossy(&entry), "checkpoint": note, "key": vk.to_string(),
    }))
}

async fn latest_checkpoint(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    admin(ctx, "reading audit checkpoints")?;
    let note = app.node.audit().latest_checkpoint().map_err(audit_err)?;
    let key = app.node.audit().verifier_key().map_err(audit_err)?;
    ok(json!({"checkpoint": note, "key": key.to_string()}))
}

async fn new_checkpoint(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    let c = ctx;
    let note = app.node.checkpoint_now(&c).await?;
    let key = app.node.audit().verifier_key().map_err(audit_err)?;
    ok(json!({"checkpoint": note, "key": key.to_string()}))
}

async fn verifier_key(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    admin(ctx, "reading the audit key")?;
    ok(json!({"key": app.node.audit().verifier_key().map_err(audit_err)?.to_string()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashBody {
    value: String,
}

async fn keyed_hash(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    admin(ctx, "computing audit hashes")?;
    let b: HashBody = body(&raw)?;
    ok(json!({"hash": app.node.audit().keyed_hash(&b.value).map_err(audit_err)?}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    status: Option<String>,
}

async fn list_incidents(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Query(q): Query<StatusQuery>,
) -> ApiResult {
    let c = ctx;
    ok(json!({"incidents": app.node.list_incidents(&c, q.status.as_deref())?}))
}

async fn show_incident(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let c = ctx;
    ok(app.node.show_incident(&c, &id)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    note: Option<String>,
    #[serde(default)]
    keep_actions: bool,
}

async fn resolve_incident(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    raw: Bytes,
) -> ApiResult {
    let c = ctx;
    let b: ResolveBody = body(&raw)?;
    ok(app
        .node
        .resolve_incident(&c, &id, b.note.as_deref(), b.keep_actions)
        .await?)
}

async fn suspend(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let c = ctx;
    ok(app.node.suspend_credential(&c, &id).await?)
}

async fn reinstate(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let c = ctx;
    ok(app.node.reinstate_credential(&c, &id).await?)
}

async fn list_blocks(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    admin(ctx, "listing blocked sources")?;
    ok(json!({"blocks": app.node.blocks()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockBody {
    source: String,
    #[serde(default = "default_block_secs")]
    seconds: u64,
}

fn default_block_secs() -> u64 {
    900
}

async fn block(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let c = ctx;
    let b: BlockBody = body(&raw)?;
    ok(app.node.block_source(&c, &b.source, b.seconds).await?)
}

async fn unblock(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(source): Path<String>,
) -> ApiResult {
    let c = ctx;
    ok(json!({"source": source, "was_blocked": app.node.unblock_source(&c, &source).await?}))
}

async fn lockdown_status(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    admin(ctx, "reading the lockdown state")?;
    ok(json!({"lockdown": app.node.lockdown_active()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockdownBody {
    on: bool,
}

async fn lockdown(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let c = ctx;
    let b: LockdownBody = body(&raw)?;
    ok(json!({"lockdown": app.node.lockdown(&c, b.on).await?}))
}
