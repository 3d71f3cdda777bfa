//! The writer task: applies changes to the store in order, retrying through outages.

use crate::{RuntimeStore, WaitingRecord};
use std::time::Duration;
use switchyard_core::InteractionId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One change to the runtime state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The interaction is (still) waiting, as recorded.
    Put(WaitingRecord),
    /// The interaction left the line.
    Remove(InteractionId),
}

/// Handle of the writer task. Dropping every sender ends it after the last change.
#[derive(Debug)]
pub struct Persister {
    task: JoinHandle<()>,
}

impl Persister {
    /// Starts the writer for `store`; send changes on the returned channel.
    pub fn spawn(store: RuntimeStore) -> (mpsc::UnboundedSender<Change>, Persister) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Change>();
        let task = tokio::spawn(async move {
            while let Some(change) = rx.recv().await {
                let mut backoff = Duration::from_millis(100);
                loop {
                    let r = match &change {
                        Change::Put(rec) => store.put(rec).await,
                        Change::Remove(id) => store.remove(*id).await,
                    };
                    match r {
                        Ok(()) => break,
                        Err(e) => {
                            // The store is away: keep this change (and every later one,
                            // queued behind it) and try again.
                            tracing::warn!(error = %e, retry_in = ?backoff, "runtime state write failed");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(5));
                        }
                    }
                }
            }
        });
        (tx, Persister { task })
    }

    /// Waits until every change sent before the senders were dropped is written.
    pub async fn finish(self) {
        let _ = self.task.await;
    }
}
