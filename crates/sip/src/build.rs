//! Building requests and responses. Builders write wire text and parse it back, so a built
//! message is held to the same checks as a received one and its [`Head`] always agrees
//! with its bytes.

use crate::error::{Error, Problem, Result};
use crate::message::{Message, Request, Response, header_values};
use crate::types::{Method, StatusCode, Tag};
use crate::wire::RawHeader;

/// A deterministic To-tag for responses sent without transaction state, so that
/// retransmitted requests get the same tag (RFC 3261 §8.2.6.2 permits this).
pub(crate) fn stateless_tag(call_id: &str, from: &str, via: &str) -> Tag {
    // FNV-1a: not security relevant, only stable and well spread.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in call_id
        .bytes()
        .chain([0])
        .chain(from.bytes())
        .chain([0])
        .chain(via.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Tag::new(format!("sy{h:016x}"))
}

fn allow_value() -> String {
    Method::ALL
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stateless error reply to a request that failed to parse, built from whatever header
/// lines could be read (§8.2.6: Via copied in order, From, To, Call-ID, CSeq). `None` when
/// there is no Via to send it to, or the request was an ACK (never answered).
pub(crate) fn stateless_reply(
    status: StatusCode,
    problem: Problem,
    headers: &[RawHeader],
) -> Option<Vec<u8>> {
    let get = |name: &'static str| headers.iter().filter(move |h| h.name == name);
    let first = |name: &'static str| get(name).next().map(|h| h.value.as_str());
    first("Via")?;
    if first("CSeq").is_some_and(|c| c.split_whitespace().nth(1) == Some("ACK")) {
        return None;
    }
    let mut out = format!("SIP/2.0 {status}\r\n");
    for h in get("Via") {
        out.push_str(&format!("Via: {}\r\n", h.value));
    }
    if let Some(from) = first("From") {
        out.push_str(&format!("From: {from}\r\n"));
    }
    if let Some(to) = first("To") {
        let has_tag = to.to_ascii_lowercase().contains("tag=");
        if has_tag {
            out.push_str(&format!("To: {to}\r\n"));
        } else {
            let tag = stateless_tag(
                first("Call-ID").unwrap_or_default(),
                first("From").unwrap_or_default(),
                first("Via").unwrap_or_default(),
            );
            out.push_str(&format!("To: {to};tag={tag}\r\n"));
        }
    }
    for name in ["Call-ID", "CSeq"] {
        if let Some(v) = first(name) {
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    if status == StatusCode::NOT_IMPLEMENTED {
        out.push_str(&format!("Allow: {}\r\n", allow_value()));
    }
    // Reason in a Warning-free way: the phrase says what was wrong, for humans reading traces.
    out.push_str(&format!(
        "Server: switchyard ({problem})\r\nContent-Length: 0\r\n\r\n"
    ));
    Some(out.into_bytes())
}

fn serialize(start: String, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = start;
    for (n, v) in headers {
        out.push_str(n);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Builds a response to a request (§8.2.6).
#[derive(Debug, Clone)]
pub struct ResponseBuilder {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    // Where the To value ended before a default (stateless) tag was appended, so that
    // `to_tag` replaces only that default, never a tag the request carried.
    default_tag_at: Option<usize>,
}

impl Request {
    /// Starts a response: Via values copied in order, From, To (with a To-tag added if the
    /// request had none and this is not a 100), Call-ID and CSeq copied.
    pub fn reply(&self, status: StatusCode) -> ResponseBuilder {
        let mut headers = Vec::new();
        let mut push = |name: &str| {
            for v in header_values(&self.inner.headers, name) {
                headers.push((name.to_owned(), v));
            }
        };
        push("Via");
        // §12.1.1: responses that can create a dialog carry the request's Record-Route.
        let dialog_creating = matches!(
            self.method,
            Method::Invite | Method::Subscribe | Method::Refer
        );
        if dialog_creating && status != StatusCode::TRYING && status.code() < 300 {
            push("Record-Route");
        }
        push("From");
        push("To");
        push("Call-ID");
        push("CSeq");
        let mut b = ResponseBuilder {
            status,
            headers,
            body: Vec::new(),
            default_tag_at: None,
        };
        if status != StatusCode::TRYING && self.head.to.tag().is_none() {
            let top = header_values(&self.inner.headers, "Via")
                .next()
                .unwrap_or_default();
            let from = self.head.from.tag().unwrap_or_default();
            let tag = stateless_tag(self.head.call_id.as_str(), from, &top);
            b = b.to_tag(&tag);
            b.default_tag_at = b
                .headers
                .iter()
                .find(|(n, _)| n == "To")
                .and_then(|(_, v)| v.rfind(";tag="));
        }
        b
    }
}

impl ResponseBuilder {
    /// Sets the To-tag: replaces the default one `reply` added; a tag the request already
    /// had (an in-dialog request) is kept.
    pub fn to_tag(mut self, tag: &Tag) -> Self {
        if let Some((_, to)) = self.headers.iter_mut().find(|(n, _)| n == "To") {
            if let Some(i) = self.default_tag_at.take() {
                to.truncate(i);
            }
            if !to.to_ascii_lowercase().contains("tag=") {
                to.push_str(";tag=");
                to.push_str(tag.as_str());
            }
        }
        self
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body and its Content-Type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body;
        self
    }

    /// Finishes the response; fails only if an added header value breaks the grammar.
    pub fn build(self) -> Result<Response> {
        let bytes = serialize(
            format!("SIP/2.0 {}\r\n", self.status),
            &self.headers,
            &self.body,
        );
        match Message::parse(&bytes) {
            Ok(Message::Response(r)) => Ok(r),
            _ => Err(Error::ApiMisuse("built response does not parse")),
        }
    }
}

/// Builds a request from its parts.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    method: Method,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RequestBuilder {
    /// A request with Max-Forwards 70 and no other header yet.
    pub fn new(method: Method, uri: impl Into<String>) -> Self {
        let headers = vec![("Max-Forwards".to_owned(), "70".to_owned())];
        RequestBuilder {
            method,
            uri: uri.into(),
            headers,
            body: Vec::new(),
        }
    }

    /// Adds a header line (Via, From, To, Call-ID, CSeq are mandatory before `build`).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body and its Content-Type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body;
        self
    }

    /// Finishes the request.
    pub fn build(self) -> Result<Request> {
        let start = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        match Message::parse(&serialize(start, &self.headers, &self.body)) {
            Ok(Message::Request(r)) => Ok(r),
            _ => Err(Error::ApiMisuse("built request does not parse")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(to: &str) -> Request {
        RequestBuilder::new(Method::Bye, "sip:a@192.0.2.1")
            .header("Via", "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb1")
            .header("From", "<sip:b@example.com>;tag=peer")
            .header("To", to)
            .header("Call-ID", "c1")
            .header("CSeq", "2 BYE")
            .build()
            .unwrap()
    }

    #[test]
    fn to_tag_replaces_only_the_default_tag() {
        let fresh = request("<sip:a@example.com>");
        let r = fresh
            .reply(StatusCode::OK)
            .to_tag(&Tag::new("mine"))
            .build()
            .unwrap();
        assert_eq!(r.head().to.tag(), Some("mine"));
        let default = fresh.reply(StatusCode::OK).build().unwrap();
        assert!(default.head().to.tag().is_some_and(|t| t.starts_with("sy")));
        // An in-dialog request already carries our tag (which may well start with "sy").
        let in_dialog = request("<sip:a@example.com>;tag=sy42");
        let r = in_dialog
            .reply(StatusCode::OK)
            .to_tag(&Tag::new("other"))
            .build()
            .unwrap();
        assert_eq!(r.head().to.tag(), Some("sy42"));
        assert_eq!(
            in_dialog
                .reply(StatusCode::TRYING)
                .build()
                .unwrap()
                .head()
                .to
                .tag(),
            Some("sy42")
        );
    }
}
