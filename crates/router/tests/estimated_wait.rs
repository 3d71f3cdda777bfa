//! Issue 2, item 15: position and estimated wait per interaction, from measured handle
//! times and current staffing; the estimate reacts to both.

use std::time::Duration;
use switchyard_core::config::QueueConfig;
use switchyard_core::{AgentId, InteractionId, PauseReason, QueueId};
use switchyard_router::{Estimate, Input};
use switchyard_testkit::World;

fn secs(e: Option<Estimate>) -> Option<u64> {
    e.and_then(|e| e.wait).map(|d| d.as_secs())
}

/// A member of `q` who is logged in but busy on a call of its own.
fn busy_member(w: &mut World, id: u64, q: QueueId) -> AgentId {
    let a = w.agent(id, &[]);
    w.login(a);
    w.make_busy(a);
    w.member(a, q, 0);
    a
}

#[test]
fn nobody_staffed_means_no_estimate_but_a_position() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let c1 = w.call(q);
    let c2 = w.call(q);
    let e = w.router.estimate(c2).unwrap();
    assert_eq!((e.position, e.wait), (2, None));
    assert_eq!(
        w.router.queue_stats(q, w.now).unwrap().estimated_wait_secs,
        None
    );
    // A member who is logged out or paused does not staff the queue either.
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    assert_eq!(w.router.estimate(c1).unwrap().wait, None);
    w.input(Input::Pause {
        agent: a,
        queue: None,
        reason: PauseReason::new("break"),
    });
    w.login(a);
    assert_eq!(w.router.estimate(c1).unwrap().wait, None);
    w.input(Input::Unpause {
        agent: a,
        queue: None,
    });
    // Now it takes c1; c2 gets an estimate.
    assert_eq!(w.ringing_for(a).map(|x| x.1), Some(c1));
    assert!(w.router.estimate(c2).unwrap().wait.is_some());
}

#[test]
fn more_agents_lower_the_estimate() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    busy_member(&mut w, 101, q);
    let calls: Vec<InteractionId> = (0..4).map(|_| w.call(q)).collect();
    let one: Vec<_> = calls.iter().map(|c| secs(w.router.estimate(*c))).collect();
    busy_member(&mut w, 102, q);
    let two: Vec<_> = calls.iter().map(|c| secs(w.router.estimate(*c))).collect();
    busy_member(&mut w, 103, q);
    busy_member(&mut w, 104, q);
    let four: Vec<_> = calls.iter().map(|c| secs(w.router.estimate(*c))).collect();
    for k in 0..4 {
        let (a, b, c) = (one[k].unwrap(), two[k].unwrap(), four[k].unwrap());
        assert!(a > b && b > c, "position {}: {a} > {b} > {c}", k + 1);
    }
    // Later positions wait longer.
    assert!(one.windows(2).all(|p| p[0] < p[1]));
    // Halving: twice the agents, half the wait.
    assert_eq!(one[1].unwrap(), 2 * two[1].unwrap());
}

#[test]
fn fewer_agents_raise_the_estimate() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    busy_member(&mut w, 101, q);
    let a2 = busy_member(&mut w, 102, q);
    let c = w.call(q);
    let before = secs(w.router.estimate(c)).unwrap();
    w.input(Input::Logout { agent: a2 });
    let after = secs(w.router.estimate(c)).unwrap();
    assert!(after > before, "{after} > {before}");
}

/// One agent handles `n` calls of `talk` each, then two more callers wait behind a
/// connected one; returns the estimates of the two.
fn after_handling(talk: &[u64], wrap_up_secs: u32) -> (u64, u64, f64) {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        wrap_up_secs,
        ..Default::default()
    });
    let a = w.agent(101, &[]);
    w.member(a, q, 0);
    w.login(a);
    for t in talk {
        let c = w.call(q);
        w.answer(a);
        w.advance(Duration::from_secs(*t));
        w.hang_up(c);
        w.input(Input::EndWrapUp { agent: a });
    }
    w.call(q);
    w.answer(a);
    let c2 = w.call(q);
    let c3 = w.call(q);
    let aht = w.router.queue_stats(q, w.now).unwrap().avg_handle_secs;
    (
        secs(w.router.estimate(c2)).unwrap(),
        secs(w.router.estimate(c3)).unwrap(),
        aht,
    )
}

#[test]
fn measured_handle_times_drive_the_estimate() {
    let (short2, short3, short_aht) = after_handling(&[60], 0);
    let (long2, long3, long_aht) = after_handling(&[600], 0);
    assert_eq!((short2, short3), (60, 120));
    assert_eq!((long2, long3), (600, 1200));
    assert_eq!((short_aht, long_aht), (60.0, 600.0));
    // Traffic changing: one long call after a short one raises it, but not all the way.
    let (mixed2, _, _) = after_handling(&[60, 600], 0);
    assert!(mixed2 > 60 && mixed2 < 600, "{mixed2}");
    // And short calls bring it down again.
    let (down2, _, _) = after_handling(&[600, 60, 60, 60], 0);
    assert!(down2 < 600, "{down2}");
    // Wrap-up is part of the handle time.
    let (wrapped2, _, _) = after_handling(&[60], 30);
    assert_eq!(wrapped2, 90);
}

#[test]
fn estimates_list_the_whole_line_in_order() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    busy_member(&mut w, 101, q);
    busy_member(&mut w, 102, q);
    let calls: Vec<_> = (0..5).map(|_| w.call(q)).collect();
    w.at(30);
    let all = w.router.estimates(q).unwrap();
    assert_eq!(all.iter().map(|(i, _)| *i).collect::<Vec<_>>(), calls);
    for (k, (i, e)) in all.iter().enumerate() {
        assert_eq!(e.position as usize, k + 1);
        assert_eq!(Some(*e), w.router.estimate(*i));
    }
    assert!(all.windows(2).all(|p| p[0].1.wait <= p[1].1.wait));
    let stats = w.router.queue_stats(q, w.now).unwrap();
    assert_eq!(stats.waiting, 5);
    assert_eq!(stats.longest_wait_secs, 30);
    // A customer joining now would be sixth.
    let sixth = stats.estimated_wait_secs.unwrap();
    assert!(sixth > all[4].1.wait.unwrap().as_secs());
}

#[test]
fn positions_move_up_as_the_line_moves() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let a = busy_member(&mut w, 101, q);
    let c1 = w.call(q);
    let c2 = w.call(q);
    let c3 = w.call(q);
    let before = w.router.estimate(c3).unwrap();
    assert_eq!(before.position, 3);
    w.input(Input::CustomerLeft { interaction: c1 });
    let after = w.router.estimate(c3).unwrap();
    assert_eq!(after.position, 2);
    assert!(after.wait < before.wait);
    // Connected interactions have no estimate.
    let busy_call = w.router.agent(a).unwrap().active[0];
    w.hang_up(busy_call);
    assert_eq!(w.answer(a), c2);
    assert_eq!(w.router.estimate(c2), None);
    assert_eq!(w.router.estimate(c3).unwrap().position, 1);
    assert_eq!(w.router.estimate(InteractionId(999)), None);
}

#[test]
fn only_agents_who_qualify_staff_an_interaction() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let en = w.agent(101, &[("lang:en", 1)]);
    w.member(en, q, 0);
    w.login(en);
    let c = w.join_with(q, switchyard_core::Channel::Voice, &["lang:de"], 0);
    assert_eq!(w.ringing_for(en), None);
    assert_eq!(
        w.router.estimate(c).unwrap().wait,
        None,
        "the free agent cannot serve it: nobody is staffed for it"
    );
    assert_eq!(w.router.estimates(q).unwrap()[0].1.wait, None);
    // A busy German speaker staffs it: a real wait, not zero.
    let de = w.agent(102, &[("lang:de", 1)]);
    w.login(de);
    w.make_busy(de);
    w.member(de, q, 0);
    assert_eq!(secs(w.router.estimate(c)), Some(180));
    // A plain caller can be served by the free English speaker at once.
    let plain = w.call(q);
    assert_eq!(w.ringing_for(en).map(|x| x.1), Some(plain));
}
