//! JSON-RPC client for the upstream execution node of one chain.
//!
//! Plain `http://` upstreams (the common case: a node on the same host or network) are called
//! over a small pool of keep-alive HTTP/1.1 connections (hyper's connection API) that the
//! calling task drives itself: no connection task, no hop between tasks per request.
//! `https://` upstreams, URLs with credentials, every upstream when a proxy is configured in
//! the environment, and redirects go through reqwest (rustls, proxies, basic auth), as before.
//! Both paths keep the same timeout, size cap and error kinds.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Body as _;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::net::TcpStream;
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
    /// Pooled connections for a plain `http://` upstream when no proxy applies.
    direct: Option<Direct>,
    timeout: Duration,
    /// Largest answer read from the node (RPC firewall response-size cap).
    max_response_bytes: usize,
}

/// Idle connections kept per upstream, and how long one may stay idle.
const MAX_IDLE: usize = 64;
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A plain-HTTP upstream called over pooled connections driven by the calling task.
#[derive(Clone)]
struct Direct {
    /// `host:port` to connect to.
    addr: Arc<str>,
    /// The `Host` header.
    host: hyper::header::HeaderValue,
    /// Request target (origin form: path and query).
    target: hyper::Uri,
    idle: Arc<parking_lot::Mutex<Vec<PooledConn>>>,
}

type Http1Conn = http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

struct PooledConn {
    sender: http1::SendRequest<Full<Bytes>>,
    conn: Pin<Box<Http1Conn>>,
    /// The connection future has completed: it must not be polled again.
    done: bool,
    idle_since: Instant,
}

impl Direct {
    fn new(uri: &hyper::Uri) -> Option<Self> {
        let authority = uri.authority()?;
        if uri.scheme() != Some(&hyper::http::uri::Scheme::HTTP)
            || authority.as_str().contains('@')
            || authority.host().is_empty()
        {
            return None;
        }
        let port = authority.port_u16().unwrap_or(80);
        let target = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .ok()?;
        Some(Self {
            addr: format!("{}:{port}", authority.host()).into(),
            host: hyper::header::HeaderValue::from_str(authority.as_str()).ok()?,
            target,
            idle: Arc::default(),
        })
    }

    /// An idle connection that is still open, most recently used first.
    async fn checkout(&self) -> Option<PooledConn> {
        loop {
            let mut c = self.idle.lock().pop()?;
            if c.idle_since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            // One poll lets the connection notice a close by the node and get ready for the
            // next request.
            let open =
                std::future::poll_fn(|cx| Poll::Ready(c.conn.as_mut().poll(cx).is_pending())).await;
            if open && c.sender.is_ready() {
                return Some(c);
            }
        }
    }

    fn checkin(&self, mut c: PooledConn) {
        if c.done || c.sender.is_closed() {
            return;
        }
        c.idle_since = Instant::now();
        let mut idle = self.idle.lock();
        while idle
            .first()
            .is_some_and(|o| o.idle_since.elapsed() > IDLE_TIMEOUT)
        {
            idle.remove(0);
        }
        if idle.len() < MAX_IDLE {
            idle.push(c);
        }
    }

    async fn connect(&self) -> Result<PooledConn, Box<dyn std::error::Error + Send + Sync>> {
        let tcp = TcpStream::connect(&*self.addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
        Ok(PooledConn {
            sender,
            conn: Box::pin(conn),
            done: false,
            idle_since: Instant::now(),
        })
    }
}

/// Polls `fut` to completion while driving, in this same task, the connection it waits on.
/// `None` if the connection ended without `fut` completing.
async fn drive<F: Future>(
    conn: &mut Pin<Box<Http1Conn>>,
    done: &mut bool,
    fut: F,
) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        if !*done && conn.as_mut().poll(cx).is_ready() {
            *done = true;
        }
        match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending if *done => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
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
            Ok(uri) if !proxy_configured() => Direct::new(&uri),
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
        let head = AtomicBool::new(false);
        match tokio::time::timeout_at(deadline, self.exchange(d, body, &head)).await {
            Ok(r) => r,
            // Timed out: sending (reqwest's wording kept), or reading the answer.
            Err(_) if head.load(Ordering::Relaxed) => {
                Err(UpstreamError::Invalid(BODY_FAILED.into()))
            }
            Err(_) => Err(self.send_failed()),
        }
    }

    fn send_failed(&self) -> UpstreamError {
        UpstreamError::Unreachable {
            url: self.url.clone(),
            reason: SEND_FAILED.into(),
        }
    }

    /// One request and its answer on a pooled connection (a new one if none is idle). A
    /// request that an idle connection could not take (closed meanwhile) is sent again on a
    /// new one; a request that may have reached the node is not.
    async fn exchange(
        &self,
        d: &Direct,
        body: Bytes,
        head: &AtomicBool,
    ) -> Result<(hyper::StatusCode, Bytes), UpstreamError> {
        let mut req = hyper::Request::post(d.target.clone())
            .header(hyper::header::HOST, d.host.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "*/*")
            .body(Full::new(body))
            .map_err(|_| self.send_failed())?;
        let (mut c, resp) = loop {
            let (mut c, reused) = match d.checkout().await {
                Some(c) => (c, true),
                None => (d.connect().await.map_err(|_| self.send_failed())?, false),
            };
            let sent = drive(&mut c.conn, &mut c.done, c.sender.try_send_request(req)).await;
            match sent {
                Some(Ok(resp)) => break (c, resp),
                Some(Err(mut e)) if reused => match e.take_message() {
                    Some(r) => req = r,
                    None => return Err(self.send_failed()),
                },
                _ => return Err(self.send_failed()),
            }
        };
        head.store(true, Ordering::Relaxed);
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
        let read = Limited::new(resp.into_body(), limit).collect();
        let bytes = match drive(&mut c.conn, &mut c.done, read).await {
            Some(Ok(collected)) => collected.to_bytes(),
            Some(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return Err(UpstreamError::TooLarge { limit })
            }
            _ => return Err(UpstreamError::Invalid(BODY_FAILED.into())),
        };
        d.checkin(c);
        Ok((status, bytes))
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
    // Only an object is an answer (serde would also read a struct from an array).
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let parsed = if object {
        serde_json::from_slice::<Answer>(bytes).ok()
    } else {
        None
    };
    let answer = match parsed {
        Some(a) => a,
        None => {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A mock node: answers every request with `answer(n)` (n counts requests), closing the
    /// connection after each answer when `close` is set. Returns its URL and the number of
    /// connections it accepted.
    async fn node(
        close: bool,
        answer: impl Fn(usize) -> String + Send + Sync + 'static,
    ) -> (String, Arc<AtomicUsize>) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        let conns = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let c = conns.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                let (answer, requests) = (answer.clone(), requests.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // One request: head, then Content-Length bytes of body.
                        let total = loop {
                            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                                let len: usize = head
                                    .lines()
                                    .find_map(|l| l.strip_prefix("content-length:"))
                                    .map_or(0, |v| v.trim().parse().unwrap());
                                break end + 4 + len;
                            }
                            let mut tmp = [0u8; 4096];
                            match s.read(&mut tmp).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&tmp[..n]),
                            }
                        };
                        while buf.len() < total {
                            let mut tmp = [0u8; 4096];
                            match s.read(&mut tmp).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&tmp[..n]),
                            }
                        }
                        buf.drain(..total);
                        let n = requests.fetch_add(1, Ordering::SeqCst);
                        if s.write_all(answer(n).as_bytes()).await.is_err() || close {
                            return;
                        }
                    }
                });
            }
        });
        (url, conns)
    }

    fn http(status: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    fn upstream(url: &str) -> Upstream {
        let u = Upstream::new(url, Duration::from_millis(500)).unwrap();
        assert!(u.direct.is_some(), "plain http uses the pooled connections");
        u
    }

    #[tokio::test]
    async fn result_passes_through_raw_on_one_connection() {
        let (url, conns) = node(false, |n| {
            http(
                "200 OK",
                &format!(r#"{{"jsonrpc":"2.0","id":7,"result":{{"n":{n},"big":123456789012345678901234567890}}}}"#),
            )
        })
        .await;
        let u = upstream(&url);
        for n in 0..5 {
            let r = u
                .call_raw("eth_blockNumber", &Value::Array(vec![]))
                .await
                .unwrap();
            assert_eq!(
                r.get(),
                format!(r#"{{"n":{n},"big":123456789012345678901234567890}}"#)
            );
        }
        assert_eq!(
            conns.load(Ordering::SeqCst),
            1,
            "keep-alive: one connection"
        );
        let v = u
            .call("eth_blockNumber", Value::Array(vec![]))
            .await
            .unwrap();
        assert_eq!(v["n"], 5);
    }

    #[tokio::test]
    async fn closed_connections_are_replaced() {
        let (url, conns) = node(true, |_| {
            http("200 OK", r#"{"jsonrpc":"2.0","id":1,"result":"0x1"}"#)
        })
        .await;
        let u = upstream(&url);
        for _ in 0..3 {
            assert_eq!(u.call_u128("eth_chainId", json_empty()).await.unwrap(), 1);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(conns.load(Ordering::SeqCst), 3);
    }

    fn json_empty() -> Value {
        Value::Array(vec![])
    }

    #[tokio::test]
    async fn errors_keep_their_kinds() {
        let (url, _) = node(false, |_| {
            http(
                "200 OK",
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low","data":"0x"}}"#,
            )
        })
        .await;
        match upstream(&url).call_raw("eth_call", &json_empty()).await {
            Err(UpstreamError::Rpc {
                code,
                message,
                data,
            }) => {
                assert_eq!((code, message.as_str()), (-32000, "nonce too low"));
                assert_eq!(data, Some(Value::String("0x".into())));
            }
            other => panic!("{:?}", other.map(|r| r.get().to_string())),
        }
        let (url, _) = node(false, |_| http("502 Bad Gateway", "<html>")).await;
        assert!(matches!(
            upstream(&url).call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::Http { status: 502 })
        ));
        let (url, _) = node(false, |_| http("200 OK", "not json")).await;
        assert!(matches!(
            upstream(&url).call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::Invalid(m)) if m == "answer is not JSON"
        ));
        let (url, _) = node(false, |_| http("200 OK", r#"[{"result":1}]"#)).await;
        assert!(matches!(
            upstream(&url).call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::Invalid(m)) if m == "answer has neither result nor error"
        ));
        let (url, _) = node(false, |_| http("200 OK", r#"{"id":1,"result":null}"#)).await;
        let r = upstream(&url)
            .call_raw("eth_call", &json_empty())
            .await
            .unwrap();
        assert_eq!(r.get(), "null");
        // Nothing listens on the port any more.
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        drop(l);
        assert!(matches!(
            upstream(&url).call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::Unreachable { reason, .. }) if reason == SEND_FAILED
        ));
    }

    #[tokio::test]
    async fn answers_over_the_cap_are_refused() {
        let big = format!(
            r#"{{"jsonrpc":"2.0","id":1,"result":"{}"}}"#,
            "a".repeat(1000)
        );
        let declared = http("200 OK", &big);
        let (url, _) = node(false, move |_| declared.clone()).await;
        let u = upstream(&url).with_max_response_bytes(100);
        assert!(matches!(
            u.call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::TooLarge { limit: 100 })
        ));
        // Chunked: no length declared, the cap applies while reading.
        let chunked = format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
            big.len()
        );
        let (url, _) = node(false, move |_| chunked.clone()).await;
        let u = upstream(&url).with_max_response_bytes(100);
        assert!(matches!(
            u.call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::TooLarge { limit: 100 })
        ));
        let u = upstream(&url).with_max_response_bytes(2000);
        assert_eq!(
            u.call_raw("eth_call", &json_empty())
                .await
                .unwrap()
                .get()
                .len(),
            1002
        );
    }

    #[tokio::test]
    async fn a_silent_node_times_out() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        let _hold = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                open.push(s);
            }
        });
        let u = Upstream::new(&url, Duration::from_millis(100)).unwrap();
        let started = Instant::now();
        assert!(matches!(
            u.call_raw("eth_call", &json_empty()).await,
            Err(UpstreamError::Unreachable { reason, .. }) if reason == SEND_FAILED
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn https_credentials_and_proxies_stay_on_reqwest() {
        let t = Duration::from_secs(1);
        assert!(Upstream::new("https://node.example/", t)
            .unwrap()
            .direct
            .is_none());
        assert!(Upstream::new("http://u:p@node.example/", t)
            .unwrap()
            .direct
            .is_none());
        let d = Upstream::new("http://node.example:8545/rpc?x=1", t)
            .unwrap()
            .direct
            .unwrap();
        assert_eq!(&*d.addr, "node.example:8545");
        assert_eq!(d.target, "/rpc?x=1");
        assert_eq!(d.host, "node.example:8545");
    }
}
