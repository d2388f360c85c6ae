//! Opening connections for hyper-util's pooled client: name resolution, TCP, an HTTP proxy
//! when one applies, and TLS, all under the connect timeout.
//!
//! Every failure here happens before a byte of the request is written, so the transport
//! reports it as not sent. Each step marks its errors with a type of this module
//! ([`DnsError`], [`ProxyError`], [`TlsError`], [`ConnectTimedOut`]), and the reasons are found
//! by those types, never by matching message text.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::uri::Scheme;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::dns::{GaiAddrs, GaiFuture, GaiResolver, Name};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::BoxError;
use crate::reason::Target;

/// The TLS side of connections, made once by the builder.
#[derive(Clone)]
pub(crate) enum Tls {
    #[cfg(feature = "rustls")]
    Rustls(tokio_rustls::TlsConnector),
    #[cfg(feature = "native-tls")]
    Native(tokio_native_tls::TlsConnector),
    /// Built without a TLS feature: the transport refuses `https://` URLs before any I/O.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    None,
}

/// hyper-util's connector: resolves, connects (directly or through a proxy), then shakes hands
/// for `https://`, within `timeout`.
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector<Resolver>,
    tls: Tls,
    proxies: Option<Arc<Matcher>>,
    timeout: Duration,
}

impl Connector {
    pub(crate) fn new(tls: Tls, proxies: Option<Arc<Matcher>>, timeout: Duration) -> Connector {
        let mut http = HttpConnector::new_with_resolver(Resolver(GaiResolver::new()));
        // TLS is done here, on top of the TCP stream, so the TCP connector takes https URLs.
        http.enforce_http(false);
        // Requests are small and answered at once: no Nagle delay.
        http.set_nodelay(true);
        Connector {
            http,
            tls,
            proxies,
            timeout,
        }
    }

    async fn connect(mut self, dst: Uri) -> Result<Conn, BoxError> {
        let https = dst.scheme() == Some(&Scheme::HTTPS);
        let proxy = self
            .proxies
            .as_deref()
            .and_then(|proxies| proxies.intercept(&dst));
        let Some(proxy) = proxy else {
            let tcp = call(&mut self.http, dst.clone()).await?;
            return self.finish(&dst, tcp, https).await;
        };
        let proxy_uri = proxy.uri().clone();
        let at = Target::from_uri(&proxy_uri);
        if proxy_uri.scheme() != Some(&Scheme::HTTP) {
            return Err(Box::new(ProxyError {
                proxy: at,
                unsupported: Some(proxy_uri.scheme_str().unwrap_or("").to_owned()),
                source: None,
            }));
        }
        let through = |source: BoxError| -> BoxError {
            Box::new(ProxyError {
                proxy: at.clone(),
                unsupported: None,
                source: Some(source),
            })
        };
        if https {
            // A tunnel (CONNECT), then TLS with the server itself through it.
            let mut tunnel = Tunnel::new(proxy_uri, self.http.clone());
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            let tcp = call(&mut tunnel, dst.clone())
                .await
                .map_err(|e| through(e.into()))?;
            return self.finish(&dst, tcp, true).await;
        }
        // Plain HTTP goes to the proxy itself, with the absolute URL as the request target
        // (hyper-util writes it so for a connection marked as a proxy's).
        let tcp = call(&mut self.http, proxy_uri)
            .await
            .map_err(|e| through(e.into()))?;
        Ok(Conn {
            stream: Stream::Tcp(tcp),
            proxy: true,
        })
    }

    /// TLS on `tcp` for an `https://` destination; `tcp` as it is otherwise.
    async fn finish(
        &self,
        dst: &Uri,
        tcp: TokioIo<TcpStream>,
        https: bool,
    ) -> Result<Conn, BoxError> {
        let stream = if https {
            self.handshake(dst, tcp.into_inner())
                .await
                .map_err(TlsError)?
        } else {
            Stream::Tcp(tcp)
        };
        Ok(Conn {
            stream,
            proxy: false,
        })
    }

    async fn handshake(&self, dst: &Uri, tcp: TcpStream) -> Result<Stream, BoxError> {
        match &self.tls {
            #[cfg(feature = "rustls")]
            Tls::Rustls(tls) => {
                let name = rustls::pki_types::ServerName::try_from(server_name(dst).to_owned())?;
                Ok(Stream::Rustls(Box::new(TokioIo::new(
                    tls.connect(name, tcp).await?,
                ))))
            }
            #[cfg(feature = "native-tls")]
            Tls::Native(tls) => Ok(Stream::Native(Box::new(TokioIo::new(
                tls.connect(server_name(dst), tcp).await?,
            )))),
            #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
            Tls::None => {
                drop((dst, tcp));
                Err("https:// URLs need a TLS feature of qosic-http".into())
            }
        }
    }
}

/// The name TLS checks the server's certificate against: the URI's host, an IPv6 address
/// without the brackets it has in a URI (`[::1]`).
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn server_name(dst: &Uri) -> &str {
    let host = dst.host().unwrap_or("");
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connector = self.clone();
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connector.connect(dst)).await {
                Ok(connected) => connected,
                Err(_) => Err(Box::new(ConnectTimedOut) as BoxError),
            }
        })
    }
}

/// Waits until `service` is ready, then calls it.
async fn call<S: Service<Uri>>(service: &mut S, uri: Uri) -> Result<S::Response, S::Error> {
    std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(uri).await
}

/// The system's resolver (`getaddrinfo` on a blocking thread), with its errors marked as
/// [`DnsError`].
#[derive(Clone)]
pub(crate) struct Resolver(GaiResolver);

impl Service<Name> for Resolver {
    type Response = GaiAddrs;
    type Error = DnsError;
    type Future = Resolving;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), DnsError>> {
        self.0.poll_ready(cx).map_err(DnsError)
    }

    fn call(&mut self, name: Name) -> Resolving {
        Resolving(self.0.call(name))
    }
}

/// A name being resolved.
pub(crate) struct Resolving(GaiFuture);

impl Future for Resolving {
    type Output = Result<GaiAddrs, DnsError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map_err(DnsError)
    }
}

/// The host name could not be resolved. Shows the resolver's own message.
#[derive(Debug)]
pub(crate) struct DnsError(io::Error);

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for DnsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// The connect timeout fired: resolving, connecting and the TLS handshake took too long.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut;

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connect timeout")
    }
}

impl StdError for ConnectTimedOut {}

/// The TLS handshake failed; the TLS library's error is the source.
#[derive(Debug)]
pub(crate) struct TlsError(BoxError);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TLS handshake failed")
    }
}

impl StdError for TlsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.0)
    }
}

/// The proxy could not be used: unreachable, it refused the tunnel, or it is of a kind this
/// crate does not speak. Names the proxy's host and port only (its URL may hold a password).
#[derive(Debug)]
pub(crate) struct ProxyError {
    pub(crate) proxy: Target,
    /// The proxy's scheme, when it is not `http`.
    pub(crate) unsupported: Option<String>,
    source: Option<BoxError>,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.unsupported {
            Some(scheme) => write!(f, "unsupported {scheme}:// proxy {}", self.proxy),
            None => write!(f, "through the proxy {}", self.proxy),
        }
    }
}

impl StdError for ProxyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// An open connection, plain or TLS, and whether it goes to a proxy.
pub(crate) struct Conn {
    stream: Stream,
    proxy: bool,
}

enum Stream {
    Tcp(TokioIo<TcpStream>),
    // Boxed: a TLS session is over a kilobyte, a TCP stream a few words.
    #[cfg(feature = "rustls")]
    Rustls(Box<TokioIo<tokio_rustls::client::TlsStream<TcpStream>>>),
    #[cfg(feature = "native-tls")]
    Native(Box<TokioIo<tokio_native_tls::TlsStream<TcpStream>>>),
}

/// `$body` with `$io` bound to the stream inside `$conn`, whatever its kind.
macro_rules! with_stream {
    ($conn:expr, $io:ident => $body:expr) => {
        match &mut $conn.get_mut().stream {
            Stream::Tcp($io) => $body,
            #[cfg(feature = "rustls")]
            Stream::Rustls($io) => $body,
            #[cfg(feature = "native-tls")]
            Stream::Native($io) => $body,
        }
    };
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        with_stream!(self, io => Pin::new(io).poll_read(cx, buf))
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_stream!(self, io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_stream!(self, io => Pin::new(io).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Stream::Tcp(io) => io.is_write_vectored(),
            #[cfg(feature = "rustls")]
            Stream::Rustls(io) => io.is_write_vectored(),
            #[cfg(feature = "native-tls")]
            Stream::Native(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_stream!(self, io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_stream!(self, io => Pin::new(io).poll_shutdown(cx))
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new().proxy(self.proxy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whichever TLS backend this build has (the test makes no TLS connection).
    fn some_tls() -> Tls {
        #[cfg(feature = "rustls")]
        return Tls::Rustls(
            Arc::new(
                crate::tls::client_config(&crate::tls::RustlsOptions {
                    roots: &[],
                    pinned: &[],
                    built_in_roots: false,
                    accept_invalid_certs: true,
                })
                .unwrap(),
            )
            .into(),
        );
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        return Tls::Native(native_tls::TlsConnector::new().unwrap().into());
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        return Tls::None;
    }

    /// A proxy the environment names with a scheme this crate does not speak (`ALL_PROXY` is
    /// often a socks proxy) fails before any I/O, and the reason names it and the way round it.
    #[tokio::test]
    async fn a_proxy_of_another_kind_is_refused_by_name() {
        let proxies = Matcher::builder()
            .all("socks5://user:socks-secret@127.0.0.1:1080".to_owned())
            .build();
        let mut connector =
            Connector::new(some_tls(), Some(Arc::new(proxies)), Duration::from_secs(1));
        let dst = Uri::from_static("http://qosic.example:8080/x");
        let Err(error) = connector.call(dst.clone()).await else {
            panic!("a socks proxy must be refused");
        };
        let reason = crate::reason::connect(&*error, &Target::from_uri(&dst));
        assert_eq!(
            reason,
            "the proxy 127.0.0.1:1080 for qosic.example:8080 is a socks5:// proxy, and qosic-http \
             speaks only to http:// proxies (the proxy comes from HTTPS_PROXY, HTTP_PROXY or \
             ALL_PROXY, or from HttpTransportBuilder::proxy; NO_PROXY or \
             HttpTransportBuilder::no_proxy bypasses it)"
        );
        assert!(!format!("{error} {error:?}").contains("socks-secret"));
    }
}
