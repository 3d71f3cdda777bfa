//! The agent's leg: the phone's re-INVITEs (hold/resume) and ours.

use super::*;
use crate::message::Message;
use crate::sdp::Direction;
use crate::types::Tag;

const T0: Time = Time(2_000_000_000_000);
const OFFER: &str = "v=0\r\no=switchyard 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
const ANSWER: &str = "v=0\r\no=agent 5 5 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

fn ms(n: u64) -> Time {
    T0 + std::time::Duration::from_millis(n)
}

fn parse_req(text: &str) -> Request {
    let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) else {
        panic!("{text}")
    };
    r
}

/// An answered agent leg.
fn up() -> OutgoingCall {
    let invite = RequestBuilder::new(Method::Invite, "sip:1001@203.0.113.5:5062")
        .header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKagent1")
        .header("From", "<sip:queue-sales@switchyard.test>;tag=sy-out")
        .header("To", "<sip:1001@switchyard.test>")
        .header("Call-ID", "out-1@switchyard")
        .header("CSeq", "1 INVITE")
        .header("Contact", "<sip:switchyard@192.0.2.1:5060>")
        .body("application/sdp", OFFER.as_bytes().to_vec())
        .build()
        .unwrap();
    let mut leg = OutgoingCall::new(
        T0,
        invite.clone(),
        "SIP/2.0/UDP 192.0.2.1:5060",
        TimerConfig::default(),
    )
    .unwrap();
    let ok = invite
        .reply(StatusCode::OK)
        .to_tag(&Tag::new("dev1"))
        .header("Contact", "<sip:1001@203.0.113.5:5062>")
        .body("application/sdp", ANSWER.as_bytes().to_vec())
        .build()
        .unwrap();
    leg.handle_response(ms(100), ok);
    while leg.poll_transmit().is_some() {}
    assert!(matches!(leg.poll_event(), Some(OutgoingEvent::Answered(_))));
    leg
}

/// A request from the phone inside the dialog.
fn from_phone(method: &str, cseq: u32, branch: &str, body: &str) -> Request {
    let ct = if body.is_empty() {
        ""
    } else {
        "Contact: <sip:1001@203.0.113.5:5062>\r\nContent-Type: application/sdp\r\n"
    };
    parse_req(&format!(
        "{method} sip:switchyard@192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.5:5062;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@switchyard.test>;tag=dev1\r\n\
         To: <sip:queue-sales@switchyard.test>;tag=sy-out\r\nCall-ID: out-1@switchyard\r\nCSeq: {cseq} {method}\r\n\
         {ct}Content-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn sent(leg: &mut OutgoingCall) -> Vec<Message> {
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

fn sdp_of(m: &Message) -> SessionDescription {
    let body = match m {
        Message::Request(r) => r.body(),
        Message::Response(r) => r.body(),
    };
    SessionDescription::parse(body).unwrap()
}

#[test]
fn the_phone_holds_and_gets_recvonly_until_it_acks() {
    let mut leg = up();
    let hold = ANSWER.replace("RTP/AVP 0\r\n", "RTP/AVP 0\r\na=sendonly\r\n");
    let re = from_phone("INVITE", 2, "ph1", &hold);
    assert!(leg.matches_dialog(&re));
    leg.handle_request(ms(1000), re.clone());
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["100", "200"]);
    let ans = sdp_of(&out[1]);
    assert_eq!(ans.media[0].direction, Direction::RecvOnly);
    assert_eq!((ans.media[0].port, ans.session_version), (40_000, 2));
    let Message::Response(ok) = &out[1] else {
        panic!()
    };
    assert_eq!(ok.header("Contact"), ["<sip:switchyard@192.0.2.1:5060>"]);
    let Some(OutgoingEvent::Reoffer(r)) = leg.poll_event() else {
        panic!()
    };
    assert!(r.hold && !r.was_hold, "a hold");
    // No ACK yet: the 200 is sent again (timer G), the INVITE retransmission absorbed.
    leg.handle_request(ms(1100), re);
    leg.handle_timeout(ms(1500));
    assert_eq!(codes(&sent(&mut leg)), ["200"]);
    assert!(
        !leg.reinvite(ms(1501), Direction::SendOnly),
        "our 200 is not ACKed"
    );
    leg.handle_request(ms(1600), from_phone("ACK", 2, "ph1a", ""));
    leg.handle_timeout(ms(5000));
    assert!(sent(&mut leg).is_empty(), "ACKed: no more 200s");
    // Resume.
    leg.handle_request(ms(9000), from_phone("INVITE", 3, "ph2", ANSWER));
    let out = sent(&mut leg);
    assert_eq!(sdp_of(&out[1]).media[0].direction, Direction::SendRecv);
    let Some(OutgoingEvent::Reoffer(r)) = leg.poll_event() else {
        panic!()
    };
    assert!(!r.hold && r.was_hold, "a resume");
}

#[test]
fn we_hold_the_phone_with_a_sendonly_reinvite() {
    let mut leg = up();
    assert!(leg.reinvite(ms(1000), Direction::SendOnly));
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["INVITE"]);
    let Message::Request(re) = &out[0] else {
        panic!()
    };
    assert_eq!(re.uri(), "sip:1001@203.0.113.5:5062");
    assert_eq!(re.head().cseq, 2, "after the INVITE's CSeq 1");
    assert_eq!(re.head().to.tag(), Some("dev1"));
    let offer = sdp_of(&out[0]);
    assert_eq!(offer.media[0].direction, Direction::SendOnly);
    assert_eq!((offer.media[0].port, offer.session_version), (40_000, 2));
    // The phone's own re-INVITE meanwhile is glare.
    leg.handle_request(ms(1001), from_phone("INVITE", 2, "gl", ANSWER));
    assert_eq!(codes(&sent(&mut leg)), ["491"]);
    let ok = re
        .reply(StatusCode::OK)
        .header("Contact", "<sip:1001@203.0.113.5:5062>")
        .body(
            "application/sdp",
            ANSWER
                .replace("RTP/AVP 0\r\n", "RTP/AVP 0\r\na=recvonly\r\n")
                .into_bytes(),
        )
        .build()
        .unwrap();
    leg.handle_response(ms(1100), ok);
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["ACK"]);
    let Message::Request(ack) = &out[0] else {
        panic!()
    };
    assert_eq!(ack.head().cseq, 2);
    assert!(matches!(
        leg.poll_event(),
        Some(OutgoingEvent::ReinviteDone(ReinviteOutcome::Answered(
            Some(_)
        )))
    ));
    assert!(leg.reinvite(ms(5000), Direction::SendRecv));
    let out = sent(&mut leg);
    assert_eq!(sdp_of(&out[0]).media[0].direction, Direction::SendRecv);
    let Message::Request(re2) = &out[0] else {
        panic!()
    };
    leg.handle_response(
        ms(5100),
        re2.reply(StatusCode::SERVER_ERROR).build().unwrap(),
    );
    assert_eq!(codes(&sent(&mut leg)), ["ACK"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::ReinviteDone(ReinviteOutcome::Failed(
            StatusCode::SERVER_ERROR
        )))
    );
    assert_eq!(leg.state(), OutgoingState::Answered, "the call stays up");
    leg.hangup(ms(6000));
    let out = sent(&mut leg);
    assert_eq!(codes(&out), ["BYE"]);
    let Message::Request(bye) = &out[0] else {
        panic!()
    };
    assert_eq!(bye.head().cseq, 4);
}
