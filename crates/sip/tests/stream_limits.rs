//! The driver's transport limits over real sockets on 127.0.0.1: a giant or overflowing
//! Content-Length and headers over the cap are answered and the connection closed while
//! the server goes on serving; the per-source connection cap; the idle timeout; oversized
//! datagrams dropped; OPTIONS over the SIPS (TLS) listener with a certificate made by
//! `openssl req` at test time.

// Real sockets and a real idle timeout: this test waits on the wall clock by design.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use switchyard_sip::driver::{Listeners, TransportLimits};
use switchyard_sip::endpoint::{Endpoint, EndpointConfig};
use switchyard_sip::registrar::{Account, CredentialStore};
use switchyard_sip::{Message, MessageLimits};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

struct NoAccounts;

impl CredentialStore for NoAccounts {
    fn account(&self, _: &str) -> Option<Account> {
        None
    }
}

struct Server {
    udp: SocketAddr,
    tcp: SocketAddr,
    tls: Option<SocketAddr>,
    _stop: oneshot::Sender<()>,
}

fn limits() -> TransportLimits {
    TransportLimits {
        message: MessageLimits {
            max_header_bytes: 2048,
            max_body_bytes: 4096,
        },
        max_connections: 64,
        max_connections_per_ip: 4,
        idle_timeout: Duration::from_millis(700),
    }
}

async fn start(
    limits: TransportLimits,
    tls: Option<switchyard_sip::driver::TlsAcceptor>,
) -> Server {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (udp_addr, tcp_addr) = (udp.local_addr().unwrap(), tcp.local_addr().unwrap());
    let tls_addr = tls.as_ref().map(|_| tls_listener.local_addr().unwrap());
    let endpoint = Endpoint::new(EndpointConfig::default(), NoAccounts, b"limits test");
    let (ev_tx, mut events) = mpsc::unbounded_channel();
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    let (stop, stopped) = oneshot::channel::<()>();
    let (_commands, command_rx) = mpsc::unbounded_channel();
    let listeners = Listeners {
        udp,
        tcp: Some(tcp),
        tls: tls.map(|a| (tls_listener, a)),
    };
    tokio::spawn(switchyard_sip::driver::run_with(
        endpoint,
        listeners,
        limits,
        ev_tx,
        command_rx,
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        udp: udp_addr,
        tcp: tcp_addr,
        tls: tls_addr,
        _stop: stop,
    }
}

fn options(
    transport: &str,
    local: SocketAddr,
    branch: &str,
    extra: &str,
    body_len: &str,
) -> String {
    format!(
        "OPTIONS sip:switchyard.test SIP/2.0\r\nVia: SIP/2.0/{transport} {local};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@switchyard.test>;tag=t1\r\nTo: <sip:switchyard.test>\r\n\
         Call-ID: lim-{branch}\r\nCSeq: 1 OPTIONS\r\n{extra}Content-Length: {body_len}\r\n\r\n"
    )
}

/// Reads until the peer closes (or 5 s pass: a failure); returns everything read.
async fn read_to_close<R: AsyncRead + Unpin>(r: &mut R) -> String {
    let mut all = Vec::new();
    timeout(Duration::from_secs(5), r.read_to_end(&mut all))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&all).into_owned()
}

/// One OPTIONS over a fresh TCP connection; the status line of the answer.
async fn tcp_options(server: &Server, branch: &str) -> String {
    let mut c = TcpStream::connect(server.tcp).await.unwrap();
    let local = c.local_addr().unwrap();
    c.write_all(options("TCP", local, branch, "", "0").as_bytes())
        .await
        .unwrap();
    status_line(&mut c).await
}

async fn status_line<S: AsyncRead + Unpin>(c: &mut S) -> String {
    let mut buf = vec![0u8; 8192];
    let n = timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let Ok(Message::Response(r)) = Message::parse(&buf[..n]) else {
        panic!("not a response: {:?}", String::from_utf8_lossy(&buf[..n]))
    };
    format!("{}", r.status())
}

#[tokio::test]
async fn a_giant_content_length_is_answered_413_and_closed_and_others_are_served() {
    let server = start(limits(), None).await;
    for (branch, length, status) in [
        ("g1", "1000000000", "413"),
        ("g2", "18446744073709551616", "400"),
        ("g3", "99999999999999999999999999999999", "400"),
    ] {
        let mut c = TcpStream::connect(server.tcp).await.unwrap();
        let local = c.local_addr().unwrap();
        c.write_all(options("TCP", local, branch, "", length).as_bytes())
            .await
            .unwrap();
        let got = read_to_close(&mut c).await;
        assert!(
            got.starts_with(&format!("SIP/2.0 {status} ")),
            "Content-Length {length}: {got}"
        );
        assert!(got.contains(&format!("Call-ID: lim-{branch}")), "{got}");
        assert_eq!(tcp_options(&server, &format!("{branch}ok")).await, "200 OK");
    }
}

#[tokio::test]
async fn headers_over_the_cap_are_answered_513_and_closed() {
    let server = start(limits(), None).await;
    let mut c = TcpStream::connect(server.tcp).await.unwrap();
    let local = c.local_addr().unwrap();
    let pad = format!("X-Pad: {}\r\n", "p".repeat(4000));
    let msg = options("TCP", local, "h1", &pad, "0");
    // The server may close before reading it all: a write error is fine.
    let _ = c.write_all(msg.as_bytes()).await;
    let got = read_to_close(&mut c).await;
    assert!(got.starts_with("SIP/2.0 513 Message Too Large"), "{got}");
    assert_eq!(tcp_options(&server, "h2").await, "200 OK");
}

#[tokio::test]
async fn connections_per_source_are_capped() {
    let server = start(limits(), None).await;
    let mut held = Vec::new();
    for i in 0..4 {
        let mut c = TcpStream::connect(server.tcp).await.unwrap();
        let local = c.local_addr().unwrap();
        c.write_all(options("TCP", local, &format!("c{i}"), "", "0").as_bytes())
            .await
            .unwrap();
        assert_eq!(status_line(&mut c).await, "200 OK");
        held.push(c);
    }
    // The fifth is closed without an answer.
    let mut fifth = TcpStream::connect(server.tcp).await.unwrap();
    let local = fifth.local_addr().unwrap();
    let _ = fifth
        .write_all(options("TCP", local, "c5", "", "0").as_bytes())
        .await;
    assert_eq!(read_to_close(&mut fifth).await, "");
    // One closes; a new one is served.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(tcp_options(&server, "c6").await, "200 OK");
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_timeout() {
    let server = start(limits(), None).await;
    let mut silent = TcpStream::connect(server.tcp).await.unwrap();
    // A slow sender: bytes that never complete a message do not keep it open.
    let mut dribbler = TcpStream::connect(server.tcp).await.unwrap();
    let started = tokio::time::Instant::now();
    let dribble = tokio::spawn(async move {
        for b in b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP"
            .iter()
            .cycle()
            .take(200)
        {
            if dribbler.write_all(&[*b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    });
    assert_eq!(read_to_close(&mut silent).await, "");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    assert!(
        dribble.await.unwrap(),
        "the dribbling connection was closed"
    );
    assert_eq!(tcp_options(&server, "i1").await, "200 OK");
}

#[tokio::test]
async fn oversized_datagrams_are_dropped() {
    let server = start(limits(), None).await;
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sock.local_addr().unwrap();
    let big = format!(
        "{}{}",
        options("UDP", local, "u1", "", "5000"),
        "b".repeat(5000)
    );
    sock.send_to(big.as_bytes(), server.udp).await.unwrap();
    let ok = options("UDP", local, "u2", "", "0");
    sock.send_to(ok.as_bytes(), server.udp).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let (n, _) = timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(
        text.contains("Call-ID: lim-u2"),
        "only the small one is answered: {text}"
    );
}

fn openssl_cert(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl must be installed (apt-get install openssl)");
    assert!(status.success(), "openssl req failed");
    (cert, key)
}

async fn tls_client<S: AsyncRead + AsyncWrite + Unpin>(
    cert: &Path,
    tcp: S,
) -> tokio_rustls::client::TlsStream<S> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(cert).unwrap())
        .unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake")
}

#[tokio::test]
async fn options_over_sips_and_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path());
    let acceptor = switchyard_sip::driver::tls_acceptor(&cert, &key).unwrap();
    let server = start(limits(), Some(acceptor)).await;
    let tls_addr = server.tls.unwrap();

    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let mut c = tls_client(&cert, tcp).await;
    c.write_all(options("TLS", local, "s1", "", "0").as_bytes())
        .await
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let n = timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(reply.starts_with("SIP/2.0 200 OK"), "{reply}");
    assert!(reply.contains("Via: SIP/2.0/TLS"), "{reply}");

    // The same caps as TCP: a giant body is refused, the connection closed.
    c.write_all(options("TLS", local, "s2", "", "1000000").as_bytes())
        .await
        .unwrap();
    let got = read_to_close(&mut c).await;
    assert!(got.starts_with("SIP/2.0 413 "), "{got}");

    // A client that is not speaking TLS gets nothing, and the listener goes on.
    let mut plain = TcpStream::connect(tls_addr).await.unwrap();
    let _ = plain
        .write_all(options("TCP", local, "s3", "", "0").as_bytes())
        .await;
    assert!(!read_to_close(&mut plain).await.contains("SIP/2.0 200"));
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let mut again = tls_client(&cert, tcp).await;
    again
        .write_all(options("TLS", local, "s4", "", "0").as_bytes())
        .await
        .unwrap();
    assert_eq!(status_line(&mut again).await, "200 OK");

    // Missing files are a clear error naming the file.
    let err = switchyard_sip::driver::tls_acceptor(&dir.path().join("nope.pem"), &key)
        .err()
        .expect("missing certificate");
    assert!(err.to_string().contains("nope.pem"), "{err}");
}
