//! The background tasks of the chat edge: the dispatcher that routes router outputs
//! to the sessions concerned, the position pusher, and the trend sampler.
//!
//! The dispatcher never broadcasts: each output goes to the one agent or customer it
//! names. `QueueChanged` only marks the queue dirty; the position pusher then reads
//! `estimates(q)` once per dirty queue (coalesced to one pass per interval) and pushes
//! every waiter its new position under a single lock.

use crate::Shared;
use crate::hub::{AgentPush, Alarm, CustomerPush, Party};
use std::sync::Arc;
use switchyard_core::config::OverflowTrigger;
use switchyard_core::{Channel, EventKind, RouterEvent};
use switchyard_engine::{Output, system_now};
use switchyard_router::{Input, OfferFailure};
use tokio::sync::broadcast;

/// One trend sample of a queue.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Sample {
    /// When, ms since the epoch.
    pub at_ms: u64,
    /// Depth.
    pub waiting: u32,
    /// Abandon rate so far (0..=1).
    pub abandon_rate: f64,
    /// Service level so far (0..=1).
    pub service_level: f64,
}

/// Routes every router output to the sessions it concerns.
pub(crate) async fn dispatcher(shared: Arc<Shared>, mut rx: broadcast::Receiver<Arc<Output>>) {
    loop {
        match rx.recv().await {
            Ok(out) => route(&shared, &out),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                // Positions resync on the next change; offers time out in the router.
                tracing::warn!(missed = n, "chat dispatcher lagged behind the router");
            }
            Err(broadcast::error::RecvError::Closed) => {
                // The router stopped (server shutting down): tell every client.
                shared.stopping.send_replace(true);
                return;
            }
        }
    }
}

fn route(s: &Arc<Shared>, out: &Output) {
    let hub = &s.hub;
    match out {
        Output::Offer {
            offer,
            interaction,
            agent,
            queue,
            channel,
            ring_timeout,
        } => {
            hub.offer_made(*offer, *agent, *interaction);
            let rang = hub.to_agent(
                *agent,
                AgentPush::Offer {
                    offer: *offer,
                    interaction: *interaction,
                    queue: *queue,
                    channel: *channel,
                    ring_secs: ring_timeout.as_secs(),
                },
            );
            if !rang && *channel == Channel::Chat {
                // Nowhere to show a chat offer (no desktop open): fail it now rather
                // than let the customer wait out the ring timeout.
                let (s, offer) = (s.clone(), *offer);
                tokio::spawn(async move {
                    let failure = OfferFailure::Unreachable;
                    let _ = s.engine.handle(Input::OfferFailed { offer, failure }).await;
                });
            }
        }
        Output::CancelOffer {
            offer,
            agent,
            reason,
            ..
        } => {
            hub.offer_gone(*offer);
            hub.to_agent(*agent, AgentPush::OfferCancelled(*offer, *reason));
        }
        Output::Connect {
            interaction,
            agent,
            queue,
            channel,
        } => {
            hub.connected(*interaction, *agent);
            hub.to_agent(*agent, AgentPush::Connected(*interaction, *queue, *channel));
            hub.to_customer(*interaction, CustomerPush::Assigned(*agent));
        }
        Output::Overflow {
            interaction,
            trigger,
            action,
            ..
        } => {
            hub.to_customer(
                *interaction,
                CustomerPush::Overflow(*trigger, action.clone()),
            );
        }
        Output::QueueChanged { queue } => {
            s.dirty
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(*queue);
            s.flush.notify_one();
            s.board.send_modify(|v| *v += 1);
        }
        Output::AgentChanged { agent, status } => {
            hub.to_agent(*agent, AgentPush::Status(*status));
            s.board.send_modify(|v| *v += 1);
        }
        Output::Event(e) => event(s, e),
    }
}

fn event(s: &Arc<Shared>, e: &RouterEvent) {
    let hub = &s.hub;
    let Some(i) = e.interaction else { return };
    match &e.kind {
        EventKind::Overflow { trigger, action } => {
            if matches!(
                trigger,
                OverflowTrigger::MaxWait | OverflowTrigger::MaxDepth
            ) && let Some(queue) = e.queue
            {
                let alarm = Alarm {
                    queue,
                    trigger: *trigger,
                    interaction: Some(i),
                    at_ms: e.time.as_millis(),
                };
                if hub.knows_queue(queue) {
                    hub.alarm(alarm);
                } else {
                    // A queue created since the last trend sample: learn its tenant
                    // off the dispatcher's path, then route the alarm.
                    let s = s.clone();
                    tokio::spawn(async move {
                        let info = s
                            .engine
                            .call(move |r, now| r.queue_stats(queue, now).ok())
                            .await;
                        if let Ok(Some(st)) = info {
                            s.hub.set_queue_info(queue, st.tenant, &st.name);
                        }
                        s.hub.alarm(alarm);
                    });
                }
            }
            if let switchyard_core::config::OverflowAction::Queue { queue } = action {
                hub.to_customer(i, CustomerPush::Moved(*queue));
            }
        }
        EventKind::Move { to } => {
            hub.to_customer(i, CustomerPush::Moved(*to));
        }
        EventKind::Transfer { .. } => {
            if let Some(a) = hub.disconnected(i) {
                hub.to_agent(a, AgentPush::Ended(i, Party::Agent));
            }
            hub.to_customer(i, CustomerPush::Transferred(e.queue.unwrap_or_default()));
        }
        EventKind::CompleteAgent { .. } => {
            if let Some(a) = hub.disconnected(i) {
                hub.to_agent(a, AgentPush::Ended(i, Party::Agent));
            }
            hub.to_customer(i, CustomerPush::Ended(Party::Agent));
            hub.forget_if_detached(i);
        }
        EventKind::CompleteCaller { .. } => {
            if let Some(a) = hub.disconnected(i) {
                hub.to_agent(a, AgentPush::Ended(i, Party::Customer));
            }
            hub.forget_if_detached(i);
        }
        EventKind::Abandon { .. }
        | EventKind::ExitWithTimeout { .. }
        | EventKind::ExitEmpty { .. }
        | EventKind::ExitWithKey { .. } => hub.forget_if_detached(i),
        _ => {}
    }
}

/// Pushes positions of dirty queues, at most once per interval.
pub(crate) async fn positions(shared: Arc<Shared>) {
    loop {
        shared.flush.notified().await;
        let queues: Vec<_> = shared
            .dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        for q in queues {
            match shared.engine.call(move |r, _| r.estimates(q)).await {
                Ok(Ok(est)) => {
                    shared.hub.push_positions(&est);
                }
                Ok(Err(_)) => {}  // the queue was removed
                Err(_) => return, // engine stopped
            }
        }
        tokio::time::sleep(shared.config.position_interval).await;
    }
}

/// Samples every queue's figures for the supervisors' trend charts.
pub(crate) async fn sampler(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(shared.config.trend_interval);
    loop {
        tick.tick().await;
        let stats = shared
            .engine
            .call(|r, now| {
                r.queue_ids()
                    .filter_map(|q| r.queue_stats(q, now).ok())
                    .collect::<Vec<_>>()
            })
            .await;
        let Ok(stats) = stats else { return };
        let at_ms = system_now().as_millis();
        let mut trends = shared.trends.lock().unwrap_or_else(|e| e.into_inner());
        for st in stats {
            shared.hub.set_queue_info(st.queue, st.tenant, &st.name);
            let ring = trends.entry(st.queue).or_default();
            if ring.len() >= shared.config.trend_samples {
                ring.pop_front();
            }
            ring.push_back(Sample {
                at_ms,
                waiting: st.waiting,
                abandon_rate: st.abandon_rate,
                service_level: st.service_level,
            });
        }
    }
}
