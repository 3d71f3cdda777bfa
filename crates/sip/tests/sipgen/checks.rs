//! The invariants every fuzzed input must keep, shared by the proptest fuzz tests and
//! the libFuzzer targets (so this file uses only switchyard-sip). A failed check panics:
//! that is a crash for both.

#![allow(dead_code, unreachable_pub)]

use switchyard_sip::{Error, Message, MessageLimits, Problem, StreamFrame, StreamFramer};

/// One datagram: parses and re-parses to the same head, or is a typed error whose
/// stateless reply passes [`check_reply`].
pub fn check_datagram(bytes: &[u8]) {
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
pub fn check_reply(status: u16, reply: &[u8]) {
    assert!((400..600).contains(&status), "{status}");
    assert!(reply.starts_with(format!("SIP/2.0 {status} ").as_bytes()));
    check_lines(reply);
    match Message::parse(reply) {
        Ok(Message::Response(r)) => assert_eq!(r.status().code(), status),
        Err(Error::Dropped(
            Problem::BadHeader(_)
            | Problem::Missing(_)
            | Problem::Duplicate(_)
            | Problem::OutOfRange(_)
            | Problem::Unrepresentable,
        )) => {}
        other => panic!("stateless reply is not a response: {other:?}"),
    }
}

/// Framed by its Content-Length, every head line ends in CRLF and holds no bare CR.
pub fn check_lines(msg: &[u8]) {
    // Our replies echo what they answer (a request's Vias, say), so they may exceed the
    // caps we put on what we receive: frame them without those caps.
    let unlimited = MessageLimits {
        max_header_bytes: usize::MAX,
        max_body_bytes: usize::MAX,
    };
    assert_eq!(
        StreamFramer::new(unlimited).next(msg),
        StreamFrame::Complete(msg.len())
    );
    let end = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    for line in msg[..end + 2]
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
    {
        let line = line
            .strip_suffix(b"\r")
            .unwrap_or_else(|| panic!("bare LF in {:?}", String::from_utf8_lossy(msg)));
        assert!(
            !line.contains(&b'\r'),
            "bare CR in {:?}",
            String::from_utf8_lossy(msg)
        );
    }
}

/// What the endpoint sends: a message that parses, or a stateless reply (marked by its
/// `Server: switchyard (problem)` line) that passes [`check_reply`].
pub fn check_sent(bytes: &[u8]) -> Option<Message> {
    match Message::parse(bytes) {
        Ok(m) => Some(m),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                text.contains("\r\nServer: switchyard ("),
                "the endpoint sent what does not parse ({e}):\n{text}"
            );
            let status = text
                .get(8..11)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status in {text}"));
            check_reply(status, bytes);
            None
        }
    }
}

/// An SDP body: parses or errs; what parses re-serializes to the same description; the
/// answer we would give (caller leg), the reading of it as an answer (agent leg) and the
/// re-answer to it as a re-INVITE (hold) never panic, and what we produce parses.
pub fn check_sdp(bytes: &[u8]) {
    use std::net::{IpAddr, Ipv4Addr};
    use switchyard_sip::sdp::{
        Codec, LocalMedia, SessionDescription, answer, hold, offer, read_answer,
    };
    let Ok(sdp) = SessionDescription::parse(bytes) else {
        return;
    };
    // What we write reads back with the same streams (session-level attributes are
    // folded into the media on parse, so compare streams), and writing is a fixed point.
    let once = sdp.to_bytes();
    let again = SessionDescription::parse(&once).expect("serialized SDP parses");
    assert_eq!(again.to_bytes(), once);
    assert_eq!(again.media.len(), sdp.media.len());
    for (a, m) in again.media.iter().zip(&sdp.media) {
        assert_eq!(
            (a.port, &a.formats, &a.rtpmaps),
            (m.port, &m.formats, &m.rtpmaps)
        );
        assert_eq!(again.address_of(a), sdp.address_of(m));
        if m.port != 0 {
            assert_eq!(a.direction, m.direction);
        }
    }
    let local = LocalMedia {
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        port: 40000,
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        telephone_event_pt: 101,
        session_id: 7,
        session_version: 1,
    };
    if let Ok((ans, n)) = answer(&sdp, &local) {
        assert_eq!(
            ans.media.len(),
            sdp.media.len(),
            "one answer line per offer line"
        );
        assert!(local.codecs.contains(&n.codec));
        SessionDescription::parse(&ans.to_bytes()).expect("our answer parses");
    }
    if let Ok(n) = read_answer(&local, &sdp) {
        assert!(local.codecs.contains(&n.codec));
    }
    let ours = offer(&local);
    if let Ok((re, _)) = hold::reanswer(&sdp, &ours) {
        SessionDescription::parse(&re.to_bytes()).expect("our re-answer parses");
    }
    let _ = hold::is_hold(&sdp);
    let _ = hold::offered_direction(&sdp);
}
