//! DTMF digits and their SIP INFO carriage (the fallback when a phone does not send RFC 4733
//! telephone-events): `application/dtmf-relay` (`Signal=5\r\nDuration=160`) and
//! `application/dtmf` (`5`). RFC 4733 event codes map here too, for the media side.

/// One DTMF key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DtmfDigit {
    /// `0`..`9`, as the digit's value.
    Digit(u8),
    /// `*`.
    Star,
    /// `#` (pound).
    Pound,
    /// `A`..`D`, as 0..=3.
    Letter(u8),
}

impl DtmfDigit {
    /// From a key character (`0`-`9`, `*`, `#`, `A`-`D`, case-insensitive).
    pub fn from_char(c: char) -> Option<DtmfDigit> {
        match c.to_ascii_uppercase() {
            d @ '0'..='9' => Some(DtmfDigit::Digit(d as u8 - b'0')),
            '*' => Some(DtmfDigit::Star),
            '#' => Some(DtmfDigit::Pound),
            l @ 'A'..='D' => Some(DtmfDigit::Letter(l as u8 - b'A')),
            _ => None,
        }
    }

    /// The key character, as the router's menus name digits.
    pub fn as_char(self) -> char {
        match self {
            DtmfDigit::Digit(d) => char::from(b'0' + d),
            DtmfDigit::Star => '*',
            DtmfDigit::Pound => '#',
            DtmfDigit::Letter(l) => char::from(b'A' + l),
        }
    }

    /// From an RFC 4733 event code (0-9, 10 `*`, 11 `#`, 12-15 `A`-`D`).
    pub fn from_event(code: u8) -> Option<DtmfDigit> {
        match code {
            0..=9 => Some(DtmfDigit::Digit(code)),
            10 => Some(DtmfDigit::Star),
            11 => Some(DtmfDigit::Pound),
            12..=15 => Some(DtmfDigit::Letter(code - 12)),
            _ => None,
        }
    }

    /// The RFC 4733 event code.
    pub fn event(self) -> u8 {
        match self {
            DtmfDigit::Digit(d) => d,
            DtmfDigit::Star => 10,
            DtmfDigit::Pound => 11,
            DtmfDigit::Letter(l) => 12 + l,
        }
    }
}

/// The digit in an INFO body, given its Content-Type; `None` for other bodies.
pub fn digit_from_info(content_type: &str, body: &[u8]) -> Option<DtmfDigit> {
    let body = std::str::from_utf8(body).ok()?.trim();
    let ct = content_type.split(';').next().unwrap_or_default().trim();
    if ct.eq_ignore_ascii_case("application/dtmf-relay") {
        body.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            if !k.trim().eq_ignore_ascii_case("Signal") {
                return None;
            }
            let v = v.trim();
            let mut chars = v.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => DtmfDigit::from_char(c),
                // Some phones send the event code ("Signal=11" for #).
                _ => v.parse().ok().and_then(DtmfDigit::from_event),
            }
        })
    } else if ct.eq_ignore_ascii_case("application/dtmf") {
        let mut chars = body.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => DtmfDigit::from_char(c),
            _ => body.parse().ok().and_then(DtmfDigit::from_event),
        }
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_bodies() {
        let relay = b"Signal=5\r\nDuration=160\r\n";
        assert_eq!(
            digit_from_info("application/dtmf-relay", relay),
            Some(DtmfDigit::Digit(5))
        );
        assert_eq!(
            digit_from_info("Application/DTMF-Relay", b"Signal= #\r\n"),
            Some(DtmfDigit::Pound)
        );
        assert_eq!(
            digit_from_info("application/dtmf-relay", b"Signal=11\r\n"),
            Some(DtmfDigit::Pound)
        );
        assert_eq!(
            digit_from_info("application/dtmf", b"*"),
            Some(DtmfDigit::Star)
        );
        assert_eq!(digit_from_info("application/sdp", b"v=0"), None);
        assert_eq!(digit_from_info("application/dtmf-relay", b"Signal=Z"), None);
    }

    #[test]
    fn chars_and_events_round_trip() {
        for c in "0123456789*#ABCD".chars() {
            let d = DtmfDigit::from_char(c).unwrap();
            assert_eq!(d.as_char(), c);
            assert_eq!(DtmfDigit::from_event(d.event()), Some(d));
        }
        assert_eq!(DtmfDigit::from_event(16), None);
    }
}
