//! Agents' SIP accounts for the registrar, read from the store into memory (digest
//! verification is synchronous) and refreshed every few seconds so an agent created or
//! changed over REST can register right away. One query per refresh, whatever the number
//! of agents; lookups by user name and by agent are both O(1).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use switchyard_core::AgentId;
use switchyard_sip::digest::Ha1;
use switchyard_sip::registrar::{Account, CredentialStore};
use switchyard_store::Store;

#[derive(Debug, Default)]
struct Maps {
    by_user: HashMap<String, Account>,
    by_agent: HashMap<AgentId, String>,
}

/// A shared, refreshable map of SIP user name → account.
#[derive(Clone, Debug, Default)]
pub struct Accounts(Arc<RwLock<Maps>>);

impl CredentialStore for Accounts {
    fn account(&self, username: &str) -> Option<Account> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_user
            .get(username)
            .cloned()
    }
}

impl Accounts {
    /// Replaces the accounts with `users`.
    pub fn set(&self, users: HashMap<String, Account>) {
        let by_agent = users.iter().map(|(u, a)| (a.agent, u.clone())).collect();
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Maps {
            by_user: users,
            by_agent,
        };
    }

    /// The SIP user name of an agent.
    pub fn username_of(&self, agent: AgentId) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_agent
            .get(&agent)
            .cloned()
    }

    /// Reads every agent with a SIP user name and an HA1 for the store's realm.
    pub async fn reload(&self, store: &Store) -> crate::Result<usize> {
        let users: HashMap<String, Account> = store
            .all_sip_accounts()
            .await?
            .into_iter()
            .map(|(id, user, h)| {
                let agent = AgentId(id as u64);
                let ha1 = Ha1 {
                    md5: h.md5,
                    sha256: h.sha256,
                };
                (user, Account { agent, ha1 })
            })
            .collect();
        let n = users.len();
        self.set(users);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_both_ways_follow_a_reload() {
        let accounts = Accounts::default();
        let account = |agent, pw: &str| Account {
            agent: AgentId(agent),
            ha1: Ha1::from_password("u", "r", pw),
        };
        accounts.set(HashMap::from([
            ("1001".to_owned(), account(1, "a")),
            ("1002".to_owned(), account(2, "b")),
        ]));
        assert_eq!(accounts.account("1002").map(|a| a.agent), Some(AgentId(2)));
        assert_eq!(accounts.username_of(AgentId(1)).as_deref(), Some("1001"));
        // Agent 1 changed its user name; agent 2 was deleted.
        accounts.set(HashMap::from([("2001".to_owned(), account(1, "c"))]));
        assert_eq!(accounts.username_of(AgentId(1)).as_deref(), Some("2001"));
        assert!(accounts.account("1001").is_none() && accounts.account("1002").is_none());
        assert_eq!(accounts.username_of(AgentId(2)), None);
    }
}
