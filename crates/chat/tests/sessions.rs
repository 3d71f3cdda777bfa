//! The three session state machines over channels, against a real engine and store.

mod common;

use common::World;
use serde_json::json;
use std::time::Duration;
use switchyard_chat::ChatConfig;
use switchyard_chat::token::{PriorityGrant, sign_priority};

fn grant(w: &World, queue: usize, expires_secs: u64) -> PriorityGrant {
    PriorityGrant {
        tenant: w.tenant.0,
        queue: w.queues[queue].0,
        priority: 5,
        expires_secs,
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn priority_tokens_are_bound_to_their_tenant_queue_and_expiry() {
    let w = World::new(config()).await;
    let key = w.store.token_secret(w.tenant.0 as i64).await.unwrap();
    assert_eq!(
        key,
        w.store.token_secret(w.tenant.0 as i64).await.unwrap(),
        "kept"
    );
    let other = w.store.create_tenant("other").await.unwrap();
    let other_key = w.store.token_secret(other.id).await.unwrap();
    assert_ne!(key, other_key, "one key per tenant");
    let later = now_secs() + 600;
    let refused = |token: String, queue: usize, why: &'static str| {
        let c = w.customer();
        let q = w.queues[queue].0;
        async move {
            let mut c = c;
            c.send(
                json!({ "type": "join", "queue_id": q, "name": "Eve", "priority_token": token }),
            );
            let e = c.expect("error").await;
            assert_eq!(e["code"], "bad_message", "{e}");
            assert!(e["message"].as_str().unwrap().contains(why), "{why}: {e}");
        }
    };
    // Minted by the other tenant (its key, its id) and replayed here.
    let foreign = sign_priority(
        &other_key,
        PriorityGrant {
            tenant: other.id as u64,
            ..grant(&w, 0, later)
        },
    );
    refused(foreign, 0, "BadSignature").await;
    // The other tenant's key claiming this tenant: the signature fails.
    refused(
        sign_priority(&other_key, grant(&w, 0, later)),
        0,
        "BadSignature",
    )
    .await;
    // This tenant's key, another tenant's id (a key shared by mistake): still refused.
    let wrong_tenant = PriorityGrant {
        tenant: other.id as u64,
        ..grant(&w, 0, later)
    };
    refused(sign_priority(&key, wrong_tenant), 0, "WrongTenant").await;
    // Minted for queue 1, presented to queue 0.
    refused(sign_priority(&key, grant(&w, 1, later)), 0, "WrongQueue").await;
    // Expired.
    refused(
        sign_priority(&key, grant(&w, 0, now_secs() - 1)),
        0,
        "Expired",
    )
    .await;
    // The right one is taken, and raises the customer ahead of an earlier one.
    let (_ann, _) = w.joined("Ann", 0).await;
    let good = sign_priority(&key, grant(&w, 0, later));
    let mut vip = w.customer();
    vip.send(
        json!({ "type": "join", "queue_id": w.queues[0].0, "name": "VIP", "priority_token": good }),
    );
    assert_eq!(vip.expect("joined").await["position"], 1, "ahead of Ann");
    // Rotating the key voids it.
    w.store
        .rotate_token_secret(w.tenant.0 as i64)
        .await
        .unwrap();
    refused(good, 0, "BadSignature").await;
}

fn config() -> ChatConfig {
    ChatConfig {
        resume_grace: Duration::from_millis(300),
        ..ChatConfig::default()
    }
}

#[tokio::test]
async fn customers_see_positions_and_chat_with_the_agent() {
    let w = World::new(config()).await;
    let (mut ann, j1) = w.joined("Ann", 0).await;
    let (mut ben, j2) = w.joined("Ben", 0).await;
    assert_eq!((&j1["position"], &j2["position"]), (&json!(1), &json!(2)));
    assert_eq!(j1["state"], "waiting");
    ann.send(json!({ "type": "message", "text": "anyone?", "client_id": "m1" }));
    let ack = ann.expect("ack").await;
    assert_eq!(
        (ack["client_id"].as_str(), ack["state"].as_str()),
        (Some("m1"), Some("sent"))
    );

    let mut bob = w.agent();
    bob.send(json!({ "type": "login", "login": "bob", "password": "s3cret-desk-pw" }));
    let welcome = bob.expect("welcome").await;
    assert_eq!(welcome["name"], "bob");
    let offer = bob.expect("offer").await;
    assert_eq!(offer["customer"], "Ann");
    assert_eq!(offer["history"][0]["text"], "anyone?");
    bob.send(json!({ "type": "accept", "offer": offer["offer"] }));
    let started = bob.expect("chat_started").await;
    let i = started["interaction"].clone();
    assert_eq!(ann.expect("assigned").await["agent_name"], "bob");
    ben.position(1).await;

    bob.send(json!({ "type": "typing", "interaction": i, "on": true }));
    assert_eq!(ann.expect("typing").await["on"], true);
    bob.send(json!({ "type": "message", "interaction": i, "text": "Hi Ann", "client_id": "b1" }));
    assert_eq!(ann.expect("message").await["text"], "Hi Ann");
    assert_eq!(bob.expect("delivered").await["client_id"], "b1");
    ann.send(json!({ "type": "message", "text": "thanks" }));
    assert_eq!(bob.expect("message").await["text"], "thanks");
    assert_eq!(ann.expect("ack").await["state"], "delivered");
    ann.send(json!({ "type": "read", "seq": 2 }));
    assert_eq!(bob.expect("read").await["seq"], 2);

    bob.send(json!({ "type": "history", "interaction": i }));
    assert_eq!(
        bob.expect("history").await["messages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    bob.send(json!({ "type": "complete", "interaction": i }));
    assert_eq!(ann.expect("ended").await["by"], "agent");
    assert_eq!(ann.closed().await.0, 1000);
    assert_eq!(bob.expect("chat_ended").await["interaction"], i);
}

#[tokio::test]
async fn a_reconnect_within_the_grace_period_keeps_the_place() {
    let w = World::new(config()).await;
    let (ann, j) = w.joined("Ann", 0).await;
    let (mut ben, _) = w.joined("Ben", 0).await;
    drop(ann); // the socket goes away
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = w.customer();
    again.send(json!({ "type": "resume", "token": j["resume_token"] }));
    let r = again.expect("joined").await;
    assert_eq!(
        (r["interaction"].clone(), r["position"].clone()),
        (j["interaction"].clone(), json!(1))
    );
    // Well past the grace period: still in line, Ben still second.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let i = switchyard_core::InteractionId(j["interaction"].as_u64().unwrap());
    let est = w.engine.call(move |r, _| r.estimate(i)).await.unwrap();
    assert_eq!(est.map(|e| e.position), Some(1));
    ben.send(json!({ "type": "ping" }));
    ben.expect("pong").await;
}

#[tokio::test]
async fn after_the_grace_period_the_customer_has_left() {
    let w = World::new(config()).await;
    let (ann, j) = w.joined("Ann", 0).await;
    let (mut ben, _) = w.joined("Ben", 0).await;
    drop(ann);
    ben.position(1).await;
    let mut late = w.customer();
    late.send(json!({ "type": "resume", "token": j["resume_token"] }));
    assert_eq!(late.expect("error").await["code"], "not_found");
}

#[tokio::test]
async fn callback_keeps_the_place_and_survives_the_socket() {
    let w = World::new(config()).await;
    let (mut ann, j) = w.joined("Ann", 0).await;
    ann.send(json!({ "type": "callback", "number": "abc" }));
    assert_eq!(ann.expect("error").await["code"], "bad_message");
    // Without a policy the tenant calls national numbers only.
    ann.send(json!({ "type": "callback", "number": "+33 1 23 45 67 89" }));
    let e = ann.expect("error").await;
    assert_eq!(
        (e["code"].as_str(), e["message"].as_str()),
        (
            Some("refused"),
            Some("number: we cannot call numbers abroad")
        )
    );
    w.engine.callbacks().set_policy(
        w.tenant,
        Some(switchyard_core::callback_policy::CallbackPolicy {
            country_code: Some("33".into()),
            ..Default::default()
        }),
    );
    ann.send(json!({ "type": "callback", "number": "+33 1 23 45 67 89" }));
    assert_eq!(
        ann.expect("callback_scheduled").await["number"],
        "+33123456789"
    );
    drop(ann);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let i = switchyard_core::InteractionId(j["interaction"].as_u64().unwrap());
    let v = w
        .engine
        .call(move |r, _| r.interaction(i))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.channel, switchyard_core::Channel::Callback);
    assert_eq!(v.position, Some(1));
}

#[tokio::test]
async fn invalid_input_gets_errors_not_crashes() {
    let w = World::new(config()).await;
    let mut c = w.customer();
    c.raw("{not json");
    assert_eq!(c.expect("error").await["code"], "bad_json");
    c.send(json!({ "type": "message", "text": "hi" }));
    assert_eq!(c.expect("error").await["code"], "not_ready");
    c.send(json!({ "type": "join", "queue_id": 999, "name": "X" }));
    assert_eq!(c.expect("error").await["code"], "not_found");
    c.send(json!({ "type": "join", "queue_id": w.queues[0].0, "name": "X", "priority_token": "1.2.ff" }));
    assert_eq!(c.expect("error").await["code"], "bad_message");
    let key = w.store.token_secret(w.tenant.0 as i64).await.unwrap();
    let token = sign_priority(&key, grant(&w, 0, u64::MAX / 2000));
    c.send(json!({ "type": "join", "queue_id": w.queues[0].0, "name": "VIP", "priority_token": token }));
    c.expect("joined").await;
    let mut a = w.agent();
    a.send(json!({ "type": "login", "login": "bob", "password": "wrong" }));
    assert_eq!(a.expect("error").await["code"], "unauthorized");
    assert_eq!(a.closed().await.0, 4401);
}

#[tokio::test]
async fn the_supervisor_sees_the_board_and_moves_a_customer() {
    let w = World::new(config()).await;
    let (mut ann, j) = w.joined("Ann", 0).await;
    let mut s = w.supervisor();
    s.send(json!({ "type": "auth", "token": "nope" }));
    assert_eq!(s.expect("error").await["code"], "unauthorized");
    let mut s = w.supervisor();
    s.send(json!({ "type": "auth", "token": w.supervisor_token }));
    assert_eq!(s.expect("welcome").await["tenant_name"], "acme");
    let snap = s.expect("snapshot").await;
    assert_eq!(snap["queues"][0]["waiting"], 1);
    assert_eq!(snap["queues"][0]["line"][0]["customer"], "Ann");
    assert_eq!(snap["agents"][0]["status"], "offline");
    s.send(json!({ "type": "move", "interaction": j["interaction"], "queue": w.queues[1].0 }));
    assert_eq!(s.expect("done").await["action"], "move");
    assert_eq!(ann.expect("moved").await["queue_name"], "support");
    s.send(json!({ "type": "pause_agent", "agent": w.agent.0, "reason": "coaching" }));
    assert_eq!(s.expect("done").await["action"], "pause_agent");
    s.send(json!({ "type": "offline_messages" }));
    s.expect("offline_messages").await;
}

#[tokio::test]
async fn max_depth_alarms_supervisors_and_offers_the_offline_form() {
    use switchyard_core::config::{OverflowAction, OverflowLink, OverflowTrigger, QueueConfig};
    let w = World::new(config()).await;
    let q = switchyard_core::QueueId(103);
    let cfg = QueueConfig {
        id: q,
        tenant: w.tenant,
        name: "tiny".into(),
        max_depth: Some(1),
        overflow: vec![OverflowLink {
            on: vec![OverflowTrigger::MaxDepth],
            action: OverflowAction::Voicemail,
        }],
        ..QueueConfig::default()
    };
    w.engine
        .handle(switchyard_router::Input::UpsertQueue(cfg))
        .await
        .unwrap();
    let mut s = w.supervisor();
    s.send(json!({ "type": "auth", "token": w.supervisor_token }));
    s.expect("welcome").await;

    let mut first = w.customer();
    first.send(json!({ "type": "join", "queue_id": q.0, "name": "One" }));
    first.expect("joined").await;
    let mut second = w.customer();
    second.send(json!({ "type": "join", "queue_id": q.0, "name": "Two" }));
    assert_eq!(second.expect("offline").await["reason"], "max_depth");
    let alarm = s.expect("alarm").await;
    assert_eq!(
        (alarm["trigger"].as_str(), alarm["queue_name"].as_str()),
        (Some("max_depth"), Some("tiny"))
    );

    second.send(json!({ "type": "offline_message", "name": "Two", "contact": "two@example.com", "text": "call me" }));
    second.expect("offline_saved").await;
    s.send(json!({ "type": "offline_messages" }));
    let list = s.expect("offline_messages").await;
    assert_eq!(list["items"][0]["contact"], "two@example.com");
    first.send(json!({ "type": "offline_message", "name": "One", "contact": "x", "text": "y" }));
    assert_eq!(first.expect("error").await["code"], "refused");
}

#[tokio::test]
async fn pull_mode_agents_take_next_and_transfer() {
    use switchyard_core::config::{Membership, QueueConfig};
    let w = World::new(config()).await;
    let q = switchyard_core::QueueId(104);
    let cfg = QueueConfig {
        id: q,
        tenant: w.tenant,
        name: "experts".into(),
        pull_mode: true,
        ..QueueConfig::default()
    };
    w.engine
        .handle(switchyard_router::Input::UpsertQueue(cfg))
        .await
        .unwrap();
    let m = Membership {
        agent: w.agent,
        queue: q,
        penalty: 0,
        weight: 1,
    };
    w.engine
        .handle(switchyard_router::Input::UpsertMember(m))
        .await
        .unwrap();
    let mut bob = w.agent();
    bob.send(json!({ "type": "login", "login": "bob", "password": "s3cret-desk-pw" }));
    bob.expect("welcome").await;
    bob.send(json!({ "type": "take_next", "queue": q.0 }));
    assert_eq!(bob.expect("error").await["code"], "not_found");

    let mut c = w.customer();
    c.send(json!({ "type": "join", "queue_id": q.0, "name": "Pat" }));
    c.expect("joined").await;
    bob.send(json!({ "type": "take_next", "queue": q.0 }));
    let claimed = bob.expect("claimed").await;
    let started = bob.expect("chat_started").await;
    assert_eq!(claimed["interaction"], started["interaction"]);
    assert_eq!(c.expect("assigned").await["agent_name"], "bob");

    bob.send(json!({ "type": "transfer", "interaction": started["interaction"], "queue": w.queues[1].0 }));
    assert_eq!(c.expect("transferred").await["queue_name"], "support");
    assert_eq!(bob.expect("chat_ended").await["by"], "agent");
}
