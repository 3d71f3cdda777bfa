//! Fuzzing the chat protocol (issue 14), without sockets:
//! - decoding: any text into the customer, agent and supervisor message types gives a
//!   message or a typed error, never a panic;
//! - the sessions: scripts of structure-aware frames (known types with fields of any
//!   JSON shape, a valid login or auth now and then, garbage, binary frames) run through
//!   the three session state machines over channels against a real engine and store.
//!   Every frame they send back is a versioned JSON message with a type, or a close
//!   with a 1000/4000-range code; no session task panics; each ends when its socket does.
//!
//! Bounded for CI; `FUZZ_CASES=N` runs N scripts per role.

mod common;

use common::World;
use futures_channel::mpsc::unbounded;
use futures_util::StreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use std::time::Duration;
use switchyard_chat::{
    AgentIn, ChatConfig, CustomerIn, ErrorCode, Inbound, Limits, Outbound, SupervisorIn, agent_msg,
    customer_msg, proto, supervisor_msg,
};

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Any JSON value, biased to the shapes that trip deserializers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        prop_oneof![Just(0u64), Just(1), Just(101), Just(102), Just(u64::MAX)]
            .prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,20}".prop_map(Value::String),
        "\\PC{0,10}".prop_map(Value::String),
        "[\u{0}-\u{1f}\u{7f}\u{2028}\u{fffd}a]{0,8}".prop_map(Value::String),
        (1usize..20_000).prop_map(|n| Value::String("x".repeat(n))),
        prop_oneof![
            Just("available"),
            Just("paused"),
            Just("offline"),
            Just("lang:fr"),
            Just("500")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: &[&str] = &[
    "queue",
    "queue_id",
    "tenant",
    "name",
    "skills",
    "priority_token",
    "token",
    "text",
    "client_id",
    "on",
    "seq",
    "number",
    "contact",
    "login",
    "password",
    "status",
    "reason",
    "offer",
    "interaction",
    "agent",
];

/// A message of one of `types`: `v` and `type` usually right, fields of any shape.
fn message(types: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop_oneof![9 => Just(json!(1)), 1 => json_value()],
        prop_oneof![9 => proptest::sample::select(types).prop_map(|t| json!(t)), 1 => json_value()],
        proptest::collection::vec((proptest::sample::select(FIELDS), json_value()), 0..5),
    )
        .prop_map(|(v, ty, fields)| {
            let mut m = Map::new();
            m.insert("v".into(), v);
            m.insert("type".into(), ty);
            for (k, val) in fields {
                m.insert(k.into(), val);
            }
            Value::Object(m).to_string()
        })
}

fn frame(types: &'static [&'static str], valid: Vec<String>) -> impl Strategy<Value = Inbound> {
    prop_oneof![
        12 => message(types).prop_map(Inbound::Text),
        3 => proptest::sample::select(valid).prop_map(Inbound::Text),
        1 => "\\PC{0,40}".prop_map(Inbound::Text),
        1 => (0usize..100_000).prop_map(Inbound::Binary),
        1 => (16_000usize..17_000).prop_map(|n| Inbound::Text(format!("{{\"v\":1,\"type\":\"ping\",\"x\":\"{}\"}}", "y".repeat(n)))),
    ]
}

/// The close codes a session may use.
fn close_code_ok(code: u16) -> bool {
    code == 1000 || code == 1001 || code == 1008 || code == 1009 || (4000..5000).contains(&code)
}

#[test]
fn decoding_any_text_gives_a_message_or_a_typed_error() {
    let mut runner = TestRunner::new(Config {
        cases: cases(1000),
        failure_persistence: None,
        ..Config::default()
    });
    let text = prop_oneof![
        message(customer_msg::TYPES),
        message(agent_msg::TYPES),
        message(supervisor_msg::TYPES),
        "\\PC{0,60}",
    ];
    runner
        .run(&text, |t| {
            for code in [
                proto::decode::<CustomerIn>(&t, customer_msg::TYPES)
                    .err()
                    .map(|e| e.code()),
                proto::decode::<AgentIn>(&t, agent_msg::TYPES)
                    .err()
                    .map(|e| e.code()),
                proto::decode::<SupervisorIn>(&t, supervisor_msg::TYPES)
                    .err()
                    .map(|e| e.code()),
            ]
            .into_iter()
            .flatten()
            {
                prop_assert!(matches!(
                    code,
                    ErrorCode::BadJson
                        | ErrorCode::UnsupportedVersion
                        | ErrorCode::UnknownType
                        | ErrorCode::BadMessage
                ));
            }
            Ok(())
        })
        .unwrap();
}

#[derive(Clone, Copy, Debug)]
enum Role {
    Customer,
    Agent,
    Supervisor,
}

/// Runs one script through a fresh session; checks what comes back.
/// Returns the `type`s of the messages the session sent.
async fn run_script(w: &World, role: Role, frames: Vec<Inbound>) -> Result<Vec<String>, String> {
    let (in_tx, in_rx) = unbounded();
    let (out_tx, mut out_rx) = unbounded();
    let shared = w.chat.0.clone();
    let task = match role {
        Role::Customer => tokio::spawn(switchyard_chat::customer::run(shared, in_rx, out_tx)),
        Role::Agent => tokio::spawn(switchyard_chat::agent::run(shared, in_rx, out_tx)),
        Role::Supervisor => tokio::spawn(switchyard_chat::supervisor::run(shared, in_rx, out_tx)),
    };
    for f in frames {
        let _ = in_tx.unbounded_send(f);
    }
    drop(in_tx);
    let ended = tokio::time::timeout(Duration::from_secs(10), task).await;
    match ended {
        Err(_) => {
            return Err(format!(
                "{role:?} session did not end after its socket closed"
            ));
        }
        Ok(Err(e)) if e.is_panic() => return Err(format!("{role:?} session panicked: {e}")),
        Ok(_) => {}
    }
    let mut types = Vec::new();
    while let Ok(Some(out)) = tokio::time::timeout(Duration::from_millis(50), out_rx.next()).await {
        match out {
            Outbound::Text(t) => {
                let v: Value =
                    serde_json::from_str(&t).map_err(|e| format!("not JSON: {e}: {t}"))?;
                if v["v"] != 1 || !v["type"].is_string() {
                    return Err(format!("unversioned or untyped message: {t}"));
                }
                types.push(v["type"].as_str().unwrap_or_default().to_owned());
            }
            Outbound::Close(code, reason) if !close_code_ok(code) => {
                return Err(format!("close code {code} ({reason})"));
            }
            Outbound::Close(..) => {}
        }
    }
    Ok(types)
}

#[test]
fn sessions_survive_any_script() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = ChatConfig {
        resume_grace: Duration::from_millis(50),
        // Let the scripts reach the handlers rather than the rate limiter.
        limits: Limits {
            burst: 10_000,
            per_second: 10_000,
            ..Limits::default()
        },
        ..ChatConfig::default()
    };
    let w = rt.block_on(World::new(config));
    let q = w.queues[0].0;
    let customer_ok = vec![
        json!({"v":1,"type":"join","queue_id":q,"name":"Ann"}).to_string(),
        json!({"v":1,"type":"join","queue":"500","name":"Ann","skills":["lang:fr"]}).to_string(),
        json!({"v":1,"type":"message","text":"hello"}).to_string(),
        json!({"v":1,"type":"callback","number":"+15550100"}).to_string(),
        json!({"v":1,"type":"offline_message","name":"A","contact":"a@b.c","text":"hi"})
            .to_string(),
        json!({"v":1,"type":"leave"}).to_string(),
    ];
    let agent_ok = vec![
        json!({"v":1,"type":"login","login":"bob","password":"s3cret-desk-pw"}).to_string(),
        json!({"v":1,"type":"presence","status":"available"}).to_string(),
        json!({"v":1,"type":"take_next"}).to_string(),
        json!({"v":1,"type":"accept","offer":1}).to_string(),
        json!({"v":1,"type":"message","interaction":1,"text":"hi"}).to_string(),
        json!({"v":1,"type":"complete","interaction":1}).to_string(),
    ];
    let supervisor_ok = vec![
        json!({"v":1,"type":"auth","token":w.supervisor_token}).to_string(),
        json!({"v":1,"type":"move","interaction":1,"queue":w.queues[1].0}).to_string(),
        json!({"v":1,"type":"pause_agent","agent":w.agent.0}).to_string(),
        json!({"v":1,"type":"offline_messages"}).to_string(),
    ];
    for (role, types, valid) in [
        (Role::Customer, customer_msg::TYPES, customer_ok),
        (Role::Agent, agent_msg::TYPES, agent_ok),
        (Role::Supervisor, supervisor_msg::TYPES, supervisor_ok),
    ] {
        let mut runner = TestRunner::new(Config {
            cases: cases(40),
            failure_persistence: None,
            ..Config::default()
        });
        let script = proptest::collection::vec(frame(types, valid), 1..25);
        let seen = std::cell::RefCell::new(std::collections::BTreeSet::new());
        runner
            .run(&script, |frames| {
                let types = rt
                    .block_on(run_script(&w, role, frames))
                    .map_err(TestCaseError::fail)?;
                seen.borrow_mut().extend(types);
                Ok(())
            })
            .unwrap();
        // The scripts got past the handshake into the handlers.
        let seen = seen.into_inner();
        let expected = match role {
            Role::Customer => "joined",
            Role::Agent | Role::Supervisor => "welcome",
        };
        assert!(
            seen.contains(expected),
            "{role:?} never saw {expected}: {seen:?}"
        );
        assert!(
            seen.contains("error"),
            "{role:?} never answered an error: {seen:?}"
        );
    }
}
