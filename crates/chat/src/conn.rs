//! A protocol connection over any `Stream` of inbound frames and `Sink` of outbound
//! frames: the sessions never see a socket, so they are tested over channels.
//!
//! The connection enforces the input rules every session shares: a size limit per
//! frame, text only, and a per-socket rate limit (token bucket). Violations become an
//! `error` message, or a close with a reason code when they go on.

use crate::error::{Error, ErrorCode, close};
use crate::proto::{ErrorMsg, encode};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

/// One frame from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A text frame.
    Text(String),
    /// A binary frame (not part of the protocol), with its length.
    Binary(usize),
}

/// One frame to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// A text frame (one JSON message).
    Text(String),
    /// Close the socket with a code and reason.
    Close(u16, String),
}

/// Input limits of one socket.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted frame, bytes.
    pub max_frame: usize,
    /// Messages allowed in a burst.
    pub burst: u32,
    /// Sustained messages per second.
    pub per_second: u32,
    /// Rate-limited messages in a row before the socket is closed.
    pub max_strikes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: 16 * 1024,
            burst: 40,
            per_second: 20,
            max_strikes: 50,
        }
    }
}

/// A token bucket on tokio's clock (paused in tests).
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// What the session gets from [`Conn::recv`].
#[derive(Debug)]
pub enum Recv {
    /// A text frame that passed the checks.
    Text(String),
    /// The client went away (or was closed for a violation).
    Closed,
}

/// A checked, rate-limited protocol connection.
#[derive(Debug)]
pub struct Conn<S, K> {
    stream: S,
    sink: K,
    limits: Limits,
    bucket: Bucket,
    strikes: u32,
    closed: bool,
}

impl<S, K> Conn<S, K>
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    /// Wraps a stream and a sink.
    pub fn new(stream: S, sink: K, limits: Limits) -> Self {
        Conn {
            stream,
            sink,
            limits,
            bucket: Bucket {
                tokens: f64::from(limits.burst),
                last: Instant::now(),
            },
            strikes: 0,
            closed: false,
        }
    }

    /// The next acceptable text frame. Oversized frames close the socket (1009);
    /// binary frames and floods get an `error`, and a close (1008) if they go on.
    pub async fn recv(&mut self) -> Recv {
        loop {
            if self.closed {
                return Recv::Closed;
            }
            let Some(frame) = self.stream.next().await else {
                self.closed = true;
                return Recv::Closed;
            };
            let len = match &frame {
                Inbound::Text(t) => t.len(),
                Inbound::Binary(n) => *n,
            };
            if len > self.limits.max_frame {
                let reason = format!("frame larger than {} bytes", self.limits.max_frame);
                self.close(close::TOO_BIG, &reason).await;
                return Recv::Closed;
            }
            if !self.take_token() {
                self.strikes += 1;
                if self.strikes >= self.limits.max_strikes {
                    self.close(close::POLICY, "flooding").await;
                    return Recv::Closed;
                }
                if self.strikes == 1 || self.strikes.is_multiple_of(10) {
                    let e = Error::peer(ErrorCode::RateLimited, "too many messages; dropped");
                    self.send_error(&e, None).await;
                }
                continue;
            }
            self.strikes = 0;
            match frame {
                Inbound::Text(t) => return Recv::Text(t),
                Inbound::Binary(_) => {
                    let e = Error::peer(ErrorCode::BinaryNotSupported, "text frames only");
                    self.send_error(&e, None).await;
                }
            }
        }
    }

    fn take_token(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.bucket.last).as_secs_f64();
        self.bucket.last = now;
        self.bucket.tokens = (self.bucket.tokens + elapsed * f64::from(self.limits.per_second))
            .min(f64::from(self.limits.burst));
        if self.bucket.tokens >= 1.0 {
            self.bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Sends one server message. A failed send means the client is gone.
    pub async fn send<T: Serialize>(&mut self, msg: &T) {
        if self.closed {
            return;
        }
        if self.sink.send(Outbound::Text(encode(msg))).await.is_err() {
            self.closed = true;
        }
    }

    /// Sends an `error` message.
    pub async fn send_error(&mut self, e: &Error, about: Option<&str>) {
        self.send(&ErrorMsg::from_error(e, about)).await;
    }

    /// Closes with a code and reason; later sends are dropped.
    ///
    /// Unread input is drained for a moment first: a TCP close with unread data in the
    /// receive buffer is a reset, and the peer would then see 1006 instead of our code.
    pub async fn close(&mut self, code: u16, reason: &str) {
        if !self.closed {
            let _ = self.sink.send(Outbound::Close(code, reason.into())).await;
            let drain = async { while self.stream.next().await.is_some() {} };
            let _ = tokio::time::timeout(CLOSE_DRAIN, drain).await;
            let _ = self.sink.close().await;
            self.closed = true;
        }
    }

    /// Whether the connection is finished.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// How long unread input is drained after sending a close frame.
const CLOSE_DRAIN: Duration = Duration::from_millis(500);

/// How long a client has to send its first (identifying) message.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;
    use futures_channel::mpsc;

    type TestConn = Conn<mpsc::UnboundedReceiver<Inbound>, mpsc::UnboundedSender<Outbound>>;

    fn conn() -> (
        mpsc::UnboundedSender<Inbound>,
        mpsc::UnboundedReceiver<Outbound>,
        TestConn,
    ) {
        let (in_tx, in_rx) = mpsc::unbounded();
        let (out_tx, out_rx) = mpsc::unbounded();
        (in_tx, out_rx, Conn::new(in_rx, out_tx, Limits::default()))
    }

    #[tokio::test(start_paused = true)]
    async fn oversized_frame_closes_with_1009() {
        let (tx, mut out, mut c) = conn();
        tx.unbounded_send(Inbound::Text("x".repeat(17 * 1024)))
            .unwrap();
        assert!(matches!(c.recv().await, Recv::Closed));
        assert!(matches!(out.next().await, Some(Outbound::Close(1009, _))));
    }

    #[tokio::test(start_paused = true)]
    async fn flooding_is_limited_then_closed() {
        let (tx, mut out, mut c) = conn();
        for _ in 0..200 {
            tx.unbounded_send(Inbound::Text("{}".into())).unwrap();
        }
        for _ in 0..40 {
            assert!(matches!(c.recv().await, Recv::Text(_)));
        }
        // The burst is spent: the rest is dropped with an error, then the socket closes.
        assert!(matches!(c.recv().await, Recv::Closed));
        let first = out.next().await.unwrap();
        assert!(matches!(first, Outbound::Text(ref t) if t.contains("rate_limited")));
        let mut last = first;
        while let Ok(m) = out.try_recv() {
            last = m;
        }
        assert!(matches!(last, Outbound::Close(1008, _)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_over_time() {
        let (tx, _out, mut c) = conn();
        for _ in 0..40 {
            tx.unbounded_send(Inbound::Text("{}".into())).unwrap();
            assert!(matches!(c.recv().await, Recv::Text(_)));
        }
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..20 {
            tx.unbounded_send(Inbound::Text("{}".into())).unwrap();
            assert!(matches!(c.recv().await, Recv::Text(_)));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn binary_frames_get_an_error() {
        let (tx, mut out, mut c) = conn();
        tx.unbounded_send(Inbound::Binary(10)).unwrap();
        tx.unbounded_send(Inbound::Text("ok".into())).unwrap();
        assert!(matches!(c.recv().await, Recv::Text(t) if t == "ok"));
        let m = out.next().await.unwrap();
        assert!(matches!(m, Outbound::Text(ref t) if t.contains("binary_not_supported")));
    }
}
