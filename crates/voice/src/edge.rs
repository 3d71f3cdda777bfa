//! The voice edge's tokio side: binds the SIP sockets, runs the SIP driver, and one
//! task (the actor) that owns the [`Switchboard`], turns endpoint events, router outputs
//! and media events into actions, and carries them out. Call control itself is in
//! [`crate::switchboard`]; this module only does I/O.

mod callback;
mod exec;
mod hold;
mod incoming;
mod ivr;
mod ivr_steps;
mod numbers;

pub use callback::Trunk;

use crate::callback::CallbackDesk;
use crate::creds::Accounts;
use crate::rtp::{Clock, MediaCmd, MediaEvent};
use crate::sounds::Sounds;
use crate::switchboard::Switchboard;
use crate::transport::advertised_ip;
use crate::{Error, Result};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::OfferId;
use switchyard_engine::{Engine, Output};
use switchyard_sip::digest::Algorithm;
use switchyard_sip::driver::{Command, Listeners};
use switchyard_sip::endpoint::{
    AdmissionConfig, CallHandle, Endpoint, EndpointConfig, EndpointEvent, RateLimit,
};
use switchyard_sip::registrar::LoginPolicy;
use switchyard_sip::sdp::LocalMedia;
use switchyard_store::Store;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

/// What the voice edge is configured with.
#[derive(Clone, Debug)]
pub struct VoiceConfig {
    /// SIP address (UDP and TCP); RTP sockets are bound on its IP.
    pub listen: SocketAddr,
    /// Digest realm.
    pub realm: String,
    /// Digest algorithms offered, most preferred first.
    pub algorithms: Vec<Algorithm>,
    /// How often registered phones are probed with OPTIONS (`None`: never).
    pub qualify: Option<Duration>,
    /// Where to look for `prompts/` and `moh/`, first match wins.
    pub sounds_dirs: Vec<PathBuf>,
    /// Where the REST API writes tenants' prompts (`<dir>/<tenant>/<name>.wav`): they win
    /// over the shipped ones and are picked up live (`None`: shipped prompts only).
    pub tenant_sounds_dir: Option<PathBuf>,
    /// Where voicemails are recorded (`<dir>/<tenant>/<interaction>.wav`; the REST API
    /// serves `<data-dir>/voicemail`).
    pub voicemail_dir: PathBuf,
    /// The outbound trunk callbacks are dialled through (`None`: callbacks are left to
    /// agents' desktops, where the agent sees the number).
    pub trunk: Option<Trunk>,
    /// Per-source limit on SIP datagrams (`None`: no limit); trunks have their own.
    pub rate_limit: Option<RateLimit>,
    /// Who may call: inbound trunks, per-source and global call caps.
    pub admission: AdmissionConfig,
    /// Network exposure: external addresses, RTP ports, SIPS, transport limits.
    pub transport: crate::transport::VoiceTransport,
    /// Lockout after failed digest logins, per account and per source address.
    pub lockout: LoginPolicy,
}

impl VoiceConfig {
    /// Parses `SHA-256,MD5` style algorithm lists.
    pub fn parse_algorithms(s: &str) -> Result<Vec<Algorithm>> {
        let algs = s
            .split(',')
            .map(|a| match a.trim().to_ascii_uppercase().as_str() {
                "MD5" => Ok(Algorithm::Md5),
                "SHA-256" | "SHA256" => Ok(Algorithm::Sha256),
                _ => Err(Error::Config("digest algorithms are MD5 and SHA-256")),
            })
            .collect::<Result<Vec<_>>>()?;
        if algs.is_empty() {
            return Err(Error::Config("at least one digest algorithm"));
        }
        Ok(algs)
    }
}

/// The running edge.
#[derive(Debug)]
pub struct VoiceHandle {
    /// The bound SIP address.
    pub local_addr: SocketAddr,
    /// The bound SIPS (TLS) address, if any.
    pub tls_addr: Option<SocketAddr>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl VoiceHandle {
    /// Stops the SIP driver and the actor (calls in progress are dropped).
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// An agent leg's media: its socket, our offer, the answer once read.
#[derive(Debug)]
struct AgentMedia {
    socket: Arc<UdpSocket>,
    local: LocalMedia,
    leg: Option<crate::media::Leg>,
}

/// The actor's state.
struct Actor {
    store: Store,
    engine: Engine,
    accounts: Accounts,
    sounds: Sounds,
    clock: Clock,
    /// The IP put in our SDP (never 0.0.0.0).
    media_ip: std::net::IpAddr,
    /// The IP RTP sockets are bound on (the SIP listen IP).
    media_bind: std::net::IpAddr,
    rtp_ports: crate::transport::RtpPorts,
    sb: Switchboard,
    commands: mpsc::UnboundedSender<Command<Accounts>>,
    placed_tx: mpsc::UnboundedSender<(OfferId, Vec<CallHandle>)>,
    media_tx: mpsc::UnboundedSender<MediaEvent>,
    callers: HashMap<CallHandle, mpsc::UnboundedSender<MediaCmd>>,
    caller_ids: HashMap<CallHandle, String>,
    /// Each caller's tenant, for its prompts.
    tenants: HashMap<CallHandle, switchyard_core::TenantId>,
    /// Dialled numbers to queues, recently looked up.
    numbers: numbers::NumberCache,
    agents: HashMap<CallHandle, AgentMedia>,
    pending: HashMap<OfferId, AgentMedia>,
    /// Menus, voicemail and callback confirmations of callers.
    ivr: ivr::IvrDesk,
    /// Callbacks: the pure control, the agents' media tasks, the trunk.
    cb: CallbackDesk,
    callback_media: HashMap<CallHandle, mpsc::UnboundedSender<MediaCmd>>,
    trunk: Option<Trunk>,
    /// Callers' media waiting for the ACK of our 200.
    gate: crate::admit::MediaGate<incoming::PendingMedia>,
    /// Tenants' `allow_anonymous_calls`, recently read.
    anonymous: HashMap<i64, (switchyard_core::Time, bool)>,
}

/// Binds UDP and TCP on `cfg.listen` (port 0: a free port for both) and starts the edge.
pub async fn start(cfg: VoiceConfig, store: Store, engine: Engine) -> Result<VoiceHandle> {
    let (udp, tcp, local_addr) = bind(cfg.listen).await?;
    let t = &cfg.transport;
    let sip_ip = advertised_ip(local_addr.ip(), t.external_address);
    let media_ip = advertised_ip(
        local_addr.ip(),
        t.media_external_address.or(t.external_address),
    );
    let tls = match &t.tls {
        Some(s) => {
            let acceptor = switchyard_sip::driver::tls_acceptor(&s.cert, &s.key)
                .map_err(|e| Error::Tls(e.to_string()))?;
            let listener = TcpListener::bind(s.listen)
                .await
                .map_err(|source| Error::Bind {
                    addr: s.listen,
                    source,
                })?;
            Some((listener, acceptor))
        }
        None => None,
    };
    let tls_addr = match &tls {
        Some((l, _)) => Some(l.local_addr().map_err(|source| Error::Bind {
            addr: local_addr,
            source,
        })?),
        None => None,
    };
    let accounts = Accounts::default();
    let n = accounts.reload(&store).await?;
    tracing::info!(accounts = n, "SIP accounts loaded");
    let mut config = EndpointConfig {
        accept_calls: true,
        advertised: Some(SocketAddr::new(sip_ip, local_addr.port())),
        advertised_tls: tls_addr.map(|a| SocketAddr::new(sip_ip, a.port())),
        id_seed: seed(),
        qualify_interval: cfg.qualify,
        rate_limit: cfg.rate_limit,
        admission: cfg.admission.clone(),
        ..EndpointConfig::default()
    };
    config.registrar.realm = cfg.realm.clone();
    config.registrar.algorithms = cfg.algorithms.clone();
    config.registrar.lockout = cfg.lockout;
    let endpoint = Endpoint::new(config, accounts.clone(), &secret());
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (commands, commands_rx) = mpsc::unbounded_channel();
    let (stop, stop_rx) = oneshot::channel::<()>();
    let (placed_tx, placed_rx) = mpsc::unbounded_channel();
    let (media_tx, media_rx) = mpsc::unbounded_channel();
    let outputs = engine.subscribe();
    let actor = Actor {
        store,
        engine,
        accounts,
        sounds: Sounds::load(&cfg.sounds_dirs).with_uploads(cfg.tenant_sounds_dir.clone()),
        clock: Clock::start(),
        media_ip,
        media_bind: local_addr.ip(),
        rtp_ports: cfg.transport.rtp_ports.clone(),
        sb: Switchboard::default(),
        commands,
        placed_tx,
        media_tx,
        callers: HashMap::new(),
        caller_ids: HashMap::new(),
        tenants: HashMap::new(),
        numbers: numbers::NumberCache::default(),
        agents: HashMap::new(),
        pending: HashMap::new(),
        ivr: ivr::IvrDesk::new(cfg.voicemail_dir.clone()),
        cb: CallbackDesk::new(
            cfg.trunk
                .as_ref()
                .map_or(Duration::from_secs(30), |t| t.customer_ring),
        ),
        callback_media: HashMap::new(),
        trunk: cfg.trunk.clone(),
        gate: Default::default(),
        anonymous: HashMap::new(),
    };
    let limits = cfg.transport.limits;
    let task = tokio::spawn(async move {
        let (driver_stop_tx, driver_stop) = oneshot::channel::<()>();
        let listeners = Listeners {
            udp,
            tcp: Some(tcp),
            tls,
        };
        let driver = tokio::spawn(switchyard_sip::driver::run_with(
            endpoint,
            listeners,
            limits,
            events_tx,
            commands_rx,
            async move {
                let _ = driver_stop.await;
            },
        ));
        actor
            .run(events_rx, placed_rx, media_rx, outputs, stop_rx)
            .await;
        let _ = driver_stop_tx.send(());
        let _ = driver.await;
    });
    Ok(VoiceHandle {
        local_addr,
        tls_addr,
        stop,
        task,
    })
}

async fn bind(listen: SocketAddr) -> Result<(UdpSocket, TcpListener, SocketAddr)> {
    let err = |source| Error::Bind {
        addr: listen,
        source,
    };
    for _ in 0..20 {
        let udp = UdpSocket::bind(listen).await.map_err(err)?;
        let bound = udp.local_addr().map_err(err)?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp, bound)),
            Err(e) if listen.port() != 0 => return Err(err(e)),
            Err(_) => continue,
        }
    }
    Err(err(std::io::Error::other(
        "no port free for both UDP and TCP",
    )))
}

/// The key for digest nonces: random per process (nonces do not survive a restart).
fn secret() -> Vec<u8> {
    use std::io::Read;
    let mut key = vec![0u8; 32];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key)) {
        Ok(()) => key,
        Err(_) => seed().to_le_bytes().to_vec(),
    }
}

#[allow(clippy::disallowed_methods)] // uniqueness for SIP ids, not timing
fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.as_nanos() as u64 ^ (u64::from(std::process::id()) << 32)
}

impl Actor {
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<EndpointEvent>,
        mut placed: mpsc::UnboundedReceiver<(OfferId, Vec<CallHandle>)>,
        mut media: mpsc::UnboundedReceiver<MediaEvent>,
        mut outputs: broadcast::Receiver<Arc<Output>>,
        mut stop: oneshot::Receiver<()>,
    ) {
        // SIP accounts: one query, so a new or changed agent can register within 5 s.
        let mut refresh = tokio::time::interval(Duration::from_secs(5));
        refresh.tick().await;
        loop {
            let callback_due = self.cb.poll_timeout().map(|t| self.clock.instant_of(t));
            // Biased: a Dial's placed legs are known before their first SIP event, which
            // the driver sends after running the command that reports them.
            tokio::select! {
                biased;
                _ = &mut stop => break,
                Some((offer, legs)) = placed.recv() => self.on_placed(offer, legs).await,
                Some(ev) = events.recv() => self.on_sip(ev).await,
                Some(ev) = media.recv() => self.on_media(ev).await,
                out = outputs.recv() => match out {
                    Ok(out) => {
                        let actions = self.sb.on_output(&out);
                        self.execute(actions).await;
                        self.on_callback_output(&out).await;
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "voice edge lagged behind the router");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                () = tokio::time::sleep_until(callback_due.unwrap_or_else(|| self.clock.instant_of(self.clock.now()))), if callback_due.is_some() => {
                    self.on_callback_timeout().await;
                }
                _ = refresh.tick() => {
                    if let Err(e) = self.accounts.reload(&self.store).await {
                        tracing::warn!(error = %e, "reloading SIP accounts failed");
                    }
                }
            }
        }
    }
}
