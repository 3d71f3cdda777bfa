//! Issue 2, item 11: a queue's schedule (time zone, weekly hours, holidays) decides at
//! join time; outside opening hours the after-hours link of the chain applies.
//!
//! Simulated times are milliseconds since the Unix epoch (UTC), so every test moves
//! the world's clock to a chosen date first.

use switchyard_core::config::{OverflowAction, OverflowLink, OverflowTrigger, QueueConfig};
use switchyard_core::schedule::{Day, Holiday, Schedule, WeeklyHours};
use switchyard_core::{AgentId, InteractionId, QueueId, Time};
use switchyard_router::Output;
use switchyard_testkit::World;

/// Friday 2026-11-20 09:00:00 UTC (10:00 in Paris, 04:00 in New York).
const FRI_0900Z: u64 = 1_795_165_200;
/// Saturday 2026-11-21 09:00:00 UTC.
const SAT_0900Z: u64 = 1_795_251_600;
/// Thursday 2026-12-24 09:00:00 UTC.
const XMAS_EVE_0900Z: u64 = 1_798_102_800;
/// Friday 2026-12-25 09:00:00 UTC.
const XMAS_0900Z: u64 = 1_798_189_200;
/// Wednesday 2026-07-01 06:30:00 UTC (08:30 in Paris, summer time).
const JUL1_0630Z: u64 = 1_782_887_400;

const HOUR: u64 = 3600;

fn office(tz: &str, open: &str, close: &str) -> Schedule {
    Schedule {
        time_zone: tz.into(),
        weekly: vec![WeeklyHours {
            days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
            open: open.into(),
            close: close.into(),
        }],
        holidays: vec![Holiday {
            date: "2026-12-25".into(),
            name: "Christmas".into(),
        }],
    }
}

struct Desk {
    w: World,
    q: QueueId,
    night: QueueId,
    a: AgentId,
}

/// A Paris queue open 09:00-17:30 on weekdays whose after-hours link is a night queue,
/// with one agent logged in to the day queue.
fn desk() -> Desk {
    let mut w = World::new(1);
    let night = w.queue(QueueConfig::default());
    let q = w.queue(QueueConfig {
        schedule: Some(office("Europe/Paris", "09:00", "17:30")),
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::AfterHours],
            action: OverflowAction::Queue { queue: night },
        }],
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    Desk { w, q, night, a }
}

fn after_hours(w: &World, i: InteractionId) -> bool {
    w.router_events().iter().any(|(_, e)| {
        e.interaction == Some(i)
            && matches!(
                &e.kind,
                switchyard_core::EventKind::Overflow {
                    trigger: OverflowTrigger::AfterHours,
                    ..
                }
            )
    })
}

/// Joins at `secs` (UTC epoch) and tells whether the call was sent after hours.
fn closed_at(secs: u64) -> bool {
    let mut d = desk();
    d.w.advance_to(Time::from_secs(secs));
    let c = d.w.call(d.q);
    let closed = after_hours(&d.w, c);
    let queue = d.w.router.interaction(c).unwrap().queue;
    if closed {
        assert_eq!(queue, d.night);
        assert!(d.w.ringing_for(d.a).is_none());
    } else {
        assert_eq!(queue, d.q);
        assert_eq!(d.w.ringing_for(d.a).map(|x| x.1), Some(c));
    }
    closed
}

#[test]
fn open_hours_route_normally() {
    let mut d = desk();
    d.w.advance_to(Time::from_secs(FRI_0900Z));
    let c = d.w.call(d.q);
    assert_eq!(d.w.events_of(c)[0].1, "ENTERQUEUE");
    assert_eq!(d.w.ringing_for(d.a).map(|x| x.1), Some(c));
    assert!(!after_hours(&d.w, c));
}

#[test]
fn weekly_hours_are_local_time() {
    // Paris is UTC+1 in November: 09:00-17:30 local is 08:00-16:30Z.
    assert!(closed_at(FRI_0900Z - HOUR - 60)); // 07:59Z = 08:59 local
    assert!(!closed_at(FRI_0900Z - HOUR)); // 08:00Z = 09:00 local
    assert!(!closed_at(FRI_0900Z + 7 * HOUR + 29 * 60)); // 16:29Z = 17:29 local
    assert!(closed_at(FRI_0900Z + 7 * HOUR + 30 * 60)); // 16:30Z = 17:30 local
    assert!(closed_at(FRI_0900Z + 8 * HOUR)); // 18:00 local
}

#[test]
fn summer_time_moves_the_utc_window() {
    // UTC+2 in July: 08:30 local closed, 09:00 local = 07:00Z open.
    assert!(closed_at(JUL1_0630Z));
    assert!(!closed_at(JUL1_0630Z + 30 * 60));
}

#[test]
fn weekends_and_holidays_are_closed() {
    assert!(closed_at(SAT_0900Z));
    assert!(closed_at(SAT_0900Z + 24 * HOUR)); // Sunday
    assert!(!closed_at(SAT_0900Z + 48 * HOUR)); // Monday 10:00 local
    assert!(!closed_at(XMAS_EVE_0900Z));
    assert!(closed_at(XMAS_0900Z));
}

#[test]
fn the_time_zone_of_the_schedule_counts() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        schedule: Some(office("America/New_York", "09:00", "17:00")),
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::AfterHours],
            action: OverflowAction::Voicemail,
        }],
        ..Default::default()
    });
    // 09:00Z is 04:00 in New York: closed.
    w.advance_to(Time::from_secs(FRI_0900Z));
    let early = w.call(q);
    // 15:00Z is 10:00 in New York: open.
    w.advance_to(Time::from_secs(FRI_0900Z + 6 * HOUR));
    let late = w.call(q);
    let overflows: Vec<_> = w
        .overflows()
        .into_iter()
        .map(|o| match o {
            Output::Overflow {
                interaction,
                trigger,
                action,
                ..
            } => (*interaction, *trigger, action.clone()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        overflows,
        vec![(
            early,
            OverflowTrigger::AfterHours,
            OverflowAction::Voicemail
        )]
    );
    assert_eq!(w.router.interaction(late).unwrap().position, Some(1));
}

#[test]
fn without_an_after_hours_link_the_call_is_hung_up() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        schedule: Some(office("Europe/Paris", "09:00", "17:30")),
        ..Default::default()
    });
    w.advance_to(Time::from_secs(SAT_0900Z));
    let c = w.call(q);
    assert!(w.router.interaction(c).is_none());
    assert!(matches!(
        w.overflows()[..],
        [Output::Overflow {
            trigger: OverflowTrigger::AfterHours,
            action: OverflowAction::Hangup,
            ..
        }]
    ));
    assert!(w.events_of(c).iter().all(|e| e.1 != "ENTERQUEUE"));
}

#[test]
fn the_same_queue_opens_as_simulated_time_passes() {
    let mut d = desk();
    // Friday evening: closed; Monday morning: open, same queue, no config change.
    d.w.advance_to(Time::from_secs(FRI_0900Z + 10 * HOUR));
    let fri = d.w.call(d.q);
    d.w.advance_to(Time::from_secs(SAT_0900Z + 48 * HOUR));
    let mon = d.w.call(d.q);
    assert!(after_hours(&d.w, fri));
    assert!(!after_hours(&d.w, mon));
    assert_eq!(d.w.ringing_for(d.a).map(|x| x.1), Some(mon));
}

#[test]
fn a_queue_without_schedule_is_always_open() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    for secs in [FRI_0900Z + 15 * HOUR, SAT_0900Z, XMAS_0900Z] {
        w.advance_to(Time::from_secs(secs));
        let c = w.call(q);
        assert!(!after_hours(&w, c));
        assert!(w.router.interaction(c).is_some());
    }
}
