//! The switchboard's side of overflow actions: which ones go to the edge's IVR, and
//! that leaving for the IVR or for a callback is never reported as the customer leaving.

use super::*;
use switchyard_core::QueueId;
use switchyard_core::config::{Menu, OverflowTrigger};
use switchyard_sip::call::EndReason;

const CALLER: CallHandle = CallHandle(1);
const I: InteractionId = InteractionId(7);

fn overflow(sb: &mut Switchboard, action: OverflowAction) -> Vec<Action> {
    sb.on_output(&Output::Overflow {
        interaction: I,
        queue: QueueId(3),
        trigger: OverflowTrigger::AfterHours,
        action,
    })
}

fn hung_up(sb: &mut Switchboard) -> Vec<Action> {
    sb.on_caller(CALLER, &CallEvent::Ended(EndReason::RemoteHangup))
}

#[test]
fn voicemail_and_menus_go_to_the_ivr_and_their_end_tells_no_one() {
    let menu = OverflowAction::Menu {
        menu: Menu {
            prompt: "menu".into(),
            options: vec![],
            default: Box::new(OverflowAction::Hangup),
            attempts: 1,
            timeout_secs: 1,
        },
    };
    for action in [OverflowAction::Voicemail, menu] {
        let mut sb = Switchboard::default();
        sb.joined(CALLER, I);
        assert!(sb.waiting(CALLER));
        assert_eq!(
            overflow(&mut sb, action.clone()),
            vec![Action::Ivr {
                caller: CALLER,
                interaction: I,
                queue: QueueId(3),
                action
            }]
        );
        assert!(!sb.waiting(CALLER));
        assert_eq!(sb.key(CALLER, '1'), None, "keys are the IVR's now");
        assert_eq!(hung_up(&mut sb), vec![Action::StopCaller(CALLER)]);
        assert_eq!(sb.counts(), (0, 0));
    }
}

#[test]
fn a_menu_re_joining_a_queue_waits_again() {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    overflow(&mut sb, OverflowAction::Voicemail);
    sb.joined(CALLER, I);
    assert!(sb.waiting(CALLER));
    assert_eq!(
        hung_up(&mut sb),
        vec![
            Action::StopCaller(CALLER),
            Action::Router(Input::CustomerLeft { interaction: I })
        ]
    );
}

#[test]
fn overflow_callback_confirms_and_the_hang_up_keeps_it_in_line() {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    assert_eq!(
        overflow(&mut sb, OverflowAction::Callback),
        vec![Action::Announce {
            caller: CALLER,
            sound: Some("callback-confirmed".into())
        }]
    );
    assert_eq!(
        sb.caller_of(I),
        None,
        "the callback is not this leg's any more"
    );
    assert_eq!(
        hung_up(&mut sb),
        vec![Action::StopCaller(CALLER)],
        "no CustomerLeft"
    );
}

#[test]
fn detached_caller_hanging_up_is_not_an_abandon() {
    let mut sb = Switchboard::default();
    sb.joined(CALLER, I);
    sb.detach(CALLER);
    assert_eq!(sb.caller_of(I), None);
    assert_eq!(hung_up(&mut sb), vec![Action::StopCaller(CALLER)]);
}
