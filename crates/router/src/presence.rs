//! Agent presence (login, pause, reachability, wrap-up) and the availability indexes.

use crate::output::{CancelReason, Output};
use crate::state::{AvailKey, MEDIA, media_index};
use crate::timers::Timer;
use crate::{Error, Result, Router};
use std::time::Duration;
use switchyard_core::{AgentId, EventKind, MediaKind, PauseReason, QueueId, Time};

impl Router {
    pub(crate) fn agent_mut(&mut self, a: AgentId) -> Result<&mut crate::state::Agent> {
        self.agents.get_mut(&a).ok_or(Error::UnknownAgent(a))
    }

    pub(crate) fn login(&mut self, now: Time, id: AgentId) -> Result<()> {
        let a = self.agent_mut(id)?;
        if a.logged_in {
            return Ok(());
        }
        a.logged_in = true;
        a.login_at = now;
        a.idle_since = now;
        self.event(now, None, None, Some(id), EventKind::AgentLogin);
        self.refresh_agent(now, id);
        Ok(())
    }

    pub(crate) fn logout(&mut self, now: Time, id: AgentId) -> Result<()> {
        let a = self.agent_mut(id)?;
        if !a.logged_in {
            return Ok(());
        }
        a.logged_in = false;
        let login_secs = now.saturating_since(a.login_at).as_secs();
        let offer = a.offer;
        if let Some(o) = offer {
            self.withdraw_offer(now, o, CancelReason::AgentGone);
        }
        self.event(
            now,
            None,
            None,
            Some(id),
            EventKind::AgentLogoff { login_secs },
        );
        self.refresh_agent(now, id);
        for q in self.agents[&id].queues.clone() {
            self.check_leave_when_empty(now, q);
        }
        Ok(())
    }

    pub(crate) fn set_reachable(&mut self, now: Time, id: AgentId, reachable: bool) -> Result<()> {
        let a = self.agent_mut(id)?;
        if a.reachable == reachable {
            return Ok(());
        }
        a.reachable = reachable;
        if !reachable && let Some(o) = a.offer {
            self.withdraw_offer(now, o, CancelReason::AgentGone);
        }
        self.refresh_agent(now, id);
        if !reachable {
            for q in self.agents[&id].queues.clone() {
                self.check_leave_when_empty(now, q);
            }
        }
        Ok(())
    }

    pub(crate) fn pause(
        &mut self,
        now: Time,
        id: AgentId,
        queue: Option<QueueId>,
        reason: PauseReason,
    ) -> Result<()> {
        let a = self.agents.get(&id).ok_or(Error::UnknownAgent(id))?;
        if let Some(q) = queue
            && !a.queues.contains(&q)
        {
            return Err(Error::NotMember {
                agent: id,
                queue: q,
            });
        }
        // A ringing offer from a queue the agent is now paused in is withdrawn.
        if let Some(o) = a.offer
            && queue.is_none_or(|q| self.offers[&o].queue == q)
        {
            self.withdraw_offer(now, o, CancelReason::AgentGone);
        }
        let a = self.agent_mut(id)?;
        match queue {
            Some(q) => {
                a.paused.insert(q, reason.clone());
            }
            None => a.paused_all = Some(reason.clone()),
        }
        self.event(now, None, queue, Some(id), EventKind::Pause { reason });
        self.refresh_agent(now, id);
        let queues = match queue {
            Some(q) => vec![q],
            None => self.agents[&id].queues.clone(),
        };
        for q in queues {
            self.check_leave_when_empty(now, q);
        }
        Ok(())
    }

    pub(crate) fn unpause(
        &mut self,
        now: Time,
        id: AgentId,
        queue: Option<QueueId>,
        why: Option<&str>,
    ) -> Result<()> {
        let a = self.agent_mut(id)?;
        let was = match queue {
            Some(q) => a.paused.remove(&q).is_some(),
            None => {
                let was = a.paused_all.take().is_some() || !a.paused.is_empty();
                a.paused.clear();
                was
            }
        };
        if let Some(t) = a.resume_timer.take() {
            self.timers.cancel(Some(t));
        }
        if was {
            let reason = PauseReason::new(why.unwrap_or(""));
            self.event(now, None, queue, Some(id), EventKind::Unpause { reason });
            self.refresh_agent(now, id);
        }
        Ok(())
    }

    /// Auto-pause after too many missed offers (app_queue autopause), with an optional
    /// automatic resume.
    pub(crate) fn auto_pause(&mut self, now: Time, id: AgentId, queue: QueueId, misses: u32) {
        let ap = self.queues[&queue].cfg.autopause.clone();
        let scope = match ap.scope {
            switchyard_core::config::PauseScope::Queue => Some(queue),
            switchyard_core::config::PauseScope::All => None,
        };
        let reason = PauseReason::new(format!("auto-pause: {misses} missed offers"));
        if self.pause(now, id, scope, reason).is_ok()
            && let Some(secs) = ap.resume_after_secs
        {
            let key = self.timers.arm(
                now + Duration::from_secs(secs.into()),
                Timer::AutoResume(id, scope),
            );
            self.agents.get_mut(&id).expect("paused above").resume_timer = Some(key);
        }
    }

    pub(crate) fn start_wrap_up(&mut self, now: Time, id: AgentId, media: MediaKind, secs: u32) {
        if secs == 0 {
            return;
        }
        let key = self.timers.arm(
            now + Duration::from_secs(secs.into()),
            Timer::WrapUp(id, media),
        );
        let a = self.agents.get_mut(&id).expect("wrap-up of a known agent");
        if let Some(old) = a.wrap[media_index(media)].replace(key) {
            self.timers.cancel(Some(old));
        }
    }

    pub(crate) fn wrap_over(&mut self, now: Time, id: AgentId, media: MediaKind) {
        if let Some(a) = self.agents.get_mut(&id) {
            a.wrap[media_index(media)] = None;
            self.refresh_agent(now, id);
        }
    }

    pub(crate) fn end_wrap_up(&mut self, now: Time, id: AgentId) -> Result<()> {
        let a = self.agent_mut(id)?;
        let keys = [a.wrap[0].take(), a.wrap[1].take()];
        for k in keys {
            self.timers.cancel(k);
        }
        self.refresh_agent(now, id);
        Ok(())
    }

    /// Removes the agent from the availability indexes of one queue or all.
    pub(crate) fn unindex_agent(&mut self, id: AgentId, only: Option<QueueId>) {
        let Some(a) = self.agents.get_mut(&id) else {
            return;
        };
        let mut kept = Vec::new();
        for (q, m, key) in a.indexed.drain(..) {
            if only.is_some_and(|o| o != q) {
                kept.push((q, m, key));
            } else if let Some(queue) = self.queues.get_mut(&q) {
                queue.avail[media_index(m)].remove(&key);
            }
        }
        a.indexed = kept;
    }

    /// Recomputes where the agent sits in every index and its board status. Whenever
    /// it becomes able to take something new, it is queued for a look at the waiters.
    pub(crate) fn refresh_agent(&mut self, now: Time, id: AgentId) {
        let Some(a) = self.agents.get(&id) else {
            return;
        };
        let mut want: Vec<(QueueId, switchyard_core::MediaKind, AvailKey)> = Vec::new();
        for &q in &a.queues {
            let queue = &self.queues[&q];
            if a.paused_in(q) {
                continue;
            }
            let m = &queue.members[&id];
            for media in MEDIA {
                if a.can_take(media, queue.cfg.ring_in_use) {
                    let metric = queue.metric(m, a.idle_since);
                    want.push((
                        q,
                        media,
                        AvailKey {
                            penalty: m.penalty,
                            metric,
                            order: m.order,
                            agent: id,
                        },
                    ));
                }
            }
        }
        let status = a.derive_status();
        let changed = status != a.status;
        let gained = want.iter().any(|w| !a.indexed.contains(w));
        if want != a.indexed {
            self.unindex_agent(id, None);
            for &(q, m, key) in &want {
                self.queues.get_mut(&q).expect("member queue").avail[media_index(m)].insert(key);
            }
            self.agents.get_mut(&id).expect("exists").indexed = want;
        }
        if gained {
            self.pending_agents.push(id);
        }
        if changed {
            let a = self.agents.get_mut(&id).expect("exists");
            a.status = status;
            a.status_since = now;
            self.outputs
                .push_back(Output::AgentChanged { agent: id, status });
        }
    }
}
