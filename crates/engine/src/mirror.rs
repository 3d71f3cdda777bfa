//! Mirroring the waiting line to the runtime store (Redis in production), so a
//! restarted node puts chats and callbacks back in line at their original place.
//!
//! Cost per decision stays independent of queue length: only the interactions named
//! in the outputs of that decision are looked at, and only changed records are written.

use std::collections::HashMap;
use switchyard_core::InteractionId;
use switchyard_router::{Output, Router};
use switchyard_runtime::{Change, WaitingRecord};
use tokio::sync::mpsc;

/// The engine's side of the runtime mirror.
#[derive(Debug)]
pub(crate) struct Mirror {
    tx: mpsc::UnboundedSender<Change>,
    // What the runtime store holds, as far as this node wrote it.
    mirrored: HashMap<InteractionId, WaitingRecord>,
}

impl Mirror {
    pub(crate) fn new(tx: mpsc::UnboundedSender<Change>) -> Self {
        Mirror {
            tx,
            mirrored: HashMap::new(),
        }
    }

    /// The interaction an output is about, if any.
    pub(crate) fn subject(out: &Output) -> Option<InteractionId> {
        match out {
            Output::Offer { interaction, .. }
            | Output::CancelOffer { interaction, .. }
            | Output::Connect { interaction, .. }
            | Output::Overflow { interaction, .. } => Some(*interaction),
            Output::Event(e) => e.interaction,
            Output::QueueChanged { .. } | Output::AgentChanged { .. } => None,
        }
    }

    /// Brings the store in line with the router for the interactions `touched`.
    pub(crate) fn sync(
        &mut self,
        router: &Router,
        touched: impl IntoIterator<Item = InteractionId>,
    ) {
        for id in touched {
            // `peek`: O(1), no position count (the record does not need one).
            let now = router.peek(id).as_ref().and_then(WaitingRecord::of);
            match now {
                Some(rec) => {
                    if self.mirrored.get(&id) != Some(&rec) {
                        self.mirrored.insert(id, rec.clone());
                        let _ = self.tx.send(Change::Put(rec));
                    }
                }
                None => {
                    if self.mirrored.remove(&id).is_some() {
                        let _ = self.tx.send(Change::Remove(id));
                    }
                }
            }
        }
    }

    /// Records what a restore put back in line (already in the store).
    pub(crate) fn restored(&mut self, rec: WaitingRecord) {
        self.mirrored.insert(rec.id, rec);
    }

    /// Drops a stored record that could not be restored.
    pub(crate) fn forget(&mut self, id: InteractionId) {
        self.mirrored.remove(&id);
        let _ = self.tx.send(Change::Remove(id));
    }
}
