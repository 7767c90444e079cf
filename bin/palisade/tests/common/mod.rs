//! Drives the real `palisade` binary over HTTP.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test harness"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_palisade");
pub const HARDHAT0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const HARDHAT0_ADDR: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `palisade serve --dev` with the token read from its stdout.
    pub async fn dev(extra: &[&str]) -> Server {
        let listen = format!("127.0.0.1:{}", free_port());
        let s = Server::spawn_dev(
            &listen,
            extra,
            format!("http://{listen}"),
            reqwest::Client::new(),
        );
        s.wait_up().await;
        s
    }

    /// Starts `palisade serve --dev --listen LISTEN EXTRA...` and reads its token from stdout;
    /// `addr` is how clients reach it. Does not wait for the listener.
    pub fn spawn_dev(listen: &str, extra: &[&str], addr: String, http: reqwest::Client) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--dev", "--listen", listen])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut token = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(t) = line.strip_prefix("PALISADE_TOKEN=") {
                token = Some(t.to_string());
                break;
            }
        }
        Server {
            child,
            addr,
            token,
            http,
        }
    }

    /// The Prometheus text of `/metrics` (as the server's own token).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// `palisade serve --data-dir DIR` (starts sealed).
    pub async fn data_dir(dir: &Path) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(BIN)
            .args([
                "serve",
                "--data-dir",
                dir.to_str().unwrap(),
                "--listen",
                &listen,
                "--upstream",
                "31337=http://127.0.0.1:9",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Server {
            child,
            addr: format!("http://{listen}"),
            token: None,
            http: reqwest::Client::new(),
        };
        s.wait_up().await;
        s
    }

    pub async fn wait_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self
                .http
                .get(format!("{}/healthz", self.addr))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server at {} did not come up", self.addr);
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.admin_as(self.token.as_deref(), method, path, body)
            .await
    }

    pub async fn admin_as(
        &self,
        token: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.addr));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A JSON-RPC call; returns (HTTP status, full response object).
    pub async fn rpc_as(&self, token: Option<&str>, method: &str, params: Value) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.raw_rpc(token, body.to_string().into_bytes()).await
    }

    pub async fn rpc(&self, method: &str, params: Value) -> (u16, Value) {
        self.rpc_as(self.token.as_deref(), method, params).await
    }

    pub async fn raw_rpc(&self, token: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        let mut req = self
            .http
            .post(&self.addr)
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn import_hardhat0(&self) -> Value {
        let (status, key) = self
            .admin(
                reqwest::Method::POST,
                "/v1/keys/import",
                Some(json!({"private_key": HARDHAT0})),
            )
            .await;
        assert_eq!(status, 201, "{key}");
        key
    }
}

pub fn error_code(v: &Value) -> i64 {
    v["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected a JSON-RPC error, got {v}"))
}

pub fn error_message(v: &Value) -> String {
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Runs the CLI synchronously; returns (exit code, stdout, stderr).
pub fn cli(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

pub fn data_dir_in(t: &tempfile::TempDir) -> PathBuf {
    t.path().join("data")
}
