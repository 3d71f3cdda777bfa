//! The RTP relay of a bridge. Each leg receives one continuous stream from Switchyard
//! (one SSRC, contiguous sequence numbers and timestamps) even when its source changes
//! — music on hold, then a prompt, then the other party — so phones' jitter buffers
//! never see a jump. Within one source, gaps (loss) and reordering are preserved.

use crate::FRAME_SAMPLES;

/// Rewrites the header fields of packets sent to one leg.
#[derive(Debug, Clone)]
pub struct Relay {
    ssrc: u32,
    /// The source currently forwarded, and the offsets mapping its numbering to ours.
    source: Option<Source>,
    last_seq: u16,
    last_ts: u32,
    started: bool,
}

#[derive(Debug, Clone, Copy)]
struct Source {
    ssrc: u32,
    seq_offset: u16,
    ts_offset: u32,
}

/// Header fields for an outgoing packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Our SSRC towards this leg.
    pub ssrc: u32,
    /// Rewritten sequence number.
    pub seq: u16,
    /// Rewritten timestamp.
    pub timestamp: u32,
    /// Marker: set on the first packet after a source change.
    pub marker: bool,
}

impl Relay {
    /// A relay sending as `ssrc`, starting from the given sequence and timestamp.
    pub fn new(ssrc: u32, first_seq: u16, first_ts: u32) -> Self {
        Relay {
            ssrc,
            source: None,
            last_seq: first_seq.wrapping_sub(1),
            last_ts: first_ts.wrapping_sub(FRAME_SAMPLES as u32),
            started: false,
        }
    }

    /// Stamps a packet from source `ssrc` with its own `seq` and `timestamp`.
    pub fn stamp(&mut self, ssrc: u32, seq: u16, timestamp: u32, marker: bool) -> Stamp {
        let switched = self.source.is_none_or(|s| s.ssrc != ssrc);
        if switched {
            // Continue right after the last packet sent: next sequence, next frame.
            let next_seq = self.last_seq.wrapping_add(1);
            let next_ts = self.last_ts.wrapping_add(FRAME_SAMPLES as u32);
            self.source = Some(Source {
                ssrc,
                seq_offset: next_seq.wrapping_sub(seq),
                ts_offset: next_ts.wrapping_sub(timestamp),
            });
        }
        let s = self.source.expect("set above");
        let out_seq = seq.wrapping_add(s.seq_offset);
        let out_ts = timestamp.wrapping_add(s.ts_offset);
        // Track the newest packet sent (sequence comparison with wrap-around).
        if !self.started || (out_seq.wrapping_sub(self.last_seq) as i16) > 0 {
            self.last_seq = out_seq;
            self.last_ts = out_ts;
        }
        self.started = true;
        Stamp {
            ssrc: self.ssrc,
            seq: out_seq,
            timestamp: out_ts,
            marker: marker || switched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_change_continues_the_stream() {
        let mut r = Relay::new(0xAAAA, 100, 8000);
        // Music on hold from our own pacer (ssrc 1).
        assert_eq!(
            r.stamp(1, 5, 0, false),
            Stamp {
                ssrc: 0xAAAA,
                seq: 100,
                timestamp: 8000,
                marker: true
            }
        );
        assert_eq!(
            r.stamp(1, 6, 160, false),
            Stamp {
                ssrc: 0xAAAA,
                seq: 101,
                timestamp: 8160,
                marker: false
            }
        );
        // The agent answers: packets from its phone (ssrc 2, its own numbering).
        let s = r.stamp(2, 40_000, 123_456, false);
        assert_eq!((s.seq, s.timestamp, s.marker), (102, 8320, true));
        let s = r.stamp(2, 40_001, 123_616, false);
        assert_eq!((s.seq, s.timestamp, s.marker), (103, 8480, false));
    }

    #[test]
    fn loss_and_reordering_within_a_source_are_kept() {
        let mut r = Relay::new(9, 0, 0);
        r.stamp(2, 10, 1600, false);
        let s = r.stamp(2, 13, 2080, false); // 11 and 12 lost
        assert_eq!((s.seq, s.timestamp), (3, 480));
        let late = r.stamp(2, 12, 1920, false); // 12 arrives late
        assert_eq!((late.seq, late.timestamp), (2, 320));
        // The late packet does not move the stream back: a switch continues after 3.
        let s = r.stamp(3, 0, 0, false);
        assert_eq!((s.seq, s.timestamp), (4, 640));
    }

    #[test]
    fn wraps_around() {
        let mut r = Relay::new(9, u16::MAX, u32::MAX);
        let a = r.stamp(1, 0, 0, false);
        let b = r.stamp(1, 1, 160, false);
        assert_eq!((a.seq, b.seq), (u16::MAX, 0));
        assert_eq!(b.timestamp, 159);
    }
}
