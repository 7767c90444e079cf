//! The HTTP front door: the Ethereum JSON-RPC signer endpoint, the admin REST API, health
//! endpoints. Handlers only translate HTTP / JSON-RPC into calls on [`palisade_node::Node`] and
//! its errors back into precise status codes; no business logic lives here.
#![forbid(unsafe_code)]

mod admin;
mod api;
mod audit_api;
mod auth;
mod errors;
pub mod firewall;
mod governance_api;
pub mod limits;
pub mod metrics;
mod rpc;
mod server;
mod signed;
pub mod tls;
mod ws;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use palisade_node::Node;

pub use server::{
    bind as bind_listeners, serve, serve_all, ConnMeta, Guard, Listener, Role, ServeOptions,
};

#[derive(Clone)]
pub struct AppState {
    pub node: Arc<Node>,
}

/// What the listeners serve: a router, and Palisade's node when the router is Palisade's own.
/// With the node, JSON-RPC requests (`POST /`, `/rpc`, `/rpc/{chain_id}`) go straight to their
/// handler instead of through the router and its middleware layers, with the same checks in
/// the same order (requests that must be signed still take the router).
#[derive(Clone)]
pub struct App {
    router: Router,
    rpc: Option<AppState>,
}

impl From<Router> for App {
    fn from(router: Router) -> Self {
        Self { router, rpc: None }
    }
}

/// Palisade's HTTP application for `node`: every route, with the JSON-RPC fast path.
pub fn app(node: Arc<Node>) -> App {
    App {
        router: router(node.clone()),
        rpc: Some(AppState { node }),
    }
}

/// All routes of the public listener.
pub fn router(node: Arc<Node>) -> Router {
    let limit = node.config.limits.max_body_bytes;
    let state = AppState { node };
    Router::new()
        .route("/", post(rpc::handle_default))
        .route("/rpc", post(rpc::handle_default))
        .route("/rpc/{chain_id}", post(rpc::handle_chain))
        .route("/healthz", get(admin::healthz))
        .route("/readyz", get(admin::readyz))
        .route("/metrics", get(metrics::handler))
        .route("/v1/sys/status", get(admin::status))
        .route("/v1/sys/unseal", post(admin::unseal))
        .route("/v1/sys/seal", post(admin::seal))
        .route("/v1/sys/rotate", post(admin::rotate))
        .route("/v1/sys/rewrap", post(admin::rewrap))
        .route("/v1/keys", get(admin::list_keys).post(admin::create_key))
        .route("/v1/keys/import", post(admin::import_key))
        .route(
            "/v1/keys/{id}",
            get(admin::show_key).delete(admin::destroy_key),
        )
        .route("/v1/keys/{id}/freeze", post(admin::freeze_key))
        .route("/v1/keys/{id}/unfreeze", post(admin::unfreeze_key))
        .route(
            "/v1/credentials",
            get(admin::list_credentials).post(admin::create_credential),
        )
        .route(
            "/v1/credentials/{id}/revoke",
            post(admin::revoke_credential),
        )
        .route("/v1/backup", post(admin::backup))
        .route("/v1/restore", post(admin::restore))
        .route("/v1/audit/head", get(admin::audit_head))
        .route("/v1/audit/verify", post(admin::audit_verify))
        .route(
            "/v1/policy",
            get(governance_api::get_policy).put(governance_api::put_policy),
        )
        .route("/v1/policy/test", post(governance_api::test_policy))
        .route("/v1/approvals", get(governance_api::list_approvals))
        .route("/v1/approvals/{id}", get(governance_api::get_approval))
        .route("/v1/approvals/{id}/accept", post(governance_api::accept))
        .route("/v1/approvals/{id}/reject", post(governance_api::reject))
        .merge(audit_api::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_api::block_guard,
        ))
        .fallback(admin::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            signed::require_signature,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}
