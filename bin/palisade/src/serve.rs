//! `palisade serve`: the gateway process.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use palisade_barrier::InitRequest;
use palisade_node::config::{ChainConfig, Config};
use palisade_node::Node;

#[derive(Args)]
pub struct ServeArgs {
    /// Throwaway instance: temporary store, auto-unsealed, root token printed. Loopback only.
    #[arg(long)]
    dev: bool,
    /// TOML config file.
    #[arg(long, env = "PALISADE_CONFIG")]
    config: Option<PathBuf>,
    /// Listen address (default 127.0.0.1:8550).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory (ignored with --dev).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Upstream node, `URL` or `CHAIN_ID=URL`; repeat for several chains. With --dev the
    /// default is `31337=http://127.0.0.1:8545` (anvil's default).
    #[arg(long)]
    upstream: Vec<String>,
    /// With --dev: also write the root token to this file (mode 0600).
    #[arg(long)]
    dev_token_file: Option<PathBuf>,
    /// Detection file: rules, alert sinks, checkpoint shipping, on-chain watch (docs/detection.md).
    #[arg(long, env = "PALISADE_DETECT_CONFIG")]
    detect_config: Option<PathBuf>,
}

fn parse_upstream(s: &str) -> Result<ChainConfig> {
    match s.split_once('=') {
        Some((id, url)) => Ok(ChainConfig {
            id: Some(
                id.parse()
                    .with_context(|| format!("`{id}` in --upstream is not a chain id"))?,
            ),
            upstream: url.to_string(),
            ws_url: None,
        }),
        None => Ok(ChainConfig {
            id: None,
            upstream: s.to_string(),
            ws_url: None,
        }),
    }
}

/// Log targets never written, whatever `PALISADE_LOG` says: tungstenite logs the upstream
/// WebSocket request at trace level, and a chain's `ws_url` may carry an API key.
const SILENCED: [&str; 2] = ["tungstenite", "tokio_tungstenite"];

fn silenced(target: &str) -> bool {
    SILENCED.iter().any(|s| {
        target
            .strip_prefix(s)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// `PALISADE_LOG` (default `info`) with the silenced targets turned off, as directives and
/// as a filter no directive (a more specific target, a span filter) can re-enable.
fn log_layer<S, W>(user: Option<&str>, writer: W) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt as _};
    use tracing_subscriber::Layer as _;
    let mut filter = user
        .and_then(|u| EnvFilter::try_new(u).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for t in SILENCED {
        if let Ok(d) = format!("{t}=off").parse() {
            filter = filter.add_directive(d);
        }
    }
    let quiet = filter_fn(|m| !silenced(m.target()));
    tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false)
        .with_filter(filter.and(quiet))
}

fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let user = std::env::var("PALISADE_LOG").ok();
    let _ = tracing_subscriber::registry()
        .with(log_layer(user.as_deref(), std::io::stderr))
        .try_init();
}

pub fn run(args: ServeArgs) -> Result<()> {
    init_tracing();
    let mut config = match &args.config {
        Some(path) => Config::from_toml(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config `{}`", path.display()))?,
        )
        .map_err(anyhow::Error::msg)?,
        None => Config::default(),
    };
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if !args.upstream.is_empty() {
        config.chains = args
            .upstream
            .iter()
            .map(|s| parse_upstream(s))
            .collect::<Result<_>>()?;
    }
    let _tempdir;
    if args.dev {
        // INVARIANT: a dev instance (auto-unsealed, root token on stdout) is never reachable
        // from another machine.
        if !config.listen.ip().is_loopback() {
            bail!("--dev refuses to listen on non-loopback address {}: dev mode auto-unseals and prints a root token", config.listen);
        }
        if let Some(a) = config
            .admin_listener
            .as_ref()
            .filter(|a| !a.listen.ip().is_loopback())
        {
            bail!(
                "--dev refuses an admin listener on non-loopback address {}",
                a.listen
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("palisade-dev-")
            .tempdir()
            .context("cannot create a temporary data directory")?;
        config.data_dir = dir.path().to_path_buf();
        _tempdir = Some(dir);
        if config.chains.is_empty() {
            config.chains.push(ChainConfig {
                id: Some(31337),
                upstream: "http://127.0.0.1:8545".into(),
                ws_url: None,
            });
        }
    } else {
        _tempdir = None;
        if let Some(d) = args.data_dir {
            config.data_dir = d;
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("palisade")
        .build()?;
    rt.block_on(async move {
        let node = Node::open(config.clone()).await?;
        if args.dev {
            let (_, root) = node.bootstrap(InitRequest::Shamir { shares: 1, threshold: 1 }).await?;
            eprintln!("WARNING: dev mode — temporary store, auto-unsealed, root token printed below.");
            eprintln!("WARNING: everything is lost on exit. Never use dev mode with real funds.");
            if let Some(path) = &args.dev_token_file {
                write_private(path, &root.token)?;
            }
            let mut out = std::io::stdout().lock();
            // The CLI talks to the admin API: the admin listener when there is one.
            let (addr, https) = match &config.admin_listener {
                Some(a) => (a.listen, a.tls.is_some()),
                None => (config.listen, config.tls.is_some()),
            };
            let scheme = if https { "https" } else { "http" };
            writeln!(out, "PALISADE_ADDR={scheme}://{addr}")?;
            writeln!(out, "PALISADE_TOKEN={}", root.token)?;
            out.flush()?;
        } else {
            if !node.barrier().is_initialized()? {
                bail!(
                    "data directory `{}` is not initialised: run `palisade init --data-dir {}` first",
                    config.data_dir.display(),
                    config.data_dir.display()
                );
            }
            tracing::info!("palisade is sealed: run `palisade unseal` (once per operator) to unseal");
        }
        let detect = match &args.detect_config {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read detection config `{}`", p.display()))?;
                palisade_detect::DetectConfig::from_yaml(&text).map_err(|e| anyhow::anyhow!("`{}`: {e}", p.display()))?
            }
            None => palisade_detect::DetectConfig::default(),
        };
        node.start_detection(&detect)?;
        for c in node.chains() {
            tracing::info!(chain_id = c.id, upstream = %c.upstream.url, "chain configured");
        }
        let listeners = palisade_gateway::bind_listeners(&config).await?;
        palisade_gateway::serve_all(
            listeners,
            palisade_gateway::app(node.clone()),
            palisade_gateway::Guard::from_config(&config),
            shutdown_signal(),
        )
        .await?;
        node.seal();
        tracing::info!("stopped; keys wiped from memory");
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub fn write_private(path: &std::path::Path, contents: &str) -> Result<()> {
    use std::fs::OpenOptions;
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt as _;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn tungstenite_is_never_logged_whatever_the_filter() {
        assert!(silenced("tungstenite"));
        assert!(silenced("tungstenite::handshake::client"));
        assert!(silenced("tokio_tungstenite::compat"));
        assert!(!silenced("tungstenite_fork"));
        assert!(!silenced("palisade_gateway::ws"));
        for user in [
            None,
            Some("trace"),
            Some("error,tungstenite=trace,tokio_tungstenite=trace"),
            Some("info,tungstenite::handshake::client=trace"),
            Some("info,[session]=trace"),
        ] {
            let buf = Buf::default();
            let w = buf.clone();
            let sub = tracing_subscriber::registry().with(log_layer(user, move || w.clone()));
            tracing::subscriber::with_default(sub, || {
                let span = tracing::info_span!("session");
                let _g = span.enter();
                tracing::trace!(target: "tungstenite::handshake::client", "wss://node.example/v3/SECRET-KEY");
                tracing::error!(target: "tokio_tungstenite", "wss://node.example/v3/SECRET-KEY");
                tracing::error!(target: "palisade_gateway::ws", "visible");
            });
            let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
            assert!(!out.contains("SECRET-KEY"), "{user:?}: {out}");
            assert!(out.contains("visible"), "{user:?}: {out}");
        }
    }
}
