//! Issue 2, item 12: in a pull-mode queue nothing is pushed; agents claim the best
//! eligible interaction themselves (priority, then arrival; skills and capacity apply).

use switchyard_core::config::{Capacity, QueueConfig};
use switchyard_core::{AgentId, Channel, EventKind, QueueId, Time};
use switchyard_router::{Error, Input, InteractionState, Output};
use switchyard_testkit::World;

fn pull() -> QueueConfig {
    QueueConfig {
        pull_mode: true,
        ..Default::default()
    }
}

fn connects(
    w: &World,
) -> Vec<(
    u64,
    switchyard_core::InteractionId,
    AgentId,
    QueueId,
    Channel,
)> {
    w.log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Connect {
                interaction,
                agent,
                queue,
                channel,
            } => Some((t.as_secs(), *interaction, *agent, *queue, *channel)),
            _ => None,
        })
        .collect()
}

fn claim(w: &mut World, a: AgentId, q: Option<QueueId>) -> Option<switchyard_core::InteractionId> {
    let now = w.now;
    let got = w.router.claim(now, a, q).expect("claim");
    while let Some(o) = w.router.poll_output() {
        w.log.push((now, o));
    }
    got
}

#[test]
fn nothing_is_pushed_in_a_pull_queue() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let calls: Vec<_> = (0..3).map(|_| w.call(q)).collect();
    w.at(300);
    assert!(w.offers().is_empty());
    for c in &calls {
        assert_eq!(
            w.router.interaction(*c).unwrap().state,
            InteractionState::Waiting
        );
    }
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().waiting, 3);
}

#[test]
fn a_claim_connects_the_best_waiting_interaction() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let first = w.call(q);
    w.at(5);
    let vip = w.join_with(q, Channel::Voice, &[], 2);
    w.at(9);
    assert_eq!(claim(&mut w, a, None), Some(vip));
    assert_eq!(connects(&w), vec![(9, vip, a, q, Channel::Voice)]);
    let connect: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "CONNECT")
        .map(|(_, e)| e.kind.clone())
        .collect();
    assert_eq!(
        connect,
        vec![EventKind::Connect {
            hold_secs: 4,
            bridged: vip,
            ring_secs: 0
        }]
    );
    assert_eq!(w.router.interaction(vip).unwrap().agent, Some(a));
    assert_eq!(w.router.interaction(first).unwrap().position, Some(1));
    // Done, then the next one.
    w.at(60);
    w.hang_up(vip);
    assert_eq!(claim(&mut w, a, None), Some(first));
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().waiting, 0);
    assert!(w.offers().is_empty());
}

#[test]
fn claims_respect_skills() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent(101, &[("lang:en", 1)]);
    w.member(a, q, 0);
    w.login(a);
    let de = w.join_with(q, Channel::Voice, &["lang:de"], 5);
    let en = w.join_with(q, Channel::Voice, &["lang:en"], 0);
    assert_eq!(claim(&mut w, a, None), Some(en));
    w.hang_up(en);
    assert_eq!(claim(&mut w, a, None), None);
    assert_eq!(w.router.interaction(de).unwrap().position, Some(1));
}

#[test]
fn nothing_to_claim_is_none_and_says_nothing() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let before = w.output_count();
    assert_eq!(claim(&mut w, a, None), None);
    assert_eq!(claim(&mut w, a, Some(q)), None);
    assert_eq!(w.output_count(), before);
}

#[test]
fn claim_misuse_is_an_error() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let other = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let c = w.call(q);
    let now = w.now;
    assert!(matches!(
        w.router.claim(now, a, None),
        Err(Error::InvalidState { .. })
    ));
    w.login(a);
    assert_eq!(
        w.router.claim(now, a, Some(other)),
        Err(Error::NotMember {
            agent: a,
            queue: other
        })
    );
    assert_eq!(
        w.router.claim(now, AgentId(999), None),
        Err(Error::UnknownAgent(AgentId(999)))
    );
    assert_eq!(
        w.router.interaction(c).unwrap().state,
        InteractionState::Waiting
    );
    assert!(w.router.poll_output().is_none());
}

#[test]
fn the_claim_input_does_the_same() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.join_with(q, Channel::Chat, &[], 0);
    w.at(3);
    w.input(Input::Claim {
        agent: a,
        queue: Some(q),
    });
    assert_eq!(connects(&w), vec![(3, c, a, q, Channel::Chat)]);
    assert_eq!(w.agent_of(c), Some(a));
}

#[test]
fn claims_respect_capacity() {
    let mut w = World::new(1);
    let q = w.queue(pull());
    let a = w.agent_with(
        101,
        &[],
        Capacity {
            voice: 1,
            chat: 2,
            voice_blocks_chat: false,
        },
    );
    w.member(a, q, 0);
    w.login(a);
    let v1 = w.call(q);
    let v2 = w.call(q);
    let ch: Vec<_> = (0..3)
        .map(|_| w.join_with(q, Channel::Chat, &[], 0))
        .collect();
    assert_eq!(claim(&mut w, a, None), Some(v1));
    // The oldest left is v2, but the voice capacity is used: chats come next.
    assert_eq!(claim(&mut w, a, None), Some(ch[0]));
    assert_eq!(claim(&mut w, a, None), Some(ch[1]));
    assert_eq!(claim(&mut w, a, None), None);
    w.hang_up(v1);
    assert_eq!(claim(&mut w, a, None), Some(v2));
}

#[test]
fn claims_can_be_limited_to_one_queue() {
    let mut w = World::new(1);
    let q1 = w.queue(pull());
    let q2 = w.queue(pull());
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    w.login(a);
    let old = w.call(q1);
    w.at(10);
    let new = w.call(q2);
    assert_eq!(claim(&mut w, a, Some(q2)), Some(new));
    w.hang_up(new);
    assert_eq!(claim(&mut w, a, None), Some(old));
}

#[test]
fn pull_and_push_queues_side_by_side() {
    let mut w = World::new(1);
    let pq = w.queue(pull());
    let push = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, pq, 0);
    w.member(a, push, 0);
    let pulled = w.call(pq);
    w.at(10);
    w.login(a);
    assert!(w.ringing().is_empty(), "the pull-mode call is not pushed");
    let pushed = w.call(push);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(pushed));
    // Holding an offer, the agent cannot claim as well.
    assert_eq!(claim(&mut w, a, None), None);
    w.answer(a);
    w.hang_up(pushed);
    assert_eq!(claim(&mut w, a, None), Some(pulled));
    assert_eq!(w.offers().len(), 1);
}

#[test]
fn max_wait_still_applies_in_pull_mode() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(90),
        ..pull()
    });
    let c = w.call(q);
    w.at(100);
    assert_eq!(w.events_named("EXITWITHTIMEOUT"), vec![(90, Some(c), None)]);
    assert!(w.log.iter().any(|(t, _)| *t == Time::from_secs(90)));
}
