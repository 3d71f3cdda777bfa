//! The caller's leg: re-INVITEs it receives (hold, resume, moves) and sends (mirroring
//! the agent's hold).

use super::*;
use crate::message::Message;
use crate::sdp::{Codec, LocalMedia, answer};

const T0: Time = Time(1_900_000_000_000);
const OFFER: &str = "v=0\r\no=caller 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
const VIA: &str = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKre-out";

fn ms(n: u64) -> Time {
    T0 + Duration::from_millis(n)
}

fn parse_req(text: &str) -> Request {
    let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) else {
        panic!("{text}")
    };
    r
}

fn in_dialog(method: &str, cseq: u32, branch: &str, body: &str) -> Request {
    let ct = if body.is_empty() {
        ""
    } else {
        "Contact: <sip:caller@198.51.100.7:5060>\r\nContent-Type: application/sdp\r\n"
    };
    parse_req(&format!(
        "{method} sip:switchyard@192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+15550100@example.net>;tag=caller1\r\n\
         To: <sip:sales@switchyard.test>;tag=sy-leg\r\nCall-ID: call-in-1\r\nCSeq: {cseq} {method}\r\n\
         {ct}Content-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

/// An answered and ACKed caller leg, and the SDP we answered with.
fn up() -> (IncomingCall, SessionDescription) {
    let invite = parse_req(&format!(
        "INVITE sip:sales@switchyard.test SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKinv1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+15550100@example.net>;tag=caller1\r\n\
         To: <sip:sales@switchyard.test>\r\nCall-ID: call-in-1\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:caller@198.51.100.7:5060>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    ));
    let mut leg = IncomingCall::new(
        invite,
        TimerConfig::default(),
        Tag::new("sy-leg"),
        "sip:switchyard@192.0.2.1:5060".into(),
    )
    .unwrap();
    let local = LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 7,
        session_version: 1,
    };
    let sdp = answer(&leg.offer().unwrap(), &local).unwrap().0;
    leg.answer(ms(0), &sdp);
    leg.handle_request(ms(50), in_dialog("ACK", 1, "a1", ""));
    while leg.poll_transmit().is_some() {}
    assert_eq!(leg.poll_event(), Some(IncomingEvent::Confirmed));
    (leg, sdp)
}

fn sent(leg: &mut IncomingCall) -> Vec<Message> {
    std::iter::from_fn(|| leg.poll_transmit())
        .map(|t| Message::parse(&t.0).unwrap())
        .collect()
}

fn codes(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| match m {
            Message::Request(r) => r.method().to_string(),
            Message::Response(r) => r.status().code().to_string(),
        })
        .collect()
}

fn body_of(m: &Message) -> SessionDescription {
    let body = match m {
        Message::Request(r) => r.body(),
        Message::Response(r) => r.body(),
    };
    SessionDescription::parse(body).unwrap()
}

#[test]
fn resume_from_a_new_address_and_codec_is_answered_sendrecv_and_picked_up() {
    let (mut leg, _) = up();
    let hold = OFFER.replace("t=0 0\r\n", "t=0 0\r\na=inactive\r\n");
    leg.handle_request(ms(1000), in_dialog("INVITE", 2, "h1", &hold));
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["100", "200"]);
    assert_eq!(body_of(&out[1]).media[0].direction, Direction::Inactive);
    let Some(IncomingEvent::Reoffer(re)) = leg.poll_event() else {
        panic!()
    };
    assert!(re.hold && !re.was_hold, "a hold");
    leg.handle_request(ms(1050), in_dialog("ACK", 2, "h1a", ""));

    let moved = OFFER
        .replace("c=IN IP4 198.51.100.7", "c=IN IP4 198.51.100.99")
        .replace(
            "m=audio 30000 RTP/AVP 0 101",
            "m=audio 30100 RTP/AVP 8 0 101",
        );
    leg.handle_request(ms(5000), in_dialog("INVITE", 3, "r1", &moved));
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["100", "200"]);
    let ans = body_of(&out[1]);
    assert_eq!(ans.media[0].direction, Direction::SendRecv);
    assert_eq!(ans.media[0].port, 40_000);
    assert_eq!(ans.session_version, 3, "one up per answer");
    let Some(IncomingEvent::Reoffer(re)) = leg.poll_event() else {
        panic!()
    };
    assert!(!re.hold && re.was_hold, "a resume");
    let n = re.negotiated.unwrap();
    assert_eq!(n.remote, Some("198.51.100.99:30100".parse().unwrap()));
    assert_eq!(n.codec, Codec::Pcma);
}

#[test]
fn an_offer_without_g711_gets_488_and_changes_nothing() {
    let (mut leg, sdp) = up();
    let g729 = OFFER.replace("RTP/AVP 0 101", "RTP/AVP 18");
    leg.handle_request(ms(1000), in_dialog("INVITE", 2, "x1", &g729));
    assert_eq!(codes(&sent(&mut leg)), ["488"]);
    assert_eq!(leg.poll_event(), None);
    // A later re-INVITE is answered from the SDP we had.
    leg.handle_request(ms(2000), in_dialog("INVITE", 3, "x2", OFFER));
    let out = sent(&mut leg);
    assert_eq!(body_of(&out[1]).session_version, sdp.session_version + 1);
}

#[test]
fn our_reinvite_holds_the_caller_and_acks_every_2xx() {
    let (mut leg, sdp) = up();
    assert!(leg.reinvite(ms(1000), Direction::SendOnly, VIA));
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["INVITE"]);
    let Message::Request(re) = &out[0] else {
        panic!()
    };
    assert_eq!(
        re.uri(),
        "sip:caller@198.51.100.7:5060",
        "the caller's Contact"
    );
    assert_eq!(re.head().from.tag(), Some("sy-leg"));
    assert_eq!(re.head().to.tag(), Some("caller1"));
    assert_eq!(re.header("Contact"), ["<sip:switchyard@192.0.2.1:5060>"]);
    let offer = body_of(&out[0]);
    assert_eq!(offer.media[0].direction, Direction::SendOnly);
    assert_eq!(
        (offer.media[0].port, offer.session_version),
        (40_000, sdp.session_version + 1)
    );
    assert!(
        !leg.reinvite(ms(1001), Direction::SendRecv, VIA),
        "one offer at a time"
    );
    // Glare: the caller's own re-INVITE now gets 491.
    leg.handle_request(ms(1002), in_dialog("INVITE", 2, "g1", OFFER));
    assert_eq!(codes(&sent(&mut leg)), ["491"]);

    let ok = re
        .reply(StatusCode::OK)
        .header("Contact", "<sip:caller@198.51.100.7:5060>")
        .body(
            "application/sdp",
            OFFER
                .replace("t=0 0\r\n", "t=0 0\r\na=recvonly\r\n")
                .into_bytes(),
        )
        .build()
        .unwrap();
    leg.handle_response(ms(1100), ok.clone());
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["ACK"]);
    let Message::Request(ack) = &out[0] else {
        panic!()
    };
    assert_eq!(ack.head().cseq, re.head().cseq);
    assert_ne!(ack.head().top_via().branch(), re.head().top_via().branch());
    let Some(IncomingEvent::ReinviteDone(ReinviteOutcome::Answered(Some(a)))) = leg.poll_event()
    else {
        panic!()
    };
    assert_eq!(a.media[0].direction, Direction::RecvOnly);
    leg.handle_response(ms(1600), ok);
    assert_eq!(
        codes(&sent(&mut leg)),
        ["ACK"],
        "a retransmitted 2xx is ACKed again"
    );
    assert_eq!(leg.poll_event(), None);
    // Resume.
    assert!(leg.reinvite(ms(9000), Direction::SendRecv, VIA));
    let out = sent(&mut leg);
    assert_eq!(body_of(&out[0]).media[0].direction, Direction::SendRecv);
    let Message::Request(re2) = &out[0] else {
        panic!()
    };
    assert_eq!(re2.head().cseq, re.head().cseq + 1);
}

#[test]
fn a_refused_or_unanswered_reinvite_leaves_the_call_up() {
    let (mut leg, sdp) = up();
    assert!(leg.reinvite(ms(1000), Direction::SendOnly, VIA));
    let Message::Request(re) = sent(&mut leg).remove(0) else {
        panic!()
    };
    leg.handle_response(
        ms(1100),
        re.reply(StatusCode::REQUEST_PENDING).build().unwrap(),
    );
    assert_eq!(
        codes(&sent(&mut leg)),
        ["ACK"],
        "the transaction ACKs a 491"
    );
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::ReinviteDone(ReinviteOutcome::Failed(
            StatusCode::REQUEST_PENDING
        )))
    );
    assert_eq!(leg.state(), IncomingState::Confirmed);
    // The caller's next re-INVITE is answered sendrecv from our old SDP, version ahead.
    leg.handle_request(ms(2000), in_dialog("INVITE", 2, "n1", OFFER));
    let out = sent(&mut leg);
    let ans = body_of(&out[1]);
    assert_eq!(ans.media[0].direction, Direction::SendRecv);
    assert_eq!(ans.session_version, sdp.session_version + 2);
    leg.handle_request(ms(2100), in_dialog("ACK", 2, "n1a", ""));
    leg.poll_event();

    // Nobody answers: 408 after timer B, still up.
    assert!(leg.reinvite(ms(3000), Direction::SendOnly, VIA));
    let mut outcome = None;
    while outcome.is_none() {
        let t = leg.poll_timeout().unwrap();
        leg.handle_timeout(t);
        while let Some(e) = leg.poll_event() {
            outcome = Some(e);
        }
    }
    assert_eq!(
        outcome,
        Some(IncomingEvent::ReinviteDone(ReinviteOutcome::Failed(
            StatusCode::REQUEST_TIMEOUT
        )))
    );
    assert_eq!(leg.state(), IncomingState::Confirmed);
}
