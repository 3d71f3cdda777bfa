//! Issue 2, item 2: an agent qualifies only with every skill the queue and the
//! interaction require, at the minimum levels asked; unqualified agents are never
//! offered, and a qualified agent who logs in later gets the work.

use std::collections::BTreeSet;
use switchyard_core::config::{QueueConfig, Strategy};
use switchyard_core::{AgentId, Channel, SkillReq};
use switchyard_testkit::World;

fn offered_agents(w: &World) -> BTreeSet<AgentId> {
    w.offers().iter().map(|o| o.1).collect()
}

#[test]
fn agent_needs_the_queue_skills_and_the_interaction_skills() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        required_skills: vec![SkillReq::any("billing")],
        ..Default::default()
    });
    let only_queue = w.agent(101, &[("billing", 5)]);
    let only_own = w.agent(102, &[("lang:fr", 5)]);
    let both = w.agent(103, &[("billing", 1), ("lang:fr", 1)]);
    let neither = w.agent(104, &[("lang:en", 9)]);
    for a in [only_queue, only_own, both, neither] {
        w.member(a, q, 0);
        w.login(a);
    }
    let c = w.join_with(q, Channel::Voice, &["lang:fr"], 0);
    assert_eq!(w.ringing(), vec![both]);
    assert_eq!(w.ringing_for(both).map(|x| x.1), Some(c));
    // Without the interaction skill, every billing agent qualifies.
    w.answer(both);
    w.call(q);
    assert_eq!(w.ringing(), vec![only_queue]);
    assert!(!offered_agents(&w).contains(&neither));
    assert!(!offered_agents(&w).contains(&only_own));
}

#[test]
fn minimum_levels_apply_to_queue_and_interaction_requirements() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        required_skills: vec![SkillReq::at_least("billing", 5)],
        ..Default::default()
    });
    let low = w.agent(101, &[("billing", 4), ("lang:fr", 9)]);
    let fr_low = w.agent(102, &[("billing", 5), ("lang:fr", 6)]);
    let ok = w.agent(103, &[("billing", 5), ("lang:fr", 7)]);
    let unspecified = w.agent(104, &[("billing", 0), ("lang:fr", 10)]);
    for a in [low, fr_low, ok, unspecified] {
        w.member(a, q, 0);
        w.login(a);
    }
    // The interaction asks fr >= 7; the queue billing >= 5.
    let c = w.join_req(q, Channel::Voice, vec![SkillReq::at_least("lang:fr", 7)], 0);
    assert_eq!(w.ringing(), vec![ok]);
    assert_eq!(w.ringing_for(ok).map(|x| x.1), Some(c));
    // A plain call only needs billing >= 5: fr_low qualifies too.
    w.answer(ok);
    w.call(q);
    assert_eq!(w.ringing(), vec![fr_low]);
}

#[test]
fn duplicate_requirements_keep_the_strictest_minimum() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        required_skills: vec![SkillReq::at_least("lang:fr", 3)],
        ..Default::default()
    });
    let fr5 = w.agent(101, &[("lang:fr", 5)]);
    w.member(fr5, q, 0);
    w.login(fr5);
    let strict = w.join_req(q, Channel::Voice, vec![SkillReq::at_least("lang:fr", 8)], 0);
    w.at(30);
    assert!(w.offers().is_empty(), "fr 5 < 8");
    let fr9 = w.agent(102, &[("lang:fr", 9)]);
    w.member(fr9, q, 0);
    w.login(fr9);
    assert_eq!(w.ringing_for(fr9).map(|x| x.1), Some(strict));
    assert_eq!(w.ringing(), vec![fr9]);
}

#[test]
fn unqualified_agents_are_never_offered_and_a_qualified_login_gets_it() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        ring_timeout_secs: 10,
        retry_secs: 2,
        ..Default::default()
    });
    let u1 = w.agent(101, &[("lang:en", 10)]);
    let u2 = w.agent(102, &[]);
    for a in [u1, u2] {
        w.member(a, q, 0);
        w.login(a);
    }
    let c = w.join_with(q, Channel::Chat, &["lang:de"], 0);
    // Ten minutes with free but unqualified agents: no offer at all.
    w.at(600);
    assert!(w.offers().is_empty());
    assert_eq!(w.router.interaction(c).unwrap().position, Some(1));
    let de = w.agent(103, &[("lang:de", 1)]);
    w.member(de, q, 0);
    w.at(700);
    assert!(w.offers().is_empty(), "member but logged out");
    w.login(de);
    let offers = w.offers();
    assert_eq!(offers.len(), 1);
    assert_eq!(
        (offers[0].0.as_secs(), offers[0].1, offers[0].2),
        (700, de, c)
    );
}

#[test]
fn a_free_agent_skips_waiters_it_cannot_serve() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let a = w.agent(101, &[("lang:en", 5)]);
    w.member(a, q, 0);
    let de = w.join_with(q, Channel::Voice, &["lang:de"], 0);
    w.at(5);
    let en = w.join_with(q, Channel::Voice, &["lang:en"], 0);
    w.at(10);
    w.login(a);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(en));
    w.answer(a);
    // The German caller is still first in line, untouched.
    assert_eq!(w.router.interaction(de).unwrap().position, Some(1));
}

#[test]
fn a_queue_skill_shared_by_the_interaction_is_not_counted_twice() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        required_skills: vec![SkillReq::any("support")],
        ..Default::default()
    });
    let a = w.agent(101, &[("support", 2)]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.join_with(q, Channel::Voice, &["support"], 0);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
}
