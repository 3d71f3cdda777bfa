use super::*;
use crate::message::Message;
use crate::types::Tag;

const T0: Time = Time(2_000_000_000_000);

fn ms(n: u64) -> Time {
    T0 + std::time::Duration::from_millis(n)
}

const OFFER: &str = "v=0\r\no=switchyard 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n";
const ANSWER: &str = "v=0\r\no=agent 5 5 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

fn leg() -> OutgoingCall {
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
    OutgoingCall::new(
        T0,
        invite,
        "SIP/2.0/UDP 192.0.2.1:5060",
        TimerConfig::default(),
    )
    .unwrap()
}

/// The device's response to the INVITE (with its tag and Contact).
fn device(leg: &OutgoingCall, code: u16, sdp: Option<&str>) -> Response {
    let mut b = leg
        .invite()
        .reply(StatusCode::new(code).unwrap())
        .to_tag(&Tag::new("dev1"));
    if code > 100 {
        b = b.header("Contact", "<sip:1001@203.0.113.5:5062>");
    }
    if let Some(sdp) = sdp {
        b = b.body("application/sdp", sdp.as_bytes().to_vec());
    }
    b.build().unwrap()
}

fn sent(leg: &mut OutgoingCall) -> Vec<String> {
    std::iter::from_fn(|| leg.poll_transmit())
        .map(|t| match Message::parse(&t.0).unwrap() {
            Message::Request(r) => r.method().to_string(),
            Message::Response(r) => r.status().code().to_string(),
        })
        .collect()
}

#[test]
fn rings_then_answers_and_every_2xx_is_acked() {
    let mut leg = leg();
    assert_eq!(sent(&mut leg), ["INVITE"]);
    leg.handle_response(ms(20), device(&leg, 180, None));
    assert_eq!(leg.poll_event(), Some(OutgoingEvent::Ringing));
    let ok = device(&leg, 200, Some(ANSWER));
    leg.handle_response(ms(3000), ok.clone());
    let ack = leg.poll_transmit().unwrap();
    let Ok(Message::Request(ack)) = Message::parse(&ack.0) else {
        panic!()
    };
    assert_eq!(
        (ack.method(), ack.uri(), ack.head().cseq),
        (Method::Ack, "sip:1001@203.0.113.5:5062", 1)
    );
    assert_ne!(
        ack.head().top_via().branch(),
        leg.invite().head().top_via().branch(),
        "ACK for 2xx is a new transaction"
    );
    let Some(OutgoingEvent::Answered(Some(sdp))) = leg.poll_event() else {
        panic!()
    };
    assert_eq!(sdp.media[0].port, 5004);
    leg.handle_response(ms(3500), ok);
    assert_eq!(
        sent(&mut leg),
        ["ACK"],
        "a retransmitted 2xx is ACKed again"
    );
    assert_eq!(leg.poll_event(), None);
}

#[test]
fn busy_and_decline_are_failures_acked_by_the_transaction() {
    for code in [486, 603] {
        let mut leg = leg();
        sent(&mut leg);
        leg.handle_response(ms(10), device(&leg, code, None));
        assert_eq!(sent(&mut leg), ["ACK"]);
        assert_eq!(
            leg.poll_event(),
            Some(OutgoingEvent::Failed(StatusCode::new(code).unwrap()))
        );
    }
}

#[test]
fn silence_times_out_as_408() {
    let mut leg = leg();
    while leg.state() != OutgoingState::Ended {
        let t = leg.poll_timeout().unwrap();
        leg.handle_timeout(t);
    }
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Failed(StatusCode::REQUEST_TIMEOUT))
    );
}

#[test]
fn ring_timeout_cancels_with_the_invite_branch() {
    let mut leg = leg();
    sent(&mut leg);
    leg.handle_response(ms(20), device(&leg, 180, None));
    leg.poll_event();
    leg.cancel(ms(15_000));
    let cancel = leg.poll_transmit().unwrap();
    let Ok(Message::Request(cancel)) = Message::parse(&cancel.0) else {
        panic!()
    };
    assert_eq!(cancel.method(), Method::Cancel);
    assert_eq!(
        cancel.head().top_via().branch(),
        leg.invite().head().top_via().branch()
    );
    assert_eq!(cancel.head().cseq, 1);
    leg.handle_response(ms(15_010), cancel.reply(StatusCode::OK).build().unwrap());
    leg.handle_response(ms(15_020), device(&leg, 487, None));
    assert_eq!(sent(&mut leg), ["ACK"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Ended(EndReason::Cancelled))
    );
    while let Some(t) = leg.poll_timeout() {
        leg.handle_timeout(t);
    }
    assert!(leg.is_finished());
}

#[test]
fn cancel_waits_for_a_provisional_response() {
    let mut leg = leg();
    sent(&mut leg);
    leg.cancel(ms(5));
    assert!(
        sent(&mut leg).is_empty(),
        "§9.1: no CANCEL before a provisional"
    );
    leg.handle_response(ms(30), device(&leg, 100, None));
    assert_eq!(sent(&mut leg), ["CANCEL"]);
}

#[test]
fn an_answer_crossing_our_cancel_is_acked_and_hung_up() {
    let mut leg = leg();
    sent(&mut leg);
    leg.handle_response(ms(20), device(&leg, 180, None));
    leg.poll_event();
    leg.cancel(ms(1000));
    assert_eq!(sent(&mut leg), ["CANCEL"]);
    leg.handle_response(ms(1001), device(&leg, 200, Some(ANSWER)));
    assert_eq!(sent(&mut leg), ["ACK", "BYE"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Ended(EndReason::Cancelled))
    );
}

#[test]
fn agent_bye_and_our_bye() {
    let mut leg = leg();
    sent(&mut leg);
    leg.handle_response(ms(20), device(&leg, 200, Some(ANSWER)));
    sent(&mut leg);
    leg.poll_event();
    // The agent hangs up.
    let bye = RequestBuilder::new(Method::Bye, "sip:switchyard@192.0.2.1:5060")
        .header("Via", "SIP/2.0/UDP 203.0.113.5:5062;branch=z9hG4bKdevbye")
        .header("From", "<sip:1001@switchyard.test>;tag=dev1")
        .header("To", "<sip:queue-sales@switchyard.test>;tag=sy-out")
        .header("Call-ID", "out-1@switchyard")
        .header("CSeq", "1 BYE")
        .build()
        .unwrap();
    assert!(leg.matches_dialog(&bye));
    leg.handle_request(ms(60_000), bye);
    assert_eq!(sent(&mut leg), ["200"]);
    assert_eq!(
        leg.poll_event(),
        Some(OutgoingEvent::Ended(EndReason::RemoteHangup))
    );

    let mut leg2 = self::leg();
    sent(&mut leg2);
    leg2.handle_response(ms(20), device(&leg2, 200, Some(ANSWER)));
    sent(&mut leg2);
    leg2.hangup(ms(30_000));
    assert_eq!(sent(&mut leg2), ["BYE"]);
}
