//! Fuzzing the SIP message layer with structure-aware inputs (issue 14): valid messages
//! mutated (headers dropped, duplicated, huge, folded; Content-Length lies; bad UTF-8;
//! hundreds of Vias), checked for:
//! - no panic, and a typed result: a message, a stateless reply, or a drop;
//! - a parsed message re-serializes to one with the same head;
//! - a stateless reply is itself a well-formed response with the announced status;
//! - stream framing never claims more bytes than it has, and frames what the datagram
//!   parser reads when Content-Length is honest.
//!
//! Bounded for CI (`cases`); `FUZZ_CASES=100000 cargo nextest run -p switchyard-sip
//! --test fuzz_messages` runs longer. `fuzz/` has the libFuzzer targets.

mod sipgen;

use proptest::prelude::*;
use sipgen::checks::check_datagram;
use switchyard_sip::{StreamFrame, stream_frame};

fn check_stream(bytes: &[u8]) {
    match stream_frame(bytes) {
        StreamFrame::KeepAlive(n) | StreamFrame::Complete(n) => {
            assert!(n > 0 && n <= bytes.len(), "{n} of {}", bytes.len());
        }
        StreamFrame::Incomplete | StreamFrame::Close(_) => {}
    }
}

fn check(bytes: &[u8]) {
    check_datagram(bytes);
    check_stream(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sipgen::cases(1000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_messages_parse_or_get_a_typed_error(msg in sipgen::message()) {
        check(&msg);
    }

    #[test]
    fn byte_edited_messages_parse_or_get_a_typed_error(msg in sipgen::raw_message()) {
        check(&msg);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sipgen::cases(200),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Messages whose Content-Length is honest, sent back to back down a stream, split
    /// into exactly those messages, whatever the read boundaries.
    #[test]
    fn streams_split_into_the_messages_sent(
        msgs in proptest::collection::vec(sipgen::message(), 1..5),
        cut in 1usize..2000,
    ) {
        let honest: Vec<Vec<u8>> = msgs
            .into_iter()
            // Heads over 64 KiB are refused by design before their end arrives.
            .filter(|m| m.len() < 60_000)
            .filter(|m| match stream_frame(m) {
                StreamFrame::Complete(n) => n == m.len(),
                _ => false,
            })
            .collect();
        let stream: Vec<u8> = honest.concat();
        // Feed it as a reader would: `cut` bytes at a time into a buffer.
        let (mut buf, mut frames, mut fed) = (Vec::new(), Vec::new(), 0);
        while fed < stream.len() || !buf.is_empty() {
            let take = cut.min(stream.len() - fed);
            buf.extend_from_slice(&stream[fed..fed + take]);
            fed += take;
            loop {
                match stream_frame(&buf) {
                    StreamFrame::KeepAlive(n) => { buf.drain(..n); }
                    StreamFrame::Complete(n) => frames.push(buf.drain(..n).collect::<Vec<u8>>()),
                    StreamFrame::Incomplete if fed < stream.len() => break,
                    other => panic!("{other:?} with {} bytes left", buf.len()),
                }
                if buf.is_empty() { break; }
            }
        }
        prop_assert_eq!(frames, honest);
    }
}

/// Inputs found by the fuzzers that once broke an invariant (regressions).
#[test]
fn regressions() {
    let cases: &[&[u8]] = &[
        // The request line's last word began with a 2-byte character: slicing its first
        // four bytes panicked (libFuzzer, sip_message, 10 s): one datagram was a crash.
        b"OPTIONS sip\xc3\x85ser;par=u%40exambK2398nConteason.asndj2ksdj\r\nCSeq: 8 OPTIONS\r\n\
          Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKdjuw\r\nl: 0\r\n\r\n",
        // A bare LF in a Via was echoed into the 505 stateless reply (header injection).
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: \nSIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa\r\n\r\n",
        b"INVITE sip:a@b SIP/3.0\r\nVia: SI\n/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb\r\n\
          From: <sip:sy@192.0.2.1>;tag=f1\r\nTo: <sip:1001@example.com>\r\nCall-ID: c2\r\n\
          CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ];
    for c in cases {
        check(c);
    }
}
