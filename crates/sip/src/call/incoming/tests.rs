use super::*;
use crate::message::Message;
use crate::sdp::{Codec, LocalMedia, answer};

const T0: Time = Time(1_900_000_000_000);

fn ms(n: u64) -> Time {
    T0 + Duration::from_millis(n)
}

const OFFER: &str = "v=0\r\no=caller 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

fn invite() -> Request {
    let text = format!(
        "INVITE sip:sales@switchyard.test SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKinv1\r\n\
         Max-Forwards: 70\r\nFrom: \"Caller\" <sip:+15550100@example.net>;tag=caller1\r\n\
         To: <sip:sales@switchyard.test>\r\nCall-ID: call-in-1\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:caller@198.51.100.7:5060>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    );
    let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) else {
        panic!()
    };
    r
}

/// A request from the caller inside the dialog (our tag on To).
fn in_dialog(method: &str, cseq: u32, branch: &str, extra: &str, body: &str) -> Request {
    let text = format!(
        "{method} sip:switchyard@192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: \"Caller\" <sip:+15550100@example.net>;tag=caller1\r\n\
         To: <sip:sales@switchyard.test>;tag=sy-leg\r\nCall-ID: call-in-1\r\nCSeq: {cseq} {method}\r\n\
         {extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) else {
        panic!("{text}")
    };
    r
}

fn leg() -> IncomingCall {
    IncomingCall::new(
        invite(),
        TimerConfig::default(),
        Tag::new("sy-leg"),
        "sip:switchyard@192.0.2.1:5060".into(),
    )
    .unwrap()
}

fn statuses(leg: &mut IncomingCall) -> Vec<u16> {
    std::iter::from_fn(|| leg.poll_transmit())
        .map(|t| match Message::parse(&t.0).unwrap() {
            Message::Response(r) => r.status().code(),
            Message::Request(r) => match r.method() {
                Method::Bye => 1,
                _ => 0,
            },
        })
        .collect()
}

fn our_answer(leg: &IncomingCall) -> SessionDescription {
    let local = LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 7,
        session_version: 1,
    };
    answer(&leg.offer().unwrap(), &local).unwrap().0
}

#[test]
fn ring_answer_retransmit_until_ack() {
    let mut leg = leg();
    assert_eq!(statuses(&mut leg), [100]);
    leg.ring(ms(0), None);
    let ringing = leg.poll_transmit().unwrap();
    let Ok(Message::Response(r)) = Message::parse(&ringing.0) else {
        panic!()
    };
    assert_eq!(
        (r.status().code(), r.head().to.tag()),
        (180, Some("sy-leg"))
    );
    assert_eq!(r.header("Contact"), ["<sip:switchyard@192.0.2.1:5060>"]);
    let sdp = our_answer(&leg);
    leg.answer(ms(10), &sdp);
    let ok = leg.poll_transmit().unwrap();
    let Ok(Message::Response(ok)) = Message::parse(&ok.0) else {
        panic!()
    };
    assert_eq!(ok.status().code(), 200);
    assert_eq!(SessionDescription::parse(ok.body()).unwrap(), sdp);
    // 2xx retransmitted at +0.5 s and +1.5 s...
    for at in [510, 1510] {
        assert_eq!(leg.poll_timeout(), Some(ms(at)));
        leg.handle_timeout(ms(at));
        assert_eq!(statuses(&mut leg), [200]);
    }
    let ack = in_dialog("ACK", 1, "ack1", "", "");
    assert!(leg.matches_dialog(&ack));
    leg.handle_request(ms(1600), ack);
    assert_eq!(leg.poll_event(), Some(IncomingEvent::Confirmed));
    assert_eq!(leg.state(), IncomingState::Confirmed);
    leg.handle_timeout(ms(3510));
    assert!(
        statuses(&mut leg).is_empty(),
        "no retransmission after the ACK"
    );
}

#[test]
fn cancel_while_waiting_is_an_abandon() {
    let mut leg = leg();
    leg.ring(ms(0), None);
    statuses(&mut leg);
    let cancel = {
        let text = String::from_utf8(invite().to_bytes())
            .unwrap()
            .replacen("INVITE sip:", "CANCEL sip:", 1)
            .replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL");
        let text = text.split("\r\n\r\n").next().unwrap().replace(
            &format!("Content-Length: {}", OFFER.len()),
            "Content-Length: 0",
        );
        let Ok(Message::Request(r)) = Message::parse(format!("{text}\r\n\r\n").as_bytes()) else {
            panic!()
        };
        r
    };
    assert_eq!(
        ServerKey::cancelled_invite(&cancel).as_ref(),
        Some(leg.key())
    );
    leg.handle_request(ms(5000), cancel);
    assert_eq!(statuses(&mut leg), [200, 487]);
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::Ended(EndReason::Cancelled))
    );
    // The ACK for the 487 is absorbed by the INVITE transaction; then it winds down.
    let ack = {
        let text = String::from_utf8(invite().to_bytes()).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap();
        let head = head
            .replacen("INVITE sip:", "ACK sip:", 1)
            .replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
            .replace(
                "To: <sip:sales@switchyard.test>",
                "To: <sip:sales@switchyard.test>;tag=sy-leg",
            )
            .replace(
                &format!("Content-Length: {}", OFFER.len()),
                "Content-Length: 0",
            );
        let Ok(Message::Request(r)) = Message::parse(format!("{head}\r\n\r\n").as_bytes()) else {
            panic!()
        };
        r
    };
    leg.handle_request(ms(5100), ack);
    assert!(statuses(&mut leg).is_empty());
    while let Some(t) = leg.poll_timeout() {
        leg.handle_timeout(t);
    }
    assert!(leg.is_finished());
}

#[test]
fn caller_bye_and_info_dtmf() {
    let mut leg = leg();
    let sdp = our_answer(&leg);
    leg.answer(ms(0), &sdp);
    leg.handle_request(ms(100), in_dialog("ACK", 1, "a1", "", ""));
    statuses(&mut leg);
    leg.poll_event();
    let info = in_dialog(
        "INFO",
        2,
        "i1",
        "Content-Type: application/dtmf-relay\r\n",
        "Signal=#\r\nDuration=100\r\n",
    );
    leg.handle_request(ms(200), info);
    assert_eq!(statuses(&mut leg), [200]);
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::Dtmf(DtmfDigit::Pound))
    );
    let stale = in_dialog("INFO", 1, "i0", "", "");
    leg.handle_request(ms(250), stale);
    assert_eq!(statuses(&mut leg), [500], "CSeq went backwards");
    leg.handle_request(ms(300), in_dialog("BYE", 3, "b1", "", ""));
    assert_eq!(statuses(&mut leg), [200]);
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::Ended(EndReason::RemoteHangup))
    );
}

#[test]
fn our_hangup_sends_bye_to_the_callers_contact() {
    let mut leg = leg();
    let sdp = our_answer(&leg);
    leg.answer(ms(0), &sdp);
    leg.handle_request(ms(50), in_dialog("ACK", 1, "a1", "", ""));
    statuses(&mut leg);
    leg.hangup(ms(60_000), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye1");
    let bye = leg.poll_transmit().unwrap();
    let Ok(Message::Request(bye)) = Message::parse(&bye.0) else {
        panic!()
    };
    assert_eq!(
        (bye.method(), bye.uri()),
        (Method::Bye, "sip:caller@198.51.100.7:5060")
    );
    assert_eq!(
        (bye.head().from.tag(), bye.head().to.tag()),
        (Some("sy-leg"), Some("caller1"))
    );
    assert_eq!(leg.poll_event(), Some(IncomingEvent::Confirmed));
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::Ended(EndReason::LocalHangup))
    );
    let ok = bye.reply(StatusCode::OK).build().unwrap();
    leg.handle_response(ms(60_050), ok);
    while let Some(t) = leg.poll_timeout() {
        leg.handle_timeout(t);
    }
    assert!(leg.is_finished());
}

#[test]
fn a_200_never_acked_is_torn_down_with_bye() {
    let mut leg = leg();
    let sdp = our_answer(&leg);
    leg.answer(ms(0), &sdp);
    let mut sent = statuses(&mut leg);
    while leg.state() == IncomingState::Answered {
        let t = leg.poll_timeout().unwrap();
        leg.handle_timeout(t);
        sent.extend(statuses(&mut leg));
    }
    assert!(sent.iter().filter(|s| **s == 200).count() >= 8, "{sent:?}");
    assert_eq!(sent.last(), Some(&1), "a BYE ends it");
    assert_eq!(
        leg.poll_event(),
        Some(IncomingEvent::Ended(EndReason::NoAck))
    );
}

#[test]
fn reinvite_for_hold_is_answered_recvonly_at_our_address_and_reported() {
    let mut leg = leg();
    let sdp = our_answer(&leg);
    leg.answer(ms(0), &sdp);
    leg.handle_request(ms(50), in_dialog("ACK", 1, "a1", "", ""));
    statuses(&mut leg);
    leg.poll_event();
    let hold = OFFER.replace(
        "m=audio 30000 RTP/AVP 0 101",
        "m=audio 30000 RTP/AVP 0 101\r\na=sendonly",
    );
    let reinvite = in_dialog(
        "INVITE",
        2,
        "re1",
        "Contact: <sip:caller@198.51.100.7:5060>\r\nContent-Type: application/sdp\r\n",
        &hold,
    );
    leg.handle_request(ms(10_000), reinvite.clone());
    let sent: Vec<Transmit> = std::iter::from_fn(|| leg.poll_transmit()).collect();
    let codes: Vec<u16> = sent
        .iter()
        .filter_map(|t| match Message::parse(&t.0) {
            Ok(Message::Response(r)) => Some(r.status().code()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, [100, 200]);
    let Ok(Message::Response(ok)) = Message::parse(&sent[1].0) else {
        panic!()
    };
    let answered = SessionDescription::parse(ok.body()).unwrap();
    assert_eq!(
        (answered.media[0].port, answered.connection),
        (sdp.media[0].port, sdp.connection),
        "our address and port kept"
    );
    assert_eq!(answered.media[0].direction, crate::sdp::Direction::RecvOnly);
    assert_eq!(answered.session_version, sdp.session_version + 1);
    let Some(IncomingEvent::Reoffer(re)) = leg.poll_event() else {
        panic!()
    };
    assert!(re.hold);
    assert_eq!(
        re.offer.unwrap().media[0].direction,
        crate::sdp::Direction::SendOnly
    );
    assert_eq!(
        re.negotiated.unwrap().direction,
        crate::sdp::Direction::RecvOnly
    );
    // A second re-INVITE before the ACK is glare: 491.
    leg.handle_request(ms(10_100), in_dialog("INVITE", 3, "re2", "", ""));
    assert_eq!(statuses(&mut leg), [491]);
    // The ACK for the 491 does not count as the ACK for our 200.
    leg.handle_request(ms(10_150), in_dialog("ACK", 3, "re2", "", ""));
    leg.handle_timeout(ms(10_500));
    assert_eq!(statuses(&mut leg), [200], "still retransmitting the 200");
    // The retransmitted re-INVITE is absorbed; the ACK stops our 200 retransmissions.
    leg.handle_request(ms(10_200), reinvite);
    leg.handle_request(ms(10_300), in_dialog("ACK", 2, "a2", "", ""));
    statuses(&mut leg);
    leg.handle_timeout(ms(20_000));
    assert!(statuses(&mut leg).is_empty());
    assert_eq!(leg.state(), IncomingState::Confirmed);
}
