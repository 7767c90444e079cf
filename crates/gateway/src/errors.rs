//! Mapping of node errors to JSON-RPC codes and HTTP statuses (see docs/api.md).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use palisade_node::{NodeError, UpstreamError};
use serde_json::{json, Value};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL: i64 = -32603;
pub const UNAUTHENTICATED: i64 = -32000;
pub const DENIED: i64 = -32001;
pub const SEALED: i64 = -32002;
pub const FROZEN: i64 = -32003;
pub const UNKNOWN_KEY: i64 = -32004;
pub const UPSTREAM: i64 = -32005;
pub const WRONG_CHAIN: i64 = -32006;
pub const PENDING_APPROVAL: i64 = palisade_node::signer::PENDING_APPROVAL_CODE;

/// A JSON-RPC error object.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn to_json(&self) -> Value {
        let mut e = json!({"code": self.code, "message": self.message});
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}

impl From<NodeError> for RpcError {
    fn from(e: NodeError) -> Self {
        let code = match &e {
            NodeError::Unauthenticated(_) => UNAUTHENTICATED,
            NodeError::Sealed => SEALED,
            NodeError::Denied(_) => DENIED,
            NodeError::Frozen(_) => FROZEN,
            NodeError::UnknownKey(_) | NodeError::NotFound(_) => UNKNOWN_KEY,
            NodeError::InvalidParams(_) => INVALID_PARAMS,
            NodeError::ChainIdMismatch { .. } => WRONG_CHAIN,
            NodeError::Upstream(UpstreamError::Rpc {
                code,
                message,
                data,
            }) => {
                // The node's own error (revert data, "nonce too low") is passed through as is.
                return RpcError {
                    code: *code,
                    message: message.clone(),
                    data: data.clone(),
                };
            }
            NodeError::Upstream(_) => UPSTREAM,
            NodeError::PendingApproval { id, .. } => {
                return RpcError {
                    code: PENDING_APPROVAL,
                    message: e.to_string(),
                    data: Some(
                        serde_json::json!({"approval_id": id, "wait": format!("/v1/approvals/{id}")}),
                    ),
                };
            }
            NodeError::Conflict(_) | NodeError::Audit(_) | NodeError::Internal(_) => INTERNAL,
        };
        RpcError::new(code, e.to_string())
    }
}

/// An admin API error: HTTP status plus `{"error": "..."}`.
pub struct ApiError(pub StatusCode, pub String);

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        let status = match &e {
            NodeError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            NodeError::Sealed | NodeError::Audit(_) => StatusCode::SERVICE_UNAVAILABLE,
            NodeError::Denied(_) => StatusCode::FORBIDDEN,
            NodeError::Frozen(_) | NodeError::Conflict(_) => StatusCode::CONFLICT,
            NodeError::UnknownKey(_) | NodeError::NotFound(_) => StatusCode::NOT_FOUND,
            NodeError::InvalidParams(_) | NodeError::ChainIdMismatch { .. } => {
                StatusCode::BAD_REQUEST
            }
            NodeError::Upstream(_) => StatusCode::BAD_GATEWAY,
            NodeError::PendingApproval { .. } => StatusCode::ACCEPTED,
            NodeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0, Json(json!({"error": self.1}))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}
