//! The thin tokio task running one call's [`CallMedia`]: the caller's RTP socket, the
//! agent's once bridged, the pacer's sleeps and commands from the edge. Nothing here
//! decides anything.

use crate::media::{CallMedia, Leg, MediaOut};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchyard_core::Time;
use switchyard_media::prompt::Prompt;
use switchyard_sip::endpoint::CallHandle;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What the edge tells a media task.
#[derive(Debug)]
pub(crate) enum MediaCmd {
    /// Relay with this agent leg from now on.
    Bridge(Arc<UdpSocket>, Leg),
    /// Play these, report when done (then the edge hangs up).
    Announce(Vec<Arc<Prompt>>),
    /// Play these over the music on hold (the periodic position and wait).
    Say(Vec<Arc<Prompt>>),
    /// Record the caller (voicemail) until a limit, [`MediaCmd::StopRecording`] or
    /// the call's end; reported as [`MediaEvent::Recorded`].
    Record(Box<crate::voicemail::Job>),
    /// Stop the recording (the caller pressed a key).
    StopRecording,
    /// Back on hold: these prompts, then the music (a menu re-joined a queue).
    Hold(Vec<Arc<Prompt>>, Option<Arc<Prompt>>),
    /// A re-INVITE renegotiated the caller's leg (`agent: false`) or the agent's.
    Renegotiated {
        /// Which leg.
        agent: bool,
        /// Its new codec, payload types and address.
        leg: Leg,
    },
}

/// What a media task tells the edge.
#[derive(Debug)]
pub(crate) enum MediaEvent {
    /// A key from the caller's RTP.
    Key(CallHandle, char),
    /// The announcement was played.
    AnnouncementDone(CallHandle),
    /// The periodic announcement is due: the edge answers with [`MediaCmd::Say`].
    PeriodicDue(CallHandle),
    /// A voicemail recording stopped (the call may be gone already).
    Recorded(CallHandle, Box<crate::voicemail::Done>),
    /// An IVR deadline (menu or confirmation timeout) may have passed.
    IvrDue(CallHandle),
}

/// Wall-clock [`Time`] on tokio's monotonic clock, as the SIP driver does.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    base_time: Time,
    base_instant: Instant,
}

impl Clock {
    #[allow(clippy::disallowed_methods)] // the driver is where the clock is read
    pub(crate) fn start() -> Clock {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            base_time: Time(wall.as_millis() as u64),
            base_instant: Instant::now(),
        }
    }

    #[allow(clippy::disallowed_methods)] // the driver is where the clock is read
    pub(crate) fn now(&self) -> Time {
        self.base_time + Instant::now().saturating_duration_since(self.base_instant)
    }

    pub(crate) fn instant_of(&self, t: Time) -> Instant {
        self.base_instant
            + Duration::from_millis(t.as_millis().saturating_sub(self.base_time.as_millis()))
    }
}

/// Runs until the command channel closes (the edge dropped the call).
#[allow(clippy::disallowed_methods)] // `Instant::now` only as a never-taken placeholder
pub(crate) async fn run(
    call: CallHandle,
    clock: Clock,
    socket: Arc<UdpSocket>,
    mut media: CallMedia,
    mut commands: mpsc::UnboundedReceiver<MediaCmd>,
    events: mpsc::UnboundedSender<MediaEvent>,
) {
    let mut agent: Option<Arc<UdpSocket>> = None;
    let mut buf = vec![0u8; 2048];
    let mut abuf = vec![0u8; 2048];
    let mut taking: Option<crate::voicemail::Taking> = None;
    loop {
        let deadline = media.poll_timeout().map(|t| clock.instant_of(t));
        let out = tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, from)) => media.on_caller_packet(from, &buf[..n]),
                Err(_) => Vec::new(),
            },
            r = async { agent.as_ref().expect("guarded").recv_from(&mut abuf).await }, if agent.is_some() => match r {
                Ok((n, from)) => media.on_agent_packet(from, &abuf[..n]),
                Err(_) => Vec::new(),
            },
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                media.on_timeout(clock.now())
            }
            cmd = commands.recv() => match cmd {
                Some(MediaCmd::Bridge(sock, leg)) => {
                    media.bridge(leg);
                    agent = Some(sock);
                    Vec::new()
                }
                Some(MediaCmd::Announce(prompts)) => {
                    media.announce(prompts);
                    Vec::new()
                }
                Some(MediaCmd::Say(prompts)) => {
                    media.say(prompts);
                    Vec::new()
                }
                Some(MediaCmd::Renegotiated { agent: false, leg }) => {
                    media.renegotiate_caller(leg);
                    Vec::new()
                }
                Some(MediaCmd::Renegotiated { agent: true, leg }) => {
                    media.renegotiate_agent(leg);
                    Vec::new()
                }
                Some(MediaCmd::Record(job)) => {
                    match crate::voicemail::Taking::start(*job) {
                        Ok(t) => {
                            media.record(clock.now());
                            taking = Some(t);
                        }
                        Err(done) => {
                            let _ = events.send(MediaEvent::Recorded(call, done));
                        }
                    }
                    Vec::new()
                }
                Some(MediaCmd::StopRecording) => {
                    if let Some(t) = taking.take() {
                        media.stop_recording();
                        let done = t.finish(crate::voicemail::Ended::Key).await;
                        let _ = events.send(MediaEvent::Recorded(call, done));
                    }
                    Vec::new()
                }
                Some(MediaCmd::Hold(prompts, moh)) => {
                    media.hold(prompts, moh);
                    Vec::new()
                }
                None => break,
            },
        };
        for o in out {
            match o {
                MediaOut::ToCaller(to, bytes) => {
                    let _ = socket.send_to(&bytes, to).await;
                }
                MediaOut::ToAgent(to, bytes) => {
                    if let Some(a) = &agent {
                        let _ = a.send_to(&bytes, to).await;
                    }
                }
                MediaOut::Key(d) => {
                    let _ = events.send(MediaEvent::Key(call, d));
                }
                MediaOut::AnnouncementDone => {
                    let _ = events.send(MediaEvent::AnnouncementDone(call));
                }
                MediaOut::PeriodicDue => {
                    let _ = events.send(MediaEvent::PeriodicDue(call));
                }
                MediaOut::Recorded(pcm) => {
                    let end = taking.as_mut().and_then(|t| t.push(&pcm));
                    // Take the recording only when it must stop.
                    if let Some(end) = end
                        && let Some(t) = taking.take()
                    {
                        media.stop_recording();
                        let done = t.finish(end).await;
                        let _ = events.send(MediaEvent::Recorded(call, done));
                    }
                }
            }
        }
    }
    // Hung up while recording: the message so far is kept.
    if let Some(t) = taking.take() {
        let done = t.finish(crate::voicemail::Ended::HungUp).await;
        let _ = events.send(MediaEvent::Recorded(call, done));
    }
    let c = media.counters;
    tracing::info!(
        call = call.0,
        caller_in = c.caller_in,
        caller_out = c.caller_out,
        agent_in = c.agent_in,
        agent_out = c.agent_out,
        foreign = c.foreign,
        "voice media ended"
    );
}
