//! A call whose INVITE came over TLS: the 200's Contact names our SIPS address with
//! `;transport=tls`, and our BYE's Via says TLS.

use super::*;
use crate::message::Message;
use crate::registrar::Account;

struct NoAccounts;

impl CredentialStore for NoAccounts {
    fn account(&self, _: &str) -> Option<Account> {
        None
    }
}

const T0: Time = Time(1_000_000);

#[test]
fn a_call_over_tls_is_answered_with_a_sips_contact_and_hung_up_over_tls() {
    let config = EndpointConfig {
        accept_calls: true,
        advertised: Some("203.0.113.7:5060".parse().unwrap()),
        advertised_tls: Some("203.0.113.7:5061".parse().unwrap()),
        ..EndpointConfig::default()
    };
    let mut ep = Endpoint::new(config, NoAccounts, b"secret");
    let peer: SocketAddr = "192.0.2.9:40001".parse().unwrap();
    let sdp = "v=0\r\no=c 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sips:500@203.0.113.7 SIP/2.0\r\nVia: SIP/2.0/TLS {peer};branch=z9hG4bKtls1\r\n\
         Max-Forwards: 70\r\nFrom: <sips:c@example.com>;tag=a\r\nTo: <sips:500@203.0.113.7>\r\n\
         Call-ID: tls-call\r\nCSeq: 1 INVITE\r\nContact: <sips:c@{peer};transport=tls>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    ep.handle_datagram(T0, peer, invite.as_bytes());
    while ep.poll_transmit().is_some() {}
    let Some(EndpointEvent::IncomingCall(new)) = ep.poll_event() else {
        panic!("no call")
    };
    let local = crate::sdp::LocalMedia {
        addr: "203.0.113.7".parse().unwrap(),
        port: 20_000,
        codecs: vec![crate::sdp::Codec::Pcmu],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    };
    let (answer, _) = crate::sdp::answer(new.offer.as_ref().unwrap(), &local).unwrap();
    assert!(ep.answer(T0, new.call, &answer));
    let ok = String::from_utf8(ep.poll_transmit().unwrap().bytes).unwrap();
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    assert!(
        ok.contains("Contact: <sip:switchyard@203.0.113.7:5061;transport=tls>"),
        "{ok}"
    );
    let tag = ok
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .and_then(|t| t.split("tag=").nth(1))
        .unwrap()
        .to_owned();
    let ack = format!(
        "ACK sips:c@{peer};transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS {peer};branch=z9hG4bKtls2\r\n\
         Max-Forwards: 70\r\nFrom: <sips:c@example.com>;tag=a\r\nTo: <sips:500@203.0.113.7>;tag={tag}\r\n\
         Call-ID: tls-call\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    ep.handle_datagram(T0, peer, ack.as_bytes());
    while ep.poll_transmit().is_some() {}
    assert!(ep.hangup(T0, new.call));
    let bye = ep.poll_transmit().expect("a BYE");
    let Ok(Message::Request(bye)) = Message::parse(&bye.bytes) else {
        panic!("not a request")
    };
    assert_eq!(bye.method(), crate::types::Method::Bye);
    let via = bye.head().top_via();
    assert_eq!(via.transport, crate::types::Transport::Tls);
    let text = String::from_utf8(bye.to_bytes()).unwrap();
    assert!(
        text.contains("SIP/2.0/TLS 203.0.113.7:5061;branch="),
        "{text}"
    );
}
