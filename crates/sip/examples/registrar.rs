//! A tiny standalone registrar over the SIP core, for tests against real peers (SIPp):
//!
//! ```text
//! cargo run -p switchyard-sip --example registrar -- \
//!     --listen 127.0.0.1:5070 --realm switchyard.test --user 1001:secret:1
//! ```
//! Listens on UDP and TCP, answers OPTIONS, authenticates REGISTER, and prints one line per
//! reachability change (`reachable agent=a1 true`) so a test runner can check the outcome.

use std::collections::HashMap;
use std::io::Write;
use switchyard_core::AgentId;
use switchyard_core::lockout::LockoutPolicy;
use switchyard_sip::call::OutgoingEvent;
use switchyard_sip::digest::{Algorithm, Ha1};
use switchyard_sip::driver::Command;
use switchyard_sip::endpoint::NewCall;
use switchyard_sip::endpoint::{Endpoint, EndpointConfig, EndpointEvent, RateLimit};
use switchyard_sip::registrar::{Account, CredentialStore, LoginPolicy, RegistrarEvent};
use switchyard_sip::sdp::{Codec, LocalMedia, answer, offer};
use switchyard_sip::{SipUri, StatusCode};

struct Users(HashMap<String, Account>);

impl CredentialStore for Users {
    fn account(&self, username: &str) -> Option<Account> {
        self.0.get(username).cloned()
    }
}

/// With `--answer-calls true`: `sip:answer@...` is answered (G.711 only, else 488),
/// `sip:ring@...` rings until the caller gives up, anything else is 404.
fn call_policy(new: &NewCall, media_addr: std::net::IpAddr) -> Command<Users> {
    let call = new.call;
    let user = SipUri::parse(new.invite.uri())
        .and_then(|u| u.user)
        .unwrap_or_default();
    let local = LocalMedia {
        addr: media_addr,
        port: 40_000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: call.0,
        session_version: 1,
    };
    let sdp = new
        .offer
        .as_ref()
        .and_then(|o| answer(o, &local).ok())
        .map(|(sdp, _)| sdp);
    Box::new(move |ep, now| match (user.as_str(), sdp) {
        ("answer", Some(sdp)) => {
            ep.ring(now, call, None);
            ep.answer(now, call, &sdp);
        }
        ("answer", None) => {
            ep.reject(now, call, StatusCode::NOT_ACCEPTABLE_HERE);
        }
        ("ring", _) => {
            ep.ring(now, call, None);
        }
        _ => {
            ep.reject(now, call, StatusCode::NOT_FOUND);
        }
    })
}

/// With `--call-agent NAME`: that agent, once reachable, gets a call (then a BYE once it
/// answers), exercising the agent leg against a real device.
fn call_agent(aor: String, media_addr: std::net::IpAddr) -> Command<Users> {
    let offer = offer(&LocalMedia {
        addr: media_addr,
        port: 40_100,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: 1,
        session_version: 1,
    });
    Box::new(move |ep, now| {
        let Some(contact) = ep.registrar_mut().contacts(&aor, now).into_iter().next() else {
            return;
        };
        let from = "\"Queue\" <sip:queue@switchyard.test>";
        if ep.place_call(now, &aor, &contact, from, &offer).is_none() {
            println!("outgoing failed to place");
        }
    })
}

fn usage() -> ! {
    eprintln!(
        "usage: registrar --listen ADDR [--realm REALM] [--min-expires S] [--algorithms SHA-256,MD5] [--rate-limit PER_S,BURST] [--answer-calls true] [--call-agent NAME] [--lockout FAILURES,SECS] --user NAME:PASSWORD:AGENT_ID ..."
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut listen = None;
    let mut clear = Vec::new();
    let mut call_agent_name: Option<String> = None;
    let mut config = EndpointConfig::default();
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--listen" => listen = Some(value.parse::<std::net::SocketAddr>()?),
            "--realm" => config.registrar.realm = value,
            "--min-expires" => config.registrar.min_expires = value.parse()?,
            "--answer-calls" => config.accept_calls = value == "true",
            "--call-agent" => call_agent_name = Some(value),
            "--rate-limit" => {
                let (per_second, burst) = value.split_once(',').unwrap_or_else(|| usage());
                config.rate_limit = Some(RateLimit {
                    per_second: per_second.parse()?,
                    burst: burst.parse()?,
                });
            }
            "--lockout" => {
                // FAILURES,SECS: wrong responses that lock an account (and a source),
                // and the first lock's length.
                let (n, secs) = value.split_once(',').unwrap_or_else(|| usage());
                let base = std::time::Duration::from_secs(secs.parse()?);
                let policy = LockoutPolicy::new(n.parse()?, base, base * 8);
                config.registrar.lockout = LoginPolicy {
                    account: policy,
                    source: policy,
                };
            }
            "--algorithms" => {
                config.registrar.algorithms = value
                    .split(',')
                    .map(|a| match a.trim().to_ascii_uppercase().as_str() {
                        "MD5" => Algorithm::Md5,
                        "SHA-256" => Algorithm::Sha256,
                        _ => usage(),
                    })
                    .collect()
            }
            "--user" => {
                let mut parts = value.splitn(3, ':');
                let (Some(name), Some(password), Some(agent)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    usage()
                };
                clear.push((
                    name.to_owned(),
                    password.to_owned(),
                    AgentId(agent.parse()?),
                ));
            }
            _ => usage(),
        }
    }
    let listen = listen.unwrap_or_else(|| usage());
    // Accounts hold HA1 only, as the server's store does.
    let users: HashMap<String, Account> = clear
        .into_iter()
        .map(|(name, password, agent)| {
            let ha1 = Ha1::from_password(&name, &config.registrar.realm, &password);
            (name, Account { agent, ha1 })
        })
        .collect();
    // Port 0 picks a free UDP port; TCP then listens on the same number, retrying with
    // another port if that number is taken for TCP.
    let mut attempts = 0;
    let (udp, tcp, listen) = loop {
        let udp = tokio::net::UdpSocket::bind(listen).await?;
        let bound = udp.local_addr()?;
        match tokio::net::TcpListener::bind(bound).await {
            Ok(tcp) => break (udp, tcp, bound),
            Err(e) if listen.port() != 0 || attempts == 20 => return Err(e.into()),
            Err(_) => attempts += 1,
        }
    };
    let secret: Vec<u8> = std::process::id()
        .to_le_bytes()
        .into_iter()
        .chain(*b"example-registrar")
        .collect();
    let realm = config.registrar.realm.clone();
    let aors: HashMap<AgentId, String> = users
        .iter()
        .filter(|(name, _)| call_agent_name.as_ref() == Some(*name))
        .map(|(name, a)| (a.agent, format!("sip:{name}@{realm}")))
        .collect();
    let endpoint = Endpoint::new(config, Users(users), &secret);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (commands, command_rx) = tokio::sync::mpsc::unbounded_channel::<Command<Users>>();
    let media_addr = listen.ip();
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            let line = match ev {
                EndpointEvent::Registrar(RegistrarEvent::Reachability { agent, reachable }) => {
                    let aor = aors.get(&agent).filter(|_| reachable);
                    if let Some(aor) = aor {
                        let _ = commands.send(call_agent(aor.clone(), media_addr));
                    }
                    format!("reachable agent={agent} {reachable}")
                }
                EndpointEvent::Malformed { from } => format!("malformed from={from}"),
                EndpointEvent::RateLimited { from } => format!("rate-limited from={from}"),
                EndpointEvent::CallRefused { from, reason } => {
                    format!("call refused from={from} {}", reason.as_str())
                }
                EndpointEvent::IncomingCall(new) => {
                    let _ = commands.send(call_policy(&new, media_addr));
                    format!("call c{} new uri={}", new.call.0, new.invite.uri())
                }
                EndpointEvent::Call { call, event } => format!("call c{} {event:?}", call.0),
                EndpointEvent::Outgoing { call, event } => {
                    // The agent answered: hang up at once (the test checks signalling only).
                    if matches!(event, OutgoingEvent::Answered(_)) {
                        let _ = commands.send(Box::new(move |ep, now| {
                            ep.cancel_call(now, call);
                        }));
                    }
                    format!("outgoing c{} {event:?}", call.0)
                }
            };
            println!("{line}");
            let _ = std::io::stdout().flush();
        }
    });
    println!("listening {listen}");
    std::io::stdout().flush()?;
    switchyard_sip::driver::run(endpoint, udp, Some(tcp), tx, command_rx, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
