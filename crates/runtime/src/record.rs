//! One waiting interaction as stored.

use serde::{Deserialize, Serialize};
use switchyard_core::{Channel, InteractionId, QueueId, SkillReq, TenantId, Time};
use switchyard_router::{InteractionState, InteractionView, NewInteraction};

/// Enough of a waiting interaction to put it back in line elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRecord {
    /// Its id.
    pub id: InteractionId,
    /// Its tenant.
    pub tenant: TenantId,
    /// The queue it waits in.
    pub queue: QueueId,
    /// Voice, chat or callback.
    pub channel: Channel,
    /// Caller ID / chat name / callback number.
    pub caller_id: String,
    /// Its own skills.
    pub skills: Vec<SkillReq>,
    /// Current priority.
    pub priority: i32,
    /// Original arrival: the place in line.
    pub arrived: Time,
}

impl WaitingRecord {
    /// The record of an interaction that is in line; None once it is connected.
    pub fn of(v: &InteractionView) -> Option<WaitingRecord> {
        (v.state != InteractionState::Connected).then(|| WaitingRecord {
            id: v.id,
            tenant: v.tenant,
            queue: v.queue,
            channel: v.channel,
            caller_id: v.caller_id.clone(),
            skills: v.skills.clone(),
            priority: v.priority,
            arrived: v.arrived,
        })
    }

    /// The join that puts it back at its place.
    pub fn to_join(&self) -> NewInteraction {
        NewInteraction {
            id: self.id,
            tenant: self.tenant,
            queue: self.queue,
            channel: self.channel,
            caller_id: self.caller_id.clone(),
            skills: self.skills.clone(),
            priority: self.priority,
            arrived: Some(self.arrived),
        }
    }

    /// Whether it can live on without the node that took it in: callbacks and chats
    /// can (the customer is called back, or reconnects); a voice call's SIP dialog and
    /// media die with its node.
    pub fn survives_node_loss(&self) -> bool {
        self.channel != Channel::Voice
    }
}
