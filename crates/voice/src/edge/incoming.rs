//! A new caller: the dialled number to a queue, SDP answer on a fresh RTP socket, Join,
//! then the spoken position and wait followed by music on hold.

use super::Actor;
use crate::media::{CallMedia, Leg};
use std::time::Duration;
use switchyard_core::{Channel, InteractionId, QueueId, TenantId};
use switchyard_media::phrase;
use switchyard_router::{Input, NewInteraction};
use switchyard_sip::endpoint::{CallHandle, NewCall};
use switchyard_sip::sdp::{self, Codec, LocalMedia};
use switchyard_sip::{SipUri, StatusCode};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

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
            Ok(Some(q)) => q,
            Ok(None) => return self.reject(call, StatusCode::NOT_FOUND),
            Err(e) => {
                tracing::warn!(error = %e, "looking up a dialled number failed");
                return self.reject(call, StatusCode::SERVICE_UNAVAILABLE);
            }
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
            crate::rules::classify(&queue.settings.sip_rules, &caller_id, |name| {
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
        tracing::info!(call = call.0, %interaction, number, caller_id, priority, "caller joined");
        self.remember_join(call, interaction, tenant, caller_id.clone())
            .await;
        self.command(move |ep, now| {
            ep.ring(now, call, None);
            ep.answer(now, call, &answer);
        });
        let names = self.position_and_wait(interaction).await;
        self.sounds.preload(tenant, &names).await;
        let entry = self.clock.now();
        let mut media = CallMedia::new(
            entry,
            Leg::from(&negotiated),
            (interaction.0 as u32) ^ 0x5359_0000,
            self.sounds.prompts_for(tenant, &names),
            self.sounds.moh_for(tenant),
        );
        if let Some(n) = queue.settings.announce_every_secs {
            media.repeat_every(entry, Duration::from_secs(n.into()));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        self.callers.insert(call, tx);
        self.caller_ids.insert(call, caller_id);
        self.tenants.insert(call, tenant);
        let (clock, events) = (self.clock, self.media_tx.clone());
        tokio::spawn(crate::rtp::run(
            call,
            clock,
            std::sync::Arc::new(socket),
            media,
            rx,
            events,
        ));
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
