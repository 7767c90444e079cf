//! HTTP front door: JSON-RPC signer endpoint, admin REST API; no business logic
#![forbid(unsafe_code)]
