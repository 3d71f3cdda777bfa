//! SIPS: the server side of TLS (RFC 3261 §26.2, RFC 5630), rustls with the ring provider.
//! The certificate chain and private key come from PEM files.

use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

pub use tokio_rustls::TlsAcceptor;

/// A TLS acceptor from a PEM certificate chain (leaf first) and a PEM private key
/// (PKCS#8, PKCS#1 or SEC1). Errors name the file and never include key material.
pub fn tls_acceptor(cert_pem: &Path, key_pem: &Path) -> crate::Result<TlsAcceptor> {
    let bad = |what: String| crate::Error::Io(std::io::Error::other(what));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| {
            bad(format!(
                "reading certificates from {}: {e}",
                cert_pem.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(bad(format!("no certificate in {}", cert_pem.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key_pem).map_err(|e| {
        bad(format!(
            "reading the private key from {}: {e}",
            key_pem.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad(format!("the certificate and key do not fit: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
