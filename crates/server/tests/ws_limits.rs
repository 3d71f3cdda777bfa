//! Chat WebSockets against the real binary: an oversized message is closed with a
//! reason; a client that stops answering pings is dropped as idle and its customer,
//! treated as disconnected, resumes with its place kept; healthy clients stay.

mod common;

use common::Server;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &Server, path: &str) -> Ws {
    let url = format!("{}{path}", s.base.replace("http://", "ws://"));
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next JSON message of `kind` (others skipped), within 10 s.
async fn expect(ws: &mut Ws, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = tokio::time::timeout(left, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} in time"))
            .unwrap_or_else(|| panic!("socket ended before {kind}"))
            .unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == kind {
                return v;
            }
        }
    }
}

/// A bare-bones WebSocket client that never answers pings (a half-open browser).
struct Mute(tokio::net::TcpStream);

impl Mute {
    async fn connect(s: &Server, path: &str) -> Mute {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = s.base.trim_start_matches("http://");
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        c.write_all(req.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(c.read_u8().await.unwrap());
        }
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        Mute(c)
    }

    /// Sends a masked text frame (mask key zero).
    async fn send(&mut self, v: Value) {
        use tokio::io::AsyncWriteExt;
        let p = v.to_string().into_bytes();
        assert!(p.len() < 126);
        let mut f = vec![0x81, 0x80 | p.len() as u8, 0, 0, 0, 0];
        f.extend_from_slice(&p);
        self.0.write_all(&f).await.unwrap();
    }

    /// The next frame: opcode and payload.
    async fn frame(&mut self) -> (u8, Vec<u8>) {
        use tokio::io::AsyncReadExt;
        let b0 = self.0.read_u8().await.unwrap();
        let b1 = self.0.read_u8().await.unwrap();
        let len = match b1 & 0x7f {
            126 => u64::from(self.0.read_u16().await.unwrap()),
            127 => self.0.read_u64().await.unwrap(),
            n => u64::from(n),
        };
        let mut p = vec![0u8; len as usize];
        self.0.read_exact(&mut p).await.unwrap();
        (b0 & 0x0f, p)
    }

    /// The next text message of `kind`.
    async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let (op, p) = tokio::time::timeout(Duration::from_secs(10), self.frame())
                .await
                .expect("a frame in time");
            if op == 1 {
                let v: Value = serde_json::from_slice(&p).unwrap();
                if v["type"] == kind {
                    return v;
                }
            }
        }
    }
}

/// Reads until the close frame, within `limit`; returns its code and reason.
async fn close_of(ws: &mut Ws, limit: Duration) -> (CloseCode, String) {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(Some(f)))) => return (f.code, f.reason.to_string()),
            Some(Ok(Message::Close(None))) | None => panic!("closed without a reason"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("socket error before the close frame: {e}"),
        }
    }
}

#[tokio::test]
async fn an_oversized_message_is_closed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    for path in ["/ws/customer", "/ws/agent", "/ws/supervisor"] {
        let mut ws = connect(&s, path).await;
        let big = json!({ "v": 1, "type": "ping", "pad": "x".repeat(20_000) });
        send(&mut ws, big).await;
        let (code, reason) = close_of(&mut ws, Duration::from_secs(5)).await;
        assert_eq!(u16::from(code), 1009, "{path}");
        assert!(
            reason.contains("larger than 16384 bytes"),
            "{path}: {reason}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_answering_pings_is_dropped_and_resumes_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &["--ws-ping-secs", "1", "--ws-idle-timeout-secs", "3"],
    )
    .await;
    let join = |name: &str| json!({ "v": 1, "type": "join", "queue": "500", "name": name });
    // Ann's client never answers pings; Ben's (tungstenite) does while it reads.
    let mut ann = Mute::connect(&s, "/ws/customer").await;
    ann.send(join("Ann")).await;
    let joined = ann.expect("joined").await;
    assert_eq!(joined["position"], 1, "{joined}");
    let token = joined["resume_token"].as_str().unwrap().to_string();
    let mut ben = connect(&s, "/ws/customer").await;
    send(&mut ben, join("Ben")).await;
    assert_eq!(expect(&mut ben, "joined").await["position"], 2);
    let t0 = Instant::now();
    let ben_reader = tokio::spawn(async move {
        // Reading answers the pings; for 6 s nothing closes Ben's socket.
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_millis(200), ben.next()).await {
                Err(_) | Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => {}
                other => panic!("Ben's socket ended: {other:?}"),
            }
        }
        ben
    });
    // Ann is pinged, does not answer, and is closed as idle after about 3 s.
    let mut pings = 0;
    let (code, reason) = loop {
        let (op, p) = tokio::time::timeout(Duration::from_secs(8), ann.frame())
            .await
            .expect("Ann's socket closed in time");
        match op {
            9 => pings += 1,
            8 => {
                break (
                    u16::from_be_bytes([p[0], p[1]]),
                    String::from_utf8_lossy(&p[2..]).into_owned(),
                );
            }
            _ => {}
        }
    };
    let took = t0.elapsed();
    assert_eq!(code, 4000, "{reason}");
    assert!(reason.contains("idle"), "{reason}");
    assert!(pings >= 2, "{pings} pings before the close");
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_secs(6),
        "{took:?}"
    );
    let mut ben = ben_reader.await.unwrap();
    // Treated as disconnected, Ann kept her place: she resumes first in line.
    let mut again = connect(&s, "/ws/customer").await;
    send(
        &mut again,
        json!({ "v": 1, "type": "resume", "token": token }),
    )
    .await;
    let resumed = expect(&mut again, "joined").await;
    assert_eq!(resumed["position"], 1, "{resumed}");
    assert_eq!(resumed["state"], "waiting", "{resumed}");
    // Ben is still connected and answered.
    send(&mut ben, json!({ "v": 1, "type": "ping" })).await;
    expect(&mut ben, "pong").await;
    let log = s.log_text();
    assert!(log.contains("WebSocket idle"), "{log}");
    let m = s.metrics().await;
    assert!(
        m.lines()
            .any(|l| l.starts_with("switchyard_ws_idle_closed_total{role=\"customer\"} 1")),
        "{m}"
    );
    s.stop().await;
}

#[tokio::test]
async fn websockets_over_the_per_source_cap_get_429_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--http-max-connections-per-source", "2"]).await;
    let addr: std::net::SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    let open = || async move {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(([127, 0, 0, 7], 0).into()).unwrap();
        let tcp = sock.connect(addr).await.unwrap();
        tokio_tungstenite::client_async(format!("ws://{addr}/ws/supervisor"), tcp).await
    };
    let a = open().await.expect("first socket");
    let b = open().await.expect("second socket");
    match open().await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 429);
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            let body = String::from_utf8(r.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("too many open connections"), "{body}");
        }
        other => panic!("a third socket from one address: {:?}", other.map(|_| ())),
    }
    // Closing one frees its place.
    drop(a);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = open().await.expect("a socket once one closed");
    drop((b, c));
    s.stop().await;
}
