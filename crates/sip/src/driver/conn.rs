//! Stream connections (TCP and TLS): the caps on how many a source and everyone may hold,
//! the idle timeout, and framing with size caps. A connection that breaks a rule is
//! answered where RFC 3261 allows (400, 413, 513) and closed; the others go on.

use crate::stream::{MessageLimits, StreamFrame, StreamFramer};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

/// Caps on SIP transports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportLimits {
    /// Size caps for one message (TCP, TLS and UDP).
    pub message: MessageLimits,
    /// Most TCP + TLS connections open at once.
    pub max_connections: usize,
    /// Most TCP + TLS connections open at once from one IP address.
    pub max_connections_per_ip: usize,
    /// A connection that completes no message (nor keep-alive) for this long is closed;
    /// it also bounds the TLS handshake.
    pub idle_timeout: Duration,
}

impl Default for TransportLimits {
    fn default() -> Self {
        // Registered phones answer our OPTIONS probes every 30 s, so a live phone's
        // connection is never idle for 2 minutes.
        TransportLimits {
            message: MessageLimits::default(),
            max_connections: 1024,
            max_connections_per_ip: 32,
            idle_timeout: Duration::from_secs(120),
        }
    }
}

/// What connection tasks tell the driver.
pub(super) enum Inbound {
    Frame(SocketAddr, Vec<u8>),
    Connected(SocketAddr, mpsc::UnboundedSender<Vec<u8>>),
    Closed(SocketAddr),
}

/// Open connections, counted overall and per source IP.
#[derive(Clone, Debug)]
pub(super) struct Slots {
    limits: TransportLimits,
    open: Arc<Mutex<(usize, HashMap<IpAddr, usize>)>>,
}

/// One open connection's place; freed on drop.
#[derive(Debug)]
pub(super) struct Slot {
    open: Arc<Mutex<(usize, HashMap<IpAddr, usize>)>>,
    ip: IpAddr,
}

impl Slots {
    pub(super) fn new(limits: TransportLimits) -> Slots {
        Slots {
            limits,
            open: Arc::default(),
        }
    }

    fn take(&self, ip: IpAddr) -> Result<Slot, &'static str> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_ip) = &mut *open;
        if *total >= self.limits.max_connections {
            return Err("connection_limit");
        }
        let mine = per_ip.entry(ip).or_default();
        if *mine >= self.limits.max_connections_per_ip {
            return Err("connection_limit_per_ip");
        }
        *mine += 1;
        *total += 1;
        Ok(Slot {
            open: self.open.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_ip) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(n) = per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

fn rejected(reason: &'static str) {
    metrics::counter!("switchyard_sip_transport_rejected_total", "reason" => reason).increment(1);
}

/// Accepts connections on `listener` (TLS when `tls` is set) within the caps.
pub(super) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    slots: Slots,
    inbound: mpsc::UnboundedSender<Inbound>,
) {
    let transport = if tls.is_some() { "TLS" } else { "TCP" };
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, transport, "SIP accept failed");
                continue;
            }
        };
        let slot = match slots.take(peer.ip()) {
            Ok(s) => s,
            Err(reason) => {
                // Closed before reading anything: no state, no reply.
                rejected(reason);
                tracing::debug!(%peer, transport, reason, "SIP connection refused");
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (limits, inbound, tls) = (slots.limits, inbound.clone(), tls.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match tls {
                None => serve(stream, peer, transport, limits, inbound).await,
                Some(acceptor) => {
                    match tokio::time::timeout(limits.idle_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => serve(s, peer, transport, limits, inbound).await,
                        Ok(Err(e)) => {
                            rejected("tls_handshake");
                            tracing::debug!(%peer, error = %e, "SIP TLS handshake failed");
                        }
                        Err(_) => {
                            rejected("tls_handshake");
                            tracing::debug!(%peer, "SIP TLS handshake timed out");
                        }
                    }
                }
            }
        });
    }
}

/// Why a connection ended.
#[derive(Debug)]
enum End {
    PeerClosed,
    Idle,
    Refused(crate::Problem),
    DriverGone,
}

/// One connection: frames in (with the caps), whatever the endpoint sends out.
async fn serve<T>(
    stream: T,
    peer: SocketAddr,
    transport: &'static str,
    limits: TransportLimits,
    inbound: mpsc::UnboundedSender<Inbound>,
) where
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    if inbound
        .send(Inbound::Connected(peer, out_tx.clone()))
        .is_err()
    {
        return;
    }
    let mut writer = tokio::spawn(async move {
        while let Some(bytes) = out_rx.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                return;
            }
        }
        // Everything queued is out: FIN (and close_notify over TLS).
        let _ = wr.shutdown().await;
    });
    let end = read_loop(&mut rd, peer, limits, &inbound, &out_tx).await;
    match &end {
        End::Idle => {
            rejected("idle_timeout");
            tracing::info!(%peer, transport, idle = ?limits.idle_timeout, "SIP connection closed: idle");
        }
        End::Refused(problem) => {
            rejected(match problem {
                crate::Problem::BodyTooLarge => "body_too_large",
                crate::Problem::HeadersTooLarge => "headers_too_large",
                _ => "bad_framing",
            });
            tracing::info!(%peer, transport, %problem, "SIP connection closed: message refused");
        }
        End::PeerClosed | End::DriverGone => {
            tracing::debug!(%peer, transport, "SIP connection closed");
        }
    }
    let _ = inbound.send(Inbound::Closed(peer));
    drop(out_tx);
    // The writer sends what is queued (the refusal), then shuts down; a peer that does
    // not read gets a few seconds.
    if tokio::time::timeout(Duration::from_secs(5), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

#[allow(clippy::disallowed_methods)] // the driver is where the clock is read
fn idle_deadline(limits: &TransportLimits) -> Instant {
    Instant::now() + limits.idle_timeout
}

async fn read_loop<R: AsyncRead + Unpin>(
    rd: &mut R,
    peer: SocketAddr,
    limits: TransportLimits,
    inbound: &mpsc::UnboundedSender<Inbound>,
    out: &mpsc::UnboundedSender<Vec<u8>>,
) -> End {
    let mut framer = StreamFramer::new(limits.message);
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let mut deadline = idle_deadline(&limits);
    loop {
        tokio::select! {
            r = rd.read(&mut chunk) => match r {
                Ok(0) | Err(_) => return End::PeerClosed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            () = tokio::time::sleep_until(deadline) => return End::Idle,
        }
        loop {
            match framer.next(&buf) {
                StreamFrame::KeepAlive(n) => {
                    buf.drain(..n);
                    deadline = idle_deadline(&limits);
                }
                StreamFrame::Complete(n) => {
                    let frame: Vec<u8> = buf.drain(..n).collect();
                    if inbound.send(Inbound::Frame(peer, frame)).is_err() {
                        return End::DriverGone;
                    }
                    deadline = idle_deadline(&limits);
                }
                StreamFrame::Incomplete => break,
                StreamFrame::Close(r) => {
                    if let Some(reply) = r.reply {
                        let _ = out.send(reply);
                    }
                    return End::Refused(r.problem);
                }
            }
        }
    }
}
