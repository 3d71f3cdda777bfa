//! The `chat` scenario, phase by phase: setup, agents, waiters, fan-out, pickups, hold.

use crate::ChatArgs;
use crate::client::{self, Client};
use crate::error::{Error, Result};
use crate::report::{FanOut, Latency, Report, rss_of};
use crate::rest::{Api, Setup};
use crate::waiters::{self, Live, Probe, Waiter};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const STEP: Duration = Duration::from_secs(10);
const FANOUT_ROUNDS: usize = 5;
/// Messages per second one bench socket sends at most: the server rate-limits each
/// socket (20/s sustained), and the tool must measure pickups, not the limiter.
const SOCKET_RATE: f64 = 15.0;

/// How long to pause after a sample that sent `msgs` messages on one of `sockets`.
fn pace(args: &ChatArgs, msgs: f64, sockets: usize) -> Duration {
    let limiter = Duration::from_secs_f64(msgs / SOCKET_RATE / sockets.max(1) as f64);
    limiter.max(Duration::from_millis(args.spacing_ms))
}

fn say(args: &ChatArgs, msg: impl AsRef<str>) {
    if !args.json {
        eprintln!("  {}", msg.as_ref());
    }
}

async fn agent(addr: SocketAddr, login: &str, password: &str, n: usize) -> Result<Client> {
    let mut c = client::connect(addr, "/ws/agent", n).await?;
    c.send(json!({ "type": "login", "login": login, "password": password }))
        .await?;
    c.expect("welcome", STEP).await?;
    Ok(c)
}

/// Runs the scenario and returns the figures.
pub(crate) async fn run(args: &ChatArgs, addr: SocketAddr) -> Result<Report> {
    let api = Api::new(&args.url, &args.token);
    let run = format!(
        "bench-{}",
        std::process::id() as u64 * 1000 + (Instant::now().elapsed().subsec_nanos() as u64 % 1000)
    );
    say(
        args,
        format!(
            "setup: tenant {run}, {} queue(s), {} agent(s) + 1 idle agent",
            args.queues, args.agents
        ),
    );
    let setup = api.setup(&run, args.queues, args.agents).await?;
    let result = phases(args, addr, &api, &setup).await;
    if let Err(e) = api.teardown(setup.tenant).await {
        say(args, format!("teardown failed: {e}"));
    }
    result
}

async fn phases(args: &ChatArgs, addr: SocketAddr, api: &Api, s: &Setup) -> Result<Report> {
    let mut report = Report {
        url: args.url.clone(),
        waiters_requested: args.waiters,
        queues: args.queues,
        agents: args.agents,
        spacing_ms: args.spacing_ms,
        ..Report::default()
    };
    // Deep agents on break while the line builds up; the idle agent stays available.
    let mut agents = Vec::new();
    for (k, login) in s.agents.iter().enumerate() {
        let mut c = agent(addr, login, &s.password, k).await?;
        c.send(json!({ "type": "presence", "status": "break", "reason": "bench" }))
            .await?;
        agents.push(c);
    }
    let mut idle = agent(addr, &s.idle_agent, &s.password, 999).await?;

    say(args, format!("opening {} waiters…", args.waiters));
    let probe = Arc::new(Probe::new());
    let live = Arc::new(Live::default());
    let started = Instant::now();
    let quiet = args.json;
    let waiters = waiters::open(
        addr,
        &s.queues,
        args.waiters,
        probe.clone(),
        live.clone(),
        |k| {
            if !quiet {
                eprintln!("  … {k} waiters connected");
            }
        },
    )
    .await?;
    report.connect_secs = started.elapsed().as_secs_f64();
    report.waiters_held = live.0.load(Ordering::SeqCst);
    say(
        args,
        format!(
            "{} waiters held after {:.1} s",
            report.waiters_held, report.connect_secs
        ),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    report.fanout = fanout(args, &waiters, &probe).await;
    report.pickup_customer_joins = joins_with_idle_agent(args, addr, s, &mut idle).await?;
    report.pickup_agent_available = agent_becomes_available(args, &mut agents).await?;

    say(args, format!("holding the load for {} s…", args.duration));
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    report.held_secs = args.duration;
    report.waiters_held = live.0.load(Ordering::SeqCst);
    (report.server_rss_bytes, report.server_rss_source) = match args.server_pid {
        Some(pid) => (rss_of(pid), format!("/proc/{pid}/status VmRSS")),
        None => (
            api.metrics_rss().await,
            "/metrics process_resident_memory_bytes".into(),
        ),
    };
    drop(waiters);
    for c in agents {
        c.close().await;
    }
    idle.close().await;
    Ok(report)
}

/// The head of queue 0 leaves; time until every other waiter of it has its new position.
async fn fanout(args: &ChatArgs, waiters: &[Waiter], probe: &Probe) -> FanOut {
    let mut out = FanOut {
        queue_depth: waiters.iter().filter(|w| w.queue == 0).count(),
        ..FanOut::default()
    };
    let mut per_waiter = Vec::new();
    for round in 0..FANOUT_ROUNDS {
        let in_q0: Vec<&Waiter> = waiters
            .iter()
            .filter(|w| {
                w.queue == 0 && w.position.load(Ordering::SeqCst) > 0 && !w.leave.is_closed()
            })
            .collect();
        let Some(head) = in_q0
            .iter()
            .find(|w| w.position.load(Ordering::SeqCst) == 1)
        else {
            say(args, "fan-out: no head found in queue 0");
            break;
        };
        let expect = in_q0.len() - 1;
        probe.arm(0);
        let _ = head.leave.send(()).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while probe.updated() < expect && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (all, samples) = probe.result();
        if probe.updated() < expect {
            out.incomplete_rounds += 1;
        }
        let ms = all.as_secs_f64() * 1000.0;
        say(
            args,
            format!(
                "fan-out round {}: {} of {} waiters updated, last after {ms:.1} ms",
                round + 1,
                probe.updated(),
                expect
            ),
        );
        out.all_updated_ms.push(ms);
        per_waiter.extend(samples.into_iter().map(Duration::from_nanos));
        out.rounds += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    out.worst_all_updated_ms = out.all_updated_ms.iter().copied().fold(0.0, f64::max);
    out.p50_waiter_ms = Latency::of(per_waiter).p50_ms;
    out
}

/// A customer joins a queue whose agent is idle; time until the agent has the offer.
async fn joins_with_idle_agent(
    args: &ChatArgs,
    addr: SocketAddr,
    s: &Setup,
    idle: &mut Client,
) -> Result<Latency> {
    let mut d = Vec::new();
    for k in 0..args.samples {
        let mut c = client::connect(addr, "/ws/customer", 500 + k).await?;
        let t0 = Instant::now();
        c.send(json!({ "type": "join", "queue_id": s.idle_queue, "name": format!("idle{k}") }))
            .await?;
        let offer = idle.expect("offer", STEP).await?;
        d.push(t0.elapsed());
        idle.send(json!({ "type": "accept", "offer": offer["offer"] }))
            .await?;
        let chat = idle.expect("chat_started", STEP).await?;
        idle.send(json!({ "type": "complete", "interaction": chat["interaction"] }))
            .await?;
        idle.expect("chat_ended", STEP).await?;
        c.close().await;
        tokio::time::sleep(pace(args, 2.0, 1)).await;
    }
    let l = Latency::of(d);
    say(
        args,
        format!(
            "pickup (customer joins, idle agent): p50 {:.2} ms p99 {:.2} ms",
            l.p50_ms, l.p99_ms
        ),
    );
    Ok(l)
}

/// An agent comes back from break with a deep line; time until it has the offer.
async fn agent_becomes_available(args: &ChatArgs, agents: &mut [Client]) -> Result<Latency> {
    if agents.is_empty() {
        return Err(Error::Usage("--agents must be at least 1"));
    }
    let mut d = Vec::new();
    let n = agents.len();
    for k in 0..args
        .samples
        .min(args.waiters.saturating_sub(FANOUT_ROUNDS + 1))
    {
        let a = &mut agents[k % n];
        let t0 = Instant::now();
        a.send(json!({ "type": "presence", "status": "available" }))
            .await?;
        let offer = a.expect("offer", STEP).await?;
        d.push(t0.elapsed());
        a.send(json!({ "type": "accept", "offer": offer["offer"] }))
            .await?;
        let chat = a.expect("chat_started", STEP).await?;
        a.send(json!({ "type": "presence", "status": "break", "reason": "bench" }))
            .await?;
        a.send(json!({ "type": "complete", "interaction": chat["interaction"] }))
            .await?;
        a.expect("chat_ended", STEP).await?;
        tokio::time::sleep(pace(args, 4.0, n)).await;
    }
    let l = Latency::of(d);
    say(
        args,
        format!(
            "pickup (agent available): p50 {:.2} ms p99 {:.2} ms",
            l.p50_ms, l.p99_ms
        ),
    );
    Ok(l)
}
