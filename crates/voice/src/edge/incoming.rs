//! A new caller: the dialled number to a queue, SDP answer on a fresh RTP socket, Join,
//! then the spoken position and wait followed by music on hold.

use super::Actor;
use crate::admit::{Decision, Owner, decide};
use crate::media::{CallMedia, Leg};
use std::time::Duration;
use switchyard_core::{Channel, InteractionId, QueueId, TenantId};
use switchyard_media::phrase;
use switchyard_media::prompt::Prompt;
use switchyard_router::{Input, NewInteraction};
use switchyard_sip::endpoint::{CallHandle, CallOrigin, NewCall};
use switchyard_sip::sdp::{self, Codec, LocalMedia};
use switchyard_sip::{SipUri, StatusCode};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// A caller's media, ready but held until its ACK.
#[derive(Debug)]
pub(super) struct PendingMedia {
    socket: UdpSocket,
    leg: Leg,
    ssrc: u32,
    prompts: Vec<std::sync::Arc<Prompt>>,
    moh: Option<std::sync::Arc<Prompt>>,
    announce_every: Option<u32>,
    commands: mpsc::UnboundedReceiver<crate::rtp::MediaCmd>,
}

impl Actor {
    pub(super) fn local_media(&self, port: u16, session_id: u64) -> LocalMedia {
        LocalMedia {
            addr: self.media_ip,
            port,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event_pt: 101,
            session_id,
            session_version: 1,
        }
    }

    /// A socket in the configured RTP range; `None` (the call gets 503) when it is full.
    pub(super) async fn rtp_socket(&self) -> Option<UdpSocket> {
        let socket = self.rtp_ports.bind(self.media_bind).await;
        if socket.is_none() {
            let (lo, hi) = self.rtp_ports.bounds();
            metrics::counter!("switchyard_rtp_ports_exhausted_total").increment(1);
            tracing::warn!(
                lo,
                hi,
                "no free RTP port in the configured range (--rtp-ports)"
            );
        }
        socket
    }

    pub(super) async fn on_new_call(&mut self, new: NewCall) {
        let call = new.call;
        let number = SipUri::parse(new.invite.uri())
            .and_then(|u| u.user)
            .unwrap_or_default();
        let queue = match self.queue_by_number(&number).await {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(error = %e, "looking up a dialled number failed");
                return self.reject(call, StatusCode::SERVICE_UNAVAILABLE);
            }
        };
        let caller_tenant = match &new.origin {
            CallOrigin::Endpoint { agent, .. } => {
                let agent = *agent;
                self.engine
                    .call(move |r, _| r.agent(agent).ok().map(|v| v.tenant.0))
                    .await
                    .ok()
                    .flatten()
            }
            _ => None,
        };
        let owner = match &queue {
            Some(q) => Some(Owner {
                tenant: q.tenant_id as u64,
                allow_anonymous: self.allows_anonymous(&new.origin, q.tenant_id).await,
                caller_tenant,
            }),
            None => None,
        };
        let trusted = match decide(&new.origin, owner) {
            Decision::Accept { trusted } => trusted,
            Decision::NotFound => return self.reject(call, StatusCode::NOT_FOUND),
            Decision::Challenge => {
                metrics::counter!("switchyard_sip_calls_refused_total", "reason" => "challenged")
                    .increment(1);
                tracing::info!(call = call.0, number, "unauthenticated phone challenged");
                return self.command(move |ep, now| {
                    ep.challenge(now, call);
                });
            }
            Decision::Forbidden(reason) => {
                metrics::counter!("switchyard_sip_calls_refused_total", "reason" => reason)
                    .increment(1);
                tracing::info!(call = call.0, number, reason, origin = ?new.origin, "caller not allowed");
                return self.reject(call, StatusCode::FORBIDDEN);
            }
        };
        let Some(queue) = queue else {
            return self.reject(call, StatusCode::NOT_FOUND);
        };
        let Some(offer) = new.offer.as_ref() else {
            return self.reject(call, StatusCode::NOT_ACCEPTABLE_HERE);
        };
        let Some(socket) = self.rtp_socket().await else {
            return self.reject(call, StatusCode::SERVICE_UNAVAILABLE);
        };
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
        let Ok((answer, negotiated)) = sdp::answer(offer, &self.local_media(port, call.0)) else {
            return self.reject(call, StatusCode::NOT_ACCEPTABLE_HERE);
        };
        let from = &new.invite.head().from;
        let caller_id = SipUri::parse(&from.uri)
            .and_then(|u| u.user)
            .or_else(|| from.display.clone())
            .unwrap_or_default();
        let (skills, priority) =
            crate::rules::classify(&queue.settings.sip_rules, &caller_id, trusted, |name| {
                new.invite.header(name)
            });
        let tenant = TenantId(queue.tenant_id as u64);
        let interaction = self.engine.mint_interaction_id();
        self.sb.joined(call, interaction);
        let join = Input::Join(NewInteraction {
            id: interaction,
            tenant,
            queue: QueueId(queue.id as u64),
            channel: Channel::Voice,
            caller_id: caller_id.clone(),
            skills,
            priority,
            arrived: None,
        });
        if let Err(e) = self.engine.handle(join).await {
            tracing::warn!(%interaction, error = %e, "router refused the caller");
            self.sb.forget(call);
            return self.reject(call, StatusCode::TEMPORARILY_UNAVAILABLE);
        }
        tracing::info!(call = call.0, %interaction, number, caller_id, priority, trusted, "caller joined");
        self.remember_join(call, interaction, tenant, caller_id.clone())
            .await;
        self.command(move |ep, now| {
            ep.ring(now, call, None);
            ep.answer(now, call, &answer);
        });
        let names = self.position_and_wait(interaction).await;
        self.sounds.preload(tenant, &names).await;
        let (tx, rx) = mpsc::unbounded_channel();
        self.callers.insert(call, tx);
        self.caller_ids.insert(call, caller_id);
        self.tenants.insert(call, tenant);
        // No RTP before the caller's ACK of our 200 (see `start_caller_media`).
        self.gate.hold(
            call,
            PendingMedia {
                socket,
                leg: Leg::from(&negotiated),
                ssrc: (interaction.0 as u32) ^ 0x5359_0000,
                prompts: self.sounds.prompts_for(tenant, &names),
                moh: self.sounds.moh_for(tenant),
                announce_every: queue.settings.announce_every_secs,
                commands: rx,
            },
        );
    }

    /// The caller ACKed our 200: its music, prompts and announcements start now.
    pub(super) fn start_caller_media(&mut self, call: CallHandle) {
        let Some(p) = self.gate.confirmed(call) else {
            return;
        };
        let entry = self.clock.now();
        let mut media = CallMedia::new(entry, p.leg, p.ssrc, p.prompts, p.moh);
        if let Some(n) = p.announce_every {
            media.repeat_every(entry, Duration::from_secs(n.into()));
        }
        metrics::counter!("switchyard_rtp_caller_media_started_total").increment(1);
        let (clock, events) = (self.clock, self.media_tx.clone());
        tokio::spawn(crate::rtp::run(
            call,
            clock,
            std::sync::Arc::new(p.socket),
            media,
            p.commands,
            events,
        ));
    }

    /// Whether the tenant takes anonymous calls (only asked for unauthenticated callers;
    /// kept a second, like the numbers).
    async fn allows_anonymous(&mut self, origin: &CallOrigin, tenant: i64) -> bool {
        if !matches!(origin, CallOrigin::Unauthenticated { .. }) {
            return false;
        }
        let now = self.clock.now();
        if let Some((at, allow)) = self.anonymous.get(&tenant)
            && now < *at + super::numbers::TTL
        {
            return *allow;
        }
        let allow = match self.store.tenant(tenant).await {
            Ok(t) => t.allow_anonymous_calls,
            Err(e) => {
                tracing::warn!(tenant, error = %e, "reading a tenant's anonymous-call setting failed");
                false
            }
        };
        if self.anonymous.len() >= 1024 {
            self.anonymous.clear();
        }
        self.anonymous.insert(tenant, (now, allow));
        allow
    }

    /// "You are caller number N, your estimated wait is …" from the router's estimate
    /// (nothing when the interaction is no longer waiting).
    pub(super) async fn position_and_wait(&self, interaction: InteractionId) -> Vec<&'static str> {
        let estimate = self
            .engine
            .call(move |r, _| r.estimate(interaction))
            .await
            .ok()
            .flatten();
        let mut names = Vec::new();
        if let Some(e) = estimate {
            names.extend(phrase::position(e.position));
            names.extend(phrase::wait(e.wait));
        }
        names
    }

    fn reject(&self, call: CallHandle, status: StatusCode) {
        tracing::info!(call = call.0, status = status.code(), "caller refused");
        self.command(move |ep, now| {
            ep.reject(now, call, status);
        });
    }
}
