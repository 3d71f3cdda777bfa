//! Per-message costs of the SIP core: parsing an INVITE with SDP, answering it, a
//! REGISTER challenge round, and the SDP answer. Run: `cargo bench -p switchyard-sip`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use switchyard_core::{AgentId, Time};
use switchyard_sip::digest::{Algorithm, Challenge, Credentials};
use switchyard_sip::registrar::{Account, CredentialStore, Registrar, RegistrarConfig};
use switchyard_sip::sdp::{Codec, LocalMedia, SessionDescription, answer};
use switchyard_sip::{Message, StatusCode};

const OFFER: &str = "v=0\r\no=caller 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP 18 0 8 101\r\na=rtpmap:18 G729/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

fn invite() -> Vec<u8> {
    format!(
        "INVITE sip:sales@switchyard.test SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKbench1;rport\r\n\
         Max-Forwards: 70\r\nFrom: \"Caller\" <sip:+15550100@example.net>;tag=caller1\r\n\
         To: <sip:sales@switchyard.test>\r\nCall-ID: bench-call-1@198.51.100.7\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:caller@198.51.100.7:5060>\r\nUser-Agent: bench\r\nAllow: INVITE, ACK, CANCEL, BYE\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    )
    .into_bytes()
}

struct Store;

impl CredentialStore for Store {
    fn account(&self, user: &str) -> Option<Account> {
        Some(Account {
            agent: AgentId(1),
            ha1: switchyard_sip::digest::Ha1::from_password(user, "bench", "pw"),
        })
    }
}

fn bench(c: &mut Criterion) {
    let bytes = invite();
    c.bench_function("parse INVITE with SDP", |b| {
        b.iter(|| Message::parse(black_box(&bytes)).unwrap())
    });
    let Ok(Message::Request(req)) = Message::parse(&bytes) else {
        unreachable!()
    };
    c.bench_function("build 180 Ringing", |b| {
        b.iter(|| req.reply(StatusCode::RINGING).build().unwrap())
    });
    let local = LocalMedia {
        addr: "192.0.2.1".parse().unwrap(),
        port: 40_000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    };
    c.bench_function("SDP parse + answer", |b| {
        b.iter(|| answer(&SessionDescription::parse(req.body()).unwrap(), &local).unwrap())
    });
    c.bench_function("REGISTER: challenge, then authenticated 200", |b| {
        let mut r = Registrar::new(RegistrarConfig { realm: "bench".into(), ..RegistrarConfig::default() }, b"s");
        let mut cseq = 0u32;
        b.iter(|| {
            cseq += 1;
            let base = format!(
                "REGISTER sip:bench SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKr{cseq}\r\n\
                 From: <sip:1001@bench>;tag=a\r\nTo: <sip:1001@bench>\r\nCall-ID: reg-bench\r\n\
                 CSeq: {cseq} REGISTER\r\nContact: <sip:1001@192.0.2.7>\r\n"
            );
            let first = format!("{base}Content-Length: 0\r\n\r\n");
            let Ok(Message::Request(first)) = Message::parse(first.as_bytes()) else { unreachable!() };
            let resp = r.handle_register(Time(1_000_000), &first, None, &Store).unwrap();
            let www = &resp.header("WWW-Authenticate")[0];
            let nonce = www.split("nonce=\"").nth(1).unwrap().split('"').next().unwrap();
            let ch = Challenge { realm: "bench".into(), nonce: nonce.into(), algorithm: Algorithm::Sha256, stale: false };
            let auth = Credentials::answer(&ch, "1001", "pw", "REGISTER", "sip:bench", 1, "c");
            let second = format!("{base}Authorization: {auth}\r\nContent-Length: 0\r\n\r\n");
            let Ok(Message::Request(second)) = Message::parse(second.as_bytes()) else { unreachable!() };
            r.handle_register(Time(1_000_000), &second, None, &Store).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
