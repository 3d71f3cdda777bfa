//! One datagram through the SIP parser: parses and re-parses to the same head, or is a
//! typed error whose stateless reply is a framed response without injected lines.
#![no_main]

#[path = "../../crates/sip/tests/sipgen/checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_datagram(data));
