use super::*;
use crate::digest::{Algorithm, Challenge, Credentials};
use crate::registrar::{Account, Binding};
use switchyard_core::AgentId;

const T0: Time = Time(1_800_000_000_000);

struct Store;

impl CredentialStore for Store {
    fn account(&self, username: &str) -> Option<Account> {
        (username == "1001").then(|| Account {
            agent: AgentId(7),
            ha1: crate::digest::Ha1::from_password("1001", "example.com", "pw"),
        })
    }
}

fn peer() -> SocketAddr {
    "192.0.2.9:5062".parse().unwrap()
}

fn endpoint() -> Endpoint<Store> {
    let mut config = EndpointConfig::default();
    config.registrar.realm = "example.com".into();
    config.advertised = Some("192.0.2.1:5060".parse().unwrap());
    Endpoint::new(config, Store, b"secret")
}

fn msg(method: &str, branch: &str, extra: &str) -> Vec<u8> {
    format!(
        "{method} sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5062;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@example.com>;tag=a\r\nTo: <sip:1001@example.com>\r\n\
         Call-ID: ep-1\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn sent(ep: &mut Endpoint<Store>) -> Vec<(SocketAddr, u16)> {
    std::iter::from_fn(|| ep.poll_transmit())
        .map(|d| match Message::parse(&d.bytes).unwrap() {
            Message::Response(r) => (d.to, r.status().code()),
            Message::Request(_) => (d.to, 0),
        })
        .collect()
}

#[test]
fn options_is_answered_and_retransmissions_reuse_the_transaction() {
    let mut ep = endpoint();
    ep.handle_datagram(T0, peer(), &msg("OPTIONS", "o1", ""));
    assert_eq!(sent(&mut ep), [(peer(), 200)]);
    ep.handle_datagram(
        T0 + std::time::Duration::from_millis(500),
        peer(),
        &msg("OPTIONS", "o1", ""),
    );
    assert_eq!(sent(&mut ep), [(peer(), 200)]);
    assert_eq!(ep.transaction_count(), 1);
    let j = ep.poll_timeout().unwrap();
    assert_eq!(j, T0 + std::time::Duration::from_secs(32), "timer J");
    ep.handle_timeout(j);
    assert_eq!(ep.transaction_count(), 0);
}

#[test]
fn register_challenge_then_success_reports_reachability() {
    let mut ep = endpoint();
    ep.handle_datagram(
        T0,
        peer(),
        &msg("REGISTER", "r1", "Contact: <sip:1001@192.0.2.9:5062>\r\n"),
    );
    let d = ep.poll_transmit().unwrap();
    let Ok(Message::Response(r)) = Message::parse(&d.bytes) else {
        panic!()
    };
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let www = &r.header("WWW-Authenticate")[0];
    let nonce = www
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let ch = Challenge {
        realm: "example.com".into(),
        nonce: nonce.into(),
        algorithm: Algorithm::Sha256,
        stale: false,
    };
    let auth = Credentials::answer(&ch, "1001", "pw", "REGISTER", "sip:example.com", 1, "x");
    let extra = format!("Contact: <sip:1001@192.0.2.9:5062>\r\nAuthorization: {auth}\r\n");
    ep.handle_datagram(T0, peer(), &msg("REGISTER", "r2", &extra));
    assert_eq!(sent(&mut ep), [(peer(), 200)]);
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Registrar(RegistrarEvent::Reachability {
            agent: AgentId(7),
            reachable: true
        }))
    );
}

#[test]
fn malformed_requests_get_400_and_junk_is_dropped() {
    let mut ep = endpoint();
    let bad = String::from_utf8(msg("OPTIONS", "m1", ""))
        .unwrap()
        .replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    ep.handle_datagram(T0, peer(), bad.as_bytes());
    assert_eq!(sent(&mut ep), [(peer(), 400)]);
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Malformed { from: peer() })
    );
    ep.handle_datagram(T0, peer(), b"\x16\x03\x01 definitely not SIP");
    assert!(sent(&mut ep).is_empty());
    assert_eq!(ep.transaction_count(), 0);
}

#[test]
fn invite_gets_100_then_480_and_the_ack_is_absorbed() {
    let mut ep = endpoint();
    ep.handle_datagram(T0, peer(), &msg("INVITE", "i1", ""));
    assert_eq!(sent(&mut ep), [(peer(), 100), (peer(), 480)]);
    ep.handle_datagram(T0, peer(), &msg("ACK", "i1", ""));
    assert!(sent(&mut ep).is_empty());
    // poll_timeout may wake us early (the cancelled timer G), never late: timer I ends it.
    let mut wakeups = 0;
    while let Some(t) = ep.poll_timeout() {
        ep.handle_timeout(t);
        wakeups += 1;
    }
    assert!(wakeups <= 2, "{wakeups}");
    assert_eq!(ep.transaction_count(), 0);
}

fn registered(ep: &mut Endpoint<Store>) {
    ep.handle_datagram(
        T0,
        peer(),
        &msg("REGISTER", "q1", "Contact: <sip:1001@10.0.0.5:5062>\r\n"),
    );
    let d = ep.poll_transmit().unwrap();
    let Ok(Message::Response(r)) = Message::parse(&d.bytes) else {
        panic!()
    };
    let www = &r.header("WWW-Authenticate")[1];
    let nonce = www
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let ch = Challenge {
        realm: "example.com".into(),
        nonce: nonce.into(),
        algorithm: Algorithm::Md5,
        stale: false,
    };
    let auth = Credentials::answer(&ch, "1001", "pw", "REGISTER", "sip:example.com", 1, "x");
    let extra = format!("Contact: <sip:1001@10.0.0.5:5062>\r\nAuthorization: {auth}\r\n");
    ep.handle_datagram(T0, peer(), &msg("REGISTER", "q2", &extra));
    assert_eq!(sent(ep), [(peer(), 200)]);
    assert!(matches!(ep.poll_event(), Some(EndpointEvent::Registrar(_))));
}

#[test]
fn qualify_probes_the_registered_source_and_a_silent_device_becomes_unreachable() {
    let mut ep = endpoint();
    registered(&mut ep);
    let first = T0 + std::time::Duration::from_secs(30);
    assert_eq!(ep.poll_timeout(), Some(first));
    ep.handle_timeout(first);
    let probe = ep.poll_transmit().expect("OPTIONS sent");
    assert_eq!(
        probe.to,
        peer(),
        "to where the REGISTER came from, not the Contact's private IP"
    );
    // Same IP as the source (no NAT): the Contact's own port is used.
    let direct = Binding {
        uri: "sip:1001@192.0.2.9:5070".into(),
        expires_at: None,
        call_id: String::new(),
        cseq: 0,
        source: Some(peer()),
        transport: crate::Transport::Udp,
        alive: true,
    };
    assert_eq!(
        qualify::destination(&direct),
        Some("192.0.2.9:5070".parse().unwrap())
    );
    let tcp = Binding {
        transport: crate::Transport::Tcp,
        ..direct
    };
    assert_eq!(
        qualify::destination(&tcp),
        Some(peer()),
        "streams reuse the connection"
    );
    let Ok(Message::Request(options)) = Message::parse(&probe.bytes) else {
        panic!()
    };
    assert_eq!(options.method(), Method::Options);
    // The phone answers (even 405 would do): still reachable, no event.
    let answer = options.reply(StatusCode::OK).build().unwrap().to_bytes();
    ep.handle_datagram(first, peer(), &answer);
    assert_eq!(ep.poll_event(), None);
    // Next round: silence. Retransmissions, then timer F marks it dead.
    let second = first + std::time::Duration::from_secs(30);
    let mut now = second;
    ep.handle_timeout(now);
    let mut probes = 0;
    let event = loop {
        if let Some(e) = ep.poll_event() {
            break e;
        }
        probes += std::iter::from_fn(|| ep.poll_transmit()).count();
        now = ep.poll_timeout().expect("a timer is armed");
        assert!(
            now <= second + std::time::Duration::from_secs(32),
            "timer F ends it"
        );
        ep.handle_timeout(now);
    };
    assert_eq!(
        event,
        EndpointEvent::Registrar(RegistrarEvent::Reachability {
            agent: AgentId(7),
            reachable: false
        })
    );
    assert!(probes >= 5, "OPTIONS retransmitted over UDP ({probes})");
    assert_eq!(now, second + std::time::Duration::from_secs(32));
}

#[test]
fn a_flooding_source_is_cut_off_without_hurting_others() {
    let config = EndpointConfig {
        rate_limit: Some(RateLimit {
            per_second: 20,
            burst: 10,
        }),
        ..EndpointConfig::default()
    };
    let mut ep = Endpoint::new(config, Store, b"secret");
    let flooder: SocketAddr = "203.0.113.66:5060".parse().unwrap();
    for i in 0..1000 {
        ep.handle_datagram(T0, flooder, &msg("OPTIONS", &format!("f{i}"), ""));
    }
    assert_eq!(sent(&mut ep).len(), 10, "only the burst is answered");
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::RateLimited { from: flooder })
    );
    assert_eq!(ep.poll_event(), None, "reported once");
    ep.handle_datagram(T0, peer(), &msg("OPTIONS", "ok1", ""));
    assert_eq!(sent(&mut ep), [(peer(), 200)]);
}

#[test]
fn cancel_of_a_pending_invite_gets_200_and_the_invite_487() {
    let mut ep = endpoint();
    // INVITEs are not wired to the queue yet, so plant one still ringing.
    let Ok(Message::Request(invite)) = Message::parse(&msg("INVITE", "c1", "")) else {
        panic!()
    };
    let tx = InviteServer::new(&invite, TimerConfig::default()).unwrap();
    ep.servers.insert(
        ServerKey::of_request(&invite),
        (peer(), ServerTx::Invite(Box::new(tx))),
    );
    ep.handle_datagram(T0, peer(), &msg("CANCEL", "c1", ""));
    let mut got = sent(&mut ep);
    got.sort();
    assert_eq!(got, [(peer(), 100), (peer(), 200), (peer(), 487)]);
    ep.handle_datagram(T0, peer(), &msg("CANCEL", "nothing-pending", ""));
    assert_eq!(sent(&mut ep), [(peer(), 481)]);
}

#[test]
fn with_accept_calls_an_invite_becomes_a_call_the_server_drives() {
    let config = EndpointConfig {
        accept_calls: true,
        advertised: Some("192.0.2.1:5060".parse().unwrap()),
        ..EndpointConfig::default()
    };
    let mut ep = Endpoint::new(config, Store, b"secret");
    let offer = "v=0\r\no=c 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
    let extra = "Contact: <sip:caller@192.0.2.9:5062>\r\nContent-Type: application/sdp\r\n";
    let invite = String::from_utf8(msg("INVITE", "call1", extra))
        .unwrap()
        .replace(
            "Content-Length: 0\r\n\r\n",
            &format!("Content-Length: {}\r\n\r\n{offer}", offer.len()),
        );
    ep.handle_datagram(T0, peer(), invite.as_bytes());
    assert_eq!(sent(&mut ep), [(peer(), 100)]);
    let Some(EndpointEvent::IncomingCall(new)) = ep.poll_event() else {
        panic!()
    };
    assert_eq!(new.invite.uri(), "sip:example.com");
    let local = crate::sdp::LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![crate::sdp::Codec::Pcmu, crate::sdp::Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    };
    let (answer, negotiated) = crate::sdp::answer(new.offer.as_ref().unwrap(), &local).unwrap();
    assert_eq!(negotiated.codec, crate::sdp::Codec::Pcma);
    assert!(ep.answer(T0, new.call, &answer));
    let ok = ep.poll_transmit().unwrap();
    let Ok(Message::Response(ok)) = Message::parse(&ok.bytes) else {
        panic!()
    };
    assert_eq!(ok.status(), StatusCode::OK);
    let tag = ok.head().to.tag().unwrap().to_owned();
    let in_dialog = |method: &str, branch: &str, cseq: u32| {
        String::from_utf8(msg(method, branch, ""))
            .unwrap()
            .replace(
                "To: <sip:1001@example.com>",
                &format!("To: <sip:1001@example.com>;tag={tag}"),
            )
            .replace(
                &format!("CSeq: 1 {method}"),
                &format!("CSeq: {cseq} {method}"),
            )
    };
    ep.handle_datagram(T0, peer(), in_dialog("ACK", "ack1", 1).as_bytes());
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Call {
            call: new.call,
            event: CallEvent::Confirmed
        })
    );
    ep.handle_datagram(T0, peer(), in_dialog("BYE", "bye1", 2).as_bytes());
    assert_eq!(sent(&mut ep), [(peer(), 200)]);
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Call {
            call: new.call,
            event: CallEvent::Ended(crate::call::EndReason::RemoteHangup)
        })
    );
    while let Some(t) = ep.poll_timeout() {
        ep.handle_timeout(t);
        sent(&mut ep);
    }
    assert_eq!(ep.call_count(), 0, "the finished leg is dropped");
}

#[test]
fn placing_a_call_to_a_registered_agent_and_cancelling_it() {
    let mut ep = endpoint();
    registered(&mut ep);
    let aor = "sip:1001@example.com";
    let contact = ep.registrar_mut().contacts(aor, T0).remove(0);
    let offer = crate::sdp::offer(&crate::sdp::LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_002,
        codecs: vec![crate::sdp::Codec::Pcmu],
        telephone_event_pt: 101,
        session_id: 9,
        session_version: 1,
    });
    let call = ep
        .place_call(
            T0,
            aor,
            &contact,
            "\"Caller\" <sip:+15550100@example.com>",
            &offer,
        )
        .unwrap();
    let d = ep.poll_transmit().unwrap();
    assert_eq!(d.to, peer(), "sent where the agent registered from");
    let Ok(Message::Request(invite)) = Message::parse(&d.bytes) else {
        panic!()
    };
    assert_eq!(
        (invite.method(), invite.uri()),
        (Method::Invite, "sip:1001@10.0.0.5:5062")
    );
    let ringing = invite
        .reply(StatusCode::RINGING)
        .header("Contact", "<sip:1001@10.0.0.5:5062>")
        .build()
        .unwrap();
    ep.handle_datagram(T0, peer(), &ringing.to_bytes());
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Outgoing {
            call,
            event: crate::call::OutgoingEvent::Ringing
        })
    );
    assert!(ep.cancel_call(T0, call));
    let Ok(Message::Request(cancel)) = Message::parse(&ep.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(cancel.method(), Method::Cancel);
    ep.handle_datagram(
        T0,
        peer(),
        &cancel.reply(StatusCode::OK).build().unwrap().to_bytes(),
    );
    let terminated = invite
        .reply(StatusCode::REQUEST_TERMINATED)
        .to_tag(&crate::Tag::new("dev"))
        .build()
        .unwrap();
    ep.handle_datagram(T0, peer(), &terminated.to_bytes());
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Outgoing {
            call,
            event: crate::call::OutgoingEvent::Ended(crate::call::EndReason::Cancelled)
        })
    );
}

#[test]
fn many_concurrent_calls_route_by_index_to_the_right_leg() {
    let mut config = EndpointConfig {
        accept_calls: true,
        advertised: Some("192.0.2.1:5060".parse().unwrap()),
        rate_limit: None,
        ..EndpointConfig::default()
    };
    // One trunk address carrying them all.
    config
        .admission
        .trunks
        .push(TrunkIn::new("carrier", vec!["192.0.2.9".parse().unwrap()]));
    let mut ep = Endpoint::new(config, Store, b"secret");
    let mut calls = Vec::new();
    for i in 0..300 {
        let invite = String::from_utf8(msg(
            "INVITE",
            &format!("many{i}"),
            "Contact: <sip:c@192.0.2.9:5062>\r\n",
        ))
        .unwrap()
        .replace("Call-ID: ep-1", &format!("Call-ID: many-{i}"));
        ep.handle_datagram(T0, peer(), invite.as_bytes());
        let Some(EndpointEvent::IncomingCall(new)) = ep.poll_event() else {
            panic!()
        };
        ep.ring(T0, new.call, None);
        calls.push(new.call);
    }
    let ringing: Vec<crate::Response> = std::iter::from_fn(|| ep.poll_transmit())
        .filter_map(|d| match Message::parse(&d.bytes) {
            Ok(Message::Response(r)) if r.status() == StatusCode::RINGING => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(ringing.len(), 300);
    assert_eq!(ep.call_count(), 300);
    // Caller 137 gives up: CANCEL reaches exactly that leg.
    let cancel = String::from_utf8(msg("CANCEL", "many137", ""))
        .unwrap()
        .replace("Call-ID: ep-1", "Call-ID: many-137");
    ep.handle_datagram(T0, peer(), cancel.as_bytes());
    assert_eq!(
        sent(&mut ep).iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        [200, 487]
    );
    assert_eq!(
        ep.poll_event(),
        Some(EndpointEvent::Call {
            call: calls[137],
            event: CallEvent::Ended(crate::call::EndReason::Cancelled)
        })
    );
    assert_eq!(ep.poll_event(), None, "no other leg was touched");
}

#[test]
fn required_extensions_we_lack_get_420_with_unsupported() {
    let mut ep = endpoint();
    let bext01 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/torture/bext01.dat"
    ))
    .unwrap();
    ep.handle_datagram(T0, peer(), &bext01);
    let d = ep.poll_transmit().unwrap();
    let Ok(Message::Response(r)) = Message::parse(&d.bytes) else {
        panic!()
    };
    assert_eq!(r.status().code(), 420);
    assert_eq!(
        r.header("Unsupported"),
        ["nothingSupportsThis, nothingSupportsThisEither"]
    );
    ep.handle_datagram(T0, peer(), &msg("INVITE", "rq1", "Require: 100rel\r\n"));
    assert_eq!(sent(&mut ep), [(peer(), 100), (peer(), 420)]);
}

#[test]
fn the_timer_queue_is_rebuilt_when_stale_entries_pile_up_and_no_timer_is_lost() {
    let mut config = EndpointConfig {
        rate_limit: None,
        ..EndpointConfig::default()
    };
    config.registrar.realm = "example.com".into();
    let mut ep = Endpoint::new(config, Store, b"secret");
    // 600 OPTIONS, each retransmitted four times: every retransmission re-drains its
    // transaction and queues its timer J again (3000 entries for 600 transactions).
    for i in 0..600u64 {
        let at = T0 + std::time::Duration::from_millis(i);
        for _ in 0..5 {
            ep.handle_datagram(at, peer(), &msg("OPTIONS", &format!("s{i}"), ""));
        }
    }
    let _ = sent(&mut ep);
    assert_eq!(ep.transaction_count(), 600);
    assert_eq!(ep.timers.len(), 3000);
    // Nothing is due yet, but handle_timeout sees 3000 > 2 × 600 + 1024 and rebuilds.
    ep.handle_timeout(T0 + std::time::Duration::from_secs(1));
    assert_eq!(ep.timers.len(), 600, "one entry per live transaction");
    assert_eq!(ep.transaction_count(), 600);
    // Timer J of each fires 32 s after its request, in order.
    ep.handle_timeout(T0 + std::time::Duration::from_millis(32_299));
    assert_eq!(ep.transaction_count(), 300);
    let next = ep.poll_timeout().expect("the other 300 are still queued");
    assert_eq!(next, T0 + std::time::Duration::from_millis(32_300));
    ep.handle_timeout(T0 + std::time::Duration::from_secs(33));
    assert_eq!(ep.transaction_count(), 0);
    assert_eq!(ep.poll_timeout(), None);
}
