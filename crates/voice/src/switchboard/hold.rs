//! Hold across the bridge: a re-INVITE that holds or resumes one leg is mirrored onto
//! the other leg (RFC 6337 §5 style: we send `sendonly` to hold it, `sendrecv` to
//! resume), as a B2BUA does. Refreshes and moves (hold unchanged) mirror nothing.

use super::{Phase, Switchboard};
use switchyard_core::InteractionId;
use switchyard_sip::call::Reoffer;
use switchyard_sip::endpoint::CallHandle;
use switchyard_sip::sdp::Direction;

/// Which side of a bridge re-INVITEd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The caller's leg.
    Caller,
    /// The agent's leg.
    Agent,
}

/// What to do on the other leg of a bridge after a hold or resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldMirror {
    /// The leg to re-INVITE.
    pub other: CallHandle,
    /// Our direction toward it: `SendOnly` (hold) or `SendRecv` (resume).
    pub direction: Direction,
    /// The bridged interaction, for the HOLD/UNHOLD log line.
    pub interaction: InteractionId,
    /// Who held or resumed.
    pub by: Side,
    /// A hold (else a resume).
    pub hold: bool,
}

impl Switchboard {
    /// The other leg of the bridge `leg` is in, with the interaction and `leg`'s side.
    pub fn bridged_with(&self, leg: CallHandle) -> Option<(CallHandle, InteractionId, Side)> {
        if let Some(c) = self.callers.get(&leg) {
            return match c.phase {
                Phase::Connected(agent) => Some((agent, c.interaction, Side::Caller)),
                _ => None,
            };
        }
        let l = self.legs.get(&leg)?;
        let caller = *self.by_interaction.get(&l.interaction)?;
        let connected = self
            .callers
            .get(&caller)
            .is_some_and(|c| c.phase == Phase::Connected(leg));
        connected.then_some((caller, l.interaction, Side::Agent))
    }

    /// A re-INVITE on `leg` was answered: the re-INVITE for the other leg of its bridge,
    /// if it held or resumed. `None` when not bridged (waiting callers on music, ringing
    /// agents) or when the hold state did not change.
    pub fn on_reoffer(&self, leg: CallHandle, re: &Reoffer) -> Option<HoldMirror> {
        if re.hold == re.was_hold {
            return None;
        }
        let (other, interaction, by) = self.bridged_with(leg)?;
        Some(HoldMirror {
            other,
            direction: if re.hold {
                Direction::SendOnly
            } else {
                Direction::SendRecv
            },
            interaction,
            by,
            hold: re.hold,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;
    use std::time::Duration;
    use switchyard_core::{AgentId, Channel, OfferId, QueueId};
    use switchyard_router::Output;
    use switchyard_sip::call::OutgoingEvent;

    const CALLER: CallHandle = CallHandle(1);
    const LEG: CallHandle = CallHandle(2);
    const I: InteractionId = InteractionId(7);
    const O: OfferId = OfferId(9);

    /// A caller whose agent's phone rings.
    fn offered() -> Switchboard {
        let mut sb = Switchboard::default();
        sb.joined(CALLER, I);
        sb.on_output(&Output::Offer {
            offer: O,
            interaction: I,
            agent: AgentId(1),
            queue: QueueId(1),
            channel: Channel::Voice,
            ring_timeout: Duration::from_secs(15),
        });
        assert!(sb.placed(O, vec![LEG]).is_empty());
        sb
    }

    /// The caller bridged with the agent's leg.
    fn connected() -> Switchboard {
        let mut sb = offered();
        sb.on_agent(LEG, &OutgoingEvent::Answered(None));
        let out = sb.on_output(&Output::Connect {
            interaction: I,
            agent: AgentId(1),
            queue: QueueId(1),
            channel: Channel::Voice,
        });
        assert_eq!(
            out,
            vec![Action::Bridge {
                caller: CALLER,
                agent: LEG
            }]
        );
        sb
    }

    fn re(hold: bool, was_hold: bool) -> Reoffer {
        Reoffer {
            offer: None,
            negotiated: None,
            hold,
            was_hold,
        }
    }

    #[test]
    fn a_caller_hold_and_resume_go_to_the_agent_leg() {
        let sb = connected();
        assert_eq!(
            sb.on_reoffer(CALLER, &re(true, false)),
            Some(HoldMirror {
                other: LEG,
                direction: Direction::SendOnly,
                interaction: I,
                by: Side::Caller,
                hold: true
            })
        );
        let resume = sb.on_reoffer(CALLER, &re(false, true)).unwrap();
        assert_eq!((resume.other, resume.direction), (LEG, Direction::SendRecv));
        assert!(!resume.hold);
    }

    #[test]
    fn an_agent_hold_goes_to_the_caller() {
        let sb = connected();
        let m = sb.on_reoffer(LEG, &re(true, false)).unwrap();
        assert_eq!(
            (m.other, m.direction, m.by),
            (CALLER, Direction::SendOnly, Side::Agent)
        );
    }

    #[test]
    fn refreshes_and_unbridged_legs_mirror_nothing() {
        let sb = connected();
        assert_eq!(sb.on_reoffer(CALLER, &re(false, false)), None, "a refresh");
        assert_eq!(sb.on_reoffer(CALLER, &re(true, true)), None, "held again");
        // Ringing, not yet bridged: neither side has a partner.
        let sb = offered();
        assert_eq!(sb.on_reoffer(CALLER, &re(true, false)), None);
        assert_eq!(sb.on_reoffer(LEG, &re(true, false)), None);
        assert_eq!(sb.bridged_with(CallHandle(99)), None);
    }
}
