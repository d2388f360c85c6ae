//! The shop's HTTP/1.1 server, bounded (the crate serves with it; `serve` is internal).
//!
//! Built from hyper's and hyper-util's parts rather than `axum::serve` (which sets neither a
//! timer nor a header timeout, and has no connection cap):
//!
//! - **Header read timeout.** hyper's `http1::Builder::header_read_timeout`, with hyper-util's
//!   tokio timer: a connection must send a complete request head within
//!   [`Config::header_timeout`] of being ready for one (at accept, and after each answer on a
//!   kept-alive connection), or hyper closes it. A slow head, or an idle connection, costs a
//!   slot for that long at most.
//! - **Request timeout.** tower-http's `TimeoutLayer` (in [`crate::app`]): a request whose body
//!   is not received and answered within [`Config::request_timeout`] of its head gets 408 and
//!   its connection is closed. A slow body costs that long at most. Event streams answer at
//!   once, so the timeout does not cut them; their own lifetime bounds them.
//! - **Connection cap.** At most [`Config::max_connections`] connections are served at once
//!   (a semaphore permit each); one more is answered 503 at once and closed, without a read.
//!   The kernel's backlog queues the rest.
//! - **Graceful stop.** Once told to stop, the listener is closed (no new connections: a
//!   load balancer sends the next requests to another instance), every open connection
//!   finishes the request it is serving and closes (hyper-util's `GracefulShutdown`), and
//!   after [`Config::stop_grace`] the ones still open are dropped.
//!
//! [`Config::header_timeout`]: crate::Config::header_timeout
//! [`Config::request_timeout`]: crate::Config::request_timeout
//! [`Config::max_connections`]: crate::Config::max_connections
//! [`Config::stop_grace`]: crate::Config::stop_grace

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use prometheus_client::metrics::counter::Counter;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinSet;
use tower::Layer as _;

use crate::config::Config;

/// The most bytes of request line and headers hyper reads (431 beyond).
pub const MAX_HEAD: usize = 16 * 1024;

/// The server's limits, from the [`Config`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) stop_grace: Duration,
}

impl Limits {
    pub(crate) fn from_config(config: &Config) -> Limits {
        Limits {
            header_timeout: config.header_timeout,
            max_connections: config.max_connections.clamp(1, Semaphore::MAX_PERMITS),
            stop_grace: config.stop_grace,
        }
    }
}

/// Serves `router` on `listener` within `limits` (counting in `refused` the connections
/// refused past the cap) until `stop` fires (or its sender is
/// dropped), then stops gracefully (see the module docs). Each request sees its peer's address
/// as `ConnectInfo<SocketAddr>`.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    refused: Counter,
    stop: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        // Reap the connections that ended, so that the set holds open ones only.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: back off instead of spinning.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            refused.inc();
            refuse(&stream, limits.max_connections);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(Extension(ConnectInfo(peer)).layer(router.clone()));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
            drop(slot);
        });
    }
    // No new connections from here on.
    drop(listener);
    if tokio::time::timeout(limits.stop_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "{} connections still open after {} s: closing them",
            connections.len(),
            limits.stop_grace.as_secs()
        );
    }
    connections.shutdown().await;
}

/// Answers 503 on a connection beyond the cap, without reading or waiting, and closes it.
fn refuse(stream: &TcpStream, max_connections: usize) {
    let body = format!(
        "The shop serves at most {max_connections} connections at once; try again in a moment.\n"
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    // A fresh socket's send buffer takes this at once; if not, the client sees the close.
    let _ = stream.try_write(answer.as_bytes());
}
