//! Runtime state that outlives one Switchyard process: who is waiting in which queue.
//!
//! The router keeps its line in memory; this crate mirrors the waiting interactions to
//! a [`RuntimeStore`] so a restarted node (or the next one, with a shared Redis) puts
//! them back in line with their original arrival time. Embedded mode keeps the mirror
//! in memory (nothing to install); production mode uses Redis sorted sets, one per
//! queue, scored by arrival.
//!
//! Writes go through [`Persister`], a task fed by the router's driver in decision
//! order. If Redis goes away, changes wait in order and are retried: routing never
//! blocks on it and no change is lost while the process lives.

mod persister;
mod record;
mod store;

pub use persister::{Change, Persister};
pub use record::WaitingRecord;
pub use store::RuntimeStore;

/// Result with the runtime error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why runtime state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Redis refused or is unreachable (an outage: retried).
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A stored record is not valid JSON of the expected shape (written by a newer or
    /// broken node; skipped on load).
    #[error("stored record {key}: {source}")]
    Corrupt {
        /// The key.
        key: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The URL is not a Redis URL.
    #[error("invalid redis url: {0}")]
    Url(String),
}
