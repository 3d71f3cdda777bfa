//! The crate's one error type, split by who is at fault (as rustls does).
//!
//! A peer that sends something malformed gets a reply or silence, never a crash: every
//! parse failure says which ([`Error::disposition`]). A caller that misuses the API gets
//! [`Error::ApiMisuse`], which is a bug in the caller.

use crate::types::StatusCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is wrong with a message a peer sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The start line is neither a request line nor a status line.
    #[error("not a SIP start line")]
    NotSip,
    /// The request line has extra, missing or misplaced spaces, or a bad Request-URI.
    #[error("malformed request line")]
    BadRequestLine,
    /// A status line whose code is not three digits in 100..=699.
    #[error("malformed status line")]
    BadStatusLine,
    /// A SIP version other than 2.0.
    #[error("unsupported SIP version")]
    BadVersion,
    /// A syntactically valid method this stack does not implement.
    #[error("unknown method")]
    UnknownMethod,
    /// No empty line ends the header section.
    #[error("header section not terminated")]
    Unterminated,
    /// The header section is not UTF-8.
    #[error("header section is not UTF-8")]
    NotUtf8,
    /// A header line without a colon or with a bad name.
    #[error("malformed header line")]
    BadHeaderLine,
    /// A mandatory header is absent.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// A single-valued header appears more than once.
    #[error("more than one {0} header")]
    Duplicate(&'static str),
    /// A header's value does not follow its grammar.
    #[error("malformed {0} header")]
    BadHeader(&'static str),
    /// A scalar is out of its legal range (CSeq >= 2^31, Max-Forwards > 255, port > 65535).
    #[error("{0} value out of range")]
    OutOfRange(&'static str),
    /// The CSeq method differs from the request method.
    #[error("CSeq method does not match the request method")]
    CseqMismatch,
    /// Content-Length is negative, not a number, or larger than the body.
    #[error("bad Content-Length")]
    BadContentLength,
    /// A Request-URI scheme other than sip, sips or tel (answered 416).
    #[error("unsupported Request-URI scheme")]
    UnsupportedScheme,
    /// The body (Content-Length) is over the configured cap (answered 413).
    #[error("body over the size limit")]
    BodyTooLarge,
    /// The header section is over the configured cap (answered 513).
    #[error("header section over the size limit")]
    HeadersTooLarge,
    /// Well-formed per RFC 3261 but beyond what the underlying rsip parser accepts.
    #[error("message not representable by the underlying parser")]
    Unrepresentable,
}

/// What the transport should do with a message that failed to parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Send these bytes back to the source (a stateless error response).
    Reply(StatusCode, Vec<u8>),
    /// Discard silently (RFC 3261 §18.3 / §18.1.2: unparseable requests, bad responses).
    Drop,
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A peer sent a malformed request that can be answered.
    #[error("request rejected with {status}: {problem}")]
    Rejected {
        /// What was wrong.
        problem: Problem,
        /// The status of the reply.
        status: StatusCode,
        /// The serialized stateless reply (Via, From, To, Call-ID, CSeq copied).
        reply: Vec<u8>,
    },
    /// A peer sent something that must be dropped without reply.
    #[error("message dropped: {0}")]
    Dropped(Problem),
    /// A peer's SDP offer or answer is unusable.
    #[error("unusable SDP: {0}")]
    BadSdp(&'static str),
    /// The caller used the API wrongly (a bug in the caller).
    #[error("API misuse: {0}")]
    ApiMisuse(&'static str),
    /// An I/O error in a driver (the environment's fault).
    #[error("transport I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// What to do with the offending message.
    pub fn disposition(&self) -> Disposition {
        match self {
            Error::Rejected { status, reply, .. } => Disposition::Reply(*status, reply.clone()),
            _ => Disposition::Drop,
        }
    }

    /// The malformation behind a parse failure.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Error::Rejected { problem, .. } | Error::Dropped(problem) => Some(*problem),
            _ => None,
        }
    }
}
