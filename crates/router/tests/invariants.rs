//! Property tests: random sequences of joins, answers, rejects, timeouts, pauses,
//! config changes and hang-ups, checked after every step against the router's
//! promises.
//!
//! - No agent holds more than it can take: at most one offer, and no more active
//!   interactions of a kind than its capacity (ring-in-use off).
//! - No interaction is connected twice.
//! - Every interaction ends connected-and-completed, abandoned or overflowed.
//! - A higher penalty group is never offered while an eligible, available member of a
//!   lower group (not excluded by lazymembers for this interaction) exists.

use proptest::prelude::{ProptestConfig, any, prop_oneof, proptest};
use proptest::strategy::Strategy as _;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchyard_core::config::{
    AgentConfig, AgentSkill, Capacity, Membership, QueueConfig, Strategy,
};
use switchyard_core::{
    AgentId, Channel, EventKind, InteractionId, PauseReason, QueueId, SkillReq, TenantId, Time,
};
use switchyard_router::{EndedBy, Input, NewInteraction, OfferFailure, Output, Router};

const T: TenantId = TenantId(1);
const AGENTS: u64 = 6;

#[derive(Clone, Debug)]
enum Step {
    Join {
        queue: u64,
        chat: bool,
        french: bool,
        priority: i32,
    },
    Accept(usize),
    Reject(usize),
    Unreachable(usize),
    Wait(u64),
    Pause(u64),
    Unpause(u64),
    Logout(u64),
    Login(u64),
    Complete(usize),
    Leave(usize),
    Penalty {
        agent: u64,
        queue: u64,
        penalty: u32,
    },
    Strategy {
        queue: u64,
        strategy: usize,
    },
    Key(usize),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    prop_oneof![
        4 => (0..2u64, any::<bool>(), any::<bool>(), -1..2i32)
            .prop_map(|(queue, chat, french, priority)| Step::Join { queue, chat, french, priority }),
        4 => any::<usize>().prop_map(Step::Accept),
        1 => any::<usize>().prop_map(Step::Reject),
        1 => any::<usize>().prop_map(Step::Unreachable),
        4 => (1..40u64).prop_map(Step::Wait),
        1 => (1..=AGENTS).prop_map(Step::Pause),
        1 => (1..=AGENTS).prop_map(Step::Unpause),
        1 => (1..=AGENTS).prop_map(Step::Logout),
        1 => (1..=AGENTS).prop_map(Step::Login),
        3 => any::<usize>().prop_map(Step::Complete),
        1 => any::<usize>().prop_map(Step::Leave),
        1 => (1..=AGENTS, 0..2u64, 0..3u32).prop_map(|(agent, queue, penalty)| Step::Penalty { agent, queue, penalty }),
        1 => (0..2u64, 0..Strategy::ALL.len()).prop_map(|(queue, strategy)| Step::Strategy { queue, strategy }),
        1 => any::<usize>().prop_map(Step::Key),
    ]
}

fn queue_cfg(q: u64, strategy: Strategy, lazy: bool) -> QueueConfig {
    QueueConfig {
        id: QueueId(q + 1),
        tenant: T,
        name: format!("q{q}"),
        strategy,
        ring_timeout_secs: 15,
        retry_secs: 3,
        wrap_up_secs: 5,
        lazymembers: lazy,
        max_wait_secs: Some(300),
        max_depth: Some(12),
        keys: vec![switchyard_core::config::QueueKey {
            digit: '#',
            action: switchyard_core::config::OverflowAction::Voicemail,
        }],
        ..Default::default()
    }
}

/// What the test knows, learnt only from outputs and views.
#[derive(Default)]
struct Seen {
    offers: BTreeMap<switchyard_core::OfferId, (InteractionId, AgentId, QueueId)>,
    new_offers: Vec<(InteractionId, AgentId, QueueId)>,
    connected: BTreeMap<InteractionId, AgentId>,
    ever_connected: BTreeSet<InteractionId>,
    alive: BTreeSet<InteractionId>,
    /// lazymembers: agents that missed an interaction (a superset of its exclusions).
    missed: BTreeSet<(InteractionId, AgentId)>,
}

struct Sim {
    r: Router,
    now: Time,
    seen: Seen,
    caps: BTreeMap<AgentId, Capacity>,
    penalties: BTreeMap<(AgentId, QueueId), u32>,
    french: BTreeSet<AgentId>,
    french_needed: BTreeSet<InteractionId>,
    next: u64,
    lazy: bool,
}

impl Sim {
    fn new(seed: u64, lazy: bool) -> Sim {
        let mut sim = Sim {
            r: Router::new(seed),
            now: Time::ZERO,
            seen: Seen::default(),
            caps: BTreeMap::new(),
            penalties: BTreeMap::new(),
            french: BTreeSet::new(),
            french_needed: BTreeSet::new(),
            next: 0,
            lazy,
        };
        for q in 0..2 {
            let strategy = Strategy::ALL[(seed as usize + q as usize) % Strategy::ALL.len()];
            sim.input(Input::UpsertQueue(queue_cfg(q, strategy, lazy)));
        }
        for a in 1..=AGENTS {
            let capacity = Capacity {
                voice: 1,
                chat: (a % 3) as u8 + 1,
                voice_blocks_chat: a % 2 == 0,
            };
            let mut skills = vec![AgentSkill {
                skill: "lang:en".into(),
                level: 5,
            }];
            if a % 3 == 0 {
                skills.push(AgentSkill {
                    skill: "lang:fr".into(),
                    level: 5,
                });
                sim.french.insert(AgentId(a));
            }
            let cfg = AgentConfig {
                id: AgentId(a),
                tenant: T,
                name: format!("a{a}"),
                skills,
                capacity,
                wrap_up_secs: None,
            };
            sim.input(Input::UpsertAgent(cfg));
            sim.caps.insert(AgentId(a), capacity);
            for q in 0..2 {
                let penalty = ((a + q) % 3) as u32;
                sim.set_penalty(AgentId(a), QueueId(q + 1), penalty);
            }
            sim.input(Input::Login { agent: AgentId(a) });
        }
        sim
    }

    fn set_penalty(&mut self, a: AgentId, q: QueueId, penalty: u32) {
        self.penalties.insert((a, q), penalty);
        self.input(Input::UpsertMember(Membership {
            agent: a,
            queue: q,
            penalty,
            weight: 1 + a.0 as u32 % 2,
        }));
    }

    /// Agents free for anything in `q`: on the board as available and not paused there.
    fn free_in(&self) -> BTreeSet<(AgentId, QueueId)> {
        let mut out = BTreeSet::new();
        for &(a, q) in self.penalties.keys() {
            let v = self.r.agent(a).unwrap();
            if v.status == switchyard_core::AgentStatus::Available
                && v.paused_all.is_none()
                && !v.paused_in.iter().any(|(x, _)| *x == q)
            {
                out.insert((a, q));
            }
        }
        out
    }

    /// One input (errors are allowed: they must change nothing), then the checks.
    fn input(&mut self, input: Input) -> bool {
        let before = self.free_in();
        let ok = self.r.handle(self.now, input).is_ok();
        self.after(before);
        ok
    }

    fn tick(&mut self, secs: u64) {
        let until = self.now + Duration::from_secs(secs);
        while let Some(d) = self.r.poll_timeout().filter(|d| *d <= until) {
            let before = self.free_in();
            self.now = d;
            self.r.handle_timeout(d);
            self.after(before);
        }
        self.now = until;
    }

    fn after(&mut self, before: BTreeSet<(AgentId, QueueId)>) {
        self.drain();
        let after = self.free_in();
        let free: Vec<_> = before.intersection(&after).copied().collect();
        for (i, agent, queue) in std::mem::take(&mut self.seen.new_offers) {
            let p = self.penalties[&(agent, queue)];
            for &(a, q) in &free {
                if q != queue || a == agent || self.penalties[&(a, q)] >= p {
                    continue;
                }
                let qualified = !self.french_needed.contains(&i) || self.french.contains(&a);
                let excluded = self.seen.missed.contains(&(i, a));
                assert!(
                    !qualified || excluded,
                    "{i} offered to {agent} (penalty {p}) while {a} (penalty {}) stayed free",
                    self.penalties[&(a, q)]
                );
            }
        }
        self.check_agents();
    }

    fn drain(&mut self) {
        while let Some(o) = self.r.poll_output() {
            match o {
                Output::Offer {
                    offer,
                    interaction,
                    agent,
                    queue,
                    ..
                } => {
                    assert!(
                        self.seen.alive.contains(&interaction),
                        "offer for a finished {interaction}"
                    );
                    self.seen.offers.insert(offer, (interaction, agent, queue));
                    self.seen.new_offers.push((interaction, agent, queue));
                }
                Output::CancelOffer { offer, .. } => {
                    self.seen.offers.remove(&offer);
                }
                Output::Connect {
                    interaction, agent, ..
                } => {
                    assert!(
                        self.seen.ever_connected.insert(interaction),
                        "{interaction} connected twice"
                    );
                    self.seen.connected.insert(interaction, agent);
                    self.seen.offers.retain(|_, (i, _, _)| *i != interaction);
                }
                Output::Overflow {
                    interaction,
                    action,
                    ..
                } if action != switchyard_core::config::OverflowAction::Callback => {
                    self.end(interaction);
                }
                Output::Event(e) => match e.kind {
                    EventKind::Abandon { .. }
                    | EventKind::CompleteAgent { .. }
                    | EventKind::CompleteCaller { .. } => {
                        self.end(e.interaction.unwrap());
                    }
                    EventKind::RingNoAnswer { .. } => {
                        self.seen
                            .missed
                            .insert((e.interaction.unwrap(), e.agent.unwrap()));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }

    fn end(&mut self, i: InteractionId) {
        assert!(
            self.seen.alive.remove(&i),
            "{i} ended twice or was never alive"
        );
        self.seen.connected.remove(&i);
        self.seen.offers.retain(|_, (x, _, _)| *x != i);
    }

    fn check_agents(&self) {
        let mut holding: BTreeMap<AgentId, usize> = BTreeMap::new();
        for (_, a, _) in self.seen.offers.values() {
            *holding.entry(*a).or_default() += 1;
        }
        for (a, n) in &holding {
            assert!(*n <= 1, "{a} holds {n} offers");
        }
        for (&a, cap) in &self.caps {
            let view = self.r.agent(a).unwrap();
            let (mut voice, mut chat) = (0, 0);
            for i in &view.active {
                match self.r.interaction(*i).unwrap().channel.media() {
                    switchyard_core::MediaKind::Voice => voice += 1,
                    switchyard_core::MediaKind::Chat => chat += 1,
                }
            }
            assert!(
                voice <= cap.voice,
                "{a} holds {voice} voice calls, capacity {}",
                cap.voice
            );
            assert!(
                chat <= cap.chat,
                "{a} holds {chat} chats, capacity {}",
                cap.chat
            );
        }
    }

    fn pick<T: Copy>(items: impl Iterator<Item = T>, idx: usize) -> Option<T> {
        let v: Vec<T> = items.collect();
        (!v.is_empty()).then(|| v[idx % v.len()])
    }

    fn run(&mut self, s: Step) {
        match s {
            Step::Join {
                queue,
                chat,
                french,
                priority,
            } => {
                self.next += 1;
                let id = InteractionId(self.next);
                let mut skills = vec![SkillReq::any("lang:en")];
                if french {
                    skills.push(SkillReq::any("lang:fr"));
                    self.french_needed.insert(id);
                }
                self.seen.alive.insert(id);
                let channel = if chat { Channel::Chat } else { Channel::Voice };
                let ni = NewInteraction {
                    id,
                    tenant: T,
                    queue: QueueId(queue + 1),
                    channel,
                    caller_id: format!("c{}", self.next),
                    skills,
                    priority,
                    arrived: None,
                };
                assert!(self.input(Input::Join(ni)));
            }
            Step::Accept(i) => {
                if let Some(offer) = Self::pick(self.seen.offers.keys().copied(), i) {
                    assert!(
                        self.input(Input::Accept { offer }),
                        "a live offer can be accepted"
                    );
                }
            }
            Step::Reject(i) | Step::Unreachable(i) => {
                if let Some(offer) = Self::pick(self.seen.offers.keys().copied(), i) {
                    let failure = if matches!(s, Step::Reject(_)) {
                        OfferFailure::Rejected
                    } else {
                        OfferFailure::Unreachable
                    };
                    self.seen.offers.remove(&offer); // the edge reports it: no cancel comes back
                    assert!(self.input(Input::OfferFailed { offer, failure }));
                }
            }
            Step::Wait(secs) => self.tick(secs),
            Step::Pause(a) => {
                self.input(Input::Pause {
                    agent: AgentId(a),
                    queue: None,
                    reason: PauseReason::new("break"),
                });
            }
            Step::Unpause(a) => {
                self.input(Input::Unpause {
                    agent: AgentId(a),
                    queue: None,
                });
            }
            Step::Logout(a) => {
                self.input(Input::Logout { agent: AgentId(a) });
            }
            Step::Login(a) => {
                self.input(Input::Login { agent: AgentId(a) });
            }
            Step::Complete(i) => {
                if let Some(it) = Self::pick(self.seen.connected.keys().copied(), i) {
                    assert!(self.input(Input::Complete {
                        interaction: it,
                        by: EndedBy::Agent
                    }));
                }
            }
            Step::Leave(i) => {
                if let Some(it) = Self::pick(self.seen.alive.iter().copied(), i) {
                    assert!(self.input(Input::CustomerLeft { interaction: it }));
                }
            }
            Step::Key(i) => {
                if let Some(it) = Self::pick(self.seen.alive.iter().copied(), i) {
                    let waiting = !self.seen.connected.contains_key(&it);
                    assert_eq!(
                        self.input(Input::Key {
                            interaction: it,
                            digit: '#'
                        }),
                        waiting
                    );
                }
            }
            Step::Penalty {
                agent,
                queue,
                penalty,
            } => self.set_penalty(AgentId(agent), QueueId(queue + 1), penalty),
            Step::Strategy { queue, strategy } => {
                self.input(Input::UpsertQueue(queue_cfg(
                    queue,
                    Strategy::ALL[strategy],
                    self.lazy,
                )));
            }
        }
    }

    /// Everyone comes back and answers everything: every interaction must end.
    fn settle(&mut self) {
        for a in 1..=AGENTS {
            self.input(Input::Login { agent: AgentId(a) });
            self.input(Input::Unpause {
                agent: AgentId(a),
                queue: None,
            });
        }
        for _ in 0..2000 {
            if self.seen.alive.is_empty() {
                return;
            }
            let offers: Vec<_> = self.seen.offers.keys().copied().collect();
            for o in offers {
                if self.seen.offers.contains_key(&o) {
                    self.input(Input::Accept { offer: o });
                }
            }
            let connected: Vec<_> = self.seen.connected.keys().copied().collect();
            for i in connected {
                self.input(Input::Complete {
                    interaction: i,
                    by: EndedBy::Customer,
                });
            }
            self.tick(5);
        }
        panic!("interactions never ended: {:?}", self.seen.alive);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn router_keeps_its_promises(seed in 0u64..1000, steps in proptest::collection::vec(step(), 1..120)) {
        let mut sim = Sim::new(seed, false);
        for s in steps {
            sim.run(s);
        }
        sim.settle();
    }

    #[test]
    fn router_keeps_its_promises_with_lazymembers(seed in 0u64..1000, steps in proptest::collection::vec(step(), 1..120)) {
        let mut sim = Sim::new(seed, true);
        for s in steps {
            sim.run(s);
        }
        sim.settle();
    }
}
