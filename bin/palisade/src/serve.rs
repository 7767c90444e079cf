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

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
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
