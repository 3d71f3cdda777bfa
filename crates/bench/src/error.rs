//! The load tool's error type.

/// Result with the load tool's error.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// What stopped a run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The command line asks for something outside the tool's bounds.
    #[error("usage: {0}")]
    Usage(&'static str),
    /// A REST call during setup answered with an error status.
    #[error("setup step {step} failed: HTTP {status}: {body}")]
    Setup {
        /// What was being done.
        step: &'static str,
        /// HTTP status.
        status: u16,
        /// Response body (the server's problem document).
        body: String,
    },
    /// The HTTP client failed (connection refused, bad URL…).
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A WebSocket failed.
    #[error("WebSocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// Local socket setup failed (file descriptors, ports).
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// The server sent something else than the protocol promises.
    #[error("protocol: expected {expected}, got {got}")]
    Protocol {
        /// What we waited for.
        expected: &'static str,
        /// What came.
        got: String,
    },
    /// Something did not happen in time.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
}
