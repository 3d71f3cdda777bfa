//! Carrying out the IVR's [`Step`]s for one caller: prompts and recordings on its media
//! task, (re-)joins and callback requests on the router, hang-ups on the endpoint, and
//! the timer task that wakes the actor at the session's deadline.

use super::Actor;
use crate::ivr::Step;
use crate::rtp::{MediaCmd, MediaEvent};
use crate::voicemail::Job;
use std::collections::VecDeque;
use switchyard_core::{Channel, TenantId};
use switchyard_router::{Input, NewInteraction};
use switchyard_sip::endpoint::CallHandle;

impl Actor {
    pub(super) fn ivr_hangup(&mut self, call: CallHandle) {
        self.ivr.forget(call);
        self.sb.forget(call);
        self.drop_caller(call);
        self.command(move |ep, now| {
            ep.hangup(now, call);
        });
    }

    fn media(&self, call: CallHandle, cmd: MediaCmd) {
        if let Some(tx) = self.callers.get(&call) {
            let _ = tx.send(cmd);
        }
    }

    pub(super) async fn run_steps(&mut self, call: CallHandle, steps: Vec<Step>) {
        let mut queue: VecDeque<Step> = steps.into();
        while let Some(step) = queue.pop_front() {
            let Some(s) = self.ivr.sessions.get(&call) else {
                return;
            };
            let (interaction, from, limits) = (s.interaction, s.queue, s.limits);
            tracing::debug!(call = call.0, ?step, "IVR step");
            match step {
                Step::Play(names) => {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let prompts = self.prompts_for(call, &names).await;
                    self.media(call, MediaCmd::Announce(prompts));
                }
                Step::Record => {
                    let Some(info) = self.ivr.calls.get(&call) else {
                        continue;
                    };
                    let job = Job {
                        dir: self.ivr.dir.clone(),
                        tenant: info.tenant.0 as i64,
                        queue: Some(from.0 as i64),
                        interaction: interaction.0 as i64,
                        caller_id: info.caller_id.clone(),
                        limits,
                        started_ms: self.clock.now().as_millis() as i64,
                    };
                    self.media(call, MediaCmd::Record(Box::new(job)));
                }
                Step::StopRecording => self.media(call, MediaCmd::StopRecording),
                Step::Join {
                    queue: to,
                    channel,
                    caller_id,
                } => {
                    let Some(info) = self.ivr.calls.get(&call).cloned() else {
                        continue;
                    };
                    let caller_id = if channel == Channel::Callback {
                        match self.callback_number(info.tenant, &caller_id, &info.caller_id) {
                            Some(n) => n,
                            None => {
                                queue.clear();
                                if let Some(s) = self.ivr.sessions.get_mut(&call) {
                                    queue.extend(s.ivr.number_refused(false));
                                }
                                continue;
                            }
                        }
                    } else {
                        caller_id
                    };
                    let join = Input::Join(NewInteraction {
                        id: interaction,
                        tenant: info.tenant,
                        queue: to,
                        channel,
                        caller_id,
                        skills: Vec::new(),
                        priority: 0,
                        arrived: Some(info.arrived),
                    });
                    if let Err(e) = self.engine.handle(join).await {
                        tracing::warn!(%interaction, error = %e, "router refused the re-join");
                        if let Some(s) = self.ivr.sessions.get_mut(&call) {
                            queue.extend(s.ivr.failed());
                        }
                        continue;
                    }
                    tracing::info!(call = call.0, %interaction, queue = to.0, ?channel, "caller re-joined from the IVR");
                    if channel == Channel::Voice {
                        self.ivr.sessions.remove(&call);
                        self.sb.joined(call, interaction);
                        let names = self.position_and_wait(interaction).await;
                        let tenant = info.tenant;
                        let prompts = self.prompts_for(call, &names).await;
                        let moh = self.sounds.moh_for(tenant);
                        self.media(call, MediaCmd::Hold(prompts, moh));
                        return;
                    }
                    self.sb.detach(call);
                }
                Step::RequestCallback { number } => {
                    let info = self.ivr.calls.get(&call).cloned();
                    let Some(number) =
                        info.and_then(|i| self.callback_number(i.tenant, &number, &i.caller_id))
                    else {
                        queue.clear();
                        if let Some(s) = self.ivr.sessions.get_mut(&call) {
                            queue.extend(s.ivr.number_refused(true));
                        }
                        continue;
                    };
                    let input = Input::RequestCallback {
                        interaction,
                        number: number.clone(),
                    };
                    match self.engine.handle(input).await {
                        Ok(_) => {
                            tracing::info!(call = call.0, %interaction, number, "callback requested by phone");
                            self.sb.detach(call);
                        }
                        Err(e) => {
                            tracing::warn!(%interaction, error = %e, "router refused the callback");
                            if let Some(s) = self.ivr.sessions.get_mut(&call) {
                                queue.extend(s.ivr.failed());
                            }
                        }
                    }
                }
                Step::Resume => {
                    self.ivr.sessions.remove(&call);
                    let tenant = self.ivr.calls.get(&call).map(|i| i.tenant);
                    if let Some(t) = tenant {
                        self.sounds.preload(t, &[]).await;
                    }
                    let moh = tenant.and_then(|t| self.sounds.moh_for(t));
                    self.media(call, MediaCmd::Hold(Vec::new(), moh));
                    return;
                }
                Step::Hangup => return self.ivr_hangup(call),
            }
        }
        self.arm(call);
    }

    /// The tenant's callback policy and rate limits for a number confirmed by phone
    /// (the calling number is the source); `None`: refused, the caller hears the
    /// menu's failure path.
    fn callback_number(&self, tenant: TenantId, number: &str, caller: &str) -> Option<String> {
        let source = format!("tel:{caller}");
        match self.engine.callbacks().admit(
            tenant,
            number,
            Some(&source),
            switchyard_engine::system_now(),
        ) {
            Ok(n) => Some(n),
            Err(why) => {
                tracing::info!(
                    tenant = tenant.0,
                    reason = why.label(),
                    "callback by phone refused"
                );
                None
            }
        }
    }

    /// Wakes the actor at the session's deadline (a stale wake-up does nothing).
    fn arm(&mut self, call: CallHandle) {
        let Some(s) = self.ivr.sessions.get_mut(&call) else {
            return;
        };
        if s.ivr.done() {
            self.ivr.sessions.remove(&call);
            return;
        }
        let Some(due) = s.ivr.poll_timeout() else {
            return;
        };
        if s.armed == Some(due) {
            return;
        }
        s.armed = Some(due);
        let (at, tx) = (self.clock.instant_of(due), self.media_tx.clone());
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let _ = tx.send(MediaEvent::IvrDue(call));
        });
    }
}
