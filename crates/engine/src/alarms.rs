//! Queue alarms: a max-wait or max-depth limit fired. Every alarm is counted in
//! Prometheus (`switchyard_alarms_total`) and, when a webhook is configured, POSTed as
//! JSON by a separate task with bounded retries. Routing never waits for it: a full
//! delivery queue drops the alarm (counted) rather than block the router task.

use serde::Serialize;
use std::time::Duration;
use switchyard_core::config::OverflowTrigger;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Alarms waiting for delivery at most; beyond that they are dropped and counted.
const BACKLOG: usize = 1024;
/// Delivery attempts per alarm.
const ATTEMPTS: u32 = 3;
/// Time allowed for one attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// One alarm, as POSTed to the webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alarm {
    /// `max_wait` or `max_depth`.
    pub kind: &'static str,
    /// Tenant id, if known.
    pub tenant: Option<u64>,
    /// Queue id.
    pub queue: u64,
    /// Queue name.
    pub queue_name: Option<String>,
    /// The interaction that hit the limit.
    pub interaction: Option<u64>,
    /// When, in ms since the Unix epoch.
    pub at_ms: u64,
}

impl Alarm {
    /// The alarm kind of an overflow trigger, if it is an alarm.
    pub fn kind_of(trigger: OverflowTrigger) -> Option<&'static str> {
        match trigger {
            OverflowTrigger::MaxWait => Some("max_wait"),
            OverflowTrigger::MaxDepth => Some("max_depth"),
            _ => None,
        }
    }
}

/// Where alarms are delivered.
#[derive(Clone, Debug)]
pub struct Webhook {
    tx: mpsc::Sender<Alarm>,
}

/// Why a webhook URL was refused.
#[derive(Debug, thiserror::Error)]
#[error("alarm webhook must be an http:// or https:// URL, got {0:?}")]
pub struct BadWebhookUrl(pub String);

impl Webhook {
    /// Starts the delivery task for `url`.
    pub fn spawn(url: &str) -> Result<(Webhook, JoinHandle<()>), BadWebhookUrl> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(BadWebhookUrl(url.to_string()));
        }
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|_| BadWebhookUrl(url.to_string()))?;
        let (tx, rx) = mpsc::channel(BACKLOG);
        let task = tokio::spawn(deliver(client, url.to_string(), rx));
        Ok((Webhook { tx }, task))
    }

    /// Queues an alarm for delivery without ever waiting.
    pub fn notify(&self, alarm: Alarm) {
        if self.tx.try_send(alarm).is_err() {
            metrics::counter!("switchyard_alarm_webhook_total", "outcome" => "dropped")
                .increment(1);
            tracing::warn!("alarm webhook backlog full: alarm dropped");
        }
    }
}

async fn deliver(client: reqwest::Client, url: String, mut rx: mpsc::Receiver<Alarm>) {
    while let Some(alarm) = rx.recv().await {
        let mut backoff = Duration::from_millis(250);
        let mut outcome = "failed";
        for attempt in 1..=ATTEMPTS {
            match client.post(&url).json(&alarm).send().await {
                Ok(r) if r.status().is_success() => {
                    outcome = "delivered";
                    break;
                }
                Ok(r) => {
                    tracing::warn!(status = %r.status(), attempt, "alarm webhook refused the alarm")
                }
                Err(e) => tracing::warn!(error = %e, attempt, "alarm webhook unreachable"),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        metrics::counter!("switchyard_alarm_webhook_total", "outcome" => outcome).increment(1);
    }
}
