//! Loading the stored configuration into a fresh router at start-up.

use crate::Engine;
use switchyard_core::config::Membership;
use switchyard_core::{AgentId, QueueId};
use switchyard_router::Input;
use switchyard_store::Store;

/// Pushes every stored queue, agent and membership into the router. Entries the router
/// refuses (an invalid schedule written by hand, say) are logged and skipped.
pub async fn load_from_store(
    engine: &Engine,
    store: &Store,
) -> Result<LoadReport, switchyard_store::Error> {
    let mut report = LoadReport::default();
    for q in store.all_queues().await? {
        let cfg = store.router_queue(&q).await?;
        match engine.handle(Input::UpsertQueue(cfg)).await {
            Ok(()) => report.queues += 1,
            Err(e) => tracing::warn!(queue = q.id, error = %e, "queue not loaded"),
        }
    }
    for a in store.all_agents().await? {
        match engine.handle(Input::UpsertAgent(a.settings.clone())).await {
            Ok(()) => report.agents += 1,
            Err(e) => tracing::warn!(agent = a.id, error = %e, "agent not loaded"),
        }
    }
    for m in store.all_memberships().await? {
        let input = Input::UpsertMember(Membership {
            agent: AgentId(m.agent_id as u64),
            queue: QueueId(m.queue_id as u64),
            penalty: m.penalty as u32,
            weight: m.weight as u32,
        });
        match engine.handle(input).await {
            Ok(()) => report.memberships += 1,
            Err(e) => {
                tracing::warn!(agent = m.agent_id, queue = m.queue_id, error = %e, "membership not loaded")
            }
        }
    }
    Ok(report)
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
