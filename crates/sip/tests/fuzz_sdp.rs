//! Fuzzing SDP parsing and offer/answer (issue 14): bodies assembled from real and broken
//! lines (every type, huge numbers, odd payload types, hold forms, IPv6, garbage), then
//! byte-edited; see `sipgen::checks::check_sdp` for what must hold. `FUZZ_CASES=N` runs
//! more cases; the libFuzzer target is `fuzz/sdp`.

mod sipgen;

use proptest::prelude::*;
use proptest::sample::Index;
use sipgen::checks::check_sdp;

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("v=0".to_owned()),
        Just("v=1".to_owned()),
        "o=[a-z-]{0,5} [0-9]{1,22} [0-9]{1,22} IN IP[46] [0-9a-f.:]{0,20}",
        Just("o=- 1 18446744073709551615 IN IP4 192.0.2.9".to_owned()),
        Just("s=-".to_owned()),
        Just("t=0 0".to_owned()),
        "c=IN IP[46x] [0-9a-f.:/]{0,24}",
        Just("c=IN IP4 0.0.0.0".to_owned()),
        Just("c=IN IP6 2001:db8::1".to_owned()),
        "m=(audio|video|application|) [0-9]{1,6}(/[0-9])? (RTP/AVP|RTP/SAVP|UDP|TCP/RTP/AVP) ([0-9]{1,4} ?){0,6}",
        "a=rtpmap:[0-9]{1,4} (PCMU|PCMA|telephone-event|G729|opus|)/[0-9]{0,12}(/[0-9])?",
        "a=fmtp:[0-9]{1,4} [ -~]{0,12}",
        "a=(sendrecv|sendonly|recvonly|inactive)",
        "a=ptime:[0-9]{0,12}",
        "[a-z]=[ -~]{0,30}",
        "[ -~]{0,30}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(line(), 0..16),
        prop_oneof![Just("\r\n"), Just("\n")],
        proptest::collection::vec((any::<Index>(), any::<u8>()), 0..3),
    )
        .prop_map(|(lines, eol, edits)| {
            let mut b = lines.join(eol).into_bytes();
            for (at, byte) in edits {
                if !b.is_empty() {
                    let i = at.index(b.len());
                    b[i] = byte;
                }
            }
            b
        })
}

/// A well-formed offer with its lines shuffled in and out: reaches negotiation often.
fn offerish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(line(), 0..8).prop_map(|extra| {
        let mut lines = vec![
            "v=0".to_owned(),
            "o=- 1 1 IN IP4 192.0.2.9".to_owned(),
            "s=-".to_owned(),
            "c=IN IP4 192.0.2.9".to_owned(),
            "t=0 0".to_owned(),
        ];
        lines.extend(extra);
        (lines.join("\r\n") + "\r\n").into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sipgen::cases(1000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn assembled_bodies(b in body()) {
        check_sdp(&b);
    }

    #[test]
    fn offers_with_extra_lines(b in offerish()) {
        check_sdp(&b);
    }
}

/// SDP bodies found by fuzzing that once broke an invariant (regressions).
#[test]
fn regressions() {
    let cases: &[&[u8]] = &[];
    for c in cases {
        check_sdp(c);
    }
}
