//! The Sales example of `lazymembers-app-queue.txt`, second by second, under the three
//! behaviours it describes: app_queue's default (stuck on penalty group 1), auto-pause,
//! and lazymembers.
//!
//! Queue "Sales", ringall; 101, 102, 103 in penalty 1; 111, 112, 113 in penalty 2;
//! ring timeout 20 s, retry 5 s, max wait 60 s. 101 and 102 are on other calls; 103
//! went to lunch without pausing and never answers; nobody in group 2 answers either.

use std::collections::BTreeSet;
use switchyard_core::config::{AutoPause, QueueConfig, Strategy};
use switchyard_core::{AgentId, AgentStatus};
use switchyard_router::Output;
use switchyard_testkit::World;

struct Sales {
    w: World,
    sales: switchyard_core::QueueId,
}

fn sales(tweak: impl FnOnce(&mut QueueConfig)) -> Sales {
    let mut w = World::new(7);
    let mut cfg = QueueConfig {
        name: "Sales".into(),
        strategy: Strategy::RingAll,
        ring_timeout_secs: 20,
        retry_secs: 5,
        max_wait_secs: Some(60),
        ..Default::default()
    };
    tweak(&mut cfg);
    let sales = w.queue(cfg);
    for (id, penalty) in [(101, 1), (102, 1), (103, 1), (111, 2), (112, 2), (113, 2)] {
        let a = w.agent(id, &[]);
        w.member(a, sales, penalty);
        w.login(a);
    }
    w.make_busy(AgentId(101));
    w.make_busy(AgentId(102));
    Sales { w, sales }
}

fn set(ids: &[u64]) -> BTreeSet<AgentId> {
    ids.iter().map(|&i| AgentId(i)).collect()
}

/// Expected ringing set for each second 0..=65, from (start, end, agents) spans.
fn expected(spans: &[(u64, u64, &[u64])]) -> Vec<(u64, BTreeSet<AgentId>)> {
    (0..=65)
        .map(|s| {
            let ringing = spans
                .iter()
                .find(|(a, b, _)| s >= *a && s < *b)
                .map(|(_, _, ids)| set(ids));
            (s, ringing.unwrap_or_default())
        })
        .collect()
}

fn exits_at_60(w: &World, caller: switchyard_core::InteractionId) {
    let exit: Vec<_> = w
        .events_of(caller)
        .into_iter()
        .filter(|e| e.1 == "EXITWITHTIMEOUT")
        .collect();
    assert_eq!(
        exit,
        vec![(60, "EXITWITHTIMEOUT", None)],
        "the caller leaves at max wait, to the failover"
    );
    assert!(
        w.overflows()
            .iter()
            .any(|o| matches!(o, Output::Overflow { interaction, .. } if *interaction == caller))
    );
}

#[test]
fn app_queue_default_stays_stuck_on_group_one() {
    let Sales { mut w, sales } = sales(|_| {});
    let caller = w.call(sales);
    let timeline = w.ring_timeline(0, 65);
    // 103 rings, times out, 5 s pause, rings again… group 2 is never tried.
    assert_eq!(
        timeline,
        expected(&[(0, 20, &[103]), (25, 45, &[103]), (50, 60, &[103])])
    );
    let rna: Vec<_> = w
        .events_of(caller)
        .into_iter()
        .filter(|e| e.1 == "RINGNOANSWER")
        .collect();
    assert_eq!(
        rna,
        vec![
            (20, "RINGNOANSWER", Some(AgentId(103))),
            (45, "RINGNOANSWER", Some(AgentId(103)))
        ]
    );
    assert!(
        !w.offer_order().iter().any(|a| a.0 >= 111),
        "penalty 2 must never ring"
    );
    exits_at_60(&w, caller);
}

#[test]
fn app_queue_default_rings_group_one_members_once_they_are_free() {
    let Sales { mut w, sales } = sales(|_| {});
    let caller = w.call(sales);
    w.at(30);
    // 101 finishes its other call while 103 is ringing: it joins at the next round.
    let other = w.router.agent(AgentId(101)).unwrap().active[0];
    w.hang_up(other);
    let timeline = w.ring_timeline(30, 65);
    let want: Vec<_> = expected(&[(25, 45, &[103]), (50, 60, &[101, 103])])
        .into_iter()
        .filter(|(s, _)| *s >= 30)
        .collect();
    assert_eq!(timeline, want);
    exits_at_60(&w, caller);
}

#[test]
fn auto_pause_moves_on_but_leaves_103_paused() {
    let Sales { mut w, sales } = sales(|c| {
        c.autopause = AutoPause {
            enabled: true,
            after_misses: 1,
            ..Default::default()
        }
    });
    let caller = w.call(sales);
    let timeline = w.ring_timeline(0, 65);
    // 103 misses once and is paused; after the retry delay group 2 rings; they miss
    // too and are paused in turn, so nobody rings after 45 s.
    assert_eq!(
        timeline,
        expected(&[(0, 20, &[103]), (25, 45, &[111, 112, 113])])
    );
    let pauses: Vec<_> = w.events().into_iter().filter(|e| e.1 == "PAUSE").collect();
    assert_eq!(
        pauses,
        vec![
            (20, "PAUSE", Some(AgentId(103))),
            (45, "PAUSE", Some(AgentId(111))),
            (45, "PAUSE", Some(AgentId(112))),
            (45, "PAUSE", Some(AgentId(113))),
        ]
    );
    exits_at_60(&w, caller);
    // The disadvantage the seed describes: 103 gets nothing more until someone unpauses it.
    assert_eq!(
        w.router.agent(AgentId(103)).unwrap().status,
        AgentStatus::Break
    );
    let next = w.call(sales);
    w.at(70);
    assert!(
        w.ringing().is_empty(),
        "every free member is paused: {:?}",
        w.ringing()
    );
    w.input(switchyard_router::Input::Unpause {
        agent: AgentId(103),
        queue: Some(sales),
    });
    assert_eq!(w.ringing_for(AgentId(103)).map(|r| r.1), Some(next));
}

#[test]
fn auto_pause_can_resume_by_itself() {
    let Sales { mut w, sales } = sales(|c| {
        c.autopause = AutoPause {
            enabled: true,
            after_misses: 1,
            resume_after_secs: Some(30),
            ..Default::default()
        }
    });
    w.call(sales);
    w.at(49);
    assert_eq!(
        w.router.agent(AgentId(103)).unwrap().status,
        AgentStatus::Break
    );
    w.at(50); // paused at 20, resumed at 50, and the caller is waiting again
    let unpause: Vec<_> = w
        .events()
        .into_iter()
        .filter(|e| e.1 == "UNPAUSE" && e.2 == Some(AgentId(103)))
        .collect();
    assert_eq!(unpause, vec![(50, "UNPAUSE", Some(AgentId(103)))]);
    assert_eq!(
        w.ringing(),
        vec![AgentId(103)],
        "resumed 103 is offered the waiting caller at once"
    );
}

#[test]
fn lazymembers_cascade_to_group_two_then_start_over() {
    let Sales { mut w, sales } = sales(|c| c.lazymembers = true);
    let caller = w.call(sales);
    let timeline = w.ring_timeline(0, 65);
    // 103 is skipped for this call after missing it; group 2 rings after the retry;
    // when group 2 misses too, the cycle starts over with group 1, 103 included.
    assert_eq!(
        timeline,
        expected(&[
            (0, 20, &[103]),
            (25, 45, &[111, 112, 113]),
            (50, 60, &[103])
        ])
    );
    assert!(
        w.events().iter().all(|e| e.1 != "PAUSE"),
        "lazymembers pauses nobody"
    );
    exits_at_60(&w, caller);
    // 103 is unavailable for that call only: the next caller rings it first.
    let next = w.call(sales);
    assert_eq!(w.ringing_for(AgentId(103)).map(|r| r.1), Some(next));
}

#[test]
fn lazymembers_group_two_answers() {
    let Sales { mut w, sales } = sales(|c| c.lazymembers = true);
    let caller = w.call(sales);
    w.at(30);
    assert_eq!(w.ringing(), vec![AgentId(111), AgentId(112), AgentId(113)]);
    w.answer(AgentId(112));
    assert_eq!(w.agent_of(caller), Some(AgentId(112)));
    assert!(
        w.ringing().is_empty(),
        "the other legs of the ringall are cancelled"
    );
    let canceled: Vec<_> = w
        .events_of(caller)
        .into_iter()
        .filter(|e| e.1 == "RINGCANCELED")
        .map(|e| e.2)
        .collect();
    assert_eq!(canceled, vec![Some(AgentId(111)), Some(AgentId(113))]);
}
