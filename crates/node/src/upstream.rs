//! JSON-RPC client for the upstream execution node of one chain.

use std::time::Duration;

use serde_json::{json, Value};

#[derive(Clone, Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("upstream node `{url}` is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("upstream node answered HTTP {status}")]
    Http { status: u16 },
    #[error("upstream node sent an invalid answer: {0}")]
    Invalid(String),
    #[error(
        "upstream answer exceeds the RPC firewall's limit of {limit} bytes: ask for less data"
    )]
    TooLarge { limit: usize },
    /// A JSON-RPC error from the node, passed through unchanged (e.g. "nonce too low").
    #[error("{message}")]
    Rpc {
        code: i64,
        message: String,
        data: Option<Value>,
    },
}

#[derive(Clone)]
pub struct Upstream {
    pub url: String,
    client: reqwest::Client,
    /// Largest answer read from the node (RPC firewall response-size cap).
    max_response_bytes: usize,
}

impl Upstream {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, UpstreamError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| UpstreamError::Unreachable {
                url: url.into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            url: url.to_string(),
            client,
            max_response_bytes: usize::MAX,
        })
    }

    /// Caps the size of the answers read from the node.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Calls `method` and returns its `result`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, UpstreamError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| UpstreamError::Unreachable {
                url: self.url.clone(),
                reason: e.without_url().to_string(),
            })?;
        let status = resp.status();
        let limit = self.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(UpstreamError::TooLarge { limit });
        }
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| UpstreamError::Invalid(e.to_string()))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(UpstreamError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| {
            if status.is_success() {
                UpstreamError::Invalid("answer is not JSON".into())
            } else {
                UpstreamError::Http {
                    status: status.as_u16(),
                }
            }
        })?;
        if let Some(err) = v.get("error") {
            return Err(UpstreamError::Rpc {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(-32000),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("upstream error")
                    .to_string(),
                data: err.get("data").cloned(),
            });
        }
        v.get("result")
            .cloned()
            .ok_or_else(|| UpstreamError::Invalid("answer has neither result nor error".into()))
    }

    pub async fn call_u128(&self, method: &str, params: Value) -> Result<u128, UpstreamError> {
        let v = self.call(method, params).await?;
        parse_quantity(&v)
            .ok_or_else(|| UpstreamError::Invalid(format!("`{method}` did not return a quantity")))
    }
}

pub fn parse_quantity(v: &Value) -> Option<u128> {
    let s = v.as_str()?;
    let h = s.strip_prefix("0x")?;
    if h.is_empty() || h.len() > 32 {
        return None;
    }
    u128::from_str_radix(h, 16).ok()
}
