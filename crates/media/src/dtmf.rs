//! DTMF: RFC 4733 telephone-events over RTP, and SIP INFO `application/dtmf-relay`
//! bodies as a fallback.

use crate::{Error, Result};

/// One RFC 4733 telephone-event payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code: 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D.
    pub event: u8,
    /// End of the event.
    pub end: bool,
    /// Power level in -dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the 4-byte payload.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent> {
        let [event, flags, d0, d1, ..] = *payload else {
            return Err(Error::Malformed("telephone-event shorter than 4 bytes"));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// Serialises the payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }

    /// The key, for DTMF events.
    pub fn digit(self) -> Option<char> {
        event_digit(self.event)
    }
}

/// The key of a DTMF event code.
pub fn event_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// The event code of a key.
pub fn digit_event(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

/// Turns a stream of telephone-event packets into key presses, once each: the
/// repeated packets of one event (same RTP timestamp) and its retransmitted end packets
/// yield a single digit, reported as soon as the event starts.
#[derive(Debug, Default)]
pub struct DtmfReceiver {
    last: Option<u32>,
}

impl DtmfReceiver {
    /// Feeds one telephone-event packet (its RTP timestamp and payload).
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Result<Option<char>> {
        let ev = TelephoneEvent::parse(payload)?;
        if self.last == Some(timestamp) {
            return Ok(None);
        }
        self.last = Some(timestamp);
        Ok(ev.digit())
    }
}

/// Parses a SIP INFO body: `application/dtmf-relay` (`Signal=5\r\nDuration=160`) or
/// `application/dtmf` (just the key).
pub fn parse_info_body(content_type: &str, body: &str) -> Option<char> {
    let key = match content_type.trim().to_ascii_lowercase().as_str() {
        "application/dtmf-relay" => body.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| v.trim().to_string())
        })?,
        "application/dtmf" => body.trim().to_string(),
        _ => return None,
    };
    let mut chars = key.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => digit_event(c).and_then(event_digit),
        // Some phones send the event code ("10" for *, "11" for #).
        _ => key.parse::<u8>().ok().and_then(event_digit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()).unwrap(), e);
        assert_eq!(e.digit(), Some('#'));
        assert!(TelephoneEvent::parse(&[1, 2]).is_err());
    }

    #[test]
    fn one_digit_per_event() {
        let mut rx = DtmfReceiver::default();
        let start = TelephoneEvent {
            event: 1,
            end: false,
            volume: 10,
            duration: 160,
        };
        let end = TelephoneEvent {
            end: true,
            duration: 800,
            ..start
        };
        assert_eq!(rx.on_packet(1000, &start.to_bytes()).unwrap(), Some('1'));
        assert_eq!(
            rx.on_packet(
                1000,
                &TelephoneEvent {
                    duration: 320,
                    ..start
                }
                .to_bytes()
            )
            .unwrap(),
            None
        );
        for _ in 0..3 {
            assert_eq!(
                rx.on_packet(1000, &end.to_bytes()).unwrap(),
                None,
                "end retransmissions"
            );
        }
        // Same key again is a new event with a new timestamp.
        assert_eq!(rx.on_packet(2600, &start.to_bytes()).unwrap(), Some('1'));
    }

    #[test]
    fn info_bodies() {
        assert_eq!(
            parse_info_body("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(
            parse_info_body("application/dtmf-relay", "Signal= #\r\n"),
            Some('#')
        );
        assert_eq!(
            parse_info_body("application/dtmf-relay", "Signal=11\r\n"),
            Some('#')
        );
        assert_eq!(parse_info_body("application/dtmf", "*"), Some('*'));
        assert_eq!(
            parse_info_body("application/dtmf-relay", "Duration=160"),
            None
        );
        assert_eq!(parse_info_body("text/plain", "5"), None);
        assert_eq!(parse_info_body("application/dtmf", "X"), None);
    }
}
