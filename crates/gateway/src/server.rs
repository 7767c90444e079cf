//! Serving: hyper's HTTP/1 builder with a timer (slow or stalled headers time out — slowloris),
//! optional TLS 1.3 / mTLS per listener, caps on open connections (global and per source IP),
//! source-address allowlists, a separate admin listener, per-IP rate limits before
//! authentication, a global in-flight limit that sheds load with an immediate 503, body-read
//! and request timeouts, and graceful shutdown.
//!
//! Everything here is shared by all listeners of one process through one [`Guard`]: a limit
//! that each listener (or each clone of a router) kept for itself would multiply under load.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use futures_util::FutureExt as _;
use http_body_util::{BodyExt as _, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use palisade_node::config::{allowed_by, Cidr, Config};
use parking_lot::Mutex;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

use crate::limits::{Limited as RateLimited, RateLimits};
use crate::metrics;
use crate::tls::TlsState;
use crate::App;

/// JSON-RPC error code for "rate limited" (HTTP 429).
pub const RATE_LIMITED: i64 = -32029;
/// JSON-RPC error code for "overloaded, retry" (HTTP 503).
pub const OVERLOADED: i64 = -32030;

/// Options of the single-listener [`serve`].
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            max_connections: 4096,
        }
    }
}

/// The process-wide defences every listener shares.
pub struct Guard {
    pub limits: RateLimits,
    in_flight: Arc<Semaphore>,
    max_connections: usize,
    connections: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    max_per_ip: usize,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    request_timeout: Duration,
    max_body: usize,
}

impl Guard {
    pub fn from_config(c: &Config) -> Arc<Self> {
        let o = &c.overload;
        Arc::new(Self {
            limits: RateLimits::new(&c.rate_limits),
            in_flight: Arc::new(Semaphore::new(o.max_in_flight)),
            max_connections: o.max_connections,
            connections: Arc::new(Semaphore::new(o.max_connections)),
            per_ip: Mutex::new(HashMap::new()),
            max_per_ip: o.max_connections_per_ip,
            header_read_timeout: Duration::from_millis(o.header_read_timeout_ms),
            body_read_timeout: Duration::from_millis(o.body_read_timeout_ms),
            request_timeout: Duration::from_millis(o.request_timeout_ms),
            max_body: c.limits.max_body_bytes,
        })
    }

    fn take_ip_slot(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        let mut map = self.per_ip.lock();
        let n = map.entry(ip).or_default();
        if *n >= self.max_per_ip {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            guard: self.clone(),
            ip,
        })
    }
}

/// One open connection of a source IP; released on drop.
struct IpSlot {
    guard: Arc<Guard>,
    ip: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut map = self.guard.per_ip.lock();
        if let Some(n) = map.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// What a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything (no separate admin listener configured).
    Combined,
    /// JSON-RPC and health only; the admin API and metrics are not served here.
    Public,
    /// The admin API, health and metrics only.
    Admin,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Combined => "combined",
            Role::Public => "public",
            Role::Admin => "admin",
        }
    }

    /// Whether a request path belongs on this listener. Axum matches raw paths exactly, so a
    /// path that is not literally `/v1/...` cannot reach an admin route; the public listener
    /// refuses percent-encoded paths as well, which no JSON-RPC client sends.
    fn serves(self, path: &str) -> bool {
        let admin_path = path == "/metrics" || path == "/v1" || path.starts_with("/v1/");
        let health = path == "/healthz" || path == "/readyz";
        match self {
            Role::Combined => true,
            Role::Public => !admin_path && !path.contains('%') && !path.starts_with("//"),
            Role::Admin => admin_path || health,
        }
    }
}

/// A bound socket and how to serve it.
pub struct Listener {
    pub tcp: TcpListener,
    pub role: Role,
    pub tls: Option<Arc<TlsState>>,
    /// Source networks allowed to connect (empty: any).
    pub allow: Vec<Cidr>,
    /// Browser origins allowed (empty: no check).
    pub origins: Vec<String>,
}

/// Facts about the connection a request came on, as a request extension for the handlers.
pub struct ConnMeta {
    pub guard: Arc<Guard>,
    /// SHA-256 of the client certificate (mTLS), lower-case hex.
    pub client_fingerprint: Option<String>,
    /// The credential that certificate maps to, if any.
    pub client_credential: Option<String>,
    /// Keeps the connection counted against the connection caps for as long as anything uses
    /// it, including a WebSocket session after the upgrade.
    _hold: ConnHold,
    /// Changes when the server shuts down (WebSocket sessions close then).
    pub(crate) stop: watch::Receiver<bool>,
}

/// One accepted connection's place under the global and per-IP caps; released on drop.
struct ConnHold {
    _permit: OwnedSemaphorePermit,
    _slot: IpSlot,
}

impl ConnHold {
    fn new(permit: OwnedSemaphorePermit, slot: IpSlot) -> Self {
        metrics::global().connections(1);
        Self {
            _permit: permit,
            _slot: slot,
        }
    }
}

impl Drop for ConnHold {
    fn drop(&mut self) {
        metrics::global().connections(-1);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS for {addr}: {source}")]
    Tls {
        addr: SocketAddr,
        source: crate::tls::TlsError,
    },
}

/// Binds the listeners a configuration asks for: the public one, and the admin one if set
/// (which then alone serves the admin API and metrics; loopback-only unless `allow_cidrs` says
/// otherwise).
pub async fn bind(config: &Config) -> Result<Vec<Listener>, BindError> {
    let tls = |addr: SocketAddr, t: Option<&palisade_node::config::TlsConfig>| {
        t.map(TlsState::load)
            .transpose()
            .map_err(|source| BindError::Tls { addr, source })
    };
    let tcp = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| BindError::Bind { addr, source })
    };
    let mut out = Vec::new();
    let public_tls = tls(config.listen, config.tls.as_ref())?;
    if public_tls.is_none() && !config.listen.ip().is_loopback() {
        tracing::warn!(address = %config.listen, "public listener without TLS on a non-loopback address: set `[tls]`");
    }
    out.push(Listener {
        tcp: tcp(config.listen).await?,
        role: if config.admin_listener.is_some() {
            Role::Public
        } else {
            Role::Combined
        },
        tls: public_tls,
        allow: config.allow_cidrs.clone(),
        origins: config.allowed_origins.clone(),
    });
    tracing::info!(address = %config.listen, tls = config.tls.is_some(), "listening");
    if let Some(a) = &config.admin_listener {
        let allow = if a.allow_cidrs.is_empty() {
            vec![
                Cidr {
                    addr: IpAddr::from([127, 0, 0, 0]),
                    prefix: 8,
                },
                Cidr {
                    addr: IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
                    prefix: 128,
                },
            ]
        } else {
            a.allow_cidrs.clone()
        };
        out.push(Listener {
            tcp: tcp(a.listen).await?,
            role: Role::Admin,
            tls: tls(a.listen, a.tls.as_ref())?,
            allow,
            origins: Vec::new(),
        });
        tracing::info!(address = %a.listen, tls = a.tls.is_some(), "admin listener");
    }
    Ok(out)
}

/// Serves one plain-HTTP listener with default limits (kept for embedders and tests).
pub async fn serve(
    listener: TcpListener,
    app: impl Into<App>,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut config = Config::default();
    config.overload.header_read_timeout_ms =
        u64::try_from(options.header_read_timeout.as_millis()).unwrap_or(u64::MAX);
    config.overload.max_connections = options.max_connections.max(1);
    let listener = Listener {
        tcp: listener,
        role: Role::Combined,
        tls: None,
        allow: Vec::new(),
        origins: Vec::new(),
    };
    serve_all(vec![listener], app, Guard::from_config(&config), shutdown).await
}

/// Serves all `listeners` until `shutdown` resolves, then lets open requests finish (for up to
/// ten seconds).
pub async fn serve_all(
    listeners: Vec<Listener>,
    app: impl Into<App>,
    guard: Arc<Guard>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let app: App = app.into();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(housekeeping(guard.clone(), stop_rx.clone())));
    for l in listeners {
        if let Some(tls) = &l.tls {
            tasks.push(tokio::spawn(reload_tls(tls.clone(), stop_rx.clone())));
        }
        tasks.push(tokio::spawn(accept_loop(
            l,
            app.clone(),
            guard.clone(),
            stop_rx.clone(),
        )));
    }
    shutdown.await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    // Wait for open connections to finish their requests.
    let all = u32::try_from(guard.max_connections).unwrap_or(u32::MAX);
    let _ =
        tokio::time::timeout(Duration::from_secs(10), guard.connections.acquire_many(all)).await;
    Ok(())
}

/// Prunes idle rate-limit keys and publishes gauges.
async fn housekeeping(guard: Arc<Guard>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                guard.limits.prune();
                let (c, i) = guard.limits.tracked_keys();
                metrics::global().tracked_keys(c, i);
            }
            _ = stop.changed() => return,
        }
    }
}

/// Reloads a listener's certificate when its files change, and on SIGHUP.
async fn reload_tls(tls: Arc<TlsState>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(tls.reload_interval());
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let hangup = async {
            match hup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let hangup = std::future::pending::<()>();
        tokio::select! {
            _ = tick.tick() => match tls.reload_if_changed() {
                Ok(true) => tracing::info!("TLS certificate reloaded (files changed)"),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "TLS reload failed; the previous certificate stays in use"),
            },
            () = hangup => match tls.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded (SIGHUP)"),
                Err(e) => tracing::error!(error = %e, "TLS reload failed; the previous certificate stays in use"),
            },
            _ = stop.changed() => return,
        }
    }
}

async fn accept_loop(l: Listener, app: App, guard: Arc<Guard>, mut stop: watch::Receiver<bool>) {
    let role = l.role;
    let origins: Arc<[String]> = l.origins.into();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = l.tcp.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        // Refusals at accept time close the socket at once rather than queue (fast under a
        // flood, no work done for a peer that is not allowed).
        if !allowed_by(&l.allow, peer.ip()) {
            metrics::global().firewall_denied("source_ip");
            continue;
        }
        let Ok(permit) = guard.connections.clone().try_acquire_owned() else {
            metrics::global().shed("connections");
            continue;
        };
        let Some(slot) = guard.take_ip_slot(peer.ip()) else {
            metrics::global().shed("connections_per_ip");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            app: app.clone(),
            guard: guard.clone(),
            role,
            origins: origins.clone(),
            peer,
            stop: stop.clone(),
        };
        let tls = l.tls.clone();
        tokio::spawn(async move {
            let hold = ConnHold::new(permit, slot);
            match tls {
                None => conn.run(stream, None, None, hold).await,
                Some(tls) => {
                    let handshake = tokio::time::timeout(
                        conn.guard.header_read_timeout,
                        tls.acceptor().accept(stream),
                    )
                    .await;
                    match handshake {
                        Ok(Ok(s)) => {
                            let fp = s
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .map(|c| crate::tls::fingerprint(c));
                            let cred = fp.as_deref().and_then(|f| tls.credential_for(f));
                            conn.run(s, fp, cred, hold).await;
                        }
                        Ok(Err(e)) => {
                            metrics::global().tls_failure(role.label());
                            tracing::debug!(error = %e, %peer, "TLS handshake refused");
                        }
                        Err(_) => {
                            metrics::global().tls_failure(role.label());
                            tracing::debug!(%peer, "TLS handshake timed out");
                        }
                    }
                }
            }
        });
    }
}

struct Conn {
    app: App,
    guard: Arc<Guard>,
    role: Role,
    origins: Arc<[String]>,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
}

impl Conn {
    async fn run<I>(
        self,
        io: I,
        fingerprint: Option<String>,
        credential: Option<String>,
        hold: ConnHold,
    ) where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let meta = Arc::new(ConnMeta {
            guard: self.guard.clone(),
            client_fingerprint: fingerprint,
            client_credential: credential,
            _hold: hold,
            stop: self.stop.clone(),
        });
        let mut stop = self.stop.clone();
        let peer = self.peer;
        let header_timeout = self.guard.header_read_timeout;
        let this = Arc::new(self);
        let svc = tower::service_fn(move |req: Request<hyper::body::Incoming>| {
            let this = this.clone();
            let meta = meta.clone();
            async move { Ok::<_, Infallible>(this.request(req, meta).await) }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        // The header timer also runs while an idle keep-alive connection waits for its next
        // request, so a connection that sends nothing is closed as well.
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true);
        // Upgrades: WebSocket JSON-RPC (`crate::ws`); the socket then leaves hyper.
        let conn = builder
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(svc))
            .with_upgrades();
        tokio::pin!(conn);
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
            }
            _ = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }

    async fn request(
        &self,
        req: Request<hyper::body::Incoming>,
        meta: Arc<ConnMeta>,
    ) -> Response<Body> {
        let started = Instant::now();
        let resp = self.request_inner(req, meta).await;
        metrics::global().http(self.role.label(), resp.status().as_u16(), started.elapsed());
        resp
    }

    async fn request_inner(
        &self,
        req: Request<hyper::body::Incoming>,
        meta: Arc<ConnMeta>,
    ) -> Response<Body> {
        let path = req.uri().path().to_string();
        let admin_style = path.starts_with("/v1");
        if !self.role.serves(&path) {
            return refusal(
                StatusCode::NOT_FOUND,
                admin_style,
                crate::errors::INVALID_REQUEST,
                "no such endpoint (see docs/api.md)",
                None,
            );
        }
        // A WebSocket handshake is not subject to CORS and a browser sends its cookies and
        // client certificate (mTLS) with a cross-site one: an upgrade that carries an `Origin`
        // must name an allowed origin even when the list is empty (then no browser origin may
        // open a WebSocket). Clients outside a browser send no `Origin`.
        let upgrade = crate::ws::is_upgrade(req.headers());
        if !self.origins.is_empty() || upgrade {
            if let Some(origin) = req.headers().get(header::ORIGIN) {
                let ok = origin
                    .to_str()
                    .is_ok_and(|o| self.origins.iter().any(|a| a == o));
                if !ok {
                    metrics::global().firewall_denied("origin");
                    let msg = if self.origins.is_empty() {
                        "WebSocket from a browser origin is refused: list the origin in `allowed_origins` of this Palisade to allow it"
                    } else {
                        "this origin is not in the allowed origins of this Palisade (`allowed_origins`)"
                    };
                    return refusal(
                        StatusCode::FORBIDDEN,
                        admin_style,
                        crate::errors::DENIED,
                        msg,
                        None,
                    );
                }
            }
        }
        // Before authentication: every request costs its source IP one unit.
        if let Err(l) = self.guard.limits.check_ip(self.peer.ip()) {
            return too_many(&l, admin_style);
        }
        // Read the body before taking an in-flight slot, with its own deadline, so slow
        // uploads cannot hold the slots that real work needs.
        let (mut parts, body) = req.into_parts();
        let max = self.guard.max_body;
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(n) = declared.filter(|n| *n > max as u64) {
            // A client still sending would see a connection reset instead of this answer if the
            // socket closed with its body unread: read and drop a moderately oversized body
            // first (bounded in bytes and time, like nginx's lingering close).
            if n <= (max as u64).saturating_mul(DRAIN_FACTOR) {
                let _ = tokio::time::timeout(self.guard.body_read_timeout, async {
                    let mut body = body;
                    while let Some(Ok(_)) = body.frame().await {}
                })
                .await;
            }
            return too_large(max, admin_style);
        }
        let bytes = match tokio::time::timeout(
            self.guard.body_read_timeout,
            Limited::new(body, max).collect(),
        )
        .await
        {
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return too_large(max, admin_style)
            }
            Ok(Err(_)) => {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    admin_style,
                    crate::errors::INVALID_REQUEST,
                    "request body could not be read",
                    None,
                )
            }
            Err(_) => {
                metrics::global().shed("body_timeout");
                return refusal(
                    StatusCode::REQUEST_TIMEOUT,
                    admin_style,
                    crate::errors::INVALID_REQUEST,
                    "request body was not received in time",
                    None,
                );
            }
        };
        // Load shedding: a fixed number of requests are worked on at once across all
        // listeners; the next one is refused at once instead of waiting in a queue.
        let Ok(permit) = self.guard.in_flight.clone().try_acquire_owned() else {
            metrics::global().shed("in_flight");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                admin_style,
                OVERLOADED,
                "server is overloaded: retry shortly",
                Some(1),
            );
        };
        let rpc = match (&self.app.rpc, rpc_route(&path)) {
            (Some(state), Some(chain))
                if parts.method == Method::POST
                    || (parts.method == Method::GET && crate::ws::is_upgrade(&parts.headers)) =>
            {
                Some((state.clone(), chain.map(str::to_owned)))
            }
            _ => None,
        };
        let router = self.app.router.clone();
        let peer = self.peer;
        // The handler runs to completion even when the connection stops waiting for it: on
        // timeout the client is answered, but the work is not cancelled halfway (a signature
        // is never left half-recorded).
        let work = RunToCompletion::new(async move {
            let _permit: OwnedSemaphorePermit = permit;
            metrics::global().in_flight(1);
            let r = match rpc {
                Some((state, chain)) if parts.method == Method::GET => {
                    crate::ws::upgrade(state, peer, meta, parts, chain).await
                }
                // The router's layers for these routes, in their order: a credential that
                // signs its requests goes through the router (its middleware checks the
                // signature); then a blocked source is refused; then the handler.
                Some((state, chain))
                    if crate::signed::signer_required(&state.node, &parts.headers).is_none() =>
                {
                    match crate::audit_api::blocked_source(&state.node, peer.ip()) {
                        Some(refused) => refused,
                        None => {
                            crate::rpc::handle_path(
                                state,
                                peer,
                                Some(meta),
                                parts.headers,
                                chain.as_deref(),
                                bytes,
                            )
                            .await
                        }
                    }
                }
                _ => {
                    parts.extensions.insert(ConnectInfo::<SocketAddr>(peer));
                    parts.extensions.insert(meta);
                    let req = Request::from_parts(parts, Body::from(bytes));
                    match router.oneshot(req).await {
                        Ok(resp) => resp,
                        Err(never) => match never {},
                    }
                }
            };
            metrics::global().in_flight(-1);
            r
        });
        match tokio::time::timeout(self.guard.request_timeout, work).await {
            Ok(Ok(resp)) => resp,
            Ok(Err(_panicked)) => refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                admin_style,
                crate::errors::INTERNAL,
                "internal error",
                None,
            ),
            Err(_) => {
                metrics::global().shed("request_timeout");
                refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    admin_style,
                    OVERLOADED,
                    "request timed out: the server or the upstream node is too slow, retry later",
                    Some(1),
                )
            }
        }
    }
}

/// A request's work, polled in place by its connection's task. If the connection stops
/// waiting before it completes (request timeout, client gone, shutdown), the rest runs to
/// completion in a task of its own instead of being cancelled halfway. A panic is caught and
/// becomes the output's `Err`, as a task's would. Cheaper than a task per request: no task to
/// allocate, no hand-off to another worker, no worker woken to steal it.
struct RunToCompletion<T: 'static> {
    work: Option<Pin<Box<dyn Future<Output = std::thread::Result<T>> + Send>>>,
}

impl<T: Send + 'static> RunToCompletion<T> {
    fn new(work: impl Future<Output = T> + Send + 'static) -> Self {
        Self {
            work: Some(Box::pin(AssertUnwindSafe(work).catch_unwind())),
        }
    }
}

impl<T: 'static> Future for RunToCompletion<T> {
    type Output = std::thread::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(work) = self.work.as_mut() else {
            // Polled again after completing: there is nothing left to produce.
            return Poll::Pending;
        };
        let out = std::task::ready!(work.as_mut().poll(cx));
        self.work = None;
        Poll::Ready(out)
    }
}

impl<T: 'static> Drop for RunToCompletion<T> {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = work.await;
                });
            }
        }
    }
}

impl Guard {
    /// An in-flight slot (load shedding), if one is free.
    pub(crate) fn try_in_flight(&self) -> Option<OwnedSemaphorePermit> {
        self.in_flight.clone().try_acquire_owned().ok()
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

/// The JSON-RPC endpoint a path names: `Some(None)` for `/` and `/rpc`, `Some(Some(chain))`
/// for `/rpc/{chain}` (as the router matches it: one non-empty segment), else `None`.
pub(crate) fn rpc_route(path: &str) -> Option<Option<&str>> {
    match path {
        "/" | "/rpc" => Some(None),
        _ => path
            .strip_prefix("/rpc/")
            .filter(|c| !c.is_empty() && !c.contains('/'))
            .map(Some),
    }
}

/// An error answer shaped for the caller: `{"error": "..."}` on the admin API, a JSON-RPC
/// error object elsewhere.
fn refusal(
    status: StatusCode,
    admin_style: bool,
    code: i64,
    message: &str,
    retry_after: Option<u64>,
) -> Response<Body> {
    let body = if admin_style {
        json!({"error": message})
    } else {
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}})
    };
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

/// Bodies declared up to this many times the limit are read and dropped before the 413.
const DRAIN_FACTOR: u64 = 4;

/// 413; the connection is closed after it (the rest of the body is not read), and says so.
fn too_large(max: usize, admin_style: bool) -> Response<Body> {
    let mut r = refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        admin_style,
        crate::errors::INVALID_REQUEST,
        &format!("request body exceeds the limit of {max} bytes"),
        None,
    );
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// 429 with `Retry-After`.
pub fn too_many(l: &RateLimited, admin_style: bool) -> Response<Body> {
    refusal(
        StatusCode::TOO_MANY_REQUESTS,
        admin_style,
        RATE_LIMITED,
        &l.message(),
        Some(l.retry_after_secs()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Work the connection stops waiting for (a timeout, a client that left) still runs to its
    /// end; a panic is an `Err` output, not a torn-down connection.
    #[tokio::test]
    #[allow(clippy::panic, reason = "the test makes a handler panic")]
    async fn request_work_runs_to_completion_when_nobody_waits() {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let work = RunToCompletion::new(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = done_tx.send("finished");
            1
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(5), work)
                .await
                .is_err(),
            "the wait times out first"
        );
        let finished = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        assert!(
            matches!(finished, Ok(Ok("finished"))),
            "the abandoned work completed"
        );

        let quick = RunToCompletion::new(async { 7 });
        assert!(matches!(quick.await, Ok(7)));
        let panicking = RunToCompletion::new(async {
            if Instant::now().elapsed() < Duration::from_secs(3600) {
                panic!("handler bug");
            }
            0
        });
        assert!(
            panicking.await.is_err(),
            "a panic is reported, not propagated"
        );
    }

    #[test]
    fn roles_split_paths() {
        assert!(Role::Public.serves("/"));
        assert!(Role::Public.serves("/rpc/1"));
        assert!(Role::Public.serves("/healthz"));
        assert!(!Role::Public.serves("/v1/keys"));
        assert!(!Role::Public.serves("/v1"));
        assert!(!Role::Public.serves("/metrics"));
        assert!(!Role::Public.serves("/%761/keys"));
        assert!(!Role::Public.serves("//v1/keys"));
        assert!(Role::Admin.serves("/v1/keys"));
        assert!(Role::Admin.serves("/metrics"));
        assert!(!Role::Admin.serves("/"));
        assert!(!Role::Admin.serves("/rpc"));
        assert!(Role::Combined.serves("/v1/keys"));
    }
}
