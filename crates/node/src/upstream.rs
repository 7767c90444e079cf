//! JSON-RPC client for the upstream execution node of one chain.
//!
//! Plain `http://` upstreams (the common case: a node on the same host or network) are called
//! with hyper's pooled HTTP/1.1 client directly; `https://` upstreams, and every upstream when a
//! proxy is configured in the environment, go through reqwest (rustls, proxies), as do
//! redirects. Both paths keep the same timeout, size cap and error kinds.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Body as _;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
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

/// reqwest's wording for a request that could not be sent (connect error, timeout).
const SEND_FAILED: &str = "error sending request";
/// reqwest's wording for an answer body that could not be read.
const BODY_FAILED: &str = "request or response body error";

#[derive(Clone)]
pub struct Upstream {
    pub url: String,
    /// reqwest: `https://` upstreams, proxies from the environment, and redirects.
    client: reqwest::Client,
    /// Direct hyper client for a plain `http://` upstream when no proxy applies.
    direct: Option<Direct>,
    timeout: Duration,
    /// Largest answer read from the node (RPC firewall response-size cap).
    max_response_bytes: usize,
}

#[derive(Clone)]
struct Direct {
    client: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    uri: hyper::Uri,
}

/// The JSON-RPC request sent to the node.
#[derive(Serialize)]
struct Call<'a> {
    jsonrpc: &'static str,
    id: u32,
    method: &'a str,
    params: &'a Value,
}

/// The node's answer, with `result` kept as raw JSON text (it is passed on, not inspected).
/// A member that is present counts even when it is `null` (as with `Value::get`).
#[derive(Deserialize)]
struct Answer {
    #[serde(default, deserialize_with = "present")]
    result: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Whether the environment configures a proxy that reqwest would use for `http://` URLs.
fn proxy_configured() -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

fn rpc_error(err: &Value) -> UpstreamError {
    UpstreamError::Rpc {
        code: err.get("code").and_then(Value::as_i64).unwrap_or(-32000),
        message: err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("upstream error")
            .to_string(),
        data: err.get("data").cloned(),
    }
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
        let direct = match url.parse::<hyper::Uri>() {
            Ok(uri)
                if uri.scheme() == Some(&hyper::http::uri::Scheme::HTTP)
                    && uri.host().is_some()
                    && !proxy_configured() =>
            {
                let mut http = HttpConnector::new();
                http.set_nodelay(true);
                let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .pool_timer(TokioTimer::new())
                    .pool_idle_timeout(Duration::from_secs(90))
                    .pool_max_idle_per_host(64)
                    .build(http);
                Some(Direct { client, uri })
            }
            _ => None,
        };
        Ok(Self {
            url: url.to_string(),
            client,
            direct,
            timeout,
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
        let raw = self.call_raw(method, &params).await?;
        serde_json::from_str(raw.get())
            .map_err(|_| UpstreamError::Invalid("answer is not JSON".into()))
    }

    /// Calls `method` and returns its `result` as the node wrote it (no re-parsing: the RPC
    /// firewall passes it on as is).
    pub async fn call_raw(
        &self,
        method: &str,
        params: &Value,
    ) -> Result<Box<RawValue>, UpstreamError> {
        let body = serde_json::to_vec(&Call {
            jsonrpc: "2.0",
            id: 1,
            method,
            params,
        })
        .map_err(|e| UpstreamError::Invalid(e.to_string()))?;
        let body = Bytes::from(body);
        let (status, bytes) = match &self.direct {
            Some(d) => match self.send_direct(d, body.clone()).await? {
                // Redirects: reqwest follows them as it always did.
                (s, _) if s.is_redirection() => self.send_reqwest(body).await?,
                answer => answer,
            },
            None => self.send_reqwest(body).await?,
        };
        parse_answer(status, &bytes)
    }

    async fn send_direct(
        &self,
        d: &Direct,
        body: Bytes,
    ) -> Result<(hyper::StatusCode, Bytes), UpstreamError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let unreachable = || UpstreamError::Unreachable {
            url: self.url.clone(),
            reason: SEND_FAILED.into(),
        };
        let req = hyper::Request::post(d.uri.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "*/*")
            .body(Full::new(body))
            .map_err(|_| unreachable())?;
        let resp = match tokio::time::timeout_at(deadline, d.client.request(req)).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) | Err(_) => return Err(unreachable()),
        };
        let status = resp.status();
        let limit = self.max_response_bytes;
        if resp
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n > limit as u64)
        {
            return Err(UpstreamError::TooLarge { limit });
        }
        match tokio::time::timeout_at(deadline, Limited::new(resp.into_body(), limit).collect())
            .await
        {
            Ok(Ok(c)) => Ok((status, c.to_bytes())),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                Err(UpstreamError::TooLarge { limit })
            }
            Ok(Err(_)) | Err(_) => Err(UpstreamError::Invalid(BODY_FAILED.into())),
        }
    }

    async fn send_reqwest(&self, body: Bytes) -> Result<(hyper::StatusCode, Bytes), UpstreamError> {
        let resp = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| UpstreamError::Unreachable {
                url: self.url.clone(),
                reason: e.without_url().to_string(),
            })?;
        let status = hyper::StatusCode::from_u16(resp.status().as_u16())
            .map_err(|e| UpstreamError::Invalid(e.to_string()))?;
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
        Ok((status, Bytes::from(bytes)))
    }

    pub async fn call_u128(&self, method: &str, params: Value) -> Result<u128, UpstreamError> {
        let v = self.call(method, params).await?;
        parse_quantity(&v)
            .ok_or_else(|| UpstreamError::Invalid(format!("`{method}` did not return a quantity")))
    }
}

/// The `result` of a node's answer, or the error it stands for.
fn parse_answer(status: hyper::StatusCode, bytes: &[u8]) -> Result<Box<RawValue>, UpstreamError> {
    let not_json = || {
        if status.is_success() {
            UpstreamError::Invalid("answer is not JSON".into())
        } else {
            UpstreamError::Http {
                status: status.as_u16(),
            }
        }
    };
    let answer: Answer = match serde_json::from_slice(bytes) {
        Ok(a) => a,
        Err(_) => {
            // Valid JSON that is not a plain answer object (an array, a repeated member):
            // read it as a whole, as before.
            let v: Value = serde_json::from_slice(bytes).map_err(|_| not_json())?;
            if let Some(err) = v.get("error") {
                return Err(rpc_error(err));
            }
            let result = v.get("result").ok_or_else(|| {
                UpstreamError::Invalid("answer has neither result nor error".into())
            })?;
            return serde_json::value::to_raw_value(result)
                .map_err(|e| UpstreamError::Invalid(e.to_string()));
        }
    };
    if let Some(err) = &answer.error {
        return Err(rpc_error(err));
    }
    answer
        .result
        .ok_or_else(|| UpstreamError::Invalid("answer has neither result nor error".into()))
}

pub fn parse_quantity(v: &Value) -> Option<u128> {
    let s = v.as_str()?;
    let h = s.strip_prefix("0x")?;
    if h.is_empty() || h.len() > 32 {
        return None;
    }
    u128::from_str_radix(h, 16).ok()
}
