//! Test helpers: a small hyper server (plain or TLS) with scripted replies, a certificate
//! made in the test, a request builder, and log capture.

// Without a TLS feature the HTTPS helpers have no user.
#![cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::HeaderMap;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use qosic_core::{
    ApiRequest, ApiResponse, Client, ClientId, Credentials, Lookup, LookupCall, MobileCarrier,
    MoneyCall, Msisdn, Operation, PollingPolicy, Transport, Verdict, WireRequest,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

/// The login and password every test request carries.
pub(crate) const LOGIN: &str = "merchant";
pub(crate) const PASSWORD: &str = "topsecret-password";

/// A QosIc-like path.
pub(crate) const PAYMENT_PATH: &str = "/QosicBridge/user/requestpayment";

/// A payment body, as a carrier would send it.
pub(crate) const PAYMENT_BODY: &str = r#"{"msisdn":"22951010200","amount":"100","firstname":"A","lastname":"B","transref":"ref-1","clientid":"MTN_CLIENT"}"#;

/// A request to `base` + [`PAYMENT_PATH`] with the test credentials.
pub(crate) fn payment_request(base: &str) -> ApiRequest {
    ApiRequest::new(
        format!("{base}{PAYMENT_PATH}"),
        Credentials::new(LOGIN, PASSWORD),
        PAYMENT_BODY.as_bytes().to_vec(),
    )
}

/// Sends test logs to the test output (shown for failing tests).
pub(crate) fn trace_init() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_max_level(tracing::Level::DEBUG)
        .try_init();
}

/// What the server does with each request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// Answers with this status and body.
    Fixed { status: u16, body: &'static str },
    /// Answers with this status, these bytes and `Content-Encoding: encoding`.
    Encoded {
        status: u16,
        encoding: &'static str,
        body: &'static [u8],
    },
    /// Answers 302 to another path.
    Redirect,
    /// Reads the request and never answers.
    Stall,
    /// Sends the head and a few bytes of a longer body, then nothing more.
    StallBody,
    /// Answers 200 with `size` bytes, sent in 64 KiB chunks, with or without a
    /// `Content-Length` (without it, the body is chunked).
    Large { size: usize, content_length: bool },
    /// Reads the request, then closes the connection without answering.
    DropConnection,
    /// Announces 1000 bytes, sends 10, then closes the connection.
    TruncatedBody,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// A server on a random loopback port, stopped when dropped.
#[derive(Debug)]
pub(crate) struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    accept_loop: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl TestServer {
    /// A plain-HTTP server.
    pub(crate) async fn start(reply: Reply) -> TestServer {
        TestServer::start_inner(reply, None).await
    }

    /// An HTTPS server presenting `cert` and signing the handshake with its key (which may
    /// not match: see [`TestCert::with_another_key`]).
    pub(crate) async fn start_tls(reply: Reply, cert: &TestCert) -> TestServer {
        TestServer::start_inner(reply, Some(tls_acceptor(cert))).await
    }

    async fn start_inner(reply: Reply, tls: Option<tokio_rustls::TlsAcceptor>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let accept_loop = tokio::spawn({
            let connections = Arc::clone(&connections);
            let received = Arc::clone(&received);
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let reply = reply.clone();
                    let received = Arc::clone(&received);
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            // A refused handshake just ends the connection.
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    serve(stream, reply, received).await;
                                }
                            }
                            None => serve(stream, reply, received).await,
                        }
                    });
                }
            }
        });
        TestServer {
            addr,
            scheme,
            connections,
            received,
            accept_loop,
        }
    }

    /// `http://127.0.0.1:PORT` (or `https://`).
    pub(crate) fn uri(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// TCP connections accepted so far.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests received so far (only those answered through hyper).
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn serve<S>(stream: S, reply: Reply, received: Arc<Mutex<Vec<Received>>>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match reply {
        Reply::DropConnection => {
            let mut stream = stream;
            read_request(&mut stream).await;
            drop(stream);
        }
        Reply::TruncatedBody => {
            let mut stream = stream;
            read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                .await;
            let _ = stream.flush().await;
            drop(stream);
        }
        reply => {
            let service = service_fn(move |request: Request<Incoming>| {
                let reply = reply.clone();
                let received = Arc::clone(&received);
                async move {
                    let (parts, body) = request.into_parts();
                    let body = http_body_util::BodyExt::collect(body)
                        .await
                        .map(|b| b.to_bytes().to_vec())
                        .unwrap_or_default();
                    received.lock().unwrap().push(Received {
                        method: parts.method.to_string(),
                        path: parts.uri.path().to_owned(),
                        headers: parts.headers,
                        body,
                    });
                    Ok::<_, Infallible>(respond(reply).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    }
}

async fn respond(reply: Reply) -> Response<ReplyBody> {
    match reply {
        Reply::Fixed { status, body } => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(ReplyBody::once(body))
            .unwrap(),
        Reply::Encoded {
            status,
            encoding,
            body,
        } => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(ReplyBody {
                chunk: Bytes::from_static(body),
                chunks_left: 1,
                exact_size: Some(body.len() as u64),
                stall_at_end: false,
            })
            .unwrap(),
        Reply::Redirect => Response::builder()
            .status(302)
            .header("location", "/elsewhere")
            .body(ReplyBody::once(""))
            .unwrap(),
        Reply::Stall => std::future::pending().await,
        Reply::StallBody => Response::builder()
            .status(200)
            .header("content-length", "1000")
            .body(ReplyBody {
                chunk: Bytes::from_static(b"{\"partial\":"),
                chunks_left: 1,
                exact_size: None,
                stall_at_end: true,
            })
            .unwrap(),
        Reply::Large {
            size,
            content_length,
        } => {
            const CHUNK: usize = 64 * 1024;
            assert_eq!(size % CHUNK, 0, "use a multiple of 64 KiB");
            Response::builder()
                .status(200)
                .body(ReplyBody {
                    chunk: Bytes::from(vec![b'x'; CHUNK]),
                    chunks_left: size / CHUNK,
                    exact_size: content_length.then_some(size as u64),
                    stall_at_end: false,
                })
                .unwrap()
        }
        Reply::DropConnection | Reply::TruncatedBody => unreachable!("served without hyper"),
    }
}

/// Reads one request head and its `Content-Length` body.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                return;
            }
        }
    }
}

/// A body sent as `chunks_left` copies of `chunk`, optionally stalling at the end.
pub(crate) struct ReplyBody {
    chunk: Bytes,
    chunks_left: usize,
    exact_size: Option<u64>,
    stall_at_end: bool,
}

impl ReplyBody {
    fn once(body: &'static str) -> Self {
        ReplyBody {
            chunk: Bytes::from_static(body.as_bytes()),
            chunks_left: usize::from(!body.is_empty()),
            exact_size: Some(body.len() as u64),
            stall_at_end: false,
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.chunks_left > 0 {
            self.chunks_left -= 1;
            return Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))));
        }
        if self.stall_at_end {
            // Never wakes: the client's timeout must end the call.
            return Poll::Pending;
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks_left == 0 && !self.stall_at_end
    }

    fn size_hint(&self) -> SizeHint {
        self.exact_size
            .map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}
/// A TLS acceptor presenting `cert` and signing the handshake with its key (which may not
/// match: see [`TestCert::with_another_key`]): the test servers' and the HTTPS proxy's.
pub(crate) fn tls_acceptor(cert: &TestCert) -> tokio_rustls::TlsAcceptor {
    // Deprecated since rustls 0.23.48 (no post-quantum key exchange); the tests' server
    // needs nothing more.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key.clone().into());
    let signing_key = provider.key_provider.load_private_key(key).unwrap();
    // `CertifiedKey::new` does not check that the key matches, unlike `with_single_cert`.
    let certified = rustls::sign::CertifiedKey::new(vec![cert.der.clone()], signing_key);
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A server certificate and its key, made for one test.
pub(crate) struct TestCert {
    der: rustls::pki_types::CertificateDer<'static>,
    pem: String,
    key: Vec<u8>,
    /// For a CA certificate: what signs the certificates it issues.
    issuer: Option<rcgen::Issuer<'static, rcgen::KeyPair>>,
}

impl TestCert {
    fn new(
        params: &rcgen::CertificateParams,
        issuer: Option<&rcgen::Issuer<'_, rcgen::KeyPair>>,
    ) -> TestCert {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = match issuer {
            Some(issuer) => params.signed_by(&key, issuer).unwrap(),
            None => params.self_signed(&key).unwrap(),
        };
        let ca = matches!(params.is_ca, rcgen::IsCa::Ca(_));
        TestCert {
            der: cert.der().clone(),
            pem: cert.pem(),
            key: key.serialize_der(),
            issuer: ca.then(|| rcgen::Issuer::new(params.clone(), key)),
        }
    }

    fn params(names: &[&str]) -> rcgen::CertificateParams {
        // A subject of its own for each certificate: OpenSSL (native-tls) finds an issuer by
        // subject, and two roots with rcgen's one default subject would stand for each other.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("qosic-http test {n}"));
        params
    }

    /// A self-signed end-entity certificate (`CA:FALSE`) for these names (IP addresses become
    /// IP SANs).
    pub(crate) fn self_signed(names: &[&str]) -> TestCert {
        TestCert::new(&TestCert::params(names), None)
    }

    /// A self-signed certificate as `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=HOST
    /// -addext subjectAltName=IP:HOST` makes it: a CA certificate (`CA:TRUE`) with the host as
    /// common name and subject alternative name (a P-256 key: ring cannot make RSA keys).
    pub(crate) fn openssl_self_signed(host: &str) -> TestCert {
        let mut params = TestCert::params(&[host]);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, host);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        TestCert::new(&params, None)
    }

    /// A self-signed end-entity certificate that expired on 2001-01-01.
    // Only the rustls tests (`tls_reasons`) use it.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    pub(crate) fn expired(names: &[&str]) -> TestCert {
        let mut params = TestCert::params(names);
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        TestCert::new(&params, None)
    }

    /// A certificate for these names issued by a CA made for the occasion and trusted by no
    /// one (the server sends the leaf alone).
    // Only the rustls tests (`tls_reasons`) use it.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    pub(crate) fn issued_by_unknown_ca(names: &[&str]) -> TestCert {
        let mut ca = TestCert::params(&[]);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "qosic-http test CA");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let issuer = rcgen::Issuer::new(ca, rcgen::KeyPair::generate().unwrap());
        TestCert::new(&TestCert::params(names), Some(&issuer))
    }

    /// A certificate for these names issued by this (CA) certificate.
    // Only the rustls tests (`tls_reasons`) use it.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    pub(crate) fn issue(&self, names: &[&str]) -> TestCert {
        let issuer = self
            .issuer
            .as_ref()
            .expect("a CA certificate issues certificates");
        TestCert::new(&TestCert::params(names), Some(issuer))
    }

    /// The same certificate with a private key that does not match it: a server that copied
    /// a certificate without its key.
    // Only the rustls tests (`tls_reasons`) use it.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    pub(crate) fn with_another_key(&self) -> TestCert {
        TestCert {
            der: self.der.clone(),
            pem: self.pem.clone(),
            key: rcgen::KeyPair::generate().unwrap().serialize_der(),
            issuer: None,
        }
    }

    /// The certificate as PEM.
    pub(crate) fn pem(&self) -> String {
        self.pem.clone()
    }

    /// The certificate, as qosic-http takes it.
    pub(crate) fn certificate(&self) -> qosic_http::Certificate {
        qosic_http::Certificate::from_pem(self.pem.as_bytes()).unwrap()
    }
}

/// A port on loopback where nothing listens.
pub(crate) fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Captures the logs of the current thread, at every level, until the guard is dropped.
pub(crate) fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    // With a single dispatcher alive, tracing asks only the registering thread's default
    // whether a callsite is wanted: a callsite first hit by another test's thread (which has
    // none) would be switched off for good. A second dispatcher, kept for the whole run,
    // makes tracing ask every dispatcher alive, this test's subscriber included.
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // Another test's thread may have registered a callsite (and cached that nobody listens)
    // while this subscriber was being made: ask every callsite again.
    tracing::callsite::rebuild_interest_cache();
    (logs, guard)
}

/// Captured log text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The reference of every call made through [`client`].
pub(crate) const REFERENCE: &str = "ORDER-42";

/// A carrier that serves every number, to build a [`Client`] around the transport under test.
#[derive(Debug)]
pub(crate) struct StubCarrier(ClientId);

impl MobileCarrier for StubCarrier {
    fn name(&self) -> &str {
        "STUB"
    }

    fn client_id(&self) -> &ClientId {
        &self.0
    }

    fn serves(&self, _phone: &Msisdn) -> bool {
        true
    }

    fn polling(&self) -> Option<PollingPolicy> {
        None
    }

    fn payment(&self, _call: &MoneyCall) -> Result<WireRequest, qosic_core::Error> {
        Ok(WireRequest {
            path: PAYMENT_PATH.to_owned(),
            body: PAYMENT_BODY.as_bytes().to_vec(),
        })
    }

    fn status(&self, _call: &LookupCall) -> Result<WireRequest, qosic_core::Error> {
        Ok(WireRequest {
            path: "/QosicBridge/user/gettransactionstatus".to_owned(),
            body: br#"{"transref":"ORDER-42","clientid":"STUB_CLIENT"}"#.to_vec(),
        })
    }

    fn read(&self, _operation: Operation, _response: &ApiResponse) -> qosic_core::Reply {
        qosic_core::Reply::new(Verdict::Pending)
    }
}

/// A client of the server at `base` through `transport`, with the stub carrier.
pub(crate) fn client(base: &str, transport: qosic_http::HttpTransport) -> Client {
    Client::builder()
        .login(LOGIN)
        .password(PASSWORD)
        .base_url(base)
        .carrier(StubCarrier(ClientId::new("STUB_CLIENT").unwrap()))
        .transport(transport)
        .build()
        .unwrap()
}

/// Checks the status of [`REFERENCE`] at `base` and returns the error it fails with.
pub(crate) async fn status_error(
    base: &str,
    transport: qosic_http::HttpTransport,
) -> qosic_core::Error {
    client(base, transport)
        .check_status(Lookup::parse(REFERENCE, "22997000001").unwrap())
        .await
        .expect_err("the status check must fail")
}

/// Sends the payment request to `base` through `transport` and returns the error it fails with.
pub(crate) async fn send_error(
    transport: &qosic_http::HttpTransport,
    base: &str,
) -> qosic_core::TransportError {
    transport
        .send(payment_request(base))
        .await
        .expect_err("the request must fail")
}

/// A transport that trusts `cert` as a root, besides the built-in roots.
pub(crate) fn trusting_root(cert: &TestCert) -> qosic_http::HttpTransport {
    qosic_http::HttpTransport::builder()
        .add_root_certificate(cert.certificate())
        .build()
        .unwrap()
}

/// A transport that pins `cert` with `trust_self_signed_certificate` (rustls only).
#[cfg(feature = "rustls")]
pub(crate) fn pinning(cert: &TestCert) -> qosic_http::HttpTransport {
    qosic_http::HttpTransport::builder()
        .trust_self_signed_certificate(cert.certificate())
        .build()
        .unwrap()
}

/// The error and its causes, one a line, as `{:#}`-style printers (anyhow, eyre) show them.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut lines = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        lines.push(cause.to_string());
        next = cause.source();
    }
    lines
}
