//! How the voice edge faces the network: the addresses it advertises in Via, Contact and
//! SDP (never 0.0.0.0), the RTP port range media sockets are bound in, the SIPS listener
//! and the SIP transport limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket as StdUdp};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use switchyard_sip::driver::TransportLimits;
use tokio::net::UdpSocket;

/// The SIPS (SIP over TLS) listener.
#[derive(Clone, Debug)]
pub struct SipTls {
    /// Address to listen on (e.g. `0.0.0.0:5061`).
    pub listen: SocketAddr,
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Network exposure of the voice edge.
#[derive(Clone, Debug, Default)]
pub struct VoiceTransport {
    /// The address phones and trunks reach us at, put in Via and Contact (and in SDP when
    /// `media_external_address` is unset). Unset: the bound address, or when bound to
    /// 0.0.0.0 the address of the interface holding the default route.
    pub external_address: Option<IpAddr>,
    /// The address put in SDP `c=`/`o=` for RTP (defaults to `external_address`).
    pub media_external_address: Option<IpAddr>,
    /// Where RTP sockets are bound.
    pub rtp_ports: RtpPorts,
    /// The SIPS listener, if any.
    pub tls: Option<SipTls>,
    /// Size, connection and idle caps on SIP transports.
    pub limits: TransportLimits,
}

/// An inclusive UDP port range for RTP. Only even ports are used (RTP on even, RTCP on
/// the next odd one, RFC 3550 §11), so the range holds `(hi - lo + 1) / 2` media legs.
#[derive(Debug)]
pub struct RtpPorts {
    lo: u16,
    hi: u16,
    cursor: AtomicU32,
}

impl Clone for RtpPorts {
    fn clone(&self) -> Self {
        RtpPorts::new(self.lo, self.hi).unwrap_or_default()
    }
}

impl Default for RtpPorts {
    fn default() -> Self {
        RtpPorts {
            lo: 10000,
            hi: 20000,
            cursor: AtomicU32::new(0),
        }
    }
}

impl std::str::FromStr for RtpPorts {
    type Err = String;

    /// `LO-HI`, e.g. `20000-20999`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?}: expected LO-HI, e.g. 20000-20999");
        let (lo, hi) = s.split_once('-').ok_or_else(bad)?;
        let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
        let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
        RtpPorts::new(lo, hi)
    }
}

impl RtpPorts {
    /// The range `lo..=hi`; it must hold at least one even port above 1023.
    pub fn new(lo: u16, hi: u16) -> Result<RtpPorts, String> {
        if lo < 1024 || hi < lo {
            return Err(format!(
                "RTP ports {lo}-{hi}: need 1024 <= LO <= HI <= 65535"
            ));
        }
        let r = RtpPorts {
            lo,
            hi,
            cursor: AtomicU32::new(0),
        };
        if r.slots() == 0 {
            return Err(format!("RTP ports {lo}-{hi}: no even port in the range"));
        }
        Ok(r)
    }

    /// The range as `(lo, hi)`.
    pub fn bounds(&self) -> (u16, u16) {
        (self.lo, self.hi)
    }

    fn first_even(&self) -> u32 {
        u32::from(self.lo).next_multiple_of(2)
    }

    /// How many even ports the range holds.
    pub fn slots(&self) -> u32 {
        let first = self.first_even();
        if first > u32::from(self.hi) {
            0
        } else {
            (u32::from(self.hi) - first) / 2 + 1
        }
    }

    /// A UDP socket on `ip` at a free even port of the range, round robin (a port just
    /// released is not reused at once, so late packets of an ended call do not reach a
    /// new one). `None` when every port is taken.
    pub async fn bind(&self, ip: IpAddr) -> Option<UdpSocket> {
        let (first, slots) = (self.first_even(), self.slots());
        let start = self.cursor.fetch_add(1, Ordering::Relaxed);
        for i in 0..slots {
            let slot = start.wrapping_add(i) % slots;
            let Ok(port) = u16::try_from(first + slot * 2) else {
                continue;
            };
            if let Ok(s) = UdpSocket::bind((ip, port)).await {
                self.cursor.store(slot + 1, Ordering::Relaxed);
                return Some(s);
            }
        }
        None
    }
}

/// The IP to advertise for a socket bound to `bound`: `external` when set; else the
/// bound IP unless it is unspecified (0.0.0.0, ::), in which case the address of the
/// interface holding the default route (no packet is sent to find it), else loopback.
pub fn advertised_ip(bound: IpAddr, external: Option<IpAddr>) -> IpAddr {
    if let Some(ip) = external {
        return ip;
    }
    if !bound.is_unspecified() {
        return bound;
    }
    // A connected UDP socket learns its source address from the routing table.
    let routed = StdUdp::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|()| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified());
    match routed {
        Some(ip) => {
            tracing::warn!(%ip, "bound to an unspecified address without an external address: advertising the default route's; set --sip-external-address");
            ip
        }
        None => {
            tracing::warn!(
                "bound to an unspecified address, no external address and no default route: advertising 127.0.0.1; set --sip-external-address"
            );
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_advertises_the_unspecified_address() {
        let any: IpAddr = Ipv4Addr::UNSPECIFIED.into();
        let ext: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(advertised_ip(any, Some(ext)), ext);
        assert_eq!(advertised_ip("127.0.0.1".parse().unwrap(), Some(ext)), ext);
        assert_eq!(
            advertised_ip("127.0.0.1".parse().unwrap(), None),
            IpAddr::from([127, 0, 0, 1])
        );
        assert!(!advertised_ip(any, None).is_unspecified());
    }

    #[test]
    fn parses_ranges_and_counts_even_ports() {
        let r: RtpPorts = "20001-20006".parse().unwrap();
        assert_eq!(r.slots(), 3, "20002, 20004, 20006");
        assert!("20001-20001".parse::<RtpPorts>().is_err());
        assert!("80-90".parse::<RtpPorts>().is_err());
        assert!("9-".parse::<RtpPorts>().is_err());
        assert!("30000-20000".parse::<RtpPorts>().is_err());
        assert_eq!(RtpPorts::default().slots(), 5001);
    }

    #[tokio::test]
    async fn binds_only_inside_the_range_until_it_is_exhausted() {
        // Find four free consecutive ports by binding a probe range first.
        let mut lo = 41000u16;
        let held = loop {
            let r = RtpPorts::new(lo, lo + 3).unwrap();
            let a = r.bind(IpAddr::from([127, 0, 0, 1])).await;
            let b = r.bind(IpAddr::from([127, 0, 0, 1])).await;
            if let (Some(a), Some(b)) = (a, b) {
                break (r, a, b);
            }
            lo += 10;
            assert!(lo < 42000, "no free range found");
        };
        let (r, a, b) = held;
        let mut ports = [
            a.local_addr().unwrap().port(),
            b.local_addr().unwrap().port(),
        ];
        ports.sort();
        assert_eq!(ports, [lo, lo + 2]);
        assert!(
            r.bind(IpAddr::from([127, 0, 0, 1])).await.is_none(),
            "exhausted"
        );
        drop(a);
        let c = r.bind(IpAddr::from([127, 0, 0, 1])).await.expect("freed");
        assert!((lo..=lo + 3).contains(&c.local_addr().unwrap().port()));
    }
}
