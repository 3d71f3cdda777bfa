use super::*;
use switchyard_core::QueueId;
use switchyard_sip::StatusCode;
use switchyard_sip::call::EndReason;

const I: InteractionId = InteractionId(7);
const O: OfferId = OfferId(9);
const PHONE: CallHandle = CallHandle(2);
const DESK_PHONE: CallHandle = CallHandle(3);
const CUSTOMER: CallHandle = CallHandle(4);
const T0: Time = Time(1_000_000);

fn offer(desk: &mut CallbackDesk) {
    let out = desk.on_output(&Output::Offer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        queue: QueueId(1),
        channel: Channel::Callback,
        ring_timeout: Duration::from_secs(15),
    });
    assert_eq!(
        out,
        vec![CbAction::DialAgent {
            offer: O,
            interaction: I,
            agent: AgentId(1)
        }]
    );
}

fn connect() -> Output {
    Output::Connect {
        interaction: I,
        agent: AgentId(1),
        queue: QueueId(1),
        channel: Channel::Callback,
    }
}

/// The agent's two devices ring, the first answers, the router connects, the customer is
/// being dialled.
fn dialling() -> CallbackDesk {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    assert!(desk.placed(O, vec![PHONE, DESK_PHONE]).is_empty());
    assert!(desk.owns(PHONE) && desk.owns(DESK_PHONE));
    let out = desk.on_leg(PHONE, &OutgoingEvent::Answered(None));
    assert_eq!(
        out,
        vec![
            CbAction::Drop(DESK_PHONE),
            CbAction::Router(Input::Accept { offer: O })
        ]
    );
    assert!(!desk.owns(DESK_PHONE));
    assert_eq!(
        desk.on_output(&connect()),
        vec![CbAction::DialCustomer {
            interaction: I,
            agent_leg: PHONE
        }]
    );
    assert!(desk.dialled(T0, I, Some(CUSTOMER)).is_empty());
    assert_eq!(desk.poll_timeout(), Some(T0 + Duration::from_secs(30)));
    desk
}

#[test]
fn voice_offers_are_not_callbacks() {
    let mut desk = CallbackDesk::default();
    let out = desk.on_output(&Output::Offer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        queue: QueueId(1),
        channel: Channel::Voice,
        ring_timeout: Duration::from_secs(15),
    });
    assert!(out.is_empty());
    assert!(desk.is_empty());
}

#[test]
fn customer_answers_then_bridged_then_customer_hangs_up() {
    let mut desk = dialling();
    assert_eq!(
        desk.on_leg(CUSTOMER, &OutgoingEvent::Answered(None)),
        vec![CbAction::Bridge {
            agent_leg: PHONE,
            customer_leg: CUSTOMER
        }]
    );
    assert_eq!(desk.poll_timeout(), None, "no deadline once talking");
    assert_eq!(
        desk.on_leg(CUSTOMER, &OutgoingEvent::Ended(EndReason::RemoteHangup)),
        vec![
            CbAction::Drop(PHONE),
            CbAction::Router(Input::Complete {
                interaction: I,
                by: EndedBy::Customer
            })
        ]
    );
    assert!(desk.is_empty() && !desk.owns(PHONE) && !desk.owns(CUSTOMER));
}

#[test]
fn agent_hangs_up_after_talking() {
    let mut desk = dialling();
    desk.on_leg(CUSTOMER, &OutgoingEvent::Answered(None));
    assert_eq!(
        desk.on_leg(PHONE, &OutgoingEvent::Ended(EndReason::RemoteHangup)),
        vec![
            CbAction::Drop(CUSTOMER),
            CbAction::Router(Input::Complete {
                interaction: I,
                by: EndedBy::Agent
            })
        ]
    );
    assert!(desk.is_empty());
}

#[test]
fn busy_customer_is_a_failed_attempt() {
    let mut desk = dialling();
    assert_eq!(
        desk.on_leg(CUSTOMER, &OutgoingEvent::Failed(StatusCode::BUSY_HERE)),
        vec![
            CbAction::Drop(PHONE),
            CbAction::Drop(CUSTOMER),
            CbAction::Router(Input::CallbackFailed { interaction: I })
        ]
    );
    assert!(desk.is_empty() && !desk.owns(CUSTOMER));
}

#[test]
fn customer_not_answering_in_time_is_a_failed_attempt() {
    let mut desk = dialling();
    assert!(desk.handle_timeout(T0 + Duration::from_secs(29)).is_empty());
    assert_eq!(
        desk.handle_timeout(T0 + Duration::from_secs(30)),
        vec![
            CbAction::Drop(PHONE),
            CbAction::Drop(CUSTOMER),
            CbAction::Router(Input::CallbackFailed { interaction: I })
        ]
    );
    // The CANCELled leg's 487 afterwards changes nothing.
    assert!(
        desk.on_leg(
            CUSTOMER,
            &OutgoingEvent::Failed(StatusCode::REQUEST_TERMINATED)
        )
        .is_empty()
    );
}

#[test]
fn no_trunk_call_possible_is_a_failed_attempt() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    desk.placed(O, vec![PHONE]);
    desk.on_leg(PHONE, &OutgoingEvent::Answered(None));
    desk.on_output(&connect());
    assert_eq!(
        desk.dialled(T0, I, None),
        vec![
            CbAction::Drop(PHONE),
            CbAction::Router(Input::CallbackFailed { interaction: I })
        ]
    );
}

#[test]
fn agent_giving_up_while_the_customer_rings_retries_later() {
    let mut desk = dialling();
    assert_eq!(
        desk.on_leg(PHONE, &OutgoingEvent::Ended(EndReason::RemoteHangup)),
        vec![
            CbAction::Drop(CUSTOMER),
            CbAction::Router(Input::CallbackFailed { interaction: I })
        ]
    );
}

#[test]
fn agent_rejecting_fails_the_offer_not_the_callback() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    desk.placed(O, vec![PHONE]);
    assert_eq!(
        desk.on_leg(PHONE, &OutgoingEvent::Failed(StatusCode::BUSY_HERE)),
        vec![CbAction::Router(Input::OfferFailed {
            offer: O,
            failure: OfferFailure::Rejected
        })]
    );
    assert!(desk.is_empty());
}

#[test]
fn ring_timeout_cancel_drops_the_ringing_phones() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    desk.placed(O, vec![PHONE, DESK_PHONE]);
    let out = desk.on_output(&Output::CancelOffer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        reason: switchyard_router::CancelReason::RingTimeout,
    });
    assert_eq!(out, vec![CbAction::Drop(PHONE), CbAction::Drop(DESK_PHONE)]);
    assert!(desk.is_empty() && !desk.owns(PHONE));
}

#[test]
fn agent_without_a_phone_leaves_the_offer_to_the_desktop() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    assert!(desk.placed(O, Vec::new()).is_empty(), "no OfferFailed");
    assert!(desk.is_empty());
    // Accepted on the desktop: nothing to dial here.
    assert!(desk.on_output(&connect()).is_empty());
}

#[test]
fn accepted_on_the_desktop_while_the_phone_rings_stops_the_phone() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    desk.placed(O, vec![PHONE]);
    assert_eq!(desk.on_output(&connect()), vec![CbAction::Drop(PHONE)]);
    assert!(desk.is_empty() && !desk.owns(PHONE));
}

#[test]
fn phones_placed_after_the_offer_was_withdrawn_are_dropped() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    desk.on_output(&Output::CancelOffer {
        offer: O,
        interaction: I,
        agent: AgentId(1),
        reason: switchyard_router::CancelReason::Withdrawn,
    });
    assert_eq!(desk.placed(O, vec![PHONE]), vec![CbAction::Drop(PHONE)]);
}

#[test]
fn accept_refused_drops_the_agent_leg() {
    let mut desk = CallbackDesk::new(Duration::from_secs(30));
    offer(&mut desk);
    assert!(desk.wants(O));
    desk.placed(O, vec![PHONE]);
    desk.on_leg(PHONE, &OutgoingEvent::Answered(None));
    assert!(!desk.wants(O), "answered: no longer placing phones");
    assert_eq!(desk.accept_refused(O), vec![CbAction::Drop(PHONE)]);
    assert!(desk.is_empty() && !desk.owns(PHONE));
}
