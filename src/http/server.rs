//! The HTTP accept loop of `serve`: hyper HTTP/1.1 connections with the limits a
//! public listener needs, which `axum::serve` does not set. A connection
//! must send each request's headers within the header timeout, which also
//! closes connections idle between requests (a streaming answer such as
//! MCP's SSE is not idle); a request body must arrive in full within the
//! body timeout; and at most `max_connections` connections are served at
//! once, the rest waiting in the listen queue. Shutdown stops accepting,
//! lets requests in flight finish for a grace period, then returns.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use http_body::Frame;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How long requests in flight may take to finish once shutdown begins.
const GRACE: Duration = Duration::from_secs(10);

/// The accept loop's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

/// Errors of the HTTP server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request body did not arrive within {0} s (SWITCHBOARD_BODY_TIMEOUT_SECONDS)")]
    BodyTimeout(u64),
}

/// Serves `router` on `listener` until `shutdown` is cancelled.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: CancellationToken) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let closing = CancellationToken::new();
    let body_timeout = limits.body_timeout;
    let router = router.layer(axum::middleware::map_request(move |request: Request| async move {
        request.map(|body| Body::new(Deadline::new(body, body_timeout)))
    }));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = shutdown.cancelled() => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let (router, closing) = (router.clone(), closing.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let service = TowerToHyperService::new(router);
            // HTTP/1.1 only: detecting HTTP/2's preface first would read from
            // the client with no timeout at all. (HTTP/2 and TLS belong to a
            // proxy in front of a non-loopback gateway.)
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = closing.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACE, connection).await;
                }
            }
        });
    }
    drop(listener);
    closing.cancel();
    // Every connection holds a slot until it ends: wait for all of them.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(GRACE, slots.acquire_many(all)).await;
}

/// A request body that fails once it has taken longer than its deadline.
struct Deadline {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl Deadline {
    fn new(inner: Body, limit: Duration) -> Self {
        Self { inner, sleep: Box::pin(tokio::time::sleep(limit)), limit }
    }
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(Error::BodyTimeout(this.limit.as_secs())))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
