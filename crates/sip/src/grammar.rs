//! Header-value grammar of RFC 3261 §25 that the stack relies on: comma lists, name-addr,
//! generic params, Via. Values reach here already unfolded (see `wire`), so LWS is spaces/tabs.

use crate::error::Problem;
use crate::types::{Branch, Transport};

/// RFC 3261 `token` characters.
pub(crate) fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

fn is_lws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits a header value at commas that are outside quoted strings and `<...>`.
pub(crate) fn split_list<'a>(
    value: &'a str,
    header: &'static str,
) -> Result<Vec<&'a str>, Problem> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut escaped, mut start) = (false, false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(value[start..i].trim_matches(is_lws));
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted || angle {
        return Err(Problem::BadHeader(header));
    }
    parts.push(value[start..].trim_matches(is_lws));
    Ok(parts)
}

/// `;name[=value]` parameters, in order; names compare case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, Option<String>)>);

impl Params {
    /// The value of a parameter: `Some(None)` when present without a value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The value of a parameter that has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// Parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_deref()))
    }

    /// Parses `;a=b;c` (the leading `;` optional).
    pub(crate) fn parse(s: &str, header: &'static str) -> Result<Params, Problem> {
        let mut out = Params::default();
        let s = s.trim_matches(is_lws);
        let s = s.strip_prefix(';').unwrap_or(s);
        if s.trim_matches(is_lws).is_empty() {
            return Ok(out);
        }
        for part in split_outside_quotes(s, ';') {
            let part = part.trim_matches(is_lws);
            let (name, value) = match part.split_once('=') {
                Some((n, v)) => (n.trim_matches(is_lws), Some(v.trim_matches(is_lws))),
                None => (part, None),
            };
            if !is_token(name) {
                return Err(Problem::BadHeader(header));
            }
            if let Some(v) = value {
                let ok = is_token(v)
                    || (v.len() >= 2 && v.starts_with('"') && v.ends_with('"'))
                    || (v.starts_with('[') && v.ends_with(']'));
                if !ok {
                    return Err(Problem::BadHeader(header));
                }
            }
            out.0.push((name.to_owned(), value.map(str::to_owned)));
        }
        Ok(out)
    }
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut escaped, mut start) = (false, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A URI must be `scheme ":" something` with no whitespace (RFC 3261 §25.1 absoluteURI).
pub(crate) fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `name-addr / addr-spec` followed by header parameters (From, To, Contact, Route).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted text kept as written (quoted-pairs not expanded).
    pub display: Option<String>,
    /// The URI as written.
    pub uri: String,
    /// Header parameters (`tag`, `expires`, `q`...).
    pub params: Params,
}

impl NameAddr {
    /// Parses one element of From/To/Contact/Route.
    pub(crate) fn parse(v: &str, header: &'static str) -> Result<NameAddr, Problem> {
        let bad = Problem::BadHeader(header);
        let v = v.trim_matches(is_lws);
        let (display, rest) = if let Some(q) = v.strip_prefix('"') {
            let end = closing_quote(q).ok_or(bad)?;
            (
                Some(q[..end].to_owned()),
                q[end + 1..].trim_start_matches(is_lws),
            )
        } else if let Some(lt) = v.find('<') {
            let name = v[..lt].trim_matches(is_lws);
            // Unquoted display names are tokens separated by LWS (§25.1); RFC 4475
            // `lwsdisp` shows the LWS before '<' may be missing.
            if !name.split(is_lws).all(|t| t.is_empty() || is_token(t)) {
                return Err(bad);
            }
            ((!name.is_empty()).then(|| name.to_owned()), &v[lt..])
        } else {
            (None, v)
        };
        if let Some(inner) = rest.strip_prefix('<') {
            let gt = inner.find('>').ok_or(bad)?;
            let uri = &inner[..gt];
            if !is_uri(uri) {
                return Err(bad);
            }
            let params = Params::parse(&inner[gt + 1..], header)?;
            return Ok(NameAddr {
                display,
                uri: uri.to_owned(),
                params,
            });
        }
        if display.is_some() {
            return Err(bad);
        }
        // addr-spec: parameters after the URI belong to the header, and the URI may not
        // carry `?headers` or `,` (RFC 3261 §20: then it must be in <>; RFC 4475 regbadct).
        let (uri, params) = match rest.find(';') {
            Some(i) => (rest[..i].trim_matches(is_lws), &rest[i..]),
            None => (rest, ""),
        };
        if !is_uri(uri) || uri.contains('?') {
            return Err(bad);
        }
        Ok(NameAddr {
            display: None,
            uri: uri.to_owned(),
            params: Params::parse(params, header)?,
        })
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }
}

fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// One Via header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// The transport the request was sent over.
    pub transport: Transport,
    /// sent-by host (IPv6 kept in brackets).
    pub host: String,
    /// sent-by port, if given.
    pub port: Option<u16>,
    /// All parameters (branch, received, rport, maddr, ttl...).
    pub params: Params,
}

impl Via {
    /// Parses one Via value, e.g. `SIP / 2.0 / UDP host:5060;branch=z9hG4bK1`.
    pub(crate) fn parse(v: &str) -> Result<Via, Problem> {
        let bad = Problem::BadHeader("Via");
        let (proto, params) = match v.find(';') {
            Some(i) => (&v[..i], &v[i..]),
            None => (v, ""),
        };
        let mut parts = proto.splitn(3, '/');
        let name = parts.next().ok_or(bad)?.trim_matches(is_lws);
        let version = parts.next().ok_or(bad)?.trim_matches(is_lws);
        let rest = parts.next().ok_or(bad)?.trim_matches(is_lws);
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(bad);
        }
        let (transport, sent_by) = rest.split_once(is_lws).ok_or(bad)?;
        if !is_token(transport) {
            return Err(bad);
        }
        let sent_by = sent_by.trim_matches(is_lws);
        let (host, port) = split_host_port(sent_by).ok_or(bad)?;
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|_| p.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or(Problem::OutOfRange("Via port"))?,
            ),
        };
        Ok(Via {
            transport: Transport::from_token(transport),
            host: host.to_owned(),
            port,
            params: Params::parse(params, "Via")?,
        })
    }

    /// The branch parameter, the transaction id.
    pub fn branch(&self) -> Option<Branch> {
        self.params.value("branch").map(Branch::new)
    }

    /// `host[:port]` as written, for sent-by comparison (§17.2.3).
    pub fn sent_by(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host.to_ascii_lowercase()),
            None => self.host.to_ascii_lowercase(),
        }
    }
}

/// Splits `host[:port]`, tolerating LWS around the colon; IPv6 references stay bracketed.
pub(crate) fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']')?;
        let rest = s[end + 1..].trim_matches(is_lws);
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(p.trim_matches(is_lws)),
            None if rest.is_empty() => None,
            None => return None,
        };
        (&s[..=end], port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h.trim_matches(is_lws), Some(p.trim_matches(is_lws))),
            None => (s, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)));
    host_ok.then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_addr_forms() {
        let n = NameAddr::parse(r#""J \"R\"" <sip:j@example.com;lr>;tag=1"#, "From").unwrap();
        assert_eq!(n.uri, "sip:j@example.com;lr");
        assert_eq!(n.tag(), Some("1"));
        let n = NameAddr::parse("sip:a@b ;  tag = x", "To").unwrap();
        assert_eq!((n.uri.as_str(), n.tag()), ("sip:a@b", Some("x")));
        let n = NameAddr::parse("caller<sip:caller@example.com>;tag=323", "From").unwrap();
        assert_eq!(n.display.as_deref(), Some("caller"));
        assert!(NameAddr::parse(r#""open <sip:a@b>"#, "To").is_err());
        assert!(NameAddr::parse("< sip:a@b >", "To").is_err());
        assert!(NameAddr::parse("sip:a@b?Route=x", "Contact").is_err());
    }

    #[test]
    fn via_with_lws_and_params() {
        let v = Via::parse("SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.host, "192.0.2.2");
        assert_eq!(v.branch().unwrap().as_str(), "390skdjuw");
        let v = Via::parse("SIP/2.0/TCP [2001:db8::9:1]:5061;rport").unwrap();
        assert_eq!((v.host.as_str(), v.port), ("[2001:db8::9:1]", Some(5061)));
        assert_eq!(v.params.get("rport"), Some(None));
        assert_eq!(
            Via::parse("SIP/2.0/UDP h:70000"),
            Err(Problem::OutOfRange("Via port"))
        );
    }

    #[test]
    fn lists_respect_quotes_and_angles() {
        let l = split_list(r#""a,b" <sip:x@y;p=1,2>, <sip:z@w>"#, "Contact").unwrap();
        assert_eq!(l.len(), 2);
    }
}
