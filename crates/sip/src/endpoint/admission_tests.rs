//! Admission of INVITEs through the endpoint: trunks by address (and digest), agents'
//! phones by Proxy-Authorization, caps with 503 + Retry-After, early media only toward
//! trunks. Time is injected.

use super::*;
use crate::digest::{Challenge, Credentials};
use crate::registrar::Account;
use crate::types::StatusCode;
use switchyard_core::AgentId;

const T0: Time = Time(1_800_000_000_000);

struct Store;

impl CredentialStore for Store {
    fn account(&self, username: &str) -> Option<Account> {
        (username == "1001").then(|| Account {
            agent: AgentId(7),
            ha1: crate::digest::Ha1::from_password("1001", "example.com", "pw-for-1001"),
        })
    }
}

const STRANGER: &str = "203.0.113.5:5060";
const TRUNK: &str = "192.0.2.50:5060";

fn endpoint(admission: AdmissionConfig) -> Endpoint<Store> {
    let mut config = EndpointConfig {
        accept_calls: true,
        advertised: Some("192.0.2.1:5060".parse().unwrap()),
        admission,
        ..EndpointConfig::default()
    };
    config.registrar.realm = "example.com".into();
    Endpoint::new(config, Store, b"secret")
}

fn trunked() -> AdmissionConfig {
    let mut a = AdmissionConfig::default();
    a.trunks.push(TrunkIn::new(
        "carrier",
        Cidr::parse_list("192.0.2.0/24").unwrap(),
    ));
    a
}

const OFFER: &str = "v=0\r\no=c 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

fn invite(call_id: &str, from_user: &str, extra: &str) -> Vec<u8> {
    format!(
        "INVITE sip:5000@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK{call_id}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:{from_user}@example.com>;tag=a\r\nTo: <sip:5000@example.com>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:c@203.0.113.5>\r\n{extra}\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    )
    .into_bytes()
}

fn responses(ep: &mut Endpoint<Store>) -> Vec<crate::Response> {
    std::iter::from_fn(|| ep.poll_transmit())
        .filter_map(|d| match Message::parse(&d.bytes) {
            Ok(Message::Response(r)) => Some(r),
            _ => None,
        })
        .collect()
}

fn finals(ep: &mut Endpoint<Store>) -> Vec<u16> {
    responses(ep)
        .iter()
        .map(|r| r.status().code())
        .filter(|c| *c >= 200)
        .collect()
}

fn new_call(ep: &mut Endpoint<Store>) -> Option<NewCall> {
    std::iter::from_fn(|| ep.poll_event()).find_map(|e| match e {
        EndpointEvent::IncomingCall(n) => Some(*n),
        _ => None,
    })
}

fn refusals(ep: &mut Endpoint<Store>) -> Vec<Refusal> {
    std::iter::from_fn(|| ep.poll_event())
        .filter_map(|e| match e {
            EndpointEvent::CallRefused { reason, .. } => Some(reason),
            _ => None,
        })
        .collect()
}

fn answer_challenge(resp: &crate::Response, user: &str, password: &str) -> String {
    let value = &resp.header("Proxy-Authenticate")[0];
    let nonce = value
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(value.contains("algorithm=SHA-256"), "{value}");
    let ch = Challenge {
        realm: "example.com".into(),
        nonce: nonce.into(),
        algorithm: crate::digest::Algorithm::Sha256,
        stale: false,
    };
    let v = Credentials::answer(
        &ch,
        user,
        password,
        "INVITE",
        "sip:5000@example.com",
        1,
        "cn",
    );
    format!("Proxy-Authorization: {v}\r\n")
}

#[test]
fn a_stranger_is_unauthenticated_and_a_challenged_phone_becomes_its_agent() {
    let mut ep = endpoint(trunked());
    let stranger: SocketAddr = STRANGER.parse().unwrap();
    ep.handle_datagram(T0, stranger, &invite("s1", "mallory", ""));
    let call = new_call(&mut ep).unwrap();
    assert_eq!(
        call.origin,
        CallOrigin::Unauthenticated {
            challengeable: false
        }
    );
    ep.handle_datagram(T0, stranger, &invite("s2", "1001", ""));
    let phone = new_call(&mut ep).unwrap();
    assert_eq!(
        phone.origin,
        CallOrigin::Unauthenticated {
            challengeable: true
        }
    );
    // The server decides: the phone is challenged, the stranger refused.
    assert!(ep.challenge(T0, phone.call));
    assert!(ep.reject(T0, call.call, StatusCode::FORBIDDEN));
    let got = responses(&mut ep);
    let challenge = got.iter().find(|r| r.status().code() == 407).unwrap();
    assert_eq!(
        challenge.header("Proxy-Authenticate").len(),
        2,
        "SHA-256 and MD5"
    );
    assert!(got.iter().any(|r| r.status().code() == 403));
    assert!(got.iter().all(|r| r.body().is_empty()), "no SDP to anyone");
    // The phone answers the challenge: an authenticated agent's call.
    let auth = answer_challenge(challenge, "1001", "pw-for-1001");
    ep.handle_datagram(T0, stranger, &invite("s3", "1001", &auth));
    assert_eq!(
        new_call(&mut ep).unwrap().origin,
        CallOrigin::Endpoint {
            username: "1001".into(),
            agent: AgentId(7)
        }
    );
    // Wrong password: 403 from the endpoint, no call at all.
    let auth = answer_challenge(challenge, "1001", "guess");
    ep.handle_datagram(T0, stranger, &invite("s4", "1001", &auth));
    assert_eq!(finals(&mut ep), [403]);
    assert_eq!(refusals(&mut ep), [Refusal::BadCredentials]);
    assert_eq!(ep.call_count(), 3);
}

#[test]
fn a_trunk_is_trusted_by_address_and_with_credentials_must_answer_407() {
    let mut ep = endpoint(trunked());
    let trunk: SocketAddr = TRUNK.parse().unwrap();
    ep.handle_datagram(T0, trunk, &invite("t1", "+4930123", ""));
    let call = new_call(&mut ep).unwrap();
    assert!(call.origin.is_trusted());
    assert_eq!(
        call.origin,
        CallOrigin::Trunk {
            name: "carrier".into(),
            tenants: vec![]
        }
    );
    let mut cfg = trunked();
    cfg.trunks[0].credentials = Some(("carrier".into(), "trunk-secret".into()));
    cfg.trunks[0].tenants = vec![3];
    let mut ep = endpoint(cfg);
    ep.handle_datagram(T0, trunk, &invite("t2", "+4930123", ""));
    let got = responses(&mut ep);
    assert_eq!(got.last().unwrap().status().code(), 407);
    assert_eq!(refusals(&mut ep), [Refusal::Challenged]);
    let auth = answer_challenge(got.last().unwrap(), "carrier", "trunk-secret");
    ep.handle_datagram(T0, trunk, &invite("t3", "+4930123", &auth));
    assert_eq!(
        new_call(&mut ep).unwrap().origin,
        CallOrigin::Trunk {
            name: "carrier".into(),
            tenants: vec![3]
        }
    );
    let auth = answer_challenge(got.last().unwrap(), "carrier", "wrong");
    ep.handle_datagram(T0, trunk, &invite("t4", "+4930123", &auth));
    assert_eq!(finals(&mut ep), [403]);
}

#[test]
fn over_the_caps_a_caller_gets_503_with_retry_after_and_a_slot_frees_when_a_call_ends() {
    let mut cfg = trunked();
    cfg.per_source.max_concurrent = 2;
    let mut ep = endpoint(cfg);
    let stranger: SocketAddr = STRANGER.parse().unwrap();
    let mut calls = Vec::new();
    for i in 0..2 {
        ep.handle_datagram(T0, stranger, &invite(&format!("c{i}"), "x", ""));
        calls.push(new_call(&mut ep).unwrap().call);
    }
    responses(&mut ep);
    ep.handle_datagram(T0, stranger, &invite("c2", "x", ""));
    let got = responses(&mut ep);
    let busy = got.last().unwrap();
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.header("Retry-After"), ["5"]);
    assert_eq!(refusals(&mut ep), [Refusal::SourceConcurrency]);
    // A trunk is not held back by the stranger's cap.
    ep.handle_datagram(T0, TRUNK.parse().unwrap(), &invite("c3", "x", ""));
    assert!(new_call(&mut ep).is_some());
    // One of the stranger's calls ends: room again.
    ep.reject(T0, calls[0], StatusCode::FORBIDDEN);
    responses(&mut ep);
    ep.handle_datagram(T0, stranger, &invite("c4", "x", ""));
    let c4 = new_call(&mut ep).unwrap().call;
    // The rate: a burst of 10 new calls per source, then 5/s; rate refusals say 1 s.
    ep.reject(T0, c4, StatusCode::FORBIDDEN);
    ep.reject(T0, calls[1], StatusCode::FORBIDDEN);
    let mut codes = Vec::new();
    for i in 0..12 {
        ep.handle_datagram(T0, stranger, &invite(&format!("r{i}"), "x", ""));
        let last = responses(&mut ep).pop().unwrap();
        codes.push((last.status().code(), last.header("Retry-After")));
        if let Some(n) = new_call(&mut ep) {
            ep.reject(T0, n.call, StatusCode::FORBIDDEN);
            responses(&mut ep);
        }
    }
    let refused: Vec<_> = codes.iter().filter(|(c, _)| *c == 503).collect();
    assert_eq!(
        refused.len(),
        5,
        "3 of the burst were used above (not by the 503): {codes:?}"
    );
    assert!(refused.iter().all(|(_, r)| r == &["1"]));
}

#[test]
fn early_media_goes_only_to_trunks() {
    let mut ep = endpoint(trunked());
    let local = crate::sdp::LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![crate::sdp::Codec::Pcmu],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    };
    for (from, expect) in [(STRANGER, 180), (TRUNK, 183)] {
        let id = format!("em{expect}");
        ep.handle_datagram(T0, from.parse().unwrap(), &invite(&id, "x", ""));
        let call = new_call(&mut ep).unwrap();
        let (sdp, _) = crate::sdp::answer(call.offer.as_ref().unwrap(), &local).unwrap();
        responses(&mut ep);
        ep.ring(T0, call.call, Some(&sdp));
        let got = responses(&mut ep);
        assert_eq!(got[0].status().code(), expect, "{from}");
        assert_eq!(got[0].body().is_empty(), expect == 180);
    }
}

#[test]
fn a_trunk_address_has_its_own_datagram_limit() {
    let mut cfg = trunked();
    cfg.trunks[0].datagrams = RateLimit {
        per_second: 100,
        burst: 1000,
    };
    let config = EndpointConfig {
        rate_limit: Some(RateLimit {
            per_second: 10,
            burst: 10,
        }),
        admission: cfg,
        ..EndpointConfig::default()
    };
    let mut ep = Endpoint::new(config, Store, b"secret");
    let options = |i: usize| {
        format!(
            "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKo{i}\r\n\
             From: <sip:a@x>;tag=1\r\nTo: <sip:x>\r\nCall-ID: o{i}\r\nCSeq: 1 OPTIONS\r\n\
             Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    for (from, answered) in [(TRUNK, 500), (STRANGER, 10)] {
        for i in 0..500 {
            ep.handle_datagram(T0, from.parse().unwrap(), options(i).as_bytes());
        }
        assert_eq!(responses(&mut ep).len(), answered, "{from}");
    }
}
