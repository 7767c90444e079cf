//! Ethereum JSON-RPC 2.0: parsing, batches, dispatch to the node, and error codes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use palisade_node::chain::{self, Address};
use palisade_node::policy::Principal;
use palisade_node::{Chain, Node, NodeError, RequestCtx};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::errors::*;
use crate::firewall::{self, Verdict};
use crate::{auth, AppState};

/// geth's external-signer API version that `account_version` reports.
const EXTERNAL_SIGNER_VERSION: &str = "6.1.0";

/// The result of one request: built here, or the node's own JSON passed on unparsed.
pub(crate) enum Answer {
    Value(Value),
    Raw(Box<RawValue>),
}

/// One JSON-RPC response object, serialized straight into the HTTP body.
pub(crate) struct Reply {
    id: Value,
    outcome: Result<Answer, RpcError>,
}

impl Reply {
    pub(crate) fn error(id: Value, e: RpcError) -> Self {
        Self {
            id,
            outcome: Err(e),
        }
    }
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("jsonrpc", "2.0")?;
        m.serialize_entry("id", &self.id)?;
        match &self.outcome {
            Ok(Answer::Value(v)) => m.serialize_entry("result", v)?,
            Ok(Answer::Raw(r)) => m.serialize_entry("result", r)?,
            Err(e) => m.serialize_entry("error", &e.to_json())?,
        }
        m.end()
    }
}

pub async fn handle_default(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    meta: Option<axum::Extension<Arc<crate::ConnMeta>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(app, peer, meta.map(|m| m.0), headers, None, body).await
}

pub async fn handle_chain(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    meta: Option<axum::Extension<Arc<crate::ConnMeta>>>,
    Path(chain_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle_path(app, peer, meta.map(|m| m.0), headers, Some(&chain_id), body).await
}

/// The JSON-RPC endpoints: `/` and `/rpc` (`chain_segment` None) or `/rpc/{chain_id}`.
pub(crate) async fn handle_path(
    app: AppState,
    peer: SocketAddr,
    meta: Option<Arc<crate::ConnMeta>>,
    headers: HeaderMap,
    chain_segment: Option<&str>,
    body: Bytes,
) -> Response {
    let Some(chain_id) = chain_segment else {
        return handle(app, peer, meta, headers, None, body).await;
    };
    match chain_id.parse::<u64>() {
        Ok(id) => handle(app, peer, meta, headers, Some(id), body).await,
        Err(_) => refuse_all(
            &Value::Null,
            StatusCode::NOT_FOUND,
            RpcError::new(
                INVALID_REQUEST,
                format!(
                    "`{}` is not a chain id",
                    chain_id.chars().take(32).collect::<String>()
                ),
            ),
        ),
    }
}

/// The answer to every request in `parsed` (one object or a batch): `e`, each with its own id.
pub(crate) fn refusal_body(parsed: &Value, e: &RpcError) -> Value {
    let one = |item: &Value| json!({"jsonrpc": "2.0", "id": item.get("id").cloned().unwrap_or(Value::Null), "error": e.to_json()});
    match parsed {
        Value::Array(items) if !items.is_empty() => Value::Array(items.iter().map(one).collect()),
        other => one(other),
    }
}

/// Answers every request in `parsed` (one object or a batch) with `e`, each with its own id.
fn refuse_all(parsed: &Value, status: StatusCode, e: RpcError) -> Response {
    let mut r = (status, Json(refusal_body(parsed, &e))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    r
}

async fn handle(
    app: AppState,
    peer: SocketAddr,
    meta: Option<Arc<crate::ConnMeta>>,
    headers: HeaderMap,
    chain_id: Option<u64>,
    body: Bytes,
) -> Response {
    let node = app.node;
    // Parse first so that every refusal below can answer each request with its own id:
    // clients such as ethers match answers to requests by id (and batch by default), and an
    // error with `"id": null` reaches the application as "missing response".
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return refuse_all(
                &Value::Null,
                StatusCode::OK,
                RpcError::new(
                    PARSE_ERROR,
                    format!("parse error: body is not valid JSON ({e})"),
                ),
            )
        }
    };
    let refuse = |status: StatusCode, e: RpcError| refuse_all(&parsed, status, e);
    let principal = match authenticate(&node, meta.as_deref(), &headers) {
        Ok(p) => p,
        Err((status, e)) => return refuse(status, e),
    };
    let ctx = RequestCtx {
        principal,
        source: Some(peer.ip().to_string()),
    };
    let Some(chain) = node.chain(chain_id) else {
        return refuse(StatusCode::OK, no_chain(chain_id));
    };
    // Rate limits in cost units: every item of a batch counts.
    if let Some(m) = &meta {
        let cost = m.guard.limits.cost_of(&parsed);
        if let Err(l) = m
            .guard
            .limits
            .check_rpc(&ctx.principal.credential_id, peer.ip(), cost)
        {
            let mut r = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                RpcError::new(crate::server::RATE_LIMITED, l.message()),
            );
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(l.retry_after_secs()),
            );
            return r;
        }
    }
    match run(&node, &ctx, chain, parsed, Route::Http).await {
        Replies::Empty => StatusCode::NO_CONTENT.into_response(),
        Replies::One(r) => Json(r).into_response(),
        Replies::Batch(v) => Json(v).into_response(),
        Replies::Refused(e) => refuse_all(&Value::Null, StatusCode::OK, e),
    }
}

/// Authentication of a JSON-RPC request (HTTP, or a WebSocket upgrade): the sealed state, the
/// mTLS principal, the bearer token; refusals are audited as they are for every request.
pub(crate) fn authenticate(
    node: &Arc<Node>,
    meta: Option<&crate::ConnMeta>,
    headers: &HeaderMap,
) -> Result<Principal, (StatusCode, RpcError)> {
    if node.is_sealed() {
        return Err((StatusCode::OK, NodeError::Sealed.into()));
    }
    // mTLS: a client certificate mapped to a credential authenticates the request.
    let cert_principal = match crate::tls::cert_principal(node, meta, headers) {
        Ok(p) => p,
        Err(e) => return Err((StatusCode::UNAUTHORIZED, e)),
    };
    let token = match auth::token(headers) {
        Ok(Some(t)) => t,
        Ok(None) if cert_principal.is_some() => String::new(),
        Ok(None) => {
            node.audit_refusal(None, "rpc", "no API key");
            return Err((
                StatusCode::UNAUTHORIZED,
                RpcError::new(
                    UNAUTHENTICATED,
                    "missing API key: send `Authorization: Bearer <API key>`",
                ),
            ));
        }
        Err(why) => {
            return Err((
                StatusCode::UNAUTHORIZED,
                RpcError::new(UNAUTHENTICATED, why),
            ))
        }
    };
    let principal = match cert_principal.map_or_else(|| node.authenticate(&token), Ok) {
        Ok(p) => p,
        Err(NodeError::Sealed) => return Err((StatusCode::OK, NodeError::Sealed.into())),
        Err(e) => {
            node.audit_refusal(None, "rpc", &e.to_string());
            return Err((
                StatusCode::UNAUTHORIZED,
                RpcError::new(UNAUTHENTICATED, e.to_string()),
            ));
        }
    };
    Ok(principal)
}

/// The message of a request for a chain this Palisade does not serve.
pub(crate) fn no_chain(chain_id: Option<u64>) -> RpcError {
    let msg = match chain_id {
        Some(id) => format!("chain {id} is not configured on this Palisade"),
        None => "no chain is configured: add a `[[chains]]` upstream to the config (or `--upstream` in dev mode)".to_string(),
    };
    RpcError::new(UPSTREAM, msg)
}

/// Where forwarded methods go: the chain's HTTP upstream, or the upstream WebSocket of the
/// client's WebSocket connection.
#[derive(Clone, Copy)]
pub(crate) enum Route<'a> {
    Http,
    Ws(&'a crate::ws::Upstream),
}

/// The answers to one parsed JSON-RPC body.
pub(crate) enum Replies {
    /// Only notifications: nothing to send back.
    Empty,
    One(Reply),
    Batch(Vec<Reply>),
    /// The body as a whole is invalid (empty or oversized batch); answered with `id: null`.
    Refused(RpcError),
}

/// Answers an authenticated, rate-limited JSON-RPC body: one request object or a batch, each
/// item through [`one`] (validation, the credential's allowlist, dispatch, the firewall).
pub(crate) async fn run(
    node: &Arc<Node>,
    ctx: &RequestCtx,
    chain: &Chain,
    parsed: Value,
    route: Route<'_>,
) -> Replies {
    match parsed {
        Value::Array(items) => {
            let max = node.config.limits.max_batch;
            if items.is_empty() {
                return Replies::Refused(RpcError::new(INVALID_REQUEST, "empty batch"));
            }
            if items.len() > max {
                return Replies::Refused(RpcError::new(
                    INVALID_REQUEST,
                    format!(
                        "batch of {} requests exceeds the limit of {max}",
                        items.len()
                    ),
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(resp) = one(node, ctx, chain, item, route).await {
                    out.push(resp);
                }
            }
            if out.is_empty() {
                Replies::Empty
            } else {
                Replies::Batch(out)
            }
        }
        item => match one(node, ctx, chain, item, route).await {
            Some(resp) => Replies::One(resp),
            None => Replies::Empty,
        },
    }
}

/// Handles one request object; `None` for a notification (no `id`).
async fn one(
    node: &Arc<Node>,
    ctx: &RequestCtx,
    chain: &Chain,
    item: Value,
    route: Route<'_>,
) -> Option<Reply> {
    let Value::Object(mut obj) = item else {
        return Some(Reply::error(
            Value::Null,
            RpcError::new(
                INVALID_REQUEST,
                "invalid request: expected a JSON-RPC object",
            ),
        ));
    };
    let id = obj.remove("id");
    let params = obj.remove("params");
    let invalid = |id: Option<Value>, msg: &str| {
        Some(Reply::error(
            id.unwrap_or(Value::Null),
            RpcError::new(INVALID_REQUEST, msg),
        ))
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(id, "invalid request: `jsonrpc` must be \"2.0\"");
    }
    if let Some(i) = &id {
        if !(i.is_string() || i.is_number() || i.is_null()) {
            return invalid(id, "invalid request: `id` must be a string, number or null");
        }
    }
    let Some(method) = obj.get("method").and_then(Value::as_str) else {
        return invalid(id, "invalid request: `method` must be a string");
    };
    let params = match params {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(p @ (Value::Array(_) | Value::Object(_))) => p,
        Some(_) => {
            return invalid(
                id,
                "invalid request: `params` must be an array or an object",
            )
        }
    };
    let started = std::time::Instant::now();
    let result = match firewall::credential_allows(node, ctx, method) {
        Ok(()) => dispatch(node, ctx, chain, method, params, route).await,
        Err(e) => Err(e),
    };
    let code = result.as_ref().err().map(|e| e.code);
    crate::metrics::global().rpc(method, code, started.elapsed());
    Some(Reply {
        id: id?,
        outcome: result,
    })
}

fn params_array<'a>(
    method: &str,
    params: &'a Value,
    min: usize,
    max: usize,
) -> Result<&'a [Value], RpcError> {
    let arr = params.as_array().ok_or_else(|| {
        RpcError::new(
            INVALID_PARAMS,
            format!("invalid params: `{method}` takes positional params (an array)"),
        )
    })?;
    if arr.len() < min || arr.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(RpcError::new(
            INVALID_PARAMS,
            format!(
                "invalid params: `{method}` takes {want} params, got {}",
                arr.len()
            ),
        ));
    }
    Ok(arr)
}

fn param_str<'a>(
    method: &str,
    params: &'a [Value],
    i: usize,
    name: &str,
) -> Result<&'a str, RpcError> {
    params.get(i).and_then(Value::as_str).ok_or_else(|| {
        RpcError::new(
            INVALID_PARAMS,
            format!("invalid params: `{method}` param {i} (`{name}`) must be a string"),
        )
    })
}

fn param_address(method: &str, params: &[Value], i: usize) -> Result<String, RpcError> {
    let s = param_str(method, params, i, "address")?;
    let addr: Address = s.parse().map_err(|_| {
        RpcError::new(
            INVALID_PARAMS,
            format!(
                "invalid params: `{method}` param {i} (`address`) is not a 20-byte hex address: `{}`",
                s.chars().take(50).collect::<String>()
            ),
        )
    })?;
    Ok(addr.to_checksum(None))
}

/// Message bytes: 0x-hex is decoded; anything else is taken as UTF-8 text (as clients send it).
fn param_message(method: &str, params: &[Value], i: usize) -> Result<Vec<u8>, RpcError> {
    let s = param_str(method, params, i, "data")?;
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => hex::decode(h).map_err(|_| {
            RpcError::new(INVALID_PARAMS, format!("invalid params: `{method}` param {i} (`data`) starts with 0x but is not valid hex"))
        }),
        None => Ok(s.as_bytes().to_vec()),
    }
}

fn hex_sig(sig: [u8; 65]) -> Value {
    Value::String(format!("0x{}", hex::encode(sig)))
}

async fn dispatch(
    node: &Arc<Node>,
    ctx: &RequestCtx,
    chain: &Chain,
    method: &str,
    params: Value,
    route: Route<'_>,
) -> Result<Answer, RpcError> {
    let local = match method {
        "eth_accounts" | "account_list" => Ok(json!(node.accounts(ctx)?)),
        "eth_chainId" => Ok(json!(format!("{:#x}", chain.id))),
        "account_version" => Ok(json!(EXTERNAL_SIGNER_VERSION)),
        "eth_sign" => {
            let p = params_array(method, &params, 2, 2)?;
            let address = param_address(method, p, 0)?;
            let msg = param_message(method, p, 1)?;
            Ok(hex_sig(
                node.sign_personal_message(ctx, method, chain, &address, &msg, None)
                    .await?,
            ))
        }
        "personal_sign" => {
            // personal_sign takes (data, address[, password]); the password is ignored.
            let p = params_array(method, &params, 2, 3)?;
            let msg = param_message(method, p, 0)?;
            let address = param_address(method, p, 1)?;
            Ok(hex_sig(
                node.sign_personal_message(ctx, method, chain, &address, &msg, None)
                    .await?,
            ))
        }
        "eth_signTypedData"
        | "eth_signTypedData_v4"
        | "eth_signTypedData_v3"
        | "account_signTypedData" => {
            let p = params_array(method, &params, 2, 2)?;
            let address = param_address(method, p, 0)?;
            Ok(hex_sig(
                node.sign_typed_data(ctx, method, chain, &address, &p[1], None)
                    .await?,
            ))
        }
        "eth_signTransaction" => {
            let p = params_array(method, &params, 1, 1)?;
            let req = chain::parse_tx_request(&p[0]).map_err(NodeError::from)?;
            let signed = node
                .sign_transaction(ctx, method, chain, req, &p[0], None)
                .await?;
            Ok(json!(signed.raw()))
        }
        "account_signTransaction" => {
            let p = params_array(method, &params, 1, 2)?;
            let req = chain::parse_tx_request(&p[0]).map_err(NodeError::from)?;
            let signed = node
                .sign_transaction(ctx, method, chain, req, &p[0], None)
                .await?;
            Ok(json!({"raw": signed.raw(), "tx": signed.to_geth_json()}))
        }
        "account_signData" => {
            let p = params_array(method, &params, 3, 3)?;
            let content_type = param_str(method, p, 0, "contentType")?;
            let address = param_address(method, p, 1)?;
            match content_type {
                "text/plain" => {
                    let msg = param_message(method, p, 2)?;
                    Ok(hex_sig(node.sign_personal_message(ctx, method, chain, &address, &msg, None).await?))
                }
                "data/typed" => {
                    let typed = match &p[2] {
                        Value::String(s) if s.starts_with("0x") => {
                            let bytes = param_message(method, p, 2)?;
                            serde_json::from_slice(&bytes)
                                .map_err(|_| RpcError::new(INVALID_PARAMS, "invalid params: `data/typed` payload is not JSON typed data"))?
                        }
                        other => other.clone(),
                    };
                    Ok(hex_sig(node.sign_typed_data(ctx, method, chain, &address, &typed, None).await?))
                }
                "data/validator" => {
                    // Payload: 20-byte validator address followed by the data.
                    let bytes = param_message(method, p, 2)?;
                    if bytes.len() < 20 {
                        return Err(RpcError::new(
                            INVALID_PARAMS,
                            "invalid params: `data/validator` payload must start with the 20-byte validator address",
                        ));
                    }
                    let validator = Address::from_slice(&bytes[..20]);
                    Ok(hex_sig(node.sign_validator_data(ctx, method, chain, &address, validator, &bytes[20..]).await?))
                }
                other => Err(RpcError::new(
                    INVALID_PARAMS,
                    format!(
                        "invalid params: unsupported content type `{}` (supported: text/plain, data/typed, data/validator)",
                        other.chars().take(64).collect::<String>()
                    ),
                )),
            }
        }
        "eth_sendTransaction" => {
            let p = params_array(method, &params, 1, 1)?;
            let req = chain::parse_tx_request(&p[0]).map_err(NodeError::from)?;
            Ok(node.send_transaction(ctx, chain, req, &p[0], None).await?)
        }
        "eth_sendRawTransaction" => {
            let p = params_array(method, &params, 1, 1)?;
            let raw = param_str(method, p, 0, "data")?;
            let bytes = raw
                .strip_prefix("0x")
                .and_then(|h| hex::decode(h).ok())
                .ok_or_else(|| {
                    RpcError::new(
                        INVALID_PARAMS,
                        "invalid params: `eth_sendRawTransaction` param 0 must be 0x-prefixed hex",
                    )
                })?;
            Ok(node.send_raw_transaction(ctx, chain, &bytes).await?)
        }
        _ => return forward(node, ctx, chain, method, &params, route).await,
    };
    local.map(Answer::Value)
}

/// A method Palisade does not implement itself: forwarded if the RPC firewall allows it.
async fn forward(
    node: &Arc<Node>,
    ctx: &RequestCtx,
    chain: &Chain,
    method: &str,
    params: &Value,
    route: Route<'_>,
) -> Result<Answer, RpcError> {
    match firewall::classify(method) {
        Verdict::Forward => {
            firewall::check_forward(node, ctx, chain, method, params).await?;
            match route {
                Route::Http => Ok(Answer::Raw(node.forward(ctx, chain, method, params).await?)),
                Route::Ws(up) => {
                    node.admit_forward(ctx, method)?;
                    Ok(Answer::Raw(up.call(method, params).await?))
                }
            }
        }
        Verdict::WebSocketOnly => match route {
            Route::Ws(up) => {
                // The cap first: a refused subscription is audited as a deny, never an allow.
                let slot = up.reserve(method).inspect_err(|e| {
                    node.audit_refusal(Some(ctx), method, &e.message);
                })?;
                node.admit_forward(ctx, method)?;
                Ok(Answer::Raw(up.subscription(method, params, slot).await?))
            }
            Route::Http => {
                let msg = format!(
                    "`{method}` needs a WebSocket connection: open ws:// (or wss://) on this same URL with the same API key; over HTTP, poll with eth_newFilter / eth_getFilterChanges"
                );
                node.audit_refusal(Some(ctx), method, &msg);
                crate::metrics::global().firewall_denied("websocket_only");
                Err(RpcError::new(METHOD_NOT_FOUND, msg))
            }
        },
        Verdict::HardDenied(prefix) => {
            let msg =
                    format!("method `{method}` is denied by the RPC firewall: the `{prefix}` namespace is never forwarded to the node");
            node.audit_refusal(Some(ctx), method, &msg);
            crate::metrics::global().firewall_denied("hard_denied");
            Err(RpcError::new(DENIED, msg))
        }
        Verdict::Unknown => {
            let msg = format!(
                    "method `{}` is not supported by Palisade and is not a read-only method the RPC firewall forwards",
                    method.chars().take(64).collect::<String>()
                );
            node.audit_refusal(Some(ctx), method, &msg);
            crate::metrics::global().firewall_denied("unknown_method");
            Err(RpcError::new(METHOD_NOT_FOUND, msg))
        }
    }
}
