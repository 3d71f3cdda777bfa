//! Rows as the rest of Switchyard sees them. Ids are the database keys (`i64`); the
//! router's newtypes wrap the same numbers.

use serde::{Deserialize, Serialize};
use switchyard_core::config::{AgentConfig, QueueConfig};
use switchyard_core::schedule::Schedule;
use utoipa::ToSchema;

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything within its scope (all tenants when the token has no tenant).
    Admin,
    /// Read everything of its tenant and take live actions (pause, move, hang up).
    Supervisor,
    /// Only its own agent's presence.
    Agent,
}

impl Role {
    /// Stable lowercase name (the database value).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        }
    }

    /// Parses the database value.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "supervisor" => Some(Role::Supervisor),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Calls from unauthenticated SIP sources (neither a configured trunk nor an agent's
    /// phone) reach this tenant's numbers; otherwise they get 403. Default false.
    #[serde(default)]
    pub allow_anonymous_calls: bool,
}

/// An API token (the secret itself is only shown once, at creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Tenant scope; None for a deployment-wide admin token.
    pub tenant_id: Option<i64>,
    /// Role.
    pub role: Role,
    /// For agent tokens: the agent it speaks for.
    pub agent_id: Option<i64>,
    /// Label.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// A skill name known to a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkillRecord {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name, e.g. `lang:fr`.
    pub name: String,
    /// Free text.
    pub description: String,
}

/// A named schedule, shared by queues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduleRecord {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name.
    pub name: String,
    /// Opening hours (time zone, weekly hours, holidays).
    #[schema(value_type = Object)]
    pub schedule: Schedule,
}

/// A queue: name, dialable numbers, schedule and every router setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueRecord {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name (also the queue name in queue_log).
    pub name: String,
    /// Numbers (DIDs, extensions) that reach this queue.
    pub numbers: Vec<String>,
    /// Shared schedule; when set it replaces `settings.schedule`.
    pub schedule_id: Option<i64>,
    /// Router settings (`id`, `tenant` and `name` inside are taken from the record).
    #[schema(value_type = Object)]
    pub settings: QueueConfig,
}

/// An agent (secrets are never returned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgentRecord {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Display name (also the agent name in queue_log).
    pub name: String,
    /// SIP digest username (unique in the deployment).
    pub sip_username: Option<String>,
    /// Whether a SIP password is set.
    pub has_sip_password: bool,
    /// Chat / agent desktop login (unique in the deployment).
    pub chat_login: Option<String>,
    /// Whether a chat password is set.
    pub has_chat_password: bool,
    /// Router settings: skills, capacity, wrap-up (`id`, `tenant`, `name` taken from the record).
    #[schema(value_type = Object)]
    pub settings: AgentConfig,
}

/// What is written for an agent. Passwords left `None` keep the stored ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentWrite {
    /// Display name.
    pub name: String,
    /// SIP username.
    pub sip_username: Option<String>,
    /// SIP password: stored as HA1 (MD5 and SHA-256) for the store's realm, never in
    /// clear. Needs `sip_username` (HA1 includes it).
    pub sip_password: Option<String>,
    /// Ready-made HA1 values instead of `sip_password` (config export round trip).
    pub sip_ha1: Option<SipHa1>,
    /// Chat login.
    pub chat_login: Option<String>,
    /// Chat password (stored as an Argon2id PHC string).
    pub chat_password: Option<String>,
    /// Router settings.
    pub settings: AgentConfig,
}

/// A SIP password as stored: HA1 = H(user:realm:password) in lower-case hex for each
/// digest algorithm, and the realm it was computed for. As good as the password for
/// logging in to that realm: kept as secret as one, never logged (`Debug` hides it).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SipHa1 {
    /// MD5 HA1 (32 hex digits).
    pub md5: String,
    /// SHA-256 HA1 (64 hex digits).
    pub sha256: String,
    /// The realm.
    pub realm: String,
}

impl std::fmt::Debug for SipHa1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SipHa1 {{ realm: {:?}, .. }}", self.realm)
    }
}

impl SipHa1 {
    /// Whether both values are lower-case hex of the right length.
    pub fn is_well_formed(&self) -> bool {
        let hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        hex(&self.md5, 32) && hex(&self.sha256, 64)
    }
}

/// An agent's membership of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipRecord {
    /// Tenant.
    pub tenant_id: i64,
    /// Agent.
    pub agent_id: i64,
    /// Queue.
    pub queue_id: i64,
    /// Penalty group (lower is tried first).
    pub penalty: i64,
    /// Weight for weighted random.
    pub weight: i64,
}

/// A stored prompt (8 kHz mono 16-bit PCM WAV under `<data-dir>/sounds/`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoundRecord {
    /// Id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name used by announcements and menus.
    pub name: String,
    /// File name relative to the sounds directory.
    pub file_name: String,
    /// Sample rate of the stored file (8000).
    pub sample_rate: i64,
    /// Duration in milliseconds.
    pub duration_ms: i64,
    /// File size.
    pub size_bytes: i64,
    /// Upload time, ms since the epoch.
    pub created_ms: i64,
}

/// One stored router event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventRecord {
    /// Id (insertion order).
    pub id: i64,
    /// Tenant, when the event could be attributed to one.
    pub tenant_id: Option<i64>,
    /// When, ms since the epoch.
    pub time_ms: i64,
    /// Interaction.
    pub interaction_id: Option<i64>,
    /// Queue.
    pub queue_id: Option<i64>,
    /// Agent.
    pub agent_id: Option<i64>,
    /// queue_log verb (ENTERQUEUE, CONNECT…).
    pub event: String,
    /// The full event as JSON.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// The queue_log line.
    pub queue_log: String,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Tenant, if known.
    pub tenant_id: Option<i64>,
    /// The event.
    pub event: switchyard_core::RouterEvent,
    /// Its queue_log line.
    pub queue_log: String,
}

/// Filters for the event history; all optional, combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Restrict to a tenant.
    pub tenant_id: Option<i64>,
    /// Queue.
    pub queue_id: Option<i64>,
    /// Agent.
    pub agent_id: Option<i64>,
    /// Interaction.
    pub interaction_id: Option<i64>,
    /// queue_log verb.
    pub event: Option<String>,
    /// From (inclusive), ms.
    pub from_ms: Option<i64>,
    /// To (exclusive), ms.
    pub to_ms: Option<i64>,
}

/// Limit/offset paging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Rows at most.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: 100,
            offset: 0,
        }
    }
}
