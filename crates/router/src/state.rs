//! The router's internal records and the keys of its indexes.

use crate::skills::{Has, Reqs, SkillId};
use crate::timers::TimerKey;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use switchyard_core::config::{AgentConfig, QueueConfig, Strategy};
use switchyard_core::schedule::CompiledSchedule;
use switchyard_core::{
    AgentId, AgentStatus, Channel, InteractionId, MediaKind, OfferId, PauseReason, QueueId,
    TenantId, Time,
};

/// Place in line: higher priority first, then earlier arrival, then join order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct WaitKey {
    pub(crate) priority: Reverse<i32>,
    pub(crate) arrived: Time,
    pub(crate) seq: u64,
    pub(crate) id: InteractionId,
}

/// A group of routable interactions that the same agents qualify for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    pub(crate) media: MediaKind,
    pub(crate) reqs: Reqs,
    pub(crate) min_penalty: u32,
    pub(crate) max_penalty: u32,
}

/// An available member in a queue's index: penalty group first, then the strategy's
/// metric (lower is offered first), then member order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct AvailKey {
    pub(crate) penalty: u32,
    pub(crate) metric: u64,
    pub(crate) order: u64,
    pub(crate) agent: AgentId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IState {
    /// Routable: waiting for a qualified agent to be free.
    Waiting,
    /// Offers out to these agents.
    Ringing { offers: Vec<OfferId>, since: Time },
    /// Between offer rounds or callback attempts.
    Retry { until: Time, timer: TimerKey },
    /// With an agent.
    Connected { agent: AgentId, at: Time },
}

#[derive(Debug)]
pub(crate) struct Interaction {
    pub(crate) id: InteractionId,
    pub(crate) tenant: TenantId,
    pub(crate) queue: QueueId,
    pub(crate) channel: Channel,
    pub(crate) caller_id: String,
    pub(crate) priority: i32,
    pub(crate) arrived: Time,
    pub(crate) entered: Time,
    pub(crate) seq: u64,
    /// The interaction's own skills (before queue skills and drops).
    pub(crate) own: Vec<(SkillId, u8)>,
    /// The interaction's own skills as given at join (for views and persistence).
    pub(crate) skills: Vec<switchyard_core::SkillReq>,
    pub(crate) dropped: Vec<SkillId>,
    /// Queue + own skills minus dropped: what an agent must have.
    pub(crate) reqs: Reqs,
    pub(crate) min_penalty: u32,
    pub(crate) max_penalty: u32,
    pub(crate) next_step: usize,
    pub(crate) state: IState,
    /// lazymembers: agents that missed this interaction in the current cycle.
    pub(crate) excluded: Vec<AgentId>,
    pub(crate) orig_position: u32,
    pub(crate) max_wait_timer: Option<TimerKey>,
    pub(crate) step_timer: Option<TimerKey>,
    /// Overflow links already taken: (queue, link index).
    pub(crate) used_links: Vec<(QueueId, usize)>,
    pub(crate) hops: u8,
    pub(crate) callback_attempts: u32,
    /// Whether it is in its queue's line (waiting, ringing or retrying).
    pub(crate) in_line: bool,
    pub(crate) ring_started: Option<Time>,
    /// The queue whose ENTERQUEUE was logged for the current stay.
    pub(crate) announced: Option<QueueId>,
}

impl Interaction {
    pub(crate) fn key(&self) -> WaitKey {
        WaitKey {
            priority: Reverse(self.priority),
            arrived: self.arrived,
            seq: self.seq,
            id: self.id,
        }
    }

    pub(crate) fn bucket(&self) -> BucketKey {
        BucketKey {
            media: self.channel.media(),
            reqs: self.reqs.clone(),
            min_penalty: self.min_penalty,
            max_penalty: self.max_penalty,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub(crate) penalty: u32,
    pub(crate) weight: u32,
    pub(crate) order: u64,
    pub(crate) calls: u64,
    pub(crate) offers: u64,
    pub(crate) talk_ms: u64,
    pub(crate) last_offer_seq: u64,
    pub(crate) missed_in_row: u32,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Counters {
    pub(crate) entered: u64,
    pub(crate) answered: u64,
    pub(crate) answered_in_sla: u64,
    pub(crate) abandoned: u64,
    pub(crate) overflowed: u64,
    pub(crate) offered: u64,
    pub(crate) wait_ms_answered: u64,
    /// Exponentially weighted average handle time (talk + wrap-up), ms.
    pub(crate) aht_ms: Option<f64>,
}

#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) cfg: QueueConfig,
    pub(crate) schedule: Option<CompiledSchedule>,
    pub(crate) required: Vec<(SkillId, u8)>,
    pub(crate) members: HashMap<AgentId, Member>,
    /// Everyone in line, in order.
    pub(crate) line: BTreeSet<WaitKey>,
    /// Everyone in line by entry time: the longest current wait is the first.
    pub(crate) by_entry: BTreeSet<(Time, InteractionId)>,
    /// Routable interactions, grouped by what it takes to serve them.
    pub(crate) buckets: HashMap<BucketKey, BTreeSet<WaitKey>>,
    /// Members able to take each media kind now, in offer order.
    pub(crate) avail: [BTreeSet<AvailKey>; 2],
    /// Agents holding offers or interactions of this queue, with how many.
    pub(crate) engaged: HashMap<AgentId, u32>,
    pub(crate) rr_last: Option<u64>,
    pub(crate) counters: Counters,
    /// Recently abandoned callers: caller id -> (original arrival, valid until).
    pub(crate) abandoned: HashMap<String, (Time, Time)>,
}

impl Queue {
    pub(crate) fn at_cap(&self, agent: Option<AgentId>) -> bool {
        match self.cfg.max_busy_agents {
            Some(cap) => {
                self.engaged.len() as u32 >= cap
                    && agent.is_none_or(|a| !self.engaged.contains_key(&a))
            }
            None => false,
        }
    }

    pub(crate) fn metric(&self, m: &Member, idle_since: Time) -> u64 {
        match self.cfg.strategy {
            Strategy::LongestIdle => idle_since.as_millis(),
            Strategy::RoundRobin => m.last_offer_seq,
            Strategy::LeastCalls => m.calls,
            Strategy::LeastOffers => m.offers,
            Strategy::FewestTalkTime => m.talk_ms,
            Strategy::RingAll
            | Strategy::Linear
            | Strategy::RrMemory
            | Strategy::Random
            | Strategy::WeightedRandom => 0,
        }
    }
}

pub(crate) fn media_index(m: MediaKind) -> usize {
    match m {
        MediaKind::Voice => 0,
        MediaKind::Chat => 1,
    }
}

pub(crate) const MEDIA: [MediaKind; 2] = [MediaKind::Voice, MediaKind::Chat];

#[derive(Debug)]
pub(crate) struct Agent {
    pub(crate) cfg: AgentConfig,
    pub(crate) has: Has,
    pub(crate) logged_in: bool,
    pub(crate) reachable: bool,
    pub(crate) login_at: Time,
    pub(crate) paused_all: Option<PauseReason>,
    pub(crate) paused: HashMap<QueueId, PauseReason>,
    /// Memberships, in the order they were added.
    pub(crate) queues: Vec<QueueId>,
    pub(crate) offer: Option<OfferId>,
    pub(crate) active: Vec<(InteractionId, MediaKind)>,
    pub(crate) wrap: [Option<TimerKey>; 2],
    pub(crate) resume_timer: Option<TimerKey>,
    pub(crate) idle_since: Time,
    pub(crate) handled: u64,
    pub(crate) status: AgentStatus,
    pub(crate) status_since: Time,
    /// Where the agent currently sits in the queues' availability indexes.
    pub(crate) indexed: Vec<(QueueId, MediaKind, AvailKey)>,
}

impl Agent {
    pub(crate) fn load(&self, m: MediaKind) -> u8 {
        self.active.iter().filter(|(_, k)| *k == m).count() as u8
    }

    pub(crate) fn paused_in(&self, q: QueueId) -> bool {
        self.paused_all.is_some() || self.paused.contains_key(&q)
    }

    pub(crate) fn online(&self) -> bool {
        self.logged_in && self.reachable
    }

    /// Whether the agent can be offered `media` from a queue with `ring_in_use`.
    pub(crate) fn can_take(&self, media: MediaKind, ring_in_use: bool) -> bool {
        if !self.online() || self.offer.is_some() || self.wrap[media_index(media)].is_some() {
            return false;
        }
        let cap = self.cfg.capacity;
        match media {
            MediaKind::Voice => {
                cap.voice > 0 && (ring_in_use || self.load(MediaKind::Voice) < cap.voice)
            }
            MediaKind::Chat => {
                // Voice blocks chats during the call and its wrap-up.
                !(cap.voice_blocks_chat
                    && (self.load(MediaKind::Voice) > 0
                        || self.wrap[media_index(MediaKind::Voice)].is_some()))
                    && self.load(MediaKind::Chat) < cap.chat
            }
        }
    }

    pub(crate) fn derive_status(&self) -> AgentStatus {
        if !self.online() {
            AgentStatus::Offline
        } else if self.offer.is_some() {
            AgentStatus::Ringing
        } else if !self.active.is_empty() {
            AgentStatus::Busy
        } else if self.wrap.iter().any(Option::is_some) {
            AgentStatus::WrapUp
        } else if self.paused_all.is_some()
            || (!self.queues.is_empty() && self.queues.iter().all(|q| self.paused.contains_key(q)))
        {
            AgentStatus::Break
        } else {
            AgentStatus::Available
        }
    }
}

#[derive(Debug)]
pub(crate) struct Offer {
    pub(crate) interaction: InteractionId,
    pub(crate) agent: AgentId,
    pub(crate) queue: QueueId,
    pub(crate) started: Time,
    pub(crate) timer: TimerKey,
}
