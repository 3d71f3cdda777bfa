//! Callbacks by phone, without sockets. A callback waits in line like a call; when the
//! router offers it to an agent, the agent's phone rings (as for a call); once the agent
//! answers and the router connects it, the customer is dialled through the outbound
//! trunk while the agent hears a "connecting" prompt; when the customer answers, the two
//! legs are bridged. A customer who is busy, does not answer in time or cannot be reached
//! is a failed attempt ([`Input::CallbackFailed`]): the router retries it later per the
//! queue's callback policy, keeping its place. Every method returns [`CbAction`]s for the
//! edge; deadlines are driven by [`CallbackDesk::handle_timeout`] with injected time.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use switchyard_core::{AgentId, Channel, InteractionId, OfferId, Time};
use switchyard_router::{EndedBy, Input, OfferFailure, Output};
use switchyard_sip::call::OutgoingEvent;
use switchyard_sip::endpoint::CallHandle;

use crate::switchboard::failure_of;

/// What the edge must do for a callback.
#[allow(clippy::large_enum_variant)] // a few per event, never stored
#[derive(Clone, Debug, PartialEq)]
pub enum CbAction {
    /// Feed this to the router.
    Router(Input),
    /// Ring the agent's registered devices for this callback offer, then report with
    /// [`CallbackDesk::placed`] (no devices: the agent desktop may still take it).
    DialAgent {
        /// The offer.
        offer: OfferId,
        /// The callback.
        interaction: InteractionId,
        /// The agent.
        agent: AgentId,
    },
    /// The agent is on the line: start its media (the "connecting" prompt) and dial the
    /// customer through the trunk, then report with [`CallbackDesk::dialled`].
    DialCustomer {
        /// The callback.
        interaction: InteractionId,
        /// The agent's answered leg.
        agent_leg: CallHandle,
    },
    /// Bridge the agent's media with the answered customer leg.
    Bridge {
        /// The agent leg (its media task is running).
        agent_leg: CallHandle,
        /// The customer leg.
        customer_leg: CallHandle,
    },
    /// End a leg (CANCEL while ringing, BYE once answered) and stop its media.
    Drop(CallHandle),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The agent's devices ring.
    Ringing,
    /// The agent answered; waiting for the router's Connect.
    Answered,
    /// The customer's phone is being called (until the deadline).
    Dialling { customer: CallHandle, until: Time },
    /// Bridged.
    Talking { customer: CallHandle },
}

#[derive(Clone, Debug)]
struct Attempt {
    interaction: InteractionId,
    offer: OfferId,
    /// The agent's legs: all ringing devices, then the one that answered.
    agent_legs: Vec<CallHandle>,
    stage: Stage,
}

/// The callbacks this edge is carrying out.
#[derive(Debug, Default)]
pub struct CallbackDesk {
    /// How long the customer's phone may ring before the attempt counts as failed.
    pub customer_ring: Duration,
    by_offer: HashMap<OfferId, InteractionId>,
    attempts: HashMap<InteractionId, Attempt>,
    by_leg: HashMap<CallHandle, InteractionId>,
    /// Customers' ring deadlines, earliest first (the edge asks on every event).
    deadlines: BTreeSet<(Time, InteractionId)>,
}

impl CallbackDesk {
    /// A desk giving customers `customer_ring` to answer.
    pub fn new(customer_ring: Duration) -> CallbackDesk {
        CallbackDesk {
            customer_ring,
            ..CallbackDesk::default()
        }
    }

    /// Whether this leg (agent or customer) belongs to a callback.
    pub fn owns(&self, leg: CallHandle) -> bool {
        self.by_leg.contains_key(&leg)
    }

    /// Whether this offer is a callback offer whose agent phones are being placed.
    pub fn wants(&self, offer: OfferId) -> bool {
        self.by_offer.contains_key(&offer)
    }

    /// The router refused the agent's `Accept` (the offer was withdrawn meanwhile): the
    /// agent's leg ends, nothing else happens.
    pub fn accept_refused(&mut self, offer: OfferId) -> Vec<CbAction> {
        let i = self
            .attempts
            .values()
            .find(|a| a.offer == offer && a.stage == Stage::Answered)
            .map(|a| a.interaction);
        i.and_then(|i| self.forget(i))
            .map(|a| a.agent_legs.into_iter().map(CbAction::Drop).collect())
            .unwrap_or_default()
    }

    /// Callbacks in progress.
    pub fn len(&self) -> usize {
        self.attempts.len()
    }

    /// Whether no callback is in progress.
    pub fn is_empty(&self) -> bool {
        self.attempts.is_empty()
    }

    /// What a router output means for callbacks.
    pub fn on_output(&mut self, out: &Output) -> Vec<CbAction> {
        match out {
            Output::Offer {
                offer,
                interaction,
                agent,
                channel: Channel::Callback,
                ..
            } => {
                self.by_offer.insert(*offer, *interaction);
                self.attempts.insert(
                    *interaction,
                    Attempt {
                        interaction: *interaction,
                        offer: *offer,
                        agent_legs: Vec::new(),
                        stage: Stage::Ringing,
                    },
                );
                vec![CbAction::DialAgent {
                    offer: *offer,
                    interaction: *interaction,
                    agent: *agent,
                }]
            }
            Output::CancelOffer { offer, .. } => {
                let Some(i) = self.by_offer.remove(offer) else {
                    return Vec::new();
                };
                match self.attempts.get(&i) {
                    Some(a) if a.offer == *offer && a.stage == Stage::Ringing => {
                        let a = self.forget(i).expect("present");
                        a.agent_legs.into_iter().map(CbAction::Drop).collect()
                    }
                    _ => Vec::new(),
                }
            }
            Output::Connect {
                interaction,
                channel: Channel::Callback,
                ..
            } => match self.attempts.get(interaction) {
                Some(a) if a.stage == Stage::Answered => vec![CbAction::DialCustomer {
                    interaction: *interaction,
                    agent_leg: a.agent_legs[0],
                }],
                // Accepted on the agent desktop while the phone rang: stop the phone.
                Some(a) if a.stage == Stage::Ringing => {
                    let i = a.interaction;
                    self.forget(i)
                        .map(|a| a.agent_legs.into_iter().map(CbAction::Drop).collect())
                        .unwrap_or_default()
                }
                // Accepted elsewhere (the agent desktop): the desktop shows the number.
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The edge rang the agent's devices for a [`CbAction::DialAgent`].
    pub fn placed(&mut self, offer: OfferId, legs: Vec<CallHandle>) -> Vec<CbAction> {
        let live = self
            .by_offer
            .get(&offer)
            .and_then(|i| self.attempts.get_mut(i))
            .filter(|a| a.offer == offer && a.stage == Stage::Ringing);
        let Some(a) = live else {
            // Withdrawn while we dialled.
            return legs.into_iter().map(CbAction::Drop).collect();
        };
        if legs.is_empty() {
            // No phone: leave the offer to the agent desktop (or its ring timeout).
            let i = a.interaction;
            self.by_offer.remove(&offer);
            self.forget(i);
            return Vec::new();
        }
        let i = a.interaction;
        a.agent_legs = legs.clone();
        for l in legs {
            self.by_leg.insert(l, i);
        }
        Vec::new()
    }

    /// The edge called the customer for a [`CbAction::DialCustomer`] (`None`: the call
    /// could not even be placed — no trunk, bad number).
    pub fn dialled(
        &mut self,
        now: Time,
        interaction: InteractionId,
        customer: Option<CallHandle>,
    ) -> Vec<CbAction> {
        let Some(a) = self.attempts.get_mut(&interaction) else {
            return customer.into_iter().map(CbAction::Drop).collect();
        };
        match customer {
            Some(c) if a.stage == Stage::Answered => {
                let until = now + self.customer_ring;
                a.stage = Stage::Dialling { customer: c, until };
                self.by_leg.insert(c, interaction);
                self.deadlines.insert((until, interaction));
                Vec::new()
            }
            Some(c) => vec![CbAction::Drop(c)],
            None => self.fail(interaction),
        }
    }

    /// Something happened on a callback leg (see [`CallbackDesk::owns`]).
    pub fn on_leg(&mut self, leg: CallHandle, event: &OutgoingEvent) -> Vec<CbAction> {
        let Some(i) = self.by_leg.get(&leg).copied() else {
            return Vec::new();
        };
        let Some(a) = self.attempts.get(&i).cloned() else {
            self.by_leg.remove(&leg);
            return Vec::new();
        };
        let customer = match a.stage {
            Stage::Dialling { customer, .. } | Stage::Talking { customer } => Some(customer),
            _ => None,
        };
        if customer == Some(leg) {
            self.on_customer(a, leg, event)
        } else {
            self.on_agent(a, leg, event)
        }
    }

    fn on_agent(&mut self, a: Attempt, leg: CallHandle, event: &OutgoingEvent) -> Vec<CbAction> {
        let i = a.interaction;
        match (event, a.stage) {
            (OutgoingEvent::Answered(_), Stage::Ringing) => {
                let mut out: Vec<CbAction> = a
                    .agent_legs
                    .iter()
                    .filter(|l| **l != leg)
                    .map(|l| {
                        self.by_leg.remove(l);
                        CbAction::Drop(*l)
                    })
                    .collect();
                let at = self.attempts.get_mut(&i).expect("present");
                at.agent_legs = vec![leg];
                at.stage = Stage::Answered;
                self.by_offer.remove(&a.offer);
                out.push(CbAction::Router(Input::Accept { offer: a.offer }));
                out
            }
            (OutgoingEvent::Answered(_), _) => vec![CbAction::Drop(leg)],
            (OutgoingEvent::Failed(status), Stage::Ringing) => {
                self.by_leg.remove(&leg);
                let at = self.attempts.get_mut(&i).expect("present");
                at.agent_legs.retain(|l| *l != leg);
                if !at.agent_legs.is_empty() {
                    return Vec::new();
                }
                self.by_offer.remove(&a.offer);
                self.forget(i);
                vec![CbAction::Router(Input::OfferFailed {
                    offer: a.offer,
                    failure: failure_of(status.code()),
                })]
            }
            (OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_), Stage::Answered) => {
                // Hung up before the router connected it: a reject, the callback waits on.
                self.forget(i);
                vec![CbAction::Router(Input::OfferFailed {
                    offer: a.offer,
                    failure: OfferFailure::Rejected,
                })]
            }
            (
                OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_),
                Stage::Dialling { customer, .. },
            ) => {
                // The agent gave up while the customer's phone rang: try again later.
                self.forget(i);
                vec![
                    CbAction::Drop(customer),
                    CbAction::Router(Input::CallbackFailed { interaction: i }),
                ]
            }
            (OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_), Stage::Talking { customer }) => {
                self.forget(i);
                vec![
                    CbAction::Drop(customer),
                    CbAction::Router(Input::Complete {
                        interaction: i,
                        by: EndedBy::Agent,
                    }),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn on_customer(&mut self, a: Attempt, leg: CallHandle, event: &OutgoingEvent) -> Vec<CbAction> {
        let i = a.interaction;
        let agent_leg = a.agent_legs[0];
        match (event, a.stage) {
            (OutgoingEvent::Answered(_), Stage::Dialling { until, .. }) => {
                self.deadlines.remove(&(until, i));
                self.attempts.get_mut(&i).expect("present").stage =
                    Stage::Talking { customer: leg };
                vec![CbAction::Bridge {
                    agent_leg,
                    customer_leg: leg,
                }]
            }
            (OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_), Stage::Dialling { .. }) => {
                self.fail(i)
            }
            (OutgoingEvent::Failed(_) | OutgoingEvent::Ended(_), Stage::Talking { .. }) => {
                self.forget(i);
                vec![
                    CbAction::Drop(agent_leg),
                    CbAction::Router(Input::Complete {
                        interaction: i,
                        by: EndedBy::Customer,
                    }),
                ]
            }
            _ => Vec::new(),
        }
    }

    /// The attempt failed on the customer's side: the agent's leg ends, the router
    /// retries later (or gives up) per the queue's policy.
    fn fail(&mut self, i: InteractionId) -> Vec<CbAction> {
        let Some(a) = self.forget(i) else {
            return Vec::new();
        };
        let mut out: Vec<CbAction> = a.agent_legs.into_iter().map(CbAction::Drop).collect();
        if let Stage::Dialling { customer, .. } = a.stage {
            out.push(CbAction::Drop(customer));
        }
        out.push(CbAction::Router(Input::CallbackFailed { interaction: i }));
        out
    }

    /// When [`CallbackDesk::handle_timeout`] wants to run (a customer's ring deadline).
    pub fn poll_timeout(&self) -> Option<Time> {
        self.deadlines.first().map(|(t, _)| *t)
    }

    /// Customers who did not answer by their deadline: failed attempts.
    pub fn handle_timeout(&mut self, now: Time) -> Vec<CbAction> {
        let due: Vec<InteractionId> = self
            .deadlines
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, i)| *i)
            .collect();
        due.into_iter().flat_map(|i| self.fail(i)).collect()
    }

    fn forget(&mut self, i: InteractionId) -> Option<Attempt> {
        let a = self.attempts.remove(&i)?;
        for l in &a.agent_legs {
            self.by_leg.remove(l);
        }
        if let Stage::Dialling { customer, .. } | Stage::Talking { customer } = a.stage {
            self.by_leg.remove(&customer);
        }
        if let Stage::Dialling { until, .. } = a.stage {
            self.deadlines.remove(&(until, i));
        }
        if self.by_offer.get(&a.offer) == Some(&i) {
            self.by_offer.remove(&a.offer);
        }
        Some(a)
    }
}

#[cfg(test)]
#[path = "callback_tests.rs"]
mod tests;
