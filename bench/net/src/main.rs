//! netbench: loopback traffic for Palisade's network benchmarks. Every mode is bounded in time
//! and in request count and stops by itself; it only ever connects to 127.0.0.0/8.
//!
//! Modes:
//!   upstream ADDR                      mock JSON-RPC node (fixed answer), keep-alive
//!   latency URL N [TOKEN]              N sequential requests on one connection: percentiles
//!   throughput URL CONNS SECS [TOKEN]  closed loop on CONNS connections: requests/s
//!   load ADDR LEGIT_TOKEN FLOOD_TOKEN SECS FLOOD_RPS LEGIT_RPS SLOWLORIS PID
//!                                      the DDoS acceptance scenario; prints figures, exit 1 on miss
#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn loopback(addr: &SocketAddr) -> Res<()> {
    match addr.ip() {
        IpAddr::V4(v4) if v4.is_loopback() => Ok(()),
        IpAddr::V6(v6) if v6.is_loopback() => Ok(()),
        _ => Err(
            format!("{addr} is not a loopback address: netbench only targets this machine").into(),
        ),
    }
}

fn parse_url(url: &str) -> Res<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("URL must start with http://")?;
    let host = rest.split('/').next().unwrap_or(rest);
    let addr: SocketAddr = host.parse()?;
    loopback(&addr)?;
    Ok(addr)
}

async fn connect_from(src: Option<IpAddr>, dst: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    if let Some(ip) = src {
        sock.bind(SocketAddr::new(ip, 0))?;
    }
    let s = sock.connect(dst).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

fn request(token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns the status.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            let head =
                std::str::from_utf8(&buf[..end]).map_err(|_| std::io::ErrorKind::InvalidData)?;
            let status: u16 = head
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .ok_or(std::io::ErrorKind::InvalidData)?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let total = end + 4 + len;
            while buf.len() < total {
                let mut tmp = [0u8; 16384];
                let n = s.read(&mut tmp).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            buf.drain(..total);
            return Ok(status);
        }
        let mut tmp = [0u8; 16384];
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// A keep-alive client connection that reconnects after an error.
struct Client {
    dst: SocketAddr,
    src: Option<IpAddr>,
    conn: Option<TcpStream>,
    buf: Vec<u8>,
    req: Vec<u8>,
}

impl Client {
    fn new(dst: SocketAddr, src: Option<IpAddr>, token: Option<&str>) -> Self {
        Self {
            dst,
            src,
            conn: None,
            buf: Vec::new(),
            req: request(token, BODY),
        }
    }

    async fn call(&mut self) -> std::io::Result<u16> {
        if self.conn.is_none() {
            self.conn = Some(connect_from(self.src, self.dst).await?);
            self.buf.clear();
        }
        let Some(c) = self.conn.as_mut() else {
            return Err(std::io::ErrorKind::NotConnected.into());
        };
        let r = async {
            c.write_all(&self.req).await?;
            read_response(c, &mut self.buf).await
        }
        .await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

// ------------------------------------------------------------------------------ upstream mock

async fn upstream(addr: SocketAddr, secs: u64) -> Res<()> {
    loopback(&addr)?;
    let l = TcpListener::bind(addr).await?;
    let answer = r#"{"jsonrpc":"2.0","id":1,"result":"0x10"}"#;
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
        answer.len()
    )
    .into_bytes();
    let resp = Arc::new(resp);
    let deadline = tokio::time::sleep(Duration::from_secs(secs));
    tokio::pin!(deadline);
    loop {
        let (mut s, _) = tokio::select! {
            a = l.accept() => a?,
            () = &mut deadline => return Ok(()),
        };
        let _ = s.set_nodelay(true);
        let resp = resp.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            loop {
                // One request: headers, then Content-Length bytes.
                let end = loop {
                    if let Some(e) = find(&buf, b"\r\n\r\n") {
                        break e;
                    }
                    let mut tmp = [0u8; 8192];
                    match s.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&tmp[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < end + 4 + len {
                    let mut tmp = [0u8; 8192];
                    match s.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&tmp[..n]),
                    }
                }
                buf.drain(..end + 4 + len);
                if s.write_all(&resp).await.is_err() {
                    return;
                }
            }
        });
    }
}

// --------------------------------------------------------------------- latency / throughput

async fn latency(url: &str, n: usize, token: Option<&str>) -> Res<()> {
    let dst = parse_url(url)?;
    let mut c = Client::new(dst, None, token);
    for _ in 0..n.min(200) {
        c.call().await?; // warm-up
    }
    let mut lat = Vec::with_capacity(n);
    let mut bad = 0;
    for _ in 0..n {
        let t = Instant::now();
        let st = c.call().await?;
        lat.push(t.elapsed());
        if st != 200 {
            bad += 1;
        }
    }
    lat.sort();
    println!(
        "latency n={n} non200={bad} p50_us={:.1} p90_us={:.1} p99_us={:.1} max_us={:.1}",
        us(pct(&lat, 0.5)),
        us(pct(&lat, 0.9)),
        us(pct(&lat, 0.99)),
        us(*lat.last().unwrap_or(&Duration::ZERO))
    );
    Ok(())
}

async fn throughput(url: &str, conns: usize, secs: u64, token: Option<&str>) -> Res<()> {
    let dst = parse_url(url)?;
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (stop, ok, bad) = (stop.clone(), ok.clone(), bad.clone());
        let token = token.map(str::to_string);
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(dst, None, token.as_deref());
            while !stop.load(Ordering::Relaxed) {
                match c.call().await {
                    Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                    _ => bad.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // warm-up
    let (o0, t0) = (ok.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (o1, el) = (ok.load(Ordering::Relaxed), t0.elapsed());
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    println!(
        "throughput conns={conns} secs={secs} rps={:.0} errors={}",
        (o1 - o0) as f64 / el.as_secs_f64(),
        bad.load(Ordering::Relaxed)
    );
    Ok(())
}

// ----------------------------------------------------------------------------- load scenario

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[derive(Default)]
struct Tally {
    ok: u64,
    s429: u64,
    s503: u64,
    other: u64,
    errors: u64,
    lat: Vec<Duration>,
}

#[allow(clippy::too_many_arguments)]
async fn load(
    addr: SocketAddr,
    legit_token: String,
    flood_token: String,
    secs: u64,
    flood_rps: u64,
    legit_rps: u64,
    slowloris: usize,
    pid: u32,
) -> Res<bool> {
    loopback(&addr)?;
    let stop = Arc::new(AtomicBool::new(false));
    let end = Instant::now() + Duration::from_secs(secs);
    let rss_start = rss_kib(pid).unwrap_or(0);

    // Slowloris: connections from 127.0.0.3 and 127.0.0.4 that send headers one byte at a
    // time and reconnect when the server closes them.
    let slow_open = Arc::new(AtomicU64::new(0));
    let slow_closed = Arc::new(AtomicU64::new(0));
    let mut slow_tasks = Vec::new();
    for i in 0..slowloris {
        let src: IpAddr = if i % 2 == 0 {
            [127, 0, 0, 3].into()
        } else {
            [127, 0, 0, 4].into()
        };
        let (stop, open, closed) = (stop.clone(), slow_open.clone(), slow_closed.clone());
        slow_tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut s) = connect_from(Some(src), addr).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                open.fetch_add(1, Ordering::Relaxed);
                let _ = s.write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if s.write_all(b"X").await.is_err() {
                        break;
                    }
                    let mut b = [0u8; 64];
                    match tokio::time::timeout(Duration::from_millis(1), s.read(&mut b)).await {
                        Ok(Ok(0)) | Ok(Err(_)) => break,
                        _ => {}
                    }
                }
                closed.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Flood: open loop at FLOOD_RPS from 127.0.0.2 over 64 connections, one credential.
    let flood = Arc::new(tokio::sync::Mutex::new(Tally::default()));
    let mut flood_tasks = Vec::new();
    let flood_conns = 64u64;
    let per_conn_interval = Duration::from_secs_f64(flood_conns as f64 / flood_rps.max(1) as f64);
    let flood_sent = Arc::new(AtomicU64::new(0));
    let flood_cap = flood_rps * secs; // bounded in count as well as time
    for _ in 0..flood_conns {
        let (stop, flood, token, sent) = (
            stop.clone(),
            flood.clone(),
            flood_token.clone(),
            flood_sent.clone(),
        );
        flood_tasks.push(tokio::spawn(async move {
            let mut c = Client::new(addr, Some([127, 0, 0, 2].into()), Some(&token));
            let mut tick = tokio::time::interval(per_conn_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut local = Tally::default();
            while !stop.load(Ordering::Relaxed) && sent.fetch_add(1, Ordering::Relaxed) < flood_cap
            {
                tick.tick().await;
                let t = Instant::now();
                match c.call().await {
                    Ok(200) => local.ok += 1,
                    Ok(429) => local.s429 += 1,
                    Ok(503) => local.s503 += 1,
                    Ok(_) => local.other += 1,
                    Err(_) => local.errors += 1,
                }
                local.lat.push(t.elapsed());
            }
            let mut f = flood.lock().await;
            f.ok += local.ok;
            f.s429 += local.s429;
            f.s503 += local.s503;
            f.other += local.other;
            f.errors += local.errors;
            f.lat.extend(local.lat);
        }));
    }

    // Memory sampler.
    let peak = Arc::new(AtomicU64::new(rss_start));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(r) = rss_kib(pid) {
                    peak.fetch_max(r, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };

    // Legitimate client: LEGIT_RPS from 127.0.0.1, within its credential's quota.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut legit = Tally::default();
    let mut c = Client::new(addr, Some([127, 0, 0, 1].into()), Some(&legit_token));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / legit_rps.max(1) as f64));
    let legit_end = end - Duration::from_millis(500);
    while Instant::now() < legit_end {
        tick.tick().await;
        let t = Instant::now();
        match c.call().await {
            Ok(200) => legit.ok += 1,
            Ok(429) => legit.s429 += 1,
            Ok(503) => legit.s503 += 1,
            Ok(_) => legit.other += 1,
            Err(_) => legit.errors += 1,
        }
        legit.lat.push(t.elapsed());
    }
    tokio::time::sleep_until(end.into()).await;
    stop.store(true, Ordering::Relaxed);
    for t in flood_tasks {
        let _ = t.await;
    }
    for t in slow_tasks {
        t.abort();
    }
    let _ = sampler.await;
    let rss_end = rss_kib(pid).unwrap_or(0);

    let f = flood.lock().await;
    let mut fl = f.lat.clone();
    fl.sort();
    legit.lat.sort();
    let legit_total = legit.ok + legit.s429 + legit.s503 + legit.other + legit.errors;
    let success = legit.ok as f64 / legit_total.max(1) as f64;
    let flood_total = f.ok + f.s429 + f.s503 + f.other + f.errors;
    let refused = (f.s429 + f.s503) as f64 / flood_total.max(1) as f64;
    let legit_p99 = pct(&legit.lat, 0.99);
    println!("duration_s={secs} slowloris_conns={slowloris} slowloris_connects={} slowloris_closed_by_server={}", slow_open.load(Ordering::Relaxed), slow_closed.load(Ordering::Relaxed));
    println!(
        "flood: offered_rps={flood_rps} sent={flood_total} achieved_rps={:.0} ok={} 429={} 503={} other={} errors={} refused_share={:.3} p50_ms={:.2} p99_ms={:.2}",
        flood_total as f64 / secs as f64,
        f.ok,
        f.s429,
        f.s503,
        f.other,
        f.errors,
        refused,
        us(pct(&fl, 0.5)) / 1e3,
        us(pct(&fl, 0.99)) / 1e3
    );
    println!(
        "legit: rps={legit_rps} sent={legit_total} ok={} 429={} 503={} other={} errors={} success={:.4} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        legit.ok,
        legit.s429,
        legit.s503,
        legit.other,
        legit.errors,
        success,
        us(pct(&legit.lat, 0.5)) / 1e3,
        us(legit_p99) / 1e3,
        us(*legit.lat.last().unwrap_or(&Duration::ZERO)) / 1e3
    );
    let peak = peak.load(Ordering::Relaxed);
    println!("server_rss_kib: start={rss_start} peak={peak} end={rss_end}");
    let pass = success >= 0.99
        && legit_p99 < Duration::from_millis(20)
        && refused > 0.9
        && pct(&fl, 0.99) < Duration::from_millis(50);
    println!(
        "verdict: legit_success>=0.99:{} legit_p99<20ms:{} flood_refused>90%:{} flood_p99<50ms:{} => {}",
        success >= 0.99,
        legit_p99 < Duration::from_millis(20),
        refused > 0.9,
        pct(&fl, 0.99) < Duration::from_millis(50),
        if pass { "PASS" } else { "FAIL" }
    );
    Ok(pass)
}

fn arg(args: &[String], i: usize) -> Res<&str> {
    args.get(i).map(String::as_str).ok_or_else(|| {
        format!("missing argument {i}; see the header of bench/net/src/main.rs").into()
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let r: Res<bool> = async {
        match arg(&args, 1)? {
            "upstream" => upstream(
                arg(&args, 2)?.parse()?,
                arg(&args, 3).unwrap_or("3600").parse()?,
            )
            .await
            .map(|()| true),
            "latency" => latency(
                arg(&args, 2)?,
                arg(&args, 3)?.parse()?,
                args.get(4).map(String::as_str),
            )
            .await
            .map(|()| true),
            "throughput" => throughput(
                arg(&args, 2)?,
                arg(&args, 3)?.parse()?,
                arg(&args, 4)?.parse()?,
                args.get(5).map(String::as_str),
            )
            .await
            .map(|()| true),
            "load" => {
                load(
                    arg(&args, 2)?.parse()?,
                    arg(&args, 3)?.to_string(),
                    arg(&args, 4)?.to_string(),
                    arg(&args, 5)?.parse()?,
                    arg(&args, 6)?.parse()?,
                    arg(&args, 7)?.parse()?,
                    arg(&args, 8)?.parse()?,
                    arg(&args, 9)?.parse()?,
                )
                .await
            }
            other => Err(format!("unknown mode `{other}`").into()),
        }
    }
    .await;
    match r {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
