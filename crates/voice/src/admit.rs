//! Who may reach a tenant's numbers, decided without sockets: the SIP endpoint settled
//! the caller's origin ([`CallOrigin`]); here it meets the dialled number's tenant. And
//! [`MediaGate`]: a caller's media waits for the ACK of our 200, so no RTP goes to an
//! address before the call is authenticated, answered and confirmed.

use std::collections::HashMap;
use switchyard_sip::endpoint::{CallHandle, CallOrigin};

/// The dialled number's owner, as far as admission cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The tenant.
    pub tenant: u64,
    /// Its `allow_anonymous_calls` setting.
    pub allow_anonymous: bool,
    /// For an agent's phone: the tenant of that agent (`None`: unknown, e.g. deleted).
    pub caller_tenant: Option<u64>,
}

/// What to do with a new call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Queue it; `trusted` callers' headers and caller ID feed the queue's SIP rules.
    Accept {
        /// A trusted trunk's call.
        trusted: bool,
    },
    /// 404: a known caller dialled a number that reaches no queue.
    NotFound,
    /// 407: an unauthenticated phone of ours should authenticate.
    Challenge,
    /// 403: not allowed (the metric label says why).
    Forbidden(&'static str),
}

/// Decides for a caller of `origin` dialling a number owned by `owner` (`None`: no
/// queue has the number). Unauthenticated callers learn nothing about which numbers
/// exist: an unknown number refuses them the same way as a closed tenant.
pub fn decide(origin: &CallOrigin, owner: Option<Owner>) -> Decision {
    match (origin, owner) {
        (CallOrigin::Trunk { tenants, .. }, Some(o))
            if !tenants.is_empty() && !tenants.contains(&o.tenant) =>
        {
            Decision::Forbidden("trunk_tenant")
        }
        (CallOrigin::Trunk { .. }, Some(_)) => Decision::Accept { trusted: true },
        // Tenants never reach each other: an agent's phone calls its own tenant's numbers.
        (CallOrigin::Endpoint { .. }, Some(o)) if o.caller_tenant != Some(o.tenant) => {
            Decision::Forbidden("other_tenant")
        }
        (CallOrigin::Endpoint { .. }, Some(_)) => Decision::Accept { trusted: false },
        (CallOrigin::Trunk { .. } | CallOrigin::Endpoint { .. }, None) => Decision::NotFound,
        (CallOrigin::Unauthenticated { .. }, Some(o)) if o.allow_anonymous => {
            Decision::Accept { trusted: false }
        }
        (
            CallOrigin::Unauthenticated {
                challengeable: true,
            },
            _,
        ) => Decision::Challenge,
        (CallOrigin::Unauthenticated { .. }, _) => Decision::Forbidden("anonymous"),
    }
}

/// Callers' media held until their ACK: released by [`MediaGate::confirmed`], dropped
/// by [`MediaGate::ended`] (a call that never got confirmed never sends a packet).
#[derive(Debug)]
pub struct MediaGate<T> {
    held: HashMap<CallHandle, T>,
}

impl<T> Default for MediaGate<T> {
    fn default() -> Self {
        MediaGate {
            held: HashMap::new(),
        }
    }
}

impl<T> MediaGate<T> {
    /// Holds a caller's media until its ACK.
    pub fn hold(&mut self, call: CallHandle, media: T) {
        self.held.insert(call, media);
    }

    /// The call was confirmed: its media, to start now (once).
    pub fn confirmed(&mut self, call: CallHandle) -> Option<T> {
        self.held.remove(&call)
    }

    /// The call ended: its held media is dropped unstarted.
    pub fn ended(&mut self, call: CallHandle) -> bool {
        self.held.remove(&call).is_some()
    }

    /// Calls answered but not yet confirmed.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether no media is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::AgentId;

    // The phone in these tests belongs to the dialled tenant (see `caller_tenant`).
    const OPEN: Owner = Owner {
        tenant: 1,
        allow_anonymous: true,
        caller_tenant: Some(1),
    };
    const CLOSED: Owner = Owner {
        tenant: 2,
        allow_anonymous: false,
        caller_tenant: Some(2),
    };

    #[test]
    fn an_agents_phone_reaches_only_its_own_tenant() {
        let phone = CallOrigin::Endpoint {
            username: "1001".into(),
            agent: AgentId(1),
        };
        let other = Owner {
            caller_tenant: Some(1),
            ..CLOSED
        };
        assert_eq!(
            decide(&phone, Some(other)),
            Decision::Forbidden("other_tenant")
        );
        let unknown = Owner {
            caller_tenant: None,
            ..OPEN
        };
        assert_eq!(
            decide(&phone, Some(unknown)),
            Decision::Forbidden("other_tenant")
        );
        assert_eq!(
            decide(&phone, Some(OPEN)),
            Decision::Accept { trusted: false }
        );
    }

    fn trunk(tenants: Vec<u64>) -> CallOrigin {
        CallOrigin::Trunk {
            name: "carrier".into(),
            tenants,
        }
    }

    #[test]
    fn trunks_phones_and_anonymous_callers() {
        let phone = CallOrigin::Endpoint {
            username: "1001".into(),
            agent: AgentId(1),
        };
        let stranger = CallOrigin::Unauthenticated {
            challengeable: false,
        };
        let own_phone = CallOrigin::Unauthenticated {
            challengeable: true,
        };
        let trusted = Decision::Accept { trusted: true };
        let untrusted = Decision::Accept { trusted: false };
        assert_eq!(decide(&trunk(vec![]), Some(CLOSED)), trusted);
        assert_eq!(decide(&trunk(vec![2]), Some(CLOSED)), trusted);
        assert_eq!(
            decide(&trunk(vec![2]), Some(OPEN)),
            Decision::Forbidden("trunk_tenant"),
            "a trunk bound to tenant 2 cannot reach tenant 1"
        );
        assert_eq!(decide(&trunk(vec![]), None), Decision::NotFound);
        assert_eq!(decide(&phone, Some(CLOSED)), untrusted);
        assert_eq!(decide(&phone, None), Decision::NotFound);
        assert_eq!(decide(&stranger, Some(OPEN)), untrusted);
        assert_eq!(
            decide(&stranger, Some(CLOSED)),
            Decision::Forbidden("anonymous")
        );
        assert_eq!(decide(&stranger, None), Decision::Forbidden("anonymous"));
        assert_eq!(decide(&own_phone, Some(CLOSED)), Decision::Challenge);
        assert_eq!(decide(&own_phone, None), Decision::Challenge);
        assert_eq!(decide(&own_phone, Some(OPEN)), untrusted);
    }

    #[test]
    fn media_starts_only_for_a_confirmed_call_and_only_once() {
        let mut gate = MediaGate::default();
        gate.hold(CallHandle(1), "music for 1");
        gate.hold(CallHandle(2), "music for 2");
        assert_eq!(gate.len(), 2);
        assert_eq!(gate.confirmed(CallHandle(3)), None);
        assert_eq!(gate.confirmed(CallHandle(1)), Some("music for 1"));
        assert_eq!(
            gate.confirmed(CallHandle(1)),
            None,
            "a repeated ACK starts nothing"
        );
        assert!(gate.ended(CallHandle(2)), "never ACKed: dropped unstarted");
        assert_eq!(gate.confirmed(CallHandle(2)), None);
        assert!(gate.is_empty());
    }
}
