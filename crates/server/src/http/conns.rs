//! Connection caps: in all and per source address, counted from accept to close
//! (an upgraded WebSocket keeps its place: the count travels with the socket).
//! Excess connections get a short problem document (503 over the total, 429 over
//! the per-source cap) and are closed.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// Open connections, in all and per source.
#[derive(Debug)]
pub(crate) struct Conns {
    max_total: usize,
    max_per_source: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_source: HashMap<IpAddr, usize>,
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the total cap.
    Full,
    /// Over the per-source cap.
    Source,
}

impl Refusal {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refusal::Full => "total",
            Refusal::Source => "per_source",
        }
    }

    /// The whole HTTP response sent before closing.
    fn response(self) -> Vec<u8> {
        let (status, reason, detail) = match self {
            Refusal::Full => (
                503,
                "Service Unavailable",
                "too many open connections; retry later",
            ),
            Refusal::Source => (
                429,
                "Too Many Requests",
                "too many open connections from your address; close some and retry",
            ),
        };
        let body = format!(
            "{{\"type\":\"about:blank\",\"title\":\"{reason}\",\"status\":{status},\"detail\":\"{detail}\"}}"
        );
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n\
             content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

/// Holds one connection's place; released on drop.
#[derive(Debug)]
pub(crate) struct Place {
    conns: Arc<Conns>,
    ip: IpAddr,
}

impl Conns {
    /// Caps; 0 is no cap.
    pub(crate) fn new(max_total: usize, max_per_source: usize) -> Arc<Conns> {
        Arc::new(Conns {
            max_total: if max_total == 0 {
                usize::MAX
            } else {
                max_total
            },
            max_per_source: if max_per_source == 0 {
                usize::MAX
            } else {
                max_per_source
            },
            open: Mutex::new(Open::default()),
        })
    }

    /// Takes a place for a connection from `ip`, or says why not.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Place, Refusal> {
        let mut o = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if o.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let n = o.by_source.entry(ip).or_insert(0);
        if *n >= self.max_per_source {
            return Err(Refusal::Source);
        }
        *n += 1;
        o.total += 1;
        metrics::gauge!("switchyard_http_connections").set(o.total as f64);
        Ok(Place {
            conns: self.clone(),
            ip,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut o = self.conns.open.lock().unwrap_or_else(|p| p.into_inner());
        o.total = o.total.saturating_sub(1);
        if let Some(n) = o.by_source.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                o.by_source.remove(&self.ip);
            }
        }
        metrics::gauge!("switchyard_http_connections").set(o.total as f64);
    }
}

/// Answers a refused connection and closes it, within a second: the response, then
/// whatever the client had sent is read and dropped (closing with unread input would
/// reset the connection before the client read the answer).
pub(crate) async fn refuse(mut tcp: TcpStream, why: Refusal) {
    let bye = async {
        tcp.write_all(&why.response()).await?;
        tcp.shutdown().await?;
        let mut sink = [0u8; 1024];
        while tokio::io::AsyncReadExt::read(&mut tcp, &mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), bye).await;
}

/// A TCP stream that holds its connection's [`Place`].
#[derive(Debug)]
pub(crate) struct Counted {
    pub(crate) tcp: TcpStream,
    pub(crate) _place: Place,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_source_and_in_all() {
        let c = Conns::new(3, 2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let a1 = c.admit(a).unwrap();
        let _a2 = c.admit(a).unwrap();
        assert_eq!(c.admit(a).unwrap_err(), Refusal::Source);
        let _b1 = c.admit(b).unwrap();
        assert_eq!(c.admit(b).unwrap_err(), Refusal::Full);
        drop(a1);
        assert!(c.admit(b).is_ok());
    }

    #[test]
    fn zero_is_no_cap() {
        let c = Conns::new(0, 0);
        let a: IpAddr = [10, 0, 0, 1].into();
        let held: Vec<_> = (0..10_000).map(|_| c.admit(a).unwrap()).collect();
        assert_eq!(held.len(), 10_000);
    }

    #[test]
    fn refusals_are_problem_documents() {
        let r = String::from_utf8(Refusal::Source.response()).unwrap();
        assert!(r.starts_with("HTTP/1.1 429 "));
        assert!(r.contains("application/problem+json"));
        let body = r.split("\r\n\r\n").nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 429);
    }
}
