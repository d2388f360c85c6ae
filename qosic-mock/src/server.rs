//! The HTTP/1.1 front end (hyper), on its own thread and tokio runtime.
//!
//! hyper stays in this module: no hyper type reaches the public API.
//!
//! Every wait on a client is bounded and every buffer a client fills is capped (the crate
//! docs' "Limits" table): connections ([`Limits::max_connections`], a semaphore permit
//! each; beyond, 503 at once), the idle time from the accept and from each answer (also an
//! answer left unread), the headers from their first byte, the body from the end of the
//! headers (408), headers to [`MAX_HEAD`] bytes (hyper's 431), a body to
//! [`Limits::max_body`] (413), all bodies held at once to [`BODIES_IN_FLIGHT`] (503).
//!
//! hyper 1's `http1::Builder::header_read_timeout` starts when a connection becomes ready
//! for a request (at accept and after each answer), so it bounds idle time and header time
//! together; neither hyper nor hyper-util has an idle, body or write timeout. Hence
//! [`Guarded`], a small wrapper of the socket that knows which phase the connection is in
//! and fails a read or a write that waits past that phase's deadline.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{oneshot, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::config::Limits;
use crate::handler::handle;
use crate::reply::{problem, Action, BodyProblem, Incoming, Reply};
use crate::shared::Shared;

/// The most bytes of request line and headers hyper buffers (it answers 431 beyond).
const MAX_HEAD: usize = 16 * 1024;

/// The most bytes of request bodies the server holds at once, over all connections
/// (or one largest body, when [`Limits::max_body`] is larger).
const BODIES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// Connections the kernel queues before the server accepts them.
const LISTEN_BACKLOG: u32 = 1024;

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
pub(crate) fn spawn(addr: SocketAddr, shared: Arc<Shared>) -> io::Result<ServerHandle> {
    let (runtime, listener) = bind(addr)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("qosic-mock-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(async move {
                let accept = tokio::spawn(accept_loop(listener, shared));
                let _ = rx.await;
                accept.abort();
            });
            // Dropping the runtime cancels every connection task.
            drop(runtime);
        })?;
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
    })
}

/// A current-thread runtime, and a listener on `addr` registered with it.
fn bind(addr: SocketAddr) -> io::Result<(tokio::runtime::Runtime, tokio::net::TcpListener)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // Large admin answers are serialized there; two threads are plenty.
        .max_blocking_threads(2)
        .build()?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    let listener = socket
        .set_reuseaddr(true)
        .and_then(|()| socket.bind(addr))
        .and_then(|()| {
            // std's TcpListener::bind queues 128 connections; a burst beyond waits for SYN
            // retries (a second and more). The kernel caps this at net.core.somaxconn.
            let _in_runtime = runtime.enter();
            socket.listen(LISTEN_BACKLOG)
        });
    match listener {
        Ok(listener) => Ok((runtime, listener)),
        Err(e) => {
            // Dropping a runtime waits for its blocking threads, which tokio forbids (with
            // a panic) inside another runtime, where `MockQosicBuilder::try_start` runs.
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
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or similar: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            shared.refused_connections.fetch_add(1, Ordering::SeqCst);
            refuse(&stream, limits.max_connections);
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _open = OpenConnection::new(&shared.open_connections);
            serve_connection(stream, &shared).await;
            drop(slot);
        });
    }
}

/// Answers 503 on a connection beyond the cap, without waiting, and lets it close.
fn refuse(stream: &TcpStream, max_connections: usize) {
    let detail = format!(
        "the fake server serves at most {max_connections} connections at once (--max-connections)"
    );
    let body = problem(503, "Service Unavailable", &detail).body;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    // A fresh socket's send buffer takes this at once; if not, the client gets the close.
    let _ = stream.try_write(&[head.as_bytes(), &body].concat());
}

/// Counts a connection as open while it lives.
struct OpenConnection<'a>(&'a AtomicUsize);

impl<'a> OpenConnection<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        OpenConnection(counter)
    }
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let limits = shared.config.limits;
    let watch = Arc::new(Watch::new(limits));
    let io = TokioIo::new(Guarded::new(stream, Arc::clone(&watch)));
    let shared = Arc::clone(shared);
    let service = service_fn(move |req| {
        // hyper calls the service as soon as a request's headers are parsed.
        let busy = Busy::new(Arc::clone(&watch));
        let shared = Arc::clone(&shared);
        async move {
            let answer = serve(shared, req).await;
            drop(busy);
            answer
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        // The header and idle deadlines are `Guarded`'s (see the module docs).
        .header_read_timeout(None)
        .max_buf_size(MAX_HEAD)
        .serve_connection(io, service)
        .await;
}

// ----- Which phase a connection is in, and its deadline -----

/// The phase of one connection, shared by its socket wrapper and its service (both run in
/// the connection's one task, one after the other).
#[derive(Debug)]
struct Watch {
    header_timeout: Duration,
    idle_timeout: Duration,
    phase: Mutex<Phase>,
}

#[derive(Debug)]
struct Phase {
    /// Requests being served (hyper serves one at a time; a count is simply robust).
    busy: u32,
    /// When the connection last became idle: accepted, or its last answer handed over.
    idle_since: Instant,
    /// When the first byte of the next request came, while idle.
    head_since: Option<Instant>,
    /// The task of a read that waited while a request was served (with no deadline):
    /// woken when the answer is handed over, so that the read arms the idle deadline then.
    /// Without it, an idle deadline that passed while the request was served was never
    /// armed again, and the connection stayed open for good.
    parked: Option<Waker>,
}

impl Watch {
    fn new(limits: Limits) -> Watch {
        Watch {
            header_timeout: limits.header_timeout,
            idle_timeout: limits.idle_timeout,
            phase: Mutex::new(Phase {
                busy: 0,
                idle_since: Instant::now(),
                head_since: None,
                parked: None,
            }),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Bytes came in: while idle, they start a request's headers.
    fn on_read(&self) {
        let mut phase = self.phase();
        if phase.busy == 0 && phase.head_since.is_none() {
            phase.head_since = Some(Instant::now());
        }
    }

    /// When a read that waits must give up, and why. `None` while a request is served
    /// (the waker is then kept to be woken by the answer): the body has its own deadline,
    /// and an answer may be late on purpose (a delay fault).
    fn read_deadline(&self, cx: &Context<'_>) -> Option<(Instant, &'static str)> {
        let mut phase = self.phase();
        if phase.busy > 0 {
            phase.parked = Some(cx.waker().clone());
            return None;
        }
        Some(match phase.head_since {
            Some(since) => (
                since + self.header_timeout,
                "request headers not complete within the header timeout",
            ),
            None => (
                phase.idle_since + self.idle_timeout,
                "no request within the idle timeout",
            ),
        })
    }
}

/// Marks a connection busy while its service runs.
struct Busy(Arc<Watch>);

impl Busy {
    fn new(watch: Arc<Watch>) -> Busy {
        let mut phase = watch.phase();
        phase.busy += 1;
        phase.head_since = None;
        drop(phase);
        Busy(watch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut phase = self.0.phase();
        phase.busy = phase.busy.saturating_sub(1);
        if phase.busy == 0 {
            phase.idle_since = Instant::now();
            if let Some(waker) = phase.parked.take() {
                // The read polls again once the answer is written, and arms the deadline.
                waker.wake();
            }
        }
    }
}

/// The socket, with the deadlines of [`Watch`] on reads and the idle timeout on writes
/// that make no progress (a client that does not read its answer).
struct Guarded {
    stream: TcpStream,
    watch: Arc<Watch>,
    read_timer: Deadline,
    write_timer: Deadline,
    write_stalled_since: Option<Instant>,
}

impl fmt::Debug for Guarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl Guarded {
    fn new(stream: TcpStream, watch: Arc<Watch>) -> Guarded {
        Guarded {
            stream,
            watch,
            read_timer: Deadline::default(),
            write_timer: Deadline::default(),
            write_stalled_since: None,
        }
    }

    /// After a write returned `Pending`: an error once it has made no progress for the
    /// idle timeout.
    fn write_stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let since = *self.write_stalled_since.get_or_insert_with(Instant::now);
        let deadline = since + self.watch.idle_timeout;
        self.write_timer.poll(deadline, cx).map(|()| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer within the idle timeout",
            ))
        })
    }
}

/// A timer for a deadline that moves (one per deadline of a connection).
#[derive(Debug, Default)]
struct Deadline(Option<Pin<Box<Sleep>>>);

impl Deadline {
    /// Polls the timer for `deadline`: ready once it has passed. The idle deadline moves
    /// later with each request: a timer set earlier is left as it is and moved when it
    /// fires, rather than moved for every request.
    fn poll(&mut self, deadline: Instant, cx: &mut Context<'_>) -> Poll<()> {
        let sleep = self
            .0
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() > deadline {
            sleep.as_mut().reset(deadline);
        }
        while sleep.as_mut().poll(cx).is_ready() {
            if sleep.deadline() >= deadline {
                return Poll::Ready(());
            }
            sleep.as_mut().reset(deadline);
        }
        Poll::Pending
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.watch.on_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match this.watch.read_deadline(cx) {
                None => Poll::Pending,
                Some((deadline, why)) => this
                    .read_timer
                    .poll(deadline, cx)
                    .map(|()| Err(io::Error::new(io::ErrorKind::TimedOut, why))),
            },
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, data) {
            Poll::Pending => this.write_stalled(cx),
            done => {
                this.write_stalled_since = None;
                done
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.write_stalled(cx),
            done => {
                this.write_stalled_since = None;
                done
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

// ----- One request -----

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose (injected fault, or the client went away)")
    }
}

impl std::error::Error for DropConnection {}

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

/// Reads a body of at most `max` bytes; `declared` is its `Content-Length`, if any.
///
/// Each frame is copied into one buffer and let go at once: hyper hands out frames that
/// share its read buffer, so keeping the frames (as `BodyExt::collect` does) keeps one read
/// buffer alive per frame, kilobytes per byte for a body trickled one byte per TCP segment.
/// `budget` counts the buffer's capacity, taken before the buffer is allocated: the
/// declared length at once, before any byte is read; for a body without one, each doubling
/// before it is made. So the cap counts the bytes held, not the bytes received.
async fn read_body<B>(
    body: B,
    max: usize,
    declared: Option<u64>,
    budget: &mut BodyBudget<'_>,
) -> Result<Vec<u8>, BodyError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut bytes = Vec::new();
    if let Some(declared) = declared.and_then(|n| usize::try_from(n).ok()) {
        let declared = declared.min(max);
        budget.take(declared)?;
        bytes.reserve_exact(declared);
    }
    let mut body = Limited::new(body, max);
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) if e.is::<LengthLimitError>() => {
                return Err(BodyError::Problem(BodyProblem::TooLarge))
            }
            Err(_) => return Err(BodyError::Gone),
        };
        if let Ok(data) = frame.into_data() {
            let needed = bytes.len() + data.len();
            if needed > bytes.capacity() {
                let capacity = needed.max(bytes.capacity() * 2).min(max.max(needed));
                budget.take(capacity - bytes.capacity())?;
                bytes.reserve_exact(capacity - bytes.len());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

async fn serve(
    shared: Arc<Shared>,
    req: Request<HyperBody>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let limits = shared.config.limits;
    let (parts, body) = req.into_parts();
    // A body framed by its `Content-Length` has that exact size (hyper checked the header):
    // no need to look the header up again then.
    let declared = match body.size_hint().exact() {
        Some(exact) => Some(exact),
        None => parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok()),
    };
    let declared_too_large = declared.is_some_and(|n| n > limits.max_body as u64);
    let mut budget = BodyBudget {
        in_flight: &shared.body_bytes,
        limit: BODIES_IN_FLIGHT.max(limits.max_body),
        held: 0,
    };
    let (bytes, problem) = if declared_too_large {
        (Vec::new(), Some(BodyProblem::TooLarge))
    } else {
        let read = read_body(body, limits.max_body, declared, &mut budget);
        match tokio::time::timeout(limits.body_timeout, read).await {
            Ok(Ok(bytes)) => (bytes, None),
            Ok(Err(BodyError::Problem(problem))) => (Vec::new(), Some(problem)),
            Ok(Err(BodyError::Gone)) => return Err(DropConnection),
            Err(_elapsed) => (Vec::new(), Some(BodyProblem::TimedOut)),
        }
    };
    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let action = handle(
        &shared,
        &Incoming {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            authorization,
            content_type: parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            admin_header: parts.headers.contains_key(crate::config::ADMIN_HEADER),
            body: &bytes,
            problem,
        },
    );
    // The body is handled: give its memory back before any wait.
    drop(bytes);
    drop(budget);
    let reply = match action {
        Action::Respond(reply) => reply,
        Action::Render(render) => match tokio::task::spawn_blocking(render).await {
            Ok(reply) => reply,
            Err(_) => crate::reply::problem(
                500,
                "Internal Server Error",
                "the admin answer could not be built",
            ),
        },
        Action::Drop { delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            return Err(DropConnection);
        }
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    Ok(response(reply, problem.is_some()))
}

fn response(reply: Reply, close: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .ok()
        .filter(|s| !s.is_informational())
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if close {
        // The rest of the body was not read: do not try to reuse the connection.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port in use is an error, also from within a runtime (it panicked there before:
    /// the server's runtime was dropped inside the caller's).
    #[tokio::test]
    async fn a_port_in_use_is_an_error() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let started = crate::MockQosic::builder().bind(addr).try_start().await;
        assert!(started.is_err());
    }

    /// A body that sends some frames, then waits for ever (or ends, when `.1`).
    struct Trickle(std::collections::VecDeque<Bytes>, bool);

    impl hyper::body::Body for Trickle {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
            match self.0.pop_front() {
                Some(data) => Poll::Ready(Some(Ok(hyper::body::Frame::data(data)))),
                None if self.1 => Poll::Ready(None),
                None => Poll::Pending,
            }
        }
    }

    /// What a body half sent holds, counted in the budget: its buffer's capacity (the
    /// declared length, or the doubled buffer of a chunked body), not only its bytes.
    #[tokio::test(start_paused = true)]
    async fn the_budget_counts_the_buffer_a_body_holds() {
        for (declared, frames, held) in [
            (Some(1000), vec![300, 300], 1000),
            // The declared length is counted before a byte came.
            (Some(1000), vec![], 1000),
            (None, vec![100, 100, 100], 400),
            (None, vec![900], 900),
        ] {
            let in_flight = AtomicUsize::new(0);
            let mut budget = BodyBudget {
                in_flight: &in_flight,
                limit: 10_000,
                held: 0,
            };
            let body = Trickle(
                frames.iter().map(|&n| Bytes::from(vec![b'x'; n])).collect(),
                false,
            );
            let read = read_body(body, 1000, declared, &mut budget);
            // The body stops short: the read waits, holding what came (a paused clock).
            let waited = tokio::time::timeout(Duration::from_secs(1), read).await;
            assert!(waited.is_err());
            assert_eq!(
                in_flight.load(Ordering::SeqCst),
                held,
                "{declared:?} {frames:?}"
            );
            drop(budget);
            assert_eq!(in_flight.load(Ordering::SeqCst), 0);
        }
    }

    /// A body read whole holds exactly what the budget counts: its buffer's capacity.
    #[tokio::test]
    async fn the_cap_counts_the_bytes_allocated() {
        for (declared, frames) in [
            (Some(900), vec![300, 300, 300]),
            (None, vec![100, 100, 100, 100, 100]),
            (None, vec![1, 999]),
            (Some(0), vec![]),
        ] {
            let in_flight = AtomicUsize::new(0);
            let mut budget = BodyBudget {
                in_flight: &in_flight,
                limit: 10_000,
                held: 0,
            };
            let body = Trickle(
                frames.iter().map(|&n| Bytes::from(vec![b'x'; n])).collect(),
                true,
            );
            let Ok(bytes) = read_body(body, 1000, declared, &mut budget).await else {
                panic!("the body is read whole");
            };
            assert_eq!(bytes.len(), frames.iter().sum::<usize>());
            assert_eq!(
                in_flight.load(Ordering::SeqCst),
                bytes.capacity(),
                "{declared:?} {frames:?}"
            );
            drop(budget);
            assert_eq!(in_flight.load(Ordering::SeqCst), 0);
        }
    }

    #[test]
    fn the_body_budget_is_shared_and_given_back() {
        let in_flight = AtomicUsize::new(0);
        let mut first = BodyBudget {
            in_flight: &in_flight,
            limit: 10,
            held: 0,
        };
        assert!(first.take(6).is_ok());
        let mut second = BodyBudget {
            in_flight: &in_flight,
            limit: 10,
            held: 0,
        };
        assert!(second.take(4).is_ok());
        assert!(matches!(
            second.take(1),
            Err(BodyError::Problem(BodyProblem::Busy))
        ));
        assert_eq!(in_flight.load(Ordering::SeqCst), 10);
        drop(first);
        assert_eq!(in_flight.load(Ordering::SeqCst), 4);
        assert!(second.take(6).is_ok());
        drop(second);
        assert_eq!(in_flight.load(Ordering::SeqCst), 0);
    }
}
