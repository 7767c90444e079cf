//! REST endpoints for policy administration and approvals.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use palisade_node::policy::{ApprovalStatus, PolicyBundle};
use palisade_node::NodeError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{body, ApiResult, Caller};
use crate::errors::ApiError;
use crate::AppState;

/// A held request answers 202 with the approval id to wait on.
pub(crate) fn pending_or(e: NodeError) -> Response {
    match e {
        NodeError::PendingApproval { id, reason } => (
            StatusCode::ACCEPTED,
            Json(json!({"status": "pending_approval", "approval_id": id, "reason": reason, "wait": format!("/v1/approvals/{id}?wait=30")})),
        )
            .into_response(),
        other => ApiError::from(other).into_response(),
    }
}

pub async fn get_policy(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    Ok(Json(app.node.get_policy(&ctx)?).into_response())
}

pub async fn put_policy(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> Response {
    let bundle: PolicyBundle = match body(&raw) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match app.node.set_policy(&ctx, bundle).await {
        Ok(version) => Json(json!({"version": version})).into_response(),
        Err(e) => pending_or(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    credential: String,
    key: String,
    #[serde(default = "default_method")]
    method: String,
    chain_id: Option<u64>,
    tx: Option<Value>,
}

fn default_method() -> String {
    "eth_sendTransaction".into()
}

pub async fn test_policy(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    raw: Bytes,
) -> ApiResult {
    let b: TestBody = body(&raw)?;
    let chain_id = b
        .chain_id
        .or_else(|| app.node.chain(None).map(|c| c.id))
        .unwrap_or(1);
    Ok(Json(app.node.test_policy(
        &ctx,
        &b.credential,
        &b.key,
        &b.method,
        chain_id,
        b.tx.as_ref(),
    )?)
    .into_response())
}

pub async fn list_approvals(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    Ok(Json(json!({"approvals": app.node.list_approvals(&ctx)?})).into_response())
}

#[derive(Deserialize)]
pub struct WaitQuery {
    /// Seconds to wait for the approval to leave `pending` / `approved` (at most 60).
    wait: Option<u64>,
}

pub async fn get_approval(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    Query(q): Query<WaitQuery>,
) -> ApiResult {
    let deadline = Instant::now() + Duration::from_secs(q.wait.unwrap_or(0).min(60));
    loop {
        let rec = app.node.get_approval(&ctx, &id)?;
        let settled = !matches!(
            rec.status,
            ApprovalStatus::Pending | ApprovalStatus::Approved
        );
        if settled || Instant::now() >= deadline {
            return Ok(Json(rec).into_response());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    /// Hex Ed25519 signature over `palisade-approval-v1:<id>:<digest>:<accept|reject>`.
    signature: String,
}

async fn vote(
    app: AppState,
    ctx: palisade_node::RequestCtx,
    id: String,
    raw: Bytes,
    accept: bool,
) -> ApiResult {
    let b: VoteBody = body(&raw)?;
    Ok(Json(app.node.vote(&ctx, &id, accept, &b.signature).await?).into_response())
}

pub async fn accept(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    raw: Bytes,
) -> ApiResult {
    vote(app, ctx, id, raw, true).await
}

pub async fn reject(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    raw: Bytes,
) -> ApiResult {
    vote(app, ctx, id, raw, false).await
}
