//! The HTTP/1.1 front end (hyper), on its own thread and tokio runtime.
//!
//! hyper stays in this module: no hyper type reaches the public API.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::state::{Action, Incoming, Shared, MAX_BODY};

/// The handle that stops the server thread when dropped.
#[derive(Debug)]
pub(crate) struct ServerHandle {
    pub(crate) addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` and serves `shared` on a new thread with its own current-thread runtime.
pub(crate) fn spawn(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (tx, rx) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("qosic-mock-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => {
                        let accept = tokio::spawn(accept_loop(listener, shared));
                        let _ = rx.await;
                        accept.abort();
                    }
                    Err(_) => {
                        let _ = rx.await;
                    }
                }
            });
            // Dropping the runtime cancels every connection task.
            drop(runtime);
        })?;
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
    })
}

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or similar: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |req| serve(Arc::clone(&shared), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose (injected fault)")
    }
}

impl std::error::Error for DropConnection {}

async fn serve(
    shared: Arc<Shared>,
    req: Request<HyperBody>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let declared_too_large = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64);
    let (bytes, too_large) = if declared_too_large {
        (Bytes::new(), true)
    } else {
        match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => (collected.to_bytes(), false),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => (Bytes::new(), true),
            // The client went away mid-body: nobody to answer.
            Err(_) => return Err(DropConnection),
        }
    };
    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let path = parts.uri.path();
    let action = shared.handle(&Incoming {
        method: parts.method.as_str(),
        path,
        authorization,
        body: &bytes,
        too_large,
    });
    match action {
        Action::Respond(reply) => {
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            let mut response = Response::new(Full::new(Bytes::from(reply.body)));
            *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
                .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
            if too_large {
                // The rest of the body was not read: do not try to reuse the connection.
                response
                    .headers_mut()
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(response)
        }
        Action::Drop { delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Err(DropConnection)
        }
    }
}
