//! Distribution of router outputs: broadcast to the edges, events to the log, metrics.

use crate::alarms::Alarm;
use crate::metrics;
use crate::mirror::Mirror;
use std::collections::HashMap;
use std::sync::Arc;
use switchyard_core::{AgentId, EventKind, QueueId, RouterEvent, TenantId, Time};
use switchyard_router::{Output, Router};
use switchyard_store::NewEvent;
use tokio::sync::{broadcast, mpsc};

/// Names and tenants as last seen, so events about a queue or agent removed in the
/// same input still get their queue_log names.
#[derive(Debug, Default)]
struct Names {
    queues: HashMap<QueueId, (String, TenantId)>,
    agents: HashMap<AgentId, (String, TenantId)>,
}

impl Names {
    fn queue(&mut self, r: &Router, q: QueueId) -> Option<(String, TenantId)> {
        if let Some(c) = r.queue_config(q) {
            self.queues.insert(q, (c.name.clone(), c.tenant));
        }
        self.queues.get(&q).cloned()
    }

    fn agent(&mut self, r: &Router, a: AgentId) -> Option<(String, TenantId)> {
        if let Some(c) = r.agent_config(a) {
            self.agents.insert(a, (c.name.clone(), c.tenant));
        }
        self.agents.get(&a).cloned()
    }
}

/// Where outputs go.
#[derive(Debug)]
pub(crate) struct Fanout {
    outputs: broadcast::Sender<Arc<Output>>,
    events: Option<mpsc::UnboundedSender<NewEvent>>,
    pub(crate) mirror: Option<Mirror>,
    pub(crate) alarms: Option<crate::alarms::Webhook>,
    names: Names,
}

impl Fanout {
    pub(crate) fn new(
        outputs: broadcast::Sender<Arc<Output>>,
        events: Option<mpsc::UnboundedSender<NewEvent>>,
    ) -> Self {
        Fanout {
            outputs,
            events,
            mirror: None,
            alarms: None,
            names: Names::default(),
        }
    }

    fn tenant_of(&mut self, router: &Router, q: QueueId) -> Option<u64> {
        self.names.queue(router, q).map(|(_, t)| t.0)
    }

    /// Broadcasts one output to the edges without logging or mirroring it.
    pub(crate) fn forward(&self, out: Output) {
        let _ = self.outputs.send(Arc::new(out));
    }

    /// Drains every pending output of the router.
    pub(crate) fn drain(&mut self, router: &mut Router, now: Time) {
        let mut touched = Vec::new();
        let mut changed_queues = Vec::new();
        while let Some(out) = router.poll_output() {
            if self.mirror.is_some() {
                touched.extend(Mirror::subject(&out));
            }
            match &out {
                Output::Event(e) => self.event(router, e),
                Output::QueueChanged { queue } => changed_queues.push(*queue),
                Output::AgentChanged { agent, status } => {
                    tracing::debug!(agent = %agent, status = %status, "agent state");
                }
                Output::Offer {
                    offer,
                    interaction,
                    agent,
                    queue,
                    ..
                } => {
                    let tenant = self.tenant_of(router, *queue);
                    tracing::debug!(tenant, offer = %offer, interaction = %interaction, agent = %agent, queue = %queue, "offer");
                }
                Output::Connect {
                    interaction,
                    agent,
                    queue,
                    ..
                } => {
                    let tenant = self.tenant_of(router, *queue);
                    tracing::info!(tenant, interaction = %interaction, agent = %agent, queue = %queue, "connect");
                }
                Output::Overflow {
                    interaction,
                    queue,
                    trigger,
                    ..
                } => {
                    let tenant = self.tenant_of(router, *queue);
                    tracing::info!(tenant, interaction = %interaction, queue = %queue, ?trigger, "overflow");
                }
                Output::CancelOffer { .. } => {}
            }
            // No subscriber is fine (no edge running yet); a lagging one sees `Lagged`.
            let _ = self.outputs.send(Arc::new(out));
        }
        // Gauges once per queue per decision, not once per QueueChanged output.
        changed_queues.sort_unstable();
        changed_queues.dedup();
        for q in changed_queues {
            if let Ok(s) = router.queue_stats(q, now) {
                metrics::queue_gauges(&s);
            }
        }
        if let Some(m) = &mut self.mirror {
            touched.sort_unstable();
            touched.dedup();
            m.sync(router, touched);
        }
    }

    fn event(&mut self, router: &Router, e: &RouterEvent) {
        let queue = e.queue.and_then(|q| self.names.queue(router, q));
        let agent = e.agent.and_then(|a| self.names.agent(router, a));
        let tenant = queue
            .as_ref()
            .map(|q| q.1)
            .or(agent.as_ref().map(|a| a.1))
            .or_else(|| e.interaction.and_then(|i| router.peek(i)).map(|v| v.tenant));
        let qname = queue.as_ref().map(|q| q.0.as_str());
        metrics::count_event(e, qname, tenant.map(|t| t.0));
        if let (EventKind::Overflow { trigger, .. }, Some(q)) = (&e.kind, e.queue)
            && let Some(kind) = Alarm::kind_of(*trigger)
        {
            let alarm = Alarm {
                kind,
                tenant: tenant.map(|t| t.0),
                queue: q.0,
                queue_name: qname.map(str::to_string),
                interaction: e.interaction.map(|i| i.0),
                at_ms: e.time.as_millis(),
            };
            metrics::count_alarm(&alarm);
            tracing::warn!(kind, queue = ?qname, tenant = ?alarm.tenant, "queue alarm");
            if let Some(w) = &self.alarms {
                w.notify(alarm);
            }
        }
        let line = e.queue_log_line(qname, agent.as_ref().map(|a| a.0.as_str()));
        tracing::debug!(tenant = ?tenant, line = %line, "event");
        if let Some(tx) = &self.events {
            let _ = tx.send(NewEvent {
                tenant_id: tenant.map(|t| t.0 as i64),
                event: e.clone(),
                queue_log: line,
            });
        }
    }
}
