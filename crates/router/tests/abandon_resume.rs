//! Abandoned-resume (FreeSWITCH `abandoned-resume-allowed`): a caller who hangs up and
//! calls back from the same number within the queue's window takes back the old place.

use switchyard_core::config::QueueConfig;
use switchyard_core::{Channel, InteractionId, QueueId, Time};
use switchyard_router::{Input, NewInteraction};
use switchyard_testkit::{TENANT, World};

fn call_from(w: &mut World, q: QueueId, id: u64, number: &str) -> InteractionId {
    let i = InteractionId(1000 + id);
    w.input(Input::Join(NewInteraction {
        id: i,
        tenant: TENANT,
        queue: q,
        channel: Channel::Voice,
        caller_id: number.into(),
        skills: vec![],
        priority: 0,
        arrived: None,
    }));
    i
}

fn line(w: &World, q: QueueId) -> Vec<InteractionId> {
    w.router.waiting(q).unwrap().iter().map(|v| v.id).collect()
}

fn world(window: Option<u32>) -> (World, QueueId) {
    let mut w = World::new(1);
    let q = w.queue(QueueConfig {
        abandon_resume_secs: window,
        ..Default::default()
    });
    (w, q)
}

#[test]
fn calling_back_within_the_window_takes_back_the_old_place() {
    let (mut w, q) = world(Some(120));
    let first = call_from(&mut w, q, 1, "+15550001");
    w.at(10);
    let second = call_from(&mut w, q, 2, "+15550002");
    w.at(30);
    w.input(Input::CustomerLeft { interaction: first });
    assert_eq!(w.router.queue_stats(q, w.now).unwrap().abandoned, 1);
    w.at(90);
    let again = call_from(&mut w, q, 3, "+15550001");
    assert_eq!(
        line(&w, q),
        vec![again, second],
        "back ahead of the caller who came at 10 s"
    );
    assert_eq!(w.router.interaction(again).unwrap().arrived, Time::ZERO);
}

#[test]
fn after_the_window_or_from_another_number_it_is_a_new_place() {
    let (mut w, q) = world(Some(60));
    let first = call_from(&mut w, q, 1, "+15550001");
    w.at(10);
    let second = call_from(&mut w, q, 2, "+15550002");
    w.at(20);
    w.input(Input::CustomerLeft { interaction: first });
    let other = call_from(&mut w, q, 3, "+15559999");
    assert_eq!(
        line(&w, q),
        vec![second, other],
        "another number does not inherit the place"
    );
    w.at(81); // 61 s after the abandon
    let late = call_from(&mut w, q, 4, "+15550001");
    assert_eq!(
        line(&w, q),
        vec![second, other, late],
        "too late: a new place at the end"
    );
}

#[test]
fn off_by_default_and_used_once() {
    let (mut w, q) = world(None);
    let first = call_from(&mut w, q, 1, "+15550001");
    w.at(10);
    let second = call_from(&mut w, q, 2, "+15550002");
    w.input(Input::CustomerLeft { interaction: first });
    let again = call_from(&mut w, q, 3, "+15550001");
    assert_eq!(
        line(&w, q),
        vec![second, again],
        "no window configured: no resume"
    );

    let (mut w, q) = world(Some(300));
    let first = call_from(&mut w, q, 1, "+15550001");
    w.at(10);
    let second = call_from(&mut w, q, 2, "+15550002");
    w.input(Input::CustomerLeft { interaction: first });
    let again = call_from(&mut w, q, 3, "+15550001");
    w.input(Input::CustomerLeft { interaction: again });
    w.at(20);
    let third = call_from(&mut w, q, 4, "+15550001");
    // The resumed stay's arrival (0 s) is what the second abandon remembered.
    assert_eq!(line(&w, q), vec![third, second]);
}
