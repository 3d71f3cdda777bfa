//! Framing of one message from bytes (RFC 3261 §7, §18.3), before any header is interpreted:
//! start line, unfolded header lines with canonical names, and the body cut at Content-Length.
//!
//! This layer exists because rsip 0.4 reads neither folded lines, compact header names, LWS
//! before the colon nor Content-Length; normalising here lets rsip see only plain
//! `Name: value` lines, and lets us answer 400 to requests rsip could not even tokenize.

use crate::error::Problem;
use crate::grammar::is_token;

/// The first line of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StartLine {
    Request { method: String, uri: String },
    Response { code: u16, reason: String },
}

/// One unfolded header line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawHeader {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// A framed message: nothing interpreted yet beyond the start line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) start: StartLine,
    pub(crate) headers: Vec<RawHeader>,
    pub(crate) body: Vec<u8>,
}

impl Frame {
    pub(crate) fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name == name)
            .map(|h| h.value.as_str())
    }
}

/// Why framing failed: the problem, and whether the message looked like a request
/// (then its headers, as far as they could be read, to build a stateless reply).
#[derive(Debug)]
pub(crate) struct FrameError {
    pub(crate) problem: Problem,
    pub(crate) request_headers: Option<Vec<RawHeader>>,
}

const COMPACT: &[(&str, &str)] = &[
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("e", "Content-Encoding"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("f", "From"),
    ("s", "Subject"),
    ("k", "Supported"),
    ("t", "To"),
    ("v", "Via"),
    ("o", "Event"),
    ("u", "Allow-Events"),
    ("r", "Refer-To"),
    ("b", "Referred-By"),
    ("x", "Session-Expires"),
];

const CANONICAL: &[&str] = &[
    "Accept",
    "Allow",
    "Authorization",
    "Call-ID",
    "Contact",
    "Content-Length",
    "Content-Type",
    "CSeq",
    "Date",
    "Expires",
    "From",
    "Max-Forwards",
    "Min-Expires",
    "Proxy-Authorization",
    "Proxy-Require",
    "Record-Route",
    "Require",
    "Route",
    "Server",
    "Subject",
    "Supported",
    "To",
    "User-Agent",
    "Via",
    "WWW-Authenticate",
    "Content-Encoding",
    "Event",
    "Allow-Events",
    "Refer-To",
    "Referred-By",
    "Session-Expires",
    "Retry-After",
    "Unsupported",
    "Warning",
    "Timestamp",
    "Authentication-Info",
];

/// Canonical spelling of a header name: compact forms expanded, known names re-cased.
pub(crate) fn canonical_name(name: &str) -> String {
    if let Some((_, long)) = COMPACT.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)) {
        return (*long).to_owned();
    }
    match CANONICAL.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        Some(c) => (*c).to_owned(),
        None => name.to_owned(),
    }
}

/// Frames one datagram (or one already-delimited stream message).
pub(crate) fn frame(bytes: &[u8]) -> Result<Frame, FrameError> {
    let drop = |problem| FrameError {
        problem,
        request_headers: None,
    };
    // §7.5: CRLFs before the start line are keep-alives, not part of the message.
    let mut bytes = bytes;
    while let Some(rest) = bytes.strip_prefix(b"\r\n") {
        bytes = rest;
    }
    let head_end = find(bytes, b"\r\n\r\n");
    // A datagram whose last header line ends in CRLF but lacks the empty line is framed by
    // the datagram itself (RFC 4475's archive has two such messages: baddn, inv2543).
    let unterminated_but_complete = head_end.is_none() && bytes.ends_with(b"\r\n");
    let (head, rest) = match head_end {
        Some(i) => (&bytes[..i], &bytes[i + 4..]),
        None if unterminated_but_complete => (&bytes[..bytes.len() - 2], &[][..]),
        None => (bytes, &[][..]),
    };
    let head = std::str::from_utf8(head).map_err(|_| drop(Problem::NotUtf8))?;
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let start = start_line(first);
    let looks_like_request = matches!(start, Err(Some(_)) | Ok(StartLine::Request { .. }));
    let headers = header_lines(lines);
    let reject = |problem, headers: Option<Vec<RawHeader>>| FrameError {
        problem,
        request_headers: if looks_like_request { headers } else { None },
    };
    let headers = match headers {
        Ok(h) => h,
        Err(p) => return Err(reject(p, None)),
    };
    let start = match start {
        Ok(s) => s,
        Err(Some(p)) => return Err(reject(p, Some(headers))),
        Err(None) => return Err(drop(Problem::NotSip)),
    };
    if head_end.is_none() && !unterminated_but_complete {
        return Err(reject(Problem::Unterminated, Some(headers)));
    }
    let mut lengths = headers.iter().filter(|h| h.name == "Content-Length");
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => None,
        (Some(h), None) => match parse_length(&h.value) {
            Some(n) => Some(n),
            None => return Err(reject(Problem::BadContentLength, Some(headers))),
        },
        (Some(_), Some(_)) => {
            return Err(reject(Problem::Duplicate("Content-Length"), Some(headers)));
        }
    };
    // §18.3: over a datagram, octets beyond Content-Length are discarded; fewer is an error.
    let body = match length {
        Some(n) if n > rest.len() => {
            return Err(reject(Problem::BadContentLength, Some(headers)));
        }
        Some(n) => rest[..n].to_vec(),
        None => rest.to_vec(),
    };
    Ok(Frame {
        start,
        headers,
        body,
    })
}

pub(crate) fn parse_length(v: &str) -> Option<usize> {
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.parse().ok())?
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `Err(Some(_))`: a request line with a problem (answerable); `Err(None)`: not SIP.
pub(crate) fn start_line(line: &str) -> Result<StartLine, Option<Problem>> {
    if let Some(rest) = line.strip_prefix("SIP/") {
        let (version, rest) = rest.split_once(' ').ok_or(None)?;
        if version != "2.0" {
            return Err(None);
        }
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let ok = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
        let code: u16 = if ok {
            code.parse().map_err(|_| None)?
        } else {
            return Err(None);
        };
        if !(100..=699).contains(&code) {
            return Err(None);
        }
        return Ok(StartLine::Response {
            code,
            reason: reason.to_owned(),
        });
    }
    // A request line ends in a SIP-Version and starts with a method token; anything
    // else is noise to drop. Between them, exactly one SP on each side of the URI.
    let Some((method, _)) = line.split_once(' ') else {
        return Err(None);
    };
    let Some((before, version)) = line.rsplit_once(' ') else {
        return Err(None);
    };
    // `get`: the last word may start with a multi-byte character (found by fuzzing).
    let looks_versioned = version.len() > 4
        && version.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/")
        && version[4..].split('.').count() == 2
        && version[4..]
            .split('.')
            .all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if !is_token(method) || !looks_versioned {
        // `OPTIONS sip:x SIP/2.0  ` (trailing SP) still reads as a request to reject.
        return Err(line
            .trim_end()
            .ends_with("SIP/2.0")
            .then_some(Problem::BadRequestLine));
    }
    let uri = &before[method.len()..];
    let uri = uri.strip_prefix(' ').ok_or(Some(Problem::BadRequestLine))?;
    if uri.is_empty() || uri.contains(' ') || !crate::grammar::is_uri(uri) {
        return Err(Some(Problem::BadRequestLine));
    }
    if &version[4..] != "2.0" {
        return Err(Some(Problem::BadVersion));
    }
    Ok(StartLine::Request {
        method: method.to_owned(),
        uri: uri.to_owned(),
    })
}

fn header_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<RawHeader>, Problem> {
    let mut headers: Vec<RawHeader> = Vec::new();
    for line in lines {
        // A bare CR or LF is no line end and no header text (§25.1); kept, it would be
        // echoed into stateless replies as an injected line (found by fuzzing).
        if line.contains(['\r', '\n']) {
            return Err(Problem::BadHeaderLine);
        }
        if line.starts_with([' ', '\t']) {
            // §7.3.1: a folded line continues the previous value; the fold is one SP.
            let last = headers.last_mut().ok_or(Problem::BadHeaderLine)?;
            let cont = line.trim_matches([' ', '\t']);
            if !cont.is_empty() {
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(cont);
            }
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(Problem::BadHeaderLine)?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(Problem::BadHeaderLine);
        }
        headers.push(RawHeader {
            name: canonical_name(name),
            value: value.trim_matches([' ', '\t']).to_owned(),
        });
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_and_expands_compact_names() {
        let f = frame(
            b"OPTIONS sip:a@b SIP/2.0\r\nv : SIP/2.0/UDP h\r\n ;branch=z9hG4bK1\r\nl: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            f.values("Via").collect::<Vec<_>>(),
            ["SIP/2.0/UDP h ;branch=z9hG4bK1"]
        );
        assert!(f.body.is_empty());
    }

    #[test]
    fn bare_cr_or_lf_in_a_header_is_malformed() {
        for msg in [
            &b"OPTIONS sip:a@b SIP/2.0\r\nVia: \nSIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"[..],
            b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: x\ry\r\n\r\n",
        ] {
            let e = frame(msg).unwrap_err();
            assert_eq!(e.problem, Problem::BadHeaderLine);
            assert!(e.request_headers.is_none(), "nothing to echo");
        }
    }

    #[test]
    fn start_line_problems() {
        assert_eq!(
            start_line("INVITE  sip:a@b SIP/2.0"),
            Err(Some(Problem::BadRequestLine))
        );
        assert_eq!(
            start_line("INVITE sip:a@b SIP/7.0"),
            Err(Some(Problem::BadVersion))
        );
        assert_eq!(start_line("hello world"), Err(None));
        // A multibyte character where the version's slash should be is no panic.
        assert_eq!(start_line("OPTIONS sip:a@b SIP\u{fffd}2.0"), Err(None));
        assert_eq!(start_line("OPTIONS sip\u{c5}ser"), Err(None));
        assert_eq!(start_line("X \u{e9}\u{e9}\u{e9}"), Err(None));
        assert_eq!(start_line("SIP/2.0 4294967301 big"), Err(None));
        assert!(matches!(
            start_line("SIP/2.0 100 "),
            Ok(StartLine::Response { code: 100, .. })
        ));
    }
}
