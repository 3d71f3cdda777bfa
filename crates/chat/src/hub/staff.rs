//! Agent and supervisor sessions, offers and connected chats.

use super::{AgentPush, Alarm, Hub, push};
use switchyard_core::{AgentId, InteractionId, OfferId, QueueId, TenantId};
use tokio::sync::mpsc;

impl Hub {
    /// Registers an agent's session, replacing (and notifying) an older one.
    pub(crate) fn add_agent(&self, a: AgentId, tx: mpsc::Sender<AgentPush>) -> u64 {
        let id = self.session_id();
        if let Some((_, old)) = self.lock().agents.insert(a, (id, tx)) {
            push(&old, AgentPush::Replaced);
        }
        id
    }

    /// Unregisters session `id` of an agent; false if a newer session took over.
    pub(crate) fn remove_agent(&self, a: AgentId, id: u64) -> bool {
        let mut g = self.lock();
        if g.agents.get(&a).is_some_and(|(s, _)| *s == id) {
            g.agents.remove(&a);
            true
        } else {
            false
        }
    }

    /// Pushes to an agent's session, if it has one.
    pub(crate) fn to_agent(&self, a: AgentId, msg: AgentPush) -> bool {
        match self.lock().agents.get(&a) {
            Some((_, tx)) => push(tx, msg),
            None => false,
        }
    }

    /// Whether the agent has a desktop session here.
    pub fn agent_online(&self, a: AgentId) -> bool {
        self.lock().agents.contains_key(&a)
    }

    /// Records an offer ringing an agent.
    pub(crate) fn offer_made(&self, o: OfferId, a: AgentId, i: InteractionId) {
        self.lock().offers.insert(o, (a, i));
    }

    /// Forgets an offer; returns its agent and interaction.
    pub(crate) fn offer_gone(&self, o: OfferId) -> Option<(AgentId, InteractionId)> {
        self.lock().offers.remove(&o)
    }

    /// The agent and interaction of a live offer.
    pub(crate) fn offer(&self, o: OfferId) -> Option<(AgentId, InteractionId)> {
        self.lock().offers.get(&o).copied()
    }

    /// Records a connected interaction.
    pub(crate) fn connected(&self, i: InteractionId, a: AgentId) {
        self.lock().chats.insert(i, a);
    }

    /// Forgets a connection; returns the agent it had.
    pub(crate) fn disconnected(&self, i: InteractionId) -> Option<AgentId> {
        self.lock().chats.remove(&i)
    }

    /// Registers a supervisor session of a tenant.
    pub(crate) fn add_supervisor(&self, t: TenantId, tx: mpsc::Sender<Alarm>) -> u64 {
        let id = self.session_id();
        self.lock().supervisors.entry(t).or_default().push((id, tx));
        id
    }

    /// Unregisters a supervisor session.
    pub(crate) fn remove_supervisor(&self, t: TenantId, id: u64) {
        if let Some(v) = self.lock().supervisors.get_mut(&t) {
            v.retain(|(s, _)| *s != id);
        }
    }

    /// Remembers which tenant owns a queue (for routing alarms) and its name.
    pub(crate) fn set_queue_info(&self, q: QueueId, t: TenantId, name: &str) {
        let mut g = self.lock();
        g.queue_tenant.insert(q, t);
        if g.queue_names.get(&q).is_none_or(|n| n != name) {
            g.queue_names.insert(q, name.to_string());
        }
    }

    /// Whether the queue's tenant is known (alarms can be routed).
    pub(crate) fn knows_queue(&self, q: QueueId) -> bool {
        self.lock().queue_tenant.contains_key(&q)
    }

    /// A queue's name as last seen.
    pub(crate) fn queue_name(&self, q: QueueId) -> Option<String> {
        self.lock().queue_names.get(&q).cloned()
    }

    /// Sends an alarm to the supervisors of the queue's tenant.
    pub(crate) fn alarm(&self, alarm: Alarm) {
        let g = self.lock();
        let Some(t) = g.queue_tenant.get(&alarm.queue) else {
            return;
        };
        for (_, tx) in g.supervisors.get(t).into_iter().flatten() {
            push(tx, alarm.clone());
        }
    }
}
