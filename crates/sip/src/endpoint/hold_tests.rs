//! Hold through the endpoint: a caller's re-INVITE is reported, and our re-INVITE to a
//! leg is sent to it and its answer routed back (also for the caller's leg, whose other
//! responses the endpoint only routes for BYE).

use super::*;
use crate::call::{ReinviteOutcome, Reoffer};
use crate::message::Message;
use crate::registrar::Account;
use crate::sdp::Direction;

const T0: Time = Time(1_700_000_000_000);
const OFFER: &str = "v=0\r\no=caller 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n";

#[derive(Debug)]
struct NoAccounts;

impl CredentialStore for NoAccounts {
    fn account(&self, _user: &str) -> Option<Account> {
        None
    }
}

fn caller() -> SocketAddr {
    "198.51.100.7:5060".parse().unwrap()
}

fn request(method: &str, cseq: u32, branch: &str, to_tag: &str, body: &str) -> Vec<u8> {
    let ct = if body.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\r\n".into()
    };
    format!(
        "{method} sip:sales@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+15550100@example.net>;tag=c1\r\nTo: <sip:sales@192.0.2.1>{to_tag}\r\n\
         Call-ID: hold-1\r\nCSeq: {cseq} {method}\r\nContact: <sip:c@198.51.100.7:5060>\r\n{ct}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn out(ep: &mut Endpoint<NoAccounts>) -> Vec<Message> {
    std::iter::from_fn(|| ep.poll_transmit())
        .map(|d| {
            assert_eq!(d.to, caller());
            Message::parse(&d.bytes).unwrap()
        })
        .collect()
}

#[test]
fn caller_hold_is_reported_and_our_reinvite_round_trips() {
    let config = EndpointConfig {
        accept_calls: true,
        advertised: Some("192.0.2.1:5060".parse().unwrap()),
        qualify_interval: None,
        rate_limit: None,
        ..EndpointConfig::default()
    };
    let mut ep = Endpoint::new(config, NoAccounts, b"secret");
    ep.handle_datagram(T0, caller(), &request("INVITE", 1, "i1", "", OFFER));
    let Some(EndpointEvent::IncomingCall(new)) = ep.poll_event() else {
        panic!()
    };
    let local = crate::sdp::LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![crate::sdp::Codec::Pcmu],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    };
    let (answer, _) = crate::sdp::answer(new.offer.as_ref().unwrap(), &local).unwrap();
    ep.answer(T0, new.call, &answer);
    let Some(Message::Response(ok)) = out(&mut ep).pop() else {
        panic!()
    };
    let tag = format!(";tag={}", ok.head().to.tag().unwrap());
    ep.handle_datagram(T0, caller(), &request("ACK", 1, "a1", &tag, ""));
    assert!(matches!(
        ep.poll_event(),
        Some(EndpointEvent::Call {
            event: CallEvent::Confirmed,
            ..
        })
    ));

    let hold = OFFER.replace("RTP/AVP 0\r\n", "RTP/AVP 0\r\na=sendonly\r\n");
    ep.handle_datagram(T0, caller(), &request("INVITE", 2, "h1", &tag, &hold));
    let Some(EndpointEvent::Call {
        event: CallEvent::Reoffer(re),
        ..
    }) = ep.poll_event()
    else {
        panic!()
    };
    let Reoffer { hold, .. } = *re;
    assert!(hold);
    out(&mut ep);
    ep.handle_datagram(T0, caller(), &request("ACK", 2, "h1a", &tag, ""));

    // Now we hold the caller (as if its agent had): INVITE out, 200 back, ACK out.
    assert!(ep.reinvite(T0, new.call, Direction::SendOnly));
    let Some(Message::Request(re)) = out(&mut ep).pop() else {
        panic!()
    };
    assert_eq!(re.method(), Method::Invite);
    let ok = re.reply(StatusCode::OK).build().unwrap();
    ep.handle_datagram(T0, caller(), &ok.to_bytes());
    let acks = out(&mut ep);
    assert!(matches!(&acks[..], [Message::Request(a)] if a.method() == Method::Ack));
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Call {
            call: new.call,
            event: CallEvent::ReinviteDone(ReinviteOutcome::Answered(None))
        })
    );
    assert!(!ep.reinvite(T0, CallHandle(999), Direction::SendOnly));
}
