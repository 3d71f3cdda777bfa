//! Issue 2, item 7: ring timeout, retry delay, wrap-up (queue value, per-agent
//! override, early end), ring-in-use, per-channel capacity, and one offer at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchyard_core::config::{AgentConfig, Capacity, QueueConfig, Strategy};
use switchyard_core::{AgentId, AgentStatus, Channel, EventKind, Time};
use switchyard_router::{CancelReason, Input, Output};
use switchyard_testkit::{TENANT, World};

fn set(v: &[AgentId]) -> BTreeSet<AgentId> {
    v.iter().copied().collect()
}

/// Checks from the event log that no agent ever had two offers ringing at once.
fn assert_one_offer_at_a_time(w: &World) {
    let mut out: BTreeMap<AgentId, u32> = BTreeMap::new();
    for (t, e) in w.router_events() {
        let Some(a) = e.agent else { continue };
        match e.verb() {
            "OFFER" => {
                let n = out.entry(a).or_insert(0);
                *n += 1;
                assert_eq!(*n, 1, "{a} got a second offer at {t:?}");
            }
            "RINGNOANSWER" | "RINGCANCELED" | "CONNECT" => {
                out.remove(&a);
            }
            _ => {}
        }
    }
}

fn one_agent(
    w: &mut World,
    cfg: QueueConfig,
    capacity: Capacity,
) -> (switchyard_core::QueueId, AgentId) {
    let q = w.queue(cfg);
    let a = w.agent_with(101, &[], capacity);
    w.member(a, q, 0);
    w.login(a);
    (q, a)
}

#[test]
fn ring_no_answer_at_exactly_the_ring_timeout_then_the_retry_delay() {
    let mut w = World::new(1);
    let (q, a) = one_agent(
        &mut w,
        QueueConfig {
            ring_timeout_secs: 20,
            retry_secs: 5,
            ..Default::default()
        },
        Capacity::default(),
    );
    let c = w.call(q);
    w.advance_to(Time(19_999));
    assert_eq!(
        w.ringing(),
        vec![a],
        "still ringing 1 ms before the timeout"
    );
    w.advance_to(Time(20_000));
    assert!(w.ringing().is_empty());
    let rna: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "RINGNOANSWER")
        .map(|(t, e)| (t, e.interaction, e.agent, e.kind.clone()))
        .collect();
    assert_eq!(
        rna,
        vec![(
            Time(20_000),
            Some(c),
            Some(a),
            EventKind::RingNoAnswer { ring_ms: 20_000 }
        )]
    );
    assert!(w.log.iter().any(|(t, o)| *t == Time(20_000)
        && matches!(o, Output::CancelOffer { reason: CancelReason::RingTimeout, agent, .. } if *agent == a)));
    let timeline = w.ring_timeline(20, 46);
    for (s, ringing) in timeline {
        let expect = if (20..25).contains(&s) || s >= 45 {
            BTreeSet::new()
        } else {
            set(&[a])
        };
        assert_eq!(ringing, expect, "at {s}s");
    }
    w.at(50);
    let starts: Vec<u64> = w.offers().iter().map(|o| o.0.as_secs()).collect();
    assert_eq!(starts, vec![0, 25, 50]);
}

#[test]
fn zero_retry_delay_offers_again_at_once() {
    let mut w = World::new(1);
    let (q, _a) = one_agent(
        &mut w,
        QueueConfig {
            ring_timeout_secs: 10,
            retry_secs: 0,
            ..Default::default()
        },
        Capacity::default(),
    );
    w.call(q);
    w.at(35);
    let starts: Vec<u64> = w.offers().iter().map(|o| o.0.as_secs()).collect();
    assert_eq!(starts, vec![0, 10, 20, 30]);
}

#[test]
fn a_rejected_offer_waits_the_retry_delay() {
    let mut w = World::new(1);
    let (q, a) = one_agent(
        &mut w,
        QueueConfig {
            ring_timeout_secs: 30,
            retry_secs: 7,
            ..Default::default()
        },
        Capacity::default(),
    );
    w.call(q);
    w.at(2);
    w.reject(a);
    w.at(8);
    assert!(w.ringing().is_empty());
    w.at(9);
    assert_eq!(w.ringing(), vec![a]);
}

fn wrap_world(agent_wrap: Option<u32>) -> (World, switchyard_core::QueueId, AgentId) {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        wrap_up_secs: 10,
        ring_timeout_secs: 60,
        ..Default::default()
    });
    let a = AgentId(101);
    w.input(Input::UpsertAgent(AgentConfig {
        id: a,
        tenant: TENANT,
        name: "Agent/101".into(),
        wrap_up_secs: agent_wrap,
        ..Default::default()
    }));
    w.member(a, q, 0);
    w.login(a);
    let c1 = w.call(q);
    w.answer(a);
    w.at(5);
    w.call(q);
    w.at(30);
    w.hang_up(c1);
    (w, q, a)
}

#[test]
fn wrap_up_of_the_queue_delays_the_next_offer() {
    let (mut w, _q, a) = wrap_world(None);
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::WrapUp);
    w.at(39);
    assert!(w.ringing().is_empty());
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::WrapUp);
    w.at(40);
    assert_eq!(w.ringing(), vec![a]);
    assert_eq!(w.offers()[1].0, Time::from_secs(40));
}

#[test]
fn agent_wrap_up_overrides_the_queue() {
    let (mut w, _q, a) = wrap_world(Some(3));
    w.at(32);
    assert!(w.ringing().is_empty());
    w.at(33);
    assert_eq!(w.ringing(), vec![a]);
}

#[test]
fn agent_wrap_up_of_zero_overrides_the_queue_too() {
    let (w, _q, a) = wrap_world(Some(0));
    assert_eq!(w.ringing(), vec![a], "no wrap-up at all");
    assert_eq!(w.offers()[1].0, Time::from_secs(30));
}

#[test]
fn ending_wrap_up_early_makes_the_agent_available_at_once() {
    let (mut w, _q, a) = wrap_world(None);
    w.at(32);
    w.input(Input::EndWrapUp { agent: a });
    assert_eq!(w.ringing(), vec![a]);
    assert_eq!(w.offers()[1].0, Time::from_secs(32));
    // The old wrap-up deadline does nothing later.
    w.answer(a);
    w.at(45);
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::Busy);
}

#[test]
fn ring_in_use_off_waits_for_a_busy_agent_on() {
    for ring_in_use in [false, true] {
        let mut w = World::new(1);
        let q = w.queue(QueueConfig {
            ring_in_use,
            ..Default::default()
        });
        let a = w.agent(101, &[]);
        w.login(a);
        let private = w.make_busy(a);
        w.member(a, q, 0);
        let c = w.call(q);
        w.at(5);
        if ring_in_use {
            assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
        } else {
            assert_eq!(w.ringing_for(a), None);
            w.hang_up(private);
            assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
            assert_eq!(w.offers().last().unwrap().0, Time::from_secs(5));
        }
    }
}

#[test]
fn three_chats_at_once_but_one_call() {
    let mut w = World::new(1);
    let (q, a) = one_agent(
        &mut w,
        QueueConfig {
            ring_timeout_secs: 30,
            ..Default::default()
        },
        Capacity {
            voice: 1,
            chat: 3,
            voice_blocks_chat: true,
        },
    );
    let chats: Vec<_> = (0..4)
        .map(|_| w.join_with(q, Channel::Chat, &[], 0))
        .collect();
    assert_eq!(w.offers().len(), 1, "one offer at a time");
    for chat in &chats[..3] {
        assert_eq!(w.ringing_for(a).map(|x| x.1), Some(*chat));
        w.answer(a);
    }
    assert_eq!(w.router.agent(a).unwrap().active.len(), 3);
    w.at(60);
    assert_eq!(w.ringing_for(a), None, "capacity reached");
    assert_eq!(w.offers().len(), 3);
    w.hang_up(chats[1]);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(chats[3]));
    w.answer(a);
    // Two voice calls: only one at a time.
    let v1 = w.call(q);
    let v2 = w.call(q);
    w.at(61);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(v1));
    w.answer(a);
    w.at(120);
    assert_eq!(w.ringing_for(a), None);
    w.hang_up(v1);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(v2));
    assert_one_offer_at_a_time(&w);
}

#[test]
fn voice_blocks_chat_is_configurable() {
    for voice_blocks_chat in [true, false] {
        let mut w = World::new(1);
        let q = w.queue(QueueConfig::default());
        let a = w.agent_with(
            101,
            &[],
            Capacity {
                voice: 1,
                chat: 2,
                voice_blocks_chat,
            },
        );
        w.login(a);
        let call = w.make_busy(a);
        w.member(a, q, 0);
        let chat = w.join_with(q, Channel::Chat, &[], 0);
        w.at(3);
        if voice_blocks_chat {
            assert_eq!(w.ringing_for(a), None);
            w.hang_up(call);
            assert_eq!(w.ringing_for(a).map(|x| x.1), Some(chat));
        } else {
            assert_eq!(w.ringing_for(a).map(|x| x.1), Some(chat));
        }
    }
}

#[test]
fn a_chat_only_agent_is_never_offered_voice() {
    let mut w = World::new(1);
    let (q, a) = one_agent(
        &mut w,
        QueueConfig::default(),
        Capacity {
            voice: 0,
            chat: 2,
            voice_blocks_chat: true,
        },
    );
    let v = w.call(q);
    w.at(100);
    assert!(w.offers().is_empty());
    let c = w.join_with(q, Channel::Chat, &[], 0);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
    assert_eq!(w.router.interaction(v).unwrap().position, Some(1));
}

#[test]
fn an_agent_never_holds_two_offers_across_queues() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        ring_timeout_secs: 10,
        retry_secs: 1,
        ..Default::default()
    });
    let q2 = w.queue(QueueConfig {
        strategy: Strategy::RingAll,
        ring_timeout_secs: 7,
        retry_secs: 2,
        ..Default::default()
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    for a in [a1, a2] {
        w.member(a, q1, 0);
        w.member(a, q2, 0);
        w.login(a);
    }
    let mut calls = Vec::new();
    for k in 0..6 {
        calls.push(w.call(if k % 2 == 0 { q1 } else { q2 }));
        calls.push(w.join_with(q2, Channel::Chat, &[], 0));
    }
    // Nobody answers for a while: offers come and go.
    w.at(90);
    assert!(w.offers().len() > 4);
    for a in [a1, a2] {
        let v = w.router.agent(a).unwrap();
        assert!(v.ringing.is_some() as usize <= 1);
    }
    // Then they answer whatever rings, for a while.
    for s in 91..200 {
        for a in [a1, a2] {
            if w.ringing_for(a).is_some() {
                w.answer(a);
            }
        }
        w.at(s);
    }
    assert_one_offer_at_a_time(&w);
    let v1 = w.router.agent(a1).unwrap();
    assert!(v1.active.len() <= 4, "1 voice + 3 chats at most");
}

#[test]
fn ring_timeout_is_announced_in_the_offer() {
    let mut w = World::new(1);
    let (q, _a) = one_agent(
        &mut w,
        QueueConfig {
            ring_timeout_secs: 12,
            ..Default::default()
        },
        Capacity::default(),
    );
    w.call(q);
    assert_eq!(w.offers()[0].4, Duration::from_secs(12));
}

#[test]
fn the_status_board_follows_the_offer_cycle() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        wrap_up_secs: 5,
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    w.at(2);
    w.answer(a);
    w.at(10);
    w.hang_up(c);
    w.at(20);
    let statuses: Vec<_> = w
        .log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::AgentChanged { agent, status } if *agent == a => Some((t.as_secs(), *status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (0, AgentStatus::Available),
            (0, AgentStatus::Ringing),
            (2, AgentStatus::Busy),
            (10, AgentStatus::WrapUp),
            (15, AgentStatus::Available),
        ]
    );
    let v = w.router.agent(a).unwrap();
    assert_eq!(
        (v.status, v.status_since, v.handled),
        (AgentStatus::Available, Time::from_secs(15), 1)
    );
}

#[test]
fn voice_wrap_up_blocks_chats_when_voice_blocks_chat() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        wrap_up_secs: 30,
        ..Default::default()
    });
    let a = w.agent_with(
        1,
        &[],
        Capacity {
            voice: 1,
            chat: 2,
            voice_blocks_chat: true,
        },
    );
    w.member(a, q, 0);
    w.login(a);
    let call = w.call(q);
    w.answer(a);
    w.at(10);
    w.hang_up(call); // voice wrap-up until 40 s
    w.join_with(q, Channel::Chat, &[], 0);
    w.at(39);
    assert!(w.ringing().is_empty(), "no chat during the call's wrap-up");
    w.at(40);
    assert_eq!(w.ringing(), vec![a]);
}
