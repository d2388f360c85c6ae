//! [`HttpTransportBuilder`]: the settings of an [`HttpTransport`], checked by `build`.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::reason::Target;
use crate::transport::{
    HttpTransport, Inner, TlsBackend, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
use crate::Certificate;
use reqwest::header::HeaderValue;

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
    /// A larger answer fails with [`TransportErrorKind::BodyTooLarge`](qosic_core::TransportErrorKind::BodyTooLarge): at once when its
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
    /// names: `http://host:port`, `https://host:port` (TLS to the proxy itself, its certificate
    /// checked with the same roots and pinned certificates as the server's), or, with the
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

pub(crate) fn check_limits(timeout: Duration, max_response_size: usize) -> Result<(), Error> {
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
