//! Who may call, and how much: the endpoint's admission of new INVITEs, still pure.
//!
//! Every new INVITE is first counted against caps — concurrent calls and a call rate per
//! source address (configured trunks have their own, higher, ones), and the same
//! globally — and the excess gets 503 with Retry-After before anything else is done.
//! Then its origin is settled:
//!
//! - a source inside a configured inbound trunk's CIDRs is the trunk (after a digest
//!   exchange when the trunk has credentials toward us: 407, then 403 for wrong ones);
//! - otherwise an INVITE carrying Proxy-Authorization for one of the agents' SIP accounts
//!   is that agent's phone (wrong credentials: 403);
//! - otherwise it is unauthenticated, and the server decides with the dialled number's
//!   tenant: anonymous calls when the tenant allows them, else 407 (when the From names a
//!   SIP account: a phone that will answer the challenge) or 403.
//!
//! Calls are released from the caps when their leg ends (not when its transaction
//! finally goes away), so retransmission absorption does not hold a slot.

use super::CallHandle;
pub use super::cidr::Cidr;
use super::limit::{Limiter, RateLimit};
use std::collections::HashMap;
use std::net::IpAddr;
use switchyard_core::{AgentId, Time};

/// Caps on calls: how many at once and how fast new ones may arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    /// Calls up at once (0: none at all).
    pub max_concurrent: u32,
    /// New calls per second, with a burst (0 per second: no rate limit).
    pub rate: RateLimit,
}

impl CallLimits {
    /// Unknown sources (one address): a few phones behind one NAT.
    pub const SOURCE: CallLimits = CallLimits {
        max_concurrent: 10,
        rate: RateLimit {
            per_second: 5,
            burst: 10,
        },
    };
    /// One inbound trunk: far above the 200 calls/s a busy carrier delivers.
    pub const TRUNK: CallLimits = CallLimits {
        max_concurrent: 10_000,
        rate: RateLimit {
            per_second: 500,
            burst: 1000,
        },
    };
    /// The whole server.
    pub const GLOBAL: CallLimits = CallLimits {
        max_concurrent: 20_000,
        rate: RateLimit {
            per_second: 1000,
            burst: 2000,
        },
    };
}

/// A trusted inbound trunk (a carrier or SBC delivering customers' calls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkIn {
    /// For logs and metrics.
    pub name: String,
    /// Source addresses of its INVITEs.
    pub sources: Vec<Cidr>,
    /// `(user, password)` the trunk must answer our 407 with; `None`: the address is enough.
    pub credentials: Option<(String, String)>,
    /// Tenants (ids) whose numbers it may call; empty: any.
    pub tenants: Vec<u64>,
    /// Its call caps (per trunk, all its addresses together).
    pub limits: CallLimits,
    /// Its datagram flood limit, per source address (instead of the unknown-source one).
    pub datagrams: RateLimit,
}

impl TrunkIn {
    /// The datagram limit of a trunk by default: 200 calls/s at ~10 datagrams each,
    /// twice over.
    pub const DATAGRAMS: RateLimit = RateLimit {
        per_second: 5000,
        burst: 10_000,
    };

    /// A trunk by addresses only, with the default limits.
    pub fn new(name: impl Into<String>, sources: Vec<Cidr>) -> TrunkIn {
        TrunkIn {
            name: name.into(),
            sources,
            credentials: None,
            tenants: Vec::new(),
            limits: CallLimits::TRUNK,
            datagrams: TrunkIn::DATAGRAMS,
        }
    }
}

/// Admission settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// Trusted inbound trunks, first match wins.
    pub trunks: Vec<TrunkIn>,
    /// Caps per unknown source address.
    pub per_source: CallLimits,
    /// Caps over all calls.
    pub global: CallLimits,
    /// Retry-After (seconds) on a 503 for too many concurrent calls.
    pub retry_after_secs: u32,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            trunks: Vec::new(),
            per_source: CallLimits::SOURCE,
            global: CallLimits::GLOBAL,
            retry_after_secs: 5,
        }
    }
}

impl AdmissionConfig {
    /// The trunk (index) a source address belongs to.
    pub fn trunk_of(&self, ip: IpAddr) -> Option<usize> {
        self.trunks
            .iter()
            .position(|t| t.sources.iter().any(|c| c.contains(ip)))
    }
}

/// Where an admitted call comes from; the server decides what each may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOrigin {
    /// A configured trunk: trusted (its headers feed routing rules; early media allowed).
    Trunk {
        /// The trunk's name.
        name: String,
        /// Tenants it may call (empty: any).
        tenants: Vec<u64>,
    },
    /// An agent's phone that answered our digest challenge.
    Endpoint {
        /// Its SIP user name.
        username: String,
        /// The agent.
        agent: AgentId,
    },
    /// Nobody we know: only for tenants that allow anonymous calls.
    Unauthenticated {
        /// The From names one of our SIP accounts: challenge it (407) rather than refuse.
        challengeable: bool,
    },
}

impl CallOrigin {
    /// A trusted trunk's call.
    pub fn is_trusted(&self) -> bool {
        matches!(self, CallOrigin::Trunk { .. })
    }
}

/// Why a new INVITE was refused (a metric label each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// 503: its source (or trunk) has too many calls up.
    SourceConcurrency,
    /// 503: its source (or trunk) sends new calls too fast.
    SourceRate,
    /// 503: the server has too many calls up.
    GlobalConcurrency,
    /// 503: new calls arrive too fast overall.
    GlobalRate,
    /// 407: credentials missing (a trunk that has some), stale or replayed: challenged.
    Challenged,
    /// 403: wrong digest credentials (trunk or phone).
    BadCredentials,
}

impl Refusal {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::SourceConcurrency => "source_concurrency",
            Refusal::SourceRate => "source_rate",
            Refusal::GlobalConcurrency => "global_concurrency",
            Refusal::GlobalRate => "global_rate",
            Refusal::Challenged => "challenged",
            Refusal::BadCredentials => "bad_credentials",
        }
    }
}

/// What one admitted call holds.
#[derive(Clone, Copy, Debug)]
struct Slot {
    ip: IpAddr,
    trunk: Option<usize>,
}

/// The caps' state: live calls per source, per trunk and overall, and the rate buckets.
#[derive(Debug, Default)]
pub(crate) struct Caps {
    live: HashMap<CallHandle, Slot>,
    per_ip: HashMap<IpAddr, u32>,
    per_trunk: HashMap<usize, u32>,
    source_rate: Limiter<IpAddr>,
    trunk_rate: Limiter<usize>,
    global_rate: Limiter<()>,
}

fn rate_ok<K: std::hash::Hash + Eq>(l: &mut Limiter<K>, r: RateLimit, k: K, now: Time) -> bool {
    r.per_second == 0 || l.allow(r, k, now)
}

impl Caps {
    /// Checks a new call from `ip` (trunk `trunk`) against the caps; takes rate tokens only
    /// when every concurrency cap has room.
    pub(crate) fn check(
        &mut self,
        cfg: &AdmissionConfig,
        ip: IpAddr,
        trunk: Option<usize>,
        now: Time,
    ) -> Result<(), Refusal> {
        let (limits, mine) = match trunk.and_then(|i| cfg.trunks.get(i).map(|t| (i, t))) {
            Some((i, t)) => (t.limits, self.per_trunk.get(&i).copied().unwrap_or(0)),
            None => (cfg.per_source, self.per_ip.get(&ip).copied().unwrap_or(0)),
        };
        if mine >= limits.max_concurrent {
            return Err(Refusal::SourceConcurrency);
        }
        if self.live.len() >= cfg.global.max_concurrent as usize {
            return Err(Refusal::GlobalConcurrency);
        }
        let source_ok = match trunk {
            Some(i) => rate_ok(&mut self.trunk_rate, limits.rate, i, now),
            None => rate_ok(&mut self.source_rate, limits.rate, ip, now),
        };
        if !source_ok {
            return Err(Refusal::SourceRate);
        }
        if !rate_ok(&mut self.global_rate, cfg.global.rate, (), now) {
            return Err(Refusal::GlobalRate);
        }
        Ok(())
    }

    /// Counts an admitted call.
    pub(crate) fn hold(&mut self, call: CallHandle, ip: IpAddr, trunk: Option<usize>) {
        self.live.insert(call, Slot { ip, trunk });
        *self.per_ip.entry(ip).or_default() += 1;
        if let Some(t) = trunk {
            *self.per_trunk.entry(t).or_default() += 1;
        }
    }

    /// Frees an ended call's slot (idempotent).
    pub(crate) fn release(&mut self, call: CallHandle) {
        let Some(slot) = self.live.remove(&call) else {
            return;
        };
        if let Some(n) = self.per_ip.get_mut(&slot.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&slot.ip);
            }
        }
        if let Some(n) = slot.trunk.and_then(|t| self.per_trunk.get_mut(&t)) {
            *n = n.saturating_sub(1);
        }
    }

    /// Whether a call came in over a trusted trunk.
    pub(crate) fn trusted(&self, call: CallHandle) -> bool {
        self.live.get(&call).is_some_and(|s| s.trunk.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn per_source_caps_free_on_release_and_trunks_have_their_own() {
        let mut cfg = AdmissionConfig::default();
        cfg.per_source.max_concurrent = 2;
        cfg.trunks.push(TrunkIn::new(
            "carrier",
            vec!["192.0.2.0/24".parse().unwrap()],
        ));
        let t0 = Time(1_000_000);
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let trunk: IpAddr = "192.0.2.9".parse().unwrap();
        let mut caps = Caps::default();
        for i in 0..2 {
            assert_eq!(caps.check(&cfg, a, None, t0), Ok(()));
            caps.hold(CallHandle(i), a, None);
        }
        assert_eq!(
            caps.check(&cfg, a, None, t0),
            Err(Refusal::SourceConcurrency)
        );
        caps.release(CallHandle(0));
        caps.release(CallHandle(0));
        assert_eq!(caps.check(&cfg, a, None, t0), Ok(()));
        let t = cfg.trunk_of(trunk);
        assert_eq!(t, Some(0));
        assert_eq!(cfg.trunk_of(a), None);
        for i in 10..20 {
            assert_eq!(caps.check(&cfg, trunk, t, t0), Ok(()));
            caps.hold(CallHandle(i), trunk, t);
        }
        assert!(caps.trusted(CallHandle(10)) && !caps.trusted(CallHandle(1)));
        // The source rate: 5/s with a burst of 10 (3 taken above), then one per 200 ms.
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        let ok = (0..20)
            .filter(|_| caps.check(&cfg, b, None, t0).is_ok())
            .count();
        assert_eq!(ok, 10);
        assert_eq!(caps.check(&cfg, b, None, t0), Err(Refusal::SourceRate));
        let later = t0 + Duration::from_millis(200);
        assert_eq!(caps.check(&cfg, b, None, later), Ok(()));
    }

    #[test]
    fn the_trunk_defaults_carry_200_calls_a_second_for_a_minute() {
        let mut cfg = AdmissionConfig::default();
        cfg.trunks
            .push(TrunkIn::new("carrier", vec!["192.0.2.7".parse().unwrap()]));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let mut caps = Caps::default();
        let mut datagrams = Limiter::default();
        let t0 = Time(5_000_000);
        for (n, ms) in (0..60_000u64).step_by(5).enumerate() {
            let n = n as u64;
            let now = t0 + Duration::from_millis(ms);
            // One call every 5 ms, each lasting 30 s; ~8 datagrams per call.
            assert_eq!(caps.check(&cfg, ip, Some(0), now), Ok(()), "at {ms} ms");
            caps.hold(CallHandle(n), ip, Some(0));
            if n >= 6000 {
                caps.release(CallHandle(n - 6000));
            }
            for _ in 0..8 {
                assert!(datagrams.allow(TrunkIn::DATAGRAMS, ip, now));
            }
        }
    }

    #[test]
    fn global_caps_apply_across_sources() {
        let cfg = AdmissionConfig {
            global: CallLimits {
                max_concurrent: 3,
                rate: RateLimit {
                    per_second: 0,
                    burst: 0,
                },
            },
            ..AdmissionConfig::default()
        };
        let mut caps = Caps::default();
        let t0 = Time(1);
        for i in 0..3u8 {
            let ip = IpAddr::from([198, 51, 100, i]);
            assert_eq!(caps.check(&cfg, ip, None, t0), Ok(()));
            caps.hold(CallHandle(u64::from(i)), ip, None);
        }
        let ip = IpAddr::from([198, 51, 100, 9]);
        assert_eq!(
            caps.check(&cfg, ip, None, t0),
            Err(Refusal::GlobalConcurrency)
        );
    }
}
