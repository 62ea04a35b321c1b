//! TLS for the simulator: a rustls server configuration (ring provider, ALPN
//! `h2` then `http/1.1`) built from a PEM certificate chain and private key,
//! so clients that insist on `https://` (simple-salesforce) can talk to it.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::SimError;

/// A server configuration from PEM text: the certificate chain (leaf first) and its key.
pub fn server_config_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, SimError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| SimError::Tls(format!("certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(SimError::Tls("no certificate in the PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| SimError::Tls(format!("private key PEM: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| SimError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A server configuration from PEM files.
pub fn server_config_from_files(
    cert_path: &Path,
    key_path: &Path,
) -> Result<Arc<rustls::ServerConfig>, SimError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| SimError::Tls(format!("reading {}: {e}", p.display())))
    };
    server_config_from_pem(&read(cert_path)?, &read(key_path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(
            server_config_from_pem(b"nope", b"nope"),
            Err(SimError::Tls(_))
        ));
    }
}
