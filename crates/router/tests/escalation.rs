//! Issue 2, item 9: escalation over waiting time widens the penalty window, drops a
//! named skill or raises the priority, without losing the place in line.

use switchyard_core::config::{EscalationStep, QueueConfig, Strategy};
use switchyard_core::{Channel, EventKind, InteractionId, QueueId, Skill, Time};
use switchyard_testkit::World;

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

fn kinds_of(w: &World, i: InteractionId) -> Vec<(u64, EventKind)> {
    w.router_events()
        .into_iter()
        .filter(|(_, e)| e.interaction == Some(i))
        .map(|(t, e)| (t.as_secs(), e.kind.clone()))
        .collect()
}

#[test]
fn widening_the_penalty_window_reaches_the_next_group_at_the_step() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        max_penalty: Some(0),
        escalation: vec![
            EscalationStep {
                after_secs: 30,
                max_penalty: Some(5),
                ..Default::default()
            },
            EscalationStep {
                after_secs: 60,
                max_penalty: Some(10),
                ..Default::default()
            },
        ],
        ring_timeout_secs: 100,
        ..Default::default()
    });
    let first = w.agent(101, &[]);
    let second = w.agent(105, &[]);
    let third = w.agent(110, &[]);
    w.member(first, q, 0);
    w.member(second, q, 5);
    w.member(third, q, 10);
    for a in [first, second, third] {
        w.login(a);
    }
    w.make_busy(first);
    w.make_busy(second);
    let c = w.call(q);
    w.at(29);
    assert!(w.ringing_for(third).is_none() && w.ringing_for(second).is_none());
    assert!(
        w.offers().iter().all(|o| o.2 != c),
        "penalty 5 and 10 are outside the window"
    );
    w.at(30);
    assert!(
        w.offers().iter().all(|o| o.2 != c),
        "group 5 is busy; 10 is still outside"
    );
    w.at(59);
    assert!(w.offers().iter().all(|o| o.2 != c));
    w.at(60);
    assert_eq!(w.ringing_for(third).map(|x| x.1), Some(c));
    let esc: Vec<_> = kinds_of(&w, c)
        .into_iter()
        .filter(|(_, k)| matches!(k, EventKind::Escalate { .. }))
        .collect();
    assert_eq!(
        esc,
        vec![
            (30, EventKind::Escalate { step: 0 }),
            (60, EventKind::Escalate { step: 1 })
        ]
    );
}

#[test]
fn a_free_agent_of_the_widened_group_gets_it_at_the_step() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_penalty: Some(0),
        escalation: vec![EscalationStep {
            after_secs: 20,
            max_penalty: Some(3),
            ..Default::default()
        }],
        ..Default::default()
    });
    let backup = w.agent(103, &[]);
    w.member(backup, q, 3);
    w.login(backup);
    let c = w.call(q);
    w.at(19);
    assert!(w.offers().is_empty());
    w.at(20);
    assert_eq!(w.offers().len(), 1);
    assert_eq!(
        (w.offers()[0].0, w.offers()[0].1, w.offers()[0].2),
        (Time::from_secs(20), backup, c)
    );
}

#[test]
fn raising_min_penalty_skips_the_first_group() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        ring_timeout_secs: 10,
        retry_secs: 0,
        escalation: vec![EscalationStep {
            after_secs: 15,
            min_penalty: Some(1),
            max_penalty: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    });
    let g0 = w.agent(100, &[]);
    let g1 = w.agent(101, &[]);
    w.member(g0, q, 0);
    w.member(g1, q, 1);
    w.login(g0);
    w.login(g1);
    w.make_busy(g1);
    w.call(q);
    assert_eq!(w.ringing(), vec![g0]);
    w.at(10); // no answer; offered to g0 again at 10 (retry 0)
    assert_eq!(w.ringing(), vec![g0]);
    w.at(20); // after the step, g0 is outside [1, 1]; g1 is busy
    assert!(w.ringing().is_empty());
    w.at(60);
    assert!(w.offers().iter().filter(|o| o.1 == g0).count() == 2);
}

#[test]
fn dropping_a_skill_lets_a_generalist_take_it() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        escalation: vec![EscalationStep {
            after_secs: 45,
            drop_skills: vec![Skill::new("lang:fr")],
            ..Default::default()
        }],
        ..Default::default()
    });
    let generalist = w.agent(101, &[("support", 1)]);
    w.member(generalist, q, 0);
    w.login(generalist);
    let c = w.join_with(q, Channel::Voice, &["lang:fr", "support"], 0);
    w.at(44);
    assert!(w.offers().is_empty());
    w.at(45);
    assert_eq!(w.ringing_for(generalist).map(|x| x.1), Some(c));
    // Only the named skill was dropped: "support" is still required.
    let c2 = w.join_with(q, Channel::Voice, &["lang:fr", "billing"], 0);
    w.answer(generalist);
    w.hang_up(c);
    w.at(200);
    assert!(w.offers().iter().all(|o| o.2 != c2));
}

#[test]
fn raising_priority_overtakes_without_changing_arrival() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        escalation: vec![EscalationStep {
            after_secs: 20,
            raise_priority: 2,
            ..Default::default()
        }],
        ..Default::default()
    });
    let c1 = w.call(q); // p0 at 0
    w.at(10);
    let c2 = w.join_with(q, Channel::Voice, &[], 1); // p1 at 10
    assert_eq!(line(&w, q), vec![c2, c1]);
    w.at(20); // c1 -> p2
    assert_eq!(line(&w, q), vec![c1, c2]);
    assert_eq!(w.router.interaction(c1).unwrap().priority, 2);
    w.at(30); // c2 -> p3
    assert_eq!(line(&w, q), vec![c2, c1]);
    let pr: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "PRIORITY")
        .map(|(t, e)| (t.as_secs(), e.interaction, e.kind.clone()))
        .collect();
    assert_eq!(
        pr,
        vec![
            (20, Some(c1), EventKind::Priority { priority: 2 }),
            (30, Some(c2), EventKind::Priority { priority: 3 })
        ]
    );
    assert_eq!(w.router.interaction(c1).unwrap().arrived, Time::ZERO);
    assert_eq!(
        w.router.interaction(c2).unwrap().arrived,
        Time::from_secs(10)
    );
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c2));
}

#[test]
fn equal_escalations_keep_the_order_of_arrival() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        escalation: vec![
            EscalationStep {
                after_secs: 10,
                raise_priority: 1,
                ..Default::default()
            },
            EscalationStep {
                after_secs: 20,
                raise_priority: 1,
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    let c: Vec<_> = (0..3)
        .map(|s| {
            w.at(s);
            w.call(q)
        })
        .collect();
    let late = {
        w.at(12);
        w.call(q)
    };
    w.at(13);
    // c0..c2 have priority 1 now, `late` 0.
    assert_eq!(line(&w, q), vec![c[0], c[1], c[2], late]);
    w.at(50);
    // Everyone escalated twice: back to arrival order.
    assert_eq!(line(&w, q), vec![c[0], c[1], c[2], late]);
    for i in c.iter().chain([&late]) {
        assert_eq!(w.router.interaction(*i).unwrap().priority, 2);
    }
    let steps = w.events_named("ESCALATE").len();
    assert_eq!(steps, 8);
}

#[test]
fn escalation_while_ringing_keeps_the_offer() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        ring_timeout_secs: 30,
        escalation: vec![EscalationStep {
            after_secs: 5,
            raise_priority: 1,
            ..Default::default()
        }],
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    w.at(6);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
    assert_eq!(w.events_named("ESCALATE").len(), 1);
    w.answer(a);
    assert_eq!(w.agent_of(c), Some(a));
}

#[test]
fn a_caller_turned_callback_by_max_wait_is_not_escalated_twice() {
    use switchyard_core::config::{OverflowAction, OverflowLink, OverflowTrigger};
    use switchyard_router::Input;
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(30),
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::MaxWait],
            action: OverflowAction::Callback,
        }],
        escalation: vec![EscalationStep {
            after_secs: 10,
            raise_priority: 5,
            ..Default::default()
        }],
        ..Default::default()
    });
    let c0 = w.call(q);
    w.at(1);
    w.input(Input::RequestCallback {
        interaction: c0,
        number: "+15550001111".into(),
    });
    w.at(2);
    let c1 = w.call(q);
    w.at(100);
    // Both escalated once; c1 became a callback at 32 and stays behind c0.
    assert_eq!(w.router.interaction(c0).unwrap().priority, 5);
    assert_eq!(w.router.interaction(c1).unwrap().priority, 5);
    assert_eq!(line(&w, q), vec![c0, c1]);
    assert_eq!(w.events_named("ESCALATE").len(), 2);
}
