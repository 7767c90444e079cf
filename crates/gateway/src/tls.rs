//! TLS 1.3 (rustls, ring provider) with certificates reloaded from disk without a restart, and
//! optional mTLS: a client CA that every client certificate must chain to, and a map from a
//! client certificate's SHA-256 fingerprint to the credential it acts as.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use palisade_node::config::TlsConfig;
use parking_lot::{Mutex, RwLock};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::metrics;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read `{path}`: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("`{0}` holds no PEM certificate")]
    NoCertificate(PathBuf),
    #[error("`{0}` holds no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(PathBuf),
    #[error("invalid TLS configuration: {0}")]
    Invalid(String),
}

/// A listener's TLS settings, swapped atomically when the files change.
pub struct TlsState {
    cfg: TlsConfig,
    current: RwLock<Arc<ServerConfig>>,
    stamp: Mutex<Vec<Option<(SystemTime, u64)>>>,
    /// Lower-case hex fingerprint → credential id.
    clients: BTreeMap<String, String>,
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Invalid(format!("`{}`: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(path.to_path_buf()));
    }
    Ok(certs)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds a TLS 1.3-only server configuration from the files named in `cfg`.
pub fn build(cfg: &TlsConfig) -> Result<ServerConfig, TlsError> {
    let chain = certs(&cfg.cert)?;
    let key_pem = read(&cfg.key)?;
    let key =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoKey(cfg.key.clone()))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Invalid(e.to_string()))?;
    let builder = match &cfg.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca)? {
                roots
                    .add(c)
                    .map_err(|e| TlsError::Invalid(format!("client CA `{}`: {e}", ca.display())))?;
            }
            // Mandatory client authentication: no certificate, no handshake.
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| TlsError::Invalid(format!("client CA `{}`: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        TlsError::Invalid(format!(
            "certificate `{}` and key `{}`: {e}",
            cfg.cert.display(),
            cfg.key.display()
        ))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn stamp_of(cfg: &TlsConfig) -> Vec<Option<(SystemTime, u64)>> {
    [Some(&cfg.cert), Some(&cfg.key), cfg.client_ca.as_ref()]
        .into_iter()
        .flatten()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())))
        })
        .collect()
}

/// SHA-256 of a certificate's DER, lower-case hex (what `client_credentials` is keyed by;
/// `openssl x509 -noout -fingerprint -sha256` prints the same bytes with colons).
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

impl TlsState {
    pub fn load(cfg: &TlsConfig) -> Result<Arc<Self>, TlsError> {
        let server = build(cfg)?;
        Ok(Arc::new(Self {
            cfg: cfg.clone(),
            current: RwLock::new(Arc::new(server)),
            stamp: Mutex::new(stamp_of(cfg)),
            clients: cfg
                .client_credentials
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
        }))
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.read().clone())
    }

    /// Reloads when a file's modification time or size changed. A broken new file is
    /// reported and the previous certificate stays in service.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let now = stamp_of(&self.cfg);
        if *self.stamp.lock() == now {
            return Ok(false);
        }
        self.reload()?;
        *self.stamp.lock() = now;
        Ok(true)
    }

    /// Rebuilds the configuration from the files; new connections use it, open ones keep theirs.
    pub fn reload(&self) -> Result<(), TlsError> {
        let server = build(&self.cfg)?;
        *self.current.write() = Arc::new(server);
        metrics::global().tls_reloaded();
        Ok(())
    }

    pub fn reload_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.cfg.reload_interval_secs.max(1))
    }

    /// The credential a client certificate maps to, if any.
    pub fn credential_for(&self, fingerprint: &str) -> Option<String> {
        self.clients.get(fingerprint).cloned()
    }
}

/// The principal of a request on an mTLS connection whose certificate maps to a credential.
/// A bearer token sent as well must belong to the same credential (the certificate and the
/// token are then two factors); `None` when the connection has no mapped certificate.
pub fn cert_principal(
    node: &palisade_node::Node,
    meta: Option<&crate::ConnMeta>,
    headers: &axum::http::HeaderMap,
) -> Result<Option<palisade_node::policy::Principal>, crate::errors::RpcError> {
    use crate::errors::{RpcError, UNAUTHENTICATED};
    let Some(id) = meta.and_then(|m| m.client_credential.as_deref()) else {
        return Ok(None);
    };
    let unauth = |m: String| RpcError::new(UNAUTHENTICATED, m);
    let principal = node
        .credentials()
        .principal_by_id(id)
        .map_err(|e| match e.to_string() {
            m if m.starts_with("unknown credential") => {
                unauth(format!("client certificate maps to {m}"))
            }
            m => unauth(format!("client certificate maps to credential `{id}`: {m}")),
        })?;
    match crate::auth::token(headers) {
        Ok(None) => {}
        Ok(Some(token)) => {
            let other = node
                .authenticate(&token)
                .map_err(|e| unauth(e.to_string()))?;
            if other.credential_id != principal.credential_id {
                return Err(unauth(format!(
                    "the API key belongs to credential `{}` but the client certificate maps to `{id}`: send one credential",
                    other.credential_id
                )));
            }
        }
        Err(why) => return Err(unauth(why.to_string())),
    }
    Ok(Some(principal))
}
