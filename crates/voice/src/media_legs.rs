//! Renegotiated legs in [`CallMedia`]: after a re-INVITE (hold, resume, a moved phone)
//! the leg's codec, payload types and address are replaced, so the relay keeps working
//! when the peer switched law or port. An SDP without an address (`c=0.0.0.0`, a hold)
//! keeps the address RTP last came from.

use super::{CallMedia, Leg};

impl CallMedia {
    /// The caller's leg was renegotiated.
    pub fn renegotiate_caller(&mut self, leg: Leg) {
        self.caller_latch.renegotiated(leg.remote);
        self.caller = Leg {
            remote: leg.remote.or(self.caller.remote),
            ..leg
        };
    }

    /// The agent's leg was renegotiated (ignored before the bridge).
    pub fn renegotiate_agent(&mut self, leg: Leg) {
        if let Some(agent) = self.agent.as_mut() {
            self.agent_latch.renegotiated(leg.remote);
            *agent = Leg {
                remote: leg.remote.or(agent.remote),
                ..leg
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::MediaOut;
    use super::super::tests::{addr, leg};
    use super::*;
    use switchyard_core::Time;
    use switchyard_media::g711::Law;
    use switchyard_media::rtp::RtpPacket;

    fn rtp(pt: u8, seq: u16) -> Vec<u8> {
        super::super::tests::rtp(pt, seq, u32::from(seq) * 160, &[0xd5; 160])
    }

    #[test]
    fn a_caller_switching_law_after_a_reinvite_is_still_relayed() {
        let mut m = CallMedia::new(Time(1000), leg(Law::Pcma, 4000), 7, Vec::new(), None);
        m.bridge(leg(Law::Pcmu, 5000));
        assert_eq!(m.on_caller_packet(addr(4000), &rtp(8, 1)).len(), 1);
        // The caller re-INVITEs with PCMU from a new port: before the update its PCMU
        // packets are not the negotiated payload type and are dropped.
        assert!(m.on_caller_packet(addr(4100), &rtp(0, 2)).is_empty());
        m.renegotiate_caller(leg(Law::Pcmu, 4100));
        let out = m.on_caller_packet(addr(4100), &rtp(0, 3));
        let [MediaOut::ToAgent(to, bytes)] = &out[..] else {
            panic!("{out:?}")
        };
        assert_eq!(*to, addr(5000));
        assert_eq!(RtpPacket::parse(bytes).unwrap().payload_type, 0);
        // The agent's audio now goes to the caller as PCMU at the new port.
        let out = m.on_agent_packet(addr(5000), &rtp(0, 1));
        let [MediaOut::ToCaller(to, bytes)] = &out[..] else {
            panic!("{out:?}")
        };
        assert_eq!(*to, addr(4100));
        assert_eq!(RtpPacket::parse(bytes).unwrap().payload_type, 0);
    }

    #[test]
    fn a_hold_at_the_null_address_keeps_where_rtp_came_from() {
        let mut m = CallMedia::new(Time(1000), leg(Law::Pcmu, 4000), 7, Vec::new(), None);
        m.renegotiate_agent(leg(Law::Pcma, 6000));
        m.bridge(leg(Law::Pcmu, 5000));
        m.renegotiate_agent(Leg {
            remote: None,
            ..leg(Law::Pcma, 0)
        });
        let out = m.on_caller_packet(addr(4000), &rtp(0, 1));
        let [MediaOut::ToAgent(to, bytes)] = &out[..] else {
            panic!("{out:?}")
        };
        assert_eq!(*to, addr(5000), "address kept");
        assert_eq!(
            RtpPacket::parse(bytes).unwrap().payload_type,
            8,
            "law updated"
        );
    }
}
