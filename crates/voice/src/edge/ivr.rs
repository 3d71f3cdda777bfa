//! The tokio side of the IVR ([`crate::ivr`]): starts a session when the switchboard
//! hands a caller over (voicemail, menu) or a waiting caller presses the queue's callback
//! key, routes the caller's keys, prompt ends, timeouts and recordings to it, and carries
//! out its steps (`ivr_steps`) on the media task, the router and the endpoint.

use super::Actor;
use crate::ivr::{Context, Ivr, Step};
use crate::voicemail::{self, Done};
use std::collections::HashMap;
use std::path::PathBuf;
use switchyard_core::config::OverflowAction;
use switchyard_core::{InteractionId, QueueId, TenantId, Time};
use switchyard_media::recorder::Limits;
use switchyard_sip::endpoint::CallHandle;

/// What the edge remembers of a caller for re-joining and voicemail.
#[derive(Clone, Debug)]
pub(super) struct CallInfo {
    pub(super) tenant: TenantId,
    pub(super) caller_id: String,
    /// When the caller first joined (kept when a menu re-joins a queue).
    pub(super) arrived: Time,
}

pub(super) struct Session {
    pub(super) ivr: Ivr,
    pub(super) interaction: InteractionId,
    pub(super) queue: QueueId,
    /// When a voicemail stops by itself (the queue's maximum length).
    pub(super) limits: Limits,
    /// The deadline a timer task is already sleeping for.
    pub(super) armed: Option<Time>,
}

/// The IVR sessions of one edge.
pub(super) struct IvrDesk {
    pub(super) dir: PathBuf,
    pub(super) limits: Limits,
    pub(super) calls: HashMap<CallHandle, CallInfo>,
    pub(super) sessions: HashMap<CallHandle, Session>,
}

impl IvrDesk {
    /// Voicemails go under `dir`; `.part` files a crash left there are removed now.
    pub(super) fn new(dir: PathBuf) -> IvrDesk {
        voicemail::sweep(&dir);
        IvrDesk {
            dir,
            limits: Limits::default(),
            calls: HashMap::new(),
            sessions: HashMap::new(),
        }
    }

    /// The caller leg is gone.
    pub(super) fn forget(&mut self, call: CallHandle) {
        self.calls.remove(&call);
        self.sessions.remove(&call);
    }

    /// The caller is bridged to an agent: no IVR any more.
    pub(super) fn end_session(&mut self, call: CallHandle) {
        self.sessions.remove(&call);
    }

    /// Whether an IVR session runs the caller.
    pub(super) fn active(&self, call: CallHandle) -> bool {
        self.sessions.contains_key(&call)
    }
}

impl Actor {
    /// Remembers a caller who joined: its tenant, caller ID and arrival per the router
    /// (an abandoned caller who called back keeps the old one).
    pub(super) async fn remember_join(
        &mut self,
        call: CallHandle,
        interaction: InteractionId,
        tenant: TenantId,
        caller_id: String,
    ) {
        let arrived = self
            .peek(interaction)
            .await
            .map_or_else(|| self.clock.now(), |v| v.arrived);
        self.ivr.calls.insert(
            call,
            CallInfo {
                tenant,
                caller_id,
                arrived,
            },
        );
    }

    /// The switchboard handed a caller over for an overflow action.
    pub(super) async fn start_ivr(
        &mut self,
        call: CallHandle,
        interaction: InteractionId,
        queue: QueueId,
        action: OverflowAction,
    ) {
        let Some(info) = self.ivr.calls.get(&call).cloned() else {
            return self.ivr_hangup(call);
        };
        let (greeting, limits) = self.voicemail_settings(info.tenant, queue).await;
        tracing::info!(call = call.0, %interaction, ?action, "IVR");
        let ctx = Context {
            queue,
            caller_id: info.caller_id,
            greeting,
        };
        self.open_session(call, Ivr::start(ctx, &action), interaction, queue, limits)
            .await;
    }

    /// Records the caller's IVR session and carries out its first steps.
    async fn open_session(
        &mut self,
        call: CallHandle,
        (ivr, steps): (Ivr, Vec<Step>),
        interaction: InteractionId,
        queue: QueueId,
        limits: Limits,
    ) {
        let session = Session {
            ivr,
            interaction,
            queue,
            limits,
            armed: None,
        };
        self.ivr.sessions.insert(call, session);
        self.run_steps(call, steps).await;
    }

    /// The queue's own greeting (`voicemail-greeting-<queue name>`) when the tenant
    /// uploaded one, else the shipped one; and the queue's longest message.
    async fn voicemail_settings(&self, tenant: TenantId, queue: QueueId) -> (String, Limits) {
        let found = self
            .engine
            .call(move |r, _| {
                r.queue_config(queue)
                    .map(|q| (q.name.clone(), q.voicemail_max_secs))
            })
            .await
            .ok()
            .flatten();
        let mut limits = self.ivr.limits;
        let mut greeting = "voicemail-greeting".to_owned();
        if let Some((name, max)) = found {
            if let Some(secs) = max.filter(|s| *s > 0) {
                limits.max_length = std::time::Duration::from_secs(secs.into());
            }
            let own = format!("voicemail-greeting-{name}");
            self.sounds.preload(tenant, &[own.as_str()]).await;
            if !self.sounds.prompts_for(tenant, &[own.as_str()]).is_empty() {
                greeting = own;
            }
        }
        (greeting, limits)
    }

    /// A key from the caller (RFC 4733 or SIP INFO): to its IVR session; while waiting,
    /// the queue's callback key starts the number confirmation, other keys go to the
    /// router.
    pub(super) async fn on_key(&mut self, call: CallHandle, digit: char) {
        tracing::info!(call = call.0, %digit, "caller key");
        if let Some(s) = self.ivr.sessions.get_mut(&call) {
            let steps = s.ivr.digit(self.clock.now(), digit);
            return self.run_steps(call, steps).await;
        }
        let Some(interaction) = self
            .sb
            .interaction_of(call)
            .filter(|_| self.sb.waiting(call))
        else {
            return;
        };
        let callback_in = self
            .engine
            .call(move |r, _| {
                let q = r.peek(interaction)?.queue;
                let key = r.queue_config(q)?.keys.iter().find(|k| k.digit == digit)?;
                (key.action == OverflowAction::Callback).then_some(q)
            })
            .await
            .ok()
            .flatten();
        match (callback_in, self.ivr.calls.get(&call).cloned()) {
            (Some(queue), Some(info)) => {
                tracing::info!(call = call.0, %interaction, "callback key: confirming the number");
                let ctx = Context {
                    queue,
                    caller_id: info.caller_id,
                    greeting: String::new(),
                };
                let limits = self.ivr.limits;
                let started = Ivr::confirm_callback(ctx);
                self.open_session(call, started, interaction, queue, limits)
                    .await;
            }
            _ => {
                let actions = self.sb.key(call, digit).into_iter().collect();
                self.execute(actions).await;
            }
        }
    }

    /// The prompts the IVR asked for have been played.
    pub(super) async fn ivr_played(&mut self, call: CallHandle) {
        let now = self.clock.now();
        if let Some(s) = self.ivr.sessions.get_mut(&call) {
            let steps = s.ivr.played(now);
            self.run_steps(call, steps).await;
        }
    }

    /// A timer task woke up for the caller's IVR.
    pub(super) async fn ivr_due(&mut self, call: CallHandle) {
        let now = self.clock.now();
        if let Some(s) = self.ivr.sessions.get_mut(&call) {
            s.armed = None;
            let steps = s.ivr.on_timeout(now);
            self.run_steps(call, steps).await;
        }
    }

    /// A recording stopped: its row is stored (or the file discarded), and a caller
    /// still on the line hears goodbye.
    pub(super) async fn on_recorded(&mut self, call: CallHandle, done: Box<Done>) {
        voicemail::store(&self.store, &done).await;
        if let Some(s) = self.ivr.sessions.get_mut(&call) {
            let steps = s.ivr.recorded();
            self.run_steps(call, steps).await;
        }
    }
}
