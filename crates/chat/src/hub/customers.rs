//! Customer slots, resume tokens and transcripts.

use super::{AgentPush, ChatLine, CustomerPush, CustomerSlot, Hub, MAX_LINES, Party, push};
use switchyard_core::{AgentId, InteractionId, TenantId};
use switchyard_router::Estimate;
use tokio::sync::mpsc;

impl Hub {
    /// Registers a customer before it joins the router (so outputs about it that the
    /// join itself causes already find it). Returns the generation of the attachment.
    pub(crate) fn add_customer(
        &self,
        i: InteractionId,
        tenant: TenantId,
        name: String,
        token: String,
        tx: mpsc::Sender<CustomerPush>,
    ) -> u64 {
        let generation = self.session_id();
        let mut g = self.lock();
        g.by_token.insert(token.clone(), i);
        g.customers.insert(
            i,
            CustomerSlot {
                tx: Some(tx),
                generation,
                token,
                tenant,
                name,
                callback: false,
                last_sent: None,
            },
        );
        generation
    }

    /// Reattaches a socket to the interaction of a resume token; the previous socket,
    /// if any, is told it was replaced.
    pub(crate) fn attach(
        &self,
        token: &str,
        tx: mpsc::Sender<CustomerPush>,
    ) -> Option<(InteractionId, u64, TenantId, String)> {
        let generation = self.session_id();
        let mut g = self.lock();
        let i = *g.by_token.get(token)?;
        let slot = g.customers.get_mut(&i)?;
        if let Some(old) = slot.tx.replace(tx) {
            push(&old, CustomerPush::Replaced);
        }
        slot.generation = generation;
        slot.last_sent = None;
        Some((i, generation, slot.tenant, slot.name.clone()))
    }

    /// The socket of attachment `generation` went away. Returns whether the slot is
    /// now detached (false: a newer socket took over, or it is gone).
    pub(crate) fn detach(&self, i: InteractionId, generation: u64) -> bool {
        let mut g = self.lock();
        match g.customers.get_mut(&i) {
            Some(slot) if slot.generation == generation => {
                slot.tx = None;
                true
            }
            _ => false,
        }
    }

    /// Whether the slot is still detached at `generation` (grace period over).
    pub(crate) fn still_detached(&self, i: InteractionId, generation: u64) -> bool {
        let g = self.lock();
        matches!(g.customers.get(&i), Some(s) if s.generation == generation && s.tx.is_none())
    }

    /// Marks a customer as waiting for a callback: its socket may go for good.
    pub(crate) fn set_callback(&self, i: InteractionId) {
        if let Some(s) = self.lock().customers.get_mut(&i) {
            s.callback = true;
        }
    }

    /// Whether the customer asked for a callback.
    pub(crate) fn is_callback(&self, i: InteractionId) -> bool {
        self.lock().customers.get(&i).is_some_and(|s| s.callback)
    }

    /// Forgets a customer (it ended); its transcript goes too.
    pub(crate) fn remove_customer(&self, i: InteractionId) {
        let mut g = self.lock();
        if let Some(slot) = g.customers.remove(&i) {
            g.by_token.remove(&slot.token);
        }
        g.transcripts.remove(&i);
        g.chats.remove(&i);
    }

    /// The resume token of a registered customer.
    pub(crate) fn resume_token_of(&self, i: InteractionId) -> Option<String> {
        self.lock().customers.get(&i).map(|s| s.token.clone())
    }

    /// Forgets a customer whose socket is gone (its interaction ended meanwhile).
    pub(crate) fn forget_if_detached(&self, i: InteractionId) {
        let detached = self
            .lock()
            .customers
            .get(&i)
            .is_some_and(|s| s.tx.is_none());
        if detached {
            self.remove_customer(i);
        }
    }

    /// The customer's display name, if registered here.
    pub fn customer_name(&self, i: InteractionId) -> Option<String> {
        self.lock().customers.get(&i).map(|s| s.name.clone())
    }

    /// Pushes to a customer's socket, if attached.
    pub(crate) fn to_customer(&self, i: InteractionId, msg: CustomerPush) -> bool {
        let g = self.lock();
        match g.customers.get(&i).and_then(|s| s.tx.as_ref()) {
            Some(tx) => push(tx, msg),
            None => false,
        }
    }

    /// Pushes new positions to every attached waiter of a queue whose estimate changed
    /// since the last push (one lock for all). Returns how many were pushed.
    pub(crate) fn push_positions(&self, estimates: &[(InteractionId, Estimate)]) -> usize {
        let mut g = self.lock();
        let mut sent = 0;
        for (i, e) in estimates {
            let Some(slot) = g.customers.get_mut(i) else {
                continue;
            };
            if slot.last_sent == Some(*e) {
                continue;
            }
            if let Some(tx) = &slot.tx
                && push(tx, CustomerPush::Position(*e))
            {
                slot.last_sent = Some(*e);
                sent += 1;
            }
        }
        sent
    }

    /// Appends a line to an interaction's transcript and delivers it to the other
    /// side. Returns the line and whether the other side's socket got it.
    pub(crate) fn say(
        &self,
        i: InteractionId,
        from: Party,
        text: String,
        at_ms: u64,
        client_id: Option<String>,
    ) -> (ChatLine, bool) {
        let mut g = self.lock();
        let t = g.transcripts.entry(i).or_default();
        t.next += 1;
        let line = ChatLine {
            seq: t.next,
            from,
            text,
            at_ms,
            client_id,
        };
        if t.lines.len() >= MAX_LINES {
            t.lines.remove(0);
        }
        t.lines.push(line.clone());
        let delivered = match from {
            Party::Customer => g
                .chats
                .get(&i)
                .and_then(|a| g.agents.get(a))
                .is_some_and(|(_, tx)| push(tx, AgentPush::Line(i, line.clone()))),
            Party::Agent | Party::System => g
                .customers
                .get(&i)
                .and_then(|s| s.tx.as_ref())
                .is_some_and(|tx| push(tx, CustomerPush::Line(line.clone()))),
        };
        (line, delivered)
    }

    /// The transcript of an interaction.
    pub fn transcript(&self, i: InteractionId) -> Vec<super::ChatLine> {
        self.lock()
            .transcripts
            .get(&i)
            .map(|t| t.lines.clone())
            .unwrap_or_default()
    }

    /// The agent a chat is connected to.
    pub fn chat_agent(&self, i: InteractionId) -> Option<AgentId> {
        self.lock().chats.get(&i).copied()
    }
}
