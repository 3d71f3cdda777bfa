//! Outgoing legs answering digest challenges, checked against the crate's own
//! [`Authenticator`] as the trunk.

use super::*;
use crate::auth::{Authenticator, Verdict};
use crate::digest::{Algorithm, Credentials};
use crate::message::Message;
use crate::types::Tag;
use std::time::Duration;

const T0: Time = Time(2_000_000_000_000);
const URI: &str = "sip:+15550100@203.0.113.9:5060";
const OFFER: &str = "v=0\r\no=switchyard 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n";
const ANSWER: &str = "v=0\r\no=trunk 5 5 IN IP4 203.0.113.9\r\ns=-\r\nc=IN IP4 203.0.113.9\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";

fn ms(n: u64) -> Time {
    T0 + Duration::from_millis(n)
}

fn creds() -> ClientCredentials {
    ClientCredentials {
        username: "acme".into(),
        password: "trunk-pass".into(),
    }
}

fn leg(credentials: Option<ClientCredentials>) -> OutgoingCall {
    let invite = RequestBuilder::new(Method::Invite, URI)
        .header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcb1")
        .header("From", "\"Acme\" <sip:+15550199@switchyard.test>;tag=sy-cb")
        .header("To", format!("<{URI}>"))
        .header("Call-ID", "cb-1@switchyard")
        .header("CSeq", "1 INVITE")
        .header("Contact", "<sip:switchyard@192.0.2.1:5060>")
        .body("application/sdp", OFFER.as_bytes().to_vec())
        .build()
        .unwrap();
    let leg = OutgoingCall::new(
        T0,
        invite,
        "SIP/2.0/UDP 192.0.2.1:5060",
        TimerConfig::default(),
    )
    .unwrap();
    match credentials {
        Some(c) => leg.with_credentials(c),
        None => leg,
    }
}

fn trunk(realm: &str) -> Authenticator {
    Authenticator::new(realm, b"trunk secret", Duration::from_secs(300))
}

/// The trunk's challenge to `invite`: 401 (WWW-Authenticate) or 407 (Proxy-Authenticate).
fn challenge(
    invite: &Request,
    code: u16,
    auth: &mut Authenticator,
    algs: &[Algorithm],
) -> Response {
    let header = if code == 401 {
        "WWW-Authenticate"
    } else {
        "Proxy-Authenticate"
    };
    let mut b = invite
        .reply(StatusCode::new(code).unwrap())
        .to_tag(&Tag::new("trk"));
    for ch in auth.challenges(T0, false, algs) {
        b = b.header(header, ch.to_header_value());
    }
    b.build().unwrap()
}

fn sent(leg: &mut OutgoingCall) -> Vec<Message> {
    std::iter::from_fn(|| leg.poll_transmit())
        .map(|t| Message::parse(&t.0).unwrap())
        .collect()
}

fn names(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| match m {
            Message::Request(r) => r.method().to_string(),
            Message::Response(r) => r.status().code().to_string(),
        })
        .collect()
}

fn request(m: &Message) -> &Request {
    match m {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

fn verify(auth: &mut Authenticator, header: &str, invite: &Request) -> Verdict {
    let value = invite.header(header).concat();
    let c = Credentials::parse(&value).unwrap().unwrap();
    assert_eq!(c.uri, URI, "digest-uri is the Request-URI");
    let ha1 = crate::digest::Ha1::from_password("acme", &c.realm, "trunk-pass");
    auth.verify(T0, Method::Invite, Some(&c), Some(&ha1))
}

#[test]
fn a_401_is_acked_and_the_invite_retried_with_a_digest_the_trunk_accepts() {
    let mut auth = trunk("trunk.example");
    let mut leg = leg(Some(creds()));
    let first = request(&sent(&mut leg)[0]).clone();
    let ch = challenge(&first, 401, &mut auth, &[Algorithm::Sha256, Algorithm::Md5]);
    leg.handle_response(ms(30), ch.clone());
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["ACK", "INVITE"]);
    let ack = request(&out[0]);
    assert_eq!(
        ack.head().top_via().branch(),
        first.head().top_via().branch()
    );
    let retry = request(&out[1]).clone();
    assert_eq!(retry.head().call_id, first.head().call_id);
    assert_eq!(retry.head().from.tag(), Some("sy-cb"));
    assert_eq!(retry.head().to.tag(), None);
    assert_eq!(retry.head().cseq, 2);
    assert_ne!(
        retry.head().top_via().branch(),
        first.head().top_via().branch()
    );
    assert_eq!(retry.body(), first.body(), "the same offer");
    assert_eq!(leg.invite(), &retry);
    assert!(
        retry
            .header("Authorization")
            .concat()
            .contains("algorithm=SHA-256")
    );
    assert_eq!(
        verify(&mut auth, "Authorization", &retry),
        Verdict::Authorized {
            username: "acme".into()
        }
    );
    assert_eq!(
        leg.poll_event(),
        None,
        "a challenge we answer is not a failure"
    );

    // The 401 again (our ACK was lost): ACKed by the old transaction, nothing re-sent.
    leg.handle_response(ms(600), ch);
    assert_eq!(names(&sent(&mut leg)), ["ACK"]);

    leg.handle_response(
        ms(700),
        retry
            .reply(StatusCode::RINGING)
            .to_tag(&Tag::new("trk2"))
            .header("Contact", "<sip:gw@203.0.113.9:5060>")
            .build()
            .unwrap(),
    );
    assert_eq!(leg.poll_event(), Some(OutgoingEvent::Ringing));
    let ok = retry
        .reply(StatusCode::OK)
        .to_tag(&Tag::new("trk2"))
        .header("Contact", "<sip:gw@203.0.113.9:5060>")
        .body("application/sdp", ANSWER.as_bytes().to_vec())
        .build()
        .unwrap();
    leg.handle_response(ms(5000), ok);
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["ACK"]);
    assert_eq!(
        request(&out[0]).head().cseq,
        2,
        "ACK for 2xx has the INVITE's CSeq"
    );
    assert!(matches!(
        leg.poll_event(),
        Some(OutgoingEvent::Answered(Some(_)))
    ));
    leg.hangup(ms(60_000));
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["BYE"]);
    assert_eq!(request(&out[0]).head().cseq, 3);
    assert_eq!(request(&out[0]).uri(), "sip:gw@203.0.113.9:5060");
}

#[test]
fn a_407_is_answered_with_proxy_authorization_then_a_401_of_another_realm_too() {
    let mut proxy = trunk("proxy.example");
    let mut uas = trunk("uas.example");
    let mut leg = leg(Some(creds()));
    let first = request(&sent(&mut leg)[0]).clone();
    leg.handle_response(
        ms(20),
        challenge(&first, 407, &mut proxy, &[Algorithm::Md5]),
    );
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["ACK", "INVITE"]);
    let second = request(&out[1]).clone();
    assert!(second.header("Authorization").is_empty());
    assert!(
        second
            .header("Proxy-Authorization")
            .concat()
            .contains("algorithm=MD5")
    );
    assert!(matches!(
        verify(&mut proxy, "Proxy-Authorization", &second),
        Verdict::Authorized { .. }
    ));
    leg.handle_response(
        ms(40),
        challenge(&second, 401, &mut uas, &[Algorithm::Sha256]),
    );
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["ACK", "INVITE"]);
    let third = request(&out[1]);
    assert_eq!(third.head().cseq, 3);
    assert_eq!(
        third.header("Proxy-Authorization").len(),
        1,
        "the proxy's answer kept"
    );
    assert!(matches!(
        verify(&mut uas, "Authorization", third),
        Verdict::Authorized { .. }
    ));
    assert_eq!(leg.poll_event(), None);
}

#[test]
fn a_second_challenge_after_an_authenticated_attempt_fails_the_call() {
    for code in [401, 407] {
        let mut auth = trunk("trunk.example");
        let mut leg = leg(Some(ClientCredentials {
            password: "wrong".into(),
            ..creds()
        }));
        let first = request(&sent(&mut leg)[0]).clone();
        leg.handle_response(
            ms(20),
            challenge(&first, code, &mut auth, &[Algorithm::Sha256]),
        );
        let retry = request(&sent(&mut leg)[1]).clone();
        assert!(matches!(
            verify(
                &mut auth,
                if code == 401 {
                    "Authorization"
                } else {
                    "Proxy-Authorization"
                },
                &retry
            ),
            Verdict::WrongCredentials { .. }
        ));
        leg.handle_response(
            ms(40),
            challenge(&retry, code, &mut auth, &[Algorithm::Sha256]),
        );
        assert_eq!(names(&sent(&mut leg)), ["ACK"], "no third INVITE");
        assert_eq!(
            leg.poll_event(),
            Some(OutgoingEvent::Failed(StatusCode::new(code).unwrap()))
        );
        assert_eq!(leg.state(), OutgoingState::Ended);
        while let Some(t) = leg.poll_timeout() {
            leg.handle_timeout(t);
        }
        assert!(leg.is_finished(), "old and new transactions end (timer D)");
    }
}

#[test]
fn without_credentials_a_401_fails_the_call() {
    let mut auth = trunk("trunk.example");
    let mut leg = leg(None);
    let first = request(&sent(&mut leg)[0]).clone();
    leg.handle_response(ms(20), challenge(&first, 401, &mut auth, &[Algorithm::Md5]));
    assert_eq!(names(&sent(&mut leg)), ["ACK"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Failed(StatusCode::UNAUTHORIZED))
    );
}

#[test]
fn cancel_after_the_retry_matches_the_current_invite() {
    let mut auth = trunk("trunk.example");
    let mut leg = leg(Some(creds()));
    let first = request(&sent(&mut leg)[0]).clone();
    // The trunk said 100 to the first INVITE; that does not count for the second.
    leg.handle_response(ms(5), first.reply(StatusCode::TRYING).build().unwrap());
    leg.handle_response(ms(20), challenge(&first, 401, &mut auth, &[Algorithm::Md5]));
    let retry = request(&sent(&mut leg)[1]).clone();
    leg.cancel(ms(30));
    assert!(
        names(&sent(&mut leg)).is_empty(),
        "§9.1: the CANCEL waits for a provisional to the retried INVITE"
    );
    leg.handle_response(ms(50), retry.reply(StatusCode::TRYING).build().unwrap());
    let out = sent(&mut leg);
    assert_eq!(names(&out), ["CANCEL"]);
    let cancel = request(&out[0]);
    assert_eq!(
        cancel.head().top_via().branch(),
        retry.head().top_via().branch()
    );
    assert_eq!(cancel.head().cseq, 2);
    assert_eq!(cancel.uri(), retry.uri());
    leg.handle_response(ms(60), cancel.reply(StatusCode::OK).build().unwrap());
    leg.handle_response(
        ms(70),
        retry
            .reply(StatusCode::REQUEST_TERMINATED)
            .to_tag(&Tag::new("trk"))
            .build()
            .unwrap(),
    );
    assert_eq!(names(&sent(&mut leg)), ["ACK"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Ended(EndReason::Cancelled))
    );
}

#[test]
fn a_challenge_while_cancelling_is_not_answered() {
    let mut auth = trunk("trunk.example");
    let mut leg = leg(Some(creds()));
    let first = request(&sent(&mut leg)[0]).clone();
    leg.handle_response(ms(5), first.reply(StatusCode::TRYING).build().unwrap());
    leg.cancel(ms(10));
    assert_eq!(names(&sent(&mut leg)), ["CANCEL"]);
    leg.handle_response(ms(20), challenge(&first, 401, &mut auth, &[Algorithm::Md5]));
    assert_eq!(names(&sent(&mut leg)), ["ACK"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Ended(EndReason::Cancelled))
    );
}
