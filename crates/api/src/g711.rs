//! G.711 (µ-law, A-law) WAV files: common for telephony prompts, not read by hound.

/// Decoded audio: interleaved samples in [-1, 1].
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    pub(crate) samples: Vec<f32>,
}

fn u16le(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn u32le(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// µ-law byte to linear 16-bit (ITU-T G.711).
pub(crate) fn ulaw(u: u8) -> i16 {
    let u = !u;
    let exp = (u >> 4) & 7;
    let mant = i32::from(u & 0x0f);
    let s = (((mant << 3) + 0x84) << exp) - 0x84;
    (if u & 0x80 != 0 { -s } else { s }) as i16
}

/// A-law byte to linear 16-bit (ITU-T G.711).
pub(crate) fn alaw(a: u8) -> i16 {
    let a = a ^ 0x55;
    let exp = (a >> 4) & 7;
    let mant = i32::from(a & 0x0f);
    let s = if exp == 0 {
        (mant << 4) + 8
    } else {
        ((mant << 4) + 0x108) << (exp - 1)
    };
    (if a & 0x80 != 0 { s } else { -s }) as i16
}

/// Decodes a RIFF/WAVE file whose format tag is A-law (6) or µ-law (7). None when the
/// file is not such a WAV (hound reads the rest); Err when it is one but broken.
pub(crate) fn decode(bytes: &[u8]) -> Option<Result<Decoded, String>> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut pos = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32le(&bytes[pos + 4..pos + 8]) as usize;
        let body = pos + 8;
        let end = body.saturating_add(len).min(bytes.len());
        match id {
            b"fmt " if end - body >= 16 => {
                let b = &bytes[body..end];
                fmt = Some((
                    u16le(&b[0..]),
                    u16le(&b[2..]),
                    u32le(&b[4..]),
                    u16le(&b[14..]),
                ));
                let (tag, ..) = fmt?;
                if tag != 6 && tag != 7 {
                    return None;
                }
            }
            b"data" => {
                let (tag, channels, rate, bits) = fmt?;
                if bits != 8 {
                    return Some(Err(format!("G.711 WAV with {bits} bits per sample")));
                }
                let law: fn(u8) -> i16 = if tag == 7 { ulaw } else { alaw };
                let samples = bytes[body..end]
                    .iter()
                    .map(|b| f32::from(law(*b)) / 32768.0)
                    .collect();
                return Some(Ok(Decoded {
                    rate,
                    channels,
                    samples,
                }));
            }
            _ => {}
        }
        pos = body.saturating_add(len + (len & 1));
    }
    fmt.map(|_| Err("G.711 WAV without a data chunk".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_reference_values() {
        assert_eq!(ulaw(0xFF), 0);
        assert_eq!(ulaw(0x00), -32124);
        assert_eq!(ulaw(0x80), 32124);
        assert_eq!(alaw(0xD5), 8);
        assert_eq!(alaw(0x55), -8);
        assert_eq!(alaw(0xAA), 32256);
    }
}
