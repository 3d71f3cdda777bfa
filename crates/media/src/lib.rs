//! Switchyard media: the sans-IO pieces of the voice path.
//!
//! G.711 codecs, RTP packets, RFC 4733 DTMF, a 20 ms pacer driven by injected time,
//! spoken position/wait phrases built from the number prompts in `sounds/`, the RTP
//! relay that keeps SSRC/sequence/timestamp continuous across a bridge, prompt loading
//! and the crash-safe voicemail recorder. Sockets live in the SIP edge's driver.

pub mod dtmf;
pub mod error;
pub mod g711;
pub mod pacer;
pub mod phrase;
pub mod prompt;
pub mod recorder;
pub mod relay;
pub mod rtp;

pub use error::{Error, Result};

/// Samples per second of every leg (G.711).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 160;
