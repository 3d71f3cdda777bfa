//! Per-source token buckets: a flood of requests from one address is dropped before it is
//! parsed, so it cannot starve registered agents and calls in progress.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use switchyard_core::Time;

/// How many datagrams per second one source IP may send, with a burst allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained datagrams per second.
    pub per_second: u32,
    /// Bucket size: datagrams accepted at once after a quiet period.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        // A phone sends a few messages per call; a trunk carrying 100 calls/s sends ~500.
        RateLimit {
            per_second: 1000,
            burst: 2000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    // Tokens scaled by 1000 so refill by the millisecond stays in integers.
    milli_tokens: u64,
    at: Time,
}

/// Token buckets by key: a source address by default (also a trunk, or `()` for one
/// global bucket).
#[derive(Debug)]
pub(crate) struct Limiter<K = IpAddr> {
    buckets: HashMap<K, Bucket>,
}

impl<K> Default for Limiter<K> {
    fn default() -> Self {
        Limiter {
            buckets: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq> Limiter<K> {
    /// Takes one token for `ip`; false when the source is over its limit.
    pub(crate) fn allow(&mut self, limit: RateLimit, ip: K, now: Time) -> bool {
        let cap = u64::from(limit.burst) * 1000;
        if self.buckets.len() > 100_000 {
            // Sources idle long enough to have refilled completely carry no state worth keeping.
            let full_after = cap / u64::from(limit.per_second.max(1));
            self.buckets
                .retain(|_, b| now.saturating_since(b.at).as_millis() as u64 <= full_after);
        }
        let b = self.buckets.entry(ip).or_insert(Bucket {
            milli_tokens: cap,
            at: now,
        });
        let elapsed = now.saturating_since(b.at).as_millis() as u64;
        b.milli_tokens = (b.milli_tokens + elapsed * u64::from(limit.per_second)).min(cap);
        b.at = now;
        if b.milli_tokens >= 1000 {
            b.milli_tokens -= 1000;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_sustained_rate_per_source() {
        let mut l = Limiter::default();
        let limit = RateLimit {
            per_second: 10,
            burst: 5,
        };
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Time(1_000_000);
        let allowed = (0..20).filter(|_| l.allow(limit, a, t0)).count();
        assert_eq!(allowed, 5, "the burst");
        assert!(l.allow(limit, b, t0), "other sources are unaffected");
        // 10/s: one more every 100 ms.
        assert!(!l.allow(limit, a, t0 + Duration::from_millis(99)));
        assert!(l.allow(limit, a, t0 + Duration::from_millis(100)));
        let per_second = (1..=100)
            .filter(|i| l.allow(limit, a, t0 + Duration::from_millis(100 + i * 10)))
            .count();
        assert_eq!(per_second, 10);
    }
}
