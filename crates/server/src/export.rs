//! `switchyard config export`: the stored configuration as a config file that
//! `--config` applies back (config as code, starting from a running deployment).

use anyhow::{Context, Result};
use std::collections::HashMap;
use switchyard_core::config::OverflowAction;
use switchyard_store::{Page, Store, Tenant};
use toml::{Table, Value};

const ALL: Page = Page {
    limit: i64::MAX,
    offset: 0,
};

/// Renders every tenant (or one) as TOML.
pub(crate) async fn export(
    store: &Store,
    only: Option<&str>,
    with_secrets: bool,
) -> Result<String> {
    let tenants: Vec<Tenant> = match only {
        Some(name) => vec![
            store
                .tenant_by_name(name)
                .await?
                .with_context(|| format!("no tenant {name:?}"))?,
        ],
        None => store.list_tenants(None, ALL).await?,
    };
    let mut list = Vec::new();
    for t in &tenants {
        list.push(Value::Table(tenant(store, t, with_secrets).await?));
    }
    let mut root = Table::new();
    root.insert("tenants".into(), Value::Array(list));
    let mut out = String::from(
        "# Exported by `switchyard config export`; apply with `switchyard serve --config FILE`.\n\
         # Chat passwords are stored hashed and are not exported: set chat_password to change one.\n\
         # SIP passwords are stored as HA1 only: --with-secrets exports sip_ha1_md5/sip_ha1_sha256\n\
         # (as secret as passwords; valid only in sip_realm); set sip_password to change one.\n",
    );
    out.push_str(&toml::to_string_pretty(&root)?);
    Ok(out)
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    Ok(Value::try_from(v)?)
}

async fn tenant(store: &Store, t: &Tenant, with_secrets: bool) -> Result<Table> {
    let mut out = Table::new();
    out.insert("name".into(), t.name.clone().into());
    out.insert(
        "allow_anonymous_calls".into(),
        t.allow_anonymous_calls.into(),
    );
    if let Some(json) = store.callback_policy(t.id).await?
        && let Ok(p) =
            serde_json::from_str::<switchyard_core::callback_policy::CallbackPolicy>(&json)
    {
        out.insert("callback_policy".into(), to_value(&p)?);
    }
    let skills: Vec<Value> = store
        .list_skills(t.id, ALL)
        .await?
        .into_iter()
        .map(|s| {
            let mut m = Table::new();
            m.insert("name".into(), s.name.into());
            if !s.description.is_empty() {
                m.insert("description".into(), s.description.into());
            }
            Value::Table(m)
        })
        .collect();
    out.insert("skills".into(), Value::Array(skills));

    let mut schedule_names = HashMap::new();
    let mut schedules = Vec::new();
    for s in store.list_schedules(t.id, ALL).await? {
        schedule_names.insert(s.id, s.name.clone());
        let mut m = match to_value(&s.schedule)? {
            Value::Table(m) => m,
            _ => Table::new(),
        };
        m.insert("name".into(), s.name.into());
        schedules.push(Value::Table(m));
    }
    out.insert("schedules".into(), Value::Array(schedules));

    let queues = store.list_queues(t.id, None, ALL).await?;
    let queue_names: HashMap<u64, String> = queues
        .iter()
        .map(|q| (q.id as u64, q.name.clone()))
        .collect();
    let mut qs = Vec::new();
    for q in &queues {
        let mut m = Table::new();
        m.insert("name".into(), q.name.clone().into());
        m.insert("numbers".into(), to_value(&q.numbers)?);
        if let Some(name) = q.schedule_id.and_then(|id| schedule_names.get(&id)) {
            m.insert("schedule".into(), name.clone().into());
        }
        let mut settings = match to_value(&q.settings)? {
            Value::Table(s) => s,
            _ => Table::new(),
        };
        // Identity comes from the entry; the chain is written with queue names below.
        for k in ["id", "tenant", "name", "overflow"] {
            settings.remove(k);
        }
        if q.schedule_id.is_some() {
            settings.remove("schedule");
        }
        m.insert("settings".into(), Value::Table(settings));
        let mut chain = Vec::new();
        for link in &q.settings.overflow {
            let mut l = Table::new();
            l.insert("on".into(), to_value(&link.on)?);
            let mut action = to_value(&link.action)?;
            if let (OverflowAction::Queue { queue }, Value::Table(a)) = (&link.action, &mut action)
            {
                let name = queue_names
                    .get(&queue.0)
                    .cloned()
                    .unwrap_or_else(|| queue.0.to_string());
                a.insert("queue".into(), name.into());
            }
            l.insert("action".into(), action);
            chain.push(Value::Table(l));
        }
        m.insert("overflow".into(), Value::Array(chain));
        qs.push(Value::Table(m));
    }
    out.insert("queues".into(), Value::Array(qs));

    let members = store.list_memberships(t.id, None, None, ALL).await?;
    let mut agents = Vec::new();
    for a in store.list_agents(t.id, None, ALL).await? {
        let mut m = Table::new();
        m.insert("name".into(), a.name.clone().into());
        if let Some(u) = &a.sip_username {
            m.insert("sip_username".into(), u.clone().into());
            if with_secrets && let Some((_, h)) = store.sip_credentials(u).await? {
                m.insert("sip_ha1_md5".into(), h.md5.into());
                m.insert("sip_ha1_sha256".into(), h.sha256.into());
                m.insert("sip_realm".into(), h.realm.into());
            }
        }
        if let Some(l) = &a.chat_login {
            m.insert("chat_login".into(), l.clone().into());
        }
        m.insert("skills".into(), to_value(&a.settings.skills)?);
        m.insert("capacity".into(), to_value(&a.settings.capacity)?);
        if let Some(w) = a.settings.wrap_up_secs {
            m.insert("wrap_up_secs".into(), i64::from(w).into());
        }
        let mine: Vec<Value> = members
            .iter()
            .filter(|x| x.agent_id == a.id)
            .filter_map(|x| {
                let mut e = Table::new();
                e.insert(
                    "queue".into(),
                    queue_names.get(&(x.queue_id as u64))?.clone().into(),
                );
                e.insert("penalty".into(), x.penalty.into());
                e.insert("weight".into(), x.weight.into());
                Some(Value::Table(e))
            })
            .collect();
        m.insert("queues".into(), Value::Array(mine));
        agents.push(Value::Table(m));
    }
    out.insert("agents".into(), Value::Array(agents));
    Ok(out)
}
