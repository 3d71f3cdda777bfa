//! Call control without sockets: which caller leg belongs to which interaction, which
//! agent legs ring for which offer, and what each SIP event or router output means for
//! the other side. Everything is a plain method returning [`Action`]s for the edge to
//! carry out, so the whole B2BUA logic is tested here with made-up handles.

mod agent;
mod hold;

pub use hold::{HoldMirror, Side};

use std::collections::HashMap;
use switchyard_core::config::OverflowAction;
use switchyard_core::{AgentId, Channel, InteractionId, OfferId};
use switchyard_router::{EndedBy, Input, OfferFailure, Output};
use switchyard_sip::endpoint::{CallEvent, CallHandle};

/// What the edge must do.
// Actions live for one event's handling, a few at a time: boxing the router input
// would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Feed this to the router.
    Router(Input),
    /// Call the agent's registered devices for this offer, then report with
    /// [`Switchboard::placed`].
    Dial {
        /// The offer.
        offer: OfferId,
        /// The caller's interaction.
        interaction: InteractionId,
        /// The agent to ring.
        agent: AgentId,
    },
    /// Stop an agent leg (CANCEL while ringing, BYE once answered) and drop its media.
    DropAgent(CallHandle),
    /// Hang up the caller leg (BYE) and stop its media.
    HangupCaller(CallHandle),
    /// The caller's leg is gone: stop its media.
    StopCaller(CallHandle),
    /// Bridge the caller's media with this answered agent leg.
    Bridge {
        /// The caller leg.
        caller: CallHandle,
        /// The agent leg.
        agent: CallHandle,
    },
    /// Play a prompt (`None`: the goodbye prompt) to the caller, then hang up.
    Announce {
        /// The caller leg.
        caller: CallHandle,
        /// Prompt name.
        sound: Option<String>,
    },
    /// The caller left the router for a voicemail or a menu: the edge's IVR
    /// ([`crate::ivr`]) runs the call from here.
    Ivr {
        /// The caller leg.
        caller: CallHandle,
        /// Its interaction (gone from the router; re-used if a menu re-joins a queue).
        interaction: InteractionId,
        /// The queue it left.
        queue: switchyard_core::QueueId,
        /// What to do.
        action: OverflowAction,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Waiting,
    Connected(CallHandle),
    /// We are ending it (overflow); its end is not the customer leaving.
    Ending,
    /// Out of the router, in the edge's IVR (voicemail, menu): its end tells no one.
    Ivr,
}

#[derive(Clone, Copy, Debug)]
struct Caller {
    interaction: InteractionId,
    phase: Phase,
}

#[derive(Clone, Copy, Debug)]
struct AgentLeg {
    offer: OfferId,
    interaction: InteractionId,
    answered: bool,
}

/// The call-control state of one edge.
#[derive(Debug, Default)]
pub struct Switchboard {
    callers: HashMap<CallHandle, Caller>,
    by_interaction: HashMap<InteractionId, CallHandle>,
    legs: HashMap<CallHandle, AgentLeg>,
    by_offer: HashMap<OfferId, Vec<CallHandle>>,
    dialing: HashMap<OfferId, InteractionId>,
}

/// How a failed agent leg counts for the router.
pub fn failure_of(code: u16) -> OfferFailure {
    match code {
        486 | 600 | 603 => OfferFailure::Rejected,
        408 | 480 | 487 => OfferFailure::NoAnswer,
        _ => OfferFailure::Unreachable,
    }
}

impl Switchboard {
    /// A caller leg was answered and joined the router as `interaction`.
    pub fn joined(&mut self, call: CallHandle, interaction: InteractionId) {
        self.callers.insert(
            call,
            Caller {
                interaction,
                phase: Phase::Waiting,
            },
        );
        self.by_interaction.insert(interaction, call);
    }

    /// The caller leg of an interaction, if it is one of ours.
    pub fn caller_of(&self, interaction: InteractionId) -> Option<CallHandle> {
        self.by_interaction.get(&interaction).copied()
    }

    /// The interaction of a caller leg.
    pub fn interaction_of(&self, call: CallHandle) -> Option<InteractionId> {
        self.callers.get(&call).map(|c| c.interaction)
    }

    /// Live caller and agent legs.
    pub fn counts(&self) -> (usize, usize) {
        (self.callers.len(), self.legs.len())
    }

    /// What a router output means for our legs.
    pub fn on_output(&mut self, out: &Output) -> Vec<Action> {
        match out {
            Output::Offer {
                offer,
                interaction,
                agent,
                channel: Channel::Voice,
                ..
            } if self.by_interaction.contains_key(interaction) => {
                self.dialing.insert(*offer, *interaction);
                vec![Action::Dial {
                    offer: *offer,
                    interaction: *interaction,
                    agent: *agent,
                }]
            }
            Output::CancelOffer { offer, .. } => {
                self.dialing.remove(offer);
                let legs = self.by_offer.remove(offer).unwrap_or_default();
                legs.into_iter()
                    .filter(|l| self.legs.remove(l).is_some())
                    .map(Action::DropAgent)
                    .collect()
            }
            Output::Connect { interaction, .. } => {
                let Some(&call) = self.by_interaction.get(interaction) else {
                    return Vec::new();
                };
                let leg = self
                    .legs
                    .iter()
                    .find(|(_, l)| l.interaction == *interaction && l.answered)
                    .map(|(h, _)| *h);
                match leg {
                    Some(agent) => {
                        if let Some(c) = self.callers.get_mut(&call) {
                            c.phase = Phase::Connected(agent);
                        }
                        vec![Action::Bridge {
                            caller: call,
                            agent,
                        }]
                    }
                    None => Vec::new(),
                }
            }
            Output::Overflow {
                interaction,
                action,
                queue,
                ..
            } => {
                let Some(&call) = self.by_interaction.get(interaction) else {
                    return Vec::new();
                };
                let sound = match action {
                    // It waits on in the other queue under the same interaction.
                    OverflowAction::Queue { .. } => return Vec::new(),
                    OverflowAction::Hangup => {
                        self.forget_caller(call);
                        return vec![Action::HangupCaller(call)];
                    }
                    OverflowAction::Announcement { sound } => Some(sound.clone()),
                    // It waits on in line as a callback: confirm, end the call; the
                    // interaction is no longer this leg's.
                    OverflowAction::Callback => {
                        self.by_interaction.remove(interaction);
                        Some("callback-confirmed".into())
                    }
                    OverflowAction::Voicemail | OverflowAction::Menu { .. } => {
                        if let Some(c) = self.callers.get_mut(&call) {
                            c.phase = Phase::Ivr;
                        }
                        return vec![Action::Ivr {
                            caller: call,
                            interaction: *interaction,
                            queue: *queue,
                            action: action.clone(),
                        }];
                    }
                };
                if let Some(c) = self.callers.get_mut(&call) {
                    c.phase = Phase::Ending;
                }
                vec![Action::Announce {
                    caller: call,
                    sound,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Something happened on a caller leg.
    pub fn on_caller(&mut self, call: CallHandle, event: &CallEvent) -> Vec<Action> {
        let Some(c) = self.callers.get(&call).copied() else {
            return Vec::new();
        };
        match event {
            CallEvent::Ended(_) => {
                self.forget_caller(call);
                let mut out = vec![Action::StopCaller(call)];
                match c.phase {
                    Phase::Waiting => out.push(Action::Router(Input::CustomerLeft {
                        interaction: c.interaction,
                    })),
                    Phase::Connected(agent) => {
                        self.forget_leg(agent);
                        out.push(Action::DropAgent(agent));
                        out.push(Action::Router(Input::Complete {
                            interaction: c.interaction,
                            by: EndedBy::Customer,
                        }));
                    }
                    Phase::Ending | Phase::Ivr => {}
                }
                out
            }
            CallEvent::Dtmf(d) if c.phase == Phase::Waiting => {
                self.key(call, d.as_char()).into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    /// A key from the caller's RTP (RFC 4733) or INFO: handed to the router while waiting.
    pub fn key(&self, call: CallHandle, digit: char) -> Option<Action> {
        let c = self
            .callers
            .get(&call)
            .filter(|c| c.phase == Phase::Waiting)?;
        Some(Action::Router(Input::Key {
            interaction: c.interaction,
            digit,
        }))
    }

    /// The caller's interaction waits on in line as a callback while the caller hangs
    /// up: the leg's end is no longer the customer leaving, and router outputs for the
    /// interaction are no longer this leg's.
    pub fn detach(&mut self, call: CallHandle) {
        if let Some(c) = self.callers.get_mut(&call) {
            c.phase = Phase::Ending;
            self.by_interaction.remove(&c.interaction);
        }
    }

    /// Whether the caller waits in line (keys go to the router).
    pub fn waiting(&self, call: CallHandle) -> bool {
        self.callers
            .get(&call)
            .is_some_and(|c| c.phase == Phase::Waiting)
    }

    /// Forgets a caller leg without telling anyone (the router refused it).
    pub fn forget(&mut self, call: CallHandle) {
        self.forget_caller(call);
    }

    fn forget_caller(&mut self, call: CallHandle) {
        if let Some(c) = self.callers.remove(&call) {
            self.by_interaction.remove(&c.interaction);
        }
    }
}

#[cfg(test)]
mod ivr_tests;
#[cfg(test)]
mod tests;
