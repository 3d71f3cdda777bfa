//! Config as code: a TOML file with `[server]` settings and the tenants, skills,
//! schedules, queues and agents to apply at start. Applying is idempotent and keyed by
//! name: missing objects are created, existing ones updated, nothing is deleted.

use crate::cli::LogFormat;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use switchyard_core::QueueId;
use switchyard_core::config::{
    AgentConfig, AgentSkill, Capacity, OverflowAction, OverflowTrigger, QueueConfig,
};
use switchyard_core::schedule::Schedule;
use switchyard_store::{AgentWrite, MembershipRecord, Page, SipHa1, Store, check_password_policy};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    /// Server settings (the command line and environment win).
    #[serde(default)]
    pub(crate) server: ServerSection,
    /// Tenants to apply.
    #[serde(default)]
    pub(crate) tenants: Vec<TenantSpec>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServerSection {
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) database_url: Option<String>,
    pub(crate) http_listen: Option<SocketAddr>,
    pub(crate) sip_listen: Option<SocketAddr>,
    pub(crate) sip_rate_limit: Option<String>,
    pub(crate) sip_trunks_in: Option<String>,
    pub(crate) sip_trunk_max_calls: Option<u32>,
    pub(crate) sip_trunk_call_rate: Option<String>,
    pub(crate) sip_trunk_rate_limit: Option<String>,
    pub(crate) sip_source_max_calls: Option<u32>,
    pub(crate) sip_source_call_rate: Option<String>,
    pub(crate) sip_max_calls: Option<u32>,
    pub(crate) sip_call_rate: Option<String>,
    /// `[[server.sip_trunk_in]]`: inbound trunks with credentials, tenants or limits.
    #[serde(default)]
    pub(crate) sip_trunk_in: Vec<crate::admission::TrunkInSpec>,
    // How SIP faces the network (crates/server/src/sip_transport.rs).
    pub(crate) sip_external_address: Option<std::net::IpAddr>,
    pub(crate) media_external_address: Option<std::net::IpAddr>,
    pub(crate) rtp_ports: Option<String>,
    pub(crate) sip_tls_listen: Option<SocketAddr>,
    pub(crate) sip_tls_cert: Option<PathBuf>,
    pub(crate) sip_tls_key: Option<PathBuf>,
    pub(crate) sip_max_header_bytes: Option<usize>,
    pub(crate) sip_max_body_bytes: Option<usize>,
    pub(crate) sip_max_connections: Option<usize>,
    pub(crate) sip_max_connections_per_ip: Option<usize>,
    pub(crate) sip_idle_timeout_secs: Option<f64>,
    pub(crate) sip_trunk: Option<String>,
    pub(crate) sip_trunk_user: Option<String>,
    pub(crate) sip_trunk_password: Option<crate::secret::Secret>,
    pub(crate) sip_trunk_caller_id: Option<String>,
    pub(crate) callback_ring_secs: Option<u64>,
    pub(crate) callback_limit_per_number: Option<String>,
    pub(crate) callback_limit_per_source: Option<String>,
    pub(crate) redis_url: Option<String>,
    pub(crate) redis_prefix: Option<String>,
    pub(crate) alarm_webhook: Option<String>,
    pub(crate) log_format: Option<LogFormat>,
    // The HTTP and WebSocket edge (crates/server/src/http/settings.rs).
    pub(crate) http_header_timeout_secs: Option<u64>,
    pub(crate) http_body_timeout_secs: Option<u64>,
    pub(crate) http_max_connections: Option<usize>,
    pub(crate) http_max_connections_per_source: Option<usize>,
    pub(crate) http_max_header_bytes: Option<usize>,
    pub(crate) http_max_body_bytes: Option<usize>,
    pub(crate) ws_ping_secs: Option<u64>,
    pub(crate) ws_idle_timeout_secs: Option<u64>,
    pub(crate) public_ops: Option<bool>,
    pub(crate) ops_token: Option<String>,
    pub(crate) ops_listen: Option<SocketAddr>,
    pub(crate) sip_realm: Option<String>,
    pub(crate) auth_max_failures: Option<u32>,
    pub(crate) auth_source_max_failures: Option<u32>,
    pub(crate) auth_lockout_secs: Option<u64>,
    pub(crate) auth_lockout_max_secs: Option<u64>,
}

/// `[[tenants]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantSpec {
    pub(crate) name: String,
    /// Calls from unauthenticated SIP sources reach this tenant's numbers (left as
    /// stored when absent; off for a new tenant).
    pub(crate) allow_anonymous_calls: Option<bool>,
    #[serde(default)]
    pub(crate) skills: Vec<SkillSpec>,
    #[serde(default)]
    pub(crate) schedules: Vec<ScheduleSpec>,
    #[serde(default)]
    pub(crate) queues: Vec<QueueSpec>,
    #[serde(default)]
    pub(crate) agents: Vec<AgentSpec>,
    /// Which numbers callbacks may dial (`{ country_code = "33", … }`); when absent
    /// the stored policy is kept (the defaults on a new tenant).
    pub(crate) callback_policy: Option<switchyard_core::callback_policy::CallbackPolicy>,
}

/// `[[tenants.skills]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkillSpec {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// `[[tenants.schedules]]`: a name plus the schedule's own fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ScheduleSpec {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) schedule: Schedule,
}

/// `[[tenants.queues]]`: name, numbers, schedule name, settings, overflow by queue name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueSpec {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) numbers: Vec<String>,
    /// Name of one of the tenant's schedules.
    pub(crate) schedule: Option<String>,
    #[serde(default)]
    pub(crate) settings: QueueConfig,
    /// Overflow chain; `action = { type = "queue", queue = "<name>" }` names a queue.
    #[serde(default)]
    pub(crate) overflow: Vec<OverflowSpec>,
}

/// One overflow link with the target queue named.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverflowSpec {
    pub(crate) on: Vec<OverflowTrigger>,
    pub(crate) action: toml::Value,
}

/// `[[tenants.agents]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgentSpec {
    pub(crate) name: String,
    pub(crate) sip_username: Option<String>,
    pub(crate) sip_password: Option<crate::secret::Secret>,
    /// HA1 values as `config export --with-secrets` writes them (instead of
    /// `sip_password`), with the realm they were computed for.
    pub(crate) sip_ha1_md5: Option<String>,
    pub(crate) sip_ha1_sha256: Option<String>,
    pub(crate) sip_realm: Option<String>,
    pub(crate) chat_login: Option<String>,
    pub(crate) chat_password: Option<crate::secret::Secret>,
    #[serde(default)]
    pub(crate) skills: Vec<AgentSkill>,
    #[serde(default)]
    pub(crate) capacity: Capacity,
    pub(crate) wrap_up_secs: Option<u32>,
    /// Queue memberships: `{ queue = "<name>", penalty = 0, weight = 1 }`.
    #[serde(default)]
    pub(crate) queues: Vec<MemberSpec>,
}

/// A membership by queue name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberSpec {
    pub(crate) queue: String,
    #[serde(default)]
    pub(crate) penalty: u32,
    #[serde(default = "one")]
    pub(crate) weight: u32,
}

fn one() -> u32 {
    1
}

impl AgentSpec {
    /// Password policy and the HA1 fields' shape.
    fn check_secrets(&self) -> Result<()> {
        for (field, pw, user) in [
            ("sip_password", &self.sip_password, &self.sip_username),
            ("chat_password", &self.chat_password, &self.chat_login),
        ] {
            if let Some(pw) = pw
                && let Err(why) = check_password_policy(pw.expose(), user.as_deref())
            {
                bail!("{field}: {why} (password policy: at least 8 characters, not the user name)");
            }
        }
        match (&self.sip_ha1_md5, &self.sip_ha1_sha256) {
            (None, None) => {}
            (Some(_), Some(_)) if self.sip_password.is_some() => {
                bail!("give sip_password or sip_ha1_md5/sip_ha1_sha256, not both")
            }
            (Some(_), Some(_)) if self.sip_username.is_none() => {
                bail!("sip_ha1_md5/sip_ha1_sha256 need sip_username")
            }
            (Some(_), Some(_)) if !self.ha1().is_some_and(|h| h.is_well_formed()) => {
                bail!("sip_ha1_md5 must be 32 and sip_ha1_sha256 64 lower-case hex digits")
            }
            (Some(_), Some(_)) => {}
            _ => bail!("sip_ha1_md5 and sip_ha1_sha256 go together"),
        }
        if self.sip_password.is_some() && self.sip_username.is_none() {
            bail!("sip_password needs sip_username");
        }
        Ok(())
    }

    /// The exported HA1 pair, tagged with its realm (the deployment's when not given).
    fn ha1(&self) -> Option<SipHa1> {
        Some(SipHa1 {
            md5: self.sip_ha1_md5.clone()?,
            sha256: self.sip_ha1_sha256.clone()?,
            realm: self.sip_realm.clone().unwrap_or_default(),
        })
    }
}

impl ConfigFile {
    /// Reads and validates a file.
    pub(crate) fn load(path: &Path) -> Result<ConfigFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses and validates TOML text.
    pub(crate) fn parse(text: &str) -> Result<ConfigFile> {
        let c: ConfigFile = toml::from_str(text)?;
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<()> {
        for t in &self.tenants {
            let queues: Vec<&str> = t.queues.iter().map(|q| q.name.as_str()).collect();
            let skills: Vec<&str> = t.skills.iter().map(|s| s.name.as_str()).collect();
            for s in &t.schedules {
                s.schedule
                    .compile()
                    .with_context(|| format!("tenant {:?}, schedule {:?}", t.name, s.name))?;
            }
            for q in &t.queues {
                let ctx = || format!("tenant {:?}, queue {:?}", t.name, q.name);
                if let Some(s) = &q.schedule
                    && !t.schedules.iter().any(|x| &x.name == s)
                {
                    bail!("{}: unknown schedule {s:?}", ctx());
                }
                for r in &q.settings.required_skills {
                    if !skills.contains(&r.skill.as_str()) {
                        bail!(
                            "{}: skill {:?} is not declared in the tenant's skills",
                            ctx(),
                            r.skill.as_str()
                        );
                    }
                }
                for o in &q.overflow {
                    resolve_action(&o.action, &|n| queues.contains(&n).then_some(QueueId(0)))
                        .with_context(ctx)?;
                }
            }
            for a in &t.agents {
                a.check_secrets()
                    .with_context(|| format!("tenant {:?}, agent {:?}", t.name, a.name))?;
                for m in &a.queues {
                    if !queues.contains(&m.queue.as_str()) {
                        bail!(
                            "tenant {:?}, agent {:?}: unknown queue {:?}",
                            t.name,
                            a.name,
                            m.queue
                        );
                    }
                }
                for k in &a.skills {
                    if !skills.contains(&k.skill.as_str()) {
                        bail!(
                            "tenant {:?}, agent {:?}: skill {:?} is not declared",
                            t.name,
                            a.name,
                            k.skill.as_str()
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

/// Turns an action written with a queue name into an [`OverflowAction`] (also the queue
/// choices of menus, at any depth).
fn resolve_action(
    v: &toml::Value,
    queue: &dyn Fn(&str) -> Option<QueueId>,
) -> Result<OverflowAction> {
    let mut v = v.clone();
    resolve_names(&mut v, queue)?;
    Ok(v.try_into()?)
}

fn resolve_names(v: &mut toml::Value, queue: &dyn Fn(&str) -> Option<QueueId>) -> Result<()> {
    match v {
        toml::Value::Table(t) => {
            if t.get("type").and_then(|x| x.as_str()) == Some("queue") {
                let name = t
                    .get("queue")
                    .and_then(|x| x.as_str())
                    .context("a queue action needs `queue = \"<name>\"`")?;
                let id = queue(name).with_context(|| format!("unknown overflow queue {name:?}"))?;
                t.insert("queue".into(), toml::Value::Integer(id.0 as i64));
            }
            for (_, x) in t.iter_mut() {
                resolve_names(x, queue)?;
            }
        }
        toml::Value::Array(a) => {
            for x in a {
                resolve_names(x, queue)?;
            }
        }
        _ => {}
    }
    Ok(())
}

const ALL: Page = Page {
    limit: i64::MAX,
    offset: 0,
};

/// Applies every tenant of the file to the store, idempotently.
pub(crate) async fn apply(store: &Store, file: &ConfigFile) -> Result<()> {
    for t in &file.tenants {
        apply_tenant(store, t)
            .await
            .with_context(|| format!("applying tenant {:?}", t.name))?;
    }
    Ok(())
}

async fn apply_tenant(store: &Store, t: &TenantSpec) -> Result<()> {
    let tenant = match store.tenant_by_name(&t.name).await? {
        Some(x) => x,
        None => store.create_tenant(&t.name).await?,
    };
    let tid = tenant.id;
    if let Some(allow) = t.allow_anonymous_calls
        && allow != tenant.allow_anonymous_calls
    {
        store.set_allow_anonymous_calls(tid, allow).await?;
    }
    if let Some(p) = &t.callback_policy {
        p.validate()
            .map_err(|(field, why)| anyhow::anyhow!("callback_policy.{field}: {why}"))?;
        store
            .set_callback_policy(tid, Some(&serde_json::to_string(p)?))
            .await?;
    }
    let skills = store.list_skills(tid, ALL).await?;
    for s in &t.skills {
        match skills.iter().find(|x| x.name == s.name) {
            Some(x) => drop(
                store
                    .update_skill(tid, x.id, &s.name, &s.description)
                    .await?,
            ),
            None => drop(store.create_skill(tid, &s.name, &s.description).await?),
        }
    }
    let mut schedule_ids = HashMap::new();
    let existing = store.list_schedules(tid, ALL).await?;
    for s in &t.schedules {
        let r = match existing.iter().find(|x| x.name == s.name) {
            Some(x) => {
                store
                    .update_schedule(tid, x.id, &s.name, &s.schedule)
                    .await?
            }
            None => store.create_schedule(tid, &s.name, &s.schedule).await?,
        };
        schedule_ids.insert(s.name.clone(), r.id);
    }
    // Queues in two passes: overflow links may name queues declared later.
    let mut queue_ids: HashMap<String, i64> = store
        .list_queues(tid, None, ALL)
        .await?
        .into_iter()
        .map(|q| (q.name, q.id))
        .collect();
    for q in &t.queues {
        if !queue_ids.contains_key(&q.name) {
            let r = store
                .create_queue(tid, &q.name, &[], None, &QueueConfig::default())
                .await?;
            queue_ids.insert(q.name.clone(), r.id);
        }
    }
    for q in &t.queues {
        let mut settings = q.settings.clone();
        if !q.overflow.is_empty() {
            settings.overflow = q
                .overflow
                .iter()
                .map(|o| {
                    let action = resolve_action(&o.action, &|n| {
                        queue_ids.get(n).map(|id| QueueId(*id as u64))
                    })?;
                    Ok(switchyard_core::config::OverflowLink {
                        on: o.on.clone(),
                        action,
                    })
                })
                .collect::<Result<_>>()?;
        }
        let sched = q
            .schedule
            .as_ref()
            .and_then(|s| schedule_ids.get(s).copied());
        store
            .update_queue(
                tid,
                queue_ids[&q.name],
                &q.name,
                &q.numbers,
                sched,
                &settings,
            )
            .await?;
    }
    let agents = store.list_agents(tid, None, ALL).await?;
    for a in &t.agents {
        let w = AgentWrite {
            name: a.name.clone(),
            sip_username: a.sip_username.clone(),
            sip_password: a.sip_password.as_ref().map(|p| p.expose().to_string()),
            sip_ha1: match a.ha1() {
                Some(mut h) => {
                    if h.realm.is_empty() {
                        h.realm = store.sip_realm().to_owned();
                    } else if h.realm != store.sip_realm() {
                        bail!(
                            "agent {:?}: its SIP HA1 was computed for realm {:?} but this \
                             deployment's realm is {:?}: set sip_password instead",
                            a.name,
                            h.realm,
                            store.sip_realm()
                        );
                    }
                    Some(h)
                }
                None => None,
            },
            chat_login: a.chat_login.clone(),
            chat_password: a.chat_password.as_ref().map(|p| p.expose().to_string()),
            settings: AgentConfig {
                skills: a.skills.clone(),
                capacity: a.capacity,
                wrap_up_secs: a.wrap_up_secs,
                ..AgentConfig::default()
            },
        };
        let rec = match agents.iter().find(|x| x.name == a.name) {
            Some(x) => store.update_agent(tid, x.id, &w).await?,
            None => store.create_agent(tid, &w).await?,
        };
        for m in &a.queues {
            store
                .upsert_membership(&MembershipRecord {
                    tenant_id: tid,
                    agent_id: rec.id,
                    queue_id: queue_ids[&m.queue],
                    penalty: m.penalty as i64,
                    weight: m.weight as i64,
                })
                .await?;
        }
    }
    Ok(())
}
