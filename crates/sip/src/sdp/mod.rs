//! SDP (RFC 4566) as much as a G.711 voice leg needs, and offer/answer (RFC 3264) in
//! `negotiate`. Parsing is strict about structure (every line `x=value`, numbers are
//! numbers) and lenient about what it ignores (unknown attributes, bandwidth, encryption
//! keys, time zones): those are skipped, not rejected.

pub mod hold;
mod negotiate;

pub use negotiate::{Codec, LocalMedia, Negotiated, answer, offer, read_answer};

use crate::error::{Error, Result};
use std::fmt::{self, Write as _};
use std::net::IpAddr;

/// Media direction attribute (RFC 3264 §5.1, §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Send and receive (the default).
    SendRecv,
    /// Only send.
    SendOnly,
    /// Only receive.
    RecvOnly,
    /// Neither (hold).
    Inactive,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an answer gives to an offered one.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }
}

/// An `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub pt: u8,
    /// Encoding name as written (compare case-insensitively).
    pub encoding: String,
    /// Clock rate.
    pub clock_rate: u32,
}

/// One `m=` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video`, ...
    pub kind: String,
    /// RTP port; 0 rejects or disables the stream.
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub proto: String,
    /// Formats in preference order (payload types for RTP).
    pub formats: Vec<String>,
    /// Media-level `c=` address.
    pub connection: Option<IpAddr>,
    /// rtpmap attributes.
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp:<pt> <params>` lines.
    pub fmtp: Vec<(u8, String)>,
    /// Direction (sendrecv when absent).
    pub direction: Direction,
    /// `a=ptime`, milliseconds.
    pub ptime: Option<u32>,
}

/// A session description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=` user name.
    pub origin_user: String,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version (incremented on every change, RFC 3264 §8).
    pub session_version: u64,
    /// `o=` address.
    pub origin_addr: IpAddr,
    /// `s=`.
    pub session_name: String,
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute.
    pub direction: Option<Direction>,
    /// `m=` sections in order.
    pub media: Vec<Media>,
}

fn bad(what: &'static str) -> Error {
    Error::BadSdp(what)
}

fn parse_connection(v: &str) -> Result<IpAddr> {
    // c=IN IP4 192.0.2.4[/ttl[/n]]
    let mut it = v.split_whitespace();
    if it.next() != Some("IN") {
        return Err(bad("c= network type"));
    }
    let _addr_type = it.next().ok_or(bad("c= address type"))?;
    let addr = it.next().ok_or(bad("c= address"))?;
    addr.split('/')
        .next()
        .unwrap_or(addr)
        .parse()
        .map_err(|_| bad("c= address"))
}

impl SessionDescription {
    /// Parses an SDP body.
    pub fn parse(body: &[u8]) -> Result<SessionDescription> {
        let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        let mut lines = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty());
        if lines.next() != Some("v=0") {
            return Err(bad("v=0 must come first"));
        }
        let mut sdp = SessionDescription {
            origin_user: String::new(),
            session_id: 0,
            session_version: 0,
            origin_addr: IpAddr::from([0, 0, 0, 0]),
            session_name: String::new(),
            connection: None,
            direction: None,
            media: Vec::new(),
        };
        let mut seen_origin = false;
        for line in lines {
            let (kind, value) = line.split_once('=').ok_or(bad("line without '='"))?;
            let media = sdp.media.last_mut();
            match (kind, media) {
                ("o", None) => {
                    let f: Vec<&str> = value.split_whitespace().collect();
                    let [user, id, version, "IN", _, addr] = f[..] else {
                        return Err(bad("o="));
                    };
                    sdp.origin_user = user.to_owned();
                    sdp.session_id = id.parse().map_err(|_| bad("o= session id"))?;
                    sdp.session_version = version.parse().map_err(|_| bad("o= version"))?;
                    sdp.origin_addr = addr.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
                    seen_origin = true;
                }
                ("s", None) => sdp.session_name = value.to_owned(),
                ("c", None) => sdp.connection = Some(parse_connection(value)?),
                ("c", Some(m)) => m.connection = Some(parse_connection(value)?),
                ("m", _) => {
                    let f: Vec<&str> = value.split_whitespace().collect();
                    let [kind, port, proto, ref formats @ ..] = f[..] else {
                        return Err(bad("m="));
                    };
                    let port = port.split('/').next().unwrap_or(port);
                    sdp.media.push(Media {
                        kind: kind.to_owned(),
                        port: port.parse().map_err(|_| bad("m= port"))?,
                        proto: proto.to_owned(),
                        formats: formats.iter().map(|s| (*s).to_owned()).collect(),
                        connection: None,
                        rtpmaps: Vec::new(),
                        fmtp: Vec::new(),
                        direction: Direction::SendRecv,
                        ptime: None,
                    });
                }
                ("a", m) => parse_attribute(&mut sdp.direction, m, value)?,
                _ => {} // i=, u=, e=, p=, b=, t=, r=, z=, k=: not needed for a voice leg
            }
        }
        if !seen_origin {
            return Err(bad("o= missing"));
        }
        if let Some(d) = sdp.direction {
            for m in &mut sdp.media {
                if m.direction == Direction::SendRecv {
                    m.direction = d;
                }
            }
        }
        Ok(sdp)
    }

    /// The address RTP for `media` goes to: media-level `c=`, else session-level.
    pub fn address_of(&self, media: &Media) -> Option<IpAddr> {
        media.connection.or(self.connection)
    }

    /// Serializes with CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

fn parse_attribute(
    session_dir: &mut Option<Direction>,
    media: Option<&mut Media>,
    v: &str,
) -> Result<()> {
    let (name, value) = v.split_once(':').unwrap_or((v, ""));
    let direction = match name {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    };
    let Some(m) = media else {
        if direction.is_some() {
            *session_dir = direction;
        }
        return Ok(());
    };
    if let Some(d) = direction {
        m.direction = d;
    }
    match name {
        "rtpmap" => {
            let (pt, rest) = value.split_once(' ').ok_or(bad("rtpmap"))?;
            let mut parts = rest.trim().split('/');
            let encoding = parts.next().ok_or(bad("rtpmap encoding"))?.to_owned();
            let clock_rate = parts
                .next()
                .ok_or(bad("rtpmap clock"))?
                .parse()
                .map_err(|_| bad("rtpmap clock"))?;
            let pt = pt.parse().map_err(|_| bad("rtpmap payload type"))?;
            m.rtpmaps.push(RtpMap {
                pt,
                encoding,
                clock_rate,
            });
        }
        "fmtp" => {
            let (pt, params) = value.split_once(' ').ok_or(bad("fmtp"))?;
            m.fmtp.push((
                pt.parse().map_err(|_| bad("fmtp payload type"))?,
                params.trim().to_owned(),
            ));
        }
        "ptime" => m.ptime = value.trim().parse().ok(),
        _ => {}
    }
    Ok(())
}

fn addr_line(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => format!("IN IP4 {a}"),
        IpAddr::V6(a) => format!("IN IP6 {a}"),
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        let _ = write!(
            s,
            "v=0\r\no={} {} {} {}\r\ns={}\r\n",
            self.origin_user,
            self.session_id,
            self.session_version,
            addr_line(self.origin_addr),
            if self.session_name.is_empty() {
                "-"
            } else {
                &self.session_name
            }
        );
        if let Some(c) = self.connection {
            let _ = write!(s, "c={}\r\n", addr_line(c));
        }
        s.push_str("t=0 0\r\n");
        for m in &self.media {
            let _ = write!(
                s,
                "m={} {} {} {}\r\n",
                m.kind,
                m.port,
                m.proto,
                m.formats.join(" ")
            );
            if let Some(c) = m.connection {
                let _ = write!(s, "c={}\r\n", addr_line(c));
            }
            for r in &m.rtpmaps {
                let _ = write!(s, "a=rtpmap:{} {}/{}\r\n", r.pt, r.encoding, r.clock_rate);
            }
            for (pt, p) in &m.fmtp {
                let _ = write!(s, "a=fmtp:{pt} {p}\r\n");
            }
            if let Some(p) = m.ptime {
                let _ = write!(s, "a=ptime:{p}\r\n");
            }
            if m.port != 0 {
                let _ = write!(s, "a={}\r\n", m.direction.as_str());
            }
        }
        f.write_str(&s)
    }
}
