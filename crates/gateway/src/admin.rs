//! Admin REST API under `/v1/` and the health endpoints.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use palisade_node::credentials::CreateCredential;
use palisade_node::policy::{KeyScope, MethodGroup};
use palisade_node::vault::KeyType;
use palisade_node::NodeError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{body, ok, ApiResult, Caller};
use crate::errors::ApiError;
use crate::AppState;

pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

pub async fn readyz(State(app): State<AppState>) -> Response {
    if app.node.is_sealed() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": "sealed"})),
        )
            .into_response()
    } else {
        Json(json!({"ready": true})).into_response()
    }
}

pub async fn not_found() -> Response {
    ApiError(
        StatusCode::NOT_FOUND,
        "no such endpoint (see docs/api.md)".into(),
    )
    .into_response()
}

pub async fn status(State(app): State<AppState>) -> ApiResult {
    ok(app.node.barrier().status().map_err(NodeError::from)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsealBody {
    share: Option<String>,
    passphrase: Option<String>,
}

pub async fn unseal(State(app): State<AppState>, raw: Bytes) -> ApiResult {
    let b: UnsealBody = body(&raw)?;
    let pass = b.passphrase.map(palisade_crypto::SecretString::new);
    let share = b.share.map(zeroize::Zeroizing::new);
    ok(app
        .node
        .unseal(share.as_deref().map(String::as_str), pass.as_ref())
        .await?)
}

pub async fn seal(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    ok(app.node.seal_now(&ctx).await?)
}

pub async fn rotate(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    ok(json!({"term": app.node.rotate(&ctx).await?}))
}

pub async fn rewrap(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    ok(json!({"rewritten": app.node.rewrap(&ctx).await?}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyBody {
    #[serde(rename = "type", default = "default_type")]
    key_type: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

fn default_type() -> String {
    "secp256k1".into()
}

fn key_type(s: &str) -> Result<KeyType, ApiError> {
    KeyType::parse(s).ok_or_else(|| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown key type `{}` (use secp256k1 or ed25519)",
                s.chars().take(32).collect::<String>()
            ),
        )
    })
}

pub async fn create_key(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let b: CreateKeyBody = body(&raw)?;
    let key = app
        .node
        .create_key(&ctx, key_type(&b.key_type)?, b.labels)
        .await?;
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportKeyBody {
    #[serde(rename = "type", default = "default_type")]
    key_type: String,
    private_key: Option<String>,
    keystore: Option<Value>,
    password: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

pub async fn import_key(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let b: ImportKeyBody = body(&raw)?;
    let private_key = b.private_key.map(zeroize::Zeroizing::new);
    let key = match (private_key, b.keystore) {
        (Some(hex_key), None) => {
            app.node
                .import_key_hex(&ctx, key_type(&b.key_type)?, &hex_key, b.labels)
                .await?
        }
        (None, Some(ks)) => {
            let json = match ks {
                Value::String(s) => s.into_bytes(),
                other => serde_json::to_vec(&other)
                    .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?,
            };
            let password = b.password.ok_or_else(|| {
                ApiError(
                    StatusCode::BAD_REQUEST,
                    "`password` is required with `keystore`".into(),
                )
            })?;
            app.node
                .import_keystore(
                    &ctx,
                    &json,
                    &palisade_crypto::SecretString::new(password),
                    b.labels,
                )
                .await?
        }
        _ => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "give exactly one of `private_key` or `keystore`".into(),
            ))
        }
    };
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

pub async fn list_keys(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    ok(json!({"keys": app.node.list_keys(&ctx)?}))
}

pub async fn show_key(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.node.show_key(&ctx, &id)?)
}

pub async fn freeze_key(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.node.set_key_state(&ctx, &id, "freeze").await?)
}

pub async fn unfreeze_key(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.node.set_key_state(&ctx, &id, "unfreeze").await?)
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    confirm: Option<String>,
}

pub async fn destroy_key(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    Query(q): Query<ConfirmQuery>,
) -> ApiResult {
    if q.confirm.as_deref() != Some(id.as_str()) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("destroying a key is irreversible: repeat its id as `?confirm={id}`"),
        ));
    }
    ok(app.node.set_key_state(&ctx, &id, "destroy").await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCredentialBody {
    name: String,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default = "default_methods")]
    methods: Vec<String>,
    #[serde(default)]
    admin: bool,
    expires_in_secs: Option<u64>,
    /// RPC firewall: the only JSON-RPC methods this credential may call (names or `ns_*`).
    #[serde(default)]
    rpc_methods: Option<BTreeSet<String>>,
    /// Cedar groups, e.g. an approval group.
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    owner: Option<String>,
    /// Hex Ed25519 public key for signing approvals.
    #[serde(default)]
    approver_key: Option<String>,
    /// Hex Ed25519 public key; when set, every request must be signed with it.
    #[serde(default)]
    request_key: Option<String>,
    /// Completes a creation held for approval (the id from the 202 answer).
    #[serde(default)]
    approval_id: Option<String>,
}

fn default_methods() -> Vec<String> {
    vec!["read".into(), "sign".into(), "send".into()]
}

pub async fn create_credential(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    raw: Bytes,
) -> ApiResult {
    let b: CreateCredentialBody = body(&raw)?;
    let keys = if b.keys.iter().any(|k| k == "*") {
        KeyScope::All
    } else {
        let mut ids = BTreeSet::new();
        for k in &b.keys {
            // Addresses are resolved to ids so the scope survives nothing but the key itself.
            let info = app.node.show_key(&ctx, k)?;
            ids.insert(info.id);
        }
        KeyScope::Only(ids)
    };
    let mut methods = BTreeSet::new();
    for m in &b.methods {
        methods.insert(MethodGroup::parse(m).ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "unknown method group `{}` (use read, sign, send)",
                    m.chars().take(32).collect::<String>()
                ),
            )
        })?);
    }
    let expires_at = b
        .expires_in_secs
        .map(|s| palisade_types::unix_now().saturating_add(s));
    let created = match app
        .node
        .create_credential(
            &ctx,
            CreateCredential {
                name: b.name,
                keys,
                methods,
                admin: b.admin,
                expires_at,
                rpc_methods: b.rpc_methods,
                groups: b.groups,
                owner: b.owner,
                approver_key: b.approver_key,
                request_key: b.request_key,
            },
            b.approval_id.as_deref(),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return Ok(crate::governance_api::pending_or(e)),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn list_credentials(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    ok(json!({"credentials": app.node.list_credentials(&ctx)?}))
}

pub async fn revoke_credential(
    State(app): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    ok(app.node.revoke_credential(&ctx, &id).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupBody {
    recipients: Vec<String>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    confirm: bool,
}

pub async fn backup(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let b: BackupBody = body(&raw)?;
    if !b.confirm {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "a backup exports key material (encrypted): set `\"confirm\": true` to proceed".into(),
        ));
    }
    ok(app.node.backup(&ctx, &b.recipients, &b.keys).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    backup: String,
    identity: String,
    #[serde(default)]
    confirm: bool,
}

pub async fn restore(State(app): State<AppState>, Caller(ctx): Caller, raw: Bytes) -> ApiResult {
    let b: RestoreBody = body(&raw)?;
    if !b.confirm {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "restoring imports key material: set `\"confirm\": true` to proceed".into(),
        ));
    }
    let identity = palisade_crypto::SecretString::new(b.identity);
    ok(app
        .node
        .restore(&ctx, &identity, b.backup.as_bytes())
        .await?)
}

pub async fn audit_head(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    if !ctx.principal.admin {
        return Err(
            NodeError::Denied("reading the audit log needs an admin credential".into()).into(),
        );
    }
    ok(app.node.audit().head().map_err(NodeError::from)?)
}

pub async fn audit_verify(State(app): State<AppState>, Caller(ctx): Caller) -> ApiResult {
    if !ctx.principal.admin {
        return Err(
            NodeError::Denied("verifying the audit log needs an admin credential".into()).into(),
        );
    }
    let node = app.node.clone();
    let head = tokio::task::spawn_blocking(move || node.audit().verify())
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| ApiError(StatusCode::CONFLICT, e.to_string()))?;
    ok(json!({"verified": true, "size": head.size, "root": hex::encode(head.root)}))
}
