//! Drives one sans-IO [`Endpoint`] with a script of steps (datagrams from a few peers,
//! replies to what it sent, in-dialog requests built from its own responses, call
//! control, time moving) and checks after every step that it did not panic, that every
//! datagram it sends parses as SIP, and that its timers settle. Shared by
//! `tests/fuzz_endpoint.rs` (proptest) and `fuzz/fuzz_targets/endpoint.rs` (libFuzzer),
//! so it uses only switchyard-sip and switchyard-core.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;
use switchyard_core::{AgentId, Time};
use switchyard_sip::client_auth::ClientCredentials;
use switchyard_sip::endpoint::{
    CallHandle, CallTarget, Endpoint, EndpointConfig, EndpointEvent, RateLimit,
};
use switchyard_sip::registrar::{Account, CredentialStore};
use switchyard_sip::sdp::{Codec, Direction, LocalMedia, SessionDescription, answer, offer};
use switchyard_sip::{Message, StatusCode};

/// What a script can do.
#[derive(Clone, Debug)]
pub enum Step {
    /// A datagram from peer `from % 3`.
    Datagram { from: u8, bytes: Vec<u8> },
    /// A response to the `k`-th request the endpoint sent (mod count).
    Reply { k: usize, status: u16, sdp: u8 },
    /// A request in the dialog of the `k`-th response the endpoint sent: `method` picks
    /// BYE, INFO, INVITE (re-offer), ACK, CANCEL, UPDATE; `sdp` picks the body.
    InDialog {
        k: usize,
        method: u8,
        sdp: u8,
        cseq: u8,
    },
    /// Call control on the `k`-th call handle seen: ring, answer, reject, hangup,
    /// reinvite (hold/resume), cancel.
    Control { k: usize, action: u8 },
    /// Place a call to a trunk (with credentials when `auth`).
    Place { auth: bool },
    /// Move time forward and fire what is due.
    Advance { ms: u32 },
}

struct Accounts;

impl CredentialStore for Accounts {
    fn account(&self, username: &str) -> Option<Account> {
        (username == "1001").then(|| Account {
            agent: AgentId(7),
            ha1: switchyard_sip::digest::Ha1::from_password("1001", "example.com", "pw"),
        })
    }
}

pub const PEERS: [&str; 3] = ["192.0.2.9:5062", "198.51.100.7:5060", "[2001:db8::1]:5060"];

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\na=sendrecv\r\n";

const BODIES: &[&str] = &[
    "",
    OFFER,
    "v=0\r\no=- 1 2 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=sendonly\r\n",
    "v=0\r\no=- 1 3 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=inactive\r\n",
    "v=0\r\no=- 1 18446744073709551615 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=video 0 RTP/AVP 31\r\nm=audio 65535 RTP/AVP 18 0\r\n",
    "v=0\r\nm=audio x\r\n",
    "Signal=5\r\nDuration=160\r\n",
];

pub struct Harness {
    ep: Endpoint<Accounts>,
    now: Time,
    sent: Vec<Message>,
    calls: Vec<CallHandle>,
    local: LocalMedia,
    pub transmitted: usize,
    /// Debug names of the call events seen (`Reoffer`, `Dtmf`, `Ended`...).
    pub call_events: Vec<String>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Harness {
        let mut config = EndpointConfig {
            accept_calls: true,
            advertised: Some("192.0.2.1:5060".parse().unwrap()),
            qualify_interval: Some(Duration::from_secs(30)),
            rate_limit: Some(RateLimit {
                per_second: 1000,
                burst: 2000,
            }),
            ..EndpointConfig::default()
        };
        config.registrar.realm = "example.com".into();
        Harness {
            ep: Endpoint::new(config, Accounts, b"secret"),
            now: Time(1_800_000_000_000),
            sent: Vec::new(),
            calls: Vec::new(),
            local: LocalMedia {
                addr: "192.0.2.1".parse().unwrap(),
                port: 40000,
                codecs: vec![Codec::Pcmu, Codec::Pcma],
                telephone_event_pt: 101,
                session_id: 1,
                session_version: 1,
            },
            transmitted: 0,
            call_events: Vec::new(),
        }
    }

    pub fn run(&mut self, steps: &[Step]) {
        for s in steps {
            self.step(s);
        }
    }

    pub fn step(&mut self, step: &Step) {
        let now = self.now;
        match step {
            Step::Datagram { from, bytes } => {
                self.ep.handle_datagram(now, peer(*from), bytes);
            }
            Step::Reply { k, status, sdp } => {
                if let Some(bytes) = self.reply(*k, *status, *sdp) {
                    let to = self.source_of_request(*k);
                    self.ep.handle_datagram(now, to, &bytes);
                }
            }
            Step::InDialog {
                k,
                method,
                sdp,
                cseq,
            } => {
                if let Some((to, bytes)) = self.in_dialog(*k, *method, *sdp, *cseq) {
                    self.ep.handle_datagram(now, to, &bytes);
                }
            }
            Step::Control { k, action } => self.control(*k, *action),
            Step::Place { auth } => {
                let target = CallTarget::trunk("+15550100", peer(1)).unwrap();
                let creds = auth.then(|| ClientCredentials {
                    username: "trunk".into(),
                    password: "secret".into(),
                });
                let sdp = offer(&self.local);
                if let Some(c) =
                    self.ep
                        .place_call_with(now, &target, "<sip:+15550199@192.0.2.1>", &sdp, creds)
                {
                    self.calls.push(c);
                }
            }
            Step::Advance { ms } => {
                self.now = now + Duration::from_millis(u64::from(*ms));
                self.fire_due();
            }
        }
        self.collect();
    }

    /// Fires timers until none is due; a timer that keeps coming back due at the same
    /// instant would spin the driver, so that is a failure.
    fn fire_due(&mut self) {
        for _ in 0..10_000 {
            match self.ep.poll_timeout() {
                Some(t) if t <= self.now => {
                    self.ep.handle_timeout(self.now);
                    self.collect();
                }
                _ => return,
            }
        }
        panic!("timers do not settle at {:?}", self.now);
    }

    fn collect(&mut self) {
        while let Some(d) = self.ep.poll_transmit() {
            self.transmitted += 1;
            assert!(d.to.port() != 0, "datagram to port 0: {:?}", d.to);
            let Some(m) = super::checks::check_sent(&d.bytes) else {
                continue;
            };
            if self.sent.len() < 200 {
                self.sent.push(m);
            }
        }
        while let Some(e) = self.ep.poll_event() {
            match e {
                EndpointEvent::IncomingCall(c) => self.calls.push(c.call),
                EndpointEvent::Call { event, .. } => {
                    let name = format!("{event:?}");
                    let name = name.split(['(', ' ']).next().unwrap_or_default();
                    self.call_events.push(name.to_owned());
                }
                EndpointEvent::Outgoing { .. }
                | EndpointEvent::Registrar(_)
                | EndpointEvent::Malformed { .. }
                | EndpointEvent::RateLimited { .. }
                | EndpointEvent::CallRefused { .. } => {}
            }
        }
    }

    fn requests(&self) -> Vec<&switchyard_sip::Request> {
        self.sent
            .iter()
            .filter_map(|m| match m {
                Message::Request(r) => Some(r),
                Message::Response(_) => None,
            })
            .collect()
    }

    fn source_of_request(&self, _k: usize) -> SocketAddr {
        // Our requests go to the trunk or to registered contacts; all peers are tried
        // by scripts through `Datagram`, replies come from the trunk.
        peer(1)
    }

    fn reply(&self, k: usize, status: u16, sdp: u8) -> Option<Vec<u8>> {
        let reqs = self.requests();
        let req = reqs.get(k % reqs.len().max(1))?;
        let status = StatusCode::new(status.clamp(100, 699))?;
        let body = BODIES[usize::from(sdp) % BODIES.len()];
        let mut b = req.reply(status);
        if status.code() > 100 {
            b = b.to_tag(&switchyard_sip::Tag::new("remote"));
        }
        if status.code() == 401 || status.code() == 407 {
            let name = if status.code() == 401 {
                "WWW-Authenticate"
            } else {
                "Proxy-Authenticate"
            };
            b = b.header(
                name,
                "Digest realm=\"trunk\", nonce=\"abc\", qop=\"auth\", algorithm=MD5",
            );
        }
        if !body.is_empty() {
            b = b.body("application/sdp", body.as_bytes().to_vec());
        }
        b.build().ok().map(|r| r.to_bytes())
    }

    fn in_dialog(&self, k: usize, method: u8, sdp: u8, cseq: u8) -> Option<(SocketAddr, Vec<u8>)> {
        let resps: Vec<&switchyard_sip::Response> = self
            .sent
            .iter()
            .filter_map(|m| match m {
                Message::Response(r) => Some(r),
                Message::Request(_) => None,
            })
            .collect();
        let r = resps.get(k % resps.len().max(1))?;
        let h = r.head();
        let method = ["BYE", "INFO", "INVITE", "ACK", "CANCEL", "UPDATE"][usize::from(method) % 6];
        let body = BODIES[usize::from(sdp) % BODIES.len()];
        let cseq = match method {
            "ACK" | "CANCEL" => h.cseq,
            _ => h.cseq.saturating_add(u32::from(cseq)),
        };
        let via = h.top_via();
        let ct = if body.is_empty() {
            String::new()
        } else if body.starts_with("Signal") {
            "Content-Type: application/dtmf-relay\r\n".into()
        } else {
            "Content-Type: application/sdp\r\n".into()
        };
        let branch = if method == "CANCEL" || method == "ACK" && r.status().code() >= 300 {
            via.branch()
                .map(|b| b.as_str().to_owned())
                .unwrap_or_default()
        } else {
            format!("z9hG4bKd{k}{cseq}{method}")
        };
        let from_addr = peer(1);
        let one = |name: &str| r.header(name).into_iter().next().unwrap_or_default();
        let bytes = format!(
            "{method} sip:switchyard@192.0.2.1:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP {from_addr};branch={branch}\r\nMax-Forwards: 70\r\n\
             From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {cseq} {method}\r\n\
             Contact: <sip:c@{from_addr}>\r\n{ct}Content-Length: {}\r\n\r\n{body}",
            one("From"),
            one("To"),
            h.call_id,
            body.len()
        );
        // The request comes from whoever the response went to: try the caller peers.
        Some((from_addr, bytes.into_bytes()))
    }

    fn control(&mut self, k: usize, action: u8) {
        let Some(&call) = self.calls.get(k % self.calls.len().max(1)) else {
            return;
        };
        let now = self.now;
        match action % 7 {
            0 => {
                self.ep.ring(now, call, None);
            }
            1 => {
                let offer_sdp = SessionDescription::parse(OFFER.as_bytes()).unwrap();
                let (ans, _) = answer(&offer_sdp, &self.local).unwrap();
                self.ep.answer(now, call, &ans);
            }
            2 => {
                self.ep.reject(now, call, StatusCode::new(486).unwrap());
            }
            3 => {
                self.ep.hangup(now, call);
            }
            4 => {
                self.ep.reinvite(now, call, Direction::SendOnly);
            }
            5 => {
                self.ep.reinvite(now, call, Direction::SendRecv);
            }
            _ => {
                self.ep.cancel_call(now, call);
            }
        }
    }
}

pub fn peer(i: u8) -> SocketAddr {
    PEERS[usize::from(i) % PEERS.len()].parse().unwrap()
}

/// Decodes a libFuzzer input into steps: one op byte, then its operands; datagrams are
/// length-prefixed (two bytes, little-endian) and cut short at the end of the input.
pub fn decode(mut data: &[u8]) -> Vec<Step> {
    let mut take = |n: usize| -> Option<Vec<u8>> {
        if data.is_empty() {
            return None;
        }
        let n = n.min(data.len());
        let (a, b) = data.split_at(n);
        data = b;
        Some(a.to_vec())
    };
    let mut steps = Vec::new();
    while let Some(op) = take(1) {
        let args = take(4).unwrap_or_default();
        let a = |i: usize| args.get(i).copied().unwrap_or(0);
        let step = match op[0] % 8 {
            0 | 1 => {
                let len = usize::from(u16::from_le_bytes([a(1), a(2)]));
                let bytes = take(len).unwrap_or_default();
                Step::Datagram { from: a(0), bytes }
            }
            2 => Step::Reply {
                k: usize::from(a(0)),
                status: u16::from_le_bytes([a(1), a(2)]) % 700,
                sdp: a(3),
            },
            3 | 4 => Step::InDialog {
                k: usize::from(a(0)),
                method: a(1),
                sdp: a(2),
                cseq: a(3),
            },
            5 => Step::Control {
                k: usize::from(a(0)),
                action: a(1),
            },
            6 => Step::Place {
                auth: a(0) & 1 == 1,
            },
            _ => Step::Advance {
                ms: u32::from_le_bytes([a(0), a(1), a(2), 0]) % 70_000,
            },
        };
        steps.push(step);
    }
    steps
}

/// The inverse of [`decode`], to write seed scripts for the libFuzzer target.
pub fn encode(steps: &[Step]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in steps {
        let k8 = |k: usize| u8::try_from(k % 256).unwrap_or(0);
        match s {
            Step::Datagram { from, bytes } => {
                let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
                let [lo, hi] = len.to_le_bytes();
                out.extend_from_slice(&[0, *from, lo, hi, 0]);
                out.extend_from_slice(&bytes[..usize::from(len)]);
            }
            Step::Reply { k, status, sdp } => {
                let [lo, hi] = status.to_le_bytes();
                out.extend_from_slice(&[2, k8(*k), lo, hi, *sdp]);
            }
            Step::InDialog {
                k,
                method,
                sdp,
                cseq,
            } => {
                out.extend_from_slice(&[3, k8(*k), *method, *sdp, *cseq]);
            }
            Step::Control { k, action } => out.extend_from_slice(&[5, k8(*k), *action, 0, 0]),
            Step::Place { auth } => out.extend_from_slice(&[6, u8::from(*auth), 0, 0, 0]),
            Step::Advance { ms } => {
                let [a, b, c, _] = (ms % 70_000).to_le_bytes();
                out.extend_from_slice(&[7, a, b, c, 0]);
            }
        }
    }
    out
}
