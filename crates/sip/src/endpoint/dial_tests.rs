//! `place_call_with`: a number at a trunk that challenges the INVITE.

use super::*;
use crate::auth::{Authenticator, Verdict};
use crate::call::OutgoingEvent;
use crate::client_auth::ClientCredentials;
use crate::digest::{Algorithm, Credentials};
use crate::message::Message;
use crate::registrar::Account;

const T0: Time = Time(1_700_000_000_000);

#[derive(Debug)]
struct NoAccounts;

impl CredentialStore for NoAccounts {
    fn account(&self, _user: &str) -> Option<Account> {
        None
    }
}

fn endpoint() -> Endpoint<NoAccounts> {
    let config = EndpointConfig {
        advertised: Some("192.0.2.1:5060".parse().unwrap()),
        qualify_interval: None,
        rate_limit: None,
        ..EndpointConfig::default()
    };
    Endpoint::new(config, NoAccounts, b"secret")
}

fn offer() -> crate::sdp::SessionDescription {
    crate::sdp::offer(&crate::sdp::LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_010,
        codecs: vec![crate::sdp::Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 3,
        session_version: 1,
    })
}

fn next_request(ep: &mut Endpoint<NoAccounts>, to: SocketAddr) -> Request {
    let d = ep.poll_transmit().expect("a datagram");
    assert_eq!(d.to, to);
    let Ok(Message::Request(r)) = Message::parse(&d.bytes) else {
        panic!("not a request")
    };
    r
}

#[test]
fn trunk_targets_refuse_numbers_a_uri_cannot_carry() {
    let trunk: SocketAddr = "203.0.113.9:5080".parse().unwrap();
    let t = CallTarget::trunk("+15550100", trunk).unwrap();
    assert_eq!(t.uri, "sip:+15550100@203.0.113.9:5080");
    assert_eq!(t.to, "<sip:+15550100@203.0.113.9:5080>");
    assert_eq!(t.next_hop, trunk);
    for bad in ["", "555 0100", "1@evil", "12;x=y", "12>", "12#"] {
        assert!(CallTarget::trunk(bad, trunk).is_err(), "{bad:?}");
    }
    let v6 = CallTarget::trunk("100", "[2001:db8::9]:5060".parse().unwrap()).unwrap();
    assert_eq!(v6.uri, "sip:100@[2001:db8::9]:5060");
}

#[test]
fn a_number_at_a_trunk_is_dialled_and_its_challenge_answered() {
    let mut ep = endpoint();
    let trunk: SocketAddr = "203.0.113.9:5080".parse().unwrap();
    let target = CallTarget::trunk("+15550100", trunk).unwrap();
    let call = ep
        .place_call_with(
            T0,
            &target,
            "\"Acme\" <sip:+15550199@switchyard.test>",
            &offer(),
            Some(ClientCredentials {
                username: "acme".into(),
                password: "pw".into(),
            }),
        )
        .unwrap();
    let invite = next_request(&mut ep, trunk);
    assert_eq!(invite.uri(), "sip:+15550100@203.0.113.9:5080");
    assert_eq!(invite.head().cseq, 1);
    let mut auth = Authenticator::new("trunk", b"k", std::time::Duration::from_secs(60));
    let ch = auth.challenges(T0, false, &[Algorithm::Md5]).remove(0);
    let resp = invite
        .reply(StatusCode::UNAUTHORIZED)
        .header("WWW-Authenticate", ch.to_header_value())
        .build()
        .unwrap();
    ep.handle_datagram(T0, trunk, &resp.to_bytes());
    assert_eq!(next_request(&mut ep, trunk).method(), Method::Ack);
    let retry = next_request(&mut ep, trunk);
    assert_eq!((retry.method(), retry.head().cseq), (Method::Invite, 2));
    let c = Credentials::parse(&retry.header("Authorization").concat())
        .unwrap()
        .unwrap();
    assert_eq!(
        auth.verify(
            T0,
            Method::Invite,
            Some(&c),
            Some(&crate::digest::Ha1::from_password("acme", &c.realm, "pw"))
        ),
        Verdict::Authorized {
            username: "acme".into()
        }
    );
    assert_eq!(ep.poll_event(), None);
    // A second 401 ends it.
    let again = auth.challenges(T0, false, &[Algorithm::Md5]).remove(0);
    let resp = retry
        .reply(StatusCode::UNAUTHORIZED)
        .header("WWW-Authenticate", again.to_header_value())
        .build()
        .unwrap();
    ep.handle_datagram(T0, trunk, &resp.to_bytes());
    assert_eq!(next_request(&mut ep, trunk).method(), Method::Ack);
    assert!(ep.poll_transmit().is_none());
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Outgoing {
            call,
            event: OutgoingEvent::Failed(StatusCode::UNAUTHORIZED)
        })
    );
}
