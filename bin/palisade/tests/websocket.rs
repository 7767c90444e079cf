//! WebSocket JSON-RPC through Palisade against a real anvil: reads, batches, `eth_subscribe`
//! notifications, and the same refusals as HTTP (authentication at the upgrade, the RPC
//! firewall, `eth_getLogs` range caps, rate limits, message size) on every message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// anvil from the e2e suite's npm install, or `ANVIL`.
fn anvil_bin() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("ANVIL") {
        return p.into();
    }
    if let Ok(out) = Command::new("sh").args(["-c", "command -v anvil"]).output() {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !p.is_empty() {
            return p.into();
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testing/e2e/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(
        root.exists(),
        "anvil not found: run testing/e2e/setup.sh (npm @foundry-rs/anvil) or set ANVIL"
    );
    root
}

struct Anvil {
    child: Child,
    port: u16,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    fn start() -> Anvil {
        let port = free_port();
        let child = Command::new(anvil_bin())
            .args(["--port", &port.to_string(), "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "anvil did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Anvil { child, port }
    }

    fn upstream(&self) -> String {
        format!("31337=http://127.0.0.1:{}", self.port)
    }

    /// Mines a block with anvil's own `evm_mine`, straight on anvil's HTTP port.
    async fn mine(&self) {
        let v: Value = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}", self.port))
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v.get("error").is_none(), "{v}");
    }
}

/// `palisade serve --dev` in front of `anvil`, with an optional config file.
async fn palisade(anvil: &Anvil, dir: &Path, toml: Option<&str>) -> Server {
    serve(&anvil.upstream(), dir, toml).await
}

/// An upstream no test request reaches (the discard port): for checks made before forwarding.
const NO_UPSTREAM: &str = "31337=http://127.0.0.1:9";

/// `palisade serve --dev` with `upstream` (`chain=url`) and an optional config file in `dir`.
async fn serve(upstream: &str, dir: &Path, toml: Option<&str>) -> Server {
    let mut args = vec!["--upstream".to_string(), upstream.to_string()];
    if let Some(t) = toml {
        let cfg = dir.join("palisade.toml");
        std::fs::write(&cfg, t).unwrap();
        args.push("--config".into());
        args.push(cfg.to_str().unwrap().into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::dev(&args).await
}

fn ws_url(s: &Server, path: &str) -> String {
    format!("{}{path}", s.addr.replace("http://", "ws://"))
}

async fn connect_at(s: &Server, path: &str, token: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut req = ws_url(s, path).into_client_request().unwrap();
    if let Some(t) = token {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

async fn connect(s: &Server, token: Option<&str>) -> Ws {
    connect_at(s, "/", token).await.unwrap()
}

/// The next text message, as JSON (pings are skipped); panics after 10 s.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no message within 10 s")
            .expect("connection closed")
            .expect("WebSocket error");
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn send(ws: &mut Ws, v: &Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

async fn call(ws: &mut Ws, method: &str, params: Value) -> Value {
    send(
        ws,
        &json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}),
    )
    .await;
    let v = next(ws).await;
    assert_eq!(v["id"], 7, "{v}");
    v
}

/// The status and body of a refused upgrade.
fn refused(r: Result<Ws, tungstenite::Error>) -> (u16, Value) {
    match r {
        Err(tungstenite::Error::Http(resp)) => {
            let status = resp.status().as_u16();
            let body = resp.body().clone().unwrap_or_default();
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        }
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

#[tokio::test]
async fn reads_batches_and_subscriptions_pass_through_to_anvil() {
    let anvil = Anvil::start();
    let t = tempdir();
    let s = palisade(&anvil, t.path(), None).await;
    let tok = s.token.clone().unwrap();
    let mut ws = connect(&s, Some(&tok)).await;

    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");
    let v = call(&mut ws, "eth_blockNumber", json!([])).await;
    assert_eq!(v["result"], "0x0", "{v}");

    // A batch: every item answered with its own id (forwarded and local ones alike).
    send(
        &mut ws,
        &json!([
            {"jsonrpc": "2.0", "id": "a", "method": "eth_blockNumber"},
            {"jsonrpc": "2.0", "id": "b", "method": "eth_getBalance", "params": [HARDHAT0_ADDR, "latest"]},
            {"jsonrpc": "2.0", "id": "c", "method": "eth_chainId"},
        ]),
    )
    .await;
    let v = next(&mut ws).await;
    let items = v.as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(items.len(), 3, "{v}");
    assert_eq!(items[0]["id"], "a");
    assert_eq!(items[0]["result"], "0x0");
    assert_eq!(items[1]["id"], "b");
    assert!(
        items[1]["result"].as_str().unwrap().starts_with("0x"),
        "{v}"
    );
    assert_eq!(items[2]["result"], "0x7a69");

    // newHeads: a block mined on anvil reaches the client as an `eth_subscription` message.
    let v = call(&mut ws, "eth_subscribe", json!(["newHeads"])).await;
    let sub = v["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string();
    anvil.mine().await;
    let n = next(&mut ws).await;
    assert_eq!(n["method"], "eth_subscription", "{n}");
    assert_eq!(n["params"]["subscription"], sub.as_str(), "{n}");
    assert_eq!(n["params"]["result"]["number"], "0x1", "{n}");

    let v = call(&mut ws, "eth_unsubscribe", json!([sub])).await;
    assert_eq!(v["result"], true, "{v}");
    anvil.mine().await;
    // No more notifications: the next message is the answer to the next request.
    let v = call(&mut ws, "eth_blockNumber", json!([])).await;
    assert_eq!(v["result"], "0x2", "{v}");

    // Counted like HTTP requests.
    let m = s.metrics().await;
    assert!(
        m.contains("palisade_rpc_requests_total{method=\"eth_blockNumber\",outcome=\"ok\"}"),
        "{m}"
    );
    // Forwarded requests are audited as on HTTP (written in the background).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, e) = s
            .admin(Method::GET, "/v1/audit/entries?tail=200", None)
            .await;
        let allowed: Vec<String> = e["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("{e}"))
            .iter()
            .filter(|x| x["decision"] == "allow")
            .map(|x| x["action"].as_str().unwrap_or_default().to_string())
            .collect();
        let want = [
            "eth_blockNumber",
            "eth_getBalance",
            "eth_subscribe",
            "eth_unsubscribe",
        ];
        if want.iter().all(|w| allowed.iter().any(|a| a == w)) {
            break;
        }
        assert!(Instant::now() < deadline, "not audited: {allowed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn upgrade_without_a_valid_api_key_is_refused_before_upgrading() {
    let anvil = Anvil::start();
    let t = tempdir();
    let s = palisade(&anvil, t.path(), None).await;

    let (st, v) = refused(connect_at(&s, "/", None).await);
    assert_eq!(st, 401, "{v}");
    assert_eq!(error_code(&v), -32000, "{v}");
    assert!(error_message(&v).contains("missing API key"), "{v}");

    let (st, v) = refused(connect_at(&s, "/rpc", Some("pal_0123456789abcdef_nope")).await);
    assert_eq!(st, 401, "{v}");
    assert_eq!(error_code(&v), -32000, "{v}");

    let tok = s.token.clone().unwrap();
    let (st, v) = refused(connect_at(&s, "/rpc/abc", Some(&tok)).await);
    assert_eq!(st, 404, "{v}");
    let (st, v) = refused(connect_at(&s, "/rpc/5", Some(&tok)).await);
    assert_eq!(st, 404, "{v}");
    assert!(error_message(&v).contains("chain 5"), "{v}");
    // The chain's own path works.
    let mut ws = connect_at(&s, "/rpc/31337", Some(&tok)).await.unwrap();
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");

    // Over HTTP, subscriptions are refused with a pointer to WebSocket.
    let (_, v) = s.rpc("eth_subscribe", json!(["newHeads"])).await;
    assert_eq!(error_code(&v), -32601, "{v}");
    assert!(error_message(&v).contains("WebSocket"), "{v}");
}

#[tokio::test]
async fn every_message_gets_the_firewall_checks() {
    let anvil = Anvil::start();
    let t = tempdir();
    let toml = "allowed_origins = [\"https://app.example\"]\n[firewall]\nmax_get_logs_blocks = 1000\n[limits]\nmax_body_bytes = 65536\n[websocket]\nmax_subscriptions = 1\n";
    let s = palisade(&anvil, t.path(), Some(toml)).await;
    let tok = s.token.clone().unwrap();
    // The origin allowlist applies at the upgrade.
    let mut req = ws_url(&s, "/").into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {tok}").parse().unwrap());
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let (st, v) = refused(
        tokio_tungstenite::connect_async(req)
            .await
            .map(|(ws, _)| ws),
    );
    assert_eq!(st, 403, "{v}");
    assert!(error_message(&v).contains("origin"), "{v}");

    let mut ws = connect(&s, Some(&tok)).await;

    // One subscription per connection here: the second is refused and says why.
    let v = call(&mut ws, "eth_subscribe", json!(["newHeads"])).await;
    assert!(v["result"].is_string(), "{v}");
    let v = call(&mut ws, "eth_subscribe", json!(["newHeads"])).await;
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(error_message(&v).contains("max_subscriptions"), "{v}");
    // Audited as refused, not as allowed (written in the background).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, e) = s
            .admin(Method::GET, "/v1/audit/entries?tail=200", None)
            .await;
        let subs: Vec<&Value> = e["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("{e}"))
            .iter()
            .filter(|x| x["action"] == "eth_subscribe")
            .collect();
        let count = |d: &str| subs.iter().filter(|x| x["decision"] == d).count();
        if count("deny") == 1 {
            assert_eq!(count("allow"), 1, "{subs:?}");
            assert!(
                subs.iter()
                    .any(|x| x.to_string().contains("max_subscriptions")),
                "{subs:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "refusal not audited: {subs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for (method, ns) in [
        ("admin_nodeInfo", "admin_"),
        ("personal_unlockAccount", "personal_"),
        ("debug_traceTransaction", "debug_"),
    ] {
        let v = call(&mut ws, method, json!([])).await;
        assert_eq!(error_code(&v), -32001, "{v}");
        assert!(error_message(&v).contains(method), "{v}");
        assert!(error_message(&v).contains(ns), "{v}");
    }
    let v = call(&mut ws, "anvil_setBalance", json!([HARDHAT0_ADDR, "0x1"])).await;
    assert_eq!(error_code(&v), -32601, "{v}");

    // Log ranges are capped as on HTTP; a narrow one passes to anvil.
    let v = call(
        &mut ws,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "0x100000"}]),
    )
    .await;
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(
        error_message(&v).contains("exceeds the limit of 1000"),
        "{v}"
    );
    let v = call(
        &mut ws,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "0x0"}]),
    )
    .await;
    assert_eq!(v["result"], json!([]), "{v}");

    // Malformed input: an error message, the connection stays.
    ws.send(Message::text("{not json")).await.unwrap();
    let v = next(&mut ws).await;
    assert_eq!(error_code(&v), -32700, "{v}");
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let v = next(&mut ws).await;
    assert_eq!(error_code(&v), -32600, "{v}");
    assert!(error_message(&v).contains("text frame"), "{v}");
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");

    let m = s.metrics().await;
    assert!(
        m.contains("palisade_firewall_denied_total{reason=\"hard_denied\"} 3"),
        "{m}"
    );

    // A message above the body limit closes the connection with 1009 and says why.
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[\"{}\"]}}",
        "x".repeat(70_000)
    );
    let _ = ws.send(Message::text(big)).await;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no close within 10 s")
        {
            Some(Ok(Message::Close(f))) => break f,
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("expected a close frame, got {e}"),
            None => panic!("closed without a close frame"),
        }
    };
    let f = closed.expect("a close frame with a code");
    assert_eq!(u16::from(f.code), 1009, "{f:?}");
    assert!(f.reason.as_str().contains("65536"), "{f:?}");
}

#[tokio::test]
async fn rate_limits_count_every_message_and_batch_item() {
    let anvil = Anvil::start();
    let t = tempdir();
    let toml = "[rate_limits]\nper_credential = { rate = 0.5, burst = 10 }\nper_ip = { rate = 1000, burst = 1000 }\n";
    let s = palisade(&anvil, t.path(), Some(toml)).await;
    let tok = s.token.clone().unwrap();
    let mut ws = connect(&s, Some(&tok)).await;
    let batch: Vec<Value> = (0..10)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}))
        .collect();
    send(&mut ws, &Value::Array(batch)).await;
    let v = next(&mut ws).await;
    assert_eq!(v.as_array().map(Vec::len), Some(10), "{v}");
    assert_eq!(v[9]["result"], "0x7a69", "{v}");
    // The burst is spent: the next message is refused, the connection stays open.
    let v = call(&mut ws, "eth_blockNumber", json!([])).await;
    assert_eq!(error_code(&v), -32029, "{v}");
    assert!(error_message(&v).contains("credential limit"), "{v}");
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let v = call(&mut ws, "eth_blockNumber", json!([])).await;
    assert_eq!(v["result"], "0x0", "{v}");

    // Upgraded connections stay counted against the connection caps until they close.
    let open = |m: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix("palisade_open_connections "))
            .unwrap_or_else(|| panic!("no open-connections gauge in\n{m}"))
            .trim()
            .parse()
            .unwrap()
    };
    let mut more = Vec::new();
    for _ in 0..3 {
        more.push(connect(&s, Some(&tok)).await);
    }
    let with = open(&s.metrics().await);
    assert!(with >= 4, "4 WebSockets open, gauge says {with}");
    for mut w in more {
        w.close(None).await.unwrap();
        while let Some(Ok(_)) = w.next().await {}
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = open(&s.metrics().await);
        if now + 3 <= with {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "closed WebSockets still counted: {now} (was {with})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn signer_methods_work_and_show_only_the_credentials_keys() {
    let anvil = Anvil::start();
    let t = tempdir();
    let s = palisade(&anvil, t.path(), None).await;
    let k = s.import_hardhat0().await;
    let (st, other) = s.admin(Method::POST, "/v1/keys", Some(json!({}))).await;
    assert_eq!(st, 201, "{other}");
    let (st, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "app", "keys": [k["id"]], "methods": ["sign", "read"]})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let tok = c["token"].as_str().unwrap();

    let mut ws = connect(&s, Some(tok)).await;
    let v = call(&mut ws, "eth_accounts", json!([])).await;
    assert_eq!(v["result"], json!([HARDHAT0_ADDR]), "{v}");
    let v = call(
        &mut ws,
        "personal_sign",
        json!(["0x68656c6c6f", HARDHAT0_ADDR]),
    )
    .await;
    let sig = v["result"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(sig.len(), 2 + 130, "{v}");
    // A key outside the credential's scope is refused.
    let addr = other["address"]
        .as_str()
        .unwrap_or_else(|| panic!("{other}"));
    let v = call(&mut ws, "personal_sign", json!(["0x68656c6c6f", addr])).await;
    assert_eq!(error_code(&v), -32004, "{v}");

    // The root credential sees both keys.
    let mut root = connect(&s, s.token.as_deref()).await;
    let v = call(&mut root, "eth_accounts", json!([])).await;
    assert_eq!(v["result"].as_array().map(Vec::len), Some(2), "{v}");

    // A revoked credential stops working at once: error, then close (1008).
    let (st, _) = s
        .admin(
            Method::POST,
            &format!("/v1/credentials/{}/revoke", c["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, 200);
    send(
        &mut ws,
        &json!({"jsonrpc": "2.0", "id": 8, "method": "eth_accounts"}),
    )
    .await;
    let v = next(&mut ws).await;
    assert_eq!(error_code(&v), -32000, "{v}");
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(f))))) => assert_eq!(u16::from(f.code), 1008, "{f:?}"),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lost_upstream_fails_outstanding_requests_and_closes_the_connection() {
    // An upstream WebSocket that takes one request and drops the connection unanswered.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut up = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let _ = up.next().await;
        drop(up);
    });
    let upstream = format!("31337=http://127.0.0.1:{port}");
    let s = Server::dev(&["--upstream", &upstream]).await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    send(
        &mut ws,
        &json!({"jsonrpc": "2.0", "id": 3, "method": "eth_blockNumber"}),
    )
    .await;
    let v = next(&mut ws).await;
    assert_eq!(v["id"], 3, "{v}");
    assert_eq!(error_code(&v), -32005, "{v}");
    assert!(error_message(&v).contains("reconnect"), "{v}");
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(f))))) => {
            assert_eq!(u16::from(f.code), 1011, "{f:?}");
            assert!(f.reason.as_str().contains("upstream"), "{f:?}");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_sealed_palisade_refuses_the_upgrade_and_open_connections_get_sealed_errors() {
    let s = Server::dev(&["--upstream", NO_UPSTREAM]).await;
    let tok = s.token.clone().unwrap();
    let mut ws = connect(&s, Some(&tok)).await;
    let (st, v) = s.admin(Method::POST, "/v1/sys/seal", None).await;
    assert_eq!(st, 200, "{v}");
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(error_code(&v), -32002, "{v}");
    let (st, v) = refused(connect_at(&s, "/", Some(&tok)).await);
    assert_eq!(st, 503, "{v}");
    assert_eq!(error_code(&v), -32002, "{v}");
}

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away_and_does_not_wait_for_them() {
    let mut s = Server::dev(&["--upstream", NO_UPSTREAM]).await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");
    let started = Instant::now();
    let st = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(f))))) => {
            assert_eq!(u16::from(f.code), 1001, "{f:?}");
            assert!(f.reason.as_str().contains("shutting down"), "{f:?}");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    drop(ws);
    // The open WebSocket does not hold the shutdown for the 10 s drain.
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        if s.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "server still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(started.elapsed() < Duration::from_secs(8));
}

/// The close frame that ends `ws` (messages before it are skipped), within `within`.
async fn close_frame(ws: &mut Ws, within: Duration) -> tungstenite::protocol::CloseFrame {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => return f,
            Ok(Some(Ok(_))) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_source_blocked_mid_session_is_refused_on_its_next_message_and_closed() {
    let s = Server::dev(&["--upstream", NO_UPSTREAM]).await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");
    let (st, v) = s
        .admin(
            Method::POST,
            "/v1/blocks",
            Some(json!({"source": "127.0.0.1", "seconds": 60})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    send(
        &mut ws,
        &json!({"jsonrpc": "2.0", "id": 9, "method": "eth_chainId"}),
    )
    .await;
    let v = next(&mut ws).await;
    assert_eq!(v["id"], 9, "{v}");
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(error_message(&v).contains("blocked"), "{v}");
    let f = close_frame(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(u16::from(f.code), 1008, "{f:?}");
    assert!(f.reason.as_str().contains("blocked"), "{f:?}");
}

#[tokio::test]
async fn a_subscription_only_connection_is_closed_when_its_credential_is_revoked() {
    let anvil = Anvil::start();
    let t = tempdir();
    let s = palisade(
        &anvil,
        t.path(),
        Some("[websocket]\nping_interval_secs = 1\n"),
    )
    .await;
    let (st, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "watcher", "keys": [], "methods": ["read"]})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let mut ws = connect(&s, c["token"].as_str()).await;
    let v = call(&mut ws, "eth_subscribe", json!(["newHeads"])).await;
    assert!(v["result"].is_string(), "{v}");
    anvil.mine().await;
    let n = next(&mut ws).await;
    assert_eq!(n["method"], "eth_subscription", "{n}");

    let (st, v) = s
        .admin(
            Method::POST,
            &format!("/v1/credentials/{}/revoke", c["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let revoked = Instant::now();
    // Blocks keep coming; the connection sends nothing, yet it is closed at the next tick.
    let closed = loop {
        anvil.mine().await;
        match tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            Err(_) => {}
            Ok(Some(Ok(Message::Close(f)))) => break f.expect("a close code"),
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("expected a close frame, got {other:?}"),
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(4),
            "still open {:?} after the revocation",
            revoked.elapsed()
        );
    };
    assert_eq!(u16::from(closed.code), 1008, "{closed:?}");
    assert!(closed.reason.as_str().contains("credential"), "{closed:?}");
    // Nothing is relayed after the close.
    anvil.mine().await;
    match tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        Ok(None) | Ok(Some(Err(_))) | Err(_) => {}
        Ok(Some(Ok(m))) => panic!("relayed after the close: {m:?}"),
    }
}

#[tokio::test]
async fn an_idle_connection_is_closed_when_palisade_is_sealed() {
    let t = tempdir();
    let s = serve(
        NO_UPSTREAM,
        t.path(),
        Some("[websocket]\nping_interval_secs = 1\n"),
    )
    .await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    let (st, v) = s.admin(Method::POST, "/v1/sys/seal", None).await;
    assert_eq!(st, 200, "{v}");
    let f = close_frame(&mut ws, Duration::from_secs(4)).await;
    assert_eq!(u16::from(f.code), 1013, "{f:?}");
    assert!(f.reason.as_str().contains("sealed"), "{f:?}");
}

#[tokio::test]
async fn every_data_frame_is_charged_to_the_source_ip_before_it_is_parsed() {
    let t = tempdir();
    let s = serve(
        NO_UPSTREAM,
        t.path(),
        Some("[rate_limits]\nper_ip = { rate = 0.01, burst = 6 }\n"),
    )
    .await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    let mut limited = 0;
    for i in 0..12 {
        if i % 2 == 0 {
            ws.send(Message::text("{not json")).await.unwrap();
        } else {
            ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        }
        let v = next(&mut ws).await;
        match error_code(&v) {
            -32029 => limited += 1,
            -32700 | -32600 => assert_eq!(limited, 0, "{v}"),
            _ => panic!("{v}"),
        }
    }
    assert!(
        limited >= 6,
        "invalid frames were not charged: {limited} refused"
    );
}

async fn connect_from(s: &Server, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut req = ws_url(s, "/").into_client_request().unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", s.token.as_deref().unwrap())
            .parse()
            .unwrap(),
    );
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

#[tokio::test]
async fn a_browser_origin_needs_allowed_origins_to_open_a_websocket() {
    // No allowed origins: clients outside a browser (no `Origin`) connect, browsers do not.
    let s = Server::dev(&["--upstream", NO_UPSTREAM]).await;
    let mut ws = connect_from(&s, None).await.unwrap();
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");
    let (st, v) = refused(connect_from(&s, Some("https://evil.example")).await);
    assert_eq!(st, 403, "{v}");
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(error_message(&v).contains("allowed_origins"), "{v}");
    // HTTP keeps its behaviour: an empty list checks no origin.
    let r = s
        .http
        .post(&s.addr)
        .bearer_auth(s.token.as_deref().unwrap())
        .header("origin", "https://evil.example")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A listed origin connects; others are refused.
    let t = tempdir();
    let s = serve(
        NO_UPSTREAM,
        t.path(),
        Some("allowed_origins = [\"https://app.example\"]\n"),
    )
    .await;
    let mut ws = connect_from(&s, Some("https://app.example")).await.unwrap();
    let v = call(&mut ws, "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69", "{v}");
    connect_from(&s, None).await.unwrap();
    let (st, v) = refused(connect_from(&s, Some("https://evil.example")).await);
    assert_eq!(st, 403, "{v}");
    assert!(error_message(&v).contains("allowed_origins"), "{v}");
}

#[tokio::test]
async fn an_upstream_that_stops_reading_fails_requests_in_time_and_releases_the_session() {
    // An upstream that accepts the WebSocket handshake and then never reads.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let up = tokio_tungstenite::accept_async(tcp).await.unwrap();
        tokio::time::sleep(Duration::from_secs(120)).await;
        drop(up);
    });
    let t = tempdir();
    let toml = "[limits]\nmax_body_bytes = 1048576\nupstream_timeout_ms = 1000\n[rate_limits]\nper_credential = { rate = 1000, burst = 1000 }\nper_ip = { rate = 1000, burst = 1000 }\n";
    let s = serve(
        &format!("31337=http://127.0.0.1:{port}"),
        t.path(),
        Some(toml),
    )
    .await;
    let mut ws = connect(&s, s.token.as_deref()).await;
    // Requests big enough to fill the socket buffers towards the upstream.
    let pad = "x".repeat(200_000);
    let started = Instant::now();
    for id in 0..40 {
        send(
            &mut ws,
            &json!({"jsonrpc": "2.0", "id": id, "method": "eth_blockNumber", "params": [pad]}),
        )
        .await;
    }
    // Every request is answered with an error, and the session is closed (1011) once the
    // upstream socket cannot take a request within the upstream timeout.
    let mut answered = 0;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .expect("neither answer nor close within 15 s")
        {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(v.get("error").is_some(), "{v}");
                answered += 1;
            }
            Some(Ok(Message::Close(f))) => break f.expect("a close code"),
            Some(Ok(_)) => {}
            other => panic!("expected answers then a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.code), 1011, "{closed:?}");
    assert!(closed.reason.as_str().contains("upstream"), "{closed:?}");
    assert!(answered > 0, "no request was answered");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "took {:?}",
        started.elapsed()
    );
    drop(ws);
    // Nothing stays held: no request in flight, the connection is no longer counted.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let m = s.metrics().await;
        let gauge = |name: &str| -> i64 {
            m.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap_or_else(|| panic!("no {name} in\n{m}"))
                .trim()
                .parse()
                .unwrap()
        };
        // The metrics request itself is one open connection.
        if gauge("palisade_in_flight_requests") <= 1 && gauge("palisade_open_connections") <= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "slots still held:\n{m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
