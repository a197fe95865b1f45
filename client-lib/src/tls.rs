//! TLS for `wss://` and `https://` county servers: rustls with the ring
//! provider, trusting the system's certificate store and Mozilla's roots,
//! plus any county CA a device is given (government networks often run
//! their own). One configuration serves the WebSocket and `/api/me`.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::ClientError;

/// Which certificate authorities a device trusts.
#[derive(Clone, Debug)]
pub struct Tls {
    config: Arc<ClientConfig>,
}

impl Tls {
    /// The system's roots and Mozilla's (built once per process).
    pub fn system() -> Result<Tls, ClientError> {
        static SYSTEM: OnceLock<Tls> = OnceLock::new();
        if let Some(tls) = SYSTEM.get() {
            return Ok(tls.clone());
        }
        let tls = Tls {
            config: Arc::new(build(Vec::new())?),
        };
        Ok(SYSTEM.get_or_init(|| tls).clone())
    }

    /// The system's roots, Mozilla's, and the certificates in `pem` (a
    /// county's own CA, or a self-signed server certificate).
    pub fn with_extra_ca_pem(pem: &[u8]) -> Result<Tls, ClientError> {
        let extra = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ClientError::Tls(format!("CA 证书文件无法读取 (bad PEM): {e}")))?;
        if extra.is_empty() {
            return Err(ClientError::Tls(
                "CA 证书文件里没有证书 (no CERTIFICATE in the PEM file)".into(),
            ));
        }
        Ok(Tls {
            config: Arc::new(build(extra)?),
        })
    }

    /// The rustls configuration.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }
}

fn build(extra: Vec<CertificateDer<'static>>) -> Result<ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // A device without a readable system store still has Mozilla's roots.
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs.into_iter().chain(extra) {
        if let Err(e) = roots.add(cert) {
            tracing::debug!("certificate not usable as a root: {e}");
        }
    }
    // The provider is named, not taken from the process default, so an
    // app that links another rustls provider cannot make this ambiguous.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
