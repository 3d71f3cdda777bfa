//! Runtime state in Redis: waiting chats and callbacks survive a restart at their
//! place; voice calls (whose SIP dialog died with the process) do not.

mod common;

use common::{Server, demo_id};
use reqwest::Method;
use serde_json::json;

fn redis_url() -> String {
    std::env::var("SWITCHYARD_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn waiting_chats_and_callbacks_survive_a_restart_via_redis() {
    let dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!(
        "switchyard-test-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let url = redis_url();
    let args = [
        "--redis-url",
        url.as_str(),
        "--redis-prefix",
        prefix.as_str(),
    ];
    let s = Server::start(dir.path(), &args).await;
    let t = demo_id(&s).await;
    let base = format!("/api/v1/tenants/{t}");
    // Pull mode: nothing is offered, everything waits.
    let q = s
        .call(
            Method::POST,
            &format!("{base}/queues"),
            Some(json!({"name": "later", "settings": {"pull_mode": true}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for (channel, who) in [
        ("callback", "+15550001"),
        ("voice", "+15550002"),
        ("chat", "Visitor"),
        ("callback", "+15550003"),
    ] {
        let v = s
            .call(
                Method::POST,
                &format!("{base}/interactions"),
                Some(json!({"queue_id": q, "channel": channel, "caller_id": who})),
                201,
            )
            .await;
        ids.push((v["id"].as_u64().unwrap(), v["arrived"].clone(), channel));
    }
    // The last callback is handled before the restart: it must not come back.
    s.call(
        Method::POST,
        &format!("{base}/interactions/{}/hangup", ids[3].0),
        None,
        204,
    )
    .await;
    s.stop().await;

    let s = Server::start(dir.path(), &args).await;
    for (id, arrived, channel) in &ids[..3] {
        let r = s
            .req(
                Method::GET,
                &format!("{base}/interactions/{id}"),
                Some(common::ADMIN),
                None,
            )
            .await;
        if *channel == "voice" {
            assert_eq!(r.status(), 404, "a voice call does not outlive its node");
        } else {
            assert_eq!(r.status(), 200, "{channel} {id} restored");
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(&v["arrived"], arrived, "same place in line");
        }
    }
    s.call(
        Method::GET,
        &format!("{base}/interactions/{}", ids[3].0),
        None,
        404,
    )
    .await;
    let line = s
        .call(
            Method::GET,
            &format!("{base}/live/queues/{q}/waiting"),
            None,
            200,
        )
        .await;
    let order: Vec<u64> = line
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![ids[0].0, ids[2].0]);
    s.stop().await;
    // A restore is not a new arrival in the queue_log.
    let log = std::fs::read_to_string(dir.path().join("queue_log")).unwrap();
    let enters = log
        .lines()
        .filter(|l| l.contains(&format!("|{}|later|NONE|ENTERQUEUE|", ids[0].0)))
        .count();
    assert_eq!(enters, 1, "{log}");

    // Clean up this test's keys.
    let _ = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "redis-cli --scan --pattern '{prefix}:*' | xargs -r redis-cli del > /dev/null"
        ))
        .status();
}

#[tokio::test]
async fn an_unreachable_redis_fails_the_start_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args([
            "serve",
            "--http-listen",
            "127.0.0.1:0",
            "--redis-url",
            "redis://127.0.0.1:1",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("connecting to Redis"),
        "{out:?}"
    );
}
