//! Lockout with back-off after repeated failed logins, per key (a source address, an
//! account). Pure: every call takes `now`.
//!
//! After `max_failures` failures in a row (no success between, none forgotten) a key is
//! locked for `base`; each further lock of the same key doubles that, up to `cap`. A key
//! with no failure for `forget` (and not locked) starts from scratch. While locked, the
//! caller refuses without checking the password; failures are not counted then (the
//! lock already says no), so a locked attacker cannot lengthen a lock by hammering, and
//! the lock lifts when its time is up. Fetching a new challenge does not touch any of it.

use crate::Time;
use std::collections::HashMap;
use std::time::Duration;

/// Lockout policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures in a row that lock a key (0 turns locking off).
    pub max_failures: u32,
    /// The first lock's length; each further lock of the same key doubles it.
    pub base: Duration,
    /// The longest lock.
    pub cap: Duration,
    /// A key with no failure for this long (and not locked) is forgotten.
    pub forget: Duration,
}

impl LockoutPolicy {
    /// `max_failures` in a row lock for `base`, doubling up to `cap`; forgotten after
    /// twice the cap without failures.
    pub fn new(max_failures: u32, base: Duration, cap: Duration) -> LockoutPolicy {
        LockoutPolicy {
            max_failures,
            base,
            cap: cap.max(base),
            forget: cap.max(base) * 2,
        }
    }
}

impl Default for LockoutPolicy {
    /// 5 failures lock for 60 s, doubling up to an hour.
    fn default() -> Self {
        LockoutPolicy::new(5, Duration::from_secs(60), Duration::from_secs(3600))
    }
}

/// Lockout policies of a login edge (SIP digest, web logins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Per account (SIP user name, chat login).
    pub account: LockoutPolicy,
    /// Per source IP address (an office behind NAT shares one: keep it higher).
    pub source: LockoutPolicy,
}

impl Default for LoginPolicy {
    /// 5 failures lock an account, 20 a source address; 60 s doubling up to an hour.
    fn default() -> Self {
        let (base, cap) = (Duration::from_secs(60), Duration::from_secs(3600));
        LoginPolicy {
            account: LockoutPolicy::new(5, base, cap),
            source: LockoutPolicy::new(20, base, cap),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    /// Locks so far (the next one lasts base × 2^locks).
    locks: u32,
    last: Time,
    locked_until: Option<Time>,
}

/// What a failure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted; `failures` in a row so far.
    Counted {
        /// Failures in a row.
        failures: u32,
    },
    /// This failure locked the key until `until` (for `for_`).
    Locked {
        /// When the lock lifts.
        until: Time,
        /// The lock's length.
        for_: Duration,
    },
}

/// Failure counts and locks of many keys; bounded in size.
#[derive(Clone, Debug)]
pub struct Lockout {
    policy: LockoutPolicy,
    entries: HashMap<String, Entry>,
    max_entries: usize,
}

impl Lockout {
    /// An empty table; at most 100 000 keys are tracked (the oldest unlocked ones are
    /// forgotten first when full).
    pub fn new(policy: LockoutPolicy) -> Lockout {
        Lockout {
            policy,
            entries: HashMap::new(),
            max_entries: 100_000,
        }
    }

    /// The policy.
    pub fn policy(&self) -> LockoutPolicy {
        self.policy
    }

    /// When `key`'s lock lifts, if it is locked at `now`.
    pub fn locked_until(&self, now: Time, key: &str) -> Option<Time> {
        self.entries
            .get(key)
            .and_then(|e| e.locked_until)
            .filter(|&t| t > now)
    }

    /// Records a failed attempt of `key` (not called while it is locked).
    pub fn failure(&mut self, now: Time, key: &str) -> FailureOutcome {
        if self.policy.max_failures == 0 {
            return FailureOutcome::Counted { failures: 0 };
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.max_entries {
            self.prune(now);
            if self.entries.len() >= self.max_entries {
                self.evict_oldest_unlocked(now);
            }
        }
        let policy = self.policy;
        let e = self.entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            locks: 0,
            last: now,
            locked_until: None,
        });
        if let Some(until) = e.locked_until.filter(|&t| t > now) {
            // Refused without a check while locked: nothing more to count.
            return FailureOutcome::Locked {
                until,
                for_: until.saturating_since(now),
            };
        }
        if now.saturating_since(e.last) > policy.forget {
            e.failures = 0;
            e.locks = 0;
        }
        e.locked_until = None;
        e.last = now;
        e.failures += 1;
        if e.failures < policy.max_failures {
            return FailureOutcome::Counted {
                failures: e.failures,
            };
        }
        let factor = 1u32.checked_shl(e.locks.min(31)).unwrap_or(u32::MAX);
        let for_ = policy
            .base
            .checked_mul(factor)
            .unwrap_or(policy.cap)
            .min(policy.cap);
        e.locks = e.locks.saturating_add(1);
        e.failures = 0;
        let until = now + for_;
        e.locked_until = Some(until);
        FailureOutcome::Locked { until, for_ }
    }

    /// Records a successful login of `key`: its failures and back-off are forgotten.
    pub fn success(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// How many keys are locked at `now`.
    pub fn locked(&self, now: Time) -> usize {
        self.entries
            .values()
            .filter(|e| e.locked_until.is_some_and(|t| t > now))
            .count()
    }

    /// Forgets keys that are not locked and have had no failure for `forget`.
    pub fn prune(&mut self, now: Time) {
        let forget = self.policy.forget;
        self.entries.retain(|_, e| {
            e.locked_until.is_some_and(|t| t > now) || now.saturating_since(e.last) <= forget
        });
    }

    fn evict_oldest_unlocked(&mut self, now: Time) {
        let oldest = self
            .entries
            .iter()
            .filter(|(_, e)| e.locked_until.is_none_or(|t| t <= now))
            .min_by_key(|(_, e)| e.last)
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => drop(self.entries.remove(&k)),
            // Everything is locked: drop the lock that lifts first.
            None => {
                if let Some(k) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.locked_until)
                    .map(|(k, _)| k.clone())
                {
                    self.entries.remove(&k);
                }
            }
        }
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Time = Time(1_700_000_000_000);

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn policy() -> LockoutPolicy {
        LockoutPolicy::new(3, secs(10), secs(35))
    }

    #[test]
    fn locks_after_n_failures_and_lifts_after_the_lock() {
        let mut l = Lockout::new(policy());
        for i in 1..3 {
            assert_eq!(
                l.failure(T0, "user:1001"),
                FailureOutcome::Counted { failures: i }
            );
            assert_eq!(l.locked_until(T0, "user:1001"), None);
        }
        let until = T0 + secs(10);
        assert_eq!(
            l.failure(T0, "user:1001"),
            FailureOutcome::Locked {
                until,
                for_: secs(10)
            }
        );
        assert_eq!(l.locked_until(T0 + secs(9), "user:1001"), Some(until));
        assert_eq!(l.locked(T0 + secs(9)), 1);
        // Other keys are not affected.
        assert_eq!(l.locked_until(T0, "user:1002"), None);
        // Lifted on time.
        assert_eq!(l.locked_until(until, "user:1001"), None);
        assert_eq!(l.locked(until), 0);
    }

    #[test]
    fn hammering_while_locked_does_not_extend_the_lock() {
        let mut l = Lockout::new(policy());
        for _ in 0..3 {
            l.failure(T0, "k");
        }
        for s in 1..10 {
            assert!(matches!(
                l.failure(T0 + secs(s), "k"),
                FailureOutcome::Locked { until, .. } if until == T0 + secs(10)
            ));
        }
        assert_eq!(l.locked_until(T0 + secs(10), "k"), None);
    }

    #[test]
    fn back_off_doubles_up_to_the_cap_and_success_resets_it() {
        let mut l = Lockout::new(policy());
        let mut now = T0;
        let mut lengths = Vec::new();
        for _ in 0..4 {
            let mut last = None;
            for _ in 0..3 {
                last = Some(l.failure(now, "k"));
            }
            let Some(FailureOutcome::Locked { until, for_ }) = last else {
                panic!("not locked: {last:?}");
            };
            lengths.push(for_.as_secs());
            now = until;
        }
        assert_eq!(lengths, [10, 20, 35, 35]);
        l.success("k");
        for _ in 0..2 {
            l.failure(now, "k");
        }
        assert_eq!(
            l.failure(now, "k"),
            FailureOutcome::Locked {
                until: now + secs(10),
                for_: secs(10)
            }
        );
    }

    #[test]
    fn a_quiet_key_is_forgotten() {
        let mut l = Lockout::new(policy());
        l.failure(T0, "k");
        l.failure(T0, "k");
        // forget = 2 × cap = 70 s.
        let later = T0 + secs(71);
        assert_eq!(
            l.failure(later, "k"),
            FailureOutcome::Counted { failures: 1 }
        );
        l.prune(later + secs(71));
        assert!(l.is_empty());
    }

    #[test]
    fn zero_max_failures_never_locks() {
        let mut l = Lockout::new(LockoutPolicy::new(0, secs(10), secs(10)));
        for _ in 0..100 {
            assert!(matches!(l.failure(T0, "k"), FailureOutcome::Counted { .. }));
        }
        assert_eq!(l.locked_until(T0, "k"), None);
        assert!(l.is_empty());
    }

    #[test]
    fn the_table_stays_bounded() {
        let mut l = Lockout::new(policy());
        l.max_entries = 10;
        for _ in 0..3 {
            l.failure(T0, "locked");
        }
        for i in 0..100 {
            l.failure(T0 + Duration::from_millis(i), &format!("guess{i}"));
        }
        assert!(l.len() <= 10);
        assert!(l.locked_until(T0 + secs(1), "locked").is_some());
    }
}
