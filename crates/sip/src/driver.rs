//! The thin tokio driver: sockets and the clock on one side, the pure [`Endpoint`] on the
//! other. One task owns the endpoint; it reads UDP datagrams and frames from TCP and TLS
//! connection tasks (`conn`: size caps, connection caps, idle timeout), feeds them in with
//! the current time, sends what the endpoint polls out and sleeps until the endpoint's
//! next timeout. Nothing here decides anything.

mod conn;
mod tls;

pub use conn::TransportLimits;
pub use tls::{TlsAcceptor, tls_acceptor};

use crate::endpoint::{Datagram, Endpoint, EndpointEvent};
use crate::registrar::CredentialStore;
use crate::stream::datagram_within;
use conn::Inbound;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchyard_core::Time;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Maps tokio's (pausable) monotonic clock onto wall-clock [`Time`], so tests with paused
/// time see the endpoint's timers fire in virtual time.
#[derive(Debug, Clone, Copy)]
struct Clock {
    base_time: Time,
    base_instant: Instant,
}

impl Clock {
    #[allow(clippy::disallowed_methods)] // the driver is where the clock is read
    fn start() -> Clock {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            base_time: Time(wall.as_millis() as u64),
            base_instant: Instant::now(),
        }
    }

    #[allow(clippy::disallowed_methods)] // the driver is where the clock is read
    fn now(&self) -> Time {
        self.base_time + Instant::now().saturating_duration_since(self.base_instant)
    }

    fn instant_of(&self, t: Time) -> Instant {
        self.base_instant
            + Duration::from_millis(t.as_millis().saturating_sub(self.base_time.as_millis()))
    }
}

/// Timers are served on a 10 ms grid. The endpoint's `handle_timeout` walks every live
/// transaction and leg; with thousands live (100 calls/s, transactions linger up to 32 s)
/// and their timers on distinct milliseconds, firing at each one cost more CPU than the
/// calls themselves. No SIP timer minds 10 ms of lateness (T1 is 500 ms).
const TIMER_GRID_MS: u64 = 10;

/// Work the server wants done on the endpoint (answer a call, add a static contact...):
/// run on the driver task with the current time, then the endpoint is drained as usual.
pub type Command<S> = Box<dyn FnOnce(&mut Endpoint<S>, Time) + Send>;

/// The sockets the endpoint is served on.
#[allow(missing_debug_implementations)] // TlsAcceptor has no Debug
pub struct Listeners {
    /// SIP over UDP (its address is the default advertised one).
    pub udp: UdpSocket,
    /// SIP over TCP.
    pub tcp: Option<TcpListener>,
    /// SIPS: SIP over TLS, with the server certificate.
    pub tls: Option<(TcpListener, TlsAcceptor)>,
}

/// Runs the endpoint on a UDP socket and, optionally, a TCP listener until `shutdown`
/// completes. Endpoint events go to `events` (the server forwards reachability to the
/// router); `commands` carries the server's calls into the endpoint. Responses go back over
/// the connection a request came on, else over UDP.
pub async fn run<S: CredentialStore>(
    endpoint: Endpoint<S>,
    udp: UdpSocket,
    tcp: Option<TcpListener>,
    events: mpsc::UnboundedSender<EndpointEvent>,
    commands: mpsc::UnboundedReceiver<Command<S>>,
    shutdown: impl Future<Output = ()>,
) -> crate::Result<()> {
    let listeners = Listeners {
        udp,
        tcp,
        tls: None,
    };
    let limits = TransportLimits::default();
    run_with(endpoint, listeners, limits, events, commands, shutdown).await
}

/// [`run`] with a TLS listener too and explicit [`TransportLimits`]: messages over the
/// size caps are refused (datagrams dropped; on a stream answered 400/413/513, then the
/// connection closed), connections over the caps closed at once, silent ones closed after
/// the idle timeout.
pub async fn run_with<S: CredentialStore>(
    mut endpoint: Endpoint<S>,
    listeners: Listeners,
    limits: TransportLimits,
    events: mpsc::UnboundedSender<EndpointEvent>,
    mut commands: mpsc::UnboundedReceiver<Command<S>>,
    shutdown: impl Future<Output = ()>,
) -> crate::Result<()> {
    let clock = Clock::start();
    let Listeners { udp, tcp, tls } = listeners;
    endpoint.set_advertised(udp.local_addr()?);
    if let Some((l, _)) = &tls {
        endpoint.set_advertised_tls(l.local_addr()?);
    }
    let (in_tx, mut in_rx) = mpsc::unbounded_channel();
    let slots = conn::Slots::new(limits);
    let mut acceptors = Vec::new();
    if let Some(listener) = tcp {
        let a = conn::accept_loop(listener, None, slots.clone(), in_tx.clone());
        acceptors.push(tokio::spawn(a));
    }
    if let Some((listener, acceptor)) = tls {
        let a = conn::accept_loop(listener, Some(acceptor), slots.clone(), in_tx.clone());
        acceptors.push(tokio::spawn(a));
    }
    let mut connections: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; 65_535];
    tokio::pin!(shutdown);
    let result = loop {
        while let Some(Datagram { to, bytes }) = endpoint.poll_transmit() {
            match connections.get(&to) {
                Some(conn) => {
                    let _ = conn.send(bytes);
                }
                None => {
                    if let Err(e) = udp.send_to(&bytes, to).await {
                        tracing::debug!(%to, error = %e, "UDP send failed");
                    }
                }
            }
        }
        while let Some(e) = endpoint.poll_event() {
            let _ = events.send(e);
        }
        let deadline = endpoint
            .poll_timeout()
            .map(|t| clock.instant_of(Time(t.as_millis().div_ceil(TIMER_GRID_MS) * TIMER_GRID_MS)));
        tokio::select! {
            r = udp.recv_from(&mut buf) => match r {
                Ok((n, from)) => match datagram_within(&buf[..n], &limits.message) {
                    Ok(()) => endpoint.handle_datagram(clock.now(), from, &buf[..n]),
                    Err(problem) => {
                        metrics::counter!("switchyard_sip_transport_rejected_total", "reason" => "datagram_too_large").increment(1);
                        tracing::debug!(%from, bytes = n, %problem, "SIP datagram dropped");
                    }
                },
                // ICMP port unreachable surfaces here on some systems; keep serving.
                Err(e) => tracing::debug!(error = %e, "UDP receive failed"),
            },
            Some(command) = commands.recv() => {
                let now = clock.now();
                command(&mut endpoint, now);
                endpoint.flush(now);
            }
            Some(msg) = in_rx.recv() => match msg {
                Inbound::Frame(from, bytes) => endpoint.handle_datagram(clock.now(), from, &bytes),
                Inbound::Connected(peer, tx) => { connections.insert(peer, tx); }
                Inbound::Closed(peer) => { connections.remove(&peer); }
            },
            () = tokio::time::sleep_until(deadline.unwrap_or_else(|| clock.instant_of(Time(u64::MAX / 2)))),
                if deadline.is_some() => endpoint.handle_timeout(clock.now()),
            () = &mut shutdown => break Ok(()),
        }
    };
    for a in acceptors {
        a.abort();
    }
    result
}
