use super::*;
use std::time::Duration;
use switchyard_core::QueueId;
use switchyard_sip::StatusCode;
use switchyard_sip::call::{EndReason, OutgoingEvent};

const CALLER: CallHandle = CallHandle(1);
const LEG: CallHandle = CallHandle(2);
const I: InteractionId = InteractionId(7);
const O: OfferId = OfferId(9);

fn offered() -> Switchboard {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    let out = sb.on_output(&Output::Offer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        queue: QueueId(1),
        channel: Channel::Voice,
        ring_timeout: Duration::from_secs(15),
    });
    assert_eq!(
        out,
        vec![Action::Dial {
            offer: O,
            interaction: I,
            agent: AgentId(1)
        }]
    );
    assert!(sb.placed(O, vec![LEG]).is_empty());
    sb
}

fn connected() -> Switchboard {
    let mut sb = offered();
    let out = sb.on_agent(LEG, &OutgoingEvent::Answered(None));
    assert_eq!(out, vec![Action::Router(Input::Accept { offer: O })]);
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

#[test]
fn caller_hanging_up_while_waiting_is_customer_left() {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    let out = sb.on_caller(CALLER, &CallEvent::Ended(EndReason::RemoteHangup));
    assert_eq!(
        out,
        vec![
            Action::StopCaller(CALLER),
            Action::Router(Input::CustomerLeft { interaction: I })
        ]
    );
    assert_eq!(sb.counts(), (0, 0));
}

#[test]
fn answered_and_bridged_then_caller_hangs_up() {
    let mut sb = connected();
    let out = sb.on_caller(CALLER, &CallEvent::Ended(EndReason::RemoteHangup));
    assert_eq!(
        out,
        vec![
            Action::StopCaller(CALLER),
            Action::DropAgent(LEG),
            Action::Router(Input::Complete {
                interaction: I,
                by: EndedBy::Customer
            })
        ]
    );
    assert_eq!(sb.counts(), (0, 0));
}

#[test]
fn agent_hanging_up_ends_the_caller_leg() {
    let mut sb = connected();
    let out = sb.on_agent(LEG, &OutgoingEvent::Ended(EndReason::RemoteHangup));
    assert_eq!(
        out,
        vec![
            Action::HangupCaller(CALLER),
            Action::Router(Input::Complete {
                interaction: I,
                by: EndedBy::Agent
            })
        ]
    );
    assert_eq!(sb.counts(), (0, 0));
}

#[test]
fn busy_and_no_answer_map_to_router_failures() {
    for (code, failure) in [
        (486, OfferFailure::Rejected),
        (603, OfferFailure::Rejected),
        (408, OfferFailure::NoAnswer),
        (480, OfferFailure::NoAnswer),
        (404, OfferFailure::Unreachable),
    ] {
        let mut sb = offered();
        let status = StatusCode::new(code).unwrap();
        let out = sb.on_agent(LEG, &OutgoingEvent::Failed(status));
        assert_eq!(
            out,
            vec![Action::Router(Input::OfferFailed { offer: O, failure })]
        );
    }
}

#[test]
fn cancel_offer_drops_the_ringing_leg_and_a_late_answer_is_hung_up() {
    let mut sb = offered();
    let out = sb.on_output(&Output::CancelOffer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        reason: switchyard_router::CancelReason::RingTimeout,
    });
    assert_eq!(out, vec![Action::DropAgent(LEG)]);
    let out = sb.on_agent(LEG, &OutgoingEvent::Answered(None));
    assert_eq!(out, vec![Action::DropAgent(LEG)]);
    // The 487 for our CANCEL is not a second failure.
    let status = StatusCode::REQUEST_TERMINATED;
    assert!(sb.on_agent(LEG, &OutgoingEvent::Failed(status)).is_empty());
}

#[test]
fn no_contact_is_unreachable_and_withdrawn_dials_are_dropped() {
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
    assert_eq!(
        sb.placed(O, vec![]),
        vec![Action::Router(Input::OfferFailed {
            offer: O,
            failure: OfferFailure::Unreachable
        })]
    );
    assert_eq!(
        sb.placed(OfferId(99), vec![LEG]),
        vec![Action::DropAgent(LEG)]
    );
}

#[test]
fn forked_devices_stop_ringing_when_one_answers() {
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
    sb.placed(O, vec![LEG, CallHandle(3)]);
    // One device busy: not yet a failure, the other still rings.
    assert!(
        sb.on_agent(CallHandle(3), &OutgoingEvent::Failed(StatusCode::BUSY_HERE))
            .is_empty()
    );
    let out = sb.on_agent(LEG, &OutgoingEvent::Answered(None));
    assert_eq!(out, vec![Action::Router(Input::Accept { offer: O })]);
}

#[test]
fn keys_go_to_the_router_only_while_waiting_and_overflow_hangs_up() {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    assert_eq!(
        sb.key(CALLER, '1'),
        Some(Action::Router(Input::Key {
            interaction: I,
            digit: '1'
        }))
    );
    let out = sb.on_output(&Output::Overflow {
        interaction: I,
        queue: QueueId(1),
        trigger: switchyard_core::config::OverflowTrigger::MaxWait,
        action: OverflowAction::Hangup,
    });
    assert_eq!(out, vec![Action::HangupCaller(CALLER)]);
    assert!(
        sb.on_caller(CALLER, &CallEvent::Ended(EndReason::LocalHangup))
            .is_empty()
    );
    let mut connected = connected();
    assert_eq!(connected.key(CALLER, '1'), None);
    assert!(
        connected
            .on_caller(CALLER, &CallEvent::Confirmed)
            .is_empty()
    );
}
