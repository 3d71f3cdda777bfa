//! RTP packets (RFC 3550): the fixed header, CSRCs and header extension skipped,
//! padding honoured.

use crate::{Error, Result};

/// One RTP packet, borrowed from the datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit (start of a talkspurt, start of a DTMF event).
    pub marker: bool,
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub seq: u16,
    /// Media timestamp (8 kHz units here).
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// The payload, without padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Parses a datagram. Anything that is not RTP version 2 with a sane layout is
    /// `Error::Malformed` (the caller drops it; RTP has no error responses).
    pub fn parse(buf: &'a [u8]) -> Result<RtpPacket<'a>> {
        if buf.len() < 12 {
            return Err(Error::Malformed("shorter than an RTP header"));
        }
        if buf[0] >> 6 != 2 {
            return Err(Error::Malformed("not RTP version 2"));
        }
        let padding = buf[0] & 0x20 != 0;
        let extension = buf[0] & 0x10 != 0;
        let csrcs = usize::from(buf[0] & 0x0F);
        let mut offset = 12 + 4 * csrcs;
        if extension {
            if buf.len() < offset + 4 {
                return Err(Error::Malformed("truncated header extension"));
            }
            let words = usize::from(u16::from_be_bytes([buf[offset + 2], buf[offset + 3]]));
            offset += 4 + 4 * words;
        }
        let mut end = buf.len();
        if padding {
            let pad = usize::from(*buf.last().expect("length checked"));
            if pad == 0 || pad > end.saturating_sub(offset) {
                return Err(Error::Malformed("bad padding"));
            }
            end -= pad;
        }
        if offset > end {
            return Err(Error::Malformed("header longer than packet"));
        }
        Ok(RtpPacket {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7F,
            seq: u16::from_be_bytes([buf[2], buf[3]]),
            timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            payload: &buf[offset..end],
        })
    }

    /// Serialises the packet (no CSRCs, no extension, no padding).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(0x80);
        out.push((u8::from(self.marker) << 7) | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = RtpPacket {
            marker: true,
            payload_type: 0,
            seq: 65535,
            timestamp: 160,
            ssrc: 0xDEADBEEF,
            payload: &[1, 2, 3],
        };
        let mut buf = Vec::new();
        p.write(&mut buf);
        assert_eq!(buf.len(), 15);
        assert_eq!(RtpPacket::parse(&buf).unwrap(), p);
    }

    #[test]
    fn skips_csrcs_extension_and_padding() {
        let mut buf = vec![0xB1, 8, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7];
        buf.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // extension of 1 word
        buf.extend_from_slice(&[42, 43]); // payload
        buf.extend_from_slice(&[0, 0, 3]); // 3 bytes of padding
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload, &[42, 43]);
        assert_eq!(p.payload_type, 8);
        assert_eq!(p.ssrc, 7);
    }

    #[test]
    fn rejects_garbage() {
        assert!(RtpPacket::parse(&[0x80, 0, 0]).is_err());
        assert!(RtpPacket::parse(&[0x40; 12]).is_err(), "version 1");
        let mut bad_pad = vec![0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        bad_pad.push(200);
        assert!(RtpPacket::parse(&bad_pad).is_err());
        assert!(
            RtpPacket::parse(&[0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]).is_err(),
            "15 CSRCs announced"
        );
    }
}
