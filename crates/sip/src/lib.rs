//! The SIP edge of Switchyard.
//!
//! The core is pure: no sockets, no clocks, no tasks (`clippy.toml` bans clock reads and
//! sleeps in this crate; only [`driver`] reads the clock, with a local `allow`). Bytes go in
//! through [`Message::parse`]; transactions, dialogs, call legs, the registrar and digest
//! authentication are state machines that take `now` with every input and are polled for
//! what to send and when to wake up (the str0m / quinn-proto shape). rsip 0.4 tokenizes and
//! holds messages, but its types stay private so it could be replaced.
//!
//! | layer | module | RFC |
//! |---|---|---|
//! | framing, folding, compact names, Content-Length | `wire` | 3261 §7 |
//! | stream framing with size caps (400/413/513 then close) | [`stream`] | 3261 §18.3 |
//! | messages, typed mandatory headers, stateless 400/416/501/505 | [`Message`], [`Head`], [`Error`] | 3261 §8, 4475 |
//! | building requests/responses (Via copying, To-tag) | [`RequestBuilder`], [`ResponseBuilder`] | 3261 §8.2.6 |
//! | transactions (timers A–M) | [`transaction`] | 3261 §17, 6026 |
//! | dialogs | [`dialog`] | 3261 §12 |
//! | caller leg (UAS), agent leg (UAC) | [`call`] | 3261 §9, §13–15 |
//! | digest (MD5, SHA-256), nonces, replay | [`digest`], [`auth`] | 2617, 7616, 8760 |
//! | answering digest challenges (outbound trunks) | [`client_auth`] | 3261 §22.2, 2617 |
//! | registrar, static contacts, reachability | [`registrar`] | 3261 §10 |
//! | SDP offer/answer for G.711 + telephone-event | [`sdp`] | 4566, 3264, 4733 |
//! | DTMF by INFO | [`dtmf`] | 6086 (practice) |
//! | endpoint: routing, qualify, flood limit, calls, admission (trunks, INVITE digest, call caps) | [`endpoint`] | 3261 §22.3 (407) |
//! | tokio UDP/TCP driver | [`driver`] | — |
//!
//! Tests: unit tests beside each module move time by hand; `tests/torture.rs` parses the
//! 49 RFC 4475 messages as written; `tests/never_panics.rs` fuzzes the parser;
//! `tests/driver.rs` runs the driver on 127.0.0.1; `sip-tests/run.sh` (repository root) runs
//! SIPp against `examples/registrar.rs`.

pub mod auth;
mod build;
pub mod call;
pub mod client_auth;
pub mod dialog;
pub mod digest;
pub mod driver;
pub mod dtmf;
pub mod endpoint;
mod error;
mod grammar;
mod header_name;
mod message;
pub mod registrar;
pub mod sdp;
pub mod stream;
pub mod transaction;
mod types;
mod uri;
mod wire;

pub use build::{RequestBuilder, ResponseBuilder};
pub use error::{Disposition, Error, Problem, Result};
pub use grammar::{NameAddr, Params, Via};
pub use message::{Head, Message, Request, Response};
pub use stream::{MessageLimits, StreamFrame, StreamFramer, stream_frame};
pub use types::{Branch, CallId, MAGIC_COOKIE, Method, StatusCode, Tag, Transport};
pub use uri::SipUri;
