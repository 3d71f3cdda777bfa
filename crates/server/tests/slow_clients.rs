//! Slow and greedy HTTP clients against the real binary: headers dripped byte by byte,
//! bodies never finished, idle keep-alive connections and connection caps, while
//! normal requests go on being served.

mod common;

use common::{ADMIN, Server};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn addr(s: &Server) -> SocketAddr {
    s.base.trim_start_matches("http://").parse().unwrap()
}

/// Reads until the server closes the connection (or `limit` passes: then panics).
async fn read_to_close(c: &mut TcpStream, limit: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, c.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "connection still open after {limit:?}; got {:?}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
}

/// One complete response on an open keep-alive connection.
async fn get_on(c: &mut TcpStream, path: &str) -> String {
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .expect("a response within 5 s")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// A connection from a chosen loopback source address.
async fn connect_from(src: [u8; 4], to: SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind((src, 0).into()).unwrap();
    sock.connect(to).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dripped_headers_are_cut_off_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--http-header-timeout-secs", "2"]).await;
    let a = addr(&s);
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        let mut c = TcpStream::connect(a).await.unwrap();
        let head =
            b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let t0 = Instant::now();
        for b in head {
            if c.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut probe = [0u8; 64];
            // The server closes the socket: the next read sees EOF or a reset.
            if let Ok(r) = tokio::time::timeout(Duration::from_millis(1), c.read(&mut probe)).await
            {
                assert!(
                    !matches!(r, Ok(n) if n > 0),
                    "no response to a partial head"
                );
                return t0.elapsed();
            }
        }
        panic!("the dripping client was never cut off ({:?})", t0.elapsed());
    });
    // Normal requests keep being served while the slow client drips.
    let mut served = 0;
    while !drip.is_finished() {
        let r = s
            .http
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        served += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cut_after = drip.await.unwrap();
    assert!(
        cut_after >= Duration::from_millis(1800) && cut_after < Duration::from_secs(5),
        "cut off after {cut_after:?}, expected about 2 s"
    );
    assert!(
        served >= 5,
        "only {served} normal requests during {:?}",
        started.elapsed()
    );
    s.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--http-header-timeout-secs", "2"]).await;
    let mut c = TcpStream::connect(addr(&s)).await.unwrap();
    assert!(get_on(&mut c, "/healthz").await.starts_with("HTTP/1.1 200"));
    let t0 = Instant::now();
    let rest = read_to_close(&mut c, Duration::from_secs(6)).await;
    assert!(rest.is_empty(), "nothing more was sent: {rest:?}");
    assert!(
        t0.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        t0.elapsed()
    );
    s.stop().await;
}

#[tokio::test]
async fn a_body_never_finished_times_out_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--http-body-timeout-secs", "2"]).await;
    let mut c = TcpStream::connect(addr(&s)).await.unwrap();
    let head = format!(
        "POST /api/v1/tenants HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {ADMIN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let t0 = Instant::now();
    let out = read_to_close(&mut c, Duration::from_secs(8)).await;
    let took = t0.elapsed();
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("application/problem+json"), "{out}");
    assert!(out.contains("\"status\":408"), "{out}");
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_secs(6),
        "{took:?}"
    );
    // Nothing was created.
    let list = s
        .call(reqwest::Method::GET, "/api/v1/tenants", None, 200)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    s.stop().await;
}

#[tokio::test]
async fn connections_are_capped_per_source_and_in_all() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--http-max-connections-per-source",
            "3",
            "--http-max-connections",
            "6",
        ],
    )
    .await;
    let a = addr(&s);
    // Per source: three from 127.0.0.2 are served, the fourth refused with 429.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = connect_from([127, 0, 0, 2], a).await;
        assert!(get_on(&mut c, "/healthz").await.starts_with("HTTP/1.1 200"));
        held.push(c);
    }
    let mut c = connect_from([127, 0, 0, 2], a).await;
    let out = read_to_close(&mut c, Duration::from_secs(3)).await;
    assert!(out.starts_with("HTTP/1.1 429"), "{out}");
    assert!(out.contains("application/problem+json"), "{out}");
    // Another source still gets in...
    let mut other = connect_from([127, 0, 0, 3], a).await;
    assert!(
        get_on(&mut other, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    held.push(other);
    // ...until the total is reached (the test client's own pooled connection may hold
    // one place): then 503.
    let mut refused = None;
    for k in 4..10u8 {
        let mut c = connect_from([127, 0, 0, k], a).await;
        let r = get_on(&mut c, "/healthz").await;
        if r.starts_with("HTTP/1.1 503") {
            refused = Some(r);
            break;
        }
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
        held.push(c);
    }
    let refused = refused.expect("a 503 once the total cap is reached");
    assert!(refused.contains("too many open connections"), "{refused}");
    assert!(held.len() <= 6);
    // Closing one frees its place.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut c = connect_from([127, 0, 0, 20], a).await;
    assert!(get_on(&mut c, "/healthz").await.starts_with("HTTP/1.1 200"));
    drop(c);
    drop(held);
    s.stop().await;
}
