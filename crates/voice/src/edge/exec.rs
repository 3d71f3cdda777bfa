//! The actor's handlers: new calls, SIP events, media events, and carrying out the
//! switchboard's actions on the endpoint, the router and the media tasks.

use super::{Actor, AgentMedia};
use crate::media::Leg;
use crate::rtp::{MediaCmd, MediaEvent};
use crate::switchboard::Action;
use std::collections::VecDeque;
use std::sync::Arc;
use switchyard_core::{AgentId, InteractionId, OfferId};
use switchyard_media::prompt::Prompt;
use switchyard_router::Input;
use switchyard_sip::call::OutgoingEvent;
use switchyard_sip::endpoint::{CallEvent, CallHandle, EndpointEvent};
use switchyard_sip::registrar::RegistrarEvent;
use switchyard_sip::sdp;
use switchyard_sip::{StatusCode, endpoint::Endpoint};

/// One line per leg event, without the SDP (its Debug form cost more than the rest of
/// the call's logging together); the SDP is there at debug level.
pub(super) fn log_leg(call: CallHandle, event: &OutgoingEvent, what: &'static str) {
    let (name, status) = match event {
        OutgoingEvent::Ringing => ("ringing", None),
        OutgoingEvent::Answered(_) => ("answered", None),
        OutgoingEvent::Failed(s) => ("failed", Some(s.code())),
        OutgoingEvent::Ended(_) => ("ended", None),
        OutgoingEvent::Dtmf(_) => ("key", None),
        OutgoingEvent::Reoffer(_) => ("re-offer", None),
        OutgoingEvent::ReinviteDone(_) => ("re-INVITE done", None),
    };
    // The everyday steps of every call are debug: a call's info lines are its arrival,
    // the router's connect, the bridge and its media summary at the end.
    match event {
        OutgoingEvent::Ringing
        | OutgoingEvent::Answered(_)
        | OutgoingEvent::Ended(_)
        | OutgoingEvent::Dtmf(_) => tracing::debug!(call = call.0, event = %name, "{what}"),
        _ => tracing::info!(call = call.0, event = %name, status, "{what}"),
    }
    tracing::trace!(call = call.0, ?event, "{what} (detail)");
}

impl Actor {
    pub(super) fn command(
        &self,
        f: impl FnOnce(&mut Endpoint<crate::creds::Accounts>, switchyard_core::Time) + Send + 'static,
    ) {
        let _ = self.commands.send(Box::new(f));
    }

    pub(super) async fn on_sip(&mut self, ev: EndpointEvent) {
        match ev {
            EndpointEvent::Registrar(RegistrarEvent::Reachability { agent, reachable }) => {
                tracing::info!(%agent, reachable, "SIP agent reachability");
                let mut inputs = vec![Input::SetReachable { agent, reachable }];
                // A registered phone is a logged-in agent (app_queue's static members).
                if reachable {
                    inputs.push(Input::Login { agent });
                }
                for i in inputs {
                    if let Err(e) = self.engine.handle(i).await {
                        tracing::warn!(%agent, error = %e, "router refused reachability");
                    }
                }
            }
            EndpointEvent::IncomingCall(new) => self.on_new_call(*new).await,
            EndpointEvent::Call {
                call,
                event: switchyard_sip::endpoint::CallEvent::Reoffer(re),
            } => self.on_reoffer(call, &re),
            EndpointEvent::Call {
                call,
                event: switchyard_sip::endpoint::CallEvent::ReinviteDone(outcome),
            } => self.on_reinvite_done(call, &outcome),
            EndpointEvent::Call {
                call,
                event: CallEvent::Dtmf(d),
            } => self.on_key(call, d.as_char()).await,
            EndpointEvent::Call { call, event } => {
                tracing::debug!(call = call.0, ?event, "caller leg");
                match event {
                    CallEvent::Confirmed => self.start_caller_media(call),
                    CallEvent::Ended(_) => drop(self.gate.ended(call)),
                    _ => {}
                }
                let actions = self.sb.on_caller(call, &event);
                self.execute(actions).await;
            }
            EndpointEvent::Outgoing { call, event } if self.cb.owns(call) => {
                self.on_callback_leg(call, event).await;
            }
            EndpointEvent::Outgoing {
                call,
                event: OutgoingEvent::Reoffer(re),
            } => self.on_reoffer(call, &re),
            EndpointEvent::Outgoing {
                call,
                event: OutgoingEvent::ReinviteDone(outcome),
            } => self.on_reinvite_done(call, &outcome),
            EndpointEvent::Outgoing { call, event } => {
                log_leg(call, &event, "agent leg");
                let event = self.read_answer(call, event);
                if matches!(event, OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_)) {
                    self.agents.remove(&call); // its RTP socket
                }
                let actions = self.sb.on_agent(call, &event);
                self.execute(actions).await;
            }
            EndpointEvent::Malformed { from } => tracing::debug!(%from, "malformed SIP"),
            EndpointEvent::RateLimited { from } => {
                metrics::counter!("switchyard_sip_rate_limited_total").increment(1);
                tracing::warn!(%from, "SIP source rate-limited");
            }
            EndpointEvent::CallRefused { from, reason } => {
                metrics::counter!("switchyard_sip_calls_refused_total", "reason" => reason.as_str())
                    .increment(1);
                tracing::info!(%from, reason = reason.as_str(), "INVITE refused by admission");
            }
        }
    }

    /// Reads the agent's SDP answer into its media; an unusable one fails the leg.
    pub(super) fn read_answer(&mut self, call: CallHandle, event: OutgoingEvent) -> OutgoingEvent {
        let OutgoingEvent::Answered(sdp) = &event else {
            return event;
        };
        let Some(m) = self.agents.get_mut(&call) else {
            return event;
        };
        match sdp.as_ref().map(|s| sdp::read_answer(&m.local, s)) {
            Some(Ok(n)) => {
                m.leg = Some(Leg::from(&n));
                event
            }
            _ => {
                tracing::warn!(call = call.0, "agent answered without a usable SDP answer");
                let c = call;
                self.command(move |ep, now| {
                    ep.cancel_call(now, c);
                });
                OutgoingEvent::Failed(StatusCode::NOT_ACCEPTABLE_HERE)
            }
        }
    }

    pub(super) fn drop_caller(&mut self, call: CallHandle) {
        self.ivr.forget(call);
        self.callers.remove(&call);
        self.caller_ids.remove(&call);
        self.tenants.remove(&call);
    }

    /// Prompts for a caller: its tenant's uploads win over the shipped ones (new or
    /// changed uploads are read off the call thread first).
    pub(super) async fn prompts_for(&self, call: CallHandle, names: &[&str]) -> Vec<Arc<Prompt>> {
        match self.tenants.get(&call).copied() {
            Some(t) => {
                self.sounds.preload(t, names).await;
                self.sounds.prompts_for(t, names)
            }
            None => self.sounds.prompts(names),
        }
    }

    pub(super) async fn on_placed(&mut self, offer: OfferId, legs: Vec<CallHandle>) {
        if let Some(m) = self.pending.remove(&offer) {
            for l in &legs {
                let (socket, local) = (m.socket.clone(), m.local.clone());
                self.agents.insert(
                    *l,
                    AgentMedia {
                        socket,
                        local,
                        leg: None,
                    },
                );
            }
        }
        if self.cb.wants(offer) {
            let actions = self.cb.placed(offer, legs);
            return self.execute_callback(actions).await;
        }
        let actions = self.sb.placed(offer, legs);
        self.execute(actions).await;
    }

    pub(super) async fn on_media(&mut self, ev: MediaEvent) {
        match ev {
            MediaEvent::Key(call, digit) => self.on_key(call, digit).await,
            MediaEvent::AnnouncementDone(call) if self.ivr.active(call) => {
                self.ivr_played(call).await;
            }
            MediaEvent::Recorded(call, done) => self.on_recorded(call, done).await,
            MediaEvent::IvrDue(call) => self.ivr_due(call).await,
            MediaEvent::PeriodicDue(call) => {
                let Some(interaction) = self.sb.interaction_of(call) else {
                    return;
                };
                let names = self.position_and_wait(interaction).await;
                tracing::debug!(
                    call = call.0,
                    prompts = names.len(),
                    "periodic announcement"
                );
                if !names.is_empty()
                    && let Some(tx) = self.callers.get(&call)
                {
                    let _ = tx.send(MediaCmd::Say(self.prompts_for(call, &names).await));
                }
            }
            MediaEvent::AnnouncementDone(call) => {
                self.drop_caller(call);
                self.command(move |ep, now| {
                    ep.hangup(now, call);
                });
            }
        }
    }

    pub(super) async fn dial(
        &mut self,
        offer: OfferId,
        interaction: InteractionId,
        agent: AgentId,
    ) -> Vec<Action> {
        let username = self.accounts.username_of(agent);
        let socket = self.rtp_socket().await;
        let (Some(username), Some(socket)) = (username, socket) else {
            return self.sb.placed(offer, Vec::new());
        };
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
        let local = self.local_media(port, offer.0);
        let sdp = sdp::offer(&local);
        let socket = Arc::new(socket);
        self.pending.insert(
            offer,
            AgentMedia {
                socket,
                local,
                leg: None,
            },
        );
        let placed = self.placed_tx.clone();
        // The agent's phone shows the caller's number (only safe characters kept); a
        // callback has no caller leg: its number is the router's.
        let known = self
            .sb
            .caller_of(interaction)
            .and_then(|c| self.caller_ids.get(&c))
            .cloned();
        let known = match known {
            Some(n) => Some(n),
            None => self.peek(interaction).await.map(|v| v.caller_id),
        };
        let number: String = known
            .map(|n| {
                n.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
                    .collect()
            })
            .filter(|n: &String| !n.is_empty())
            .unwrap_or_else(|| "anonymous".into());
        let from = format!("\"{number}\" <sip:{number}@switchyard>");
        self.command(move |ep, now| {
            let aors = ep.registrar_mut().aors_of_user(&username);
            let mut legs = Vec::new();
            for aor in aors {
                for contact in ep.registrar_mut().contacts(&aor, now) {
                    legs.extend(ep.place_call(now, &aor, &contact, &from, &sdp));
                }
            }
            let _ = placed.send((offer, legs));
        });
        Vec::new()
    }

    /// Feeds the router; returns the offer of an `Accept` it refused (withdrawn
    /// meanwhile), whose answered leg the caller must drop.
    pub(super) async fn feed(&self, input: Input) -> Option<OfferId> {
        let accept = match &input {
            Input::Accept { offer } => Some(*offer),
            _ => None,
        };
        let e = self.engine.handle(input).await.err()?;
        tracing::info!(error = %e, "router refused a voice input");
        accept
    }

    /// The router's view of an interaction (`None` once it is gone or the engine stopped).
    pub(super) async fn peek(
        &self,
        interaction: InteractionId,
    ) -> Option<switchyard_router::InteractionView> {
        self.engine
            .call(move |r, _| r.peek(interaction))
            .await
            .ok()
            .flatten()
    }

    /// Carries out actions, and the actions they lead to.
    pub(super) async fn execute(&mut self, actions: Vec<Action>) {
        let mut queue: VecDeque<Action> = actions.into();
        while let Some(a) = queue.pop_front() {
            tracing::debug!(?a, "voice action");
            match a {
                Action::Router(input) => {
                    if let Some(offer) = self.feed(input).await {
                        queue.extend(self.sb.accept_refused(offer));
                    }
                }
                Action::Dial {
                    offer,
                    interaction,
                    agent,
                } => {
                    queue.extend(self.dial(offer, interaction, agent).await);
                }
                Action::DropAgent(leg) => {
                    self.agents.remove(&leg);
                    self.command(move |ep, now| {
                        ep.cancel_call(now, leg);
                    });
                }
                Action::HangupCaller(call) => {
                    self.drop_caller(call);
                    self.command(move |ep, now| {
                        ep.hangup(now, call);
                    });
                }
                Action::StopCaller(call) => {
                    self.drop_caller(call);
                }
                Action::Bridge { caller, agent } => {
                    self.ivr.end_session(caller);
                    let m = self.agents.get(&agent);
                    match (
                        m.and_then(|m| m.leg.map(|l| (m.socket.clone(), l))),
                        self.callers.get(&caller),
                    ) {
                        (Some((socket, leg)), Some(tx)) => {
                            tracing::info!(caller = caller.0, agent = agent.0, "bridged");
                            let _ = tx.send(MediaCmd::Bridge(socket, leg));
                        }
                        _ => tracing::warn!(
                            caller = caller.0,
                            agent = agent.0,
                            "bridge without media"
                        ),
                    }
                }
                Action::Ivr {
                    caller,
                    interaction,
                    queue,
                    action,
                } => self.start_ivr(caller, interaction, queue, action).await,
                Action::Announce { caller, sound } => {
                    let name = sound.unwrap_or_else(|| "goodbye".into());
                    let prompts = self.prompts_for(caller, &[name.as_str()]).await;
                    if let Some(tx) = self.callers.get(&caller) {
                        let _ = tx.send(MediaCmd::Announce(prompts));
                    }
                }
            }
        }
    }
}
