//! One call's media without sockets: while the caller waits, prompts then music on hold
//! paced at 20 ms in the caller's G.711 law; keys from RFC 4733 packets; once bridged,
//! RTP relayed both ways (transcoded when the laws differ) with SSRC, sequence and
//! timestamp kept continuous by [`Relay`]. Symmetric RTP: each side is sent to where its
//! packets come from, else to the address in its SDP.

use std::net::SocketAddr;
use std::sync::Arc;
use switchyard_core::Time;
use switchyard_media::dtmf::DtmfReceiver;
use switchyard_media::g711::Law;
use switchyard_media::pacer::{Pacer, Tick};
use switchyard_media::prompt::{Playlist, Prompt};
use switchyard_media::relay::Relay;
use switchyard_media::rtp::RtpPacket;
use switchyard_sip::sdp::{Codec, Negotiated};

/// One leg's negotiated media.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leg {
    /// G.711 law.
    pub law: Law,
    /// Audio payload type.
    pub pt: u8,
    /// telephone-event payload type.
    pub telephone_event: Option<u8>,
    /// Where the SDP says to send; replaced by where packets come from.
    pub remote: Option<SocketAddr>,
}

impl From<&Negotiated> for Leg {
    fn from(n: &Negotiated) -> Leg {
        Leg {
            law: match n.codec {
                Codec::Pcmu => Law::Pcmu,
                Codec::Pcma => Law::Pcma,
            },
            pt: n.pt,
            telephone_event: n.telephone_event,
            remote: n.remote,
        }
    }
}

/// What the media wants done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaOut {
    /// Send to the caller.
    ToCaller(SocketAddr, Vec<u8>),
    /// Send to the agent.
    ToAgent(SocketAddr, Vec<u8>),
    /// The caller pressed a key while waiting.
    Key(char),
    /// The announcement before hanging up has been played.
    AnnouncementDone,
    /// Time for the periodic position-and-wait announcement: answer with
    /// [`CallMedia::say`].
    PeriodicDue,
    /// The caller's audio, decoded, while recording a voicemail (see [`CallMedia::record`]).
    Recorded(Vec<i16>),
}

/// Packet counters, logged when the call ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// RTP packets received from the caller.
    pub caller_in: u64,
    /// RTP packets sent to the caller (MOH, prompts, relayed agent audio).
    pub caller_out: u64,
    /// RTP packets received from the agent.
    pub agent_in: u64,
    /// RTP packets sent to the agent.
    pub agent_out: u64,
    /// Packets dropped because they came from neither leg's latched address.
    pub foreign: u64,
}

/// The media of one caller and, once bridged, its agent.
#[derive(Debug)]
pub struct CallMedia {
    caller: Leg,
    agent: Option<Leg>,
    ssrc: u32,
    playlist: Playlist,
    pacer: Option<Pacer>,
    last_tick: Option<Tick>,
    announcing: bool,
    /// Periodic announcements: the period and when the next one is due.
    periodic: Option<(std::time::Duration, Time)>,
    to_caller: Option<Relay>,
    to_agent: Relay,
    dtmf: DtmfReceiver,
    /// Voicemail capture in progress.
    recording: Option<record::Capture>,
    /// Where each leg's RTP may come from.
    caller_latch: latch::Latch,
    agent_latch: latch::Latch,
    /// Packet counters.
    pub counters: Counters,
}

impl CallMedia {
    /// Starts playing `prompts` then `moh` (looped) to the caller from `now`.
    pub fn new(
        now: Time,
        caller: Leg,
        ssrc: u32,
        prompts: Vec<Arc<Prompt>>,
        moh: Option<Arc<Prompt>>,
    ) -> CallMedia {
        let mut playlist = Playlist::default();
        playlist.set_background(moh);
        for p in prompts {
            playlist.push(p);
        }
        let seed = ssrc.rotate_left(7);
        CallMedia {
            caller,
            agent: None,
            ssrc,
            playlist,
            pacer: Some(Pacer::new(now, seed as u16, seed)),
            last_tick: None,
            announcing: false,
            periodic: None,
            to_caller: None,
            to_agent: Relay::new(ssrc ^ 0x5A5A_5A5A, (seed >> 16) as u16, seed ^ 0xFFFF),
            dtmf: DtmfReceiver::default(),
            recording: None,
            caller_latch: latch::Latch::new(caller.remote),
            agent_latch: latch::Latch::default(),
            counters: Counters::default(),
        }
    }

    /// Asks for a [`MediaOut::PeriodicDue`] at `entry + every`, `entry + 2 * every`, …
    /// while the caller waits (never once bridged or ending). A zero period is ignored.
    pub fn repeat_every(&mut self, entry: Time, every: std::time::Duration) {
        if !every.is_zero() {
            self.periodic = Some((every, entry + every));
        }
    }

    /// When [`CallMedia::on_timeout`] wants to run next (`None`: bridged, nothing paced).
    pub fn poll_timeout(&self) -> Option<Time> {
        self.pacer.as_ref().map(Pacer::poll_timeout)
    }

    /// Sends the frames due by `now`.
    pub fn on_timeout(&mut self, now: Time) -> Vec<MediaOut> {
        let Some(pacer) = self.pacer.as_mut() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for tick in pacer.on_timeout(now) {
            let frame = self.playlist.next_frame();
            self.last_tick = Some(tick);
            let Some(to) = self.caller.remote else {
                continue;
            };
            let mut payload = Vec::with_capacity(frame.len());
            self.caller.law.encode(&frame, &mut payload);
            let pkt = RtpPacket {
                marker: false,
                payload_type: self.caller.pt,
                seq: tick.seq,
                timestamp: tick.timestamp,
                ssrc: self.ssrc,
                payload: &payload,
            };
            let mut bytes = Vec::with_capacity(12 + payload.len());
            pkt.write(&mut bytes);
            self.counters.caller_out += 1;
            out.push(MediaOut::ToCaller(to, bytes));
        }
        out.extend(self.capture_gap(now));
        if let Some((every, due)) = self.periodic.as_mut()
            && now >= *due
        {
            // A late wake-up says it once, then keeps to the grid.
            while *due <= now {
                *due = *due + *every;
            }
            out.push(MediaOut::PeriodicDue);
        }
        if self.announcing && !self.playlist.busy() {
            self.announcing = false;
            out.push(MediaOut::AnnouncementDone);
        }
        out
    }

    /// Plays `prompts` over the music on hold, which then resumes where it left off
    /// (ignored once bridged or ending).
    pub fn say(&mut self, prompts: Vec<Arc<Prompt>>) {
        if self.pacer.is_none() || self.announcing {
            return;
        }
        self.playlist.clear();
        for p in prompts {
            self.playlist.push(p);
        }
    }

    /// Replaces what the caller hears with `prompts` (no music after); reports
    /// [`MediaOut::AnnouncementDone`] once they have been played.
    pub fn announce(&mut self, prompts: Vec<Arc<Prompt>>) {
        self.playlist.clear();
        self.playlist.set_background(None);
        for p in prompts {
            self.playlist.push(p);
        }
        self.announcing = true;
        self.periodic = None;
    }

    /// Stops the music and relays between the caller and `agent` from now on.
    pub fn bridge(&mut self, agent: Leg) {
        self.pacer = None;
        self.periodic = None;
        let (seq, ts) = self
            .last_tick
            .map(|t| (t.seq.wrapping_add(1), t.timestamp.wrapping_add(160)))
            .unwrap_or((1, 0));
        self.to_caller = Some(Relay::new(self.ssrc, seq, ts));
        self.agent_latch = latch::Latch::new(agent.remote);
        self.agent = Some(agent);
    }

    /// A datagram on the caller's socket.
    pub fn on_caller_packet(&mut self, from: SocketAddr, bytes: &[u8]) -> Vec<MediaOut> {
        let Ok(pkt) = RtpPacket::parse(bytes) else {
            return Vec::new();
        };
        if !self.caller_latch.accept(from) {
            self.counters.foreign += 1;
            return Vec::new();
        }
        self.counters.caller_in += 1;
        self.caller.remote = Some(from);
        let is_event = Some(pkt.payload_type) == self.caller.telephone_event;
        match self.agent {
            None if is_event => match self.dtmf.on_packet(pkt.timestamp, pkt.payload) {
                Ok(Some(d)) => vec![MediaOut::Key(d)],
                _ => Vec::new(),
            },
            None => self.capture(&pkt),
            Some(agent) => {
                let Some(to) = agent.remote else {
                    return Vec::new();
                };
                let Some(bytes) = forward(&pkt, self.caller, agent, &mut self.to_agent) else {
                    return Vec::new();
                };
                self.counters.agent_out += 1;
                vec![MediaOut::ToAgent(to, bytes)]
            }
        }
    }

    /// A datagram on the agent's socket (only after [`CallMedia::bridge`]).
    pub fn on_agent_packet(&mut self, from: SocketAddr, bytes: &[u8]) -> Vec<MediaOut> {
        let (Ok(pkt), Some(agent), Some(relay)) = (
            RtpPacket::parse(bytes),
            self.agent.as_mut(),
            self.to_caller.as_mut(),
        ) else {
            return Vec::new();
        };
        if !self.agent_latch.accept(from) {
            self.counters.foreign += 1;
            return Vec::new();
        }
        self.counters.agent_in += 1;
        agent.remote = Some(from);
        let Some(to) = self.caller.remote else {
            return Vec::new();
        };
        let Some(bytes) = forward(&pkt, *agent, self.caller, relay) else {
            return Vec::new();
        };
        self.counters.caller_out += 1;
        vec![MediaOut::ToCaller(to, bytes)]
    }
}

/// One packet from leg `a` rewritten for leg `b`: audio transcoded if the laws differ,
/// telephone events passed on when `b` speaks RFC 4733, anything else dropped.
fn forward(pkt: &RtpPacket<'_>, a: Leg, b: Leg, relay: &mut Relay) -> Option<Vec<u8>> {
    let (pt, payload) = if pkt.payload_type == a.pt {
        if a.law == b.law {
            (b.pt, pkt.payload.to_vec())
        } else {
            let mut pcm = Vec::with_capacity(pkt.payload.len());
            a.law.decode(pkt.payload, &mut pcm);
            let mut out = Vec::with_capacity(pcm.len());
            b.law.encode(&pcm, &mut out);
            (b.pt, out)
        }
    } else if Some(pkt.payload_type) == a.telephone_event {
        (b.telephone_event?, pkt.payload.to_vec())
    } else {
        return None;
    };
    let s = relay.stamp(pkt.ssrc, pkt.seq, pkt.timestamp, pkt.marker);
    let out = RtpPacket {
        marker: s.marker,
        payload_type: pt,
        seq: s.seq,
        timestamp: s.timestamp,
        ssrc: s.ssrc,
        payload: &payload,
    };
    let mut bytes = Vec::with_capacity(12 + payload.len());
    out.write(&mut bytes);
    Some(bytes)
}

#[path = "media_legs.rs"]
mod legs;

#[path = "media_latch.rs"]
mod latch;

#[path = "media_record.rs"]
mod record;

#[cfg(test)]
#[path = "media_tests.rs"]
mod tests;
