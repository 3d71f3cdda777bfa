//! The SIP voice edge: phone callers dial a queue's number, agents answer on SIP phones,
//! and the media is anchored here (music on hold, spoken position, bridging).
//!
//! | module | does |
//! |---|---|
//! | [`admit`] | pure: who may reach a tenant's numbers; media held until the caller's ACK |
//! | [`switchboard`] | pure call control: endpoint events and router outputs in, actions out |
//! | [`callback`] | pure callback control: the agent's phone, then the customer through the trunk |
//! | [`ivr`] | pure overflow actions for a caller: menus, voicemail steps, announcements, callback number confirmation |
//! | [`media`] | pure per-call media: MOH and prompts paced at 20 ms, periodic announcements, RFC 4733 keys, the bridge |
//! | [`rules`] | a queue's SIP rules: skills and priority from the caller ID and headers |
//! | [`sounds`] | the shipped prompts and music on hold from `sounds/`, and each tenant's uploads, picked up live |
//! | [`transport`] | advertised addresses (never 0.0.0.0), the RTP port range, SIPS and SIP transport limits |
//! | [`voicemail`] | recording jobs, the `.part`-then-rename recording in a call's media task, storing the row |
//! | `rtp` | the tokio task running one call's [`media::CallMedia`] on its sockets |
//! | [`edge`] | the tokio task wiring the SIP driver, the engine and the media tasks |
//!
//! Only `rtp` and `edge` touch sockets, tasks or the clock; the rest is driven with
//! `now` and tested without sockets (see the tests beside each module).

pub mod admit;
pub mod callback;
pub mod creds;
pub mod edge;
mod error;
pub mod ivr;
pub mod media;
mod rtp;
pub mod rules;
pub mod sounds;
pub mod switchboard;
pub mod transport;
pub mod voicemail;

pub use edge::{Trunk, VoiceConfig, VoiceHandle, start};
pub use error::{Error, Result};
pub use switchyard_sip::MessageLimits;
pub use switchyard_sip::client_auth::ClientCredentials;
pub use switchyard_sip::digest::Algorithm;
pub use switchyard_sip::driver::TransportLimits;
pub use switchyard_sip::endpoint::{AdmissionConfig, CallLimits, Cidr, RateLimit, TrunkIn};
pub use switchyard_sip::registrar::LoginPolicy;
pub use transport::{RtpPorts, SipTls, VoiceTransport};
