//! Auto-pause: after N consecutive missed offers the agent is paused (in that queue or
//! in all), with a reason and an event; what counts as a miss is configurable; an
//! optional delay resumes the agent by itself.

use std::time::Duration;
use switchyard_core::config::{AutoPause, PauseScope, QueueConfig};
use switchyard_core::{AgentId, AgentStatus, EventKind, QueueId};
use switchyard_router::{Input, OfferFailure, Output};
use switchyard_testkit::World;

fn world(ap: AutoPause) -> (World, QueueId, QueueId, AgentId) {
    let mut w = World::new(1);
    let cfg = QueueConfig {
        ring_timeout_secs: 10,
        retry_secs: 2,
        autopause: ap,
        ..Default::default()
    };
    let q = w.queue(cfg.clone());
    let other = w.queue(cfg);
    let a = w.agent(1, &[]);
    w.member(a, q, 0);
    w.member(a, other, 0);
    w.login(a);
    (w, q, other, a)
}

fn pause_reasons(w: &World) -> Vec<(u64, Option<QueueId>, String)> {
    w.log
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Event(e) => match &e.kind {
                EventKind::Pause { reason } => Some((t.as_secs(), e.queue, reason.to_string())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn pauses_after_n_consecutive_misses_in_that_queue() {
    let (mut w, q, other, a) = world(AutoPause {
        enabled: true,
        after_misses: 3,
        ..Default::default()
    });
    w.call(q);
    // Misses at 10, 22, 34 (ring 10 s + retry 2 s): paused at the third.
    w.at(33);
    assert!(pause_reasons(&w).is_empty());
    w.at(34);
    assert_eq!(
        pause_reasons(&w),
        vec![(34, Some(q), "auto-pause: 3 missed offers".to_string())]
    );
    // Paused in q only: a call in the other queue still reaches the agent.
    let c = w.call(other);
    assert_eq!(w.ringing_for(a).map(|r| r.1), Some(c));
}

#[test]
fn an_answer_resets_the_count() {
    let (mut w, q, _, a) = world(AutoPause {
        enabled: true,
        after_misses: 2,
        ..Default::default()
    });
    let c = w.call(q);
    w.at(10); // one miss
    w.at(12);
    w.answer(a);
    w.hang_up(c);
    w.call(q);
    w.at(30); // one miss again, not two in a row
    assert!(pause_reasons(&w).is_empty());
    assert_eq!(w.router.agent(a).unwrap().missed_in_row, 1);
}

#[test]
fn scope_all_pauses_everywhere() {
    let (mut w, q, other, a) = world(AutoPause {
        enabled: true,
        after_misses: 1,
        scope: PauseScope::All,
        ..Default::default()
    });
    w.call(q);
    w.at(10);
    assert_eq!(
        pause_reasons(&w),
        vec![(10, None, "auto-pause: 1 missed offers".to_string())]
    );
    w.call(other);
    assert!(w.ringing().is_empty());
    assert_eq!(w.router.agent(a).unwrap().status, AgentStatus::Break);
    let line = match &w
        .log
        .iter()
        .rev()
        .find(|(_, o)| matches!(o, Output::Event(e) if e.verb() == "PAUSEALL"))
    {
        Some((_, Output::Event(e))) => e.queue_log_line(None, Some("Agent/1")),
        _ => panic!("no PAUSEALL"),
    };
    assert_eq!(
        line,
        "10|NONE|NONE|Agent/1|PAUSEALL|auto-pause: 1 missed offers"
    );
}

#[test]
fn rejects_count_only_when_configured() {
    for count_rejects in [false, true] {
        let (mut w, q, _, a) = world(AutoPause {
            enabled: true,
            after_misses: 1,
            count_rejects,
            ..Default::default()
        });
        w.call(q);
        w.reject(a);
        assert_eq!(
            !pause_reasons(&w).is_empty(),
            count_rejects,
            "count_rejects = {count_rejects}"
        );
    }
}

#[test]
fn unreachable_counts_only_when_configured() {
    for count_unreachable in [false, true] {
        let (mut w, q, _, a) = world(AutoPause {
            enabled: true,
            after_misses: 1,
            count_unreachable,
            ..Default::default()
        });
        w.call(q);
        let (offer, _) = w.ringing_for(a).unwrap();
        w.input(Input::OfferFailed {
            offer,
            failure: OfferFailure::Unreachable,
        });
        assert_eq!(
            !pause_reasons(&w).is_empty(),
            count_unreachable,
            "count_unreachable = {count_unreachable}"
        );
    }
}

#[test]
fn resumes_by_itself_after_the_delay() {
    let (mut w, q, _, a) = world(AutoPause {
        enabled: true,
        after_misses: 1,
        resume_after_secs: Some(60),
        ..Default::default()
    });
    w.call(q);
    w.at(10);
    assert!(!pause_reasons(&w).is_empty());
    w.advance(Duration::from_secs(59));
    assert!(w.ringing().is_empty());
    w.advance(Duration::from_secs(1));
    assert_eq!(
        w.ringing(),
        vec![a],
        "resumed at 70 s and offered the waiting call"
    );
    let unpause: Vec<_> = w
        .events()
        .into_iter()
        .filter(|e| e.1 == "UNPAUSE")
        .collect();
    assert_eq!(unpause, vec![(70, "UNPAUSE", Some(a))]);
}

#[test]
fn disabled_never_pauses() {
    let (mut w, q, _, _) = world(AutoPause::default());
    w.call(q);
    w.at(200);
    assert!(pause_reasons(&w).is_empty());
}
