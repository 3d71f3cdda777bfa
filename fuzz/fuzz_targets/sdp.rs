//! SDP: parse, answer as the caller leg does, read as an answer as the agent leg does,
//! re-answer as a re-INVITE does (see `checks::check_sdp`).
#![no_main]

#[path = "../../crates/sip/tests/sipgen/checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_sdp(data));
