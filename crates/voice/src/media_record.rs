//! Voicemail capture in [`CallMedia`]: while recording, the caller's audio packets come
//! out decoded to PCM as [`MediaOut::Recorded`] (the edge writes them with the media
//! crate's recorder), nothing but silence is played, and a caller whose RTP stops (no
//! packets, DTX) is recorded as silence so the silence limit still ends the message.
//! Also the way back to waiting on hold after a menu re-joined a queue.

use super::{CallMedia, MediaOut};
use std::sync::Arc;
use switchyard_core::Time;
use switchyard_media::prompt::Prompt;
use switchyard_media::rtp::RtpPacket;

/// Samples in one 20 ms frame at 8 kHz.
const FRAME: u64 = 160;
/// How far the caller's audio may lag the clock (jitter) before silence is filled in.
const SLACK: u64 = 10 * FRAME;

/// A capture in progress: samples received (and filled) against the time elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Capture {
    samples: u64,
    since: Time,
}

impl CallMedia {
    /// Stops anything playing and reports the caller's audio as
    /// [`MediaOut::Recorded`] from `now` on (ignored once bridged).
    pub fn record(&mut self, now: Time) {
        if self.agent.is_some() {
            return;
        }
        self.playlist.clear();
        self.playlist.set_background(None);
        self.announcing = false;
        self.periodic = None;
        self.recording = Some(Capture {
            samples: 0,
            since: now,
        });
    }

    /// Stops reporting the caller's audio.
    pub fn stop_recording(&mut self) {
        self.recording = None;
    }

    /// Whether the caller's audio is being captured.
    pub fn is_recording(&self) -> bool {
        self.recording.is_some()
    }

    /// Back to waiting: `prompts`, then `moh` looped (after a menu re-joined a queue).
    pub fn hold(&mut self, prompts: Vec<Arc<Prompt>>, moh: Option<Arc<Prompt>>) {
        self.recording = None;
        self.announcing = false;
        self.playlist.clear();
        self.playlist.set_background(moh);
        for p in prompts {
            self.playlist.push(p);
        }
    }

    /// The caller's audio packet while waiting: decoded when recording.
    pub(super) fn capture(&mut self, pkt: &RtpPacket<'_>) -> Vec<MediaOut> {
        let Some(c) = self.recording.as_mut() else {
            return Vec::new();
        };
        if pkt.payload_type != self.caller.pt {
            return Vec::new();
        }
        let mut pcm = Vec::with_capacity(pkt.payload.len());
        self.caller.law.decode(pkt.payload, &mut pcm);
        c.samples += pcm.len() as u64;
        vec![MediaOut::Recorded(pcm)]
    }

    /// While recording, at `now`: silence for the time the caller's audio is missing
    /// beyond the jitter slack.
    pub(super) fn capture_gap(&mut self, now: Time) -> Option<MediaOut> {
        let c = self.recording.as_mut()?;
        let expected = now.saturating_since(c.since).as_millis() as u64 * 8;
        let missing = expected.saturating_sub(c.samples + SLACK);
        if missing < FRAME {
            return None;
        }
        let n = missing - missing % FRAME;
        c.samples += n;
        Some(MediaOut::Recorded(vec![0; n as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::leg;
    use super::super::{CallMedia, MediaOut};
    use super::FRAME;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use switchyard_core::Time;
    use switchyard_media::g711::Law;
    use switchyard_media::prompt::Prompt;
    use switchyard_media::rtp::RtpPacket;

    fn addr() -> SocketAddr {
        super::super::tests::addr(4000)
    }

    fn media(law: Law) -> CallMedia {
        let moh = Arc::new(Prompt::from_samples(vec![3000; 1600]));
        CallMedia::new(Time(0), leg(law, 4000), 7, vec![], Some(moh))
    }

    fn rtp(pt: u8, seq: u16, payload: &[u8]) -> Vec<u8> {
        super::super::tests::rtp(pt, seq, u32::from(seq) * 160, payload)
    }

    fn recorded(out: Vec<MediaOut>) -> Vec<i16> {
        out.into_iter()
            .flat_map(|o| match o {
                MediaOut::Recorded(pcm) => pcm,
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn recorded_pcm_is_the_decoded_caller_audio() {
        for law in [Law::Pcma, Law::Pcmu] {
            let mut m = media(law);
            let tone: Vec<i16> = (0..800)
                .map(|i| ((i as f64 * 0.3).sin() * 12_000.0) as i16)
                .collect();
            let mut sent = Vec::new();
            let mut expect = Vec::new();
            assert!(
                recorded(m.on_caller_packet(addr(), &rtp(law.payload_type(), 0, &[0x55; 160])))
                    .is_empty(),
                "nothing is recorded before record()"
            );
            m.record(Time(0));
            assert!(m.is_recording());
            for (n, chunk) in tone.chunks(160).enumerate() {
                let mut payload = Vec::new();
                law.encode(chunk, &mut payload);
                law.decode(&payload, &mut expect);
                sent.extend(recorded(m.on_caller_packet(
                    addr(),
                    &rtp(law.payload_type(), n as u16, &payload),
                )));
            }
            assert_eq!(sent, expect, "{law:?}");
            assert!(
                recorded(m.on_caller_packet(addr(), &rtp(101, 9, &[1, 0, 0, 160]))).is_empty(),
                "telephone events are not audio"
            );
            m.stop_recording();
            assert!(
                recorded(m.on_caller_packet(addr(), &rtp(law.payload_type(), 10, &[0x55; 160])))
                    .is_empty()
            );
        }
    }

    #[test]
    fn while_recording_the_caller_hears_silence() {
        let mut m = media(Law::Pcmu);
        m.on_timeout(Time(0));
        m.record(Time(0));
        let out = m.on_timeout(Time(20));
        let Some(MediaOut::ToCaller(_, bytes)) = out.first() else {
            panic!("{out:?}")
        };
        let p = RtpPacket::parse(bytes).unwrap();
        assert!(
            p.payload.iter().all(|&b| b == 0xFF),
            "μ-law silence, no music"
        );
    }

    #[test]
    fn missing_caller_audio_is_filled_with_silence() {
        let mut m = media(Law::Pcma);
        m.on_timeout(Time(0));
        m.record(Time(0));
        // One second without a packet: the first 200 ms are jitter slack, the rest silence.
        let filled = recorded(m.on_timeout(Time(1000)));
        assert_eq!(filled.len() as u64, 50 * FRAME - super::SLACK);
        assert!(filled.iter().all(|&s| s == 0));
        // Audio flowing in time: nothing added.
        let mut payload = Vec::new();
        Law::Pcma.encode(&[1000; 160], &mut payload);
        for n in 0..10 {
            m.on_caller_packet(addr(), &rtp(8, n, &payload));
        }
        assert!(recorded(m.on_timeout(Time(1200))).is_empty());
    }

    #[test]
    fn hold_goes_back_to_the_music() {
        let mut m = media(Law::Pcmu);
        m.record(Time(0));
        m.hold(
            vec![],
            Some(Arc::new(Prompt::from_samples(vec![3000; 1600]))),
        );
        assert!(!m.is_recording());
        let out = m.on_timeout(Time(0));
        let Some(MediaOut::ToCaller(_, bytes)) = out.first() else {
            panic!()
        };
        assert!(
            RtpPacket::parse(bytes)
                .unwrap()
                .payload
                .iter()
                .any(|&b| b != 0xFF)
        );
    }
}
