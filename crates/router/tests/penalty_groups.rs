//! Penalty groups with app_queue semantics: the lowest group with an available,
//! qualified member is used; a higher group only when every member of the lower
//! groups is unavailable for this interaction.

use switchyard_core::config::{QueueConfig, Strategy};
use switchyard_core::{AgentId, Channel, PauseReason};
use switchyard_router::Input;
use switchyard_testkit::World;

fn world(strategy: Strategy) -> (World, switchyard_core::QueueId) {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy,
        ring_timeout_secs: 15,
        retry_secs: 5,
        ..Default::default()
    });
    for (id, penalty) in [(1, 0), (2, 0), (10, 1), (11, 1), (20, 5)] {
        let a = w.agent(id, &[("lang:en", 5)]);
        w.member(a, q, penalty);
        w.login(a);
    }
    (w, q)
}

#[test]
fn the_lowest_group_is_tried_first_for_every_strategy() {
    for s in switchyard_core::config::Strategy::ALL {
        let (mut w, q) = world(s);
        w.call(q);
        let ringing = w.ringing();
        assert!(
            !ringing.is_empty() && ringing.iter().all(|a| a.0 < 10),
            "{s:?} rang {ringing:?}"
        );
    }
}

#[test]
fn a_higher_group_only_when_the_lower_ones_are_unavailable() {
    let (mut w, q) = world(Strategy::RingAll);
    w.make_busy(AgentId(1));
    w.input(Input::Pause {
        agent: AgentId(2),
        queue: None,
        reason: PauseReason::new("break"),
    });
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(10), AgentId(11)]);
    w.answer(AgentId(11));
    // Group 1 has 10 left; group 5 is not reached while 10 is free.
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(10)]);
    w.answer(AgentId(10));
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(20)]);
}

#[test]
fn a_lower_group_member_who_frees_up_takes_the_next_caller() {
    let (mut w, q) = world(Strategy::LongestIdle);
    let busy = w.make_busy(AgentId(1));
    w.make_busy(AgentId(2));
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(10)]);
    w.answer(AgentId(10));
    w.hang_up(busy); // 1 is free again
    w.call(q);
    assert_eq!(
        w.ringing(),
        vec![AgentId(1)],
        "group 0 before group 1 again"
    );
}

#[test]
fn unqualified_lower_members_do_not_hold_the_call() {
    let (mut w, q) = world(Strategy::RingAll);
    let fr = w.agent(30, &[("lang:fr", 5)]);
    w.member(fr, q, 3);
    w.login(fr);
    // Only 30 speaks French: groups 0, 1 (English only) are skipped for this caller.
    w.join_with(q, Channel::Voice, &["lang:fr"], 0);
    assert_eq!(w.ringing(), vec![fr]);
}

#[test]
fn a_penalty_window_keeps_higher_groups_out() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        max_penalty: Some(1),
        ..Default::default()
    });
    let far = w.agent(20, &[]);
    w.member(far, q, 5);
    w.login(far);
    w.call(q);
    assert!(
        w.ringing().is_empty(),
        "penalty 5 is outside the window 0..=1"
    );
    let near = w.agent(1, &[]);
    w.member(near, q, 1);
    w.login(near);
    assert_eq!(w.ringing(), vec![near]);
}
