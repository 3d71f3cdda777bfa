//! Issue 2, item 1: configuration changes apply to the live router while interactions
//! wait; misuse is an error that leaves the state untouched.

use std::time::Duration;
use switchyard_core::config::{
    AgentConfig, AgentSkill, EscalationStep, Membership, OverflowAction, OverflowLink,
    OverflowTrigger, QueueConfig, Strategy,
};
use switchyard_core::schedule::{Day, Schedule, WeeklyHours};
use switchyard_core::{AgentId, InteractionId, QueueId, SkillReq, TenantId, Time};
use switchyard_router::{CancelReason, Error, Input, InteractionState, Output};
use switchyard_testkit::{TENANT, World};

fn sales(id: u64) -> QueueConfig {
    QueueConfig {
        id: QueueId(id),
        tenant: TENANT,
        name: format!("sales-{id}"),
        ring_timeout_secs: 15,
        retry_secs: 5,
        ..Default::default()
    }
}

fn cancels(w: &World) -> Vec<(AgentId, InteractionId, CancelReason)> {
    w.log
        .iter()
        .filter_map(|(_, o)| match o {
            Output::CancelOffer {
                agent,
                interaction,
                reason,
                ..
            } => Some((*agent, *interaction, *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn agent_and_membership_added_live_take_a_waiting_call() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let c = w.call(q);
    w.at(10);
    assert!(w.offers().is_empty());
    let a = w.agent(101, &[]);
    w.login(a);
    w.at(20);
    assert!(w.offers().is_empty(), "not a member yet");
    w.member(a, q, 0);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
    assert_eq!(w.events_named("ADDMEMBER"), vec![(20, None, Some(a))]);
    assert_eq!(w.offers()[0].0, Time::from_secs(20));
}

#[test]
fn queue_added_live_is_routable_at_once() {
    let mut w = World::new(1);
    let a = w.agent(101, &[]);
    w.login(a);
    w.at(100);
    let q = w.queue(sales(7));
    w.member(a, q, 0);
    let c = w.call(q);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
}

#[test]
fn removing_a_ringing_member_withdraws_the_offer_and_reroutes() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::Linear,
        ..sales(1)
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    w.member(a1, q, 0);
    w.member(a2, q, 0);
    w.login(a1);
    w.login(a2);
    let c = w.call(q);
    assert_eq!(w.ringing(), vec![a1]);
    w.at(3);
    w.input(Input::RemoveMember {
        agent: a1,
        queue: q,
    });
    assert_eq!(cancels(&w), vec![(a1, c, CancelReason::AgentGone)]);
    assert_eq!(w.events_named("REMOVEMEMBER"), vec![(3, None, Some(a1))]);
    assert_eq!(w.ringing(), vec![a2], "re-routed to the remaining member");
    // a1 is no longer offered anything from q.
    w.reject(a2);
    w.at(60);
    assert!(
        w.offers()
            .iter()
            .all(|o| o.1 != a1 || o.0 < Time::from_secs(3))
    );
}

#[test]
fn removing_an_agent_while_ringing_reroutes_and_busy_agents_cannot_be_removed() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::Linear,
        ..sales(1)
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    w.member(a1, q, 0);
    w.member(a2, q, 0);
    w.login(a1);
    w.login(a2);
    let c1 = w.call(q);
    assert_eq!(w.ringing(), vec![a1]);
    w.input(Input::RemoveAgent(a1));
    assert!(w.router.agent(a1).is_err());
    assert_eq!(w.ringing(), vec![a2]);
    assert_eq!(w.events_named("AGENTLOGOFF").len(), 1);
    w.answer(a2);
    // a2 is connected: removing it is refused and changes nothing.
    let before = w.output_count();
    let err = w.try_input(Input::RemoveAgent(a2)).unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err:?}");
    assert_eq!(w.output_count(), before);
    let v = w.router.agent(a2).unwrap();
    assert_eq!(v.active, vec![c1]);
    assert!(v.logged_in);
}

#[test]
fn removing_a_queue_sends_its_waiters_down_the_chain_keeping_arrival() {
    let mut w = World::new(1);
    let backup = w.queue(sales(2));
    let q = w.queue(QueueConfig {
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::NoAgents],
            action: OverflowAction::Queue { queue: backup },
        }],
        ..sales(1)
    });
    let c1 = w.call(q);
    w.at(10);
    let c2 = w.call(backup);
    w.at(20);
    w.input(Input::RemoveQueue(q));
    assert!(w.router.queue_stats(q, w.now).is_err());
    let line: Vec<_> = w
        .router
        .waiting(backup)
        .unwrap()
        .iter()
        .map(|v| (v.id, v.arrived))
        .collect();
    assert_eq!(line, vec![(c1, Time::ZERO), (c2, Time::from_secs(10))]);
    // The removed queue cannot be used any more.
    assert_eq!(
        w.try_input(Input::Move {
            interaction: c2,
            to: q
        }),
        Err(Error::UnknownQueue(q))
    );
}

#[test]
fn a_queue_with_connected_interactions_cannot_be_removed() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    w.answer(a);
    let c2 = w.call(q);
    let before = w.output_count();
    assert!(matches!(
        w.try_input(Input::RemoveQueue(q)),
        Err(Error::InvalidState { .. })
    ));
    assert_eq!(w.output_count(), before);
    assert_eq!(w.router.waiting(q).unwrap().len(), 1);
    assert_eq!(w.router.interaction(c2).unwrap().position, Some(1));
    assert_eq!(
        w.router.interaction(c).unwrap().state,
        InteractionState::Connected
    );
}

#[test]
fn strategy_change_applies_to_the_next_offer() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::Linear,
        ..sales(1)
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    w.member(a1, q, 0);
    w.member(a2, q, 0);
    w.login(a2); // idle since 0
    w.at(10);
    w.login(a1); // idle since 10
    w.at(20);
    let c1 = w.call(q);
    assert_eq!(w.ringing(), vec![a1], "linear: member order");
    w.input(Input::CustomerLeft { interaction: c1 });
    w.input(Input::UpsertQueue(QueueConfig {
        strategy: Strategy::LongestIdle,
        ..sales(1)
    }));
    w.at(30);
    w.call(q);
    assert_eq!(w.ringing(), vec![a2], "longest idle after the change");
}

#[test]
fn ring_timeout_change_applies_to_new_offers() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        retry_secs: 0,
        ..sales(1)
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    w.call(q);
    assert_eq!(w.offers()[0].4, Duration::from_secs(15));
    w.input(Input::UpsertQueue(QueueConfig {
        ring_timeout_secs: 5,
        retry_secs: 0,
        ..sales(1)
    }));
    // The offer already ringing keeps its deadline.
    w.at(14);
    assert_eq!(w.offers().len(), 1);
    w.at(15);
    assert_eq!(
        w.events_named("RINGNOANSWER"),
        vec![(15, Some(InteractionId(1)), Some(a))]
    );
    let offers = w.offers();
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[1].4, Duration::from_secs(5));
    w.at(20);
    assert_eq!(
        w.events_named("RINGNOANSWER")
            .iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        vec![15, 20]
    );
}

#[test]
fn max_wait_set_live_is_armed_for_existing_waiters() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let c1 = w.call(q); // entered at 0
    w.at(10);
    let c2 = w.call(q); // entered at 10
    w.at(20);
    w.input(Input::UpsertQueue(QueueConfig {
        max_wait_secs: Some(30),
        ..sales(1)
    }));
    w.at(100);
    let exits: Vec<_> = w.events_named("EXITWITHTIMEOUT");
    assert_eq!(exits, vec![(30, Some(c1), None), (40, Some(c2), None)]);
}

#[test]
fn max_wait_lengthened_live_moves_the_deadline() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        max_wait_secs: Some(30),
        ..sales(1)
    });
    let c = w.call(q);
    w.at(20);
    w.input(Input::UpsertQueue(QueueConfig {
        max_wait_secs: Some(60),
        ..sales(1)
    }));
    w.at(59);
    assert!(w.events_named("EXITWITHTIMEOUT").is_empty());
    w.at(61);
    assert_eq!(w.events_named("EXITWITHTIMEOUT"), vec![(60, Some(c), None)]);
}

#[test]
fn max_wait_shortened_below_the_wait_so_far_fires_at_once() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let c = w.call(q);
    w.at(50);
    w.input(Input::UpsertQueue(QueueConfig {
        max_wait_secs: Some(30),
        ..sales(1)
    }));
    w.advance(Duration::ZERO);
    assert_eq!(w.events_named("EXITWITHTIMEOUT"), vec![(50, Some(c), None)]);
}

#[test]
fn required_skills_are_re_evaluated_for_waiting_interactions() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        required_skills: vec![SkillReq::any("lang:fr")],
        ..sales(1)
    });
    let a = w.agent(101, &[("lang:en", 5)]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.call(q);
    w.at(30);
    assert!(w.offers().is_empty(), "unqualified");
    w.input(Input::UpsertQueue(QueueConfig {
        required_skills: vec![SkillReq::any("lang:en")],
        ..sales(1)
    }));
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
    assert_eq!(w.offers()[0].0, Time::from_secs(30));
}

#[test]
fn required_skills_tightened_live_stop_unqualified_offers() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let a1 = w.agent(101, &[]);
    w.member(a1, q, 0);
    w.login(a1);
    let busy = w.call(q);
    w.answer(a1);
    let c = w.call(q);
    w.at(10);
    w.input(Input::UpsertQueue(QueueConfig {
        required_skills: vec![SkillReq::any("vip")],
        ..sales(1)
    }));
    w.at(20);
    w.hang_up(busy);
    w.at(40);
    assert_eq!(w.offers().len(), 1, "a1 lacks vip now");
    let a2 = w.agent(102, &[("vip", 1)]);
    w.member(a2, q, 0);
    w.login(a2);
    assert_eq!(w.ringing_for(a2).map(|x| x.1), Some(c));
}

#[test]
fn agent_gaining_a_skill_live_takes_the_waiting_call() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let c = w.join_with(q, switchyard_core::Channel::Voice, &["lang:de"], 0);
    w.at(10);
    assert!(w.offers().is_empty());
    w.input(Input::UpsertAgent(AgentConfig {
        id: a,
        tenant: TENANT,
        name: "Agent/101".into(),
        skills: vec![AgentSkill {
            skill: "lang:de".into(),
            level: 3,
        }],
        ..Default::default()
    }));
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
}

#[test]
fn penalty_change_live_reorders_members() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        strategy: Strategy::Linear,
        ..sales(1)
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    w.member(a1, q, 0);
    w.member(a2, q, 1);
    w.login(a1);
    w.login(a2);
    let c1 = w.call(q);
    assert_eq!(w.ringing(), vec![a1]);
    w.input(Input::CustomerLeft { interaction: c1 });
    w.input(Input::UpsertMember(Membership {
        agent: a1,
        queue: q,
        penalty: 2,
        weight: 1,
    }));
    w.call(q);
    assert_eq!(w.ringing(), vec![a2]);
    assert_eq!(
        w.events_named("ADDMEMBER").len(),
        2,
        "an update is not an add"
    );
}

#[test]
fn escalation_progress_survives_a_settings_change() {
    let mut w = World::new(1);
    let cfg = QueueConfig {
        escalation: vec![EscalationStep {
            after_secs: 10,
            raise_priority: 5,
            ..Default::default()
        }],
        ..sales(1)
    };
    let q = w.queue(cfg.clone());
    let c = w.call(q);
    w.at(20);
    assert_eq!(w.router.interaction(c).unwrap().priority, 5);
    w.input(Input::UpsertQueue(QueueConfig {
        required_skills: vec![SkillReq::any("x")],
        ..cfg.clone()
    }));
    w.at(40);
    assert_eq!(
        w.router.interaction(c).unwrap().priority,
        5,
        "a step already applied is not applied again"
    );
    assert_eq!(w.events_named("ESCALATE").len(), 1);
}

#[test]
fn tenant_mismatches_are_errors_that_change_nothing() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    let other = AgentId(900);
    w.input(Input::UpsertAgent(AgentConfig {
        id: other,
        tenant: TenantId(2),
        name: "Other/900".into(),
        ..Default::default()
    }));
    let before = w.output_count();
    // Membership across tenants.
    assert_eq!(
        w.try_input(Input::UpsertMember(Membership {
            agent: other,
            queue: q,
            penalty: 0,
            weight: 1
        })),
        Err(Error::TenantMismatch(TENANT, TenantId(2)))
    );
    // A queue or an agent cannot change tenant.
    assert_eq!(
        w.try_input(Input::UpsertQueue(QueueConfig {
            tenant: TenantId(2),
            ..sales(1)
        })),
        Err(Error::TenantMismatch(TENANT, TenantId(2)))
    );
    assert_eq!(
        w.try_input(Input::UpsertAgent(AgentConfig {
            id: a,
            tenant: TenantId(2),
            ..Default::default()
        })),
        Err(Error::TenantMismatch(TENANT, TenantId(2)))
    );
    // A join of another tenant's customer.
    let err = w
        .try_input(Input::Join(switchyard_router::NewInteraction {
            id: InteractionId(77),
            tenant: TenantId(2),
            queue: q,
            channel: switchyard_core::Channel::Voice,
            caller_id: "x".into(),
            skills: vec![],
            priority: 0,
            arrived: None,
        }))
        .unwrap_err();
    assert_eq!(err, Error::TenantMismatch(TENANT, TenantId(2)));
    assert_eq!(w.output_count(), before, "errors say nothing");
    assert_eq!(w.router.interaction_count(), 0);
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().tenant, TENANT);
    assert_eq!(w.router.agent(a).unwrap().tenant, TENANT);
    assert_eq!(w.router.agent(a).unwrap().name, "Agent/101");
    // The queue still works with its own agents.
    w.login(a);
    let c = w.call(q);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c));
}

#[test]
fn invalid_settings_are_refused_and_the_old_ones_stay() {
    let mut w = World::new(1);
    let q = w.queue(sales(1));
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    let before = w.output_count();
    assert!(matches!(
        w.try_input(Input::UpsertQueue(QueueConfig {
            ring_timeout_secs: 0,
            ..sales(1)
        })),
        Err(Error::InvalidSetting { .. })
    ));
    let bad_schedule = Schedule {
        time_zone: "Mars/Olympus".into(),
        weekly: vec![WeeklyHours {
            days: vec![Day::Mon],
            open: "09:00".into(),
            close: "17:00".into(),
        }],
        holidays: vec![],
    };
    assert!(matches!(
        w.try_input(Input::UpsertQueue(QueueConfig {
            ring_timeout_secs: 3,
            schedule: Some(bad_schedule),
            ..sales(1)
        })),
        Err(Error::Schedule(_))
    ));
    assert_eq!(
        w.try_input(Input::RemoveMember {
            agent: a,
            queue: QueueId(99)
        }),
        Err(Error::UnknownQueue(QueueId(99)))
    );
    assert_eq!(
        w.try_input(Input::UpsertMember(Membership {
            agent: AgentId(55),
            queue: q,
            penalty: 0,
            weight: 1
        })),
        Err(Error::UnknownAgent(AgentId(55)))
    );
    assert_eq!(w.output_count(), before);
    // Old settings: 15 s ring timeout, always open.
    w.call(q);
    assert_eq!(w.offers()[0].4, Duration::from_secs(15));
}

#[test]
fn switching_pull_mode_off_live_offers_the_waiters() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        pull_mode: true,
        ..sales(1)
    });
    let a1 = w.agent(101, &[]);
    let a2 = w.agent(102, &[]);
    for a in [a1, a2] {
        w.member(a, q, 0);
        w.login(a);
    }
    let c1 = w.call(q);
    let c2 = w.call(q);
    w.at(30);
    assert!(w.offers().is_empty());
    w.input(Input::UpsertQueue(sales(1)));
    let offered: Vec<_> = w.offers().iter().map(|o| (o.0.as_secs(), o.2)).collect();
    assert_eq!(offered, vec![(30, c1), (30, c2)]);
    // And back to pull mode: nothing new is pushed.
    w.input(Input::UpsertQueue(QueueConfig {
        pull_mode: true,
        ..sales(1)
    }));
    w.answer(a1);
    w.answer(a2);
    w.call(q);
    w.at(100);
    assert_eq!(w.offers().len(), 2);
}

#[test]
fn overflow_to_a_removed_or_foreign_queue_hangs_up() {
    let mut w = World::new(1);
    let gone = w.queue(sales(5));
    let foreign = w.queue(QueueConfig {
        tenant: TenantId(2),
        ..sales(6)
    });
    for (id, target) in [(1, gone), (2, foreign)] {
        w.queue(QueueConfig {
            max_wait_secs: Some(10),
            overflow: vec![OverflowLink {
                on: vec![OverflowTrigger::MaxWait],
                action: OverflowAction::Queue { queue: target },
            }],
            ..sales(id)
        });
    }
    w.input(Input::RemoveQueue(gone));
    let c1 = w.call(QueueId(1));
    let c2 = w.call(QueueId(2));
    w.at(10);
    let out: Vec<_> = w
        .overflows()
        .into_iter()
        .map(|o| match o {
            Output::Overflow {
                interaction,
                action,
                ..
            } => (*interaction, action.clone()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        out,
        vec![(c1, OverflowAction::Hangup), (c2, OverflowAction::Hangup)]
    );
    assert_eq!(w.router.interaction_count(), 0);
    assert!(w.router.waiting(foreign).unwrap().is_empty());
}

#[test]
fn removing_a_queue_whose_chain_turns_waiters_into_callbacks_leaves_nothing_behind() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::NoAgents],
            action: OverflowAction::Callback,
        }],
        ..sales(1)
    });
    let c = w.call(q);
    w.at(5);
    w.input(Input::RemoveQueue(q));
    assert!(w.router.queue_stats(q, w.now).is_err());
    // The callback cannot wait in a queue that no longer exists: it leaves the router.
    assert!(w.router.interaction(c).is_none());
    assert_eq!(w.router.interaction_count(), 0);
    w.at(1000);
}
