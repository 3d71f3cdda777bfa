//! Issue 15, item 9: "longest wait" counts only customers still in line. A caller who
//! hung up, or was moved away, no longer ages the queue's oldest-waiting figure.

use switchyard_core::config::QueueConfig;
use switchyard_router::Input;
use switchyard_testkit::World;

#[test]
fn a_caller_who_hangs_up_leaves_the_longest_wait() {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig::default());
    let first = w.call(q);
    w.at(30);
    let _second = w.call(q);
    w.at(40);
    assert_eq!(
        w.router.queue_stats(q, w.now).unwrap().longest_wait_secs,
        40
    );
    w.input(Input::CustomerLeft { interaction: first });
    let s = w.router.queue_stats(q, w.now).unwrap();
    assert_eq!(s.waiting, 1);
    assert_eq!(s.longest_wait_secs, 10, "the second caller has waited 10 s");
    w.at(50);
    assert_eq!(
        w.router.queue_stats(q, w.now).unwrap().longest_wait_secs,
        20
    );
}

#[test]
fn an_empty_queue_has_no_longest_wait_after_everyone_left() {
    let mut w = World::new(2);
    let q1 = w.queue(QueueConfig::default());
    let q2 = w.queue(QueueConfig::default());
    let c = w.call(q1);
    w.at(25);
    w.input(Input::Move {
        interaction: c,
        to: q2,
    });
    let s1 = w.router.queue_stats(q1, w.now).unwrap();
    assert_eq!((s1.waiting, s1.longest_wait_secs), (0, 0));
    assert_eq!(w.router.queue_stats(q2, w.now).unwrap().waiting, 1);
    w.at(40);
    w.input(Input::CustomerLeft { interaction: c });
    w.at(60);
    let s2 = w.router.queue_stats(q2, w.now).unwrap();
    assert_eq!((s2.waiting, s2.longest_wait_secs), (0, 0));
}
