//! The voice edge's one error type.

use std::net::SocketAddr;

/// Result with the voice edge's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the voice edge could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The environment: a socket could not be bound (port taken, address not ours).
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be read (agents' SIP accounts, queue numbers).
    #[error(transparent)]
    Store(#[from] switchyard_store::Error),
    /// The SIPS certificate or key could not be loaded.
    #[error("SIP TLS: {0}")]
    Tls(String),
    /// Configuration given by the operator is invalid.
    #[error("invalid voice setting: {0}")]
    Config(&'static str),
}
