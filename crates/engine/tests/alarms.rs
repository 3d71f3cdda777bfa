//! Queue alarms reach the webhook: a local HTTP receiver that fails the first attempt
//! sees the alarm delivered on the retry, with its queue and kind.

use axum::{Json, Router as Http, extract::State, http::StatusCode, routing::post};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchyard_core::config::{OverflowAction, OverflowLink, OverflowTrigger, QueueConfig};
use switchyard_core::{Channel, InteractionId, QueueId, TenantId};
use switchyard_engine::alarms::Webhook;
use switchyard_engine::{Engine, Sinks};
use switchyard_router::{Input, NewInteraction, Router};

#[derive(Clone, Default)]
struct Seen {
    calls: Arc<Mutex<u32>>,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

async fn receive(State(s): State<Seen>, Json(v): Json<serde_json::Value>) -> StatusCode {
    let n = {
        let mut c = s.calls.lock().unwrap();
        *c += 1;
        *c
    };
    if n == 1 {
        return StatusCode::SERVICE_UNAVAILABLE; // the first attempt fails: retried
    }
    s.bodies.lock().unwrap().push(v);
    StatusCode::NO_CONTENT
}

#[tokio::test]
async fn a_max_depth_alarm_is_posted_with_retries() {
    let seen = Seen::default();
    let app = Http::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (hook, _task) = Webhook::spawn(&format!("http://{addr}/hook")).unwrap();
    let (engine, _t) = Engine::spawn_with(
        Router::new(1),
        Sinks {
            events: None,
            runtime: None,
            alarms: Some(hook),
        },
    );
    let q = QueueConfig {
        id: QueueId(7),
        tenant: TenantId(3),
        name: "billing".into(),
        max_depth: Some(0),
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::MaxDepth],
            action: OverflowAction::Voicemail,
        }],
        ..Default::default()
    };
    engine.handle(Input::UpsertQueue(q)).await.unwrap();
    let join = NewInteraction {
        id: InteractionId(42),
        tenant: TenantId(3),
        queue: QueueId(7),
        channel: Channel::Chat,
        caller_id: "Ann".into(),
        skills: vec![],
        priority: 0,
        arrived: None,
    };
    engine.handle(Input::Join(join)).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.bodies.lock().unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the alarm never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let body = seen.bodies.lock().unwrap()[0].clone();
    assert_eq!(body["kind"], "max_depth");
    assert_eq!(body["queue"], 7);
    assert_eq!(body["queue_name"], "billing");
    assert_eq!(body["tenant"], 3);
    assert_eq!(body["interaction"], 42);
    assert_eq!(
        *seen.calls.lock().unwrap(),
        2,
        "one failed attempt, then delivered"
    );
    let metrics = switchyard_engine::metrics::render();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("switchyard_alarms_total") && l.contains("kind=\"max_depth\"")),
        "{metrics}"
    );
}

#[test]
fn only_http_urls_are_accepted() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        assert!(Webhook::spawn("ftp://example.invalid/x").is_err());
        assert!(Webhook::spawn("http://127.0.0.1:9/x").is_ok());
    });
}
