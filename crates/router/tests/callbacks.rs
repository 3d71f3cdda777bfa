//! Issue 2, item 14: a callback keeps its place in line; when its turn comes the agent
//! is offered the callback first (then the edge dials the customer); failed callbacks
//! are retried per the queue's policy, still keeping the place.

use switchyard_core::config::{CallbackPolicy, OverflowAction, QueueConfig, QueueKey};
use switchyard_core::{AgentId, AgentStatus, Channel, EventKind, InteractionId, QueueId, Time};
use switchyard_router::{Error, Input, InteractionState, Output};
use switchyard_testkit::World;

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

fn kinds(w: &World, verb: &str) -> Vec<(u64, Option<InteractionId>, EventKind)> {
    w.router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == verb)
        .map(|(t, e)| (t.as_secs(), e.interaction, e.kind.clone()))
        .collect()
}

fn request(w: &mut World, i: InteractionId, number: &str) {
    w.input(Input::RequestCallback {
        interaction: i,
        number: number.into(),
    });
}

fn queue_with_policy(w: &mut World, retry_secs: u32, max_attempts: u32) -> QueueId {
    w.queue(QueueConfig {
        ring_timeout_secs: 30,
        callback: CallbackPolicy {
            retry_secs,
            max_attempts,
        },
        keys: vec![
            QueueKey {
                digit: '5',
                action: OverflowAction::Callback,
            },
            QueueKey {
                digit: '9',
                action: OverflowAction::Voicemail,
            },
        ],
        ..Default::default()
    })
}

#[test]
fn a_callback_request_keeps_the_place_in_line() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let c: Vec<_> = (0..3)
        .map(|s| {
            w.at(s);
            w.call(q)
        })
        .collect();
    w.at(10);
    request(&mut w, c[1], "+442071234567");
    assert_eq!(line(&w, q), c);
    let v = w.router.interaction(c[1]).unwrap();
    assert_eq!(
        (v.channel, v.position, v.arrived, v.caller_id.as_str()),
        (
            Channel::Callback,
            Some(2),
            Time::from_secs(1),
            "+442071234567"
        )
    );
    assert_eq!(
        kinds(&w, "CALLBACKREQUEST"),
        vec![(
            10,
            Some(c[1]),
            EventKind::CallbackRequest {
                number: "+442071234567".into()
            }
        )]
    );
    // A later caller stays behind it.
    w.at(20);
    let late = w.call(q);
    assert_eq!(w.router.interaction(late).unwrap().position, Some(4));
}

#[test]
fn the_agent_is_offered_the_callback_then_connected_on_the_callback_channel() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let first = w.call(q);
    w.at(1);
    let cb = w.call(q);
    w.at(2);
    let last = w.call(q);
    w.at(5);
    request(&mut w, cb, "+15551112222");
    w.at(6);
    w.login(a);
    assert_eq!(w.answer(a), first);
    w.at(30);
    w.hang_up(first);
    let offer = w.offers().last().cloned().unwrap();
    assert_eq!((offer.1, offer.2, offer.3), (a, cb, Channel::Callback));
    w.at(32);
    w.answer(a);
    let connects: Vec<_> = w
        .log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Connect {
                interaction,
                agent,
                channel,
                ..
            } => Some((t.as_secs(), *interaction, *agent, *channel)),
            _ => None,
        })
        .collect();
    assert_eq!(connects[1], (32, cb, a, Channel::Callback));
    assert_eq!(w.router.interaction(last).unwrap().position, Some(1));
}

#[test]
fn failed_callbacks_are_retried_after_the_delay_keeping_their_place() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let cb = w.call(q);
    request(&mut w, cb, "+15551112222");
    w.at(1);
    let other = w.call(q);
    w.at(2);
    w.login(a);
    assert_eq!(w.answer(a), cb);
    w.at(20);
    w.input(Input::CallbackFailed { interaction: cb });
    assert_eq!(
        kinds(&w, "CALLBACKFAILED"),
        vec![(
            20,
            Some(cb),
            EventKind::CallbackFailed {
                attempt: 1,
                will_retry: true
            }
        )]
    );
    let v = w.router.interaction(cb).unwrap();
    assert_eq!((v.state, v.position), (InteractionState::Retrying, Some(1)));
    // No wrap-up for a call that never happened: the agent takes the next one now.
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(other));
    w.answer(a);
    w.at(79);
    w.hang_up(other);
    assert!(w.ringing_for(a).is_none(), "the retry delay is not over");
    w.at(80);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(cb));
    assert_eq!(w.offers().last().unwrap().3, Channel::Callback);
    // Second and third failures: the third is the last attempt.
    w.answer(a);
    w.input(Input::CallbackFailed { interaction: cb });
    w.at(140);
    w.answer(a);
    w.input(Input::CallbackFailed { interaction: cb });
    let failed: Vec<_> = kinds(&w, "CALLBACKFAILED")
        .into_iter()
        .map(|(t, _, k)| (t, k))
        .collect();
    assert_eq!(
        failed,
        vec![
            (
                20,
                EventKind::CallbackFailed {
                    attempt: 1,
                    will_retry: true
                }
            ),
            (
                80,
                EventKind::CallbackFailed {
                    attempt: 2,
                    will_retry: true
                }
            ),
            (
                140,
                EventKind::CallbackFailed {
                    attempt: 3,
                    will_retry: false
                }
            ),
        ]
    );
    assert!(w.router.interaction(cb).is_none());
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::Available);
    w.at(1000);
    assert_eq!(w.offers().len(), 4);
}

#[test]
fn a_key_press_mapped_to_callback_requests_one() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let c1 = w.call(q);
    let c2 = w.call(q);
    w.at(7);
    w.input(Input::Key {
        interaction: c1,
        digit: '5',
    });
    let v = w.router.interaction(c1).unwrap();
    assert_eq!((v.channel, v.position), (Channel::Callback, Some(1)));
    assert_eq!(
        kinds(&w, "CALLBACKREQUEST"),
        vec![(
            7,
            Some(c1),
            EventKind::CallbackRequest {
                number: "+15550000001".into()
            }
        )]
    );
    assert!(w.events_named("EXITWITHKEY").is_empty());
    // A key without a meaning is ignored.
    let before = w.output_count();
    w.input(Input::Key {
        interaction: c2,
        digit: '3',
    });
    assert_eq!(w.output_count(), before);
    // A key mapped to voicemail leaves the queue.
    w.at(9);
    w.input(Input::Key {
        interaction: c2,
        digit: '9',
    });
    assert_eq!(
        kinds(&w, "EXITWITHKEY"),
        vec![(
            9,
            Some(c2),
            EventKind::ExitWithKey {
                key: '9',
                position: 2,
                orig_position: 2,
                wait_secs: 9
            }
        )]
    );
    assert!(w.router.interaction(c2).is_none());
    assert_eq!(line(&w, q), vec![c1]);
}

#[test]
fn callbacks_do_not_time_out_while_callers_do() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(60),
        ..Default::default()
    });
    let c1 = w.call(q);
    let c2 = w.call(q);
    w.at(10);
    request(&mut w, c1, "+15550009999");
    w.at(3600);
    assert_eq!(
        w.events_named("EXITWITHTIMEOUT"),
        vec![(60, Some(c2), None)]
    );
    assert_eq!(line(&w, q), vec![c1]);
}

#[test]
fn a_callback_request_while_ringing_withdraws_the_ring_and_offers_the_callback() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    assert_eq!(w.offers()[0].3, Channel::Voice);
    w.at(3);
    request(&mut w, c, "+15550001234");
    assert!(w.events_named("RINGCANCELED").len() == 1);
    let last = w.offers().last().cloned().unwrap();
    assert_eq!((last.1, last.2, last.3), (a, c, Channel::Callback));
}

#[test]
fn callback_misuse_is_refused() {
    let mut w = World::new(1);
    let q = queue_with_policy(&mut w, 60, 3);
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let c = w.call(q);
    let before = w.output_count();
    assert!(matches!(
        w.try_input(Input::RequestCallback {
            interaction: c,
            number: String::new()
        }),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        w.try_input(Input::CallbackFailed { interaction: c }),
        Err(Error::InvalidState { .. })
    ));
    assert_eq!(w.output_count(), before);
    assert_eq!(w.router.interaction(c).unwrap().channel, Channel::Voice);
    // A voice call that is connected is not a callback.
    w.login(a);
    w.answer(a);
    assert!(matches!(
        w.try_input(Input::CallbackFailed { interaction: c }),
        Err(Error::InvalidState { .. })
    ));
    let _ = AgentId(0);
}

#[test]
fn a_max_wait_callback_logs_one_entry_and_keeps_its_entry_position() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(30),
        overflow: vec![switchyard_core::config::OverflowLink {
            on: vec![switchyard_core::config::OverflowTrigger::MaxWait],
            action: OverflowAction::Callback,
        }],
        ..Default::default()
    });
    let first = w.call(q);
    let second = w.call(q);
    w.at(31);
    assert_eq!(
        line(&w, q),
        vec![first, second],
        "both are callbacks now, in the same order"
    );
    let entries: Vec<_> = w
        .events_of(second)
        .into_iter()
        .filter(|e| e.1 == "ENTERQUEUE")
        .collect();
    assert_eq!(
        entries,
        vec![(0, "ENTERQUEUE", None)],
        "one ENTERQUEUE per stay in line"
    );
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().entered, 2);
    // COMPLETE events later report the position at entry, 2, not a new one.
    let a = w.agent(1, &[]);
    w.member(a, q, 0);
    w.login(a);
    w.answer(a);
    w.hang_up(first);
    w.answer(a);
    w.hang_up(second);
    let done = kinds(&w, "COMPLETEAGENT");
    assert!(
        matches!(done.last(), Some((_, Some(i), EventKind::CompleteAgent { orig_position: 2, .. })) if *i == second),
        "{done:?}"
    );
}
