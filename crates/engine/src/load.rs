//! Loading the stored configuration into a fresh router at start-up.

use crate::Engine;
use switchyard_core::config::Membership;
use switchyard_core::{AgentId, QueueId};
use switchyard_router::{Input, Output};
use switchyard_store::Store;

/// Pushes every stored queue, agent and membership into the router. Entries the router
/// refuses (an invalid schedule written by hand, say) are logged and skipped.
///
/// Loading restores state; it is not a change: the events it makes the router emit
/// (ADDMEMBER for every membership…) are dropped instead of being logged again at
/// every start.
pub async fn load_from_store(
    engine: &Engine,
    store: &Store,
) -> Result<LoadReport, switchyard_store::Error> {
    let mut inputs = Vec::new();
    for q in store.all_queues().await? {
        inputs.push((
            Kind::Queue,
            q.id,
            Input::UpsertQueue(store.router_queue(&q).await?),
        ));
    }
    for a in store.all_agents().await? {
        inputs.push((Kind::Agent, a.id, Input::UpsertAgent(a.settings)));
    }
    for m in store.all_memberships().await? {
        let input = Input::UpsertMember(Membership {
            agent: AgentId(m.agent_id as u64),
            queue: QueueId(m.queue_id as u64),
            penalty: m.penalty as u32,
            weight: m.weight as u32,
        });
        inputs.push((Kind::Membership, m.agent_id, input));
    }
    let report = engine
        .call(move |router, now| {
            let mut report = LoadReport::default();
            for (kind, id, input) in inputs {
                match router.handle(now, input) {
                    Ok(()) => match kind {
                        Kind::Queue => report.queues += 1,
                        Kind::Agent => report.agents += 1,
                        Kind::Membership => report.memberships += 1,
                    },
                    Err(e) => tracing::warn!(?kind, id, error = %e, "not loaded into the router"),
                }
            }
            let mut dropped = 0;
            while let Some(out) = router.poll_output() {
                if matches!(out, Output::Event(_)) {
                    dropped += 1;
                }
            }
            tracing::debug!(dropped, "load events not logged");
            report
        })
        .await;
    // The engine only stops at shutdown; nothing was loaded then.
    Ok(report.unwrap_or_default())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Queue,
    Agent,
    Membership,
}

/// What [`load_from_store`] loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Queues loaded.
    pub queues: usize,
    /// Agents loaded.
    pub agents: usize,
    /// Memberships loaded.
    pub memberships: usize,
}
