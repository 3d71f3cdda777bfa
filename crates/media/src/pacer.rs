//! A 20 ms frame clock driven by injected time: when a frame is due, how many, and the
//! RTP sequence/timestamp to stamp them with. The driver sleeps until
//! [`Pacer::poll_timeout`] and sends what [`Pacer::on_timeout`] says.

use crate::FRAME_SAMPLES;
use std::time::Duration;
use switchyard_core::Time;

/// One frame period.
pub const FRAME: Duration = Duration::from_millis(20);

/// Frames sent at most in one burst after a stall; older ones are skipped so a late
/// sender never floods the caller.
const MAX_CATCH_UP: u32 = 3;

/// Paces one outgoing RTP stream.
#[derive(Debug, Clone)]
pub struct Pacer {
    next: Time,
    seq: u16,
    timestamp: u32,
}

/// Stamps for one frame to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// RTP sequence number.
    pub seq: u16,
    /// RTP timestamp.
    pub timestamp: u32,
}

impl Pacer {
    /// A pacer whose first frame is due at `start`, with initial sequence and timestamp
    /// (random in production, per RFC 3550).
    pub fn new(start: Time, seq: u16, timestamp: u32) -> Self {
        Pacer {
            next: start,
            seq,
            timestamp,
        }
    }

    /// When the next frame is due.
    pub fn poll_timeout(&self) -> Time {
        self.next
    }

    /// The frames due at `now` (none if called early). Timestamps advance by the
    /// frames skipped too, so the receiver's clock stays right after a stall.
    pub fn on_timeout(&mut self, now: Time) -> Vec<Tick> {
        if now < self.next {
            return Vec::new();
        }
        let frame_ms = FRAME.as_millis() as u64;
        let due = ((now.as_millis() - self.next.as_millis()) / frame_ms + 1) as u32;
        let skipped = due.saturating_sub(MAX_CATCH_UP);
        self.timestamp = self.timestamp.wrapping_add(skipped * FRAME_SAMPLES as u32);
        let mut out = Vec::with_capacity(due.min(MAX_CATCH_UP) as usize);
        for _ in 0..due.min(MAX_CATCH_UP) {
            out.push(Tick {
                seq: self.seq,
                timestamp: self.timestamp,
            });
            self.seq = self.seq.wrapping_add(1);
            self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        }
        self.next = Time(self.next.as_millis() + u64::from(due) * frame_ms);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_frame_every_20_ms_on_a_fixed_grid() {
        let mut p = Pacer::new(Time(1000), 10, 0);
        assert!(p.on_timeout(Time(999)).is_empty());
        assert_eq!(
            p.on_timeout(Time(1000)),
            vec![Tick {
                seq: 10,
                timestamp: 0
            }]
        );
        assert_eq!(p.poll_timeout(), Time(1020));
        // Woken 3 ms late: still one frame, and the grid does not drift.
        assert_eq!(
            p.on_timeout(Time(1023)),
            vec![Tick {
                seq: 11,
                timestamp: 160
            }]
        );
        assert_eq!(p.poll_timeout(), Time(1040));
    }

    #[test]
    fn catches_up_a_little_and_skips_the_rest() {
        let mut p = Pacer::new(Time(0), u16::MAX, u32::MAX - 100);
        let ticks = p.on_timeout(Time(200)); // 11 frames due
        assert_eq!(ticks.len(), 3);
        assert_eq!(ticks[0].seq, u16::MAX);
        assert_eq!(ticks[1].seq, 0, "sequence wraps");
        // The 8 skipped frames still count in the timestamp.
        assert_eq!(ticks[0].timestamp, (u32::MAX - 100).wrapping_add(8 * 160));
        assert_eq!(p.poll_timeout(), Time(220));
    }
}
