//! The media crate's error type.

use std::path::PathBuf;

/// Result with the media error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with media.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A peer sent a packet that is not valid RTP (or not the payload it claims).
    #[error("malformed packet: {0}")]
    Malformed(&'static str),
    /// A sound file is not usable as a prompt (wrong format, unreadable).
    #[error("sound {path}: {why}")]
    Sound {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        why: String,
    },
    /// The disk refused a write (a recording could not be stored).
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    /// The WAV encoder refused (disk full, closed file).
    #[error("wav: {0}")]
    Wav(#[from] hound::Error),
}
