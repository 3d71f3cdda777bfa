//! Offer/answer (RFC 3264) for one G.711 audio stream plus telephone-event (RFC 4733).

use super::{Direction, Media, RtpMap, SessionDescription};
use crate::error::{Error, Result};
use std::net::{IpAddr, SocketAddr};

/// The voice codecs Switchyard speaks: G.711 both laws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
}

impl Codec {
    /// The static payload type (RFC 3551).
    pub fn static_pt(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The rtpmap encoding name.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }
}

/// Our side of a media session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalMedia {
    /// Where we receive RTP.
    pub addr: IpAddr,
    /// RTP port.
    pub port: u16,
    /// Codecs we accept, in our preference order (used for our offers).
    pub codecs: Vec<Codec>,
    /// Payload type for telephone-event in our offers (dynamic, 96..=127).
    pub telephone_event_pt: u8,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` version; bump it for every new offer or answer in the dialog.
    pub session_version: u64,
}

/// The outcome of a negotiation, for the media session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The codec both sides use.
    pub codec: Codec,
    /// Its payload type on this leg.
    pub pt: u8,
    /// telephone-event payload type, if both sides support RFC 4733.
    pub telephone_event: Option<u8>,
    /// Where to send RTP; `None` while the peer holds (c=0.0.0.0 or port 0).
    pub remote: Option<SocketAddr>,
    /// Our direction.
    pub direction: Direction,
}

fn codec_of(m: &Media, pt: u8) -> Option<Codec> {
    match m.rtpmaps.iter().find(|r| r.pt == pt) {
        Some(r) if r.clock_rate == 8000 && r.encoding.eq_ignore_ascii_case("PCMU") => {
            Some(Codec::Pcmu)
        }
        Some(r) if r.clock_rate == 8000 && r.encoding.eq_ignore_ascii_case("PCMA") => {
            Some(Codec::Pcma)
        }
        Some(_) => None,
        None if pt == 0 => Some(Codec::Pcmu),
        None if pt == 8 => Some(Codec::Pcma),
        None => None,
    }
}

fn telephone_event_of(m: &Media) -> Option<u8> {
    m.rtpmaps
        .iter()
        .find(|r| r.encoding.eq_ignore_ascii_case("telephone-event") && r.clock_rate == 8000)
        .map(|r| r.pt)
        .filter(|pt| m.formats.iter().any(|f| f.parse() == Ok(*pt)))
}

fn is_rtp_audio(m: &Media) -> bool {
    m.kind == "audio" && m.port != 0 && m.proto.eq_ignore_ascii_case("RTP/AVP")
}

/// The first codec we support in the offerer's order, with its payload type.
fn pick(m: &Media, ours: &[Codec]) -> Option<(Codec, u8)> {
    m.formats
        .iter()
        .filter_map(|f| f.parse::<u8>().ok())
        .find_map(|pt| {
            codec_of(m, pt)
                .filter(|c| ours.contains(c))
                .map(|c| (c, pt))
        })
}

fn remote_of(sdp: &SessionDescription, m: &Media) -> Option<SocketAddr> {
    let addr = sdp.address_of(m)?;
    (!addr.is_unspecified() && m.port != 0).then_some(SocketAddr::new(addr, m.port))
}

fn audio_media(
    local: &LocalMedia,
    pt: &[(Codec, u8)],
    te: Option<u8>,
    direction: Direction,
) -> Media {
    let mut rtpmaps: Vec<RtpMap> = pt
        .iter()
        .map(|(c, pt)| RtpMap {
            pt: *pt,
            encoding: c.name().into(),
            clock_rate: 8000,
        })
        .collect();
    let mut formats: Vec<String> = pt.iter().map(|(_, pt)| pt.to_string()).collect();
    let mut fmtp = Vec::new();
    if let Some(te) = te {
        rtpmaps.push(RtpMap {
            pt: te,
            encoding: "telephone-event".into(),
            clock_rate: 8000,
        });
        formats.push(te.to_string());
        fmtp.push((te, "0-16".to_owned()));
    }
    Media {
        kind: "audio".into(),
        port: local.port,
        proto: "RTP/AVP".into(),
        formats,
        connection: None,
        rtpmaps,
        fmtp,
        direction,
        ptime: Some(20),
    }
}

fn session(local: &LocalMedia, media: Vec<Media>) -> SessionDescription {
    SessionDescription {
        origin_user: "switchyard".into(),
        session_id: local.session_id,
        session_version: local.session_version,
        origin_addr: local.addr,
        session_name: "switchyard".into(),
        connection: Some(local.addr),
        direction: None,
        media,
    }
}

/// Answers a caller's offer: the first audio stream with a codec we support (in the
/// offerer's order) is accepted, every other stream refused with port 0, in the same
/// order (RFC 3264 §6). `Err` means no acceptable stream: reply 488.
pub fn answer(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<(SessionDescription, Negotiated)> {
    let mut chosen = None;
    let mut media = Vec::with_capacity(offer.media.len());
    for m in &offer.media {
        let pick = if chosen.is_none() && is_rtp_audio(m) {
            pick(m, &local.codecs)
        } else {
            None
        };
        match pick {
            Some((codec, pt)) => {
                let te = telephone_event_of(m);
                let direction = m.direction.reversed();
                media.push(audio_media(local, &[(codec, pt)], te, direction));
                chosen = Some(Negotiated {
                    codec,
                    pt,
                    telephone_event: te,
                    remote: remote_of(offer, m),
                    direction,
                });
            }
            None => media.push(Media {
                port: 0,
                connection: None,
                rtpmaps: Vec::new(),
                fmtp: Vec::new(),
                ptime: None,
                ..m.clone()
            }),
        }
    }
    let negotiated = chosen.ok_or(Error::BadSdp("no acceptable audio stream"))?;
    Ok((session(local, media), negotiated))
}

/// Our offer for an agent leg: one audio stream with our codecs and telephone-event.
pub fn offer(local: &LocalMedia) -> SessionDescription {
    let pts: Vec<(Codec, u8)> = local.codecs.iter().map(|c| (*c, c.static_pt())).collect();
    session(
        local,
        vec![audio_media(
            local,
            &pts,
            Some(local.telephone_event_pt),
            Direction::SendRecv,
        )],
    )
}

/// Reads the answer to [`offer`]: the answerer's first listed codec is the one to send.
pub fn read_answer(local: &LocalMedia, answer: &SessionDescription) -> Result<Negotiated> {
    let m = answer
        .media
        .first()
        .filter(|m| is_rtp_audio(m))
        .ok_or(Error::BadSdp("audio refused"))?;
    let (codec, pt) =
        pick(m, &local.codecs).ok_or(Error::BadSdp("answer has none of our codecs"))?;
    Ok(Negotiated {
        codec,
        pt,
        telephone_event: telephone_event_of(m),
        remote: remote_of(answer, m),
        direction: m.direction.reversed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> LocalMedia {
        LocalMedia {
            addr: "192.0.2.100".parse().unwrap(),
            port: 40_000,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event_pt: 101,
            session_id: 42,
            session_version: 1,
        }
    }

    fn sdp(body: &str) -> SessionDescription {
        SessionDescription::parse(body.replace('\n', "\r\n").as_bytes()).unwrap()
    }

    const OFFER: &str = "v=0
o=alice 2890844526 2890844526 IN IP4 198.51.100.1
s=-
c=IN IP4 198.51.100.1
t=0 0
m=audio 49170 RTP/AVP 18 8 0 96
a=rtpmap:18 G729/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-15
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000
";

    #[test]
    fn picks_first_supported_codec_in_offerer_order_and_keeps_te_pt() {
        let (ans, n) = answer(&sdp(OFFER), &local()).unwrap();
        assert_eq!(
            (n.codec, n.pt, n.telephone_event),
            (Codec::Pcma, 8, Some(96))
        );
        assert_eq!(n.remote, Some("198.51.100.1:49170".parse().unwrap()));
        assert_eq!(ans.media.len(), 2, "one answer line per offered line");
        assert_eq!(ans.media[0].formats, ["8", "96"]);
        assert_eq!(
            (ans.media[1].kind.as_str(), ans.media[1].port),
            ("video", 0)
        );
        let again = SessionDescription::parse(&ans.to_bytes()).unwrap();
        assert_eq!(again, ans, "serialization round-trips");
    }

    #[test]
    fn no_common_codec_means_488() {
        let o = sdp(
            "v=0\no=a 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\nm=audio 4000 RTP/AVP 18 9\n",
        );
        assert!(matches!(answer(&o, &local()), Err(Error::BadSdp(_))));
        let srtp = sdp(
            "v=0\no=a 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\nm=audio 4000 RTP/SAVP 0\n",
        );
        assert!(answer(&srtp, &local()).is_err());
    }

    #[test]
    fn dynamic_pcmu_and_hold_directions() {
        let o = sdp(
            "v=0\no=a 1 1 IN IP4 198.51.100.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 97\nc=IN IP4 0.0.0.0\na=rtpmap:97 pcmu/8000\na=sendonly\n",
        );
        let (ans, n) = answer(&o, &local()).unwrap();
        assert_eq!((n.codec, n.pt), (Codec::Pcmu, 97));
        assert_eq!(n.remote, None, "c=0.0.0.0 is hold");
        assert_eq!(n.direction, Direction::RecvOnly);
        assert_eq!(ans.media[0].direction, Direction::RecvOnly);
    }

    #[test]
    fn offer_and_read_answer() {
        let o = offer(&local());
        let text = String::from_utf8(o.to_bytes()).unwrap();
        assert!(text.contains("m=audio 40000 RTP/AVP 0 8 101\r\n"));
        assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\n"));
        let a = sdp(
            "v=0\no=b 1 1 IN IP4 203.0.113.9\ns=-\nc=IN IP4 203.0.113.9\nt=0 0\nm=audio 5004 RTP/AVP 8 101\na=rtpmap:101 telephone-event/8000\n",
        );
        let n = read_answer(&local(), &a).unwrap();
        assert_eq!((n.codec, n.telephone_event), (Codec::Pcma, Some(101)));
        assert_eq!(n.remote, Some("203.0.113.9:5004".parse().unwrap()));
    }

    #[test]
    fn malformed_sdp_is_an_error_not_a_panic() {
        for body in [
            "",
            "v=1\r\n",
            "v=0\r\nm=audio x RTP/AVP 0\r\n",
            "v=0\r\ngarbage\r\n",
            "v=0\r\ns=-\r\n",
        ] {
            assert!(
                SessionDescription::parse(body.as_bytes()).is_err(),
                "{body:?}"
            );
        }
    }
}
