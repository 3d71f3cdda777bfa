//! Each strategy's order of offers, in one penalty group of four members added in
//! the order 1, 2, 3, 4.

use std::collections::BTreeMap;
use std::time::Duration;
use switchyard_core::config::{Membership, QueueConfig, Strategy};
use switchyard_core::{AgentId, QueueId};
use switchyard_router::Input;
use switchyard_testkit::World;

fn world(strategy: Strategy, seed: u64) -> (World, QueueId, Vec<AgentId>) {
    let mut w = World::new(seed);
    let q = w.queue(QueueConfig {
        strategy,
        ring_timeout_secs: 10,
        retry_secs: 0,
        ..Default::default()
    });
    let agents: Vec<_> = (1..=4).map(|i| w.agent(i, &[])).collect();
    for &a in &agents {
        w.member(a, q, 0);
    }
    for &a in &agents {
        w.login(a);
        w.advance(Duration::from_secs(1));
    }
    (w, q, agents)
}

/// A call that the single ringing agent answers and finishes after `talk` seconds.
fn serve(w: &mut World, q: QueueId, talk: u64) -> AgentId {
    let i = w.call(q);
    let ringing = w.ringing();
    assert_eq!(ringing.len(), 1, "one agent rings at a time: {ringing:?}");
    w.answer(ringing[0]);
    w.advance(Duration::from_secs(talk));
    w.hang_up(i);
    w.advance(Duration::from_secs(1));
    ringing[0]
}

fn ids(v: &[AgentId]) -> Vec<u64> {
    v.iter().map(|a| a.0).collect()
}

#[test]
fn ringall_rings_the_whole_group_at_once() {
    let (mut w, q, agents) = world(Strategy::RingAll, 1);
    w.call(q);
    assert_eq!(w.ringing(), agents);
}

#[test]
fn linear_always_starts_from_the_top() {
    let (mut w, q, _) = world(Strategy::Linear, 1);
    let served: Vec<_> = (0..3).map(|_| serve(&mut w, q, 5)).collect();
    assert_eq!(ids(&served), vec![1, 1, 1]);
    // With 1 busy, 2 is next; with 1 and 2 busy, 3.
    w.call(q);
    w.answer(AgentId(1));
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(2)]);
    w.answer(AgentId(2));
    w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(3)]);
}

#[test]
fn rrmemory_continues_after_the_last_member_offered() {
    let (mut w, q, _) = world(Strategy::RrMemory, 1);
    let served: Vec<_> = (0..6).map(|_| serve(&mut w, q, 5)).collect();
    assert_eq!(ids(&served), vec![1, 2, 3, 4, 1, 2]);
}

#[test]
fn round_robin_rounds_ignore_the_outcome_of_an_offer() {
    let (mut w, q, _) = world(Strategy::RoundRobin, 1);
    // 1 is offered first and rejects: it has had its turn in this round, so the same
    // call goes to 2; then 3 and 4 get theirs before the round starts over with 1.
    let i = w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(1)]);
    w.reject(AgentId(1));
    assert_eq!(w.ringing(), vec![AgentId(2)]);
    w.answer(AgentId(2));
    w.hang_up(i);
    let served: Vec<_> = (0..5).map(|_| serve(&mut w, q, 5)).collect();
    assert_eq!(ids(&served), vec![3, 4, 1, 2, 3]);
    assert_eq!(ids(&w.offer_order()), vec![1, 2, 3, 4, 1, 2, 3]);
}

#[test]
fn least_calls_counts_handled_calls_only() {
    let (mut w, q, _) = world(Strategy::LeastCalls, 1);
    // Ties go by member order: 1, 2, 3, 4 each handle one.
    let served: Vec<_> = (0..4).map(|_| serve(&mut w, q, 5)).collect();
    assert_eq!(ids(&served), vec![1, 2, 3, 4]);
    // 1 keeps rejecting: it still has the fewest handled (tied, first in order), so
    // it keeps being offered — the caveat Qubicle documents — until it handles one.
    let i = w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(1)]);
    w.reject(AgentId(1));
    assert_eq!(
        w.ringing(),
        vec![AgentId(1)],
        "rejecting does not change the handled count"
    );
    w.answer(AgentId(1));
    w.hang_up(i);
    assert_eq!(serve(&mut w, q, 5), AgentId(2));
}

#[test]
fn least_offers_counts_every_offer() {
    let (mut w, q, _) = world(Strategy::LeastOffers, 1);
    let i = w.call(q);
    assert_eq!(w.ringing(), vec![AgentId(1)]);
    w.reject(AgentId(1)); // 1 has one offer now
    assert_eq!(w.ringing(), vec![AgentId(2)]);
    w.answer(AgentId(2));
    w.hang_up(i);
    // 3 and 4 have none; then 1 and 2 are tied with 3 and 4 again.
    let served: Vec<_> = (0..4).map(|_| serve(&mut w, q, 5)).collect();
    assert_eq!(ids(&served), vec![3, 4, 1, 2]);
}

#[test]
fn fewest_talk_time_prefers_the_least_talked() {
    let (mut w, q, _) = world(Strategy::FewestTalkTime, 1);
    // 1 talks 100 s, 2 talks 10 s, 3 talks 50 s, 4 talks 30 s.
    for talk in [100, 10, 50, 30] {
        serve(&mut w, q, talk);
    }
    let served: Vec<_> = (0..4).map(|_| serve(&mut w, q, 1)).collect();
    // 2 (10 s) then 2 again (11 s) before 4 (30 s)…
    assert_eq!(ids(&served), vec![2, 2, 2, 2]);
    let next = (0..30).map(|_| serve(&mut w, q, 1)).collect::<Vec<_>>();
    assert!(
        next.contains(&AgentId(4)) && !next.contains(&AgentId(1)),
        "1 has the most talk time: {next:?}"
    );
}

#[test]
fn longest_idle_picks_who_has_waited_longest_since_their_last_call() {
    let (mut w, q, _) = world(Strategy::LongestIdle, 1);
    // Logged in at 0, 1, 2, 3 s: 1 has been idle longest.
    assert_eq!(serve(&mut w, q, 5), AgentId(1)); // 1 is now the most recently idle
    assert_eq!(serve(&mut w, q, 5), AgentId(2));
    assert_eq!(serve(&mut w, q, 5), AgentId(3));
    assert_eq!(serve(&mut w, q, 5), AgentId(4));
    assert_eq!(serve(&mut w, q, 5), AgentId(1));
}

#[test]
fn random_is_uniform_and_reproducible_from_the_seed() {
    let run = |seed| {
        let (mut w, q, _) = world(Strategy::Random, seed);
        (0..400).map(|_| serve(&mut w, q, 1)).collect::<Vec<_>>()
    };
    let a = run(42);
    assert_eq!(a, run(42), "same seed, same choices");
    assert_ne!(a, run(43), "another seed, other choices");
    let mut counts = BTreeMap::new();
    for x in &a {
        *counts.entry(*x).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 4);
    assert!(
        counts.values().all(|&c| (60..=140).contains(&c)),
        "roughly 100 each: {counts:?}"
    );
}

#[test]
fn weighted_random_follows_the_weights() {
    let (mut w, q, agents) = world(Strategy::WeightedRandom, 9);
    for (a, weight) in agents.iter().zip([1, 1, 1, 5]) {
        w.input(Input::UpsertMember(Membership {
            agent: *a,
            queue: q,
            penalty: 0,
            weight,
        }));
    }
    let mut counts = BTreeMap::new();
    for _ in 0..800 {
        *counts.entry(serve(&mut w, q, 1)).or_insert(0) += 1;
    }
    // Expected 100, 100, 100, 500.
    assert!((350..=650).contains(&counts[&AgentId(4)]), "{counts:?}");
    for a in 1..=3 {
        assert!((40..=170).contains(&counts[&AgentId(a)]), "{counts:?}");
    }
}

#[test]
fn strategies_do_not_offer_a_ringing_agent_twice() {
    for s in Strategy::ALL {
        let (mut w, q, _) = world(s, 3);
        w.call(q);
        w.call(q);
        let offers = w.offer_order();
        let mut sorted = offers.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            offers.len(),
            "{s:?} offered an agent twice: {offers:?}"
        );
        let expect = if s == Strategy::RingAll { 4 } else { 2 };
        assert_eq!(offers.len(), expect, "{s:?}: {offers:?}");
    }
}
