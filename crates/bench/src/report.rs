//! Figures of a run: percentiles, server memory, the human summary and the JSON object.

use serde::Serialize;
use std::time::Duration;

/// Latency figures in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Latency {
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub(crate) fn of(mut d: Vec<Duration>) -> Self {
        if d.is_empty() {
            return Latency::default();
        }
        d.sort();
        let at = |p: f64| {
            let k = ((p * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1;
            d[k].as_secs_f64() * 1000.0
        };
        Latency {
            samples: d.len(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

/// Fan-out of position updates after the head of a queue leaves.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct FanOut {
    /// Waiters in the measured queue.
    pub queue_depth: usize,
    /// Rounds measured.
    pub rounds: usize,
    /// Per round: ms until every remaining waiter had its new position.
    pub all_updated_ms: Vec<f64>,
    /// Worst round.
    pub worst_all_updated_ms: f64,
    /// Median per-waiter update time over the rounds, ms.
    pub p50_waiter_ms: f64,
    /// Rounds in which some waiter never got its update within 5 s.
    pub incomplete_rounds: usize,
}

/// The whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Report {
    pub url: String,
    pub waiters_requested: usize,
    pub waiters_held: usize,
    pub queues: usize,
    pub agents: usize,
    pub connect_secs: f64,
    /// Agent becomes available → offer received (deep queues).
    pub pickup_agent_available: Latency,
    /// Customer joins with an idle agent → offer received.
    pub pickup_customer_joins: Latency,
    pub fanout: FanOut,
    /// Server resident memory (VmRSS) at full load, bytes.
    pub server_rss_bytes: Option<u64>,
    pub server_rss_source: String,
    pub held_secs: u64,
    /// Least time between pickup samples, ms.
    pub spacing_ms: u64,
}

/// VmRSS of a local process, bytes.
pub(crate) fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mib(b: Option<u64>) -> String {
    b.map(|b| format!("{:.1} MiB", b as f64 / 1048576.0))
        .unwrap_or_else(|| "unknown".into())
}

fn lat(name: &str, l: &Latency, p50_target: f64, p99_target: f64) -> String {
    let ok = l.samples > 0 && l.p50_ms <= p50_target && l.p99_ms <= p99_target;
    format!(
        "{name:<38} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} samples) {}",
        l.p50_ms,
        l.p99_ms,
        l.max_ms,
        l.samples,
        if ok { "OK" } else { "over target" }
    )
}

impl Report {
    /// The human summary.
    pub(crate) fn human(&self) -> String {
        let f = &self.fanout;
        [
            format!("switchyard-bench chat against {}", self.url),
            format!(
                "waiters held: {} of {} in {} queue(s), connected in {:.1} s; agents: {}",
                self.waiters_held,
                self.waiters_requested,
                self.queues,
                self.connect_secs,
                self.agents
            ),
            format!("pickup samples at least {} ms apart", self.spacing_ms),
            lat("pickup, agent available -> offer:", &self.pickup_agent_available, 5.0, 50.0),
            lat("pickup, customer joins (idle agent):", &self.pickup_customer_joins, 5.0, 50.0),
            format!(
                "position fan-out, {} waiters, {} rounds: all updated within {:.1} ms worst ({:?} per round), per-waiter p50 {:.1} ms, incomplete rounds {} {}",
                f.queue_depth,
                f.rounds,
                f.worst_all_updated_ms,
                f.all_updated_ms.iter().map(|v| (v * 10.0).round() / 10.0).collect::<Vec<_>>(),
                f.p50_waiter_ms,
                f.incomplete_rounds,
                if f.rounds > 0 && f.incomplete_rounds == 0 && f.worst_all_updated_ms <= 200.0 { "OK" } else { "over target" }
            ),
            format!(
                "server RSS at full load: {} ({}), held {} s",
                mib(self.server_rss_bytes),
                self.server_rss_source,
                self.held_secs
            ),
        ]
        .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(d);
        assert_eq!((l.p50_ms, l.p99_ms, l.max_ms), (50.0, 99.0, 100.0));
        assert_eq!(Latency::of(vec![]).samples, 0);
    }
}
