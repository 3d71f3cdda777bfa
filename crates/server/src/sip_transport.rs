//! `serve` options for how the SIP edge faces the network: external addresses, the RTP
//! port range, SIPS, and the SIP transport limits (flag, `SWITCHYARD_…` variable,
//! `[server]` key, default).

use crate::config::ServerSection;
use anyhow::{Context, Result, bail};
use clap::Args;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use switchyard_voice::transport::{RtpPorts, SipTls, VoiceTransport};
use switchyard_voice::{MessageLimits, TransportLimits};

/// The options (flattened into `switchyard serve`).
#[derive(Debug, Clone, Args)]
pub(crate) struct SipTransportArgs {
    /// Address phones and trunks reach the SIP edge at, put in Via and Contact (and SDP
    /// unless --media-external-address is set). Set it whenever SIP listens on 0.0.0.0 or
    /// behind NAT; without it the default route's interface address is advertised.
    /// An empty value (compose's `${SWITCHYARD_SIP_EXTERNAL_ADDRESS:-}`) means unset.
    #[arg(long, env = "SWITCHYARD_SIP_EXTERNAL_ADDRESS", value_name = "IP")]
    pub(crate) sip_external_address: Option<String>,
    /// Address put in SDP (`c=`, `o=`) for RTP. [default: --sip-external-address]
    #[arg(long, env = "SWITCHYARD_MEDIA_EXTERNAL_ADDRESS", value_name = "IP")]
    pub(crate) media_external_address: Option<String>,
    /// UDP port range for RTP, `LO-HI`; even ports only, one per call leg; a new call
    /// finding none free gets 503. Open exactly this range in the firewall.
    /// [default: 10000-20000]
    #[arg(long, env = "SWITCHYARD_RTP_PORTS", value_name = "LO-HI")]
    pub(crate) rtp_ports: Option<String>,
    /// Address of the SIPS (SIP over TLS) listener, e.g. 0.0.0.0:5061; needs
    /// --sip-tls-cert and --sip-tls-key. Off unless set.
    #[arg(long, env = "SWITCHYARD_SIP_TLS_LISTEN", value_name = "ADDR")]
    pub(crate) sip_tls_listen: Option<SocketAddr>,
    /// PEM certificate chain (leaf first) for SIPS.
    #[arg(long, env = "SWITCHYARD_SIP_TLS_CERT", value_name = "FILE")]
    pub(crate) sip_tls_cert: Option<PathBuf>,
    /// PEM private key for SIPS.
    #[arg(long, env = "SWITCHYARD_SIP_TLS_KEY", value_name = "FILE")]
    pub(crate) sip_tls_key: Option<PathBuf>,
    /// Largest SIP header section (start line and headers) accepted; over it a TCP/TLS
    /// request gets 513 and its connection is closed, a datagram is dropped.
    /// [default: 16384]
    #[arg(long, env = "SWITCHYARD_SIP_MAX_HEADER_BYTES", value_name = "BYTES")]
    pub(crate) sip_max_header_bytes: Option<usize>,
    /// Largest SIP body (Content-Length) accepted; over it a TCP/TLS request gets 413 and
    /// its connection is closed, a datagram is dropped. [default: 65536]
    #[arg(long, env = "SWITCHYARD_SIP_MAX_BODY_BYTES", value_name = "BYTES")]
    pub(crate) sip_max_body_bytes: Option<usize>,
    /// Most SIP TCP + TLS connections open at once; more are closed on accept.
    /// [default: 1024]
    #[arg(long, env = "SWITCHYARD_SIP_MAX_CONNECTIONS", value_name = "N")]
    pub(crate) sip_max_connections: Option<usize>,
    /// Most SIP TCP + TLS connections open at once from one IP address.
    /// [default: 32]
    #[arg(long, env = "SWITCHYARD_SIP_MAX_CONNECTIONS_PER_IP", value_name = "N")]
    pub(crate) sip_max_connections_per_ip: Option<usize>,
    /// A SIP TCP/TLS connection that completes no message or keep-alive for this long is
    /// closed (also the TLS handshake's limit). Registered phones answer the OPTIONS
    /// probes (--sip-qualify-secs), so keep it above that interval. [default: 120]
    #[arg(long, env = "SWITCHYARD_SIP_IDLE_TIMEOUT_SECS", value_name = "SECS")]
    pub(crate) sip_idle_timeout_secs: Option<f64>,
}

impl SipTransportArgs {
    /// Command line / environment first, then the config file, then defaults.
    pub(crate) fn resolve(&self, s: &ServerSection) -> Result<VoiceTransport> {
        let d = TransportLimits::default();
        let limits = TransportLimits {
            message: MessageLimits {
                max_header_bytes: self
                    .sip_max_header_bytes
                    .or(s.sip_max_header_bytes)
                    .unwrap_or(d.message.max_header_bytes),
                max_body_bytes: self
                    .sip_max_body_bytes
                    .or(s.sip_max_body_bytes)
                    .unwrap_or(d.message.max_body_bytes),
            },
            max_connections: self
                .sip_max_connections
                .or(s.sip_max_connections)
                .unwrap_or(d.max_connections),
            max_connections_per_ip: self
                .sip_max_connections_per_ip
                .or(s.sip_max_connections_per_ip)
                .unwrap_or(d.max_connections_per_ip),
            idle_timeout: match self.sip_idle_timeout_secs.or(s.sip_idle_timeout_secs) {
                Some(x) if x.is_finite() && x > 0.0 && x <= 86_400.0 => Duration::from_secs_f64(x),
                Some(_) => bail!("--sip-idle-timeout-secs must be above 0 and at most 86400"),
                None => d.idle_timeout,
            },
        };
        if limits.message.max_header_bytes < 512 {
            bail!("--sip-max-header-bytes must be at least 512");
        }
        if limits.max_connections == 0 || limits.max_connections_per_ip == 0 {
            bail!("--sip-max-connections and --sip-max-connections-per-ip must be at least 1");
        }
        let rtp_ports = match self.rtp_ports.as_deref().or(s.rtp_ports.as_deref()) {
            Some(r) => r
                .parse::<RtpPorts>()
                .map_err(anyhow::Error::msg)
                .context("--rtp-ports")?,
            None => RtpPorts::default(),
        };
        let listen = self.sip_tls_listen.or(s.sip_tls_listen);
        let cert = self.sip_tls_cert.clone().or(s.sip_tls_cert.clone());
        let key = self.sip_tls_key.clone().or(s.sip_tls_key.clone());
        let tls = match (listen, cert, key) {
            (Some(listen), Some(cert), Some(key)) => Some(SipTls { listen, cert, key }),
            (None, None, None) => None,
            _ => bail!("--sip-tls-listen, --sip-tls-cert and --sip-tls-key go together"),
        };
        let external = ip_arg(&self.sip_external_address, "--sip-external-address")?
            .or(s.sip_external_address);
        let media = ip_arg(&self.media_external_address, "--media-external-address")?
            .or(s.media_external_address);
        if [external, media]
            .iter()
            .flatten()
            .any(|i| i.is_unspecified())
        {
            bail!("--sip-external-address and --media-external-address cannot be 0.0.0.0 or ::");
        }
        Ok(VoiceTransport {
            external_address: external,
            media_external_address: media,
            rtp_ports,
            tls,
            limits,
        })
    }
}

/// An IP address option; empty means unset.
fn ip_arg(v: &Option<String>, flag: &str) -> Result<Option<IpAddr>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(x) => x
            .parse()
            .map(Some)
            .with_context(|| format!("{flag}: {x:?} is not an IP address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        a: SipTransportArgs,
    }

    fn resolve(args: &[&str], file: &str) -> Result<VoiceTransport> {
        let t = T::try_parse_from(std::iter::once("t").chain(args.iter().copied())).unwrap();
        t.a.resolve(&toml::from_str::<ServerSection>(file).unwrap())
    }

    #[test]
    fn defaults_file_and_command_line_in_that_order() {
        let d = resolve(&[], "").unwrap();
        assert_eq!(d.limits, TransportLimits::default());
        assert_eq!(d.rtp_ports.bounds(), (10000, 20000));
        assert!(d.tls.is_none() && d.external_address.is_none());

        let file = r#"
            rtp_ports = "30000-30099"
            sip_max_connections = 7
            sip_max_connections_per_ip = 3
            sip_max_body_bytes = 1000
            sip_max_header_bytes = 4096
            sip_idle_timeout_secs = 2.5
            sip_external_address = "203.0.113.1"
            media_external_address = "198.51.100.1"
        "#;
        let f = resolve(&[], file).unwrap();
        assert_eq!(f.rtp_ports.bounds(), (30000, 30099));
        assert_eq!(f.limits.max_connections, 7);
        assert_eq!(f.limits.max_connections_per_ip, 3);
        assert_eq!(f.limits.message.max_body_bytes, 1000);
        assert_eq!(f.limits.message.max_header_bytes, 4096);
        assert_eq!(f.limits.idle_timeout, Duration::from_millis(2500));
        assert_eq!(f.external_address, Some("203.0.113.1".parse().unwrap()));
        assert_eq!(
            f.media_external_address,
            Some("198.51.100.1".parse().unwrap())
        );

        let c = resolve(
            &[
                "--rtp-ports",
                "40000-40009",
                "--sip-max-connections",
                "9",
                "--sip-external-address",
                "192.0.2.5",
            ],
            file,
        )
        .unwrap();
        assert_eq!(c.rtp_ports.bounds(), (40000, 40009));
        assert_eq!(c.limits.max_connections, 9);
        assert_eq!(c.external_address, Some("192.0.2.5".parse().unwrap()));
        // An empty value (compose's `${VAR:-}`) is unset.
        let e = resolve(&["--sip-external-address", ""], "").unwrap();
        assert_eq!(e.external_address, None);
    }

    #[test]
    fn bad_values_are_clear_errors() {
        for (args, needle) in [
            (&["--rtp-ports", "20000"][..], "--rtp-ports"),
            (&["--rtp-ports", "100-200"][..], "--rtp-ports"),
            (
                &["--sip-external-address", "0.0.0.0"][..],
                "cannot be 0.0.0.0",
            ),
            (
                &["--media-external-address", "not-an-ip"][..],
                "not an IP address",
            ),
            (&["--sip-tls-listen", "127.0.0.1:5061"][..], "go together"),
            (
                &["--sip-idle-timeout-secs", "0"][..],
                "--sip-idle-timeout-secs",
            ),
            (&["--sip-max-connections-per-ip", "0"][..], "at least 1"),
            (&["--sip-max-header-bytes", "10"][..], "at least 512"),
        ] {
            let err = format!("{:#}", resolve(args, "").expect_err("an error"));
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
