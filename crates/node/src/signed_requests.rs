//! Signed requests: a credential created with a `request_key` must sign every request, so a
//! stolen bearer token alone is useless and a captured request cannot be replayed.
//!
//! The client sends `X-Palisade-Timestamp` (unix seconds), `X-Palisade-Nonce` (8-64 of
//! `[A-Za-z0-9_-]`) and `X-Palisade-Signature` (hex Ed25519) over
//! `palisade-request-v1\n<METHOD>\n<path and query>\n<hex SHA-256 of the body>\n<timestamp>\n<nonce>`.
//! Timestamps more than [`MAX_SKEW_SECS`] away are stale; each nonce is accepted once,
//! recorded durably through the barrier with a must-not-exist check (so also across restarts
//! and replicas).

use ed25519_dalek::{Signature, VerifyingKey};
use palisade_barrier::{BarrierError, Write};
use sha2::{Digest, Sha256};

use crate::{Node, NodeError};

pub const MAX_SKEW_SECS: u64 = 300;
const PREFIX: &str = "reqnonce/";

/// The parts of an HTTP request the signature covers.
pub struct SignedParts<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// The exact bytes a client signs.
pub fn signing_string(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: &str,
    nonce: &str,
) -> String {
    format!(
        "palisade-request-v1\n{}\n{path_and_query}\n{}\n{timestamp}\n{nonce}",
        method.to_ascii_uppercase(),
        hex::encode(Sha256::digest(body))
    )
}

fn refuse(why: &str) -> NodeError {
    NodeError::Unauthenticated(format!("signed request refused: {why}"))
}

impl Node {
    /// Verifies a signed request for credential `credential_id` if that credential requires
    /// one; credentials without a request key pass unchanged.
    pub fn verify_signed_request(
        &self,
        credential_id: &str,
        parts: &SignedParts<'_>,
    ) -> Result<(), NodeError> {
        let Some(key_hex) = self.credentials().request_key(credential_id)? else {
            return Ok(());
        };
        let (Some(ts), Some(nonce), Some(sig)) = (parts.timestamp, parts.nonce, parts.signature)
        else {
            return Err(refuse("this credential requires X-Palisade-Timestamp, X-Palisade-Nonce and X-Palisade-Signature headers"));
        };
        if nonce.len() < 8
            || nonce.len() > 64
            || !nonce
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(refuse("the nonce must be 8-64 characters of [A-Za-z0-9_-]"));
        }
        let t: u64 = ts
            .parse()
            .map_err(|_| refuse("the timestamp must be unix seconds"))?;
        if t.abs_diff(palisade_types::unix_now()) > MAX_SKEW_SECS {
            return Err(refuse(&format!(
                "stale timestamp (more than {MAX_SKEW_SECS} s from the server's clock)"
            )));
        }
        let key_bytes: [u8; 32] = hex::decode(&key_hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| NodeError::Internal("stored request key is malformed".into()))?;
        let key = VerifyingKey::from_bytes(&key_bytes)
            .map_err(|_| NodeError::Internal("stored request key is malformed".into()))?;
        let sig_bytes: [u8; 64] = hex::decode(sig.trim_start_matches("0x"))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| refuse("the signature must be 64 bytes of hex"))?;
        key.verify_strict(signing_string(parts.method, parts.path_and_query, parts.body, ts, nonce).as_bytes(), &Signature::from_bytes(&sig_bytes))
            .map_err(|_| refuse("the signature does not verify (method, path, body, timestamp and nonce must be signed as sent)"))?;
        // Only a valid signature consumes the nonce, so garbage cannot burn a client's nonces.
        let path = format!("{PREFIX}{credential_id}/{nonce}");
        match self.barrier().apply(
            vec![Write::Put {
                path: path.clone(),
                value: ts.as_bytes().to_vec(),
            }],
            vec![(path, None)],
        ) {
            Ok(()) => Ok(()),
            Err(BarrierError::Conflict { .. }) => {
                Err(refuse("replayed request (this nonce was already used)"))
            }
            Err(e) => Err(e.into()),
        }
    }
}
