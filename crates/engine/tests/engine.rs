//! The engine drives a real router: inputs in, outputs broadcast, events logged, timers fired.

use switchyard_core::config::{AgentConfig, Membership, QueueConfig};
use switchyard_core::{AgentId, Channel, QueueId, TenantId};
use switchyard_engine::{Engine, EventWriter, Output, Router};
use switchyard_router::{Input, NewInteraction};

#[tokio::test]
async fn offers_are_broadcast_timeouts_fire_and_events_reach_queue_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("queue_log");
    let (events, writer) = EventWriter::spawn(None, Some(log.clone()));
    let (engine, task) = Engine::spawn(Router::new(1), Some(events));
    let mut rx = engine.subscribe();
    let t = TenantId(1);
    let q = QueueConfig {
        id: QueueId(1),
        tenant: t,
        name: "sales".into(),
        ring_timeout_secs: 1,
        ..Default::default()
    };
    engine.handle(Input::UpsertQueue(q)).await.unwrap();
    let a = AgentConfig {
        id: AgentId(1),
        tenant: t,
        name: "alice".into(),
        ..Default::default()
    };
    engine.handle(Input::UpsertAgent(a)).await.unwrap();
    engine
        .handle(Input::UpsertMember(Membership {
            agent: AgentId(1),
            queue: QueueId(1),
            penalty: 0,
            weight: 1,
        }))
        .await
        .unwrap();
    engine
        .handle(Input::Login { agent: AgentId(1) })
        .await
        .unwrap();
    engine
        .handle(Input::SetReachable {
            agent: AgentId(1),
            reachable: true,
        })
        .await
        .unwrap();
    let id = engine.mint_interaction_id();
    assert_ne!(id, engine.mint_interaction_id());
    engine
        .handle(Input::Join(NewInteraction {
            id,
            tenant: t,
            queue: QueueId(1),
            channel: Channel::Chat,
            caller_id: "bob".into(),
            skills: vec![],
            priority: 0,
            arrived: None,
        }))
        .await
        .unwrap();
    // Unknown ids are the caller's mistake, reported as errors.
    assert!(
        engine
            .handle(Input::Login { agent: AgentId(99) })
            .await
            .is_err()
    );
    let mut offered = false;
    let mut missed = false;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !(offered && missed) {
        let out = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("outputs in time")
            .unwrap();
        match &*out {
            Output::Offer { interaction, .. } if *interaction == id => offered = true,
            Output::Event(e) if e.kind.name() == "RINGNOANSWER" => missed = true,
            _ => {}
        }
    }
    engine.refresh_metrics().await.unwrap();
    assert!(
        switchyard_engine::metrics::render().contains("switchyard_routing_decision_seconds_bucket")
    );
    engine.shutdown().await;
    task.await.unwrap();
    drop(engine);
    writer.finish().await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines()
            .any(|l| l.ends_with("|sales|NONE|ENTERQUEUE||bob|chat")
                || l.contains("|sales|NONE|ENTERQUEUE|")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("|sales|alice|RINGNOANSWER|")),
        "{text}"
    );
}

#[tokio::test]
async fn a_panic_on_the_router_task_stops_the_engine_visibly() {
    let (engine, task) = Engine::spawn(Router::new(1), None);
    assert_eq!(engine.call(|_, _| 1).await.unwrap(), 1);
    let r = engine.call(|_, _| -> () { panic!("router bug") }).await;
    assert!(matches!(r, Err(switchyard_engine::Error::Stopped)));
    assert!(matches!(
        engine.call(|_, _| ()).await,
        Err(switchyard_engine::Error::Stopped)
    ));
    assert!(
        task.await.unwrap_err().is_panic(),
        "the server watches this handle and exits"
    );
    engine.shutdown().await; // returns at once on a dead engine
}
