//! Dialled numbers to queues without two database queries per call: the store's answer
//! for a number is kept for [`TTL`], and on every hit its settings are replaced by the
//! router's current ones (REST changes reach the router at once, so rules and
//! announcements are never stale). Only a number moved to another queue or removed is
//! seen up to [`TTL`] late; unknown numbers are always asked again.

use super::Actor;
use std::collections::HashMap;
use std::time::Duration;
use switchyard_core::{QueueId, Time};
use switchyard_store::QueueRecord;

/// How long a number's queue is trusted without asking the store.
pub(super) const TTL: Duration = Duration::from_secs(1);

/// Numbers looked up recently.
#[derive(Debug, Default)]
pub(super) struct NumberCache {
    map: HashMap<String, (Time, QueueRecord)>,
}

impl NumberCache {
    /// The queue found for `number` less than [`TTL`] before `now`.
    pub(super) fn get(&self, number: &str, now: Time) -> Option<QueueRecord> {
        self.map
            .get(number)
            .filter(|(at, _)| now < *at + TTL)
            .map(|(_, q)| q.clone())
    }

    /// Remembers the store's answer; drops expired entries now and then.
    pub(super) fn put(&mut self, number: &str, queue: QueueRecord, now: Time) {
        if self.map.len() >= 1024 {
            self.map.retain(|_, (at, _)| now < *at + TTL);
        }
        self.map.insert(number.to_owned(), (now, queue));
    }

    /// Forgets a number (its queue is gone from the router).
    pub(super) fn forget(&mut self, number: &str) {
        self.map.remove(number);
    }
}

impl Actor {
    /// The queue a dialled number reaches, with the router's current settings.
    pub(super) async fn queue_by_number(
        &mut self,
        number: &str,
    ) -> switchyard_store::Result<Option<QueueRecord>> {
        let now = self.clock.now();
        if let Some(mut q) = self.numbers.get(number, now) {
            let id = QueueId(q.id as u64);
            let cfg = self
                .engine
                .call(move |r, _| r.queue_config(id).cloned())
                .await
                .ok()
                .flatten();
            if let Some(cfg) = cfg {
                q.settings = cfg;
                return Ok(Some(q));
            }
            self.numbers.forget(number);
        }
        let found = self.store.queue_by_number(number).await?;
        if let Some(q) = &found {
            self.numbers.put(number, q.clone(), now);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(id: i64) -> QueueRecord {
        QueueRecord {
            id,
            tenant_id: 1,
            name: format!("q{id}"),
            numbers: vec!["500".into()],
            schedule_id: None,
            settings: Default::default(),
        }
    }

    #[test]
    fn a_number_is_trusted_for_the_ttl_only() {
        let mut c = NumberCache::default();
        let t0 = Time(1_000_000);
        assert!(c.get("500", t0).is_none());
        c.put("500", queue(7), t0);
        assert_eq!(c.get("500", t0).map(|q| q.id), Some(7));
        assert_eq!(
            c.get("500", t0 + Duration::from_millis(999)).map(|q| q.id),
            Some(7)
        );
        assert!(c.get("500", t0 + TTL).is_none(), "expired after the TTL");
        assert!(c.get("501", t0).is_none(), "other numbers are not answered");
    }

    #[test]
    fn forgotten_and_expired_numbers_are_dropped() {
        let mut c = NumberCache::default();
        let t0 = Time(1_000_000);
        c.put("500", queue(7), t0);
        c.forget("500");
        assert!(c.get("500", t0).is_none());
        for i in 0..1024 {
            c.put(&i.to_string(), queue(i), t0);
        }
        // The next put sweeps the expired ones.
        c.put("x", queue(1), t0 + TTL);
        assert_eq!(c.map.len(), 1);
    }
}
