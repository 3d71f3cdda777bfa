//! The sans-IO endpoint as a whole: the input is a script (see `endpoint::decode`) of
//! datagrams, replies, in-dialog requests, call control and time steps; after each step
//! every datagram sent must parse and timers must settle.
#![no_main]

#[path = "../../crates/sip/tests/sipgen/checks.rs"]
mod checks;
#[path = "../../crates/sip/tests/sipgen/endpoint.rs"]
mod endpoint;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut h = endpoint::Harness::new();
    h.run(&endpoint::decode(data));
    h.run(&[
        endpoint::Step::Advance { ms: 69_999 },
        endpoint::Step::Advance { ms: 69_999 },
    ]);
});
