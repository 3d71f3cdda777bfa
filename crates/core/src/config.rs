//! The configuration the router consumes: queues, agents, memberships.
//!
//! These structs are what the REST API accepts, what the store persists and what the
//! TOML config file declares, so they derive serde and carry serde defaults that match
//! what an app_queue user would expect.

use crate::ids::{AgentId, QueueId, TenantId};
use crate::schedule::Schedule;
use crate::skill::{Skill, SkillLevel, SkillReq};
use serde::{Deserialize, Serialize};

/// How a queue chooses among qualified, available members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Ring every available member of the best penalty group at once.
    RingAll,
    /// The member idle the longest since their last interaction ended.
    #[default]
    LongestIdle,
    /// Qubicle "rounds": an offered member leaves the round until everyone was offered.
    RoundRobin,
    /// The member who handled the fewest interactions.
    LeastCalls,
    /// The member offered the fewest interactions.
    LeastOffers,
    /// The member with the least accumulated talk time.
    FewestTalkTime,
    /// Members in their configured order, always from the top.
    Linear,
    /// Member order, starting after the member offered last (app_queue rrmemory).
    RrMemory,
    /// Uniformly random member.
    Random,
    /// Random member, weighted by the membership weight.
    WeightedRandom,
}

impl Strategy {
    /// Every strategy, for iteration and documentation.
    pub const ALL: [Strategy; 10] = [
        Strategy::RingAll,
        Strategy::LongestIdle,
        Strategy::RoundRobin,
        Strategy::LeastCalls,
        Strategy::LeastOffers,
        Strategy::FewestTalkTime,
        Strategy::Linear,
        Strategy::RrMemory,
        Strategy::Random,
        Strategy::WeightedRandom,
    ];
}

/// Where an auto-pause applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseScope {
    /// Only in the queue whose offer was missed.
    #[default]
    Queue,
    /// In every queue the agent belongs to.
    All,
}

/// app_queue `autopause`, plus an optional automatic resume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoPause {
    /// Off by default, as in app_queue.
    pub enabled: bool,
    /// Consecutive missed offers that trigger the pause.
    pub after_misses: u32,
    /// This queue or all of the agent's queues.
    pub scope: PauseScope,
    /// Whether a busy answer (486/603, or an explicit reject) counts as a miss.
    pub count_rejects: bool,
    /// Whether an unreachable device counts as a miss.
    pub count_unreachable: bool,
    /// Resume the agent automatically after this many seconds (None: stay paused).
    pub resume_after_secs: Option<u32>,
}

impl Default for AutoPause {
    fn default() -> Self {
        AutoPause {
            enabled: false,
            after_misses: 1,
            scope: PauseScope::Queue,
            count_rejects: false,
            count_unreachable: true,
            resume_after_secs: None,
        }
    }
}

/// app_queue `joinempty` / `leavewhenempty`: when a queue counts as having nobody.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyWhen {
    /// Never: customers join and stay whatever the staffing.
    #[default]
    Never,
    /// No member is logged in at all.
    NoneLoggedIn,
    /// No logged-in member has the skills the interaction needs.
    NoneQualified,
    /// No qualified member is logged in and unpaused.
    NoneUnpaused,
}

/// A limit or condition that sends an interaction down the overflow chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverflowTrigger {
    /// Waited longer than the queue's `max_wait_secs`.
    MaxWait,
    /// The queue already held `max_depth` waiting interactions at join.
    MaxDepth,
    /// Nobody (qualified) is there, per `join_empty` / `leave_when_empty`.
    NoAgents,
    /// The queue already keeps `max_busy_agents` agents busy (checked at join).
    AgentCap,
    /// The queue's schedule is closed.
    AfterHours,
    /// The customer chose it (a key while waiting, a menu choice, a widget button).
    CustomerChoice,
}

/// What happens to an interaction at an overflow link or a menu choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OverflowAction {
    /// Move to another queue, keeping the original arrival time.
    Queue {
        /// Target queue (same tenant).
        queue: QueueId,
    },
    /// Turn into a callback that keeps its place in line in the current queue.
    Callback,
    /// Record a voicemail (chat: leave an offline message).
    Voicemail,
    /// Play an announcement, then hang up (chat: show the text, then close).
    Announcement {
        /// Sound (prompt) name.
        sound: String,
    },
    /// A DTMF menu; each choice leads to another action.
    Menu {
        /// The menu.
        menu: Menu,
    },
    /// End the interaction.
    Hangup,
}

/// An IVR-style menu: the edge plays `prompt`, collects a digit and hands it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Menu {
    /// Prompt to play.
    pub prompt: String,
    /// Choices by DTMF digit.
    pub options: Vec<MenuOption>,
    /// Taken after `attempts` invalid or empty inputs.
    pub default: Box<OverflowAction>,
    /// How many times the menu is played before `default` applies.
    #[serde(default = "default_menu_attempts")]
    pub attempts: u32,
    /// Seconds to wait for a digit after the prompt.
    #[serde(default = "default_menu_timeout")]
    pub timeout_secs: u32,
}

fn default_menu_attempts() -> u32 {
    3
}
fn default_menu_timeout() -> u32 {
    5
}

/// One menu choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuOption {
    /// The DTMF digit (`0`-`9`, `*`, `#`).
    pub digit: char,
    /// What the choice does.
    pub action: OverflowAction,
}

/// One link of a queue's overflow chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverflowLink {
    /// Conditions this link handles.
    pub on: Vec<OverflowTrigger>,
    /// What it does.
    pub action: OverflowAction,
}

/// A key a waiting caller may press (app_queue `context` exits, plus callback/voicemail).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueKey {
    /// The DTMF digit.
    pub digit: char,
    /// What pressing it does.
    pub action: OverflowAction,
}

/// An escalation step (app_queue penalty rule / Connect routing step): applied once
/// the interaction has waited `after_secs` in the queue. It never changes the place in line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationStep {
    /// Seconds of waiting before the step applies.
    pub after_secs: u32,
    /// New upper bound of the penalty window (widen to reach more groups).
    pub max_penalty: Option<u32>,
    /// New lower bound of the penalty window.
    pub min_penalty: Option<u32>,
    /// Skills no longer required from here on.
    pub drop_skills: Vec<Skill>,
    /// Added to the interaction's priority (higher goes first).
    pub raise_priority: i32,
}

/// Everything the router needs to know about one queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    /// Identifier (assigned by the store).
    pub id: QueueId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// Human name, also the queue name in `queue_log`.
    pub name: String,
    /// Member selection strategy.
    pub strategy: Strategy,
    /// Skills every interaction of this queue needs.
    pub required_skills: Vec<SkillReq>,
    /// Seconds an offer rings before it counts as not answered.
    pub ring_timeout_secs: u32,
    /// Seconds between a failed offer round and the next.
    pub retry_secs: u32,
    /// After-call work, seconds (agents may override).
    pub wrap_up_secs: u32,
    /// Offer to agents already on a call (app_queue `ringinuse`).
    pub ring_in_use: bool,
    /// lazymembers: a member who missed is skipped for this interaction only.
    pub lazymembers: bool,
    /// app_queue autopause.
    pub autopause: AutoPause,
    /// Longest wait before the MaxWait overflow (None: unlimited).
    pub max_wait_secs: Option<u32>,
    /// Most interactions allowed waiting; further joins overflow with MaxDepth.
    pub max_depth: Option<u32>,
    /// Most agents this queue may keep busy at once.
    pub max_busy_agents: Option<u32>,
    /// When a customer may not join (app_queue joinempty).
    pub join_empty: EmptyWhen,
    /// When a waiting customer is sent on (app_queue leavewhenempty).
    pub leave_when_empty: EmptyWhen,
    /// Initial upper bound of the penalty window (None: no bound).
    pub max_penalty: Option<u32>,
    /// Escalation steps, in order of `after_secs`.
    pub escalation: Vec<EscalationStep>,
    /// Overflow chain: the first link handling the trigger is taken.
    pub overflow: Vec<OverflowLink>,
    /// Keys a waiting caller may press.
    pub keys: Vec<QueueKey>,
    /// Opening hours; None means always open.
    pub schedule: Option<Schedule>,
    /// Agents claim interactions themselves instead of being offered them.
    pub pull_mode: bool,
    /// Service-level threshold in seconds (answered within it counts as in SLA).
    pub service_level_secs: u32,
    /// How failed callbacks are retried.
    pub callback: CallbackPolicy,
    /// A caller who abandons and calls again from the same number within this many
    /// seconds takes back the old place in line (FreeSWITCH abandoned-resume).
    pub abandon_resume_secs: Option<u32>,
    /// Every this many seconds a waiting voice caller hears the spoken position and
    /// estimated wait again over the music on hold (None: only once, on entry).
    pub announce_every_secs: Option<u32>,
    /// Rules setting skills and priority from the caller ID or SIP headers of a voice
    /// caller as it joins; every matching rule applies.
    pub sip_rules: Vec<SipRule>,
    /// Longest voicemail a caller may leave here, in seconds (None: the edge's default,
    /// 180 s).
    pub voicemail_max_secs: Option<u32>,
}

/// What a [`SipRule`] looks at and how it compares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipRule {
    /// A SIP header name (case-insensitive); None: the caller ID (From user).
    pub header: Option<String>,
    /// Matches when the value is exactly this.
    pub equals: Option<String>,
    /// Matches when the value starts with this.
    pub prefix: Option<String>,
    /// Skills the interaction then needs.
    pub skills: Vec<SkillReq>,
    /// Added to the interaction's priority (higher goes first).
    pub priority: i32,
}

impl SipRule {
    /// Whether `value` (the caller ID or one header value) matches; a rule with neither
    /// `equals` nor `prefix` matches any value that is present.
    pub fn matches(&self, value: &str) -> bool {
        self.equals.as_deref().is_none_or(|e| value == e)
            && self.prefix.as_deref().is_none_or(|p| value.starts_with(p))
    }
}

/// Retries of a callback whose customer did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallbackPolicy {
    /// Seconds before a failed callback is offered again.
    pub retry_secs: u32,
    /// Attempts in all before the callback is given up.
    pub max_attempts: u32,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            retry_secs: 120,
            max_attempts: 3,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            id: QueueId(0),
            tenant: TenantId(0),
            name: String::new(),
            strategy: Strategy::default(),
            required_skills: Vec::new(),
            ring_timeout_secs: 15,
            retry_secs: 5,
            wrap_up_secs: 0,
            ring_in_use: false,
            lazymembers: false,
            autopause: AutoPause::default(),
            max_wait_secs: None,
            max_depth: None,
            max_busy_agents: None,
            join_empty: EmptyWhen::Never,
            leave_when_empty: EmptyWhen::Never,
            max_penalty: None,
            escalation: Vec::new(),
            overflow: Vec::new(),
            keys: Vec::new(),
            schedule: None,
            pull_mode: false,
            service_level_secs: 20,
            callback: CallbackPolicy::default(),
            abandon_resume_secs: None,
            announce_every_secs: None,
            sip_rules: Vec::new(),
            voicemail_max_secs: None,
        }
    }
}

/// A skill an agent has, at a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSkill {
    /// The skill.
    pub skill: Skill,
    /// Proficiency 1..=10 (0: unspecified).
    #[serde(default)]
    pub level: SkillLevel,
}

/// How much an agent can hold at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capacity {
    /// Simultaneous voice interactions (calls and callbacks).
    pub voice: u8,
    /// Simultaneous chats.
    pub chat: u8,
    /// Whether being on a voice call blocks new chats.
    pub voice_blocks_chat: bool,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            voice: 1,
            chat: 3,
            voice_blocks_chat: true,
        }
    }
}

/// Everything the router needs to know about one agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentConfig {
    /// Identifier (assigned by the store).
    pub id: AgentId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// Display name, also the agent name in `queue_log`.
    pub name: String,
    /// Skills with levels.
    pub skills: Vec<AgentSkill>,
    /// What the agent can hold at once.
    pub capacity: Capacity,
    /// Overrides the queues' wrap-up time.
    pub wrap_up_secs: Option<u32>,
}

/// An agent's membership of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The agent.
    pub agent: AgentId,
    /// The queue.
    pub queue: QueueId,
    /// Penalty group: lower is tried first.
    #[serde(default)]
    pub penalty: u32,
    /// Weight for the weighted-random strategy.
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}
