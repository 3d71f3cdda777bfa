//! The real binary's SIP network exposure: the external addresses in Contact and SDP,
//! RTP ports only inside `--rtp-ports` (503 once it is full), a flood at a call's RTP port
//! and at the SIP port leaving the call's media flowing to its caller, and SIPS.

mod common;

use common::Server;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout};

const CONFIG: &str = r#"
[[tenants]]
name = "transport"

[[tenants.queues]]
name = "line"
numbers = ["7100"]
"#;

/// The SIP address from the start-up banner (`  SIP           127.0.0.1:NNNN (...)`).
fn sip_addr(s: &Server) -> SocketAddr {
    s.log_text()
        .lines()
        .find_map(|l| l.trim().strip_prefix("SIP "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .expect("SIP address in the banner")
}

fn invite(local: SocketAddr, rtp: u16, n: u32) -> String {
    let sdp = format!(
        "v=0\r\no=- {n} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {rtp} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=sendrecv\r\n"
    );
    format!(
        "INVITE sip:7100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKtr{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+1555010{n}@127.0.0.1>;tag=c{n}\r\nTo: <sip:7100@127.0.0.1>\r\n\
         Call-ID: transport-{n}\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@{local}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// Sends an INVITE and returns the final response's text.
async fn call(sock: &UdpSocket, sip: SocketAddr, rtp: u16, n: u32) -> String {
    sock.send_to(invite(sock.local_addr().unwrap(), rtp, n).as_bytes(), sip)
        .await
        .unwrap();
    let mut buf = vec![0u8; 8192];
    loop {
        let (len, _) = timeout(Duration::from_secs(10), sock.recv_from(&mut buf))
            .await
            .expect("a final response")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        let code: u16 = text[8..11].parse().unwrap();
        if code >= 200 {
            return text;
        }
    }
}

fn header<'a>(resp: &'a str, name: &str) -> &'a str {
    resp.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {name} in {resp}"))
}

fn sdp_port(resp: &str) -> u16 {
    resp.lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no m=audio in {resp}"))
}

fn ack(resp: &str, local: SocketAddr, n: u32) -> String {
    let to = header(resp, "To");
    format!(
        "ACK sip:7100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKack{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+1555010{n}@127.0.0.1>;tag=c{n}\r\nTo: {to}\r\n\
         Call-ID: transport-{n}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    )
}

fn rtp_packet(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0, (seq >> 8) as u8, seq as u8];
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend_from_slice(&[0xff; 160]);
    p
}

/// Packets received on `sock` during `window`.
async fn count_for(sock: &UdpSocket, window: Duration) -> usize {
    let end = Instant::now() + window;
    let mut buf = vec![0u8; 2048];
    let mut n = 0;
    while let Ok(Ok(_)) = tokio::time::timeout_at(end, sock.recv_from(&mut buf)).await {
        n += 1;
    }
    n
}

#[tokio::test]
async fn external_addresses_rtp_range_and_a_flood_that_does_not_stop_media() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("transport.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--sip-external-address",
            "203.0.113.7",
            "--media-external-address",
            "198.51.100.9",
            "--rtp-ports",
            "31000-31003",
        ],
    )
    .await;
    let sip = sip_addr(&s);

    // Call 1: Contact and SDP carry the external addresses, the port is in the range.
    let caller = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let caller_rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtp_port = caller_rtp.local_addr().unwrap().port();
    let ok = call(&caller, sip, rtp_port, 1).await;
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let contact = header(&ok, "Contact");
    assert!(contact.contains("@203.0.113.7:"), "{contact}");
    assert!(ok.contains("c=IN IP4 198.51.100.9"), "{ok}");
    assert!(
        ok.contains("o=") && ok.contains("IN IP4 198.51.100.9"),
        "{ok}"
    );
    assert!(!ok.contains("0.0.0.0"), "{ok}");
    let port1 = sdp_port(&ok);
    assert!([31000, 31002].contains(&port1), "m= port {port1}");
    let local = caller.local_addr().unwrap();
    caller
        .send_to(ack(&ok, local, 1).as_bytes(), sip)
        .await
        .unwrap();

    // The caller's RTP latches its leg; then a stranger floods that RTP port and junk
    // floods the SIP port, while the music keeps coming to the caller only.
    let media: SocketAddr = ([127, 0, 0, 1], port1).into();
    caller_rtp.send_to(&rtp_packet(1), media).await.unwrap();
    assert!(
        count_for(&caller_rtp, Duration::from_millis(500)).await > 10,
        "music before the flood"
    );
    let attacker = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let junk = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let flood = {
        let (attacker, junk) = (attacker.clone(), junk.clone());
        tokio::spawn(async move {
            for seq in 0..20_000u16 {
                let _ = attacker.send_to(&rtp_packet(seq), media).await;
                let _ = junk.send_to(b"INVITE garbage\r\n\r\n", sip).await;
                if seq % 50 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
    };
    let during = count_for(&caller_rtp, Duration::from_secs(1)).await;
    flood.abort();
    assert!(
        during >= 35,
        "the caller got {during} packets in 1 s of flood (50 expected)"
    );
    let mut buf = vec![0u8; 2048];
    assert!(
        timeout(Duration::from_millis(300), attacker.recv_from(&mut buf))
            .await
            .is_err(),
        "the flooder was sent media"
    );

    // Call 2 takes the other even port; call 3 finds the range full: 503.
    let caller2 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ok2 = call(&caller2, sip, rtp_port, 2).await;
    assert!(ok2.starts_with("SIP/2.0 200"), "{ok2}");
    let port2 = sdp_port(&ok2);
    assert!(
        [31000, 31002].contains(&port2) && port2 != port1,
        "m= port {port2}"
    );
    let caller3 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let full = call(&caller3, sip, rtp_port, 3).await;
    assert!(full.starts_with("SIP/2.0 503"), "{full}");
    s.stop().await;
}

fn openssl_cert(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
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

/// The log without colour escapes (`ESC[...m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn options_over_the_sips_listener() {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path());
    let s = Server::start(
        dir.path(),
        &[
            "--sip-tls-listen",
            "127.0.0.1:0",
            "--sip-tls-cert",
            cert.to_str().unwrap(),
            "--sip-tls-key",
            key.to_str().unwrap(),
            "--sip-external-address",
            "203.0.113.7",
        ],
    )
    .await;
    let sips: SocketAddr = strip_ansi(&s.log_text())
        .lines()
        .find_map(|l| l.split("sips=").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|a| a.trim_matches('"').parse().ok())
        .expect("the SIPS address in the log");

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&cert).unwrap())
        .unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(sips).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake");
    let options = format!(
        "OPTIONS sip:7100@localhost SIP/2.0\r\nVia: SIP/2.0/TLS {local};branch=z9hG4bKtls1\r\n\
         Max-Forwards: 70\r\nFrom: <sips:probe@localhost>;tag=p1\r\nTo: <sips:7100@localhost>\r\n\
         Call-ID: tls-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
    tls.write_all(options.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = timeout(Duration::from_secs(5), tls.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let reply = String::from_utf8_lossy(&buf[..n]);
    assert!(reply.starts_with("SIP/2.0 200 OK"), "{reply}");
    assert!(reply.contains("Call-ID: tls-1"), "{reply}");
    s.stop().await;
}
