//! Issue 2, item 10: max wait, max depth, joinempty / leavewhenempty and the per-queue
//! cap on busy agents, each leading down the queue's overflow chain (another queue
//! keeping the original arrival, or an action for the edge); loops end.

use switchyard_core::config::{
    EmptyWhen, Menu, MenuOption, OverflowAction, OverflowLink, OverflowTrigger, QueueConfig,
};
use switchyard_core::{Channel, EventKind, InteractionId, PauseReason, QueueId, Time};
use switchyard_router::{Input, InteractionState, Output};
use switchyard_testkit::World;

fn link(on: &[OverflowTrigger], action: OverflowAction) -> OverflowLink {
    OverflowLink {
        on: on.to_vec(),
        action,
    }
}

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

/// (second, interaction, queue, trigger, action) of every Overflow output.
fn overflow_outputs(
    w: &World,
) -> Vec<(u64, InteractionId, QueueId, OverflowTrigger, OverflowAction)> {
    w.log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Overflow {
                interaction,
                queue,
                trigger,
                action,
            } => Some((t.as_secs(), *interaction, *queue, *trigger, action.clone())),
            _ => None,
        })
        .collect()
}

fn kinds_of(w: &World, i: InteractionId) -> Vec<(u64, Option<QueueId>, EventKind)> {
    w.router_events()
        .into_iter()
        .filter(|(_, e)| e.interaction == Some(i))
        .map(|(t, e)| (t.as_secs(), e.queue, e.kind.clone()))
        .collect()
}

#[test]
fn max_wait_moves_to_the_next_queue_keeping_the_original_arrival() {
    let mut w = World::new(1);
    let q2 = w.queue(QueueConfig::default());
    let q1 = w.queue(QueueConfig {
        max_wait_secs: Some(30),
        overflow: vec![link(
            &[OverflowTrigger::MaxWait],
            OverflowAction::Queue { queue: q2 },
        )],
        ..Default::default()
    });
    w.at(2);
    let early = w.call(q2);
    w.at(5);
    let c = w.call(q1);
    w.at(10);
    let later = w.call(q2);
    w.at(34);
    assert_eq!(line(&w, q1), vec![c]);
    w.at(35);
    assert!(line(&w, q1).is_empty());
    assert_eq!(line(&w, q2), vec![early, c, later]);
    let v = w.router.interaction(c).unwrap();
    assert_eq!(
        (v.queue, v.arrived, v.entered, v.position),
        (q2, Time::from_secs(5), Time::from_secs(35), Some(2))
    );
    let ev = kinds_of(&w, c);
    assert_eq!(
        ev[1..],
        [
            (
                35,
                Some(q1),
                EventKind::ExitWithTimeout {
                    position: 1,
                    orig_position: 1,
                    wait_secs: 30
                }
            ),
            (
                35,
                Some(q1),
                EventKind::Overflow {
                    trigger: OverflowTrigger::MaxWait,
                    action: OverflowAction::Queue { queue: q2 }
                }
            ),
            (
                35,
                Some(q2),
                EventKind::EnterQueue {
                    channel: Channel::Voice,
                    caller_id: "+15550000002".into()
                }
            ),
        ]
    );
    // A move into another queue is the router's business: no Overflow output.
    assert!(overflow_outputs(&w).is_empty());
    // The agent of q2 serves the original arrival order.
    let a = w.agent(101, &[]);
    w.member(a, q2, 0);
    w.login(a);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(early));
}

#[test]
fn max_wait_actions_are_handed_to_the_edge() {
    let menu = Menu {
        prompt: "press-1-for-voicemail".into(),
        options: vec![MenuOption {
            digit: '1',
            action: OverflowAction::Voicemail,
        }],
        default: Box::new(OverflowAction::Hangup),
        attempts: 2,
        timeout_secs: 5,
    };
    let actions = [
        OverflowAction::Voicemail,
        OverflowAction::Announcement {
            sound: "closed-goodbye".into(),
        },
        OverflowAction::Menu { menu },
        OverflowAction::Hangup,
    ];
    for action in actions {
        let mut w = World::new(1);
        let q = w.queue(QueueConfig {
            max_wait_secs: Some(60),
            overflow: vec![link(&[OverflowTrigger::MaxWait], action.clone())],
            ..Default::default()
        });
        w.at(3);
        let c = w.call(q);
        w.at(62);
        assert_eq!(w.router.interaction_count(), 1);
        w.at(63);
        assert_eq!(
            overflow_outputs(&w),
            vec![(63, c, q, OverflowTrigger::MaxWait, action.clone())]
        );
        assert_eq!(
            w.router.interaction_count(),
            0,
            "{action:?}: left the router"
        );
        assert!(w.router.interaction(c).is_none());
        assert_eq!(w.router.queue_stats(q, w.now).unwrap().overflowed, 1);
    }
}

#[test]
fn max_wait_to_callback_keeps_the_place_in_line() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(30),
        overflow: vec![link(&[OverflowTrigger::MaxWait], OverflowAction::Callback)],
        ..Default::default()
    });
    let c1 = w.call(q);
    w.at(10);
    let c2 = w.call(q);
    w.at(30);
    let v = w.router.interaction(c1).unwrap();
    assert_eq!(
        (v.channel, v.position, v.arrived),
        (Channel::Callback, Some(1), Time::ZERO)
    );
    assert_eq!(
        overflow_outputs(&w),
        vec![(
            30,
            c1,
            q,
            OverflowTrigger::MaxWait,
            OverflowAction::Callback
        )]
    );
    assert_eq!(
        w.events_named("CALLBACKREQUEST"),
        vec![(30, Some(c1), None)]
    );
    w.at(500);
    // Callbacks do not time out again; both wait, in arrival order.
    assert_eq!(line(&w, q), vec![c1, c2]);
    assert_eq!(w.router.interaction(c2).unwrap().channel, Channel::Callback);
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let offer = w.offers()[0];
    assert_eq!((offer.1, offer.2, offer.3), (a, c1, Channel::Callback));
}

#[test]
fn the_first_link_handling_the_trigger_is_taken_then_the_next() {
    let mut w = World::new(1);
    let q2 = w.queue(QueueConfig {
        max_wait_secs: Some(10),
        ..Default::default()
    });
    let q1 = w.queue(QueueConfig {
        max_wait_secs: Some(10),
        max_depth: Some(5),
        overflow: vec![
            link(&[OverflowTrigger::MaxDepth], OverflowAction::Hangup),
            link(
                &[OverflowTrigger::NoAgents, OverflowTrigger::MaxWait],
                OverflowAction::Queue { queue: q2 },
            ),
            link(&[OverflowTrigger::MaxWait], OverflowAction::Voicemail),
        ],
        ..Default::default()
    });
    // q2 sends it back to q1 on its max wait.
    w.input(Input::UpsertQueue(QueueConfig {
        id: q2,
        tenant: switchyard_testkit::TENANT,
        name: "queue-q2".into(),
        max_wait_secs: Some(10),
        overflow: vec![link(
            &[OverflowTrigger::MaxWait],
            OverflowAction::Queue { queue: q1 },
        )],
        ..Default::default()
    }));
    let c = w.call(q1);
    w.at(10);
    assert_eq!(w.router.interaction(c).unwrap().queue, q2);
    w.at(20);
    assert_eq!(w.router.interaction(c).unwrap().queue, q1);
    w.at(30);
    assert_eq!(
        overflow_outputs(&w),
        vec![(
            30,
            c,
            q1,
            OverflowTrigger::MaxWait,
            OverflowAction::Voicemail
        )]
    );
}

#[test]
fn max_depth_refuses_at_join() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_depth: Some(2),
        overflow: vec![link(
            &[OverflowTrigger::MaxDepth],
            OverflowAction::Voicemail,
        )],
        ..Default::default()
    });
    let c1 = w.call(q);
    let c2 = w.call(q);
    w.at(1);
    let c3 = w.call(q);
    assert_eq!(line(&w, q), vec![c1, c2]);
    let verbs: Vec<_> = w.events_of(c3).iter().map(|e| e.1).collect();
    assert_eq!(verbs, vec!["FULL", "OVERFLOW"]);
    assert_eq!(
        overflow_outputs(&w),
        vec![(
            1,
            c3,
            q,
            OverflowTrigger::MaxDepth,
            OverflowAction::Voicemail
        )]
    );
    // Room again once someone leaves.
    w.input(Input::CustomerLeft { interaction: c1 });
    let c4 = w.call(q);
    assert_eq!(line(&w, q), vec![c2, c4]);
    assert_eq!(w.events_of(c4)[0].1, "ENTERQUEUE");
}

#[test]
fn max_depth_without_a_link_hangs_up() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_depth: Some(1),
        ..Default::default()
    });
    w.call(q);
    let c2 = w.call(q);
    assert_eq!(
        overflow_outputs(&w),
        vec![(0, c2, q, OverflowTrigger::MaxDepth, OverflowAction::Hangup)]
    );
    assert!(w.router.interaction(c2).is_none());
}

#[test]
fn joinempty_refuses_when_nobody_is_there() {
    let cases = [
        (EmptyWhen::NoneLoggedIn, "logged out"),
        (EmptyWhen::NoneQualified, "unqualified"),
        (EmptyWhen::NoneUnpaused, "paused"),
    ];
    for (when, staffing) in cases {
        let mut w = World::new(1);
        let q = w.queue(QueueConfig {
            join_empty: when,
            overflow: vec![link(
                &[OverflowTrigger::NoAgents],
                OverflowAction::Announcement {
                    sound: "nobody".into(),
                },
            )],
            ..Default::default()
        });
        let a = w.agent(101, &[("lang:en", 1)]);
        w.member(a, q, 0);
        match staffing {
            "logged out" => {}
            "unqualified" => w.login(a),
            _ => {
                w.login(a);
                w.input(Input::Pause {
                    agent: a,
                    queue: Some(q),
                    reason: PauseReason::new("lunch"),
                });
            }
        }
        let c = w.join_with(q, Channel::Voice, &["lang:de"], 0);
        let verbs: Vec<_> = w.events_of(c).iter().map(|e| e.1).collect();
        assert_eq!(verbs, vec!["JOINEMPTY", "OVERFLOW"], "{when:?}");
        assert_eq!(overflow_outputs(&w).len(), 1);
        assert_eq!(overflow_outputs(&w)[0].3, OverflowTrigger::NoAgents);
        // With the right staffing the same caller joins.
        w.login(a);
        w.input(Input::Unpause {
            agent: a,
            queue: None,
        });
        let ok = w.join_with(q, Channel::Voice, &["lang:en"], 0);
        assert_eq!(w.events_of(ok)[0].1, "ENTERQUEUE", "{when:?}");
    }
}

#[test]
fn joinempty_never_lets_everyone_in() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let c = w.call(q);
    assert_eq!(w.events_of(c)[0].1, "ENTERQUEUE");
}

#[test]
fn leavewhenempty_sends_waiters_on_when_staffing_drops() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        leave_when_empty: EmptyWhen::NoneQualified,
        overflow: vec![link(
            &[OverflowTrigger::NoAgents],
            OverflowAction::Voicemail,
        )],
        ..Default::default()
    });
    let fr = w.agent(101, &[("lang:fr", 1)]);
    let en = w.agent(102, &[("lang:en", 1)]);
    for a in [fr, en] {
        w.member(a, q, 0);
        w.login(a);
    }
    w.make_busy(fr);
    w.make_busy(en);
    w.at(5);
    let c_en = w.join_with(q, Channel::Voice, &["lang:en"], 0);
    w.at(10);
    let c_fr = w.join_with(q, Channel::Voice, &["lang:fr"], 0);
    w.at(40);
    w.input(Input::Logout { agent: fr });
    let exits: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "EXITEMPTY")
        .map(|(t, e)| (t.as_secs(), e.interaction, e.kind.clone()))
        .collect();
    assert_eq!(
        exits,
        vec![(
            40,
            Some(c_fr),
            EventKind::ExitEmpty {
                position: 2,
                orig_position: 2,
                wait_secs: 30
            }
        )]
    );
    assert_eq!(
        overflow_outputs(&w),
        vec![(
            40,
            c_fr,
            q,
            OverflowTrigger::NoAgents,
            OverflowAction::Voicemail
        )]
    );
    assert_eq!(line(&w, q), vec![c_en]);
}

#[test]
fn max_busy_agents_caps_offers_and_resumes_when_one_frees() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_busy_agents: Some(1),
        ring_timeout_secs: 60,
        ..Default::default()
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    for a in [a1, a2] {
        w.member(a, q, 0);
        w.login(a);
    }
    let c1 = w.call(q);
    let c2 = w.call(q);
    assert_eq!(w.ringing().len(), 1, "cap 1: one offer out");
    let first = w.ringing()[0];
    w.answer(first);
    w.at(30);
    assert!(
        w.ringing().is_empty(),
        "the other agent is free but the cap is reached"
    );
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().agents_busy, 1);
    w.hang_up(c1);
    assert_eq!(w.ringing().len(), 1);
    assert_eq!(w.offers().last().unwrap().0, Time::from_secs(30));
    assert_eq!(w.offers().last().unwrap().2, c2);
}

#[test]
fn max_busy_agents_with_a_cap_link_overflows_at_join() {
    let mut w = World::new(1);
    let q2 = w.queue(QueueConfig::default());
    let q = w.queue(QueueConfig {
        max_busy_agents: Some(1),
        overflow: vec![link(
            &[OverflowTrigger::AgentCap],
            OverflowAction::Queue { queue: q2 },
        )],
        ..Default::default()
    });
    let a1 = w.agent(101, &[]);
    w.member(a1, q, 0);
    w.login(a1);
    let c1 = w.call(q);
    w.answer(a1);
    let c2 = w.call(q);
    assert_eq!(w.router.interaction(c2).unwrap().queue, q2);
    assert_eq!(
        w.router.interaction(c1).unwrap().state,
        InteractionState::Connected
    );
}

#[test]
fn chain_loops_end() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig {
        max_wait_secs: Some(10),
        overflow: vec![link(
            &[OverflowTrigger::MaxWait],
            OverflowAction::Queue { queue: q1 },
        )],
        ..Default::default()
    });
    w.input(Input::UpsertQueue(QueueConfig {
        id: q1,
        tenant: switchyard_testkit::TENANT,
        name: "loop-1".into(),
        max_wait_secs: Some(10),
        overflow: vec![link(
            &[OverflowTrigger::MaxWait],
            OverflowAction::Queue { queue: q2 },
        )],
        ..Default::default()
    }));
    let c = w.call(q1);
    w.at(1000);
    assert_eq!(w.router.interaction_count(), 0);
    let out = overflow_outputs(&w);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].3, OverflowTrigger::MaxWait);
    assert_eq!(out[0].4, OverflowAction::Hangup);
    assert!(out[0].0 <= 40, "ended at {}s", out[0].0);
    assert!(w.events_named("ENTERQUEUE").len() <= 4);
    let _ = c;
}

#[test]
fn a_long_chain_is_cut_by_the_hop_limit() {
    let mut w = World::new(1);
    let n = 12;
    let ids: Vec<QueueId> = (0..n).map(|k| QueueId(500 + k)).collect();
    for k in 0..n as usize {
        let overflow = if k + 1 < n as usize {
            vec![link(
                &[OverflowTrigger::MaxWait],
                OverflowAction::Queue { queue: ids[k + 1] },
            )]
        } else {
            vec![]
        };
        w.queue(QueueConfig {
            id: ids[k],
            max_wait_secs: Some(1),
            overflow,
            ..Default::default()
        });
    }
    let c = w.call(ids[0]);
    w.at(100);
    let entered = w
        .events_of(c)
        .iter()
        .filter(|e| e.1 == "ENTERQUEUE")
        .count();
    assert!(entered < n as usize, "cut before the end of the chain");
    let out = overflow_outputs(&w);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].4, OverflowAction::Hangup);
    assert_eq!(w.router.interaction_count(), 0);
}

#[test]
fn after_hours_loops_between_closed_queues_end_at_join() {
    use switchyard_core::schedule::Schedule;
    let closed = Schedule {
        time_zone: "UTC".into(),
        weekly: vec![],
        holidays: vec![],
    };
    let mut w = World::new(1);
    let q1 = QueueId(801);
    let q2 = QueueId(802);
    for (me, other) in [(q1, q2), (q2, q1)] {
        w.queue(QueueConfig {
            id: me,
            schedule: Some(closed.clone()),
            overflow: vec![link(
                &[OverflowTrigger::AfterHours],
                OverflowAction::Queue { queue: other },
            )],
            ..Default::default()
        });
    }
    let c = w.call(q1);
    let out = overflow_outputs(&w);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].1, out[0].3, out[0].4.clone()),
        (c, OverflowTrigger::AfterHours, OverflowAction::Hangup)
    );
}

#[test]
fn an_agent_already_busy_for_a_capped_queue_may_take_more_of_it() {
    // The cap counts agents, not interactions: an agent already holding a chat of the
    // queue does not raise the count by taking a second one; a free agent would.
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_busy_agents: Some(1),
        ring_timeout_secs: 60,
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let chat1 = w.join_with(q, Channel::Chat, &[], 0);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(chat1));
    w.answer(a);
    w.at(1);
    let b = w.agent(102, &[]);
    w.member(b, q, 0);
    w.login(b);
    let chat2 = w.join_with(q, Channel::Chat, &[], 0);
    assert_eq!(w.ringing_for(b), None, "b would be a second busy agent");
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(chat2));
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().agents_busy, 1);
}

#[test]
fn a_capped_queue_does_not_starve_the_agent_of_other_queues() {
    let mut w = World::new(1);
    let capped = w.queue(QueueConfig {
        max_busy_agents: Some(1),
        ring_timeout_secs: 60,
        ..Default::default()
    });
    let other = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    let b = w.agent(102, &[]);
    w.member(a, capped, 0);
    w.member(b, capped, 0);
    w.member(a, other, 0);
    w.login(b);
    // b holds the capped queue's only busy slot.
    let first = w.join_with(capped, Channel::Chat, &[], 0);
    w.answer(b);
    w.at(1);
    let blocked = w.join_with(capped, Channel::Chat, &[], 0);
    w.at(2);
    let elsewhere = w.join_with(other, Channel::Chat, &[], 0);
    w.at(3);
    w.login(a);
    assert_eq!(
        w.ringing_for(a).map(|x| x.1),
        Some(elsewhere),
        "the older capped chat must not block the other queue"
    );
    assert!(w.router.interaction(blocked).unwrap().position == Some(1));
    let _ = first;
}

#[test]
fn ringall_rings_no_more_new_agents_than_the_cap_allows() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: switchyard_core::config::Strategy::RingAll,
        max_busy_agents: Some(2),
        ..Default::default()
    });
    for id in 1..=4 {
        let a = w.agent(id, &[]);
        w.member(a, q, 0);
        w.login(a);
    }
    w.call(q);
    assert_eq!(
        w.ringing().len(),
        2,
        "cap 2: two legs, not four: {:?}",
        w.ringing()
    );
    let first = w.ringing()[0];
    w.answer(first);
    w.call(q);
    assert_eq!(
        w.ringing().len(),
        1,
        "one agent busy, room for one more: {:?}",
        w.ringing()
    );
}
