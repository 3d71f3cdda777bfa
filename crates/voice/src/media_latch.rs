//! Which source a leg's RTP is taken from. Symmetric RTP sends to where a leg's packets
//! come from; without a latch, anyone who sprays our RTP ports could take over a call's
//! audio (or turn it at a third party). Until a leg's first packet, any source is
//! accepted and latched; after it, only the latched source, or the address the SDP
//! names (a phone that was behind no NAT after all). A re-INVITE opens the latch again.

use std::net::SocketAddr;

/// One leg's latch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Latch {
    signalled: Option<SocketAddr>,
    latched: Option<SocketAddr>,
}

impl Latch {
    /// A latch for a leg whose SDP names `signalled`.
    pub(crate) fn new(signalled: Option<SocketAddr>) -> Latch {
        Latch {
            signalled,
            latched: None,
        }
    }

    /// Whether a packet from `from` belongs to the leg (latching the first one).
    pub(crate) fn accept(&mut self, from: SocketAddr) -> bool {
        match self.latched {
            Some(a) if a == from => true,
            Some(_) if self.signalled != Some(from) => false,
            _ => {
                self.latched = Some(from);
                true
            }
        }
    }

    /// The leg was renegotiated: a new SDP address (or the old one, on a hold at the
    /// null address), and the next packet latches again.
    pub(crate) fn renegotiated(&mut self, signalled: Option<SocketAddr>) {
        *self = Latch::new(signalled.or(self.signalled));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{addr, leg, rtp};
    use super::super::{CallMedia, MediaOut};
    use switchyard_core::Time;
    use switchyard_media::g711::Law;

    fn pkt(seq: u16) -> Vec<u8> {
        rtp(0, seq, u32::from(seq) * 160, &[0xff; 160])
    }

    #[test]
    fn a_stranger_cannot_take_a_latched_callers_media() {
        let mut m = CallMedia::new(Time(1000), leg(Law::Pcmu, 4000), 7, Vec::new(), None);
        m.bridge(leg(Law::Pcmu, 5000));
        // The caller behind NAT: its packets come from another port than its SDP's.
        assert_eq!(m.on_caller_packet(addr(4444), &pkt(1)).len(), 1);
        assert_eq!(m.on_agent_packet(addr(5000), &pkt(1)).len(), 1);
        // A stranger on both ports: dropped, counted, and the media still goes home.
        for seq in 2..50 {
            assert!(m.on_caller_packet(addr(6666), &pkt(seq)).is_empty());
            assert!(m.on_agent_packet(addr(6667), &pkt(seq)).is_empty());
        }
        assert_eq!(m.counters.foreign, 96);
        let out = m.on_agent_packet(addr(5000), &pkt(2));
        assert!(matches!(&out[..], [MediaOut::ToCaller(to, _)] if *to == addr(4444)));
        let out = m.on_caller_packet(addr(4444), &pkt(2));
        assert!(matches!(&out[..], [MediaOut::ToAgent(to, _)] if *to == addr(5000)));
        // The address the SDP names is still the caller's own.
        assert_eq!(m.on_caller_packet(addr(4000), &pkt(3)).len(), 1);
        assert!(m.on_caller_packet(addr(4444), &pkt(4)).is_empty());
    }

    #[test]
    fn while_waiting_music_goes_to_the_latched_caller_only() {
        let mut m = CallMedia::new(Time(1000), leg(Law::Pcmu, 4000), 7, Vec::new(), None);
        assert!(m.on_caller_packet(addr(4444), &pkt(1)).is_empty());
        assert!(m.on_caller_packet(addr(6666), &pkt(2)).is_empty());
        let out = m.on_timeout(Time(1100));
        assert!(!out.is_empty());
        assert!(
            out.iter()
                .all(|o| matches!(o, MediaOut::ToCaller(to, _) if *to == addr(4444))),
            "{out:?}"
        );
    }
}
