//! The tokio driver over real sockets on 127.0.0.1: OPTIONS over UDP and TCP, and a
//! digest-authenticated REGISTER that makes an agent reachable.

use std::net::SocketAddr;
use std::time::Duration;
use switchyard_core::AgentId;
use switchyard_sip::digest::{Algorithm, Challenge, Credentials};
use switchyard_sip::endpoint::{Endpoint, EndpointConfig, EndpointEvent};
use switchyard_sip::registrar::{Account, CredentialStore, RegistrarEvent};
use switchyard_sip::{Message, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

struct Store;

impl CredentialStore for Store {
    fn account(&self, username: &str) -> Option<Account> {
        (username == "2001").then(|| Account {
            agent: AgentId(21),
            ha1: switchyard_sip::digest::Ha1::from_password("2001", "switchyard.test", "pa55"),
        })
    }
}

struct Server {
    udp: SocketAddr,
    tcp: SocketAddr,
    events: mpsc::UnboundedReceiver<EndpointEvent>,
    _stop: oneshot::Sender<()>,
    commands: mpsc::UnboundedSender<switchyard_sip::driver::Command<Store>>,
}

async fn start() -> Server {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (udp_addr, tcp_addr) = (udp.local_addr().unwrap(), tcp.local_addr().unwrap());
    let mut config = EndpointConfig::default();
    config.registrar.realm = "switchyard.test".into();
    let endpoint = Endpoint::new(config, Store, b"driver test secret");
    let (ev_tx, events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let (commands, command_rx) = mpsc::unbounded_channel();
    tokio::spawn(switchyard_sip::driver::run(
        endpoint,
        udp,
        Some(tcp),
        ev_tx,
        command_rx,
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        udp: udp_addr,
        tcp: tcp_addr,
        events,
        _stop: stop,
        commands,
    }
}

fn request(method: &str, transport: &str, local: SocketAddr, branch: &str, extra: &str) -> String {
    format!(
        "{method} sip:switchyard.test SIP/2.0\r\nVia: SIP/2.0/{transport} {local};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:2001@switchyard.test>;tag=t1\r\nTo: <sip:2001@switchyard.test>\r\n\
         Call-ID: drv-{branch}\r\nCSeq: 1 {method}\r\nContact: <sip:2001@{local}>\r\n{extra}Content-Length: 0\r\n\r\n"
    )
}

async fn udp_roundtrip(sock: &UdpSocket, to: SocketAddr, msg: &str) -> Response {
    sock.send_to(msg.as_bytes(), to).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let (n, _) = timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("reply")
        .unwrap();
    match Message::parse(&buf[..n]).unwrap() {
        Message::Response(r) => r,
        Message::Request(_) => panic!("expected a response"),
    }
}

#[tokio::test]
async fn options_over_udp_and_tcp() {
    let server = start().await;
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sock.local_addr().unwrap();
    let r = udp_roundtrip(
        &sock,
        server.udp,
        &request("OPTIONS", "UDP", local, "u1", ""),
    )
    .await;
    assert_eq!(r.status().code(), 200);

    let mut tcp = TcpStream::connect(server.tcp).await.unwrap();
    let local = tcp.local_addr().unwrap();
    // A keep-alive CRLF first, then the request split across two writes.
    let msg = format!("\r\n\r\n{}", request("OPTIONS", "TCP", local, "t1", ""));
    let (a, b) = msg.as_bytes().split_at(40);
    tcp.write_all(a).await.unwrap();
    tcp.write_all(b).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("reply")
        .unwrap();
    let Ok(Message::Response(r)) = Message::parse(&buf[..n]) else {
        panic!("bad reply")
    };
    assert_eq!(r.status().code(), 200);
}

#[tokio::test]
async fn register_with_digest_makes_the_agent_reachable() {
    let mut server = start().await;
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sock.local_addr().unwrap();
    let r = udp_roundtrip(
        &sock,
        server.udp,
        &request("REGISTER", "UDP", local, "r1", ""),
    )
    .await;
    assert_eq!(r.status().code(), 401);
    let md5 = r
        .header("WWW-Authenticate")
        .into_iter()
        .find(|h| h.contains("MD5"))
        .unwrap();
    let nonce = md5
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let ch = Challenge {
        realm: "switchyard.test".into(),
        nonce,
        algorithm: Algorithm::Md5,
        stale: false,
    };
    let auth = Credentials::answer(
        &ch,
        "2001",
        "pa55",
        "REGISTER",
        "sip:switchyard.test",
        1,
        "abc",
    );
    let extra = format!("Authorization: {auth}\r\nExpires: 300\r\n");
    let r = udp_roundtrip(
        &sock,
        server.udp,
        &request("REGISTER", "UDP", local, "r2", &extra),
    )
    .await;
    assert_eq!(r.status().code(), 200);
    assert_eq!(
        r.header("Contact"),
        [format!("<sip:2001@{local}>;expires=300")]
    );
    let ev = timeout(Duration::from_secs(5), server.events.recv())
        .await
        .unwrap();
    assert_eq!(
        ev,
        Some(EndpointEvent::Registrar(RegistrarEvent::Reachability {
            agent: AgentId(21),
            reachable: true
        }))
    );
}

#[tokio::test]
async fn garbage_gets_no_reply_and_malformed_gets_400() {
    let mut server = start().await;
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sock.local_addr().unwrap();
    sock.send_to(b"\0\0\0garbage", server.udp).await.unwrap();
    let bad =
        request("OPTIONS", "UDP", local, "b1", "").replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    let r = udp_roundtrip(&sock, server.udp, &bad).await;
    assert_eq!(
        r.status().code(),
        400,
        "the first reply is the 400: garbage got none"
    );
    assert!(matches!(
        server.events.recv().await,
        Some(EndpointEvent::Malformed { .. })
    ));
}

#[tokio::test]
async fn commands_run_on_the_endpoint_and_their_events_come_out() {
    let mut server = start().await;
    let add: switchyard_sip::driver::Command<Store> = Box::new(|ep, now| {
        ep.registrar_mut().add_static(
            now,
            AgentId(5),
            "sip:desk@switchyard.test",
            "sip:desk@192.0.2.50",
        );
    });
    server.commands.send(add).ok().unwrap();
    let ev = timeout(Duration::from_secs(5), server.events.recv())
        .await
        .unwrap();
    assert_eq!(
        ev,
        Some(EndpointEvent::Registrar(RegistrarEvent::Reachability {
            agent: AgentId(5),
            reachable: true
        }))
    );
}
