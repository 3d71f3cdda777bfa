//! The demo tenant created on an empty store, so a first run is a working ACD.
//! It is written as a config file and applied by the same code as `--config`.

/// The demo tenant's name.
pub(crate) const DEMO_TENANT: &str = "demo";

/// The demo configuration.
pub(crate) const DEMO_TOML: &str = r#"
[[tenants]]
name = "demo"

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
sip_password = "demo-sip-alice"
chat_login = "alice"
chat_password = "demo-desk-1001"
skills = [{ skill = "lang:en", level = 8 }, { skill = "product:billing", level = 5 }]
queues = [{ queue = "sales", penalty = 0 }, { queue = "support", penalty = 1 }]

[[tenants.agents]]
name = "bob"
sip_username = "1002"
sip_password = "demo-sip-bob"
chat_login = "bob"
chat_password = "demo-desk-1002"
skills = [{ skill = "lang:en", level = 6 }]
queues = [{ queue = "sales", penalty = 0 }]

[[tenants.agents]]
name = "carol"
sip_username = "1003"
sip_password = "demo-sip-carol"
chat_login = "carol"
chat_password = "demo-desk-1003"
skills = [{ skill = "lang:en", level = 5 }, { skill = "lang:fr", level = 9 }]
queues = [{ queue = "sales", penalty = 1 }, { queue = "support", penalty = 0 }]

[[tenants.agents]]
name = "dave"
sip_username = "1004"
sip_password = "demo-sip-dave"
chat_login = "dave"
chat_password = "demo-desk-1004"
skills = [{ skill = "lang:fr", level = 7 }]
capacity = { voice = 1, chat = 4, voice_blocks_chat = false }
queues = [{ queue = "support", penalty = 0 }]
"#;

/// (agent, SIP user, SIP password, chat login, chat password) as printed at start.
pub(crate) const DEMO_CREDENTIALS: [(&str, &str, &str, &str, &str); 4] = [
    ("alice", "1001", "demo-sip-alice", "alice", "demo-desk-1001"),
    ("bob", "1002", "demo-sip-bob", "bob", "demo-desk-1002"),
    ("carol", "1003", "demo-sip-carol", "carol", "demo-desk-1003"),
    ("dave", "1004", "demo-sip-dave", "dave", "demo-desk-1004"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;

    #[test]
    fn demo_config_is_valid_and_matches_the_printed_credentials() {
        let c = ConfigFile::parse(DEMO_TOML).unwrap();
        let t = &c.tenants[0];
        assert_eq!(t.name, DEMO_TENANT);
        assert_eq!(t.queues.len(), 2);
        assert_eq!(t.agents.len(), 4);
        for (a, (name, sip, sip_pw, chat, chat_pw)) in t.agents.iter().zip(DEMO_CREDENTIALS) {
            assert_eq!(a.name, name);
            assert_eq!(a.sip_username.as_deref(), Some(sip));
            assert_eq!(a.sip_password.as_deref(), Some(sip_pw));
            assert_eq!(a.chat_login.as_deref(), Some(chat));
            assert_eq!(a.chat_password.as_deref(), Some(chat_pw));
        }
    }
}
