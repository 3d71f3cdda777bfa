//! Carrying out the [`CallbackDesk`](crate::callback::CallbackDesk)'s actions: the agent's
//! phone rings like for a call; once connected the agent hears music on hold while the
//! customer is dialled through the outbound trunk (digest auth if it challenges); then the
//! agent's media task bridges to the customer's leg.

use super::{Actor, AgentMedia};
use crate::callback::CbAction;
use crate::media::CallMedia;
use crate::rtp::MediaCmd;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::InteractionId;
use switchyard_engine::Output;
use switchyard_sip::Transport;
use switchyard_sip::call::OutgoingEvent;
use switchyard_sip::client_auth::ClientCredentials;
use switchyard_sip::endpoint::{CallHandle, CallTarget};
use switchyard_sip::sdp;
use tokio::sync::{mpsc, oneshot};

/// The outbound SIP trunk callbacks are dialled through.
#[derive(Clone, Debug)]
pub struct Trunk {
    /// Where the INVITEs go.
    pub addr: SocketAddr,
    /// The host (and port) in the request URI: `sip:<number>@<host>`.
    pub host: String,
    /// Digest credentials, if the trunk challenges.
    pub credentials: Option<ClientCredentials>,
    /// The caller ID customers see (the From user).
    pub caller_id: String,
    /// How long a customer's phone may ring before the attempt counts as failed.
    pub customer_ring: Duration,
}

impl Trunk {
    /// Reads `sip:host[:port]` (or `host[:port]`) and resolves it (port 5060 by default):
    /// `host[:port]` as written, for request URIs, and the address to send to.
    pub async fn resolve(uri: &str) -> crate::Result<(String, SocketAddr)> {
        let rest = uri.trim().trim_start_matches("sip:");
        let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let rest = rest.split(';').next().unwrap_or_default();
        if rest.is_empty() {
            return Err(crate::Error::Config("the SIP trunk needs a host"));
        }
        let target = match rest.rsplit_once(':') {
            Some((_, p)) if !rest.ends_with(']') => {
                let _: u16 = p
                    .parse()
                    .map_err(|_| crate::Error::Config("the SIP trunk's port is not a number"))?;
                rest.to_owned()
            }
            _ => format!("{rest}:5060"),
        };
        let addr = tokio::net::lookup_host(target.as_str())
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or(crate::Error::Config(
                "the SIP trunk's host does not resolve",
            ))?;
        Ok((rest.to_owned(), addr))
    }
}

/// Only what a number dialled through a trunk may hold.
fn dialable(number: &str) -> Option<String> {
    let n: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '*'))
        .collect();
    (n.chars().any(|c| c.is_ascii_digit())).then_some(n)
}

impl Actor {
    /// A router output, as far as callbacks go.
    pub(super) async fn on_callback_output(&mut self, out: &Output) {
        let actions = self.cb.on_output(out);
        self.execute_callback(actions).await;
    }

    /// An event on a callback leg (agent or customer).
    pub(super) async fn on_callback_leg(&mut self, call: CallHandle, event: OutgoingEvent) {
        super::exec::log_leg(call, &event, "callback leg");
        let event = self.read_answer(call, event);
        if matches!(event, OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_)) {
            // The leg is over: its RTP socket and (agent leg) media task go with it.
            self.agents.remove(&call);
            self.callback_media.remove(&call);
        }
        let actions = self.cb.on_leg(call, &event);
        self.execute_callback(actions).await;
    }

    /// Customers' ring deadlines.
    pub(super) async fn on_callback_timeout(&mut self) {
        let actions = self.cb.handle_timeout(self.clock.now());
        self.execute_callback(actions).await;
    }

    pub(super) async fn execute_callback(&mut self, actions: Vec<CbAction>) {
        let mut queue: VecDeque<CbAction> = actions.into();
        while let Some(a) = queue.pop_front() {
            tracing::debug!(?a, "callback action");
            match a {
                CbAction::Router(input) => {
                    if let Some(offer) = self.feed(input).await {
                        queue.extend(self.cb.accept_refused(offer));
                    }
                }
                CbAction::DialAgent {
                    offer,
                    interaction,
                    agent,
                } => {
                    // Reported back through `on_placed`, which hands callback offers to
                    // the desk.
                    let _ = self.dial(offer, interaction, agent).await;
                }
                CbAction::DialCustomer {
                    interaction,
                    agent_leg,
                } => {
                    self.start_agent_media(agent_leg);
                    let customer = self.dial_customer(interaction).await;
                    let now = self.clock.now();
                    queue.extend(self.cb.dialled(now, interaction, customer));
                }
                CbAction::Bridge {
                    agent_leg,
                    customer_leg,
                } => {
                    let m = self.agents.get(&customer_leg);
                    match (
                        m.and_then(|m| m.leg.map(|l| (m.socket.clone(), l))),
                        self.callback_media.get(&agent_leg),
                    ) {
                        (Some((socket, leg)), Some(tx)) => {
                            tracing::info!(
                                agent = agent_leg.0,
                                customer = customer_leg.0,
                                "callback bridged"
                            );
                            let _ = tx.send(MediaCmd::Bridge(socket, leg));
                        }
                        _ => tracing::warn!(
                            agent = agent_leg.0,
                            customer = customer_leg.0,
                            "callback bridge without media"
                        ),
                    }
                }
                CbAction::Drop(leg) => {
                    self.agents.remove(&leg);
                    self.callback_media.remove(&leg); // ends its media task
                    self.command(move |ep, now| {
                        ep.cancel_call(now, leg);
                    });
                }
            }
        }
    }

    /// The answered agent hears music on hold while the customer's phone rings.
    fn start_agent_media(&mut self, agent_leg: CallHandle) {
        let Some((socket, leg)) = self
            .agents
            .get(&agent_leg)
            .and_then(|m| m.leg.map(|l| (m.socket.clone(), l)))
        else {
            tracing::warn!(call = agent_leg.0, "callback agent leg without media");
            return;
        };
        let media = CallMedia::new(
            self.clock.now(),
            leg,
            (agent_leg.0 as u32) ^ 0x4342_0000,
            Vec::new(),
            self.sounds.moh(),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        self.callback_media.insert(agent_leg, tx);
        let (clock, events) = (self.clock, self.media_tx.clone());
        tokio::spawn(crate::rtp::run(agent_leg, clock, socket, media, rx, events));
    }

    /// Places the call to the customer through the trunk (`None`: no trunk configured, no
    /// dialable number, no socket).
    async fn dial_customer(&mut self, interaction: InteractionId) -> Option<CallHandle> {
        let Some(trunk) = self.trunk.clone() else {
            tracing::warn!(%interaction, "callback due but no SIP trunk is configured (--sip-trunk)");
            return None;
        };
        let view = self.peek(interaction).await;
        // The tenant's dialling policy, checked again right before the trunk is used:
        // this also covers callbacks the router made itself (max-wait overflow) and
        // those restored from Redis.
        let number = match view {
            Some(v) => match self.engine.callbacks().permits(v.tenant, &v.caller_id) {
                Ok(n) => dialable(&n),
                Err(why) => {
                    tracing::warn!(%interaction, tenant = v.tenant.0, reason = why.label(), "callback number refused by the tenant's policy: not dialled");
                    return None;
                }
            },
            None => None,
        };
        let Some(number) = number else {
            tracing::warn!(%interaction, "callback number is not dialable");
            return None;
        };
        let socket = Arc::new(self.rtp_socket().await?);
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
        let local = self.local_media(port, interaction.0);
        let offer = sdp::offer(&local);
        let (tx, rx) = oneshot::channel();
        let caller = trunk.caller_id.clone();
        let uri = format!("sip:{number}@{}", trunk.host);
        let from = format!("\"{caller}\" <sip:{caller}@switchyard>");
        let target = CallTarget {
            to: format!("<{uri}>"),
            uri,
            next_hop: trunk.addr,
            transport: Transport::Udp,
        };
        let creds = trunk.credentials.clone();
        self.command(move |ep, now| {
            let _ = tx.send(ep.place_call_with(now, &target, &from, &offer, creds));
        });
        let call = rx.await.ok().flatten()?;
        tracing::info!(%interaction, call = call.0, number, trunk = %trunk.addr, "dialling the customer back");
        self.agents.insert(
            call,
            AgentMedia {
                socket,
                local,
                leg: None,
            },
        );
        Some(call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_and_dial_symbols_reach_the_trunk() {
        assert_eq!(dialable("+1 (555) 010-0"), Some("+15550100".into()));
        assert_eq!(dialable("sip:evil@host;x"), None);
        assert_eq!(dialable("anonymous"), None);
    }

    #[tokio::test]
    async fn trunk_addresses() {
        let (h, a) = Trunk::resolve("sip:127.0.0.1:5070").await.unwrap();
        assert_eq!((h.as_str(), a.port()), ("127.0.0.1:5070", 5070));
        let (h, a) = Trunk::resolve("localhost").await.unwrap();
        assert_eq!((h.as_str(), a.port()), ("localhost", 5060));
        assert!(Trunk::resolve("sip:").await.is_err());
        assert!(Trunk::resolve("sip:127.0.0.1:x").await.is_err());
    }
}
