//! Issue 2, item 13: supervisor actions — move a waiting interaction, force pause and
//! unpause (one queue or all), log an agent out while it rings, change a priority.

use switchyard_core::config::{AgentConfig, QueueConfig};
use switchyard_core::{
    AgentId, AgentStatus, Channel, EventKind, InteractionId, PauseReason, QueueId, TenantId, Time,
};
use switchyard_router::{CancelReason, Error, Input, InteractionState, Output};
use switchyard_testkit::World;

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

fn cancels(w: &World) -> Vec<(u64, AgentId, InteractionId, CancelReason)> {
    w.log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::CancelOffer {
                agent,
                interaction,
                reason,
                ..
            } => Some((t.as_secs(), *agent, *interaction, *reason)),
            _ => None,
        })
        .collect()
}

fn pause(w: &mut World, a: AgentId, q: Option<QueueId>, why: &str) {
    w.input(Input::Pause {
        agent: a,
        queue: q,
        reason: PauseReason::new(why),
    });
}

#[test]
fn a_moved_interaction_keeps_its_arrival() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let c1 = w.call(q1);
    w.at(5);
    let c2 = w.call(q2);
    w.at(20);
    w.input(Input::Move {
        interaction: c1,
        to: q2,
    });
    assert!(line(&w, q1).is_empty());
    assert_eq!(line(&w, q2), vec![c1, c2]);
    let v = w.router.interaction(c1).unwrap();
    assert_eq!((v.queue, v.arrived, v.position), (q2, Time::ZERO, Some(1)));
    let ev: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.interaction == Some(c1))
        .map(|(t, e)| (t.as_secs(), e.queue, e.verb()))
        .collect();
    assert_eq!(
        ev,
        vec![
            (0, Some(q1), "ENTERQUEUE"),
            (20, Some(q1), "MOVE"),
            (20, Some(q2), "ENTERQUEUE")
        ]
    );
    assert!(
        w.router_events()
            .iter()
            .any(|(_, e)| e.kind == EventKind::Move { to: q2 })
    );
}

#[test]
fn moving_a_ringing_interaction_cancels_its_offers() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig {
        ring_timeout_secs: 30,
        ..Default::default()
    });
    let q2 = w.queue(QueueConfig::default());
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    w.member(a1, q1, 0);
    w.member(a2, q2, 0);
    w.login(a1);
    w.login(a2);
    w.make_busy(a2);
    let c = w.call(q1);
    assert_eq!(w.ringing_for(a1).map(|x| x.1), Some(c));
    w.at(4);
    w.input(Input::Move {
        interaction: c,
        to: q2,
    });
    assert_eq!(cancels(&w), vec![(4, a1, c, CancelReason::Withdrawn)]);
    assert_eq!(w.events_named("RINGCANCELED"), vec![(4, Some(c), Some(a1))]);
    assert!(w.ringing_for(a1).is_none());
    assert_eq!(w.router.agent(a1).unwrap().status, AgentStatus::Available);
    assert_eq!(
        w.router.interaction(c).unwrap().state,
        InteractionState::Waiting
    );
    // The old ring deadline does nothing.
    w.at(40);
    assert!(w.events_named("RINGNOANSWER").is_empty());
    assert!(w.offers().iter().filter(|o| o.2 == c).count() == 1);
}

#[test]
fn move_misuse_is_refused() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let foreign = w.queue(QueueConfig {
        tenant: TenantId(2),
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.login(a);
    let connected = w.call(q1);
    w.answer(a);
    let waiting = w.call(q1);
    let before = w.output_count();
    assert!(matches!(
        w.try_input(Input::Move {
            interaction: connected,
            to: q2
        }),
        Err(Error::InvalidState { .. })
    ));
    assert_eq!(
        w.try_input(Input::Move {
            interaction: waiting,
            to: QueueId(4242)
        }),
        Err(Error::UnknownQueue(QueueId(4242)))
    );
    assert_eq!(
        w.try_input(Input::Move {
            interaction: waiting,
            to: foreign
        }),
        Err(Error::UnknownQueue(foreign))
    );
    assert_eq!(
        w.try_input(Input::Move {
            interaction: InteractionId(999),
            to: q2
        }),
        Err(Error::UnknownInteraction(InteractionId(999)))
    );
    assert_eq!(w.output_count(), before);
    assert_eq!(line(&w, q1), vec![waiting]);
    // Moving to the queue it is in changes nothing.
    w.input(Input::Move {
        interaction: waiting,
        to: q1,
    });
    assert!(w.events_named("MOVE").is_empty());
}

#[test]
fn pause_in_one_queue_keeps_the_others() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    w.login(a);
    w.at(1);
    pause(&mut w, a, Some(q1), "coaching");
    let pauses: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "PAUSE")
        .map(|(t, e)| (t.as_secs(), e.queue, e.agent, e.kind.clone()))
        .collect();
    assert_eq!(
        pauses,
        vec![(
            1,
            Some(q1),
            Some(a),
            EventKind::Pause {
                reason: PauseReason::new("coaching")
            }
        )]
    );
    let c1 = w.call(q1);
    w.at(2);
    let c2 = w.call(q2);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c2));
    w.answer(a);
    w.hang_up(c2);
    w.at(30);
    assert!(w.ringing_for(a).is_none(), "still paused in q1");
    w.input(Input::Unpause {
        agent: a,
        queue: Some(q1),
    });
    assert_eq!(w.events_named("UNPAUSE"), vec![(30, None, Some(a))]);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c1));
}

#[test]
fn pause_all_and_unpause_all() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q1, 0);
    w.member(a, q2, 0);
    w.login(a);
    pause(&mut w, a, None, "lunch");
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::Break);
    assert_eq!(
        w.router.agent(a).unwrap().paused_all,
        Some(PauseReason::new("lunch"))
    );
    let c1 = w.call(q1);
    w.call(q2);
    w.at(600);
    assert!(w.offers().is_empty());
    w.input(Input::Unpause {
        agent: a,
        queue: None,
    });
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c1));
    let verbs: Vec<_> = w
        .events()
        .into_iter()
        .filter(|e| e.2 == Some(a))
        .map(|e| (e.0, e.1))
        .filter(|e| e.1.contains("PAUSE"))
        .collect();
    assert_eq!(verbs, vec![(0, "PAUSEALL"), (600, "UNPAUSEALL")]);
}

#[test]
fn pausing_a_ringing_agent_withdraws_the_offer_and_reroutes() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        ring_timeout_secs: 30,
        ..Default::default()
    });
    let a1 = w.agent(101, &[]);
    w.member(a1, q, 0);
    w.login(a1);
    w.at(1);
    let a2 = w.agent(102, &[]);
    w.member(a2, q, 0);
    w.login(a2);
    let c = w.call(q);
    assert_eq!(w.ringing(), vec![a1], "longest idle");
    w.at(3);
    pause(&mut w, a1, Some(q), "supervisor");
    assert_eq!(cancels(&w), vec![(3, a1, c, CancelReason::AgentGone)]);
    assert_eq!(w.ringing(), vec![a2]);
    assert_eq!(w.offers()[1].0, Time::from_secs(3));
}

#[test]
fn logging_out_a_ringing_agent_reroutes_at_once() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        ring_timeout_secs: 30,
        retry_secs: 10,
        ..Default::default()
    });
    let a1 = w.agent(101, &[]);
    w.member(a1, q, 0);
    w.login(a1);
    w.at(1);
    let a2 = w.agent(102, &[]);
    w.member(a2, q, 0);
    w.login(a2);
    let c = w.call(q);
    assert_eq!(w.ringing(), vec![a1]);
    w.at(5);
    w.input(Input::Logout { agent: a1 });
    assert_eq!(cancels(&w), vec![(5, a1, c, CancelReason::AgentGone)]);
    assert_eq!(w.events_named("AGENTLOGOFF"), vec![(5, None, Some(a1))]);
    // No retry delay: the withdrawal is not the agent's miss.
    assert_eq!(w.ringing(), vec![a2]);
    assert_eq!(w.router.agent(a1).unwrap().status, AgentStatus::Offline);
    assert!(w.events_named("RINGNOANSWER").is_empty());
}

#[test]
fn logging_out_the_only_agent_leaves_the_call_waiting() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    w.at(2);
    w.input(Input::Logout { agent: a });
    assert_eq!(
        w.router.interaction(c).unwrap().state,
        InteractionState::Waiting
    );
    w.at(100);
    w.login(a);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
}

#[test]
fn supervisor_priority_change_reorders_and_is_logged() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let c1 = w.call(q);
    w.at(1);
    let c2 = w.call(q);
    w.at(5);
    w.input(Input::SetPriority {
        interaction: c2,
        priority: 7,
    });
    assert_eq!(line(&w, q), vec![c2, c1]);
    let pr: Vec<_> = w
        .router_events()
        .into_iter()
        .filter(|(_, e)| e.verb() == "PRIORITY")
        .map(|(t, e)| (t.as_secs(), e.interaction, e.queue, e.kind.clone()))
        .collect();
    assert_eq!(
        pr,
        vec![(5, Some(c2), Some(q), EventKind::Priority { priority: 7 })]
    );
    assert_eq!(
        w.router.interaction(c2).unwrap().arrived,
        Time::from_secs(1)
    );
    // Not for connected interactions.
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let got = w.answer(a);
    assert_eq!(got, c2);
    assert!(matches!(
        w.try_input(Input::SetPriority {
            interaction: c2,
            priority: 1
        }),
        Err(Error::InvalidState { .. })
    ));
}

#[test]
fn pause_misuse_is_refused() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let other = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let before = w.output_count();
    assert_eq!(
        w.try_input(Input::Pause {
            agent: a,
            queue: Some(other),
            reason: PauseReason::new("x")
        }),
        Err(Error::NotMember {
            agent: a,
            queue: other
        })
    );
    assert_eq!(
        w.try_input(Input::Pause {
            agent: AgentId(7),
            queue: None,
            reason: PauseReason::new("x")
        }),
        Err(Error::UnknownAgent(AgentId(7)))
    );
    assert_eq!(w.output_count(), before);
    assert!(w.router.agent(a).unwrap().paused_in.is_empty());
    let _ = (Channel::Voice, AgentConfig::default());
}

#[test]
fn moving_a_ringall_fork_cancels_every_leg() {
    let mut w = World::new(1);
    let q1 = w.queue(QueueConfig {
        strategy: switchyard_core::config::Strategy::RingAll,
        ring_timeout_secs: 30,
        ..Default::default()
    });
    let q2 = w.queue(QueueConfig::default());
    let agents: Vec<_> = (101..104).map(|id| w.agent(id, &[])).collect();
    for a in &agents {
        w.member(*a, q1, 0);
        w.login(*a);
    }
    let c = w.call(q1);
    assert_eq!(w.ringing(), agents);
    w.at(2);
    w.input(Input::Move {
        interaction: c,
        to: q2,
    });
    let cancelled: Vec<_> = cancels(&w).iter().map(|x| (x.1, x.3)).collect();
    assert_eq!(
        cancelled,
        agents
            .iter()
            .map(|a| (*a, CancelReason::Withdrawn))
            .collect::<Vec<_>>()
    );
    assert!(w.ringing().is_empty());
    for a in &agents {
        assert_eq!(w.router.agent(*a).unwrap().status, AgentStatus::Available);
    }
}

#[test]
fn a_transferred_call_waits_in_the_target_with_its_original_arrival() {
    let mut w = World::new(1);
    let sales = w.queue(QueueConfig::default());
    let tech = w.queue(QueueConfig::default());
    let a = w.agent(101, &[]);
    w.member(a, sales, 0);
    w.login(a);
    w.at(5);
    let c = w.call(sales);
    w.answer(a);
    w.at(10);
    let direct = w.call(tech);
    w.at(60);
    w.input(Input::Transfer {
        interaction: c,
        to: tech,
    });
    assert_eq!(line(&w, tech), vec![c, direct]);
    let v = w.router.interaction(c).unwrap();
    assert_eq!(
        (v.arrived, v.entered),
        (Time::from_secs(5), Time::from_secs(60))
    );
    assert_eq!(
        w.router.agent(a).unwrap().active,
        Vec::<InteractionId>::new()
    );
    // Transfer needs a connected interaction.
    assert!(matches!(
        w.try_input(Input::Transfer {
            interaction: direct,
            to: sales
        }),
        Err(Error::InvalidState { .. })
    ));
}
