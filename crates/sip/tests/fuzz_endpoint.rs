//! Fuzzing the sans-IO endpoint as a whole (issue 14): scripts of datagrams (mutated SIP
//! from three peers), replies to what the endpoint sent, in-dialog requests built from
//! its own responses (re-INVITE holds, INFO DTMF, BYE, CANCEL), call control and time
//! moving. After every step: no panic, every datagram sent parses as SIP, timers settle.
//! The driver is `sipgen/endpoint.rs`, shared with the libFuzzer target `fuzz/endpoint`.
//! `FUZZ_CASES=N` runs more cases.

mod sipgen;

use proptest::prelude::*;
use sipgen::endpoint::{Harness, Step};

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..3, sipgen::message()).prop_map(|(from, bytes)| Step::Datagram { from, bytes }),
        1 => (0u8..3, sipgen::raw_message()).prop_map(|(from, bytes)| Step::Datagram { from, bytes }),
        2 => (any::<usize>(), prop_oneof![100u16..700, Just(200), Just(401), Just(407), Just(180)], any::<u8>())
            .prop_map(|(k, status, sdp)| Step::Reply { k, status, sdp }),
        3 => (any::<usize>(), any::<u8>(), any::<u8>(), 0u8..3)
            .prop_map(|(k, method, sdp, cseq)| Step::InDialog { k, method, sdp, cseq }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(k, action)| Step::Control { k, action }),
        1 => any::<bool>().prop_map(|auth| Step::Place { auth }),
        2 => prop_oneof![0u32..600, 0u32..70_000].prop_map(|ms| Step::Advance { ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sipgen::cases(150),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_endpoint_survives_any_script(steps in proptest::collection::vec(step(), 1..40)) {
        let mut h = Harness::new();
        h.run(&steps);
        // Let every transaction and leg time out: nothing may be left spinning.
        h.run(&[Step::Advance { ms: 69_999 }, Step::Advance { ms: 69_999 }, Step::Advance { ms: 69_999 }]);
    }
}

/// A whole call through the harness, so the script steps provably reach the call code.
#[test]
fn a_scripted_call_is_answered_held_and_ended() {
    let invite = format!(
        "INVITE sip:500@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKi1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+15550100@example.net>;tag=c1\r\nTo: <sip:500@192.0.2.1>\r\n\
         Call-ID: call-1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@198.51.100.7:5060>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{}",
        sipgen::SDP.len(),
        sipgen::SDP
    );
    let script = [
        Step::Datagram {
            from: 1,
            bytes: invite.into_bytes(),
        },
        Step::Control { k: 0, action: 0 },
        Step::Control { k: 0, action: 1 },
        // ACK, re-INVITE to hold, INFO, BYE, all in the dialog of our 200.
        Step::InDialog {
            k: 2,
            method: 3,
            sdp: 0,
            cseq: 0,
        },
        Step::InDialog {
            k: 2,
            method: 2,
            sdp: 2,
            cseq: 1,
        },
        Step::InDialog {
            k: 2,
            method: 1,
            sdp: 6,
            cseq: 2,
        },
        Step::InDialog {
            k: 2,
            method: 0,
            sdp: 0,
            cseq: 3,
        },
        Step::Advance { ms: 40_000 },
    ];
    let mut h = Harness::new();
    h.run(&script);
    assert_eq!(h.call_events, ["Confirmed", "Reoffer", "Dtmf", "Ended"]);
    // The libFuzzer target reads the same script from bytes: it is its seed.
    let bytes = sipgen::endpoint::encode(&script);
    let decoded = sipgen::endpoint::decode(&bytes);
    assert_eq!(format!("{decoded:?}"), format!("{script:?}"));
    if let Some(dir) = std::env::var_os("FUZZ_SEEDS_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("call.bin"), bytes).unwrap();
    }
}

/// Scripts found by fuzzing that once broke an invariant (regressions).
#[test]
fn regressions() {
    let scripts: &[&[u8]] = &[];
    for s in scripts {
        Harness::new().run(&sipgen::endpoint::decode(s));
    }
}
