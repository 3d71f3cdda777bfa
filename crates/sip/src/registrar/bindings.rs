//! Contact bindings per address-of-record, their expiry, and agent reachability.

use crate::types::Transport;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use switchyard_core::{AgentId, Time};

/// One registered or configured contact of an AOR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The contact URI as registered.
    pub uri: String,
    /// When it lapses; `None` for a static contact of a fixed device.
    pub expires_at: Option<Time>,
    /// Call-ID of the REGISTER that created or refreshed it (§10.3 step 7).
    pub(crate) call_id: String,
    /// CSeq of that REGISTER.
    pub(crate) cseq: u32,
    /// Where the REGISTER came from: the address to reach the device at through NAT.
    pub source: Option<SocketAddr>,
    /// The transport the REGISTER used (qualify probes over the same one).
    pub transport: Transport,
    /// False while the device does not answer OPTIONS (qualify); it then takes no calls.
    pub alive: bool,
}

/// What the registrar tells the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrarEvent {
    /// An agent gained its first contact or lost its last one; feed it to the router
    /// as `Input::SetReachable`.
    Reachability {
        /// The agent.
        agent: AgentId,
        /// Whether any contact is now registered or configured.
        reachable: bool,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Bindings {
    by_aor: HashMap<String, Vec<Binding>>,
    // The AORs with bindings by user part (an agent's SIP user name), so that dialling
    // an agent does not scan every binding; and the earliest expiry, recomputed when
    // bindings change rather than on every poll.
    by_user: HashMap<String, BTreeSet<String>>,
    next_expiry: Option<Time>,
    agent_of: HashMap<String, AgentId>,
    reachable: HashMap<AgentId, bool>,
    pub(crate) events: VecDeque<RegistrarEvent>,
}

/// The user part of an AOR (`sip:1001@example.com` → `1001`).
fn user_of(aor: &str) -> Option<String> {
    crate::uri::SipUri::parse(aor).and_then(|u| u.user)
}

impl Bindings {
    pub(crate) fn link(&mut self, aor: &str, agent: AgentId) {
        self.agent_of.insert(aor.to_owned(), agent);
    }

    pub(crate) fn get(&self, aor: &str, now: Time) -> Vec<Binding> {
        self.by_aor
            .get(aor)
            .map(|v| {
                v.iter()
                    .filter(|b| b.expires_at.is_none_or(|t| t > now))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every unexpired binding with its AOR (for qualify), in a stable order.
    pub(crate) fn all(&self, now: Time) -> Vec<(String, Binding)> {
        let mut out: Vec<(String, Binding)> = self
            .by_aor
            .iter()
            .flat_map(|(aor, list)| list.iter().map(move |b| (aor.clone(), b.clone())))
            .filter(|(_, b)| b.expires_at.is_none_or(|t| t > now))
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1.uri).cmp(&(&b.0, &b.1.uri)));
        out
    }

    pub(crate) fn set_alive(&mut self, aor: &str, uri: &str, alive: bool) -> bool {
        let found = self
            .by_aor
            .get_mut(aor)
            .and_then(|l| l.iter_mut().find(|b| b.uri == uri));
        match found {
            Some(b) => {
                b.alive = alive;
                true
            }
            None => false,
        }
    }

    pub(crate) fn find(&self, aor: &str, uri: &str) -> Option<&Binding> {
        self.by_aor.get(aor)?.iter().find(|b| b.uri == uri)
    }

    pub(crate) fn upsert(&mut self, aor: &str, binding: Binding) {
        if !self.by_aor.contains_key(aor)
            && let Some(user) = user_of(aor)
        {
            self.by_user.entry(user).or_default().insert(aor.to_owned());
        }
        let list = self.by_aor.entry(aor.to_owned()).or_default();
        match list.iter_mut().find(|b| b.uri == binding.uri) {
            Some(b) => *b = binding,
            None => list.push(binding),
        }
        self.recompute_expiry();
    }

    /// Removes registered (not static) contacts: one URI, or all with `None`.
    pub(crate) fn remove(&mut self, aor: &str, uri: Option<&str>) {
        if let Some(list) = self.by_aor.get_mut(aor) {
            list.retain(|b| b.expires_at.is_none() || uri.is_some_and(|u| u != b.uri));
        }
        self.recompute_expiry();
    }

    /// The AORs of `user` that have bindings (possibly lapsed ones: filter by time).
    pub(crate) fn aors_of_user(&self, user: &str) -> Vec<String> {
        self.by_user
            .get(user)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Drops lapsed bindings.
    pub(crate) fn expire(&mut self, now: Time) {
        for list in self.by_aor.values_mut() {
            list.retain(|b| b.expires_at.is_none_or(|t| t > now));
        }
        self.by_aor.retain(|_, l| !l.is_empty());
        let by_aor = &self.by_aor;
        self.by_user.retain(|_, aors| {
            aors.retain(|a| by_aor.contains_key(a));
            !aors.is_empty()
        });
        self.recompute_expiry();
        let aors: Vec<String> = self.agent_of.keys().cloned().collect();
        for aor in aors {
            self.refresh(&aor, now);
        }
    }

    /// Emits a reachability event if the AOR's agent changed state.
    pub(crate) fn refresh(&mut self, aor: &str, now: Time) {
        let Some(&agent) = self.agent_of.get(aor) else {
            return;
        };
        let reachable = self.get(aor, now).iter().any(|b| b.alive);
        let before = self.reachable.insert(agent, reachable).unwrap_or(false);
        if before != reachable {
            self.events
                .push_back(RegistrarEvent::Reachability { agent, reachable });
        }
    }

    pub(crate) fn next_expiry(&self) -> Option<Time> {
        self.next_expiry
    }

    fn recompute_expiry(&mut self) {
        self.next_expiry = self
            .by_aor
            .values()
            .flatten()
            .filter_map(|b| b.expires_at)
            .min();
    }
}
