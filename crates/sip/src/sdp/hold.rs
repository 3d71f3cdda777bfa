//! Hold and resume inside an established session (RFC 3264 §8.4, RFC 6337 §5): reading
//! whether a re-offer holds, answering it without moving our media, and our own offers
//! that hold or resume the other leg of a bridge.

use super::{Codec, Direction, LocalMedia, Negotiated, SessionDescription, answer};
use crate::error::Result;
use std::net::IpAddr;

/// The first audio stream's direction as the offerer means it: `a=sendonly` /
/// `a=inactive`, or the RFC 2543 style `c=0.0.0.0` (which reads as inactive).
pub fn offered_direction(sdp: &SessionDescription) -> Direction {
    let Some(m) = sdp.media.iter().find(|m| m.kind == "audio" && m.port != 0) else {
        return Direction::Inactive;
    };
    if sdp.address_of(m).is_some_and(|a| a.is_unspecified()) {
        return Direction::Inactive;
    }
    m.direction
}

/// Whether an offer puts us on hold: its audio is `sendonly` or `inactive` (or at
/// `0.0.0.0`, or refused), i.e. the offerer will not take our audio.
pub fn is_hold(sdp: &SessionDescription) -> bool {
    matches!(
        offered_direction(sdp),
        Direction::SendOnly | Direction::Inactive
    )
}

/// The address and port of our first audio stream, and our session id and version.
fn ours(sdp: &SessionDescription) -> Option<(IpAddr, u16)> {
    let m = sdp
        .media
        .iter()
        .find(|m| m.kind == "audio" && m.port != 0)?;
    Some((sdp.address_of(m).unwrap_or(sdp.origin_addr), m.port))
}

/// Answers a re-offer in an established session: our address, port and session id stay,
/// the version goes up by one, the direction mirrors the offer (sendonly → recvonly,
/// inactive → inactive, sendrecv → sendrecv), and the codec is picked afresh from the
/// offer (G.711 either law). `previous` is the SDP we last sent on this leg. `Err` when
/// the offer has no audio we take: answer 488 and keep the session as it was.
pub fn reanswer(
    offer: &SessionDescription,
    previous: &SessionDescription,
) -> Result<(SessionDescription, Negotiated)> {
    let (addr, port) = ours(previous).ok_or(crate::Error::BadSdp("no audio of ours"))?;
    let local = LocalMedia {
        addr,
        port,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        telephone_event_pt: 101,
        session_id: previous.session_id,
        session_version: previous.session_version + 1,
    };
    let (mut sdp, mut negotiated) = answer(offer, &local)?;
    // c=0.0.0.0 with sendrecv is a hold too: answer it as one.
    if offered_direction(offer) == Direction::Inactive {
        negotiated.direction = Direction::Inactive;
        for m in sdp.media.iter_mut().filter(|m| m.port != 0) {
            m.direction = Direction::Inactive;
        }
    }
    sdp.origin_user = previous.origin_user.clone();
    sdp.session_name = previous.session_name.clone();
    Ok((sdp, negotiated))
}

/// Our SDP for this leg again with `direction` on its audio (hold: `SendOnly`; resume:
/// `SendRecv`) and the version up by one: the offer of a re-INVITE.
pub fn with_direction(previous: &SessionDescription, direction: Direction) -> SessionDescription {
    let mut sdp = previous.clone();
    sdp.session_version += 1;
    sdp.direction = None;
    for m in sdp.media.iter_mut().filter(|m| m.port != 0) {
        m.direction = direction;
    }
    sdp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::offer;

    fn sdp(body: &str) -> SessionDescription {
        SessionDescription::parse(body.replace('\n', "\r\n").as_bytes()).unwrap()
    }

    fn caller(extra: &str, addr: &str) -> SessionDescription {
        sdp(&format!(
            "v=0\no=caller 1 2 IN IP4 198.51.100.7\ns=-\nc=IN IP4 {addr}\nt=0 0\nm=audio 30002 RTP/AVP 8 0 101\na=rtpmap:101 telephone-event/8000\n{extra}"
        ))
    }

    fn ours() -> SessionDescription {
        offer(&LocalMedia {
            addr: "192.0.2.1".parse().unwrap(),
            port: 40_000,
            codecs: vec![Codec::Pcmu],
            telephone_event_pt: 101,
            session_id: 77,
            session_version: 3,
        })
    }

    #[test]
    fn hold_is_sendonly_inactive_or_the_null_address() {
        assert!(is_hold(&caller("a=sendonly\n", "198.51.100.7")));
        assert!(is_hold(&caller("a=inactive\n", "198.51.100.7")));
        assert!(is_hold(&caller("", "0.0.0.0")));
        assert!(!is_hold(&caller("a=sendrecv\n", "198.51.100.7")));
        assert!(!is_hold(&caller("", "198.51.100.7")));
        assert!(!is_hold(&caller("a=recvonly\n", "198.51.100.7")));
        // Session-level direction counts too.
        let session_level = sdp(
            "v=0\no=c 1 2 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\na=sendonly\nm=audio 30002 RTP/AVP 0\n",
        );
        assert!(is_hold(&session_level));
    }

    #[test]
    fn reanswers_mirror_the_direction_and_keep_our_address() {
        for (extra, addr, want) in [
            ("a=sendonly\n", "198.51.100.7", Direction::RecvOnly),
            ("a=inactive\n", "198.51.100.7", Direction::Inactive),
            ("a=sendrecv\n", "198.51.100.7", Direction::SendRecv),
            ("", "0.0.0.0", Direction::Inactive),
        ] {
            let (ans, n) = reanswer(&caller(extra, addr), &ours()).unwrap();
            assert_eq!(ans.media[0].direction, want, "{extra}{addr}");
            assert_eq!(n.direction, want);
            assert_eq!(ans.media[0].port, 40_000);
            assert_eq!(ans.connection, Some("192.0.2.1".parse().unwrap()));
            assert_eq!((ans.session_id, ans.session_version), (77, 4));
            assert_eq!(ans.origin_user, "switchyard");
        }
    }

    #[test]
    fn a_reoffer_moving_address_port_or_codec_is_picked_up() {
        let moved = caller("a=sendrecv\n", "198.51.100.99");
        let (ans, n) = reanswer(&moved, &ours()).unwrap();
        assert_eq!(n.remote, Some("198.51.100.99:30002".parse().unwrap()));
        assert_eq!(
            (n.codec, n.pt),
            (Codec::Pcma, 8),
            "the offerer's first G.711"
        );
        assert_eq!(ans.media[0].formats, ["8", "101"]);
        let none = sdp(
            "v=0\no=c 1 2 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\nm=audio 30002 RTP/AVP 18\n",
        );
        assert!(reanswer(&none, &ours()).is_err(), "no G.711: 488");
    }

    #[test]
    fn our_hold_and_resume_offers_bump_the_version() {
        let held = with_direction(&ours(), Direction::SendOnly);
        assert_eq!(held.session_version, 4);
        let text = String::from_utf8(held.to_bytes()).unwrap();
        assert!(text.contains("a=sendonly\r\n"), "{text}");
        assert!(text.contains("m=audio 40000 "));
        let resumed = with_direction(&held, Direction::SendRecv);
        assert_eq!(resumed.session_version, 5);
        assert!(
            String::from_utf8(resumed.to_bytes())
                .unwrap()
                .contains("a=sendrecv\r\n")
        );
    }
}
