//! The one check every callback passes: the tenant's dialling policy
//! ([`CallbackPolicy`]) and the per-number and per-source rate limits. The chat widget,
//! REST `interactions` and the phone menu call [`CallbackGate::admit`] before a
//! callback is created; the voice edge calls [`CallbackGate::permits`] again right
//! before it dials the trunk, which also covers callbacks the router makes by itself
//! (a max-wait overflow to callback) and those restored from Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use switchyard_core::callback_policy::{CallbackPolicy, Refusal, Window};
use switchyard_core::{TenantId, Time};

/// `max` requests per `window`; `max == 0` turns the limit off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

impl RateLimit {
    /// Parses `COUNT/SECS` (`3/3600`); `0` turns it off.
    pub fn parse(s: &str) -> Result<RateLimit, String> {
        let s = s.trim();
        if s == "0" {
            return Ok(RateLimit {
                max: 0,
                window: Duration::from_secs(1),
            });
        }
        let (n, secs) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: COUNT/SECONDS, like 3/3600"))?;
        let max = n
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: COUNT/SECONDS"))?;
        let secs: u64 = secs
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: COUNT/SECONDS"))?;
        if secs == 0 {
            return Err(format!("{s:?}: the window must be at least 1 second"));
        }
        Ok(RateLimit {
            max,
            window: Duration::from_secs(secs),
        })
    }
}

/// The callback rate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackLimits {
    /// Requests to call one number (per tenant).
    pub per_number: RateLimit,
    /// Requests from one source (widget client address, API token, calling phone).
    pub per_source: RateLimit,
}

impl Default for CallbackLimits {
    fn default() -> Self {
        CallbackLimits {
            per_number: RateLimit {
                max: 3,
                window: Duration::from_secs(3600),
            },
            per_source: RateLimit {
                max: 10,
                window: Duration::from_secs(3600),
            },
        }
    }
}

/// Why a callback request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackDenied {
    /// The tenant's policy refuses the number.
    Policy(Refusal),
    /// Too many requests for this number; retry after so many seconds.
    NumberRate(u64),
    /// Too many requests from this source; retry after so many seconds.
    SourceRate(u64),
}

impl CallbackDenied {
    /// A short label (metrics, logs).
    pub fn label(self) -> &'static str {
        match self {
            CallbackDenied::Policy(r) => r.label(),
            CallbackDenied::NumberRate(_) => "number_rate",
            CallbackDenied::SourceRate(_) => "source_rate",
        }
    }

    /// What the customer or API client is told.
    pub fn message(self) -> String {
        match self {
            CallbackDenied::Policy(r) => r.message().to_string(),
            CallbackDenied::NumberRate(s) | CallbackDenied::SourceRate(s) => {
                format!(
                    "too many callback requests; try again in {} minutes",
                    s.div_ceil(60).max(1)
                )
            }
        }
    }
}

impl std::fmt::Display for CallbackDenied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Entries kept per map before expired ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Default)]
struct Inner {
    policies: HashMap<TenantId, CallbackPolicy>,
    limits: CallbackLimits,
    numbers: HashMap<(TenantId, String), Window>,
    sources: HashMap<String, Window>,
}

/// Tenants' callback policies and the rate-limit windows; shared by every edge through
/// the [`Engine`](crate::Engine).
#[derive(Debug, Default)]
pub struct CallbackGate {
    inner: Mutex<Inner>,
}

fn refused(t: TenantId, why: CallbackDenied) -> CallbackDenied {
    metrics::counter!("switchyard_callbacks_refused_total", "reason" => why.label()).increment(1);
    tracing::info!(
        tenant = t.0,
        reason = why.label(),
        "callback number refused"
    );
    why
}

impl CallbackGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads every stored policy (at start); returns how many tenants have one. A stored
    /// policy that no longer parses is skipped with a warning (the defaults apply).
    pub async fn load(&self, store: &switchyard_store::Store) -> switchyard_store::Result<usize> {
        let mut n = 0;
        for (t, json) in store.callback_policies().await? {
            match serde_json::from_str::<CallbackPolicy>(&json) {
                Ok(p) => {
                    self.set_policy(TenantId(t as u64), Some(p));
                    n += 1;
                }
                Err(e) => tracing::warn!(tenant = t, error = %e, "stored callback policy ignored"),
            }
        }
        Ok(n)
    }

    /// Sets the rate limits.
    pub fn set_limits(&self, limits: CallbackLimits) {
        self.lock().limits = limits;
    }

    /// Sets a tenant's policy (`None`: the defaults).
    pub fn set_policy(&self, tenant: TenantId, policy: Option<CallbackPolicy>) {
        let mut g = self.lock();
        match policy {
            Some(p) => g.policies.insert(tenant, p),
            None => g.policies.remove(&tenant),
        };
    }

    /// A tenant's policy (the defaults when none was set).
    pub fn policy(&self, tenant: TenantId) -> CallbackPolicy {
        self.lock()
            .policies
            .get(&tenant)
            .cloned()
            .unwrap_or_default()
    }

    /// The policy alone, as checked right before dialling: the number to dial.
    pub fn permits(&self, tenant: TenantId, number: &str) -> Result<String, CallbackDenied> {
        self.policy(tenant)
            .check(number)
            .map_err(|r| refused(tenant, CallbackDenied::Policy(r)))
    }

    /// A callback request from `source` (`None`: unknown, only the per-number limit
    /// applies) at `now`: the source's rate, the policy, then the number's rate. Returns
    /// the normalised number.
    pub fn admit(
        &self,
        tenant: TenantId,
        number: &str,
        source: Option<&str>,
        now: Time,
    ) -> Result<String, CallbackDenied> {
        let mut g = self.lock();
        let limits = g.limits;
        if let Some(src) = source
            && limits.per_source.max > 0
        {
            let w = limits.per_source.window.as_millis() as u64;
            if g.sources.len() > SWEEP_AT {
                g.sources.retain(|_, v| !v.expire(now, w));
            }
            let key = format!("{}:{src}", tenant.0);
            if let Err(ms) = g
                .sources
                .entry(key)
                .or_default()
                .hit(now, limits.per_source.max, w)
            {
                return Err(refused(
                    tenant,
                    CallbackDenied::SourceRate(ms.div_ceil(1000)),
                ));
            }
        }
        let policy = g.policies.get(&tenant).cloned().unwrap_or_default();
        let n = policy
            .check(number)
            .map_err(|r| refused(tenant, CallbackDenied::Policy(r)))?;
        if limits.per_number.max > 0 {
            let w = limits.per_number.window.as_millis() as u64;
            if g.numbers.len() > SWEEP_AT {
                g.numbers.retain(|_, v| !v.expire(now, w));
            }
            if let Err(ms) =
                g.numbers
                    .entry((tenant, n.clone()))
                    .or_default()
                    .hit(now, limits.per_number.max, w)
            {
                return Err(refused(
                    tenant,
                    CallbackDenied::NumberRate(ms.div_ceil(1000)),
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TenantId = TenantId(1);

    fn gate() -> CallbackGate {
        let g = CallbackGate::default();
        g.set_policy(
            T,
            Some(CallbackPolicy {
                country_code: Some("33".into()),
                ..CallbackPolicy::default()
            }),
        );
        g.set_limits(CallbackLimits {
            per_number: RateLimit::parse("2/60").unwrap(),
            per_source: RateLimit::parse("3/60").unwrap(),
        });
        g
    }

    #[test]
    fn per_number_and_per_source_limits() {
        let g = gate();
        let at = |s| Time::from_secs(s);
        assert_eq!(
            g.admit(T, "0612345678", Some("a"), at(0)),
            Ok("+33612345678".into())
        );
        // Same number written another way: the same number.
        assert!(g.admit(T, "+33 6 12 34 56 78", Some("b"), at(1)).is_ok());
        assert_eq!(
            g.admit(T, "06 12 34 56 78", Some("c"), at(2)),
            Err(CallbackDenied::NumberRate(58))
        );
        assert!(g.admit(T, "0612345678", Some("c"), at(61)).is_ok(), "slid");
        // Source a: refused numbers count against it too.
        assert!(g.admit(T, "0899123456", Some("a"), at(3)).is_err());
        assert!(g.admit(T, "0712345678", Some("a"), at(4)).is_ok());
        assert_eq!(
            g.admit(T, "0712345679", Some("a"), at(5)),
            Err(CallbackDenied::SourceRate(55))
        );
        // Another tenant's sources and numbers are counted apart.
        assert!(g.admit(TenantId(2), "0712345679", Some("a"), at(5)).is_ok());
    }

    #[test]
    fn the_policy_is_per_tenant_with_safe_defaults() {
        let g = gate();
        assert_eq!(
            g.permits(T, "+44 20 7946 0000"),
            Err(CallbackDenied::Policy(Refusal::International))
        );
        assert_eq!(
            g.permits(TenantId(9), "+33612345678"),
            Err(CallbackDenied::Policy(Refusal::International)),
            "no policy: international form refused"
        );
        assert!(g.permits(TenantId(9), "0612345678").is_ok());
        g.set_policy(T, None);
        assert_eq!(g.policy(T), CallbackPolicy::default());
        assert!(RateLimit::parse("x").is_err() && RateLimit::parse("3/0").is_err());
        assert_eq!(RateLimit::parse("0").unwrap().max, 0);
        assert!(
            CallbackDenied::NumberRate(61)
                .message()
                .contains("2 minutes")
        );
    }
}
