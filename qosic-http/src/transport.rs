//! [`HttpTransport`], the production [`Transport`], and its [`HttpTransportBuilder`].
//!
//! One `HttpTransport` holds one hyper-util client, hence one connection pool: clone it (cheap,
//! an `Arc` inside) rather than building a new one per call.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{
    HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, PROXY_AUTHORIZATION, USER_AGENT,
};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper_util::client::legacy::Client;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use qosic_core::{
    ApiRequest, ApiResponse, BaseUrl, Delivery, Transport, TransportError, TransportErrorKind,
};

use crate::connect::{ConnectTimedOut, Connector, Tls, TlsError};
use crate::error::{BodyTooLarge, Error};
use crate::reason::{self, Call, Target};
use crate::Certificate;

/// The default whole-call timeout: 80 seconds, from connecting to the last byte of the answer.
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
enum TlsBackend {
    #[cfg(feature = "rustls")]
    Rustls,
    #[cfg(feature = "native-tls")]
    NativeTls,
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    None,
}

/// The production [`Transport`]: HTTP/1.1 on hyper-util's pooled client, TLS verified by
/// default, with timeouts, one connection pool and a bounded answer size.
///
/// Cloning is cheap and clones share the pool; do not wrap it in another `Arc`.
/// It never follows redirects (a redirected payment could be sent twice): a `3xx` is an
/// answer like any other. It never retries a request that may have been written; the only
/// re-send is hyper's, of a request that found its pooled connection already closed before
/// any byte of it was written.
///
/// Proxies named by the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, or
/// their lower-case forms, read when the transport is built) are used, as curl uses them:
/// `https://` requests through a `CONNECT` tunnel, `http://` ones sent to the proxy; see
/// [`HttpTransportBuilder::proxy`] to name one in code, and
/// [`HttpTransportBuilder::no_proxy`] to ignore the environment.
///
/// See the [crate documentation](crate) for an example and for how errors are classified.
#[derive(Clone)]
pub struct HttpTransport {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<Connector, Full<Bytes>>,
    user_agent: HeaderValue,
    /// The proxies that apply, if any (for the `Proxy-Authorization` of plain-HTTP requests;
    /// the connector has them too).
    proxies: Option<Arc<Matcher>>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_size: usize,
    tls: TlsBackend,
    extra_roots: usize,
    pinned_certs: usize,
    accept_invalid_certs: bool,
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

    /// The whole-call timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
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

/// Builds an [`HttpTransport`]: `HttpTransport::builder()`, setters, then
/// [`build`](HttpTransportBuilder::build).
///
/// Setters never fail; a bad value is reported by `build`.
///
/// ```
/// use std::time::Duration;
///
/// let transport = qosic_http::HttpTransport::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(120))
///     .max_response_size(64 * 1024)
///     .user_agent("my-shop/1.0")
///     .build()?;
/// assert_eq!(transport.timeout(), Duration::from_secs(120));
/// # Ok::<(), qosic_http::Error>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
#[derive(Debug)]
pub struct HttpTransportBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_size: usize,
    root_certs: Vec<Certificate>,
    pinned_certs: Vec<Certificate>,
    built_in_root_certs: bool,
    accept_invalid_certs: bool,
    user_agent: String,
    pool_idle_timeout: Duration,
    proxy: ProxySetting,
    #[cfg(feature = "native-tls")]
    native_tls: bool,
}

/// Where a transport's proxy comes from.
#[derive(Debug, Clone)]
enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (the default).
    Environment,
    /// One proxy for every request (its URL may hold a password: never shown).
    Url(String),
    /// No proxy.
    None,
}

impl Default for HttpTransportBuilder {
    fn default() -> Self {
        HttpTransportBuilder::new()
    }
}

impl HttpTransportBuilder {
    /// A builder with the documented defaults (the same as `HttpTransport::builder()`).
    pub fn new() -> Self {
        HttpTransportBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            root_certs: Vec::new(),
            pinned_certs: Vec::new(),
            built_in_root_certs: true,
            accept_invalid_certs: false,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            proxy: ProxySetting::Environment,
            #[cfg(feature = "native-tls")]
            native_tls: false,
        }
    }

    /// The time allowed to resolve the name, connect and finish the TLS handshake
    /// (default [`DEFAULT_CONNECT_TIMEOUT`]). Must be greater than zero.
    ///
    /// A call that fails here was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed for the whole call, from connecting to the last byte of the answer
    /// (default [`DEFAULT_TIMEOUT`]). Must be greater than zero.
    ///
    /// A call that times out after connecting may have been received by QosIc.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest answer body accepted, in bytes (default [`DEFAULT_MAX_RESPONSE_SIZE`]).
    /// Must be greater than zero.
    ///
    /// A larger answer fails with [`TransportErrorKind::BodyTooLarge`]: at once when its
    /// `Content-Length` is above the limit, otherwise as soon as the bytes read pass it.
    /// Memory use stays within the limit.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// How long an unused pooled connection is kept open (default
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Trusts `certificate` as a root, in addition to the built-in roots (see
    /// [`tls_built_in_root_certs`](Self::tls_built_in_root_certs)).
    ///
    /// Use it for a private certificate authority: the servers' certificates it signed are
    /// then trusted, and their names and dates are still checked. For a server whose own
    /// certificate is self-signed, use
    /// [`trust_self_signed_certificate`](Self::trust_self_signed_certificate) instead: a
    /// certificate made by `openssl req -x509` is a CA certificate (`CA:TRUE`), which TLS
    /// refuses as a server's own certificate even when it is a trusted root.
    /// `build` fails with [`Error::TlsUnavailable`] when the crate has no TLS feature.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.root_certs.push(certificate);
        self
    }

    /// Trusts `certificate` as a server's own certificate, for a server (such as the QosIc
    /// staging host) whose certificate is self-signed. May be called several times.
    ///
    /// The certificate is pinned by its bytes: a server that presents exactly this certificate
    /// is accepted when the certificate names the URL's host (DNS name or IP address in its
    /// subject alternative names) and is within its validity dates, and when the server
    /// proves in the handshake that it holds the certificate's private key (checked with the
    /// *ring* provider). No chain or CA flag is checked, so this works for the `CA:TRUE`
    /// certificates that `openssl req -x509` makes by default. Every other certificate is
    /// verified as before: pinning one server's certificate trusts nothing it signed, and no
    /// other server. Unlike [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs),
    /// verification stays on.
    ///
    /// With `tls_built_in_root_certs(false)` and no added root, only the pinned certificates
    /// are trusted.
    ///
    /// Only the `rustls` backend can pin a certificate: `build` fails with
    /// [`Error::PinningUnavailable`] on the `native-tls` backend, and with
    /// [`Error::TlsUnavailable`] when the crate has no TLS feature.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // The certificate the staging server presents, e.g. made with
    /// // openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=staging.example \
    /// //     -addext subjectAltName=DNS:staging.example -keyout key.pem -out staging.pem
    /// let staging = qosic_http::Certificate::from_pem(&std::fs::read("staging.pem")?)?;
    /// let transport = qosic_http::HttpTransport::builder()
    ///     .trust_self_signed_certificate(staging)
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok(())
    /// # }
    /// ```
    pub fn trust_self_signed_certificate(mut self, certificate: Certificate) -> Self {
        self.pinned_certs.push(certificate);
        self
    }

    /// Whether to trust the built-in roots (default `true`): the operating system's store with
    /// the `platform-roots` feature, Mozilla's roots with `webpki-roots`, the system's with
    /// `native-tls`.
    ///
    /// With `false`, only the roots given to
    /// [`add_root_certificate`](Self::add_root_certificate) are trusted.
    pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
        self.built_in_root_certs = enabled;
        self
    }

    /// Turns off certificate verification: any certificate, for any name, is accepted.
    ///
    /// **Dangerous**: anyone on the path can then read and change the traffic, including the
    /// merchant's credentials. Prefer
    /// [`trust_self_signed_certificate`](Self::trust_self_signed_certificate) for a server with
    /// a self-signed certificate, and [`add_root_certificate`](Self::add_root_certificate) for a
    /// private certificate authority. Logs a warning (`tracing`, level `WARN`) when `true`.
    /// `build` fails with [`Error::TlsUnavailable`] when the crate has no TLS feature.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        if accept {
            tracing::warn!(
                "qosic-http: TLS certificate verification is disabled \
                 (danger_accept_invalid_certs); never do this in production"
            );
        }
        self.accept_invalid_certs = accept;
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]).
    ///
    /// `build` fails with [`Error::InvalidUserAgent`] when it is not a valid header value.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sends every request through the HTTP proxy at `url`, instead of the proxies the
    /// environment names: `http://host:port`, or `http://user:password@host:port` for a proxy
    /// that asks for Basic authentication.
    ///
    /// `https://` requests go through a `CONNECT` tunnel, so the proxy never sees their content
    /// and TLS is still verified with the server itself; `http://` requests are sent to the
    /// proxy. `build` fails with [`Error::InvalidProxy`] when `url` is not an `http://` URL
    /// with a host (the error never shows the URL, which may hold a password).
    ///
    /// ```
    /// let transport = qosic_http::HttpTransport::builder()
    ///     .proxy("http://proxy.internal:3128")
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok::<(), qosic_http::Error>(())
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Connects directly to every server, whatever proxies the environment names.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::None;
        self
    }

    /// Uses the `native-tls` backend even when `rustls` is enabled too (by default `rustls`
    /// wins when both features are on).
    #[cfg(feature = "native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "native-tls")))]
    pub fn tls_backend_native(mut self) -> Self {
        self.native_tls = true;
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for a zero timeout or size limit, [`Error::InvalidUserAgent`],
    /// [`Error::InvalidCertificate`] for a root or pinned certificate the TLS backend cannot
    /// parse, [`Error::TlsUnavailable`] for a TLS setting without a TLS feature,
    /// [`Error::PinningUnavailable`] for a pinned certificate on the `native-tls` backend,
    /// [`Error::NoRootCertificates`] when verification is on with nothing to trust,
    /// [`Error::InvalidProxy`] for a proxy URL that is not `http://` with a host, [`Error::Tls`]
    /// when the backend refuses the configuration.
    pub fn build(self) -> Result<HttpTransport, Error> {
        if self.timeout.is_zero() {
            return Err(Error::InvalidSetting("timeout must be greater than zero"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::InvalidSetting(
                "connect timeout must be greater than zero",
            ));
        }
        if self.max_response_size == 0 {
            return Err(Error::InvalidSetting(
                "max response size must be greater than zero",
            ));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|e| Error::InvalidUserAgent(Box::new(e)))?;
        let (tls, backend) = self.configure_tls()?;
        let proxies = match &self.proxy {
            ProxySetting::Environment => proxies_from(|name| std::env::var(name).ok()),
            ProxySetting::Url(url) => Some(one_proxy(url)?),
            ProxySetting::None => None,
        }
        .map(Arc::new);
        let connector = Connector::new(tls, proxies.clone(), self.connect_timeout);
        // No retries of our own and no redirects: hyper-util's client has neither. Its one
        // re-send is of a request whose pooled connection closed before any byte of it was
        // written (`retry_canceled_requests`, on by default).
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(connector);
        Ok(HttpTransport {
            inner: Arc::new(Inner {
                client,
                user_agent,
                proxies,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                max_response_size: self.max_response_size,
                tls: backend,
                extra_roots: self.root_certs.len(),
                pinned_certs: self.pinned_certs.len(),
                accept_invalid_certs: self.accept_invalid_certs,
            }),
        })
    }

    #[cfg(feature = "native-tls")]
    fn configure_native_tls(&self) -> Result<(Tls, TlsBackend), Error> {
        if !self.pinned_certs.is_empty() {
            return Err(Error::PinningUnavailable);
        }
        if !self.built_in_root_certs && self.root_certs.is_empty() && !self.accept_invalid_certs {
            return Err(Error::NoRootCertificates);
        }
        let mut builder = native_tls::TlsConnector::builder();
        builder
            .disable_built_in_roots(!self.built_in_root_certs)
            .danger_accept_invalid_certs(self.accept_invalid_certs);
        for root in &self.root_certs {
            let root = native_tls::Certificate::from_der(root.as_der())
                .map_err(|e| Error::InvalidCertificate(Box::new(e)))?;
            builder.add_root_certificate(root);
        }
        let connector = builder.build().map_err(|e| Error::Tls(Box::new(e)))?;
        Ok((Tls::Native(connector.into()), TlsBackend::NativeTls))
    }

    #[cfg(feature = "rustls")]
    fn configure_tls(&self) -> Result<(Tls, TlsBackend), Error> {
        #[cfg(feature = "native-tls")]
        if self.native_tls {
            return self.configure_native_tls();
        }
        let config = crate::tls::client_config(&crate::tls::RustlsOptions {
            roots: &self.root_certs,
            pinned: &self.pinned_certs,
            built_in_roots: self.built_in_root_certs,
            accept_invalid_certs: self.accept_invalid_certs,
        })?;
        Ok((Tls::Rustls(Arc::new(config).into()), TlsBackend::Rustls))
    }

    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    fn configure_tls(&self) -> Result<(Tls, TlsBackend), Error> {
        self.configure_native_tls()
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    fn configure_tls(&self) -> Result<(Tls, TlsBackend), Error> {
        if !self.root_certs.is_empty() || !self.pinned_certs.is_empty() || self.accept_invalid_certs
        {
            return Err(Error::TlsUnavailable);
        }
        Ok((Tls::None, TlsBackend::None))
    }
}

/// The proxies the environment names, as curl reads them (`var` reads one variable): `None`
/// when it names none. `HTTP_PROXY` in upper case is ignored in a CGI program
/// (`REQUEST_METHOD` set), where a request's `Proxy:` header would set it ("httpoxy").
fn proxies_from(var: impl Fn(&str) -> Option<String>) -> Option<Matcher> {
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()))
    };
    let cgi = var("REQUEST_METHOD").is_some();
    let http_names: &[&str] = if cgi {
        &["http_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    let all = first(&["ALL_PROXY", "all_proxy"]);
    let http = first(http_names);
    let https = first(&["HTTPS_PROXY", "https_proxy"]);
    if all.is_none() && http.is_none() && https.is_none() {
        return None;
    }
    let mut builder = Matcher::builder();
    if let Some(all) = all {
        builder = builder.all(all);
    }
    if let Some(http) = http {
        builder = builder.http(http);
    }
    if let Some(https) = https {
        builder = builder.https(https);
    }
    if let Some(no) = first(&["NO_PROXY", "no_proxy"]) {
        builder = builder.no(no);
    }
    Some(builder.build())
}

/// The proxy of [`HttpTransportBuilder::proxy`], for every request.
fn one_proxy(url: &str) -> Result<Matcher, Error> {
    let uri: Uri = url.trim().parse().map_err(|_| Error::InvalidProxy)?;
    if uri.scheme() != Some(&Scheme::HTTP) || uri.host().is_none_or(str::is_empty) {
        return Err(Error::InvalidProxy);
    }
    Ok(Matcher::builder().all(url.trim().to_owned()).build())
}

#[async_trait]
impl Transport for HttpTransport {
    async fn send(&self, mut request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let started = Instant::now();
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
                // Servers echo phone numbers in their messages: masked, like every text the
                // SDK shows or logs.
                tracing::trace!(
                    path,
                    body = %qosic_core::wire::mask_numbers(&response.text()),
                    "qosic-http: response body"
                );
            }
            Err(error) => tracing::debug!(
                method = "POST",
                path,
                error = %error,
                cause = %causes(error),
                kind = ?error.kind(),
                delivery = ?error.delivery(),
                elapsed_ms,
                "qosic-http: request failed"
            ),
        }
        result
    }

    /// True: a request's [`ApiRequest::timeout`], when shorter than the whole-call timeout,
    /// replaces it (the transport's one timer, from connecting to the last byte of the answer).
    fn honours_request_timeout(&self) -> bool {
        true
    }
}

/// A base URL in the form requests are made of: checked, split and parsed once per
/// [`BaseUrl`] (which the client builds once) and kept in it ([`BaseUrl::derived`]); requests
/// only add their path.
struct Prepared {
    base: Result<Base, BadUrl>,
}

#[derive(Debug)]
struct Base {
    scheme: Scheme,
    authority: Authority,
    /// The base URL's own path and query, for a request made from a whole URL
    /// ([`ApiRequest::new`] with one that did not split): sent as it is.
    whole: PathAndQuery,
    target: Target,
}

impl Prepared {
    fn new(base: &BaseUrl) -> Prepared {
        Prepared {
            base: check_url(base.as_str()),
        }
    }
}

impl Base {
    /// The URI of `request`: this base URL, then the base's path prefix and the request's path.
    fn uri(&self, request: &ApiRequest) -> Result<Uri, TransportError> {
        let path = match (request.base().prefix(), request.path()) {
            (_, "") => Ok(self.whole.clone()),
            ("", path) => PathAndQuery::from_maybe_shared(Bytes::copy_from_slice(path.as_bytes())),
            (prefix, path) => {
                let mut joined = Vec::with_capacity(prefix.len() + path.len());
                joined.extend_from_slice(prefix.as_bytes());
                joined.extend_from_slice(path.as_bytes());
                PathAndQuery::from_maybe_shared(Bytes::from(joined))
            }
        };
        let path = path.map_err(|e| {
            TransportError::new(TransportErrorKind::InvalidRequest, Delivery::NotSent)
                .with_reason(format!(
                    "the request's path cannot be sent to {} ({e}): a path holds only \
                     letters, digits and -._~!$&'()*+,;=:@/%",
                    self.target
                ))
                .with_source(e)
        })?;
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path);
        // Scheme, authority and path are each valid, and both of the first two are there.
        Uri::from_parts(parts).map_err(|e| {
            TransportError::new(TransportErrorKind::InvalidRequest, Delivery::NotSent)
                .with_reason(format!(
                    "the request to {} could not be built: {e}",
                    self.target
                ))
                .with_source(e)
        })
    }
}

/// Polls `work` until it is done, or until `deadline` fires first (`None`). The same
/// `deadline` serves every step of a call: one timer per call.
async fn within<F: Future>(deadline: Pin<&mut tokio::time::Sleep>, work: F) -> Option<F::Output> {
    let mut work = pin!(work);
    let mut deadline = deadline;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(done) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(done));
        }
        deadline.as_mut().poll(cx).map(|()| None)
    })
    .await
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
        let base = prepared.base.as_ref().map_err(BadUrl::to_error)?;
        let target = &base.target;
        let uri = base.uri(request)?;
        // A status check near the end of a polling window gets less than the whole-call
        // timeout: the call's one timer then ends it (`Transport::honours_request_timeout`).
        let timeout = request
            .timeout()
            .filter(|t| *t < self.inner.timeout)
            .unwrap_or(self.inner.timeout);
        let call = Call {
            target,
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
        let proxy_authorization = match &self.inner.proxies {
            // A plain-HTTP request goes to the proxy itself, which may ask for credentials; a
            // tunnel's are sent when it is opened.
            Some(proxies) if base.scheme == Scheme::HTTP => proxies
                .intercept(&uri)
                .and_then(|proxy| proxy.basic_auth().cloned()),
            _ => None,
        };

        let mut http_request = Request::new(Full::new(Bytes::from(body)));
        *http_request.method_mut() = Method::POST;
        *http_request.uri_mut() = uri;
        let headers = http_request.headers_mut();
        headers.reserve(5);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(CONTENT_TYPE, JSON);
        headers.insert(ACCEPT, JSON);
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if let Some(mut value) = proxy_authorization {
            value.set_sensitive(true);
            headers.insert(PROXY_AUTHORIZATION, value);
        }

        // One timer for the whole call, from connecting to the last byte of the answer.
        let mut deadline = pin!(tokio::time::sleep(timeout));
        let response = within(deadline.as_mut(), self.inner.client.request(http_request))
            .await
            .ok_or_else(|| timed_out(&call, false))?
            .map_err(|e| classify(e, &call))?;

        let status = response.status().as_u16();
        let mut answer = response.into_body();
        let limit = self.inner.max_response_size;
        let content_length = answer.size_hint().exact();
        if let Some(length) = content_length {
            if length > limit as u64 {
                return Err(too_large(target, limit, Some(length)));
            }
        }
        // The announced length is at most the limit here, so this reserves at most the limit.
        let mut body = Vec::with_capacity(content_length.map_or(0, |n| n as usize));
        while let Some(frame) = within(deadline.as_mut(), answer.frame())
            .await
            .ok_or_else(|| timed_out(&call, true))?
        {
            let frame = frame.map_err(|e| lost_in_body(e, target))?;
            let Some(chunk) = frame.data_ref() else {
                continue; // trailers: QosIc sends none, and nothing reads them
            };
            if chunk.len() > limit - body.len() {
                return Err(too_large(target, limit, None));
            }
            body.extend_from_slice(chunk);
        }
        Ok(ApiResponse::new(status, body))
    }
}

/// Why a base URL cannot be used; kept with the base URL, so it is found once.
#[derive(Debug, Clone)]
enum BadUrl {
    /// http's message: what is wrong with the URL, without the URL.
    Parse(String),
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
            )),
            BadUrl::NoHost => invalid(
                "the URL has no host: check the client's base URL, which must be http:// or \
                 https:// and a host, such as https://api.qosic.net"
                    .to_owned(),
            ),
            // They would be sent as a second Authorization header, and logs could show them.
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

fn check_url(url: &str) -> Result<Base, BadUrl> {
    let uri = Uri::try_from(url).map_err(|e| BadUrl::Parse(e.to_string()))?;
    let parts = uri.into_parts();
    let scheme = match parts.scheme {
        Some(scheme) if scheme == Scheme::HTTP => scheme,
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        Some(scheme) if scheme == Scheme::HTTPS => scheme,
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        Some(scheme) if scheme == Scheme::HTTPS => return Err(BadUrl::NoTls),
        Some(scheme) => return Err(BadUrl::Scheme(scheme.as_str().to_owned())),
        // A path alone (`not-a-url`): no scheme, no host.
        None => return Err(BadUrl::NoHost),
    };
    let authority = parts.authority.ok_or(BadUrl::NoHost)?;
    if authority.as_str().contains('@') {
        return Err(BadUrl::UserInfo);
    }
    if authority.host().is_empty() {
        return Err(BadUrl::NoHost);
    }
    let whole = parts
        .path_and_query
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    let target = Target::from_parts(&scheme, &authority);
    Ok(Base {
        scheme,
        authority,
        whole,
        target,
    })
}

#[cfg(test)]
fn parse_url(url: &str) -> Result<Base, TransportError> {
    check_url(url).map_err(|bad| bad.to_error())
}

/// The messages of `error`'s sources, joined by `": "`.
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

/// The call's timer fired: before the answer's head (`reading_body` false) or while reading
/// its body. The request may have been sent either way.
fn timed_out(call: &Call<'_>, reading_body: bool) -> TransportError {
    TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent)
        .with_reason(reason::timeout(call, false, reading_body))
}

/// The answer's body could not be read to its end.
fn lost_in_body(error: hyper::Error, target: &Target) -> TransportError {
    TransportError::new(TransportErrorKind::ConnectionLost, Delivery::MaybeSent)
        .with_reason(reason::connection_lost(&error, target, true))
        .with_source(error)
}

/// Maps a failed request (before the answer's head) to what happened on the wire, and says
/// why in plain words.
///
/// Only failures that certainly happened before the request left (DNS, TCP connect, proxy,
/// TLS handshake, connect timeout: the connector's errors) are [`Delivery::NotSent`]; anything
/// else may have been sent.
fn classify(error: hyper_util::client::legacy::Error, call: &Call<'_>) -> TransportError {
    use TransportErrorKind as Kind;
    let target = call.target;
    let (kind, delivery, reason) = if error.is_connect() {
        if reason::find::<TlsError>(&error).is_some() {
            (Kind::Tls, Delivery::NotSent, reason::tls(&error, target))
        } else if reason::find::<ConnectTimedOut>(&error).is_some() {
            (
                Kind::Timeout,
                Delivery::NotSent,
                reason::timeout(call, true, false),
            )
        } else {
            (
                Kind::Connect,
                Delivery::NotSent,
                reason::connect(&error, target),
            )
        }
    } else if is_connection_lost(&error) {
        (
            Kind::ConnectionLost,
            Delivery::MaybeSent,
            reason::connection_lost(&error, target, false),
        )
    } else {
        (
            Kind::Other,
            Delivery::MaybeSent,
            reason::other(&error, target),
        )
    };
    TransportError::new(kind, delivery)
        .with_reason(reason)
        .with_source(error)
}

fn is_connection_lost(error: &(dyn StdError + 'static)) -> bool {
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

    /// The environment as `proxies_from` reads it, from `(name, value)` pairs.
    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn proxy_for(matcher: &Matcher, url: &'static str) -> Option<String> {
        matcher
            .intercept(&Uri::from_static(url))
            .map(|proxy| proxy.uri().to_string())
    }

    #[test]
    fn the_environment_names_proxies_as_curl_reads_it() {
        assert!(proxies_from(env(&[])).is_none());
        assert!(proxies_from(env(&[("HTTPS_PROXY", ""), ("NO_PROXY", "*")])).is_none());

        let matcher = proxies_from(env(&[
            ("https_proxy", "http://tunnel.internal:3128"),
            ("HTTP_PROXY", "http://plain.internal:8080"),
            ("NO_PROXY", "localhost,127.0.0.1,.corp.example"),
        ]))
        .unwrap();
        assert_eq!(
            proxy_for(&matcher, "https://api.qosic.net/x").as_deref(),
            Some("http://tunnel.internal:3128/")
        );
        assert_eq!(
            proxy_for(&matcher, "http://api.qosic.net/x").as_deref(),
            Some("http://plain.internal:8080/")
        );
        assert_eq!(proxy_for(&matcher, "http://127.0.0.1:8080/x"), None);
        assert_eq!(proxy_for(&matcher, "https://qosic.corp.example/x"), None);

        // ALL_PROXY covers both schemes; the upper-case name wins over the lower-case one.
        let matcher = proxies_from(env(&[
            ("ALL_PROXY", "http://all.internal:3128"),
            ("all_proxy", "http://ignored.internal:1"),
        ]))
        .unwrap();
        assert_eq!(
            proxy_for(&matcher, "https://api.qosic.net/x").as_deref(),
            Some("http://all.internal:3128/")
        );

        // In a CGI program, a request's `Proxy:` header becomes HTTP_PROXY: not trusted.
        let cgi = env(&[
            ("REQUEST_METHOD", "POST"),
            ("HTTP_PROXY", "http://attacker.example:80"),
        ]);
        assert!(proxies_from(cgi).is_none());
    }

    #[test]
    fn no_proxy_ignores_the_environment() {
        let transport = HttpTransport::builder().no_proxy().build().unwrap();
        assert!(transport.inner.proxies.is_none());
        let transport = HttpTransport::builder()
            .proxy("http://proxy.internal:3128")
            .build()
            .unwrap();
        let proxies = transport.inner.proxies.as_deref().unwrap();
        assert_eq!(
            proxy_for(proxies, "http://127.0.0.1:8080/x").as_deref(),
            Some("http://proxy.internal:3128/")
        );
    }

    #[test]
    fn too_large_may_have_been_sent() {
        let target = Target::from_uri(&Uri::from_static("http://127.0.0.1:9/x"));
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
