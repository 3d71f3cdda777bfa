//! What the customer session does with pushes from the dispatcher and the agent, and
//! when its socket goes away.

use super::{Phase, Session};
use crate::conn::{Inbound, Outbound};
use crate::customer_msg::CustomerOut;
use crate::customer_ops as ops;
use crate::error::close;
use crate::hub::{AgentPush, CustomerPush, Party};
use futures_util::{Sink, Stream};
use switchyard_core::config::OverflowAction;

impl<S, K> Session<S, K>
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    pub(super) async fn on_push(&mut self, p: CustomerPush) {
        let sh = self.shared.clone();
        let i = match self.phase {
            Phase::Joined { i, .. } => i,
            _ => return,
        };
        match p {
            CustomerPush::Position(e) => {
                self.conn
                    .send(&CustomerOut::Position {
                        position: e.position,
                        eta_secs: e.wait.map(|w| w.as_secs()),
                    })
                    .await;
            }
            CustomerPush::Assigned(a) => {
                let agent_name = ops::agent_name(&sh, a).await;
                self.conn.send(&CustomerOut::Assigned { agent_name }).await;
            }
            CustomerPush::Line(line) => {
                let (seq, cid) = (line.seq, line.client_id.clone());
                self.conn.send(&CustomerOut::Message { line }).await;
                if let Some(a) = sh.hub.chat_agent(i) {
                    sh.hub.to_agent(a, AgentPush::Delivered(i, seq, cid));
                }
            }
            CustomerPush::Typing(on) => self.conn.send(&CustomerOut::Typing { on }).await,
            CustomerPush::Read(seq) => self.conn.send(&CustomerOut::Read { seq }).await,
            CustomerPush::Transferred(_) | CustomerPush::Moved(_) => {
                let (queue, queue_name) = ops::current_queue(&sh, i).await;
                if let Phase::Joined { queue: q, .. } = &mut self.phase {
                    *q = queue;
                }
                let msg = if matches!(p, CustomerPush::Transferred(_)) {
                    CustomerOut::Transferred { queue, queue_name }
                } else {
                    CustomerOut::Moved { queue, queue_name }
                };
                self.conn.send(&msg).await;
            }
            CustomerPush::Overflow(trigger, action) => {
                sh.hub.remove_customer(i);
                let Phase::Joined { tenant, queue, .. } = self.phase else {
                    return;
                };
                match action {
                    OverflowAction::Voicemail | OverflowAction::Menu { .. } => {
                        self.phase = Phase::Offline {
                            i,
                            tenant,
                            queue,
                            saved: 0,
                        };
                        self.conn
                            .send(&CustomerOut::Offline { reason: trigger })
                            .await;
                    }
                    _ => self.end(Party::System).await,
                }
            }
            CustomerPush::Ended(by) => {
                sh.hub.remove_customer(i);
                self.end(by).await;
            }
            CustomerPush::Replaced => {
                self.phase = Phase::Ended;
                self.conn
                    .close(close::REPLACED, "resumed on another connection")
                    .await;
            }
        }
    }

    async fn end(&mut self, by: Party) {
        self.phase = Phase::Ended;
        self.conn.send(&CustomerOut::Ended { by }).await;
        self.conn.close(close::NORMAL, "chat ended").await;
    }

    /// The socket is gone: keep the place for the grace period, then leave.
    pub(super) fn gone(self) {
        let Phase::Joined { i, generation, .. } = self.phase else {
            return;
        };
        let sh = self.shared;
        if !sh.hub.detach(i, generation) {
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(sh.config.resume_grace).await;
            if sh.hub.still_detached(i, generation) && !sh.hub.is_callback(i) {
                if let Err(e) = ops::leave(&sh, i).await {
                    tracing::debug!(interaction = %i, error = %e, "grace expiry: already gone");
                }
                sh.hub.remove_customer(i);
            }
        });
    }
}
