//! TLS: verified by default, custom roots, and the `danger_` switch.

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::{Certificate, Error, HttpTransport};

use crate::support::{
    capture_logs, payment_request, send_error, trace_init, trusting_root, Reply, TestCert,
    TestServer,
};

const PENDING: Reply = Reply::Fixed {
    status: 202,
    body: r#"{"responsecode":"01","responsemsg":"PENDING"}"#,
};

#[tokio::test]
async fn a_self_signed_server_is_refused_by_default() {
    trace_init();
    let cert = TestCert::self_signed(&["127.0.0.1", "localhost"]);
    let server = TestServer::start_tls(PENDING, &cert).await;

    let error = send_error(&HttpTransport::new().unwrap(), &server.uri()).await;

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(std::error::Error::source(&error).is_some());
    // The client connected, the handshake failed, and no request went through.
    assert_eq!(server.connections(), 1);
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_self_signed_server_is_accepted_with_its_certificate_as_root() {
    trace_init();
    let cert = TestCert::self_signed(&["127.0.0.1", "localhost"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = trusting_root(&cert);

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_custom_root_alone_is_enough_without_built_in_roots() {
    let cert = TestCert::self_signed(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = HttpTransport::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status, 202);
}

#[tokio::test]
async fn a_custom_root_still_checks_the_name() {
    let cert = TestCert::self_signed(&["staging.example.invalid"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = trusting_root(&cert);

    let error = send_error(&transport, &server.uri()).await;

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn the_danger_option_accepts_any_certificate_and_warns() {
    let cert = TestCert::self_signed(&["staging.example.invalid"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let (logs, guard) = capture_logs();
    let transport = HttpTransport::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    drop(guard);
    assert!(logs.text().contains("WARN"), "{}", logs.text());
    assert!(logs.text().contains("danger_accept_invalid_certs"));

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status, 202);
}

#[test]
fn the_danger_option_set_to_false_does_not_warn() {
    let (logs, guard) = capture_logs();
    let _ = HttpTransport::builder()
        .danger_accept_invalid_certs(false)
        .build()
        .unwrap();
    drop(guard);
    assert!(!logs.text().contains("WARN"), "{}", logs.text());
}

#[test]
fn verification_with_nothing_to_trust_fails_at_build() {
    let error = HttpTransport::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::NoRootCertificates), "{error:?}");
}

#[test]
fn a_bad_root_fails_at_build() {
    // A DER SEQUENCE that is not a certificate.
    let root = Certificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
    let error = HttpTransport::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::InvalidCertificate(_)), "{error:?}");
}

#[cfg(all(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn the_native_backend_can_be_chosen_when_both_are_built() {
    let cert = TestCert::self_signed(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;

    let refused = HttpTransport::builder()
        .tls_backend_native()
        .build()
        .unwrap();
    assert!(format!("{refused:?}").contains("NativeTls"));
    let error = send_error(&refused, &server.uri()).await;
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");

    let trusting = HttpTransport::builder()
        .tls_backend_native()
        .add_root_certificate(Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let response = trusting.send(payment_request(&server.uri())).await.unwrap();
    assert_eq!(response.status, 202);
}

/// `native-tls` has no way to pin one certificate: it says so at build, with the way out.
#[cfg(feature = "native-tls")]
#[test]
fn pinning_needs_the_rustls_backend() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let builder = HttpTransport::builder();
    #[cfg(feature = "rustls")]
    let builder = builder.tls_backend_native();

    let error = builder
        .trust_self_signed_certificate(cert.certificate())
        .build()
        .unwrap_err();

    assert!(matches!(error, Error::PinningUnavailable), "{error:?}");
    assert_eq!(
        error.to_string(),
        "trust_self_signed_certificate needs the rustls backend, and native-tls cannot pin a \
         certificate: use rustls (the default), or add_root_certificate, which also trusts \
         every certificate this one signs"
    );
}

/// native-tls errors are opaque: the reason names the server and gives the library's words.
#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_reasons_name_the_server() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &cert).await;
    let builder = HttpTransport::builder();
    #[cfg(feature = "rustls")]
    let builder = builder.tls_backend_native();

    let error = builder
        .build()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    let reason = error.reason();
    let expected = format!(
        "TLS handshake with {} failed (native-tls: ",
        server.uri().trim_start_matches("https://")
    );
    assert!(reason.starts_with(&expected), "{reason}");
    assert!(
        reason.ends_with("); a private or self-signed certificate needs add_root_certificate"),
        "{reason}"
    );
}
