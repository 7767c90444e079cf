//! Helpers every admin REST handler shares: who is calling, the JSON body, the JSON answer.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use palisade_node::RequestCtx;
use serde::de::DeserializeOwned;

use crate::errors::ApiError;
use crate::{auth, AppState};

pub type ApiResult = Result<Response, ApiError>;

pub fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

/// Authenticates the bearer token (401 otherwise) and records the caller's address.
pub fn ctx(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<RequestCtx, ApiError> {
    let token = auth::token(headers)
        .map_err(|why| ApiError(StatusCode::UNAUTHORIZED, why.into()))?
        .ok_or_else(|| {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "missing API key: send `Authorization: Bearer <API key>`".into(),
            )
        })?;
    let principal = app.node.authenticate(&token)?;
    Ok(RequestCtx {
        principal,
        source: Some(peer.ip().to_string()),
    })
}

/// The authenticated caller of an admin endpoint: extracting it checks the bearer token (401
/// otherwise) and records the source address, before the body is read.
pub struct Caller(pub RequestCtx);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the connection's address is unknown".into(),
                )
            })?;
        ctx(app, peer, &parts.headers).map(Caller)
    }
}

/// Parses a JSON body (an empty body reads as `{}`); 400 names what is wrong.
pub fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}"),
        )
    })
}
