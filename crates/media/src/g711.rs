//! G.711 μ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8), ITU-T G.711.

/// Which G.711 law a leg uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Law {
    /// μ-law, RTP payload type 0.
    Pcmu,
    /// A-law, RTP payload type 8.
    Pcma,
}

impl Law {
    /// The static RTP payload type.
    pub const fn payload_type(self) -> u8 {
        match self {
            Law::Pcmu => 0,
            Law::Pcma => 8,
        }
    }

    /// The law of a static payload type, if it is one.
    pub const fn from_payload_type(pt: u8) -> Option<Law> {
        match pt {
            0 => Some(Law::Pcmu),
            8 => Some(Law::Pcma),
            _ => None,
        }
    }

    /// Encodes linear samples.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        out.extend(pcm.iter().map(|&s| match self {
            Law::Pcmu => ulaw_encode(s),
            Law::Pcma => alaw_encode(s),
        }));
    }

    /// Decodes to linear samples.
    pub fn decode(self, bytes: &[u8], out: &mut Vec<i16>) {
        out.extend(bytes.iter().map(|&b| match self {
            Law::Pcmu => ulaw_decode(b),
            Law::Pcma => alaw_decode(b),
        }));
    }

    /// The byte that encodes silence.
    pub const fn silence(self) -> u8 {
        match self {
            Law::Pcmu => 0xFF,
            Law::Pcma => 0xD5,
        }
    }
}

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

/// Encodes one sample to μ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    if s < 0 {
        s = -s;
    }
    s = s.min(CLIP) + BIAS;
    let exponent = (7 - (s.leading_zeros() as i32 - 17)).clamp(0, 7);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one μ-law byte.
pub fn ulaw_decode(byte: u8) -> i16 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

/// Encodes one sample to A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let s = i32::from(sample);
    let (sign, mag) = if s >= 0 { (0x80, s) } else { (0x00, -s - 1) };
    let mag = mag.min(0x7FFF);
    let byte = if mag < 256 {
        (mag >> 4) as u8
    } else {
        let exponent = (31 - mag.leading_zeros() as i32) - 7; // 1..=7
        let mantissa = (mag >> (exponent + 3)) & 0x0F;
        ((exponent << 4) | mantissa) as u8
    };
    (byte | sign) ^ 0x55
}

/// Decodes one A-law byte.
pub fn alaw_decode(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if sign != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_points() {
        // ITU-T G.711 reference points.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
    }

    #[test]
    fn round_trips_within_quantisation_error() {
        for law in [Law::Pcmu, Law::Pcma] {
            for s in (-32000i32..32000).step_by(37) {
                let s = s as i16;
                let mut enc = Vec::new();
                law.encode(&[s], &mut enc);
                let mut dec = Vec::new();
                law.decode(&enc, &mut dec);
                let err = (i32::from(dec[0]) - i32::from(s)).abs();
                // Logarithmic steps: the error is at most ~1/16 of the magnitude.
                let allowed = (i32::from(s).abs() / 16).max(16);
                assert!(err <= allowed, "{law:?}: {s} -> {} (err {err})", dec[0]);
            }
        }
    }

    #[test]
    fn every_byte_decodes_and_re_encodes_to_itself() {
        for b in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(b)), b, "A-law {b:#04x}");
            let u = ulaw_encode(ulaw_decode(b));
            // μ-law has two zeros (0x7F and 0xFF); both decode to 0.
            assert!(
                u == b || (b == 0x7F && u == 0xFF),
                "μ-law {b:#04x} -> {u:#04x}"
            );
        }
    }
}
