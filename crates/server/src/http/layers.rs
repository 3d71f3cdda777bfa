//! Request limits as middleware: the head size (431) and the body deadline (408),
//! both answered as problem documents.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use switchyard_api::problem;
use tokio::time::Sleep;

/// Limits the middleware applies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestLimits {
    pub(crate) max_header_bytes: usize,
    pub(crate) body_timeout: Duration,
}

/// Bytes of the request line and headers as sent (near enough: `name: value\r\n`).
fn head_size(req: &Request) -> usize {
    let line = req.method().as_str().len() + req.uri().to_string().len() + 12;
    req.headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + line
}

/// Middleware: 431 for a head over the limit; 408 (and the connection closed) for a
/// body not received within the deadline.
pub(crate) async fn limit_requests(
    State(l): State<RequestLimits>,
    req: Request,
    next: Next,
) -> Response {
    if head_size(&req) > l.max_header_bytes {
        metrics::counter!("switchyard_http_refused_total", "reason" => "header_too_large")
            .increment(1);
        return close(problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("request headers larger than {} bytes", l.max_header_bytes),
        ));
    }
    if req.body().size_hint().exact() == Some(0) {
        return next.run(req).await;
    }
    let fired = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let body = Body::new(Deadline {
        inner: body,
        sleep: Box::pin(tokio::time::sleep(l.body_timeout)),
        fired: fired.clone(),
    });
    let res = next.run(Request::from_parts(parts, body)).await;
    if fired.load(Ordering::SeqCst) {
        metrics::counter!("switchyard_http_refused_total", "reason" => "body_timeout").increment(1);
        tracing::info!(
            timeout_secs = l.body_timeout.as_secs(),
            "request body not received in time; closing"
        );
        return close(problem(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body was not received within {} s",
                l.body_timeout.as_secs()
            ),
        ));
    }
    res
}

/// Asks hyper to close the connection after this response.
fn close(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// A request body that fails once its deadline passes.
struct Deadline {
    inner: Body,
    sleep: Pin<Box<Sleep>>,
    fired: Arc<AtomicBool>,
}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(f) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(f);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.fired.store(true, Ordering::SeqCst);
            return Poll::Ready(Some(Err(axum::Error::new("request body timeout"))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
