//! The SIP endpoint core: everything between a datagram and the registrar, still pure.
//!
//! [`Endpoint`] parses what arrives, answers malformed requests statelessly, matches
//! requests to server transactions (creating them for new requests), hands REGISTER to the
//! [`Registrar`] and answers OPTIONS itself. With `accept_calls`, a new INVITE goes through
//! admission ([`admission`]: trunks, digest for agents' phones, call caps) and becomes a
//! call the server drives; without it INVITEs get 480. Like the transactions, it is
//! driven with `handle_*(now, ..)` and drained with `poll_*`; responses go back to the
//! address the request came from (symmetric response routing, RFC 3581 style).

mod admission;
mod admit;
mod calls;
mod cidr;
mod legs;
mod limit;
mod outgoing;
mod qualify;
mod reinvite;
mod timers;

pub use admission::{AdmissionConfig, CallLimits, CallOrigin, Cidr, Refusal, TrunkIn};
pub use calls::{CallEvent, CallHandle, NewCall};
pub use limit::RateLimit;
pub use outgoing::CallTarget;

use crate::error::Disposition;
use crate::message::{Message, Request};
use crate::registrar::{CredentialStore, Registrar, RegistrarConfig, RegistrarEvent};
use crate::transaction::{ClientEvent, ClientKey, NonInviteClient};
use crate::transaction::{InviteServer, NonInviteServer, ServerKey, TimerConfig};
use crate::types::{Method, StatusCode};
use limit::Limiter;
use qualify::Qualifier;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;
use switchyard_core::Time;
use timers::{Due, Timers};

/// Endpoint settings.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    /// Transaction timers.
    pub timers: TimerConfig,
    /// Registrar policy.
    pub registrar: RegistrarConfig,
    /// How often registered contacts are probed with OPTIONS; `None` disables qualify.
    pub qualify_interval: Option<Duration>,
    /// The address put in our Via (the driver sets its socket's address if unset).
    pub advertised: Option<SocketAddr>,
    /// The address of our SIPS (TLS) listener, for Via and Contact on TLS
    /// (`;transport=tls`); the driver sets its listener's address if unset.
    pub advertised_tls: Option<SocketAddr>,
    /// Seed for branch, tag and Call-ID values; give each node a different random one.
    pub id_seed: u64,
    /// Per-source flood limit; datagrams over it are dropped unparsed.
    pub rate_limit: Option<RateLimit>,
    /// Hand INVITEs to the server as calls ([`EndpointEvent::IncomingCall`]); when false
    /// (until the server wires calls) every INVITE gets 480 Temporarily Unavailable.
    pub accept_calls: bool,
    /// Who may call and how much: inbound trunks, per-source and global call caps.
    pub admission: AdmissionConfig,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            timers: TimerConfig::default(),
            registrar: RegistrarConfig::default(),
            qualify_interval: Some(Duration::from_secs(30)),
            advertised: None,
            advertised_tls: None,
            id_seed: 0,
            rate_limit: Some(RateLimit::default()),
            accept_calls: false,
            admission: AdmissionConfig::default(),
        }
    }
}

/// Bytes to send and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Destination.
    pub to: SocketAddr,
    /// The serialized message.
    pub bytes: Vec<u8>,
}

/// What the endpoint tells the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointEvent {
    /// From the registrar: an agent's reachability changed.
    Registrar(RegistrarEvent),
    /// A message was dropped or rejected as malformed (for metrics and blocking).
    Malformed {
        /// Its source.
        from: SocketAddr,
    },
    /// A new call arrived (only with `accept_calls`): ring, answer or reject it by handle.
    IncomingCall(Box<NewCall>),
    /// Something happened on a call we placed to an agent.
    Outgoing {
        /// Which call.
        call: CallHandle,
        /// What happened.
        event: crate::call::OutgoingEvent,
    },
    /// Something happened on a call leg.
    Call {
        /// Which call.
        call: CallHandle,
        /// What happened.
        event: CallEvent,
    },
    /// A datagram was dropped because its source exceeded the rate limit. Reported for
    /// the first datagram over the limit after an allowed one, not for every one.
    RateLimited {
        /// Its source.
        from: SocketAddr,
    },
    /// A new INVITE was refused by admission (503 over a cap, 407/403 for credentials).
    CallRefused {
        /// Its source.
        from: SocketAddr,
        /// Why.
        reason: Refusal,
    },
}

#[derive(Debug)]
enum ServerTx {
    Invite(Box<InviteServer>),
    NonInvite(Box<NonInviteServer>),
}

impl ServerTx {
    /// When its next timer fires.
    fn deadline(&self) -> Option<Time> {
        match self {
            ServerTx::Invite(t) => t.poll_timeout(),
            ServerTx::NonInvite(t) => t.poll_timeout(),
        }
        .map(|(at, _)| at)
    }
}

/// The endpoint. `S` is the credential store the server implements over its database.
#[derive(Debug)]
pub struct Endpoint<S> {
    config: EndpointConfig,
    store: S,
    registrar: Registrar,
    servers: HashMap<ServerKey, (SocketAddr, ServerTx)>,
    // Transactions touched since the last drain; only they are polled (O(touched), not
    // O(live)); each drained one is (re)scheduled in `timers`.
    dirty_servers: HashSet<ServerKey>,
    dirty_clients: HashSet<ClientKey>,
    timers: Timers,
    clients: HashMap<ClientKey, (SocketAddr, NonInviteClient)>,
    qualifier: Qualifier,
    limiter: Limiter,
    trunk_limiter: Limiter,
    caps: admission::Caps,
    invite_auth: crate::auth::Authenticator,
    legs: legs::Legs,
    next_call: u64,
    limited: std::collections::HashSet<std::net::IpAddr>,
    next_id: u64,
    out: VecDeque<Datagram>,
    events: VecDeque<EndpointEvent>,
}

impl<S: CredentialStore> Endpoint<S> {
    /// An endpoint whose nonces are keyed by `secret`.
    pub fn new(config: EndpointConfig, store: S, secret: &[u8]) -> Endpoint<S> {
        let registrar = Registrar::new(config.registrar.clone(), secret);
        let invite_auth = crate::auth::Authenticator::new(
            config.registrar.realm.clone(),
            secret,
            config.registrar.nonce_lifetime,
        );
        Endpoint {
            config,
            store,
            registrar,
            servers: HashMap::new(),
            dirty_servers: HashSet::new(),
            dirty_clients: HashSet::new(),
            timers: Timers::default(),
            clients: HashMap::new(),
            qualifier: Qualifier::default(),
            limiter: Limiter::default(),
            trunk_limiter: Limiter::default(),
            caps: admission::Caps::default(),
            invite_auth,
            legs: legs::Legs::default(),
            next_call: 0,
            limited: Default::default(),
            next_id: 0,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Sets the address for our Via headers (the driver calls this with its socket's).
    pub fn set_advertised(&mut self, addr: SocketAddr) {
        self.config.advertised.get_or_insert(addr);
    }

    /// Sets the address for Via and Contact over TLS (the driver calls this with its TLS
    /// listener's).
    pub fn set_advertised_tls(&mut self, addr: SocketAddr) {
        self.config.advertised_tls.get_or_insert(addr);
    }

    /// The registrar, for lookups (`contacts`) and static contacts.
    pub fn registrar_mut(&mut self) -> &mut Registrar {
        &mut self.registrar
    }

    /// One datagram from `from`.
    pub fn handle_datagram(&mut self, now: Time, from: SocketAddr, bytes: &[u8]) {
        // Trunks have their own (higher) limit per address; unknown sources the common one.
        let trunk = self.config.admission.trunk_of(from.ip());
        let limit = match trunk {
            Some(i) => Some(self.config.admission.trunks[i].datagrams),
            None => self.config.rate_limit,
        };
        if let Some(limit) = limit.filter(|l| l.per_second > 0) {
            let limiter = match trunk {
                Some(_) => &mut self.trunk_limiter,
                None => &mut self.limiter,
            };
            if !limiter.allow(limit, from.ip(), now) {
                if self.limited.insert(from.ip()) {
                    self.events.push_back(EndpointEvent::RateLimited { from });
                }
                return;
            }
            self.limited.remove(&from.ip());
        }
        match Message::parse(bytes) {
            Ok(Message::Request(req)) => self.handle_request(now, from, req),
            Ok(Message::Response(resp)) => {
                // §18.1.2: a response matching no client transaction is dropped.
                let Some(resp) = self.legs.route_response(now, resp) else {
                    return self.drain(now);
                };
                let key = ClientKey::of_response(&resp).filter(|k| self.clients.contains_key(k));
                if let Some(key) = key {
                    if let Some((_, t)) = self.clients.get_mut(&key) {
                        t.handle_message(now, resp);
                    }
                    self.dirty_clients.insert(key);
                }
            }
            Err(e) => {
                if let Disposition::Reply(_, bytes) = e.disposition() {
                    self.out.push_back(Datagram { to: from, bytes });
                }
                self.events.push_back(EndpointEvent::Malformed { from });
            }
        }
        self.drain(now);
    }

    fn handle_request(&mut self, now: Time, from: SocketAddr, req: Request) {
        let Some(req) = self.legs.route_request(now, req) else {
            return;
        };
        let key = ServerKey::of_request(&req);
        if let Some((_, tx)) = self.servers.get_mut(&key) {
            match tx {
                ServerTx::Invite(t) => t.handle_message(now, req),
                ServerTx::NonInvite(t) => t.handle_message(now, req),
            }
            self.dirty_servers.insert(key);
            return;
        }
        // §8.2.2.3: options in Require that we do not support (we support none) get 420.
        let required: Vec<String> = req
            .header("Require")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if !required.is_empty() && !matches!(req.method(), Method::Ack | Method::Cancel) {
            return self.refuse_extensions(now, from, key, &req, &required);
        }
        match req.method() {
            // An ACK that matched no transaction and no leg: nothing to do.
            Method::Ack => {}
            Method::Invite if self.config.accept_calls && req.head().to.tag().is_none() => {
                self.admit(now, from, key, req);
            }
            Method::Invite => {
                let Some(mut t) = InviteServer::new(&req, self.config.timers) else {
                    return;
                };
                if let Ok(resp) = req.reply(StatusCode::TEMPORARILY_UNAVAILABLE).build() {
                    t.send_response(now, resp);
                }
                self.add_server(key, (from, ServerTx::Invite(Box::new(t))));
            }
            method => {
                let Some(mut t) = NonInviteServer::new(&req, self.config.timers) else {
                    return;
                };
                let resp = match method {
                    Method::Register => {
                        self.registrar
                            .handle_register(now, &req, Some(from), &self.store)
                    }
                    Method::Options => req
                        .reply(StatusCode::OK)
                        .header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO")
                        .header("Accept", "application/sdp")
                        .build(),
                    Method::Cancel => self.cancel(now, &req),
                    Method::Bye => req.reply(StatusCode::NO_TRANSACTION).build(),
                    _ => req
                        .reply(StatusCode::METHOD_NOT_ALLOWED)
                        .header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO")
                        .build(),
                };
                match resp {
                    Ok(resp) => t.send_response(now, resp),
                    Err(_) => {
                        if let Ok(r) = req.reply(StatusCode::SERVER_ERROR).build() {
                            t.send_response(now, r);
                        }
                    }
                }
                self.add_server(key, (from, ServerTx::NonInvite(Box::new(t))));
            }
        }
    }

    fn refuse_extensions(
        &mut self,
        now: Time,
        from: SocketAddr,
        key: ServerKey,
        req: &Request,
        options: &[String],
    ) {
        let Ok(resp) = req
            .reply(StatusCode::BAD_EXTENSION)
            .header("Unsupported", options.join(", "))
            .build()
        else {
            return;
        };
        let tx = if req.method() == Method::Invite {
            InviteServer::new(req, self.config.timers).map(|mut t| {
                t.send_response(now, resp);
                ServerTx::Invite(Box::new(t))
            })
        } else {
            NonInviteServer::new(req, self.config.timers).map(|mut t| {
                t.send_response(now, resp);
                ServerTx::NonInvite(Box::new(t))
            })
        };
        if let Some(tx) = tx {
            self.add_server(key, (from, tx));
        }
    }

    /// §9.2: a CANCEL for an INVITE still pending gets 200 and the INVITE 487; for
    /// anything else, 481.
    fn cancel(&mut self, now: Time, cancel: &Request) -> crate::Result<crate::Response> {
        let key = ServerKey::cancelled_invite(cancel);
        if let Some(k) = &key {
            self.dirty_servers.insert(k.clone());
        }
        let pending = key
            .and_then(|k| self.servers.get_mut(&k))
            .and_then(|(_, tx)| match tx {
                ServerTx::Invite(t)
                    if t.state() == crate::transaction::InviteServerState::Proceeding =>
                {
                    Some(t)
                }
                _ => None,
            });
        let Some(invite) = pending else {
            return cancel.reply(StatusCode::NO_TRANSACTION).build();
        };
        invite.send_response(now, invite.terminated_response()?);
        cancel.reply(StatusCode::OK).build()
    }

    /// Fires every timer due at `now`: O(due), whatever the number of live transactions
    /// and legs.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some(due) = self.timers.pop_due(now) {
            match due {
                Due::Server(key) => {
                    let Some((_, tx)) = self.servers.get_mut(&key) else {
                        continue;
                    };
                    // A stale entry: the deadline moved (and is queued) or went away.
                    if tx.deadline().is_some_and(|at| at <= now) {
                        match tx {
                            ServerTx::Invite(t) => t.handle_timeout(now),
                            ServerTx::NonInvite(t) => t.handle_timeout(now),
                        }
                        self.dirty_servers.insert(key);
                    }
                }
                Due::Client(key) => {
                    if let Some((_, t)) = self.clients.get_mut(&key)
                        && t.poll_timeout().is_some_and(|(at, _)| at <= now)
                    {
                        t.handle_timeout(now);
                        self.dirty_clients.insert(key);
                    }
                }
                Due::Leg(call) => self.legs.fire(call, now),
            }
        }
        if self.registrar.poll_timeout().is_some_and(|t| t <= now) {
            self.registrar.handle_timeout(now);
        }
        self.drain(now);
        let live = self.servers.len() + self.clients.len() + self.legs.len();
        if self.timers.needs_rebuild(live) {
            self.reschedule_all();
        }
    }

    /// Rebuilds the timer queue from the live transactions and legs (drops stale entries).
    fn reschedule_all(&mut self) {
        self.timers.clear();
        for (key, (_, tx)) in &self.servers {
            self.timers
                .schedule(tx.deadline(), || Due::Server(key.clone()));
        }
        for (key, (_, t)) in &self.clients {
            self.timers
                .schedule(t.poll_timeout().map(|(at, _)| at), || {
                    Due::Client(key.clone())
                });
        }
        self.legs.schedule_all(&mut self.timers);
    }

    fn add_server(&mut self, key: ServerKey, entry: (SocketAddr, ServerTx)) {
        self.dirty_servers.insert(key.clone());
        self.servers.insert(key, entry);
    }

    fn qualify(&mut self, now: Time) {
        let (Some(interval), Some(via)) = (self.config.qualify_interval, self.config.advertised)
        else {
            return;
        };
        let (seed, counter) = (self.config.id_seed, &mut self.next_id);
        let new_id = || {
            *counter += 1;
            format!("{seed:x}q{counter:x}")
        };
        for probe in self
            .qualifier
            .due(now, interval, &self.registrar, via, new_id)
        {
            if let Some(t) = NonInviteClient::new(now, probe.request, self.config.timers) {
                self.qualifier.sent(t.key().clone(), probe.target);
                self.dirty_clients.insert(t.key().clone());
                self.clients.insert(t.key().clone(), (probe.to, t));
            }
        }
    }

    fn drain_clients(&mut self, now: Time) {
        let mut finished = Vec::new();
        for key in std::mem::take(&mut self.dirty_clients) {
            let Some((peer, t)) = self.clients.get_mut(&key) else {
                continue;
            };
            self.out
                .extend(std::iter::from_fn(|| t.poll_transmit()).map(|x| Datagram {
                    to: *peer,
                    bytes: x.0,
                }));
            while let Some(ev) = t.poll_event() {
                let alive = match ev {
                    ClientEvent::Response(r) if r.status().is_final() => Some(true),
                    ClientEvent::Timeout => Some(false),
                    _ => None,
                };
                if let (Some(alive), Some((aor, uri))) = (alive, self.qualifier.finished(&key)) {
                    self.registrar.set_alive(now, &aor, &uri, alive);
                }
            }
            if t.is_terminated() {
                finished.push(key);
            } else {
                self.timers
                    .schedule(t.poll_timeout().map(|(at, _)| at), || Due::Client(key));
            }
        }
        for key in finished {
            self.qualifier.finished(&key);
            self.clients.remove(&key);
        }
    }

    fn drain(&mut self, now: Time) {
        self.qualify(now);
        self.drain_clients(now);
        self.legs
            .drain(&mut self.out, &mut self.events, &mut self.timers);
        for call in self.legs.take_ended() {
            self.caps.release(call);
        }
        let mut finished = Vec::new();
        for key in std::mem::take(&mut self.dirty_servers) {
            let Some((peer, tx)) = self.servers.get_mut(&key) else {
                continue;
            };
            let (transmits, terminated) = match tx {
                ServerTx::Invite(t) => {
                    // AckTimeout needs no action: the caller gave up; the failure was sent.
                    while t.poll_event().is_some() {}
                    (
                        std::iter::from_fn(|| t.poll_transmit()).collect::<Vec<_>>(),
                        t.is_terminated(),
                    )
                }
                ServerTx::NonInvite(t) => {
                    while t.poll_event().is_some() {}
                    (
                        std::iter::from_fn(|| t.poll_transmit()).collect(),
                        t.is_terminated(),
                    )
                }
            };
            self.out.extend(transmits.into_iter().map(|t| Datagram {
                to: *peer,
                bytes: t.0,
            }));
            if terminated {
                finished.push(key);
            } else {
                self.timers.schedule(tx.deadline(), || Due::Server(key));
            }
        }
        for key in finished {
            self.servers.remove(&key);
        }
        while let Some(e) = self.registrar.poll_event() {
            self.events.push_back(EndpointEvent::Registrar(e));
        }
    }

    /// Collects what direct changes (through [`registrar_mut`](Self::registrar_mut))
    /// produced, so the next `poll_*` calls see it.
    pub fn flush(&mut self, now: Time) {
        self.drain(now);
    }

    /// Next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.out.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next. May be early (a timer
    /// that was cancelled); never late.
    pub fn poll_timeout(&self) -> Option<Time> {
        let qualify = self
            .qualifier
            .next_due()
            .filter(|_| self.config.advertised.is_some());
        [self.timers.next(), self.registrar.poll_timeout(), qualify]
            .into_iter()
            .flatten()
            .min()
    }

    /// Next event for the server.
    pub fn poll_event(&mut self) -> Option<EndpointEvent> {
        self.events.pop_front()
    }

    /// Live server transactions (for tests and metrics).
    pub fn transaction_count(&self) -> usize {
        self.servers.len()
    }
}

#[cfg(test)]
mod admission_tests;
#[cfg(test)]
mod dial_tests;
#[cfg(test)]
mod hold_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;
