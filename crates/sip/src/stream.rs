//! Framing a byte stream (TCP, TLS) into messages, with the caps that keep one peer from
//! making us hold unbounded memory (RFC 3261 §18.3: on a stream Content-Length is
//! mandatory and is what delimits the body). Pure: the driver feeds its buffer in and
//! acts on the verdict; a verdict of [`StreamFrame::Close`] carries the stateless error
//! response (400, 413 or 513) to send before closing, when the message was a request.

use crate::build::stateless_reply;
use crate::error::Problem;
use crate::grammar::is_token;
use crate::types::StatusCode;
use crate::wire::{RawHeader, StartLine, canonical_name, find, parse_length, start_line};

/// Size caps for one message, on streams and datagrams alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageLimits {
    /// Most bytes of start line and headers, the empty line that ends them included.
    pub max_header_bytes: usize,
    /// Largest body (Content-Length) accepted.
    pub max_body_bytes: usize,
}

impl Default for MessageLimits {
    fn default() -> Self {
        // An INVITE with a rich SDP is a few KiB; 16 KiB of headers and 64 KiB of body
        // leave room for any real phone or trunk.
        MessageLimits {
            max_header_bytes: 16 * 1024,
            max_body_bytes: 64 * 1024,
        }
    }
}

/// Why a stream must be closed, and what to say first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What was wrong.
    pub problem: Problem,
    /// The status of the reply (400, 413 or 513).
    pub status: StatusCode,
    /// The stateless reply to send before closing (`None`: not a request, or no Via).
    pub reply: Option<Vec<u8>>,
}

/// How much of a stream buffer the next message takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamFrame {
    /// Keep-alive CRLFs to skip (§7.5, RFC 5626 §3.5.1).
    KeepAlive(usize),
    /// A whole message of this many bytes is at the front.
    Complete(usize),
    /// More bytes are needed.
    Incomplete,
    /// The stream cannot be resynchronized or the message is over a cap: send the reply
    /// if any, then close.
    Close(Rejection),
}

/// Frames the front of a stream buffer with the default [`MessageLimits`].
pub fn stream_frame(buf: &[u8]) -> StreamFrame {
    StreamFramer::new(MessageLimits::default()).next(buf)
}

/// Frames a stream buffer message after message. It remembers how far it has searched
/// for the end of the headers, so a peer sending a byte at a time costs linear work.
#[derive(Clone, Debug)]
pub struct StreamFramer {
    limits: MessageLimits,
    scanned: usize,
}

impl StreamFramer {
    /// A framer enforcing `limits`.
    pub fn new(limits: MessageLimits) -> StreamFramer {
        StreamFramer { limits, scanned: 0 }
    }

    /// What is at the front of `buf` (the bytes not yet consumed). After `KeepAlive(n)`
    /// or `Complete(n)` the caller drops `n` bytes from the front before calling again.
    pub fn next(&mut self, buf: &[u8]) -> StreamFrame {
        let verdict = self.frame(buf);
        if matches!(
            verdict,
            StreamFrame::KeepAlive(_) | StreamFrame::Complete(_)
        ) {
            self.scanned = 0;
        }
        verdict
    }

    fn frame(&mut self, buf: &[u8]) -> StreamFrame {
        let crlfs = buf
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        if crlfs > 0 {
            return StreamFrame::KeepAlive(crlfs);
        }
        let max = self.limits.max_header_bytes;
        let window = &buf[..buf.len().min(max)];
        // Resume 3 bytes back: the terminator may straddle the previous end.
        let from = self.scanned.saturating_sub(3).min(window.len());
        let Some(end) = find(&window[from..], b"\r\n\r\n").map(|i| i + from) else {
            self.scanned = window.len();
            return if buf.len() >= max {
                close(Problem::HeadersTooLarge, window)
            } else {
                StreamFrame::Incomplete
            };
        };
        let head = &buf[..end];
        let text = String::from_utf8_lossy(head);
        let mut length = None;
        for line in text.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim_end_matches([' ', '\t']);
            if !(name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l")) {
                continue;
            }
            if length.is_some() {
                return close(Problem::Duplicate("Content-Length"), head);
            }
            // A number too big for usize fails to parse: no arithmetic ever sees it.
            match parse_length(value.trim()) {
                Some(n) => length = Some(n),
                None => return close(Problem::BadContentLength, head),
            }
        }
        let Some(length) = length else {
            return close(Problem::Missing("Content-Length"), head);
        };
        if length > self.limits.max_body_bytes {
            return close(Problem::BodyTooLarge, head);
        }
        match end.checked_add(4).and_then(|h| h.checked_add(length)) {
            Some(total) if buf.len() >= total => StreamFrame::Complete(total),
            Some(_) => StreamFrame::Incomplete,
            None => close(Problem::BadContentLength, head),
        }
    }
}

/// Whether a datagram is within `limits` (over them it is dropped unparsed).
pub fn datagram_within(bytes: &[u8], limits: &MessageLimits) -> Result<(), Problem> {
    let max = limits.max_header_bytes;
    let window = &bytes[..bytes.len().min(max)];
    let body = match find(window, b"\r\n\r\n") {
        Some(end) => bytes.len().saturating_sub(end.saturating_add(4)),
        None if bytes.len() > max => return Err(Problem::HeadersTooLarge),
        None => 0,
    };
    if body > limits.max_body_bytes {
        return Err(Problem::BodyTooLarge);
    }
    Ok(())
}

fn close(problem: Problem, head: &[u8]) -> StreamFrame {
    let status = match problem {
        Problem::BodyTooLarge => StatusCode::REQUEST_ENTITY_TOO_LARGE,
        Problem::HeadersTooLarge => StatusCode::MESSAGE_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let text = String::from_utf8_lossy(head);
    // Only whole lines: a header section cut at the cap ends in a partial one.
    let whole = match text.rfind("\r\n") {
        Some(i) if problem == Problem::HeadersTooLarge => &text[..i],
        _ => &text[..],
    };
    let mut lines = whole.split("\r\n");
    let is_request = matches!(
        start_line(lines.next().unwrap_or_default()),
        Ok(StartLine::Request { .. }) | Err(Some(_))
    );
    let reply = if is_request {
        stateless_reply(status, problem, &lenient_headers(lines))
    } else {
        None
    };
    StreamFrame::Close(Rejection {
        problem,
        status,
        reply,
    })
}

/// The readable header lines, skipping bad ones: enough to address a reply.
fn lenient_headers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<RawHeader> {
    lines
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim_end_matches([' ', '\t']), v))
        .filter(|(n, _)| is_token(n))
        .map(|(n, v)| RawHeader {
            name: canonical_name(n),
            value: v.trim_matches([' ', '\t']).to_owned(),
        })
        .collect()
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
