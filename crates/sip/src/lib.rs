//! The SIP edge of Switchyard.
//!
//! The core is pure: no sockets, no clocks, no tasks. Bytes go in through
//! [`Message::parse`]; transactions, the registrar and digest authentication are state
//! machines that take `now` with every input and are polled for what to send and when to
//! wake up (the str0m / quinn-proto shape). rsip does the low-level message tokenizing and
//! holds messages, but its types stay private so it could be replaced.

pub mod auth;
mod build;
pub mod call;
pub mod dialog;
pub mod digest;
pub mod driver;
pub mod dtmf;
pub mod endpoint;
mod error;
mod grammar;
mod message;
pub mod registrar;
pub mod sdp;
pub mod transaction;
mod types;
mod uri;
mod wire;

pub use build::{RequestBuilder, ResponseBuilder};
pub use error::{Disposition, Error, Problem, Result};
pub use grammar::{NameAddr, Params, Via};
pub use message::{Head, Message, Request, Response};
pub use types::{Branch, CallId, MAGIC_COOKIE, Method, StatusCode, Tag, Transport};
pub use uri::SipUri;
pub use wire::{StreamFrame, stream_frame};
