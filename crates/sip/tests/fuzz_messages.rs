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
use switchyard_sip::{Error, Message, Problem, StreamFrame, stream_frame};

/// The invariants every input must satisfy; panics (a crash) otherwise.
fn check_datagram(bytes: &[u8]) {
    match Message::parse(bytes) {
        Ok(m) => {
            let again = Message::parse(&m.to_bytes())
                .unwrap_or_else(|e| panic!("re-serialized message does not parse: {e}"));
            assert_eq!(again.head(), m.head());
        }
        Err(Error::Rejected { status, reply, .. }) => check_reply(status.code(), &reply),
        Err(Error::Dropped(_)) => {}
        Err(e) => panic!("parse returned a non-parse error: {e}"),
    }
}

/// A stateless reply is one framed response with the announced status, its lines plain
/// `Name: value` (no bare CR or LF smuggled from the request). It copies Via, From, To,
/// Call-ID and CSeq as they came (RFC 3261 §8.2.6.2), so when those were the problem it
/// need not pass our own strict parser; otherwise it must.
fn check_reply(status: u16, reply: &[u8]) {
    assert!((400..600).contains(&status), "{status}");
    assert!(reply.starts_with(format!("SIP/2.0 {status} ").as_bytes()));
    assert_eq!(stream_frame(reply), StreamFrame::Complete(reply.len()));
    let head = &reply[..reply.len() - 2];
    for line in head.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let line = line.strip_suffix(b"\r").unwrap_or_else(|| {
            panic!("bare LF in reply: {:?}", String::from_utf8_lossy(reply))
        });
        assert!(!line.contains(&b'\r'), "bare CR in reply");
    }
    match Message::parse(reply) {
        Ok(Message::Response(r)) => assert_eq!(r.status().code(), status),
        Err(Error::Dropped(
            Problem::BadHeader(_) | Problem::Missing(_) | Problem::Duplicate(_)
            | Problem::OutOfRange(_) | Problem::Unrepresentable,
        )) => {}
        other => panic!("stateless reply is not a response: {other:?}"),
    }
}

fn check_stream(bytes: &[u8]) {
    match stream_frame(bytes) {
        StreamFrame::KeepAlive(n) | StreamFrame::Complete(n) => {
            assert!(n > 0 && n <= bytes.len(), "{n} of {}", bytes.len());
        }
        StreamFrame::Incomplete | StreamFrame::Invalid => {}
    }
}

fn check(bytes: &[u8]) {
    check_datagram(bytes);
    check_stream(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sipgen::cases(3000),
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
        cases: sipgen::cases(300),
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
