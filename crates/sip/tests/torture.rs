//! RFC 4475 torture messages, parsed exactly as written (files under `tests/torture/`).
//!
//! Every message has an expected outcome. Valid messages must parse; invalid ones must be
//! answered (400, or 505 for a bad version) or dropped, as RFC 4475 describes. Messages the
//! RFC calls valid but that an endpoint answers with a specific status (unknown method →
//! 501, unknown Request-URI scheme → 416) expect that status. Where the underlying rsip
//! parser cannot represent a valid message, the expectation is a `Limitation` with the
//! reason: the test fails if the behaviour changes in either direction.

use std::path::Path;
use switchyard_sip::{Disposition, Message, Problem};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Parses as a request or response.
    Valid,
    /// Answered statelessly with this status.
    Reply(u16),
    /// Silently dropped.
    Drop,
    /// RFC says valid; we answer this status because rsip cannot hold the message.
    Limitation(u16, &'static str),
}

use Expect::*;

const CASES: &[(&str, Expect)] = &[
    // 3.1.1 Valid messages
    ("wsinv", Valid),
    ("intmeth", Reply(501)), // valid, unknown method: an endpoint answers 501
    ("esc01", Valid),
    ("escnull", Valid),
    ("esc02", Reply(501)), // valid, method RE%47IST%45R is unknown: 501
    ("lwsdisp", Valid),
    ("longreq", Valid),
    ("dblreq", Valid),
    (
        "semiuri",
        Limitation(
            400,
            "rsip 0.4's URI tokenizer rejects ';' in the user part of the Request-URI",
        ),
    ),
    ("transports", Valid),
    ("mpart01", Valid),
    ("unreason", Valid),
    ("noreason", Valid),
    // 3.1.2 Invalid messages
    ("badinv01", Reply(400)),
    ("clerr", Reply(400)),
    ("ncl", Reply(400)),
    ("scalar02", Reply(400)),
    ("scalarlg", Drop), // a response: never answered
    ("quotbal", Reply(400)),
    ("ltgtruri", Reply(400)),
    ("lwsruri", Reply(400)),
    ("lwsstart", Reply(400)),
    ("trws", Reply(400)),
    ("escruri", Reply(400)),
    ("baddate", Valid), // RFC allows ignoring a Date we do not use
    ("regbadct", Reply(400)),
    ("badaspec", Reply(400)),
    ("baddn", Reply(400)),
    ("badvers", Reply(505)),
    ("mismatch01", Reply(400)),
    ("mismatch02", Reply(501)),
    ("bigcode", Drop),
    // 3.1.3 Transaction layer semantics
    ("badbranch", Valid), // falls back to RFC 2543 matching
    // 3.1.4 Application layer semantics
    ("insuf", Reply(400)),
    ("unkscm", Reply(416)),
    ("novelsc", Reply(416)),
    ("unksm2", Valid),
    ("bext01", Valid),
    ("invut", Valid),
    ("regaut01", Valid),
    ("multi01", Reply(400)),
    ("mcl01", Reply(400)),
    ("bcast", Valid),
    ("zeromf", Valid),
    ("cparam01", Valid),
    ("cparam02", Valid),
    ("regescrt", Valid),
    ("sdp01", Valid),
    // 3.2 Backward compatibility
    ("inv2543", Valid),
];

fn load(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/torture")
        .join(format!("{name}.dat"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn outcome(bytes: &[u8]) -> Result<Message, (Disposition, Option<Problem>)> {
    Message::parse(bytes).map_err(|e| (e.disposition(), e.problem()))
}

#[test]
fn every_fixture_has_an_expectation_and_vice_versa() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/torture");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut named: Vec<String> = CASES.iter().map(|(n, _)| (*n).to_owned()).collect();
    named.sort();
    assert_eq!(files, named);
    assert_eq!(files.len(), 49, "RFC 4475 has 49 messages");
}

#[test]
fn torture_messages_get_their_rfc_outcome() {
    let mut failures = Vec::new();
    for (name, expect) in CASES {
        let got = outcome(&load(name));
        let ok = match (expect, &got) {
            (Valid, Ok(m)) => {
                // Round trip: what we serialize parses to the same head.
                let again = Message::parse(&m.to_bytes()).expect("re-parse");
                again.head() == m.head()
            }
            (
                Reply(code) | Limitation(code, _),
                Err((Disposition::Reply(status, reply), problem)),
            ) => {
                // The reply copies the request's Via, From, To, Call-ID and CSeq as received,
                // malformed or not (§8.2.6), so it is checked as text, not re-parsed.
                let text = String::from_utf8_lossy(reply);
                let reply_ok = text.starts_with(&format!("SIP/2.0 {code} "))
                    && text.contains("\r\nVia: ")
                    && text.ends_with("Content-Length: 0\r\n\r\n");
                status.code() == *code
                    && reply_ok
                    && (matches!(expect, Reply(_)) || *problem == Some(Problem::Unrepresentable))
            }
            (Drop, Err((Disposition::Drop, _))) => true,
            _ => false,
        };
        if !ok {
            let got = match got {
                Ok(m) => format!("parsed {:?}", m.head().cseq_method),
                Err((Disposition::Reply(s, _), p)) => format!("reply {s} ({p:?})"),
                Err((Disposition::Drop, p)) => format!("drop ({p:?})"),
            };
            failures.push(format!("{name}: expected {expect:?}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn known_limitations_are_exactly_these() {
    let limited: Vec<&str> = CASES
        .iter()
        .filter(|(_, e)| matches!(e, Limitation(..)))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(limited, ["semiuri"]);
}

#[test]
fn wsinv_fields_survive_folding_and_compact_forms() {
    let Ok(Message::Request(r)) = Message::parse(&load("wsinv")) else {
        panic!()
    };
    let h = r.head();
    assert_eq!(h.call_id.as_str(), "wsinv.ndaksdj@192.0.2.1");
    assert_eq!((h.cseq, h.max_forwards), (9, Some(68)));
    assert_eq!(h.vias.len(), 3);
    assert_eq!(h.vias[1].branch().unwrap().as_str(), "z9hG4bK9ikj8");
    assert_eq!(h.vias[2].branch().unwrap().as_str(), "z9hG4bK30239");
    assert_eq!(h.to.tag(), Some("1918181833n"));
    assert_eq!(h.from.tag(), Some("98asjd8"));
    assert_eq!(r.body().len(), 150);
    assert_eq!(r.header("Contact").len(), 1);
}

#[test]
fn dblreq_ignores_octets_after_the_body() {
    let Ok(Message::Request(r)) = Message::parse(&load("dblreq")) else {
        panic!()
    };
    assert_eq!(r.method(), switchyard_sip::Method::Register);
    assert!(r.body().is_empty());
}

#[test]
fn mpart01_binary_body_is_framed_exactly() {
    let bytes = load("mpart01");
    let Ok(Message::Request(r)) = Message::parse(&bytes) else {
        panic!()
    };
    let len: usize = r.header("Content-Length")[0].parse().unwrap();
    assert_eq!(r.body().len(), len);
    assert!(bytes.windows(len).any(|w| w == r.body()));
    assert!(
        r.to_bytes().ends_with(r.body()),
        "body serialized byte-exact"
    );
}

#[test]
fn a_reply_to_a_malformed_request_copies_its_identity() {
    let Err(e) = Message::parse(&load("mismatch01")) else {
        panic!()
    };
    let Disposition::Reply(_, bytes) = e.disposition() else {
        panic!()
    };
    let Ok(Message::Response(r)) = Message::parse(&bytes) else {
        panic!()
    };
    assert_eq!(r.status().code(), 400);
    assert!(r.head().to.tag().is_some(), "a To-tag is added");
    assert_eq!(
        r.head().top_via().branch().unwrap().as_str(),
        "z9hG4bKkdjuw"
    );
}
