//! Parsed SIP messages. rsip holds the message (start line, headers, body); [`Head`] holds
//! the fields the transaction layer, dialogs and the registrar need, parsed and validated.
//! rsip types never leave this module and `build`.

use crate::error::{Error, Problem, Result};
use crate::grammar::{NameAddr, Via, split_list};
use crate::types::{CallId, Method, StatusCode};
use crate::wire::{Frame, RawHeader, StartLine, frame};

/// The headers every request and response must carry, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Via values, topmost first.
    pub vias: Vec<Via>,
    /// From.
    pub from: NameAddr,
    /// To.
    pub to: NameAddr,
    /// Call-ID.
    pub call_id: CallId,
    /// CSeq sequence number (< 2^31).
    pub cseq: u32,
    /// CSeq method.
    pub cseq_method: Method,
    /// Max-Forwards, if present (RFC 2543 peers omit it).
    pub max_forwards: Option<u8>,
}

impl Head {
    /// The topmost Via (there is always one).
    pub fn top_via(&self) -> &Via {
        &self.vias[0]
    }

    fn extract(frame: &Frame, method: Option<Method>) -> Result<Head, Problem> {
        let single = |name: &'static str| -> Result<&str, Problem> {
            let mut it = frame.values(name);
            match (it.next(), it.next()) {
                (Some(v), None) => Ok(v),
                (None, _) => Err(Problem::Missing(name)),
                (Some(_), Some(_)) => Err(Problem::Duplicate(name)),
            }
        };
        let mut vias = Vec::new();
        for value in frame.values("Via") {
            for v in split_list(value, "Via")? {
                vias.push(Via::parse(v)?);
            }
        }
        if vias.is_empty() {
            return Err(Problem::Missing("Via"));
        }
        let from = NameAddr::parse(single("From")?, "From")?;
        let to = NameAddr::parse(single("To")?, "To")?;
        let call_id = single("Call-ID")?;
        if call_id.is_empty() || call_id.contains([' ', '\t']) {
            return Err(Problem::BadHeader("Call-ID"));
        }
        let cseq = single("CSeq")?;
        let (num, cseq_method) = cseq
            .split_once([' ', '\t'])
            .ok_or(Problem::BadHeader("CSeq"))?;
        let cseq_method = cseq_method.trim_matches([' ', '\t']);
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::BadHeader("CSeq"));
        }
        // §8.1.1.5: the sequence number MUST be below 2^31.
        let num = num
            .parse::<u32>()
            .ok()
            .filter(|n| *n < 1 << 31)
            .ok_or(Problem::OutOfRange("CSeq"))?;
        let cseq_method = match method {
            Some(m) if m.as_str() == cseq_method => m,
            Some(_) => return Err(Problem::CseqMismatch),
            None => Method::from_wire(cseq_method).ok_or(Problem::BadHeader("CSeq"))?,
        };
        let max_forwards = match frame.values("Max-Forwards").collect::<Vec<_>>()[..] {
            [] => None,
            [v] if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Some(
                v.parse::<u8>()
                    .map_err(|_| Problem::OutOfRange("Max-Forwards"))?,
            ),
            [_] => return Err(Problem::BadHeader("Max-Forwards")),
            _ => return Err(Problem::Duplicate("Max-Forwards")),
        };
        Ok(Head {
            vias,
            from,
            to,
            call_id: CallId::new(call_id),
            cseq: num,
            cseq_method,
            max_forwards,
        })
    }
}

/// A SIP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) uri: String,
    pub(crate) head: Head,
    pub(crate) inner: rsip::Request,
}

/// A SIP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) head: Head,
    pub(crate) inner: rsip::Response,
}

/// A request or a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses one datagram or one delimited stream message.
    ///
    /// Errors say what to do ([`Error::disposition`]): a malformed request that can be
    /// answered yields [`Error::Rejected`] with a ready stateless reply (400, 501 or 505);
    /// junk and malformed responses yield [`Error::Dropped`].
    pub fn parse(bytes: &[u8]) -> Result<Message> {
        let frame = frame(bytes).map_err(|e| match e.request_headers {
            Some(headers) => reject(e.problem, &headers),
            None => Error::Dropped(e.problem),
        })?;
        match frame.start.clone() {
            StartLine::Request { method, uri } => {
                let Some(method) = Method::from_wire(&method) else {
                    return Err(reject(Problem::UnknownMethod, &frame.headers));
                };
                let head =
                    Head::extract(&frame, Some(method)).map_err(|p| reject(p, &frame.headers))?;
                let scheme = uri
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if !matches!(scheme.as_str(), "sip" | "sips" | "tel") {
                    return Err(reject(Problem::UnsupportedScheme, &frame.headers));
                }
                // Contacts are validated here so a bad one is a 400 wherever it is used.
                for value in frame.values("Contact") {
                    for c in split_list(value, "Contact").map_err(|p| reject(p, &frame.headers))? {
                        if c != "*" {
                            NameAddr::parse(c, "Contact").map_err(|p| reject(p, &frame.headers))?;
                        }
                    }
                }
                // RFC 4475 escruri: a SIP Request-URI must not carry escaped headers.
                if crate::uri::SipUri::parse(&uri).is_some_and(|u| u.has_headers) {
                    return Err(reject(Problem::BadRequestLine, &frame.headers));
                }
                let inner = to_rsip(&frame)
                    .and_then(|m| rsip::Request::try_from(m).ok())
                    .ok_or_else(|| reject(Problem::Unrepresentable, &frame.headers))?;
                Ok(Message::Request(Request {
                    method,
                    uri,
                    head,
                    inner,
                }))
            }
            StartLine::Response { code, .. } => {
                let status = StatusCode::new(code).ok_or(Error::Dropped(Problem::BadStatusLine))?;
                let head = Head::extract(&frame, None).map_err(Error::Dropped)?;
                let inner = to_rsip(&frame)
                    .and_then(|m| rsip::Response::try_from(m).ok())
                    .ok_or(Error::Dropped(Problem::Unrepresentable))?;
                Ok(Message::Response(Response {
                    status,
                    head,
                    inner,
                }))
            }
        }
    }

    /// The validated mandatory headers.
    pub fn head(&self) -> &Head {
        match self {
            Message::Request(r) => &r.head,
            Message::Response(r) => &r.head,
        }
    }

    /// Serializes for sending.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

fn reject(problem: Problem, headers: &[RawHeader]) -> Error {
    let status = match problem {
        Problem::UnknownMethod => StatusCode::NOT_IMPLEMENTED,
        Problem::BadVersion => StatusCode::VERSION_NOT_SUPPORTED,
        Problem::UnsupportedScheme => StatusCode::UNSUPPORTED_URI_SCHEME,
        _ => StatusCode::BAD_REQUEST,
    };
    match crate::build::stateless_reply(status, problem, headers) {
        Some(reply) => Error::Rejected {
            problem,
            status,
            reply,
        },
        None => Error::Dropped(problem),
    }
}

/// Hands the normalized message to rsip: plain `Name: value` lines, body cut to length.
fn to_rsip(frame: &Frame) -> Option<rsip::SipMessage> {
    let mut text = match &frame.start {
        StartLine::Request { method, uri } => format!("{method} {uri} SIP/2.0\r\n"),
        StartLine::Response { code, reason } => format!("SIP/2.0 {code} {reason}\r\n"),
    };
    for h in &frame.headers {
        text.push_str(&h.name);
        text.push_str(": ");
        text.push_str(&h.value);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&frame.body);
    rsip::SipMessage::try_from(bytes.as_slice()).ok()
}

pub(crate) fn header_values<'a>(
    headers: &'a rsip::Headers,
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    headers.iter().filter_map(move |h| {
        let (n, v) = crate::header_name::name_value(h);
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

pub(crate) fn write_message(start: String, headers: &rsip::Headers, body: &[u8]) -> Vec<u8> {
    let mut out = start.into_bytes();
    for h in headers.iter() {
        let (name, value) = crate::header_name::name_value(h);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

impl Request {
    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }
    /// The Request-URI as written.
    pub fn uri(&self) -> &str {
        &self.uri
    }
    /// The validated mandatory headers.
    pub fn head(&self) -> &Head {
        &self.head
    }
    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }
    /// All values of a header (comma-lists not split), by canonical name.
    pub fn header(&self, name: &str) -> Vec<String> {
        header_values(&self.inner.headers, name).collect()
    }
    /// Serializes for sending (the body byte-exact, unlike rsip's lossy Display).
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        write_message(start, &self.inner.headers, &self.inner.body)
    }
}

impl Response {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The validated mandatory headers.
    pub fn head(&self) -> &Head {
        &self.head
    }
    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }
    /// All values of a header, by canonical name.
    pub fn header(&self, name: &str) -> Vec<String> {
        header_values(&self.inner.headers, name).collect()
    }
    /// Serializes for sending.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("SIP/2.0 {}\r\n", self.status);
        write_message(start, &self.inner.headers, &self.inner.body)
    }
}
