//! Prometheus metrics. The recorder is process-wide; [`handle`] installs it once.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;
use switchyard_core::{AgentStatus, EventKind, RouterEvent, Time};
use switchyard_router::{QueueStats, Router};

/// Histogram of the time spent inside one router call, seconds.
pub const DECISION_SECONDS: &str = "switchyard_routing_decision_seconds";

/// The process-wide Prometheus handle (installs the recorder on first use).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(DECISION_SECONDS.into()),
                    &[
                        0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1,
                    ],
                )
                .expect("non-empty buckets")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; then ours stays unused.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Renders the metrics in the Prometheus text format.
pub fn render() -> String {
    let h = handle();
    h.run_upkeep();
    h.render()
}

pub(crate) fn record_decision(d: Duration) {
    metrics::histogram!(DECISION_SECONDS).record(d.as_secs_f64());
}

pub(crate) fn count_event(e: &RouterEvent, queue: Option<&str>, tenant: Option<u64>) {
    let queue = queue.unwrap_or("").to_string();
    let tenant = tenant.map(|t| t.to_string()).unwrap_or_default();
    let name = match &e.kind {
        EventKind::Offer { .. } => "switchyard_offers_total",
        EventKind::Connect { .. } => "switchyard_answered_total",
        EventKind::Abandon { .. } => "switchyard_abandoned_total",
        EventKind::EnterQueue { .. } => "switchyard_entered_total",
        EventKind::Overflow { .. } | EventKind::Full | EventKind::JoinEmpty => {
            "switchyard_overflowed_total"
        }
        _ => return,
    };
    metrics::counter!(name, "queue" => queue, "tenant" => tenant).increment(1);
}

pub(crate) fn count_alarm(a: &crate::alarms::Alarm) {
    let queue = a.queue_name.clone().unwrap_or_else(|| a.queue.to_string());
    let tenant = a.tenant.map(|t| t.to_string()).unwrap_or_default();
    metrics::counter!("switchyard_alarms_total", "kind" => a.kind, "queue" => queue, "tenant" => tenant).increment(1);
}

pub(crate) fn queue_gauges(s: &QueueStats) {
    let labels = [
        ("queue", s.name.clone()),
        ("tenant", s.tenant.0.to_string()),
    ];
    metrics::gauge!("switchyard_queue_waiting", &labels).set(s.waiting as f64);
    metrics::gauge!("switchyard_queue_longest_wait_seconds", &labels)
        .set(s.longest_wait_secs as f64);
    metrics::gauge!("switchyard_queue_service_level", &labels).set(s.service_level);
    metrics::gauge!("switchyard_queue_agents_available", &labels).set(s.agents_available as f64);
    metrics::gauge!("switchyard_queue_agents_logged_in", &labels).set(s.agents_logged_in as f64);
}

/// Recomputes every queue gauge and the agents-by-state gauge.
pub(crate) fn refresh_gauges(r: &Router, now: Time) {
    let queues: Vec<_> = r.queue_ids().collect();
    for q in queues {
        if let Ok(s) = r.queue_stats(q, now) {
            queue_gauges(&s);
        }
    }
    // Per tenant and state; every state of a tenant is written (zeros included) so a
    // state that empties drops to 0 instead of keeping its last value.
    let mut by: HashMap<(u64, AgentStatus), u64> = HashMap::new();
    let mut tenants = std::collections::BTreeSet::new();
    for a in r.agent_ids() {
        if let Ok(v) = r.agent(a) {
            tenants.insert(v.tenant.0);
            *by.entry((v.tenant.0, v.status)).or_default() += 1;
        }
    }
    for t in tenants {
        for s in [
            AgentStatus::Offline,
            AgentStatus::Available,
            AgentStatus::Ringing,
            AgentStatus::Busy,
            AgentStatus::WrapUp,
            AgentStatus::Break,
        ] {
            metrics::gauge!("switchyard_agents", "tenant" => t.to_string(), "state" => s.as_str())
                .set(by.get(&(t, s)).copied().unwrap_or(0) as f64);
        }
    }
}
