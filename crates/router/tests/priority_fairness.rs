//! Issue 2, item 8: priority before arrival; an agent serving several queues gets the
//! longest-waiting eligible interaction across all of them; priority changes keep the
//! arrival order within a priority.

use switchyard_core::config::QueueConfig;
use switchyard_core::{AgentId, Channel, InteractionId, QueueId};
use switchyard_router::Input;
use switchyard_testkit::World;

/// The agent answers and finishes whatever rings it, one after the other; returns the
/// interactions in the order it got them.
fn serve_all(w: &mut World, a: AgentId, n: usize) -> Vec<InteractionId> {
    let mut got = Vec::new();
    for _ in 0..n {
        let i = w.answer(a);
        got.push(i);
        w.advance(std::time::Duration::from_secs(10));
        w.hang_up(i);
    }
    got
}

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

#[test]
fn higher_priority_first_then_arrival() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let c1 = w.join_with(q, Channel::Voice, &[], 0);
    w.at(1);
    let c2 = w.join_with(q, Channel::Voice, &[], 0);
    w.at(2);
    let c3 = w.join_with(q, Channel::Voice, &[], 5);
    w.at(3);
    let c4 = w.join_with(q, Channel::Voice, &[], 5);
    w.at(4);
    let c5 = w.join_with(q, Channel::Voice, &[], 10);
    w.at(5);
    let c6 = w.join_with(q, Channel::Voice, &[], -1);
    assert_eq!(line(&w, q), vec![c5, c3, c4, c1, c2, c6]);
    let positions: Vec<_> = [c5, c3, c4, c1, c2, c6]
        .iter()
        .map(|i| w.router.interaction(*i).unwrap().position.unwrap())
        .collect();
    assert_eq!(positions, vec![1, 2, 3, 4, 5, 6]);
    w.at(10);
    w.login(a);
    assert_eq!(serve_all(&mut w, a, 6), vec![c5, c3, c4, c1, c2, c6]);
}

#[test]
fn a_free_agent_takes_the_longest_waiting_across_its_queues() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let q3 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    for q in [q1, q2, q3] {
        w.member(a, q, 0);
    }
    let x2 = w.call(q2);
    w.at(1);
    let x1 = w.call(q1);
    w.at(2);
    let x3 = w.call(q3);
    w.at(3);
    let y2 = w.call(q2);
    w.at(4);
    let y1 = w.call(q1);
    w.at(5);
    w.login(a);
    assert_eq!(serve_all(&mut w, a, 5), vec![x2, x1, x3, y2, y1]);
}

#[test]
fn across_queues_priority_still_comes_first() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    let old = w.call(q1);
    w.at(30);
    let vip = w.join_with(q2, Channel::Voice, &[], 3);
    w.at(31);
    w.login(a);
    assert_eq!(serve_all(&mut w, a, 2), vec![vip, old]);
}

#[test]
fn the_longest_waiting_it_cannot_serve_is_skipped() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[("lang:en", 1)]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    let de = w.join_with(q1, Channel::Voice, &["lang:de"], 0);
    w.at(1);
    let en = w.join_with(q2, Channel::Voice, &["lang:en"], 0);
    w.at(2);
    let plain = w.call(q1);
    w.at(3);
    w.login(a);
    assert_eq!(serve_all(&mut w, a, 2), vec![en, plain]);
    assert_eq!(w.router.interaction(de).unwrap().position, Some(1));
}

#[test]
fn a_paused_queue_does_not_feed_the_agent() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    w.input(Input::Pause {
        agent: a,
        queue: Some(q1),
        reason: switchyard_core::PauseReason::new("coaching"),
    });
    let old = w.call(q1);
    w.at(5);
    let new = w.call(q2);
    w.login(a);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(new));
    assert!(w.router.interaction(old).unwrap().position.is_some());
}

#[test]
fn priority_changes_keep_arrival_order_within_a_priority() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let c: Vec<_> = (0..4)
        .map(|s| {
            w.at(s);
            w.call(q)
        })
        .collect();
    assert_eq!(line(&w, q), c);
    w.at(10);
    w.input(Input::SetPriority {
        interaction: c[2],
        priority: 5,
    });
    assert_eq!(line(&w, q), vec![c[2], c[0], c[1], c[3]]);
    w.at(11);
    // Raised later, but arrived earlier: ahead of c2 within priority 5.
    w.input(Input::SetPriority {
        interaction: c[0],
        priority: 5,
    });
    assert_eq!(line(&w, q), vec![c[0], c[2], c[1], c[3]]);
    // Back to normal: the original place, not the end of the line.
    w.input(Input::SetPriority {
        interaction: c[2],
        priority: 0,
    });
    assert_eq!(line(&w, q), vec![c[0], c[1], c[2], c[3]]);
    let arrived: Vec<_> = c
        .iter()
        .map(|i| w.router.interaction(*i).unwrap().arrived.as_secs())
        .collect();
    assert_eq!(arrived, vec![0, 1, 2, 3]);
    // And the agent serves that order.
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    assert_eq!(serve_all(&mut w, a, 4), vec![c[0], c[1], c[2], c[3]]);
}
