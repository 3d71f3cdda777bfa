//! The demo tenant created on an empty store, so a first run is a working ACD.
//! It is written as a config file and applied by the same code as `--config`.
//!
//! It is created only when the HTTP listener is on a loopback address or `--demo` asks
//! for it (never with `--no-demo`), and its agents' passwords are generated at that
//! first start and printed once (stdout, not the log): they are stored hashed, so they
//! cannot be shown again. `--demo-password` gives every demo agent one known password
//! instead, for tests and scripted demos.

use crate::secret::Secret;
use crate::serve::ServeSettings;
use anyhow::{Context, Result, bail};
use rand::Rng;
use switchyard_store::Store;

/// The demo tenant's name.
pub(crate) const DEMO_TENANT: &str = "demo";

/// The demo configuration.
pub(crate) const DEMO_TOML: &str = r#"
[[tenants]]
name = "demo"
# Callbacks dial North American numbers only (no premium 900/976, nothing abroad).
callback_policy = { country_code = "1" }

[[tenants.skills]]
name = "lang:en"
description = "English"

[[tenants.skills]]
name = "lang:fr"
description = "French"

[[tenants.skills]]
name = "product:billing"
description = "Billing questions"

[[tenants.schedules]]
name = "around-the-clock"
time_zone = "Europe/Paris"
weekly = [{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open = "00:00", close = "24:00" }]
holidays = [{ date = "2099-12-25", name = "Christmas Day 2099" }]

[[tenants.queues]]
name = "sales"
numbers = ["500"]
settings = { strategy = "longest_idle", ring_timeout_secs = 15, wrap_up_secs = 10, max_wait_secs = 300, lazymembers = true, required_skills = [{ skill = "lang:en" }] }
overflow = [{ on = ["max_wait"], action = { type = "queue", queue = "support" } }]

[[tenants.queues]]
name = "support"
numbers = ["501"]
schedule = "around-the-clock"
settings = { strategy = "round_robin", ring_timeout_secs = 20, wrap_up_secs = 15, max_wait_secs = 600 }
overflow = [{ on = ["max_wait", "after_hours"], action = { type = "voicemail" } }]

[[tenants.agents]]
name = "alice"
sip_username = "1001"
chat_login = "alice"
skills = [{ skill = "lang:en", level = 8 }, { skill = "product:billing", level = 5 }]
queues = [{ queue = "sales", penalty = 0 }, { queue = "support", penalty = 1 }]

[[tenants.agents]]
name = "bob"
sip_username = "1002"
chat_login = "bob"
skills = [{ skill = "lang:en", level = 6 }]
queues = [{ queue = "sales", penalty = 0 }]

[[tenants.agents]]
name = "carol"
sip_username = "1003"
chat_login = "carol"
skills = [{ skill = "lang:en", level = 5 }, { skill = "lang:fr", level = 9 }]
queues = [{ queue = "sales", penalty = 1 }, { queue = "support", penalty = 0 }]

[[tenants.agents]]
name = "dave"
sip_username = "1004"
chat_login = "dave"
skills = [{ skill = "lang:fr", level = 7 }]
capacity = { voice = 1, chat = 4, voice_blocks_chat = false }
queues = [{ queue = "support", penalty = 0 }]
"#;

/// (agent, SIP user, chat login) of the demo agents, in the order of [`DEMO_TOML`].
pub(crate) const DEMO_AGENTS: [(&str, &str, &str); 4] = [
    ("alice", "1001", "alice"),
    ("bob", "1002", "bob"),
    ("carol", "1003", "carol"),
    ("dave", "1004", "dave"),
];

/// Shortest demo password accepted (the password policy's minimum).
const MIN_LEN: usize = 8;

/// The demo agents' passwords as set by this start.
pub(crate) struct DemoCredentials {
    /// (agent, SIP user, SIP password, chat login, chat password).
    rows: Vec<(String, String, Secret, String, Secret)>,
    /// They came from `--demo-password` (not printed: the operator knows it).
    given: bool,
}

/// `--demo-password` must pass the password policy: long enough, not a user name.
pub(crate) fn check_demo_password(p: Option<&Secret>) -> Result<()> {
    let Some(p) = p else { return Ok(()) };
    let p = p.expose();
    if p.chars().count() < MIN_LEN {
        bail!("--demo-password must be at least {MIN_LEN} characters");
    }
    if DEMO_AGENTS.iter().any(|(n, sip, chat)| {
        p.eq_ignore_ascii_case(n) || p == *sip || p.eq_ignore_ascii_case(chat)
    }) {
        bail!("--demo-password must not be a demo user name");
    }
    Ok(())
}

/// A fresh password: 12 characters from an alphabet without look-alikes (~59 bits).
fn generate() -> Secret {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let s: String = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    Secret::from(s.as_str())
}

/// Whether this start should create the demo tenant (the store is empty and no
/// tenants are configured).
pub(crate) fn wanted(cfg: &ServeSettings) -> bool {
    !cfg.no_demo && (cfg.demo || cfg.http_listen.ip().is_loopback())
}

/// Creates the demo tenant when [`wanted`], with generated (or `--demo-password`)
/// passwords, and returns them for the banner.
pub(crate) async fn seed_demo(
    store: &Store,
    cfg: &ServeSettings,
) -> Result<Option<DemoCredentials>> {
    if !wanted(cfg) {
        if !cfg.no_demo {
            tracing::info!(
                http = %cfg.http_listen,
                "demo tenant not created: the HTTP listener is not on loopback (pass --demo to create it)"
            );
        }
        return Ok(None);
    }
    let mut demo = crate::config::ConfigFile::parse(DEMO_TOML).context("demo config")?;
    let given = cfg.demo_password.is_some();
    let mut rows = Vec::new();
    for a in &mut demo.tenants[0].agents {
        let pick = || cfg.demo_password.clone().unwrap_or_else(generate);
        let (sip_pw, chat_pw) = (pick(), pick());
        a.sip_password = Some(sip_pw.clone());
        a.chat_password = Some(chat_pw.clone());
        rows.push((
            a.name.clone(),
            a.sip_username.clone().unwrap_or_default(),
            sip_pw,
            a.chat_login.clone().unwrap_or_default(),
            chat_pw,
        ));
    }
    crate::config::apply(store, &demo).await?;
    tracing::info!(tenant = DEMO_TENANT, "seeded the demo tenant");
    Ok(Some(DemoCredentials { rows, given }))
}

/// The banner's lines about the demo agents' credentials.
pub(crate) fn describe(out: &mut String, demo: Option<&DemoCredentials>) {
    match demo {
        Some(d) if !d.given => {
            out.push_str("  agent   SIP user / password        chat login / password\n");
            for (name, sip, sip_pw, chat, chat_pw) in &d.rows {
                out.push_str(&format!(
                    "  {name:<7} {sip} / {:<18} {chat} / {}\n",
                    sip_pw.expose(),
                    chat_pw.expose()
                ));
            }
            out.push_str(
                "  These passwords were generated now and are shown only this once: they are \
                 stored hashed, not in clear,\n  so they cannot be shown again. Note them, or set \
                 new ones with PUT /api/v1/tenants/{id}/agents/{id} or a config file.\n",
            );
        }
        Some(_) => out.push_str(
            "  agents alice (SIP 1001, chat alice), bob (1002), carol (1003), dave (1004): \
             password as given with --demo-password\n",
        ),
        None => out.push_str(
            "  agents alice (SIP 1001), bob (1002), carol (1003), dave (1004): their passwords \
             were shown once at the\n  first start and are not stored in clear; set new ones \
             with PUT /api/v1/tenants/{id}/agents/{id} or a config file.\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;

    #[test]
    fn demo_config_is_valid_and_has_no_fixed_passwords() {
        let c = ConfigFile::parse(DEMO_TOML).unwrap();
        let t = &c.tenants[0];
        assert_eq!(t.name, DEMO_TENANT);
        assert_eq!(t.queues.len(), 2);
        assert_eq!(t.agents.len(), 4);
        for (a, (name, sip, chat)) in t.agents.iter().zip(DEMO_AGENTS) {
            assert_eq!(a.name, name);
            assert_eq!(a.sip_username.as_deref(), Some(sip));
            assert_eq!(a.chat_login.as_deref(), Some(chat));
            assert!(a.sip_password.is_none() && a.chat_password.is_none());
        }
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.expose().len(), 12);
        assert_ne!(a, b);
        assert!(check_demo_password(Some(&a)).is_ok());
    }

    #[test]
    fn demo_password_policy() {
        assert!(check_demo_password(None).is_ok());
        assert!(check_demo_password(Some(&"short".into())).is_err());
        assert!(check_demo_password(Some(&"ALICE".into())).is_err());
        assert!(check_demo_password(Some(&"demo-pass-1".into())).is_ok());
    }
}
