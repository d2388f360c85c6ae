//! The HTTP/1.1 front end (hyper) on its own thread and runtime, every wait on a client bounded
//! and every buffer capped (the crate docs' "Limits"): [`Guarded`], the socket, fails a read
//! past the idle timeout (from the accept or the last answer) or the header timeout (from a
//! request's first byte), and a write stalled for the idle timeout.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{oneshot, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::config::Limits;
use crate::handler::handle;
use crate::reply::{fail, lock, Action, BodyProblem, Incoming};
use crate::shared::Shared;
use crate::transport::sleep;

/// The most bytes of request line and headers hyper buffers (it answers 431 beyond).
const MAX_HEAD: usize = 16 * 1024;

/// The most bytes of request bodies the server holds at once, over all connections
/// (or one largest body, when [`Limits::max_body`] is larger).
const BODIES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// Connections the kernel queues before the server accepts them.
const LISTEN_BACKLOG: u32 = 1024;

/// The handle that stops the server thread when dropped (with its sender).
#[derive(Debug)]
pub(crate) struct ServerHandle {
    pub(crate) addr: SocketAddr,
    _shutdown: oneshot::Sender<()>,
}

/// Binds `addr` and serves `shared` on a new thread with its own current-thread runtime.
pub(crate) fn spawn(addr: SocketAddr, shared: Arc<Shared>) -> io::Result<ServerHandle> {
    let (runtime, listener) = bind(addr)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("qosic-mock-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(accept_loop(listener, shared));
                let _ = rx.await;
            });
            // Dropping the runtime cancels the accept loop and every connection task.
            drop(runtime);
        })?;
    Ok(ServerHandle {
        addr,
        _shutdown: tx,
    })
}

/// A current-thread runtime, and a listener on `addr` registered with it.
fn bind(addr: SocketAddr) -> io::Result<(tokio::runtime::Runtime, tokio::net::TcpListener)> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // Large admin answers are serialized there; two threads are plenty.
        .max_blocking_threads(2)
        .build()?;
    // std's TcpListener::bind queues 128 connections; a burst beyond waits for SYN retries
    // (a second and more). The kernel caps this at net.core.somaxconn.
    let listener = {
        let _in_runtime = runtime.enter();
        socket.listen(LISTEN_BACKLOG)
    };
    match listener {
        Ok(listener) => Ok((runtime, listener)),
        Err(e) => {
            // Dropping a runtime inside another one (`MockQosicBuilder::try_start`) panics.
            runtime.shutdown_background();
            Err(e)
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) -> Infallible {
    let limits = shared.config.limits;
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            shared.refused_connections.fetch_add(1, Ordering::SeqCst);
            refuse(&stream, limits.max_connections);
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        shared.open_connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            serve_connection(stream, &shared).await;
            shared.open_connections.fetch_sub(1, Ordering::SeqCst);
            drop(slot);
        });
    }
}

/// Answers 503 on a connection beyond the cap, without waiting, and lets it close.
fn refuse(stream: &TcpStream, max_connections: usize) {
    let detail = format!(
        "the fake server serves at most {max_connections} connections at once (--max-connections)"
    );
    let body = fail(503, &detail).body;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    // A fresh socket's send buffer takes this at once; if not, the client gets the close.
    let _ = stream.try_write(&[head.as_bytes(), &body].concat());
}

async fn serve_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let limits = shared.config.limits;
    let phase = Arc::new(Mutex::new(Phase {
        busy: false,
        idle_since: Instant::now(),
        head_since: None,
    }));
    let io = TokioIo::new(Guarded {
        stream,
        phase: Arc::clone(&phase),
        limits,
        read_timer: None,
        write_timer: None,
        write_stalled_since: None,
    });
    let shared = Arc::clone(shared);
    let service = service_fn(move |req| {
        // hyper calls the service once a request's headers are parsed, and drops it
        // unfinished only with the connection.
        {
            let mut phase = lock(&phase);
            phase.busy = true;
            phase.head_since = None;
        }
        let (shared, phase) = (Arc::clone(&shared), Arc::clone(&phase));
        async move {
            let answer = serve(shared, req).await;
            let mut phase = lock(&phase);
            (phase.busy, phase.idle_since) = (false, Instant::now());
            answer
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .max_buf_size(MAX_HEAD)
        .serve_connection(io, service)
        .await;
}

/// What [`Guarded`] and the service of one connection know of it.
#[derive(Debug)]
struct Phase {
    /// A request is being served.
    busy: bool,
    /// The accept or the last answer: the idle timeout counts from it.
    idle_since: Instant,
    /// When the first byte of the next request came.
    head_since: Option<Instant>,
}

/// The socket, failing a read that waits past the header timeout from a request's first
/// byte, and a write that makes no progress for the idle timeout.
#[derive(Debug)]
struct Guarded {
    stream: TcpStream,
    phase: Arc<Mutex<Phase>>,
    limits: Limits,
    read_timer: Option<Pin<Box<Sleep>>>,
    write_timer: Option<Pin<Box<Sleep>>>,
    write_stalled_since: Option<Instant>,
}

/// Whether `deadline` has passed; if not, `timer` wakes the task by then. The timer is moved
/// only earlier, or when it fires before a deadline that moved later: a deadline pushed back
/// by every request of a busy connection costs no timer registration per request.
fn passed(timer: &mut Option<Pin<Box<Sleep>>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
    if Instant::now() >= deadline {
        return true;
    }
    let sleep = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
    if sleep.deadline() > deadline || sleep.as_mut().poll(cx).is_ready() {
        sleep.as_mut().reset(deadline);
        let _ = sleep.as_mut().poll(cx);
    }
    false
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        let mut phase = lock(&this.phase);
        if phase.busy {
            // After an answer hyper reads again only once woken: keep a wake-up within the
            // idle timeout, where the deadline from the answer is then checked.
            if read.is_pending() {
                let _ = passed(
                    &mut this.read_timer,
                    Instant::now() + this.limits.idle_timeout,
                    cx,
                );
            }
            return read;
        }
        match (&read, phase.head_since) {
            (Poll::Ready(Ok(())), None) if buf.filled().len() > before => {
                phase.head_since = Some(Instant::now());
            }
            (Poll::Pending, Some(since))
                if passed(&mut this.read_timer, since + this.limits.header_timeout, cx) =>
            {
                let why = "request headers not complete within the header timeout";
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)));
            }
            (Poll::Pending, None)
                if passed(
                    &mut this.read_timer,
                    phase.idle_since + this.limits.idle_timeout,
                    cx,
                ) =>
            {
                let why = "no request within the idle timeout";
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)));
            }
            _ => {}
        }
        read
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let done = Pin::new(&mut this.stream).poll_write(cx, data);
        if done.is_ready() {
            this.write_stalled_since = None;
            return done;
        }
        // Pending: an error once no write has made progress for the idle timeout.
        let since = *this.write_stalled_since.get_or_insert_with(Instant::now);
        if passed(&mut this.write_timer, since + this.limits.idle_timeout, cx) {
            let why = "the client did not read its answer within the idle timeout";
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)));
        }
        Poll::Pending
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

// ----- One request -----

/// The service's error, which makes hyper close the connection without an answer.
const DROP_CONNECTION: &str =
    "connection dropped on purpose (injected fault, or the client went away)";

/// Why a body was not read whole.
enum BodyError {
    Problem(BodyProblem),
    /// The client went away mid-body: nobody to answer.
    Gone,
}

/// Bytes of bodies this request holds, counted in [`Shared::body_bytes`] until dropped: the
/// capacity of its buffer, not only the bytes in it, so that the cap bounds the memory.
struct BodyBudget<'a> {
    in_flight: &'a AtomicUsize,
    limit: usize,
    held: usize,
}

impl BodyBudget<'_> {
    fn take(&mut self, n: usize) -> Result<(), BodyError> {
        let before = self.in_flight.fetch_add(n, Ordering::SeqCst);
        if before.saturating_add(n) > self.limit {
            self.in_flight.fetch_sub(n, Ordering::SeqCst);
            return Err(BodyError::Problem(BodyProblem::Busy));
        }
        self.held += n;
        Ok(())
    }
}

impl Drop for BodyBudget<'_> {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(self.held, Ordering::SeqCst);
    }
}

/// Reads a body of at most `max` bytes, copying each frame into one buffer and letting it
/// go at once (hyper's frames share its read buffer: keeping them, as `BodyExt::collect`
/// does, keeps a read buffer per frame). `budget` counts the buffer's capacity before it is
/// allocated: a declared length at once, before a byte came; else each doubling.
async fn read_body(
    body: HyperBody,
    max: usize,
    budget: &mut BodyBudget<'_>,
) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    if let Some(declared) = body.size_hint().exact() {
        let declared = usize::try_from(declared).ok().filter(|&n| n <= max);
        let declared = declared.ok_or(BodyError::Problem(BodyProblem::TooLarge))?;
        budget.take(declared)?;
        bytes.reserve_exact(declared);
    }
    let mut body = Limited::new(body, max);
    while let Some(frame) = body.frame().await {
        let data = match frame.map(|f| f.into_data()) {
            Ok(Ok(data)) => data,
            Ok(Err(_trailers)) => continue,
            Err(e) if e.is::<LengthLimitError>() => {
                return Err(BodyError::Problem(BodyProblem::TooLarge))
            }
            Err(_) => return Err(BodyError::Gone),
        };
        let needed = bytes.len() + data.len();
        if needed > bytes.capacity() {
            let capacity = needed.max(bytes.capacity() * 2).min(max.max(needed));
            budget.take(capacity - bytes.capacity())?;
            bytes.reserve_exact(capacity - bytes.len());
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

async fn serve(
    shared: Arc<Shared>,
    req: Request<HyperBody>,
) -> Result<Response<Full<Bytes>>, &'static str> {
    let limits = shared.config.limits;
    let (parts, body) = req.into_parts();
    let mut budget = BodyBudget {
        in_flight: &shared.body_bytes,
        limit: BODIES_IN_FLIGHT.max(limits.max_body),
        held: 0,
    };
    let read = read_body(body, limits.max_body, &mut budget);
    let (bytes, body_problem) = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => (bytes, None),
        Ok(Err(BodyError::Problem(problem))) => (Vec::new(), Some(problem)),
        Ok(Err(BodyError::Gone)) => return Err(DROP_CONNECTION),
        Err(_elapsed) => (Vec::new(), Some(BodyProblem::TimedOut)),
    };
    let header = |name| parts.headers.get(name)?.to_str().ok();
    let action = handle(
        &shared,
        &Incoming {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            authorization: header(AUTHORIZATION),
            content_type: header(CONTENT_TYPE),
            admin_header: parts.headers.contains_key(crate::config::ADMIN_HEADER),
            body: &bytes,
            problem: body_problem,
        },
    );
    // The body is handled: give its memory back before any wait.
    drop(bytes);
    drop(budget);
    let reply = match action {
        Action::Respond(reply) => reply,
        Action::Render(render) => tokio::task::spawn_blocking(render)
            .await
            .unwrap_or_else(|_| fail(500, "the admin answer could not be built")),
        Action::Drop { delay } => {
            sleep(delay).await;
            return Err(DROP_CONNECTION);
        }
    };
    sleep(reply.delay).await;
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .ok()
        .filter(|s| !s.is_informational())
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if body_problem.is_some() {
        // The rest of the body was not read: do not try to reuse the connection.
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}
