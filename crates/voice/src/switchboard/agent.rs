//! The agent side of the switchboard: legs placed for offers, their answers, failures
//! and hang-ups.

use super::{Action, AgentLeg, Phase, Switchboard, failure_of};
use switchyard_core::{AgentId, InteractionId, OfferId};
use switchyard_router::{EndedBy, Input, OfferFailure, Output};
use switchyard_sip::call::{EndReason, OutgoingEvent};
use switchyard_sip::endpoint::CallHandle;

impl Switchboard {
    /// The edge placed calls for a [`Action::Dial`]: `legs` are the agent legs (none:
    /// no contact could be called).
    pub fn placed(&mut self, offer: OfferId, legs: Vec<CallHandle>) -> Vec<Action> {
        let Some(interaction) = self.dialing.get(&offer).copied() else {
            // Withdrawn while we dialled.
            return legs.into_iter().map(Action::DropAgent).collect();
        };
        if legs.is_empty() {
            self.dialing.remove(&offer);
            return vec![Action::Router(Input::OfferFailed {
                offer,
                failure: OfferFailure::Unreachable,
            })];
        }
        for &l in &legs {
            self.legs.insert(
                l,
                AgentLeg {
                    offer,
                    interaction,
                    answered: false,
                },
            );
        }
        self.by_offer.insert(offer, legs);
        Vec::new()
    }

    /// The router refused an `Accept` (the offer was withdrawn meanwhile).
    pub fn accept_refused(&mut self, offer: OfferId) -> Vec<Action> {
        self.on_output(&Output::CancelOffer {
            offer,
            interaction: InteractionId(0),
            agent: AgentId(0),
            reason: switchyard_router::CancelReason::Withdrawn,
        })
    }

    /// Something happened on an agent leg.
    pub fn on_agent(&mut self, leg: CallHandle, event: &OutgoingEvent) -> Vec<Action> {
        let Some(l) = self.legs.get(&leg).copied() else {
            // A leg we gave up on answered anyway: hang it up.
            return match event {
                OutgoingEvent::Answered(_) => vec![Action::DropAgent(leg)],
                _ => Vec::new(),
            };
        };
        match event {
            OutgoingEvent::Answered(_) if !l.answered => {
                if let Some(x) = self.legs.get_mut(&leg) {
                    x.answered = true;
                }
                self.dialing.remove(&l.offer);
                // Other devices of the same agent stop ringing.
                let siblings = self.by_offer.get(&l.offer).cloned().unwrap_or_default();
                let mut out: Vec<Action> = siblings
                    .into_iter()
                    .filter(|s| *s != leg && self.legs.remove(s).is_some())
                    .map(Action::DropAgent)
                    .collect();
                self.by_offer.insert(l.offer, vec![leg]);
                out.push(Action::Router(Input::Accept { offer: l.offer }));
                out
            }
            OutgoingEvent::Failed(status) => {
                self.forget_leg(leg);
                let left = self.by_offer.get(&l.offer).is_some_and(|v| !v.is_empty());
                if left || self.dialing.remove(&l.offer).is_none() {
                    return Vec::new();
                }
                self.by_offer.remove(&l.offer);
                vec![Action::Router(Input::OfferFailed {
                    offer: l.offer,
                    failure: failure_of(status.code()),
                })]
            }
            OutgoingEvent::Ended(reason) => {
                self.forget_leg(leg);
                let caller = self.by_interaction.get(&l.interaction).copied();
                let connected = caller
                    .and_then(|c| self.callers.get(&c))
                    .is_some_and(|c| c.phase == Phase::Connected(leg));
                match caller {
                    Some(call) if connected => {
                        self.forget_caller(call);
                        vec![
                            Action::HangupCaller(call),
                            Action::Router(Input::Complete {
                                interaction: l.interaction,
                                by: EndedBy::Agent,
                            }),
                        ]
                    }
                    // Ended before it was connected (e.g. a BYE crossing our Accept).
                    _ if l.answered && *reason == EndReason::RemoteHangup => {
                        vec![Action::Router(Input::OfferFailed {
                            offer: l.offer,
                            failure: OfferFailure::Rejected,
                        })]
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn forget_leg(&mut self, leg: CallHandle) {
        if let Some(l) = self.legs.remove(&leg)
            && let Some(v) = self.by_offer.get_mut(&l.offer)
        {
            v.retain(|h| *h != leg);
        }
    }
}
