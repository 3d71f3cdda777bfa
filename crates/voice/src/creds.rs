//! Agents' SIP accounts for the registrar, read from the store into memory (digest
//! verification is synchronous) and refreshed periodically so config changes apply.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use switchyard_core::AgentId;
use switchyard_sip::registrar::{Account, CredentialStore};
use switchyard_store::Store;

/// A shared, refreshable map of SIP user name → account.
#[derive(Clone, Debug, Default)]
pub struct Accounts(Arc<RwLock<HashMap<String, Account>>>);

impl CredentialStore for Accounts {
    fn account(&self, username: &str) -> Option<Account> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(username)
            .cloned()
    }
}

impl Accounts {
    /// Replaces the accounts with `users`.
    pub fn set(&self, users: HashMap<String, Account>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = users;
    }

    /// The SIP user name of an agent.
    pub fn username_of(&self, agent: AgentId) -> Option<String> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .find(|(_, a)| a.agent == agent)
            .map(|(u, _)| u.clone())
    }

    /// Reads every agent with a SIP user name and password from the store.
    pub async fn reload(&self, store: &Store) -> crate::Result<usize> {
        let mut users = HashMap::new();
        for a in store.all_agents().await? {
            let Some(user) = a.sip_username else { continue };
            if let Some((rec, password)) = store.sip_credentials(&user).await? {
                let agent = AgentId(rec.id as u64);
                users.insert(user, Account { agent, password });
            }
        }
        let n = users.len();
        self.set(users);
        Ok(n)
    }
}
