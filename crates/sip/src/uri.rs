//! SIP/SIPS URIs (RFC 3261 §19.1), just what routing and registration need.

use crate::grammar::{Params, split_host_port};
use std::fmt;

/// A parsed `sip:` or `sips:` URI. Other schemes are kept as text by the message layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipUri {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// The user part, still %-escaped as written.
    pub user: Option<String>,
    /// Host, lower-cased (IPv6 references keep their brackets).
    pub host: String,
    /// Explicit port.
    pub port: Option<u16>,
    /// URI parameters (`transport`, `lr`, `user`...).
    pub params: Params,
    /// True when the URI carried `?headers` (not allowed in a Request-URI or registration target).
    pub has_headers: bool,
}

impl SipUri {
    /// Parses `sip:`/`sips:` URIs (scheme case-insensitive); `None` for other schemes or junk.
    pub fn parse(s: &str) -> Option<SipUri> {
        let (scheme, rest) = s.split_once(':')?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "sip" => false,
            "sips" => true,
            _ => return None,
        };
        let (rest, has_headers) = match rest.split_once('?') {
            Some((r, _)) => (r, true),
            None => (rest, false),
        };
        // The user part may itself contain ';' and ':' (RFC 4475 semiuri), so split at the
        // last '@' before looking at parameters.
        let (user, hostpart) = match rest.rfind('@') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let user = user.map(|u| u.split_once(':').map_or(u, |(name, _password)| name));
        let (hostport, params) = match hostpart.find(';') {
            Some(i) => (&hostpart[..i], &hostpart[i..]),
            None => (hostpart, ""),
        };
        let (host, port) = split_host_port(hostport)?;
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok()?),
            None => None,
        };
        Some(SipUri {
            secure,
            user: user.filter(|u| !u.is_empty()).map(str::to_owned),
            host: host.to_ascii_lowercase(),
            port,
            params: Params::parse(params, "URI").ok()?,
            has_headers,
        })
    }

    /// The address-of-record form `sip:user@host` used as a registrar key (no port, no params).
    pub fn aor(&self) -> String {
        let scheme = if self.secure { "sips" } else { "sip" };
        match &self.user {
            Some(u) => format!("{scheme}:{u}@{}", self.host),
            None => format!("{scheme}:{}", self.host),
        }
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        for (name, value) in self.params.iter() {
            match value {
                Some(v) => write!(f, ";{name}={v}")?,
                None => write!(f, ";{name}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_host_port_params() {
        let u = SipUri::parse("sip:Alice@Example.COM:5070;transport=tcp;lr").unwrap();
        assert_eq!(u.user.as_deref(), Some("Alice"));
        assert_eq!((u.host.as_str(), u.port), ("example.com", Some(5070)));
        assert_eq!(u.params.value("transport"), Some("tcp"));
        assert_eq!(u.aor(), "sip:Alice@example.com");
        assert_eq!(u.to_string(), "sip:Alice@example.com:5070;transport=tcp;lr");
        let semi = SipUri::parse("sip:user;par=u%40example.net@example.com").unwrap();
        assert_eq!(semi.host, "example.com");
        assert!(SipUri::parse("nobodyknows:this-is-here").is_none());
        assert!(SipUri::parse("sip:a@b?Route=x").unwrap().has_headers);
    }
}
