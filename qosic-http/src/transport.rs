//! [`HttpTransport`], the production [`Transport`], and its [`HttpTransportBuilder`].
//!
//! One `HttpTransport` holds one `reqwest::Client`, hence one connection pool: clone it (cheap,
//! an `Arc` inside) rather than building a new one per call.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use qosic_core::{
    ApiRequest, ApiResponse, BaseUrl, Delivery, Transport, TransportError, TransportErrorKind,
};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::builder::{check_limits, HttpTransportBuilder};
use crate::error::{BodyTooLarge, Error};
use crate::reason::{self, Call, Target};

/// The default whole-call timeout: 80 seconds, from connecting to the last byte of the answer.
///
/// It is a deadline on tokio's timer, which fires after it, never before: a call that hits it
/// fails a little after the limit (by the time the timer takes to fire and the task to run,
/// typically 1 to 3 ms: tokio's timers tick in whole milliseconds), measured from the call's
/// start to its error.
///
/// MOOV answers a payment request only after the customer approved it on the phone (or the
/// carrier gave up), so a call can legitimately take over a minute. This is the value the
/// Python SDK uses.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(80);

/// The default connect timeout: 10 seconds for DNS, TCP and the TLS handshake.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default limit on an answer's body: 1 MiB. QosIc's answers are a few hundred bytes.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 1024 * 1024;

/// The default `User-Agent`: `qosic-http/` and this crate's version.
pub const DEFAULT_USER_AGENT: &str = concat!("qosic-http/", env!("CARGO_PKG_VERSION"));

/// How long an unused pooled connection is kept: 15 seconds.
///
/// QosIc answers like Tomcat (`HTTP Status 401: Bad credentials`), whose keep-alive timeout
/// is 20 seconds by default. Dropping idle connections before the server does avoids sending a
/// request on a connection the server is closing, which would fail as "may have been sent"
/// although QosIc never saw it.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(15);

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Which TLS library a transport uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsBackend {
    #[cfg(feature = "rustls")]
    Rustls,
    #[cfg(feature = "native-tls")]
    NativeTls,
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    None,
    /// The caller's own client ([`HttpTransport::from_client`]): its TLS settings.
    Caller,
}

/// The production [`Transport`]: HTTP/1.1 on a `reqwest::Client`, TLS verified by default,
/// with timeouts, one connection pool and a bounded answer size.
///
/// Cloning is cheap and clones share the pool; do not wrap it in another `Arc`.
/// It never follows redirects (a redirected payment could be sent twice): a `3xx` is an
/// answer like any other. It never retries a request that may have been written; the only
/// re-send is hyper's, of a request that found its pooled connection already closed before
/// any byte of it was written.
///
/// Proxies are reqwest's: those the environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, `NO_PROXY`, or their lower-case forms; and the system's settings on macOS and
/// Windows) are used; `http://` and `https://` proxies, and `socks5://` ones with the `socks`
/// feature. See [`HttpTransportBuilder::proxy`] to name one in code, and
/// [`HttpTransportBuilder::no_proxy`] to ignore the environment.
///
/// It refuses to send while tokio's clock is paused (a test under
/// `#[tokio::test(start_paused = true)]`): its timeouts would fire at once, so every call fails
/// before sending ([`Delivery::NotSent`]) with a reason that says so and names the in-process
/// transport to use instead.
///
/// See the [crate documentation](crate) for an example and for how errors are classified.
#[derive(Clone)]
pub struct HttpTransport {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) client: reqwest::Client,
    pub(crate) timeout: Duration,
    /// `None` for a caller's client, whose connect timeout this crate cannot read.
    pub(crate) connect_timeout: Option<Duration>,
    /// The proxy named with [`HttpTransportBuilder::proxy`], as reasons show it (host:port).
    pub(crate) proxy: Option<Target>,
    pub(crate) max_response_size: usize,
    pub(crate) tls: TlsBackend,
    pub(crate) extra_roots: usize,
    pub(crate) pinned_certs: usize,
    pub(crate) accept_invalid_certs: bool,
}

impl HttpTransport {
    /// A transport with the defaults: [`DEFAULT_TIMEOUT`], [`DEFAULT_CONNECT_TIMEOUT`],
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], [`DEFAULT_USER_AGENT`], and the built-in root
    /// certificates of the enabled TLS feature.
    ///
    /// # Errors
    ///
    /// When the TLS backend cannot be set up: the platform's certificate store cannot be read,
    /// or the crate was built with `rustls` but neither `platform-roots` nor `webpki-roots`
    /// ([`Error::NoRootCertificates`]).
    pub fn new() -> Result<HttpTransport, Error> {
        HttpTransport::builder().build()
    }

    /// A builder to change the defaults.
    pub fn builder() -> HttpTransportBuilder {
        HttpTransportBuilder::new()
    }

    /// A transport that sends through `client`, the caller's own `reqwest::Client` (for
    /// example one that goes through a fixed-address egress proxy, since QosIc accepts only
    /// whitelisted source addresses, or one with middleware of its own). Use the `reqwest` this
    /// crate re-exports ([`crate::reqwest`]), so that the versions match.
    ///
    /// What this crate still guarantees: every call is bounded by [`DEFAULT_TIMEOUT`], from
    /// connecting to the last byte of the answer (set per request, it replaces the client's
    /// own timeout), answers are read up to [`DEFAULT_MAX_RESPONSE_SIZE`], errors say whether
    /// the request may have been sent, and a paused clock is refused as with
    /// [`HttpTransport::new`].
    ///
    /// What becomes the caller's, set on `client`: TLS (its roots, pinned certificates,
    /// verification), proxies, the connect timeout, the pool, the `User-Agent`, and redirects
    /// and retries. A `reqwest::Client::new()` follows up to 10 redirects, which can send a
    /// payment to another URL: build the client with `redirect(reqwest::redirect::Policy::none())`.
    ///
    /// With the `rustls` feature, reqwest is built without a crypto provider of its own (this
    /// crate hands it a rustls configuration with *ring*): start from
    /// [`HttpTransportBuilder::reqwest_builder`], which has this crate's TLS, timeouts, proxy
    /// and no redirects, and add yours; a bare `reqwest::Client::builder()` needs a rustls
    /// provider installed first (`rustls::crypto::ring::default_provider().install_default()`).
    ///
    /// ```
    /// use qosic_http::{reqwest, HttpTransport};
    ///
    /// let client = HttpTransport::builder()
    ///     .reqwest_builder()?
    ///     .local_address(std::net::IpAddr::from([0, 0, 0, 0]))
    ///     .build()?;
    /// let transport = HttpTransport::from_client(client);
    /// assert_eq!(transport.timeout(), qosic_http::DEFAULT_TIMEOUT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_client(client: reqwest::Client) -> HttpTransport {
        HttpTransport::with_client(client, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE)
    }

    /// [`from_client`](HttpTransport::from_client) with another whole-call timeout and body
    /// limit (what [`HttpTransportBuilder::timeout`] and
    /// [`HttpTransportBuilder::max_response_size`] set).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for a zero timeout or size limit.
    pub fn from_client_with_limits(
        client: reqwest::Client,
        timeout: Duration,
        max_response_size: usize,
    ) -> Result<HttpTransport, Error> {
        check_limits(timeout, max_response_size)?;
        Ok(HttpTransport::with_client(
            client,
            timeout,
            max_response_size,
        ))
    }

    fn with_client(
        client: reqwest::Client,
        timeout: Duration,
        max_response_size: usize,
    ) -> HttpTransport {
        HttpTransport {
            inner: Arc::new(Inner {
                client,
                timeout,
                connect_timeout: None,
                proxy: None,
                max_response_size,
                tls: TlsBackend::Caller,
                extra_roots: 0,
                pinned_certs: 0,
                accept_invalid_certs: false,
            }),
        }
    }

    /// The whole-call timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The connect timeout; `None` for a transport made with
    /// [`from_client`](HttpTransport::from_client), whose client has its own.
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.inner.connect_timeout
    }

    /// The largest body accepted, in bytes.
    pub fn max_response_size(&self) -> usize {
        self.inner.max_response_size
    }
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("HttpTransport")
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("max_response_size", &inner.max_response_size)
            .field("tls", &inner.tls)
            .field("extra_roots", &inner.extra_roots)
            .field("pinned_certs", &inner.pinned_certs)
            .field("accept_invalid_certs", &inner.accept_invalid_certs)
            .finish_non_exhaustive()
    }
}

/// Where a reqwest error happened: before the answer's head, or while reading its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Send,
    Body,
}

#[async_trait]
impl Transport for HttpTransport {
    async fn send(&self, mut request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let started = Instant::now();
        if clock_is_paused() {
            let error = paused_clock(request.base().as_str());
            tracing::debug!(
                method = "POST",
                path = request.path(),
                error = %error,
                "qosic-http: request refused"
            );
            return Err(error);
        }
        let body = request.take_body();
        let path = request.path();
        tracing::debug!(
            method = "POST",
            path,
            request_size = body.len(),
            "qosic-http: sending request"
        );
        let result = self.send_inner(&request, body, started).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(response) => {
                tracing::debug!(
                    method = "POST",
                    path,
                    status = response.status,
                    response_size = response.body.len(),
                    elapsed_ms,
                    "qosic-http: received response"
                );
                // A server's body as every text the SDK shows or logs: phone numbers masked,
                // the card key and account holders' names redacted, control characters
                // escaped, invalid UTF-8 replaced, cut after 4 KiB (a compressed or hostile
                // body cannot fill a log or rewrite a terminal).
                tracing::trace!(
                    path,
                    body = %qosic_core::server_text::body(&response.body),
                    "qosic-http: response body"
                );
            }
            Err(error) => tracing::debug!(
                method = "POST",
                path,
                error = %error,
                cause = %qosic_core::server_text::reason(&causes(error)),
                kind = ?error.kind(),
                delivery = ?error.delivery(),
                elapsed_ms,
                "qosic-http: request failed"
            ),
        }
        result
    }

    /// True: a request's [`ApiRequest::timeout`], when shorter than the whole-call timeout,
    /// replaces it (reqwest's per-request timer, from connecting to the last byte of the
    /// answer).
    fn honours_request_timeout(&self) -> bool {
        true
    }
}

/// A base URL in reqwest's form, parsed and checked once per [`BaseUrl`] (which the client
/// builds once) and kept in it ([`BaseUrl::derived`]): requests only set their path.
struct Prepared {
    base: Result<(reqwest::Url, Target), BadUrl>,
}

impl Prepared {
    fn new(base: &BaseUrl) -> Prepared {
        Prepared {
            base: check_url(base.as_str()).map(|url| {
                let target = Target::from_url(&url);
                (url, target)
            }),
        }
    }
}

impl HttpTransport {
    async fn send_inner(
        &self,
        request: &ApiRequest,
        body: Vec<u8>,
        started: Instant,
    ) -> Result<ApiResponse, TransportError> {
        let made_here;
        let prepared = match request.base().derived(Prepared::new) {
            Some(prepared) => prepared,
            // The base URL was prepared first by another kind of transport.
            None => {
                made_here = Prepared::new(request.base());
                &made_here
            }
        };
        let (base, target) = prepared.base.as_ref().map_err(BadUrl::to_error)?;
        let mut url = base.clone();
        match (request.base().prefix(), request.path()) {
            // A request made from a URL that did not split (`ApiRequest::new`): as it is.
            (_, "") => {}
            ("", path) => url.set_path(path),
            (prefix, path) => url.set_path(&format!("{prefix}{path}")),
        }
        // A status check near the end of a polling window gets less than the whole-call
        // timeout: reqwest's own timer ends it (`Transport::honours_request_timeout`).
        let timeout = request
            .timeout()
            .filter(|t| *t < self.inner.timeout)
            .unwrap_or(self.inner.timeout);
        let call = Call {
            target,
            proxy: self.inner.proxy.as_ref(),
            started,
            timeout,
            connect_timeout: self.inner.connect_timeout,
        };
        let mut authorization =
            HeaderValue::from_str(request.credentials().authorization().expose()).map_err(|e| {
                // Never show the header: it is the password, barely encoded.
                TransportError::new(TransportErrorKind::InvalidRequest, Delivery::NotSent)
                    .with_reason(
                        "the login or password cannot be sent in an HTTP header (it holds a \
                         control character, such as a line break)",
                    )
                    .with_source(e)
            })?;
        authorization.set_sensitive(true);
        // Straight into the request's own header map: a map of our own would be allocated,
        // then copied into it.
        let builder = self
            .inner
            .client
            .post(url)
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, JSON)
            .header(ACCEPT, JSON)
            .body(body)
            // Set on every request, so that it holds for a caller's client too
            // (`from_client`): it replaces the client's own, still one timer per call.
            .timeout(timeout);
        let mut response = builder
            .send()
            .await
            .map_err(|e| classify(e, Phase::Send, &call))?;

        let status = response.status().as_u16();
        let limit = self.inner.max_response_size;
        let content_length = response.content_length();
        if let Some(length) = content_length {
            if length > limit as u64 {
                return Err(too_large(target, limit, Some(length)));
            }
        }
        // The announced length is at most the limit here, so this reserves at most the limit.
        let mut body = Vec::with_capacity(content_length.map_or(0, |n| n as usize));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(e, Phase::Body, &call))?
        {
            if chunk.len() > limit - body.len() {
                return Err(too_large(target, limit, None));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ApiResponse::new(status, body))
    }
}

/// The parse error of reqwest's `Url` (the `url` crate's, which reqwest does not re-export).
type UrlParseError = <reqwest::Url as std::str::FromStr>::Err;

/// Why a base URL cannot be used; kept with the base URL, so it is found once.
#[derive(Debug, Clone)]
enum BadUrl {
    Parse(UrlParseError),
    NoHost,
    UserInfo,
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    NoTls,
    Scheme(String),
}

impl BadUrl {
    fn to_error(&self) -> TransportError {
        // Reasons never show the URL: it may carry credentials or a token.
        let invalid = |reason: String| -> TransportError {
            TransportError::new(TransportErrorKind::InvalidRequest, Delivery::NotSent)
                .with_reason(reason)
        };
        match self {
            BadUrl::Parse(e) => invalid(format!(
                "invalid URL ({e}): check the client's base URL, which must be http:// or \
                 https:// and a host, such as https://api.qosic.net"
            ))
            .with_source(*e),
            BadUrl::NoHost => invalid(
                "the URL has no host: check the client's base URL, which must be http:// or \
                 https:// and a host, such as https://api.qosic.net"
                    .to_owned(),
            ),
            // reqwest would send them as a second Authorization header, and logs could show
            // them.
            BadUrl::UserInfo => invalid(
                "the URL carries a user name or password (user:password@): remove them from \
                 the base URL; the login and password go in the client's credentials"
                    .to_owned(),
            ),
            #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
            BadUrl::NoTls => invalid(
                "https:// URLs need TLS, and qosic-http was built without it: enable its \
                 `rustls` or `native-tls` feature"
                    .to_owned(),
            )
            .with_source(Error::TlsUnavailable),
            BadUrl::Scheme(scheme) => invalid(format!(
                "unsupported URL scheme {scheme}: the base URL must start with https:// (or \
                 http:// for a local test server)"
            )),
        }
    }
}

fn check_url(url: &str) -> Result<reqwest::Url, BadUrl> {
    let url = reqwest::Url::parse(url).map_err(|e| match e {
        // A path alone (`not-a-url`, `/QosicBridge/…`): no scheme, no host.
        UrlParseError::RelativeUrlWithoutBase => BadUrl::NoHost,
        e => BadUrl::Parse(e),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadUrl::UserInfo);
    }
    match url.scheme() {
        "http" => Ok(url),
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        "https" => Ok(url),
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        "https" => Err(BadUrl::NoTls),
        scheme => Err(BadUrl::Scheme(scheme.to_owned())),
    }
}

#[cfg(test)]
fn parse_url(url: &str) -> Result<reqwest::Url, TransportError> {
    check_url(url).map_err(|bad| bad.to_error())
}

/// The messages of `error`'s sources, joined by `": "` (reqwest's errors carry no URL here).
fn causes(error: &TransportError) -> String {
    let mut text = String::new();
    let mut next = StdError::source(error);
    while let Some(cause) = next {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

fn too_large(target: &Target, limit: usize, content_length: Option<u64>) -> TransportError {
    // The server answered, so it received the request: a payment may have been recorded.
    TransportError::new(TransportErrorKind::BodyTooLarge, Delivery::MaybeSent)
        .with_reason(reason::too_large(target, limit, content_length))
        .with_source(BodyTooLarge::new(limit, content_length))
}

/// Whether tokio's clock is paused (`tokio::time::pause`, `#[tokio::test(start_paused =
/// true)]`), in a few tens of nanoseconds.
///
/// Unpaused, tokio's `Instant::now()` is the real clock's: read after the real clock has moved
/// on from a reading taken after the first one, it is later than the first. Paused, it stays
/// where it is until tokio advances it, which it does only while every task waits (never
/// during this synchronous function): the two readings are equal.
pub(crate) fn clock_is_paused() -> bool {
    let before = tokio::time::Instant::now();
    let real = Instant::now();
    // One tick of the real clock (nanoseconds on Linux, 100 ns on Windows).
    while Instant::now() == real {
        std::hint::spin_loop();
    }
    tokio::time::Instant::now() == before
}

/// The refusal to send on a paused clock.
fn paused_clock(base_url: &str) -> TransportError {
    let target = match check_url(base_url) {
        Ok(url) => Target::from_url(&url).to_string(),
        Err(_) => "the server".to_owned(),
    };
    TransportError::new(TransportErrorKind::Other, Delivery::NotSent)
        .with_reason(reason::paused_clock(&target))
}

/// Maps a reqwest error to what happened on the wire, and says why in plain words.
///
/// Only failures that certainly happened before the request left (URL, DNS, TCP connect, TLS
/// handshake, connect timeout) are [`Delivery::NotSent`]; anything else may have been sent.
fn classify(error: reqwest::Error, phase: Phase, call: &Call<'_>) -> TransportError {
    use TransportErrorKind as Kind;
    // The URL may carry credentials (`https://user:password@host`) or a token: never keep it,
    // nor show it in a reason (reqwest's own message names it).
    let error = error.without_url();
    let target = call.target;
    let body = phase == Phase::Body;
    let (kind, delivery, reason) = match phase {
        Phase::Body if error.is_timeout() => (
            Kind::Timeout,
            Delivery::MaybeSent,
            reason::timeout(call, false, body),
        ),
        Phase::Body => (
            Kind::ConnectionLost,
            Delivery::MaybeSent,
            reason::connection_lost(&error, target, body),
        ),
        Phase::Send if error.is_builder() => (
            Kind::InvalidRequest,
            Delivery::NotSent,
            format!(
                "the request to {target} could not be built: {}",
                reason::innermost(&error)
            ),
        ),
        Phase::Send if error.is_connect() => {
            if is_tls_error(&error) {
                (Kind::Tls, Delivery::NotSent, reason::tls(&error, target))
            } else if error.is_timeout() {
                (
                    Kind::Timeout,
                    Delivery::NotSent,
                    reason::timeout(call, true, body),
                )
            } else {
                (
                    Kind::Connect,
                    Delivery::NotSent,
                    reason::connect(&error, call),
                )
            }
        }
        Phase::Send if error.is_timeout() => (
            Kind::Timeout,
            Delivery::MaybeSent,
            reason::timeout(call, false, body),
        ),
        Phase::Send if is_connection_lost(&error) => (
            Kind::ConnectionLost,
            Delivery::MaybeSent,
            reason::connection_lost(&error, target, body),
        ),
        Phase::Send => (
            Kind::Other,
            Delivery::MaybeSent,
            reason::other(&error, target),
        ),
    };
    TransportError::new(kind, delivery)
        .with_reason(reason)
        .with_source(error)
}

fn is_tls_error(error: &reqwest::Error) -> bool {
    reason::find_map::<()>(error, &mut |e| {
        #[cfg(feature = "rustls")]
        if e.is::<rustls::Error>() {
            return Some(());
        }
        #[cfg(feature = "native-tls")]
        if e.is::<native_tls::Error>() {
            return Some(());
        }
        let _ = e;
        None
    })
    .is_some()
}

fn is_connection_lost(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    reason::find_map(error, &mut |e| {
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            return (hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled())
                .then_some(());
        }
        let io = e.downcast_ref::<std::io::Error>()?;
        matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
                | ErrorKind::NotConnected
        )
        .then_some(())
    })
    .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_is_send_sync_clone_and_small() {
        fn assert_traits<T: Send + Sync + Clone + fmt::Debug + 'static>() {}
        assert_traits::<HttpTransport>();
        assert_eq!(
            std::mem::size_of::<HttpTransport>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn bad_settings_fail_at_build() {
        let zero = Duration::ZERO;
        for builder in [
            HttpTransport::builder().timeout(zero),
            HttpTransport::builder().connect_timeout(zero),
            HttpTransport::builder().max_response_size(0),
        ] {
            assert!(matches!(builder.build(), Err(Error::InvalidSetting(_))));
        }
        assert!(matches!(
            HttpTransport::builder().user_agent("bad\nagent").build(),
            Err(Error::InvalidUserAgent(_))
        ));
    }

    #[test]
    fn urls_are_checked_before_io() {
        for url in ["not a url", "ftp://example.com/x"] {
            let error = parse_url(url).unwrap_err();
            assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
            assert_eq!(error.delivery(), Delivery::NotSent);
        }
        assert!(parse_url("http://127.0.0.1:9/x").is_ok());
        let error = parse_url("http://user:pass@127.0.0.1:9/x").unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
        assert!(!format!("{error:?}").contains("pass@"));
    }

    #[test]
    fn too_large_may_have_been_sent() {
        let target = Target::from_url(&reqwest::Url::parse("http://127.0.0.1:9/x").unwrap());
        let error = too_large(&target, 10, Some(11));
        assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
        assert_eq!(error.delivery(), Delivery::MaybeSent);
        assert_eq!(
            error.reason(),
            "answer from 127.0.0.1:9 too large: 11 bytes announced, over the limit of 10 bytes \
             (HttpTransportBuilder::max_response_size raises the limit)"
        );
        let source = StdError::source(&error).unwrap();
        assert_eq!(
            source.downcast_ref::<BodyTooLarge>(),
            Some(&BodyTooLarge::new(10, Some(11)))
        );
    }
}
