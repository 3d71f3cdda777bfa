//! Lockout of web logins (agent desktop login and password, agent and supervisor
//! tokens): per login name and per source address, with the doubling back-off of
//! `switchyard_core::lockout`. The tables are pure; the clock is read here, at the edge.

use std::net::IpAddr;
use std::sync::Mutex;
use switchyard_core::Time;
use switchyard_core::lockout::{FailureOutcome, Lockout, LoginPolicy};

/// Failure counts and locks of web logins.
#[derive(Debug)]
pub(crate) struct WebLogins {
    tables: Mutex<(Lockout, Lockout)>,
}

fn source_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

impl WebLogins {
    pub(crate) fn new(policy: LoginPolicy) -> WebLogins {
        WebLogins {
            tables: Mutex::new((Lockout::new(policy.account), Lockout::new(policy.source))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Lockout, Lockout)> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When the lock of `login` or `source` lifts, if either is locked at `now`.
    pub(crate) fn locked_until(
        &self,
        now: Time,
        login: Option<&str>,
        source: Option<IpAddr>,
    ) -> Option<Time> {
        let g = self.lock();
        let by_login = login.and_then(|l| g.0.locked_until(now, l));
        let by_source = source.and_then(|ip| g.1.locked_until(now, &source_key(ip)));
        let until = by_login.max(by_source);
        if until.is_some() {
            metrics::counter!("switchyard_auth_refused_locked_total", "edge" => "web").increment(1);
        }
        until
    }

    /// Counts a failed login (a wrong password, or a bad token with `login` `None`).
    pub(crate) fn failure(&self, now: Time, login: Option<&str>, source: Option<IpAddr>) {
        metrics::counter!("switchyard_auth_failures_total", "edge" => "web").increment(1);
        let mut g = self.lock();
        if let Some(l) = login
            && let FailureOutcome::Locked { for_, .. } = g.0.failure(now, l)
        {
            metrics::counter!("switchyard_auth_lockouts_total", "edge" => "web", "key" => "account")
                .increment(1);
            tracing::warn!(login = l, source = ?source, lock_secs = for_.as_secs(),
                "web login locked after repeated failed logins");
        }
        if let Some(ip) = source
            && let FailureOutcome::Locked { for_, .. } = g.1.failure(now, &source_key(ip))
        {
            metrics::counter!("switchyard_auth_lockouts_total", "edge" => "web", "key" => "source")
                .increment(1);
            tracing::warn!(source = %ip, login = ?login, lock_secs = for_.as_secs(),
                "web logins from a source address locked after repeated failures");
        }
        g.0.prune(now);
        g.1.prune(now);
        let locked = g.0.locked(now) + g.1.locked(now);
        metrics::gauge!("switchyard_auth_locked", "edge" => "web").set(locked as f64);
        if locked == 0 {
            tracing::info!(login = ?login, source = ?source, "web login failed");
        }
    }

    /// A successful login: its name's and its source's counts are forgotten.
    pub(crate) fn success(&self, login: Option<&str>, source: Option<IpAddr>) {
        let mut g = self.lock();
        if let Some(l) = login {
            g.0.success(l);
        }
        if let Some(ip) = source {
            g.1.success(&source_key(ip));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use switchyard_core::lockout::LockoutPolicy;

    const T0: Time = Time(1_700_000_000_000);

    #[test]
    fn a_login_locks_after_n_failures_and_lifts() {
        let p = LockoutPolicy::new(3, Duration::from_secs(5), Duration::from_secs(20));
        let w = WebLogins::new(LoginPolicy {
            account: p,
            source: LockoutPolicy::new(10, p.base, p.cap),
        });
        let ip: Option<IpAddr> = Some([192, 0, 2, 1].into());
        for _ in 0..3 {
            assert_eq!(w.locked_until(T0, Some("bob"), ip), None);
            w.failure(T0, Some("bob"), ip);
        }
        let until = T0 + Duration::from_secs(5);
        assert_eq!(w.locked_until(T0, Some("bob"), None), Some(until));
        assert_eq!(
            w.locked_until(T0, Some("ann"), ip),
            None,
            "others unaffected"
        );
        assert_eq!(w.locked_until(until, Some("bob"), ip), None, "lifted");
        // The back-off doubled for the next lock.
        for _ in 0..3 {
            w.failure(until, Some("bob"), ip);
        }
        assert_eq!(
            w.locked_until(until, Some("bob"), None),
            Some(until + Duration::from_secs(10))
        );
    }

    #[test]
    fn a_source_locks_across_logins_and_success_resets() {
        let p = LockoutPolicy::new(2, Duration::from_secs(5), Duration::from_secs(20));
        let w = WebLogins::new(LoginPolicy {
            account: LockoutPolicy::new(100, p.base, p.cap),
            source: p,
        });
        let ip: Option<IpAddr> = Some([198, 51, 100, 7].into());
        w.failure(T0, Some("a"), ip);
        w.success(Some("b"), ip);
        w.failure(T0, Some("c"), ip);
        assert_eq!(w.locked_until(T0, None, ip), None, "reset by the success");
        w.failure(T0, None, ip);
        assert!(w.locked_until(T0, Some("z"), ip).is_some());
    }
}
