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

use crate::error::{BodyTooLarge, Error};
use crate::reason::{self, Call, Target};
use crate::Certificate;

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
enum TlsBackend {
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
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    timeout: Duration,
    /// `None` for a caller's client, whose connect timeout this crate cannot read.
    connect_timeout: Option<Duration>,
    /// The proxy named with [`HttpTransportBuilder::proxy`], as reasons show it (host:port).
    proxy: Option<Target>,
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
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, and the system's (the default).
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
    /// A call that times out after connecting may have been received by QosIc. The timeout
    /// holds whatever the server does, including an answer that trickles in byte by byte; it
    /// fires after the limit, never before (see [`DEFAULT_TIMEOUT`] for by how much).
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

    /// Sends every request through the proxy at `url`, instead of the proxies the environment
    /// names: `http://host:port`, `https://host:port` (TLS to the proxy itself), or, with the
    /// `socks` feature, `socks5://host:port` (names resolved here) or `socks5h://host:port`
    /// (names resolved by the proxy). Add `user:password@` for a proxy that asks for them.
    ///
    /// `https://` requests go through a tunnel (`CONNECT`, or SOCKS), so the proxy never sees
    /// their content and TLS is still verified with the server itself; `http://` requests are
    /// sent to an HTTP proxy. `build` fails with [`Error::InvalidProxy`] when `url` is not one
    /// of these (the error never shows the URL, which may hold a password).
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
    /// [`Error::InvalidProxy`] for a proxy URL this crate cannot use, [`Error::Tls`] or
    /// [`Error::Client`] when the backend refuses the configuration.
    pub fn build(self) -> Result<HttpTransport, Error> {
        let (builder, tls, proxy) = self.configure()?;
        let client = builder
            .build()
            .map_err(|e| Error::Client(Box::new(e.without_url())))?;
        Ok(HttpTransport {
            inner: Arc::new(Inner {
                client,
                timeout: self.timeout,
                connect_timeout: Some(self.connect_timeout),
                proxy,
                max_response_size: self.max_response_size,
                tls,
                extra_roots: self.root_certs.len(),
                pinned_certs: self.pinned_certs.len(),
                accept_invalid_certs: self.accept_invalid_certs,
            }),
        })
    }

    /// The `reqwest::ClientBuilder` that [`build`](Self::build) would build from: this
    /// builder's TLS, timeouts, proxy, pool and `User-Agent`, HTTP/1.1, no redirects, no
    /// retries. Add settings of your own, build it, and give the client to
    /// [`HttpTransport::from_client`].
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), for the settings it checks before building the client.
    pub fn reqwest_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        self.configure().map(|(builder, _, _)| builder)
    }

    fn configure(&self) -> Result<(reqwest::ClientBuilder, TlsBackend, Option<Target>), Error> {
        check_limits(self.timeout, self.max_response_size)?;
        if self.connect_timeout.is_zero() {
            return Err(Error::InvalidSetting(
                "connect timeout must be greater than zero",
            ));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|e| Error::InvalidUserAgent(Box::new(e)))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            // reqwest retries only HTTP/2 and HTTP/3 refusals, which this client never speaks;
            // say "never" anyway, so that no later default can send a payment twice.
            .retry(reqwest::retry::never())
            .referer(false)
            .http1_only();
        let mut proxy = None;
        match &self.proxy {
            // reqwest reads the environment (and the system's settings) by default.
            ProxySetting::Environment => {}
            ProxySetting::Url(url) => {
                let (named, target) = one_proxy(url)?;
                builder = builder.proxy(named);
                proxy = Some(target);
            }
            ProxySetting::None => builder = builder.no_proxy(),
        }
        let (builder, tls) = self.configure_tls(builder)?;
        Ok((builder, tls, proxy))
    }

    #[cfg(feature = "native-tls")]
    fn configure_native_tls(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<(reqwest::ClientBuilder, TlsBackend), Error> {
        if !self.pinned_certs.is_empty() {
            return Err(Error::PinningUnavailable);
        }
        let mut roots = Vec::with_capacity(self.root_certs.len());
        for root in &self.root_certs {
            let root = reqwest::Certificate::from_der(root.as_der())
                .map_err(|e| Error::InvalidCertificate(Box::new(e.without_url())))?;
            roots.push(root);
        }
        let builder = builder.tls_backend_native();
        let builder = if self.built_in_root_certs {
            builder.tls_certs_merge(roots)
        } else {
            if roots.is_empty() && !self.accept_invalid_certs {
                return Err(Error::NoRootCertificates);
            }
            builder.tls_certs_only(roots)
        };
        Ok((
            builder.tls_danger_accept_invalid_certs(self.accept_invalid_certs),
            TlsBackend::NativeTls,
        ))
    }

    #[cfg(feature = "rustls")]
    fn configure_tls(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<(reqwest::ClientBuilder, TlsBackend), Error> {
        #[cfg(feature = "native-tls")]
        if self.native_tls {
            return self.configure_native_tls(builder);
        }
        let config = crate::tls::client_config(&crate::tls::RustlsOptions {
            roots: &self.root_certs,
            pinned: &self.pinned_certs,
            built_in_roots: self.built_in_root_certs,
            accept_invalid_certs: self.accept_invalid_certs,
        })?;
        Ok((
            builder.tls_backend_preconfigured(config),
            TlsBackend::Rustls,
        ))
    }

    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    fn configure_tls(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<(reqwest::ClientBuilder, TlsBackend), Error> {
        self.configure_native_tls(builder)
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    fn configure_tls(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<(reqwest::ClientBuilder, TlsBackend), Error> {
        if !self.root_certs.is_empty() || !self.pinned_certs.is_empty() || self.accept_invalid_certs
        {
            return Err(Error::TlsUnavailable);
        }
        Ok((builder, TlsBackend::None))
    }
}

fn check_limits(timeout: Duration, max_response_size: usize) -> Result<(), Error> {
    if timeout.is_zero() {
        return Err(Error::InvalidSetting("timeout must be greater than zero"));
    }
    if max_response_size == 0 {
        return Err(Error::InvalidSetting(
            "max response size must be greater than zero",
        ));
    }
    Ok(())
}

/// The proxy of [`HttpTransportBuilder::proxy`], for every request, and where it is, for
/// reasons.
fn one_proxy(url: &str) -> Result<(reqwest::Proxy, Target), Error> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| Error::InvalidProxy)?;
    let scheme = parsed.scheme();
    let socks = cfg!(feature = "socks") && matches!(scheme, "socks5" | "socks5h");
    let known = socks || matches!(scheme, "http" | "https");
    if !known || parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidProxy);
    }
    let proxy = reqwest::Proxy::all(url).map_err(|_| Error::InvalidProxy)?;
    Ok((proxy, Target::from_url(&parsed)))
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
                // Servers echo phone numbers in their messages: masked, like every text the
                // SDK shows or logs; account holders' names and card keys redacted.
                tracing::trace!(
                    path,
                    body = %qosic_core::wire::mask_personal_data(&response.text()),
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
