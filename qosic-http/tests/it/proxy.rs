//! Proxies: `https://` through a `CONNECT` tunnel (TLS still with the server), `http://` sent
//! to the proxy in absolute form, a proxy reached over TLS itself (an `https://` proxy URL),
//! SOCKS5, and the proxy's failures named as not sent.

use std::sync::{Arc, Mutex};

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::{Error, HttpTransport};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::{chain, closed_port, payment_request, trace_init, PAYMENT_PATH};

/// How every proxy failure's reason ends: where the proxy came from, and how to bypass it.
const WHERE_FROM: &str = "the proxy comes from HttpTransportBuilder::proxy; \
                          HttpTransportBuilder::no_proxy bypasses it";

/// What the test proxy does with a request.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
enum Behaviour {
    /// `CONNECT`: answers 200 and relays bytes to the destination.
    Tunnel,
    /// Answers every request itself with a QosIc-like 202, as a proxy forwarding it would.
    Answer,
    /// Answers 407: credentials needed.
    RequireAuth,
    /// Forwards an absolute-form request to its host and relays the connection from then on,
    /// as a forwarding proxy does with plain `http://` (every test's requests on a connection
    /// go to one host).
    Forward,
}

/// A proxy on a loopback port that records the head of each request it gets.
struct TestProxy {
    port: u16,
    /// Whether the proxy speaks TLS itself (an `https://` proxy URL).
    tls: bool,
    heads: Arc<Mutex<Vec<String>>>,
    accept_loop: JoinHandle<()>,
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl TestProxy {
    async fn start(behaviour: Behaviour) -> TestProxy {
        TestProxy::start_inner(behaviour, None).await
    }

    /// A proxy that speaks TLS with its clients, presenting `cert`: an `https://` proxy.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    async fn start_tls(behaviour: Behaviour, cert: &crate::support::TestCert) -> TestProxy {
        TestProxy::start_inner(behaviour, Some(crate::support::tls_acceptor(cert))).await
    }

    async fn start_inner(
        behaviour: Behaviour,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&heads);
        let is_tls = tls.is_some();
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let _ = match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(stream) => serve(stream, behaviour, recorded).await,
                            Err(e) => Err(e),
                        },
                        None => serve(stream, behaviour, recorded).await,
                    };
                });
            }
        });
        TestProxy {
            port,
            tls: is_tls,
            heads,
            accept_loop,
        }
    }

    #[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
    fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn serve<S>(
    mut client: S,
    behaviour: Behaviour,
    heads: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The head, up to its blank line (the tests' requests are small: one read is enough, but
    // read until the end of the head anyway).
    let mut head = Vec::new();
    let mut buf = [0; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(text.clone());
    match behaviour {
        Behaviour::Tunnel => {
            let authority = text.split(' ').nth(1).unwrap_or_default().to_owned();
            let mut server = TcpStream::connect(authority).await?;
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?;
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        }
        Behaviour::Answer => {
            let body = r#"{"responsecode":"01","responsemsg":"PENDING"}"#;
            let answer = format!(
                "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
        }
        Behaviour::Forward => {
            // `POST http://host:port/path HTTP/1.1`: the head goes on as it came (an HTTP/1.1
            // server takes the absolute form), then bytes both ways.
            let target = text.split(' ').nth(1).unwrap_or_default();
            let authority = target
                .strip_prefix("http://")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default()
                .replace("localhost", "127.0.0.1");
            let mut server = TcpStream::connect(authority).await?;
            server.write_all(&head).await?;
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        }
        Behaviour::RequireAuth => {
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n",
                )
                .await?;
        }
    }
    Ok(())
}

/// The value of `name` in a recorded head, if present.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// An HTTPS server presenting `cert` that answers every request 202, as QosIc does a payment
/// request.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
async fn https_server(cert: &crate::support::TestCert) -> crate::support::TestServer {
    let pending = crate::support::Reply::Fixed {
        status: 202,
        body: r#"{"responsecode":"01"}"#,
    };
    crate::support::TestServer::start_tls(pending, cert).await
}

/// The port of `http://host:port`.
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls", feature = "socks")),
    allow(dead_code)
)]
fn port_of(uri: &str) -> String {
    uri.rsplit(':').next().unwrap_or_default().to_owned()
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_tls_is_with_the_server() {
    use crate::support::TestCert;
    trace_init();
    let cert = TestCert::self_signed(&["127.0.0.1", "localhost"]);
    let server = https_server(&cert).await;
    let proxy = TestProxy::start(Behaviour::Tunnel).await;
    let user_pass_url = format!("http://proxyuser:proxypass@127.0.0.1:{}", proxy.port);
    let transport = HttpTransport::builder()
        .add_root_certificate(cert.certificate())
        .proxy(user_pass_url)
        .build()
        .unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let port = port_of(&server.uri());
    assert!(
        heads[0].starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    // proxyuser:proxypass, for the proxy only; the merchant's credentials went inside TLS.
    assert_eq!(
        header(&heads[0], "proxy-authorization"),
        Some("Basic cHJveHl1c2VyOnByb3h5cGFzcw==")
    );
    assert_eq!(header(&heads[0], "authorization"), None);
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.received()[0].path, PAYMENT_PATH);
}

/// An `https://` proxy: the transport speaks TLS with the proxy itself, trusting its
/// certificate through the same roots as the server's, and a whole payment (the request and its
/// status checks) goes through it.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn a_payment_goes_through_an_https_proxy() {
    use crate::support::TestCert;
    trace_init();
    let mock = qosic_mock::MockQosic::start().await;
    let proxy_cert = TestCert::self_signed(&["127.0.0.1"]);
    let proxy = TestProxy::start_tls(Behaviour::Forward, &proxy_cert).await;
    let proxy_url = proxy
        .url()
        .replace("https://", "https://proxyuser:proxypass@");
    let transport = HttpTransport::builder()
        .add_root_certificate(proxy_cert.certificate())
        .proxy(proxy_url)
        .build()
        .unwrap();
    let client = mock.client_builder().transport(transport).build().unwrap();

    let outcome = client
        .pay(qosic_core::PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();

    mock.assert_debited_once(outcome.reference().as_str());
    let heads = proxy.heads();
    assert!(!heads.is_empty());
    assert!(
        heads[0].starts_with(&format!("POST {}{PAYMENT_PATH} HTTP/1.1\r\n", mock.uri())),
        "{heads:?}"
    );
    assert_eq!(
        header(&heads[0], "proxy-authorization"),
        Some("Basic cHJveHl1c2VyOnByb3h5cGFzcw==")
    );
}

/// HTTPS to the server through an `https://` proxy: TLS with the proxy, a `CONNECT` inside it,
/// and TLS with the server inside the tunnel, each checked against its own certificate.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn https_goes_through_an_https_proxy_and_tls_is_with_the_server() {
    use crate::support::TestCert;
    trace_init();
    let server_cert = TestCert::self_signed(&["127.0.0.1", "localhost"]);
    let server = https_server(&server_cert).await;
    let proxy_cert = TestCert::self_signed(&["127.0.0.1"]);
    let proxy = TestProxy::start_tls(Behaviour::Tunnel, &proxy_cert).await;
    let transport = HttpTransport::builder()
        .add_root_certificate(server_cert.certificate())
        .add_root_certificate(proxy_cert.certificate())
        .proxy(proxy.url())
        .build()
        .unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    let port = port_of(&server.uri());
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    assert_eq!(server.received().len(), 1);
}

/// An `https://` proxy whose certificate the transport does not trust: refused, the reason
/// names the proxy (not the server), and nothing was sent.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn an_https_proxy_with_an_untrusted_certificate_is_refused_before_sending() {
    use crate::support::TestCert;
    trace_init();
    let proxy_cert = TestCert::self_signed(&["127.0.0.1"]);
    let proxy = TestProxy::start_tls(Behaviour::Forward, &proxy_cert).await;
    let transport = HttpTransport::builder().proxy(proxy.url()).build().unwrap();

    let error = transport
        .send(payment_request("http://qosic.example:8080"))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    // The proxy's certificate, named as the proxy's: not the QosIc host's.
    #[cfg(feature = "rustls")]
    assert_eq!(
        error.reason(),
        "certificate of the proxy 127.0.0.1 not trusted: it is self-signed (for a staging \
         server, trust that exact certificate with trust_self_signed_certificate) (an https:// \
         proxy's certificate is checked with the same roots and pinned certificates as the \
         server's)"
    );
}

/// Through an `https://` proxy that is trusted, a server whose certificate is not: the reason
/// names the server, not the proxy.
#[cfg(feature = "rustls")]
#[tokio::test]
async fn behind_an_https_proxy_an_untrusted_server_is_named_as_the_server() {
    use crate::support::TestCert;
    trace_init();
    let server_cert = TestCert::self_signed(&["localhost"]);
    let server = https_server(&server_cert).await;
    let proxy_cert = TestCert::self_signed(&["127.0.0.1"]);
    let proxy = TestProxy::start_tls(Behaviour::Tunnel, &proxy_cert).await;
    let transport = HttpTransport::builder()
        .add_root_certificate(proxy_cert.certificate())
        .proxy(proxy.url())
        .build()
        .unwrap();

    let base = server.uri().replace("127.0.0.1", "localhost");
    let error = transport.send(payment_request(&base)).await.unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(
        error.reason(),
        "certificate of localhost not trusted: it is self-signed (for a staging server, trust \
         that exact certificate with trust_self_signed_certificate)"
    );
    assert_eq!(proxy.heads().len(), 1);
    assert!(server.received().is_empty());
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_fails_before_sending() {
    trace_init();
    let proxy = TestProxy::start(Behaviour::RequireAuth).await;
    let transport = HttpTransport::builder().proxy(proxy.url()).build().unwrap();

    let error = transport
        .send(payment_request("https://qosic.example:8443"))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(
        error.reason(),
        format!(
            "could not connect to qosic.example:8443 through the proxy 127.0.0.1:{}: tunnel \
             error: proxy authorization required ({WHERE_FROM})",
            proxy.port
        )
    );
    assert_eq!(proxy.heads().len(), 1);
    assert!(proxy.heads()[0].starts_with("CONNECT qosic.example:8443 HTTP/1.1\r\n"));
}

#[tokio::test]
async fn plain_http_is_sent_to_the_proxy_with_the_absolute_url_and_its_credentials() {
    trace_init();
    let proxy = TestProxy::start(Behaviour::Answer).await;
    let transport = HttpTransport::builder()
        .proxy(format!(
            "http://proxyuser:proxypass@127.0.0.1:{}",
            proxy.port
        ))
        .build()
        .unwrap();

    let response = transport
        .send(payment_request("http://qosic.example:8080"))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    let heads = proxy.heads();
    assert!(
        heads[0].starts_with(&format!(
            "POST http://qosic.example:8080{PAYMENT_PATH} HTTP/1.1\r\n"
        )),
        "{heads:?}"
    );
    assert_eq!(
        header(&heads[0], "proxy-authorization"),
        Some("Basic cHJveHl1c2VyOnByb3h5cGFzcw==")
    );
    assert_eq!(header(&heads[0], "host"), Some("qosic.example:8080"));
}

#[tokio::test]
async fn a_proxy_that_is_down_is_named_and_the_request_was_not_sent() {
    let port = closed_port();
    let transport = HttpTransport::builder()
        .proxy(format!("http://user:proxy-secret@127.0.0.1:{port}"))
        .build()
        .unwrap();

    let error = transport
        .send(payment_request("http://qosic.example:8080"))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(
        error.reason(),
        format!(
            "connection refused by the proxy 127.0.0.1:{port} for qosic.example:8080 (is the \
             proxy running? {WHERE_FROM})"
        )
    );
    let shown = format!("{}\n{error:?}", chain(&error).join("\n"));
    assert!(!shown.contains("proxy-secret"), "{shown}");
}

#[test]
fn a_proxy_url_that_is_not_a_proxy_fails_at_build_without_showing_it() {
    let mut refused = vec![
        "ftp://user:secret@127.0.0.1:1080",
        "socks4://user:secret@127.0.0.1:1080",
        "not a url with a secret",
        "http://",
    ];
    if cfg!(not(feature = "socks")) {
        refused.push("socks5://user:secret@127.0.0.1:1080");
    }
    for url in refused {
        let error = HttpTransport::builder().proxy(url).build().unwrap_err();
        assert!(matches!(error, Error::InvalidProxy), "{url}: {error:?}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
    let mut accepted = vec![
        "http://proxy.example:3128",
        "https://user:secret@proxy.example",
    ];
    if cfg!(feature = "socks") {
        accepted.extend([
            "socks5://127.0.0.1:1080",
            "socks5h://user:pw@proxy.example:1080",
        ]);
    }
    for url in accepted {
        assert!(HttpTransport::builder().proxy(url).build().is_ok(), "{url}");
    }
}

/// A minimal SOCKS5 proxy on a loopback port (RFC 1928: no authentication, or user name and
/// password per RFC 1929; `CONNECT` only) that records the destinations it was asked for.
#[cfg(feature = "socks")]
mod socks {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    pub(super) struct Socks5Proxy {
        pub(super) port: u16,
        destinations: Arc<Mutex<Vec<String>>>,
        accept_loop: JoinHandle<()>,
    }

    impl Drop for Socks5Proxy {
        fn drop(&mut self) {
            self.accept_loop.abort();
        }
    }

    impl Socks5Proxy {
        pub(super) async fn start() -> Socks5Proxy {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let destinations = Arc::new(Mutex::new(Vec::new()));
            let recorded = Arc::clone(&destinations);
            let accept_loop = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let recorded = Arc::clone(&recorded);
                    tokio::spawn(async move {
                        let _ = serve(stream, recorded).await;
                    });
                }
            });
            Socks5Proxy {
                port,
                destinations,
                accept_loop,
            }
        }

        /// `host:port` of each `CONNECT`, as the client sent it.
        pub(super) fn destinations(&self) -> Vec<String> {
            self.destinations.lock().unwrap().clone()
        }
    }

    async fn serve(
        mut client: TcpStream,
        destinations: Arc<Mutex<Vec<String>>>,
    ) -> std::io::Result<()> {
        // Greeting: version 5, the methods offered.
        let mut head = [0; 2];
        client.read_exact(&mut head).await?;
        let mut methods = vec![0; usize::from(head[1])];
        client.read_exact(&mut methods).await?;
        if methods.contains(&2) {
            client.write_all(&[5, 2]).await?;
            // RFC 1929: version 1, user name, password; any are accepted.
            let mut version_len = [0; 2];
            client.read_exact(&mut version_len).await?;
            let mut user = vec![0; usize::from(version_len[1])];
            client.read_exact(&mut user).await?;
            let mut len = [0; 1];
            client.read_exact(&mut len).await?;
            let mut password = vec![0; usize::from(len[0])];
            client.read_exact(&mut password).await?;
            client.write_all(&[1, 0]).await?;
        } else {
            client.write_all(&[5, 0]).await?;
        }
        // Request: version, CONNECT (1), reserved, address type, address, port.
        let mut request = [0; 4];
        client.read_exact(&mut request).await?;
        assert_eq!(request[..2], [5, 1], "a SOCKS5 CONNECT");
        let host = match request[3] {
            1 => {
                let mut ip = [0; 4];
                client.read_exact(&mut ip).await?;
                std::net::Ipv4Addr::from(ip).to_string()
            }
            3 => {
                let mut len = [0; 1];
                client.read_exact(&mut len).await?;
                let mut name = vec![0; usize::from(len[0])];
                client.read_exact(&mut name).await?;
                String::from_utf8_lossy(&name).into_owned()
            }
            other => panic!("address type {other} not expected from a loopback test"),
        };
        let mut port = [0; 2];
        client.read_exact(&mut port).await?;
        let destination = format!("{host}:{}", u16::from_be_bytes(port));
        destinations.lock().unwrap().push(destination.clone());
        // Every name the tests use is this machine.
        let target = destination.replace("localhost", "127.0.0.1");
        let mut server = TcpStream::connect(target).await?;
        client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        Ok(())
    }
}

#[cfg(feature = "socks")]
#[tokio::test]
async fn a_payment_goes_through_a_socks5_proxy() {
    trace_init();
    let mock = qosic_mock::MockQosic::start().await;
    let proxy = socks::Socks5Proxy::start().await;
    // socks5h: the proxy resolves the name, so the host travels as the client wrote it.
    let transport = HttpTransport::builder()
        .proxy(format!("socks5h://user:secret@127.0.0.1:{}", proxy.port))
        .build()
        .unwrap();
    let base = mock.uri().replace("127.0.0.1", "localhost");
    let client = mock
        .client_builder()
        .base_url(base.as_str())
        .transport(transport)
        .build()
        .unwrap();

    let outcome = client
        .pay(qosic_core::PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();

    mock.assert_debited_once(outcome.reference().as_str());
    let destinations = proxy.destinations();
    assert!(!destinations.is_empty());
    let port = port_of(&mock.uri());
    assert_eq!(destinations[0], format!("localhost:{port}"));
}

#[cfg(all(feature = "socks", any(feature = "rustls", feature = "native-tls")))]
#[tokio::test]
async fn https_goes_through_a_socks5_proxy_and_tls_is_with_the_server() {
    use crate::support::TestCert;
    let cert = TestCert::self_signed(&["127.0.0.1", "localhost"]);
    let server = https_server(&cert).await;
    let proxy = socks::Socks5Proxy::start().await;
    let transport = HttpTransport::builder()
        .add_root_certificate(cert.certificate())
        .proxy(format!("socks5://127.0.0.1:{}", proxy.port))
        .build()
        .unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    assert_eq!(server.received().len(), 1);
    let port = port_of(&server.uri());
    assert_eq!(proxy.destinations(), [format!("127.0.0.1:{port}")]);
}
