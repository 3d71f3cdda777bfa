use super::*;
use switchyard_core::config::MenuOption;

fn ctx() -> Context {
    Context {
        queue: QueueId(7),
        caller_id: "+1555".into(),
        greeting: "voicemail-greeting-sales".into(),
    }
}

fn t(ms: u64) -> Time {
    Time(ms)
}

fn play(names: &[&str]) -> Step {
    Step::Play(names.iter().map(|s| s.to_string()).collect())
}

fn menu(options: Vec<(char, OverflowAction)>, default: OverflowAction) -> OverflowAction {
    OverflowAction::Menu {
        menu: Menu {
            prompt: "menu".into(),
            options: options
                .into_iter()
                .map(|(digit, action)| MenuOption { digit, action })
                .collect(),
            default: Box::new(default),
            attempts: 2,
            timeout_secs: 5,
        },
    }
}

fn sales() -> OverflowAction {
    OverflowAction::Queue { queue: QueueId(9) }
}

#[test]
fn announcement_plays_then_hangs_up() {
    let (mut ivr, steps) = Ivr::start(
        ctx(),
        &OverflowAction::Announcement {
            sound: "closed".into(),
        },
    );
    assert_eq!(steps, vec![play(&["closed"])]);
    assert_eq!(ivr.digit(t(10), '5'), vec![], "keys do nothing");
    assert_eq!(ivr.played(t(2000)), vec![Step::Hangup]);
    assert!(ivr.done());
}

#[test]
fn voicemail_greets_beeps_records_and_says_goodbye() {
    let (mut ivr, steps) = Ivr::start(ctx(), &OverflowAction::Voicemail);
    assert_eq!(steps, vec![play(&["voicemail-greeting-sales", "beep"])]);
    assert_eq!(
        ivr.digit(t(100), '#'),
        vec![],
        "a key in the greeting is ignored"
    );
    assert_eq!(ivr.played(t(3000)), vec![Step::Record]);
    assert!(ivr.recording());
    assert_eq!(ivr.digit(t(9000), '#'), vec![Step::StopRecording]);
    assert_eq!(ivr.digit(t(9001), '#'), vec![], "stopping once");
    assert_eq!(ivr.recorded(), vec![play(&["goodbye"])]);
    assert_eq!(ivr.played(t(10_000)), vec![Step::Hangup]);
    assert!(ivr.done());
}

#[test]
fn voicemail_stopped_by_silence_says_goodbye() {
    let (mut ivr, _) = Ivr::start(ctx(), &OverflowAction::Voicemail);
    ivr.played(t(3000));
    assert_eq!(ivr.recorded(), vec![play(&["goodbye"])]);
}

#[test]
fn menu_digit_runs_its_action() {
    let (mut ivr, steps) = Ivr::start(ctx(), &menu(vec![('1', sales())], OverflowAction::Hangup));
    assert_eq!(steps, vec![play(&["menu"])]);
    assert_eq!(
        ivr.poll_timeout(),
        None,
        "no timeout while the prompt plays"
    );
    ivr.played(t(4000));
    assert_eq!(
        ivr.poll_timeout(),
        Some(t(9000)),
        "timeout_secs after the prompt"
    );
    assert_eq!(
        ivr.digit(t(5000), '1'),
        vec![Step::Join {
            queue: QueueId(9),
            channel: Channel::Voice,
            caller_id: "+1555".into()
        }]
    );
    assert!(ivr.done());
}

#[test]
fn menu_digit_while_the_prompt_plays_is_taken() {
    let (mut ivr, _) = Ivr::start(ctx(), &menu(vec![('1', sales())], OverflowAction::Hangup));
    assert!(matches!(
        ivr.digit(t(500), '1').as_slice(),
        [Step::Join { .. }]
    ));
}

#[test]
fn invalid_digit_repeats_then_default_runs() {
    let (mut ivr, _) = Ivr::start(ctx(), &menu(vec![('1', sales())], OverflowAction::Hangup));
    ivr.played(t(4000));
    assert_eq!(
        ivr.digit(t(5000), '9'),
        vec![play(&["invalid-choice", "menu"])]
    );
    assert_eq!(
        ivr.poll_timeout(),
        None,
        "the deadline restarts after the replay"
    );
    ivr.played(t(9000));
    assert_eq!(
        ivr.digit(t(10_000), '8'),
        vec![Step::Hangup],
        "2 attempts, then default"
    );
    assert!(ivr.done());
}

#[test]
fn timeout_repeats_then_falls_to_the_default() {
    let (mut ivr, _) = Ivr::start(
        ctx(),
        &menu(vec![('1', sales())], OverflowAction::Voicemail),
    );
    ivr.played(t(4000));
    assert_eq!(ivr.on_timeout(t(8999)), vec![], "not yet");
    assert_eq!(
        ivr.on_timeout(t(9000)),
        vec![play(&["invalid-choice", "menu"])]
    );
    ivr.played(t(12_000));
    assert_eq!(
        ivr.on_timeout(t(17_000)),
        vec![play(&["voicemail-greeting-sales", "beep"])],
        "the default (voicemail) after the last attempt"
    );
    assert_eq!(ivr.played(t(20_000)), vec![Step::Record]);
}

#[test]
fn nested_menu() {
    let inner = menu(vec![('2', sales())], OverflowAction::Hangup);
    let (mut ivr, _) = Ivr::start(ctx(), &menu(vec![('3', inner)], OverflowAction::Hangup));
    ivr.played(t(1000));
    assert_eq!(
        ivr.digit(t(2000), '3'),
        vec![play(&["menu"])],
        "the inner menu"
    );
    ivr.played(t(3000));
    assert_eq!(ivr.poll_timeout(), Some(t(8000)));
    assert!(matches!(
        ivr.digit(t(4000), '2').as_slice(),
        [Step::Join {
            queue: QueueId(9),
            ..
        }]
    ));
}

#[test]
fn menu_callback_confirms_the_caller_id_then_rejoins_as_a_callback() {
    let (mut ivr, _) = Ivr::start(
        ctx(),
        &menu(
            vec![('1', OverflowAction::Callback)],
            OverflowAction::Hangup,
        ),
    );
    ivr.played(t(1000));
    assert_eq!(
        ivr.digit(t(2000), '1'),
        vec![play(&[
            "callback-number",
            "num-1",
            "num-5",
            "num-5",
            "num-5",
            "callback-confirm"
        ])]
    );
    ivr.played(t(6000));
    assert_eq!(
        ivr.digit(t(7000), '1'),
        vec![
            Step::Join {
                queue: QueueId(7),
                channel: Channel::Callback,
                caller_id: "+1555".into()
            },
            play(&["callback-confirmed"])
        ]
    );
    assert_eq!(ivr.played(t(9000)), vec![Step::Hangup]);
}

#[test]
fn in_line_callback_takes_keyed_digits_then_pound() {
    let (mut ivr, steps) = Ivr::confirm_callback(ctx());
    assert_eq!(steps.len(), 1);
    assert_eq!(
        ivr.digit(t(100), '4'),
        vec![Step::Play(vec![])],
        "barge-in stops the prompt"
    );
    ivr.played(t(120));
    for d in ['4', '2', '0'] {
        assert_eq!(ivr.digit(t(500), d), vec![]);
    }
    assert_eq!(
        ivr.digit(t(600), '#'),
        vec![
            Step::RequestCallback {
                number: "4420".into()
            },
            play(&["callback-confirmed"])
        ]
    );
}

#[test]
fn in_line_callback_keyed_digits_complete_after_a_pause() {
    let (mut ivr, _) = Ivr::confirm_callback(ctx());
    ivr.played(t(1000));
    for d in ['2', '0', '2'] {
        ivr.digit(t(2000), d);
    }
    assert_eq!(ivr.on_timeout(t(2000) + CONFIRM_TIMEOUT).len(), 2);
}

#[test]
fn in_line_callback_without_answer_goes_back_to_waiting() {
    let (mut ivr, _) = Ivr::confirm_callback(ctx());
    let mut now = t(0);
    for attempt in 1..CONFIRM_ATTEMPTS {
        ivr.played(now);
        now = now + CONFIRM_TIMEOUT;
        let steps = ivr.on_timeout(now);
        assert!(
            matches!(steps.as_slice(), [Step::Play(p)] if p[0] == "invalid-choice"),
            "attempt {attempt}: {steps:?}"
        );
    }
    ivr.played(now);
    assert_eq!(ivr.on_timeout(now + CONFIRM_TIMEOUT), vec![Step::Resume]);
    assert!(ivr.done());
}

#[test]
fn anonymous_caller_is_asked_for_a_number() {
    let mut c = ctx();
    c.caller_id = "anonymous".into();
    let (mut ivr, steps) = Ivr::confirm_callback(c);
    assert_eq!(steps, vec![play(&["enter-phone-number"])]);
    ivr.played(t(0));
    assert_eq!(
        ivr.digit(t(10), '1'),
        vec![],
        "1 is a digit of the number here"
    );
    assert_eq!(
        ivr.digit(t(20), '#'),
        vec![play(&["invalid-choice", "enter-phone-number"])],
        "too short"
    );
}

#[test]
fn phone_digits_of_caller_ids() {
    assert_eq!(phone_digits("+1 (555) 0100"), "15550100");
    assert_eq!(phone_digits("alice"), "");
    assert_eq!(phone_digits("5550100@example.com"), "5550100");
}

#[test]
fn a_refused_callback_number_resumes_hold_in_line_or_says_goodbye() {
    // In line: back to hold, keeping the place.
    let (mut ivr, _) = Ivr::confirm_callback(ctx());
    ivr.played(t(0));
    ivr.digit(t(10), '1');
    assert_eq!(ivr.number_refused(true), vec![Step::Resume]);
    assert!(ivr.done());
    // From an overflow menu: "invalid choice", goodbye, then hang up.
    let (mut ivr, _) = Ivr::confirm_callback(ctx());
    assert_eq!(
        ivr.number_refused(false),
        vec![play(&["invalid-choice", "goodbye"])]
    );
    assert!(!ivr.done());
    assert_eq!(ivr.played(t(5000)), vec![Step::Hangup]);
}
