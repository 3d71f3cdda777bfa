//! Malformed SIP never crashes the parser: arbitrary bytes, every truncation of the RFC 4475
//! messages, and random mutations of them either parse or come back as a typed error. What
//! parses also re-serializes to something that parses to the same head.

use proptest::prelude::*;
use std::path::Path;
use switchyard_sip::{Message, StreamFrame, stream_frame};

fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/torture");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    out.sort();
    out
}

fn check(bytes: &[u8]) {
    if let Ok(m) = Message::parse(bytes) {
        let again = Message::parse(&m.to_bytes()).expect("what parsed re-parses");
        assert_eq!(again.head(), m.head());
    }
    let _ = stream_frame(bytes);
}

#[test]
fn every_truncation_of_every_torture_message() {
    for f in fixtures() {
        for end in 0..f.len() {
            check(&f[..end]);
        }
    }
}

#[test]
fn stream_framing_of_back_to_back_messages() {
    // The valid messages whose Content-Length frames them exactly, sent down one stream.
    let exact: Vec<Vec<u8>> = fixtures()
        .into_iter()
        .filter(|f| Message::parse(f).is_ok() && stream_frame(f) == StreamFrame::Complete(f.len()))
        .collect();
    assert!(exact.len() >= 10, "{}", exact.len());
    let mut stream: Vec<u8> = b"\r\n\r\n".to_vec();
    for f in &exact {
        stream.extend_from_slice(f);
    }
    let mut rest = &stream[..];
    let mut frames = Vec::new();
    while !rest.is_empty() {
        match stream_frame(rest) {
            StreamFrame::KeepAlive(n) => rest = &rest[n..],
            StreamFrame::Complete(n) => {
                frames.push(rest[..n].to_vec());
                rest = &rest[n..];
            }
            other => panic!("{other:?} after {} frames", frames.len()),
        }
    }
    assert_eq!(frames, exact);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        check(&bytes);
    }

    #[test]
    fn mutated_torture_messages(
        which in 0usize..49,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut msg = fixtures()[which].clone();
        for (at, byte, kind) in edits {
            if msg.is_empty() { break; }
            let i = at.index(msg.len());
            match kind {
                0 => msg[i] = byte,
                1 => msg.insert(i, byte),
                _ => { msg.remove(i); }
            }
        }
        check(&msg);
    }
}
