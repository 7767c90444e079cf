//! Network defences on the real binary: admin listener separation, rate limits (429 +
//! Retry-After, batch items counted), firewall refusals with metrics, `eth_getLogs` range cap,
//! per-credential method allowlists, slowloris header timeout, TLS 1.3 / mTLS refusal at the
//! handshake, certificate reload, and `palisade probe` against anvil and Palisade.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// `palisade serve --dev --config <toml>`; `scheme` is how to reach the public listener.
async fn dev_with_config(
    dir: &Path,
    toml: &str,
    listen: &str,
    client: reqwest::Client,
    scheme: &str,
) -> Server {
    let cfg = dir.join("palisade.toml");
    std::fs::write(&cfg, toml).unwrap();
    let s = Server::spawn_dev(
        listen,
        &["--config", cfg.to_str().unwrap()],
        format!("{scheme}://{listen}"),
        client,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(listen).is_err() {
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    s
}

fn local(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

#[tokio::test]
async fn admin_api_is_only_on_the_admin_listener() {
    let t = tempdir();
    let (public, admin) = (free_port(), free_port());
    let toml = format!(
        "[admin_listener]\nlisten = \"{}\"\nallow_cidrs = [\"127.0.0.1/32\"]\n",
        local(admin)
    );
    let s = dev_with_config(
        t.path(),
        &toml,
        &local(public),
        reqwest::Client::new(),
        "http",
    )
    .await;
    let admin_url = format!("http://{}", local(admin));

    // Public listener: no admin API, no metrics, but JSON-RPC and health.
    let (st, v) = s.admin(Method::POST, "/v1/keys", Some(json!({}))).await;
    assert_eq!(st, 404, "{v}");
    let (st, _) = s.admin(Method::GET, "/v1/sys/status", None).await;
    assert_eq!(st, 404);
    let (st, _) = s.admin(Method::GET, "/metrics", None).await;
    assert_eq!(st, 404);
    let (st, _) = s.admin(Method::GET, "/%761/keys", None).await;
    assert_eq!(st, 404);
    let (st, v) = s.rpc("eth_chainId", json!([])).await;
    assert_eq!((st, v["result"].as_str()), (200, Some("0x7a69")), "{v}");

    // Admin listener: the admin API works there, JSON-RPC does not.
    let admin_srv = Server {
        child: Command::new("true").spawn().unwrap(),
        addr: admin_url.clone(),
        token: s.token.clone(),
        http: reqwest::Client::new(),
    };
    let (st, v) = admin_srv
        .admin(Method::POST, "/v1/keys", Some(json!({})))
        .await;
    assert_eq!(st, 201, "{v}");
    let (st, _) = admin_srv.rpc("eth_chainId", json!([])).await;
    assert_eq!(st, 404);
    let m = reqwest::get(format!("{admin_url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("palisade_sealed 0"), "{m}");

    // Source allowlist: 127.0.0.2 is not allowed on the admin listener (closed at accept).
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    assert!(other
        .get(format!("{admin_url}/v1/sys/status"))
        .send()
        .await
        .is_err());
    assert!(other
        .get(format!("{}/healthz", s.addr))
        .send()
        .await
        .is_ok());
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_count_batch_items() {
    let t = tempdir();
    let port = free_port();
    let toml = "[rate_limits]\nper_credential = { rate = 2, burst = 10 }\nper_ip = { rate = 1000, burst = 1000 }\n[rate_limits.costs]\neth_getLogs = 4\n";
    let s = dev_with_config(t.path(), toml, &local(port), reqwest::Client::new(), "http").await;
    let tok = s.token.clone();
    // A batch of 10 items spends the whole burst of 10 …
    let batch: Vec<Value> = (0..10)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}))
        .collect();
    let (st, v) = s
        .raw_rpc(tok.as_deref(), serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(st, 200, "{v}");
    // … so the next request is refused at once with 429 and Retry-After.
    let resp = s
        .http
        .post(&s.addr)
        .bearer_auth(tok.as_deref().unwrap())
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "retry-after {retry}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), -32029);
    assert!(
        error_message(&v).contains("rate limit exceeded (credential limit)"),
        "{v}"
    );
    // A batch costing more than the burst can never pass: the message says what to do.
    // (Refill the bucket first. Not exactly 5 s: that is also the server's idle timeout, and a
    // connection closed at the very moment the client reuses it fails the request.)
    tokio::time::sleep(Duration::from_millis(5_600)).await;
    let batch: Vec<Value> = (0..3)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_getLogs", "params": [{}]}))
        .collect();
    let (st, v) = s
        .raw_rpc(tok.as_deref(), serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(st, 429, "{v}");
    // Every item of the refused batch is answered with its own id.
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v[2]["id"], 2, "{v}");
    assert!(error_message(&v[0]).contains("split the batch"), "{v}");
    // Another credential has its own budget.
    let (_, c) = s
        .admin(
            Method::POST,
            "/v1/credentials",
            Some(json!({"name": "other", "methods": ["read"]})),
        )
        .await;
    let (st, _) = s
        .rpc_as(c["token"].as_str(), "eth_chainId", json!([]))
        .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn firewall_refusals_are_clear_and_counted() {
    let t = tempdir();
    let port = free_port();
    let toml = "[firewall]\nmax_get_logs_blocks = 1000\n";
    let s = dev_with_config(t.path(), toml, &local(port), reqwest::Client::new(), "http").await;

    let (_, v) = s.rpc("admin_peers", json!([])).await;
    assert_eq!(error_code(&v), -32001);
    assert!(
        error_message(&v).contains("`admin_` namespace is never forwarded"),
        "{v}"
    );

    // A huge eth_getLogs range is refused before it reaches the node (the upstream here is
    // not even running).
    let (_, v) = s
        .rpc(
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "0xf4240"}]),
        )
        .await;
    assert_eq!(error_code(&v), -32001, "{v}");
    assert!(
        error_message(&v).contains("1000001 blocks exceeds the limit of 1000"),
        "{v}"
    );
    let (_, v) = s
        .rpc(
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "0x10"}]),
        )
        .await;
    assert_eq!(
        error_code(&v),
        -32005,
        "a narrow range is forwarded (and fails upstream here): {v}"
    );

    // A credential with its own method allowlist.
    let (st, c) = s
        .admin(Method::POST, "/v1/credentials", Some(json!({"name": "reader", "methods": ["read"], "rpc_methods": ["eth_chainId", "net_*"]})))
        .await;
    assert_eq!(st, 201, "{c}");
    let tok = c["token"].as_str().unwrap();
    let (_, v) = s.rpc_as(Some(tok), "eth_chainId", json!([])).await;
    assert_eq!(v["result"], "0x7a69");
    let (_, v) = s.rpc_as(Some(tok), "eth_accounts", json!([])).await;
    assert_eq!(error_code(&v), -32001);
    assert!(
        error_message(&v).contains("not in the method allowlist"),
        "{v}"
    );

    let m = s.metrics().await;
    for series in [
        "palisade_firewall_denied_total{reason=\"hard_denied\"} 1",
        "palisade_firewall_denied_total{reason=\"get_logs_range\"} 1",
        "palisade_firewall_denied_total{reason=\"credential_allowlist\"} 1",
        "palisade_rpc_requests_total{method=\"admin_\",outcome=\"denied\"} 1",
        "palisade_rpc_requests_total{method=\"eth_chainId\",outcome=\"ok\"}",
        "palisade_rpc_request_duration_seconds_bucket{method=\"eth_chainId\",le=\"0.005\"}",
    ] {
        assert!(m.contains(series), "missing `{series}` in\n{m}");
    }
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let t = tempdir();
    let port = free_port();
    let toml = "[overload]\nheader_read_timeout_ms = 1000\n";
    let _s = dev_with_config(t.path(), toml, &local(port), reqwest::Client::new(), "http").await;
    let started = Instant::now();
    let mut c = TcpStream::connect(local(port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut buf = [0u8; 256];
    // Drip one header byte at a time; the server must close after ~1 s anyway.
    let mut closed = false;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(100));
        if c.write_all(b"X").is_err() {
            closed = true;
            break;
        }
        c.set_nonblocking(true).unwrap();
        let r = c.read(&mut buf);
        c.set_nonblocking(false).unwrap();
        if matches!(r, Ok(0)) || matches!(r, Ok(n) if n > 0) {
            closed = true;
            break;
        }
    }
    let took = started.elapsed();
    assert!(closed, "connection still open after {took:?}");
    assert!(
        took < Duration::from_millis(2500),
        "closed only after {took:?}"
    );
    // An idle connection that sends nothing is closed too.
    let mut c = TcpStream::connect(local(port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let r = c.read(&mut buf);
    assert!(matches!(r, Ok(0)) || r.is_err(), "{r:?}");
    assert!(started.elapsed() < Duration::from_millis(2500));
}

// ------------------------------------------------------------------------------- TLS and mTLS

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate signed by `ca`.
fn mint(dir: &Path, ca: &str, name: &str, server: bool) {
    if !dir.join(format!("{ca}.pem")).exists() {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
                "-days",
                "2",
                "-subj",
                &format!("/CN={ca}"),
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={name}"),
        ],
    );
    let ext = if server {
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    } else {
        "extendedKeyUsage=clientAuth\n"
    };
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

fn der_fingerprint(pem_path: &Path) -> String {
    let out = Command::new("openssl")
        .args([
            "x509",
            "-in",
            pem_path.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha256",
        ])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    s.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_ascii_lowercase()
}

fn client(dir: &Path, identity: Option<&str>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca);
    if let Some(name) = identity {
        let mut pem = std::fs::read(dir.join(format!("{name}.pem"))).unwrap();
        pem.extend(std::fs::read(dir.join(format!("{name}.key"))).unwrap());
        b = b.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test]
async fn mtls_refuses_clients_without_a_valid_certificate_at_the_handshake() {
    let t = tempdir();
    let d = t.path();
    mint(d, "ca", "server", true);
    mint(d, "ca", "alice", false);
    mint(d, "ca", "bob", false);
    mint(d, "rogue-ca", "mallory", false);
    let alice_fp = der_fingerprint(&d.join("alice.pem"));
    let port = free_port();
    let toml = format!(
        "[tls]\ncert = \"{0}/server.pem\"\nkey = \"{0}/server.key\"\nclient_ca = \"{0}/ca.pem\"\n[tls.client_credentials]\n\"{alice_fp}\" = \"00000000000000aa\"\n",
        d.display()
    );
    let s = dev_with_config(d, &toml, &local(port), client(d, Some("bob")), "https").await;

    // No client certificate: the handshake fails, no HTTP exchange happens.
    let err = client(d, None)
        .get(format!("{}/healthz", s.addr))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    // A certificate from another CA: refused the same way.
    let mut pem = std::fs::read(d.join("mallory.pem")).unwrap();
    pem.extend(std::fs::read(d.join("mallory.key")).unwrap());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
    let rogue = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    assert!(rogue
        .get(format!("{}/healthz", s.addr))
        .send()
        .await
        .is_err());
    // Plain HTTP on the TLS port gets nothing useful either.
    assert!(!reqwest::get(format!("http://{}/healthz", local(port)))
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false));

    // Bob's certificate (valid, not mapped) is accepted; with the bearer token the request works.
    let (st, v) = s.rpc("eth_chainId", json!([])).await;
    assert_eq!((st, v["result"].as_str()), (200, Some("0x7a69")), "{v}");
    let (st, _) = s.rpc_as(None, "eth_chainId", json!([])).await;
    assert_eq!(
        st, 401,
        "an unmapped certificate alone does not authenticate"
    );
    // Alice's certificate maps to a credential id (here one that does not exist): the mapping
    // is what authenticates her, and it is refused with a clear reason.
    let alice = Server {
        child: Command::new("true").spawn().unwrap(),
        addr: s.addr.clone(),
        token: None,
        http: client(d, Some("alice")),
    };
    let (st, v) = alice.rpc_as(None, "eth_chainId", json!([])).await;
    assert_eq!(st, 401, "{v}");
    assert!(
        error_message(&v)
            .contains("client certificate maps to unknown credential `00000000000000aa`"),
        "{v}"
    );
}

#[tokio::test]
async fn tls_certificate_is_reloaded_without_restart() {
    let t = tempdir();
    let d = t.path();
    mint(d, "ca", "server", true);
    let port = free_port();
    let toml = format!(
        "[tls]\ncert = \"{0}/server.pem\"\nkey = \"{0}/server.key\"\nreload_interval_secs = 1\n",
        d.display()
    );
    let s = dev_with_config(d, &toml, &local(port), client(d, None), "https").await;
    let served = || {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("openssl s_client -connect {} -tls1_3 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256", local(port)))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .rsplit('=')
            .next()
            .unwrap_or("")
            .replace(':', "")
            .to_ascii_lowercase()
    };
    let before = served();
    assert_eq!(before, der_fingerprint(&d.join("server.pem")));
    // TLS 1.2 is refused (TLS 1.3 only).
    let tls12 = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect {} -tls1_2 </dev/null",
            local(port)
        ))
        .output()
        .unwrap();
    assert!(!tls12.status.success(), "TLS 1.2 handshake succeeded");

    // New certificate files (new key, new serial): picked up within the reload interval.
    std::thread::sleep(Duration::from_millis(1100));
    mint(d, "ca", "server", true);
    let after_expected = der_fingerprint(&d.join("server.pem"));
    assert_ne!(before, after_expected);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if served() == after_expected {
            break;
        }
        assert!(Instant::now() < deadline, "certificate was not reloaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (st, _) = s.rpc("eth_chainId", json!([])).await;
    assert_eq!(st, 200);
}

// ------------------------------------------------------------------------------------- probe

/// anvil from the e2e suite's npm install, or `ANVIL`.
fn anvil_bin() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("ANVIL") {
        return Some(p.into());
    }
    if let Ok(out) = Command::new("sh").args(["-c", "command -v anvil"]).output() {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !p.is_empty() {
            return Some(p.into());
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testing/e2e/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    root.exists().then_some(root)
}

#[tokio::test]
async fn probe_flags_anvil_and_passes_palisade() {
    // Palisade's own public listener (no token): nothing answers, nothing to flag.
    let s = Server::dev(&[]).await;
    let (code, out, err) = cli(&["probe", &s.addr], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no dangerous exposure found"), "{out}");

    let Some(anvil) = anvil_bin() else {
        panic!("anvil not found: run testing/e2e/setup.sh (npm @foundry-rs/anvil) or set ANVIL");
    };
    let port = free_port();
    let mut child = Command::new(anvil)
        .args(["--port", &port.to_string(), "--silent"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(local(port)).is_err() {
        assert!(Instant::now() < deadline, "anvil did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, out, err) = cli(
        &[
            "probe",
            &format!("http://{}", local(port)),
            "--format",
            "json",
        ],
        &[],
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for want in ["rpc-accounts-exposed", "rpc-dev-namespace"] {
        assert!(ids.contains(&want), "{want} not in {ids:?}");
    }
    let (code, _, err) = cli(&["probe", "http://127.0.0.1:9"], &[]);
    assert_eq!(code, 2, "{err}");
}

/// Past `max_in_flight` requests being worked on, the next one is refused at once with 503,
/// `Retry-After` and the "overloaded" JSON-RPC code instead of waiting in a queue; the shed is
/// counted, and once the slots free up requests are served again.
#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_shed_with_503() {
    // An upstream that accepts connections and never answers holds two requests in flight.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up_port = upstream.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in upstream.incoming().flatten() {
            held.push(c);
        }
    });
    let t = tempdir();
    let port = free_port();
    let toml = format!(
        "[overload]\nmax_in_flight = 2\n\n[limits]\nupstream_timeout_ms = 3000\n\n[[chains]]\nid = 31337\nupstream = \"http://127.0.0.1:{up_port}\"\n"
    );
    let s = dev_with_config(
        t.path(),
        &toml,
        &local(port),
        reqwest::Client::new(),
        "http",
    )
    .await;
    // Each hold ends with its status and whether it was shed on arrival (a replacement hold
    // can reach the server while a probe holds the slot it was meant to take).
    let hang = |s: &Server| {
        let (http, addr, tok) = (s.http.clone(), s.addr.clone(), s.token.clone().unwrap());
        tokio::spawn(async move {
            let resp = http
                .post(format!("{addr}/"))
                .bearer_auth(tok)
                .json(
                    &json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}),
                )
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            (
                status,
                status == 503 && error_message(&v).contains("overloaded"),
            )
        })
    };
    let mut held = vec![hang(&s), hang(&s)];
    let mut ended_early = Vec::new();
    // Once both are being worked on (the metrics page is behind the same limit, so the only
    // way to tell is to ask), a third request is refused at once. A hold that ends (the
    // upstream timeout) before a probe saw both is replaced, so slow scheduling of the test
    // itself cannot make the window close unobserved.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (resp, fast) = loop {
        for h in held.iter_mut() {
            if h.is_finished() {
                let done = std::mem::replace(h, hang(&s));
                let (status, shed_on_arrival) = done.await.unwrap();
                if !shed_on_arrival {
                    ended_early.push(status);
                }
            }
        }
        let started = Instant::now();
        let resp = s
            .http
            .post(format!("{}/", s.addr))
            .bearer_auth(s.token.clone().unwrap())
            .json(&json!({"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []}))
            .send()
            .await
            .unwrap();
        if resp.status() == 503 {
            break (resp, started.elapsed());
        }
        assert_eq!(resp.status(), 200);
        assert!(
            Instant::now() < deadline,
            "no request was ever shed (holds that ended: {ended_early:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), -32030, "{v}");
    assert!(error_message(&v).contains("overloaded"), "{v}");
    assert!(
        fast < Duration::from_millis(500),
        "the refusal must be immediate, took {fast:?}"
    );

    // The held requests end with the upstream timeout; then the server serves again.
    for h in held {
        let (status, shed_on_arrival) = h.await.unwrap();
        if !shed_on_arrival {
            ended_early.push(status);
        }
    }
    assert!(
        ended_early.iter().all(|st| *st == 200),
        "held requests end with the upstream timeout's JSON-RPC error: {ended_early:?}"
    );
    let (st, v) = s.rpc("eth_chainId", json!([])).await;
    assert_eq!((st, v["result"].as_str()), (200, Some("0x7a69")), "{v}");
    let m = s.metrics().await;
    let shed: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("palisade_shed_total{reason=\"in_flight\"} "))
        .unwrap_or_else(|| panic!("missing the shed count in\n{m}"))
        .parse()
        .unwrap();
    assert!(shed >= 1);
}
