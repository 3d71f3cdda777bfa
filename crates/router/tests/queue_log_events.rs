//! Issue 2, item 16: every decision is an event named as Asterisk's queue_log names it,
//! with the data fields in queue_log order: `epoch|callid|queue|agent|EVENT|data…`.

use switchyard_core::config::{
    EmptyWhen, OverflowAction, OverflowLink, OverflowTrigger, QueueConfig, QueueKey,
};
use switchyard_core::{AgentId, InteractionId, PauseReason, QueueId, Time};
use switchyard_router::{EndedBy, Input};
use switchyard_testkit::World;

/// 2023-11-14T22:13:20Z: a realistic epoch for the lines.
const T0: u64 = 1_700_000_000;

struct Desk {
    w: World,
    sales: QueueId,
    a: AgentId,
}

fn at(w: &mut World, s: u64) {
    w.advance_to(Time::from_secs(T0 + s));
}

fn desk() -> Desk {
    let mut w = World::new(1);
    at(&mut w, 0);
    let sales = w.queue(QueueConfig {
        name: "sales".into(),
        ring_timeout_secs: 15,
        retry_secs: 5,
        keys: vec![QueueKey {
            digit: '0',
            action: OverflowAction::Voicemail,
        }],
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, sales, 0);
    w.login(a);
    Desk { w, sales, a }
}

/// The queue_log lines of one interaction, with the epoch made relative to T0 for
/// readability (`+10|…`).
fn lines_of(w: &World, i: InteractionId) -> Vec<String> {
    let id = i.0.to_string();
    w.queue_log()
        .into_iter()
        .filter(|l| l.split('|').nth(1) == Some(id.as_str()))
        .map(relative)
        .collect()
}

fn relative(l: String) -> String {
    let (epoch, rest) = l.split_once('|').unwrap();
    let t: u64 = epoch.parse().unwrap();
    format!("+{}|{rest}", t - T0)
}

/// Lines without an interaction (agent and membership events).
fn agent_lines(w: &World) -> Vec<String> {
    w.queue_log()
        .into_iter()
        .filter(|l| l.split('|').nth(1) == Some("NONE"))
        .map(relative)
        .collect()
}

#[test]
fn a_call_rings_unanswered_then_connects_and_the_agent_hangs_up() {
    let Desk { mut w, sales, a } = desk();
    at(&mut w, 10);
    let c = w.call(sales);
    at(&mut w, 33);
    w.answer(a);
    at(&mut w, 93);
    w.hang_up(c);
    assert_eq!(
        lines_of(&w, c),
        vec![
            "+10|1|sales|NONE|ENTERQUEUE||+15550000001|voice",
            "+10|1|sales|Agent/101|OFFER|15",
            "+25|1|sales|Agent/101|RINGNOANSWER|15000",
            "+30|1|sales|Agent/101|OFFER|15",
            "+33|1|sales|Agent/101|CONNECT|23|1|3",
            "+93|1|sales|Agent/101|COMPLETEAGENT|23|60|1",
        ]
    );
    // The absolute epoch is in the first field.
    assert!(
        w.queue_log()
            .iter()
            .any(|l| l.starts_with("1700000093|1|sales|Agent/101|COMPLETEAGENT"))
    );
}

#[test]
fn the_caller_hangs_up_a_connected_call() {
    let Desk { mut w, sales, a } = desk();
    at(&mut w, 5);
    let c = w.call(sales);
    at(&mut w, 7);
    w.answer(a);
    at(&mut w, 50);
    w.input(Input::Complete {
        interaction: c,
        by: EndedBy::Customer,
    });
    assert_eq!(
        lines_of(&w, c)[2..],
        [
            "+7|1|sales|Agent/101|CONNECT|2|1|2",
            "+50|1|sales|Agent/101|COMPLETECALLER|2|43|1"
        ]
    );
    // CustomerLeft on a connected call is the same COMPLETECALLER.
    let c2 = w.call(sales);
    w.answer(a);
    at(&mut w, 60);
    w.input(Input::CustomerLeft { interaction: c2 });
    assert_eq!(
        lines_of(&w, c2).last().unwrap(),
        "+60|2|sales|Agent/101|COMPLETECALLER|0|10|1"
    );
}

#[test]
fn abandons_while_waiting_and_while_ringing() {
    let Desk { mut w, sales, a } = desk();
    at(&mut w, 1);
    let ringing = w.call(sales);
    at(&mut w, 3);
    let waiting = w.call(sales);
    at(&mut w, 10);
    w.input(Input::CustomerLeft {
        interaction: waiting,
    });
    assert_eq!(
        lines_of(&w, waiting),
        vec![
            "+3|2|sales|NONE|ENTERQUEUE||+15550000002|voice",
            "+10|2|sales|NONE|ABANDON|2|2|7"
        ]
    );
    at(&mut w, 12);
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(ringing));
    w.input(Input::CustomerLeft {
        interaction: ringing,
    });
    assert_eq!(
        lines_of(&w, ringing)[1..],
        [
            "+1|1|sales|Agent/101|OFFER|15",
            "+12|1|sales|Agent/101|RINGCANCELED|11000",
            "+12|1|sales|NONE|ABANDON|1|1|11"
        ]
    );
}

#[test]
fn exits_by_timeout_key_and_emptiness() {
    let Desk { mut w, sales, a } = desk();
    let support = w.queue(QueueConfig {
        name: "support".into(),
        max_wait_secs: Some(30),
        leave_when_empty: EmptyWhen::NoneLoggedIn,
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::MaxWait, OverflowTrigger::NoAgents],
            action: OverflowAction::Voicemail,
        }],
        ..Default::default()
    });
    let b = w.agent(102, &[]);
    w.member(b, support, 0);
    w.login(b);
    w.input(Input::Pause {
        agent: a,
        queue: Some(sales),
        reason: PauseReason::new("lunch"),
    });
    w.input(Input::Pause {
        agent: b,
        queue: Some(support),
        reason: PauseReason::new("training"),
    });
    at(&mut w, 100);
    let timeout = w.call(support);
    at(&mut w, 110);
    let key = w.call(sales);
    at(&mut w, 112);
    let empty = w.call(support);
    at(&mut w, 125);
    w.input(Input::Key {
        interaction: key,
        digit: '0',
    });
    at(&mut w, 130);
    assert_eq!(
        lines_of(&w, timeout)[1..],
        [
            "+130|1|support|NONE|EXITWITHTIMEOUT|1|1|30",
            "+130|1|support|NONE|OVERFLOW|max_wait|voicemail"
        ]
    );
    assert_eq!(
        lines_of(&w, key)[1..],
        ["+125|2|sales|NONE|EXITWITHKEY|0|1|1|15"]
    );
    at(&mut w, 140);
    w.input(Input::Logout { agent: b });
    assert_eq!(
        lines_of(&w, empty)[1..],
        [
            "+140|3|support|NONE|EXITEMPTY|1|2|28",
            "+140|3|support|NONE|OVERFLOW|no_agents|voicemail"
        ]
    );
}

#[test]
fn refusals_at_join() {
    let Desk { mut w, .. } = desk();
    let full = w.queue(QueueConfig {
        name: "full".into(),
        max_depth: Some(0),
        ..Default::default()
    });
    let empty = w.queue(QueueConfig {
        name: "empty".into(),
        join_empty: EmptyWhen::NoneLoggedIn,
        ..Default::default()
    });
    at(&mut w, 9);
    let f = w.call(full);
    let e = w.call(empty);
    // The refusal, then the overflow decision (no chain link: the default hang-up).
    assert_eq!(
        lines_of(&w, f),
        vec![
            "+9|1|full|NONE|FULL",
            "+9|1|full|NONE|OVERFLOW|max_depth|hangup"
        ]
    );
    assert_eq!(
        lines_of(&w, e),
        vec![
            "+9|2|empty|NONE|JOINEMPTY",
            "+9|2|empty|NONE|OVERFLOW|no_agents|hangup"
        ]
    );
}

#[test]
fn transfer_to_another_queue() {
    let Desk { mut w, sales, a } = desk();
    let tech = w.queue(QueueConfig {
        name: "tech".into(),
        ..Default::default()
    });
    at(&mut w, 10);
    let c = w.call(sales);
    at(&mut w, 12);
    w.answer(a);
    at(&mut w, 72);
    w.input(Input::Transfer {
        interaction: c,
        to: tech,
    });
    assert_eq!(
        lines_of(&w, c)[2..],
        [
            "+12|1|sales|Agent/101|CONNECT|2|1|2",
            "+72|1|sales|Agent/101|TRANSFER|tech||2|60|1",
            "+72|1|tech|NONE|ENTERQUEUE||+15550000001|voice"
        ]
    );
}

#[test]
fn agent_and_membership_events() {
    let Desk { mut w, sales, a } = desk();
    at(&mut w, 10);
    w.input(Input::Pause {
        agent: a,
        queue: Some(sales),
        reason: PauseReason::new("lunch|late"),
    });
    at(&mut w, 20);
    w.input(Input::Unpause {
        agent: a,
        queue: Some(sales),
    });
    at(&mut w, 30);
    w.input(Input::Pause {
        agent: a,
        queue: None,
        reason: PauseReason::new("meeting"),
    });
    at(&mut w, 40);
    w.input(Input::Unpause {
        agent: a,
        queue: None,
    });
    at(&mut w, 50);
    w.input(Input::Logout { agent: a });
    at(&mut w, 60);
    w.input(Input::RemoveMember {
        agent: a,
        queue: sales,
    });
    assert_eq!(
        agent_lines(&w),
        vec![
            "+0|NONE|sales|Agent/101|ADDMEMBER",
            "+0|NONE|NONE|Agent/101|AGENTLOGIN",
            "+10|NONE|sales|Agent/101|PAUSE|lunch_late",
            "+20|NONE|sales|Agent/101|UNPAUSE|",
            "+30|NONE|NONE|Agent/101|PAUSEALL|meeting",
            "+40|NONE|NONE|Agent/101|UNPAUSEALL|",
            "+50|NONE|NONE|Agent/101|AGENTLOGOFF||50",
            "+60|NONE|sales|Agent/101|REMOVEMEMBER",
        ]
    );
}

#[test]
fn every_event_time_is_the_simulated_time_it_happened() {
    let Desk { mut w, sales, a } = desk();
    at(&mut w, 3);
    let c = w.call(sales);
    at(&mut w, 90);
    w.answer(a);
    for (t, e) in w.router_events() {
        assert_eq!(t, e.time, "{e:?}");
    }
    let _ = c;
}
