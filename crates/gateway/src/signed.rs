//! Middleware enforcing signed requests for credentials that require them (see
//! `palisade_node::signed_requests`). It buffers the body (bounded by the body limit), checks
//! the signature against the exact bytes, and passes the request on unchanged.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use palisade_node::signed_requests::SignedParts;

use crate::errors::ApiError;
use crate::{auth, AppState};

fn credential_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("pal_")?;
    rest.split_once('_').map(|(id, _)| id)
}

/// The credential whose request key must sign this request, if the bearer token names one
/// that has a request key. Unknown or malformed tokens are left to the handlers (401).
pub(crate) fn signer_required(node: &palisade_node::Node, headers: &HeaderMap) -> Option<String> {
    let Ok(Some(token)) = auth::token(headers) else {
        return None;
    };
    let id = credential_id(&token)?;
    if node.is_sealed() || !matches!(node.credentials().request_key(id), Ok(Some(_))) {
        return None;
    }
    Some(id.to_string())
}

pub async fn require_signature(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Some(id) = signer_required(&app.node, req.headers()) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let limit = app.node.config.limits.max_body_bytes;
    let Ok(bytes) = to_bytes(body, limit).await else {
        return ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body exceeds {limit} bytes"),
        )
        .into_response();
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let signed = SignedParts {
        method: parts.method.as_str(),
        path_and_query: path,
        body: &bytes,
        timestamp: header("x-palisade-timestamp"),
        nonce: header("x-palisade-nonce"),
        signature: header("x-palisade-signature"),
    };
    if let Err(e) = app.node.verify_signed_request(&id, &signed) {
        return ApiError::from(e).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
