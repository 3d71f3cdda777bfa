//! The engine drives a real router: inputs in, outputs broadcast, events logged, timers fired.

use switchyard_core::config::{AgentConfig, Membership, QueueConfig};
use switchyard_core::{AgentId, Channel, QueueId, TenantId};
use switchyard_engine::{Engine, EventWriter, Output, Router};
use switchyard_router::{Input, NewInteraction};

// The engine is the edge that reads the system clock, so its timer test runs on the
// wall clock (one 1-second ring timeout); the router's own tests move time by hand.
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

#[tokio::test]
async fn the_runtime_mirror_follows_the_line_and_restore_puts_it_back() {
    use switchyard_engine::Sinks;
    use switchyard_runtime::{Persister, RuntimeStore};
    let store = RuntimeStore::memory();
    let (changes, persister) = Persister::spawn(store.clone());
    let (engine, task) = Engine::spawn_with(
        Router::new(3),
        Sinks {
            events: None,
            runtime: Some(changes),
            alarms: None,
        },
    );
    let t = TenantId(1);
    let q = QueueConfig {
        id: QueueId(1),
        tenant: t,
        name: "q".into(),
        pull_mode: true,
        ..Default::default()
    };
    engine.handle(Input::UpsertQueue(q.clone())).await.unwrap();
    let a = AgentConfig {
        id: AgentId(1),
        tenant: t,
        name: "a".into(),
        ..Default::default()
    };
    engine.handle(Input::UpsertAgent(a.clone())).await.unwrap();
    let m = Membership {
        agent: AgentId(1),
        queue: QueueId(1),
        penalty: 0,
        weight: 1,
    };
    engine.handle(Input::UpsertMember(m)).await.unwrap();
    let join = |id: u64, channel: Channel| {
        Input::Join(NewInteraction {
            id: switchyard_core::InteractionId(id),
            tenant: t,
            queue: QueueId(1),
            channel,
            caller_id: format!("c{id}"),
            skills: vec![],
            priority: 0,
            arrived: None,
        })
    };
    engine.handle(join(10, Channel::Chat)).await.unwrap();
    engine.handle(join(11, Channel::Voice)).await.unwrap();
    engine.handle(join(12, Channel::Callback)).await.unwrap();
    engine
        .handle(Input::SetPriority {
            interaction: switchyard_core::InteractionId(12),
            priority: 4,
        })
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
    // The agent takes the best one (the prioritised callback): it leaves the mirror.
    let got = engine
        .call(|r, now| r.claim(now, AgentId(1), None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, Some(switchyard_core::InteractionId(12)));
    engine.shutdown().await;
    task.await.unwrap();
    drop(engine);
    persister.finish().await;
    let ids: Vec<u64> = store.all().await.unwrap().iter().map(|r| r.id.0).collect();
    assert_eq!(ids, vec![10, 11]);

    // A fresh router restores the chat, not the voice call (its dialog is gone).
    let (changes, persister) = Persister::spawn(store.clone());
    let (engine, task) = Engine::spawn_with(
        Router::new(4),
        Sinks {
            events: None,
            runtime: Some(changes),
            alarms: None,
        },
    );
    engine.handle(Input::UpsertQueue(q)).await.unwrap();
    let n = engine.restore(store.all().await.unwrap()).await.unwrap();
    assert_eq!(n, 1);
    let line = engine
        .call(|r, _| r.waiting(QueueId(1)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(line.iter().map(|v| v.id.0).collect::<Vec<_>>(), vec![10]);
    engine.shutdown().await;
    task.await.unwrap();
    drop(engine);
    persister.finish().await;
    let ids: Vec<u64> = store.all().await.unwrap().iter().map(|r| r.id.0).collect();
    assert_eq!(ids, vec![10], "the unrestorable voice record is dropped");
}

#[tokio::test]
async fn queue_log_follows_log_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("queue_log");
    let (events, writer) = EventWriter::spawn(None, Some(log.clone()));
    let (engine, task) = Engine::spawn(Router::new(1), Some(events));
    let a = AgentConfig {
        id: AgentId(1),
        tenant: TenantId(1),
        name: "ann".into(),
        ..Default::default()
    };
    engine.handle(Input::UpsertAgent(a)).await.unwrap();
    engine
        .handle(Input::Login { agent: AgentId(1) })
        .await
        .unwrap();
    let wait_for = |path: std::path::PathBuf, verb: &'static str| async move {
        for _ in 0..100 {
            if std::fs::read_to_string(&path)
                .unwrap_or_default()
                .contains(verb)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{verb} not written to {}", path.display());
    };
    wait_for(log.clone(), "AGENTLOGIN").await;
    // logrotate: rename the file away.
    let rotated = dir.path().join("queue_log.1");
    std::fs::rename(&log, &rotated).unwrap();
    engine
        .handle(Input::Logout { agent: AgentId(1) })
        .await
        .unwrap();
    engine.shutdown().await;
    task.await.unwrap();
    drop(engine);
    writer.finish().await;
    let old = std::fs::read_to_string(&rotated).unwrap();
    let new = std::fs::read_to_string(&log).unwrap();
    assert!(
        old.contains("|ann|AGENTLOGIN") && !old.contains("AGENTLOGOFF"),
        "{old}"
    );
    assert!(
        new.contains("|ann|AGENTLOGOFF") && !new.contains("AGENTLOGIN"),
        "{new}"
    );
}
