//! rustls: why a certificate is refused, in plain words with the fix, and
//! `trust_self_signed_certificate` for a staging server's self-signed certificate.
//!
//! Every certificate is made in the test; the servers listen on loopback.

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::HttpTransport;

use crate::support::{
    chain, payment_request, pinning, send_error, status_error, trace_init, trusting_root, Reply,
    TestCert, TestServer, REFERENCE,
};

const PENDING: Reply = Reply::Fixed {
    status: 202,
    body: r#"{"responsecode":"01","responsemsg":"PENDING"}"#,
};

/// The text every status check that fails in the handshake starts with.
fn not_sent() -> String {
    format!("status request not sent (reference {REFERENCE}): ")
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_is_not_trusted() {
    trace_init();
    let cert = TestCert::issued_by_unknown_ca(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;

    let error = status_error(&server.uri(), HttpTransport::new().unwrap()).await;

    assert_eq!(
        error.to_string(),
        format!(
            "{}certificate of 127.0.0.1 not trusted: no trusted certificate authority issued it \
             (add that authority with add_root_certificate; for a staging server's self-signed \
             certificate, use trust_self_signed_certificate)",
            not_sent()
        )
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_as_such() {
    let cert = TestCert::self_signed(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;

    let error = status_error(&server.uri(), HttpTransport::new().unwrap()).await;

    assert_eq!(
        error.to_string(),
        format!(
            "{}certificate of 127.0.0.1 not trusted: it is self-signed (for a staging server, \
             trust that exact certificate with trust_self_signed_certificate)",
            not_sent()
        )
    );
}

#[tokio::test]
async fn an_expired_certificate_gives_its_date_and_the_clock() {
    let cert = TestCert::expired(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = trusting_root(&cert);

    let error = status_error(&server.uri(), transport).await;

    let text = error.to_string();
    let expected = format!(
        "{}certificate of 127.0.0.1 expired at 2001-01-01 00:00:00 UTC (renew it on the server, \
         or set this machine's clock right: it reads ",
        not_sent()
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.ends_with(" UTC)"), "{text}");
}

const WRONG_NAME: &str = "certificate of 127.0.0.1 is for staging.example.invalid, not \
     127.0.0.1 (use a host name the certificate lists in the base URL, or give the server a \
     certificate for 127.0.0.1)";

#[tokio::test]
async fn a_certificate_for_another_name_says_which_names_it_has() {
    let cert = TestCert::self_signed(&["staging.example.invalid"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = trusting_root(&cert);

    let error = status_error(&server.uri(), transport).await;

    assert_eq!(error.to_string(), format!("{}{WRONG_NAME}", not_sent()));
}

const CA_AS_SERVER: &str = "certificate of 127.0.0.1 is a CA certificate (CA:TRUE, the \
     default of openssl req -x509) used as the server's own, which TLS refuses even when it is \
     added with add_root_certificate (trust this exact certificate with \
     trust_self_signed_certificate, or give the server a certificate signed by that CA)";

/// The issue's case: `openssl req -x509 ... -addext subjectAltName=IP:127.0.0.1`.
#[tokio::test]
async fn an_openssl_certificate_as_root_fails_as_a_ca_used_as_server_certificate() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &cert).await;

    for transport in [trusting_root(&cert), HttpTransport::new().unwrap()] {
        let error = status_error(&server.uri(), transport).await;
        assert_eq!(error.to_string(), format!("{}{CA_AS_SERVER}", not_sent()));
    }
}

#[tokio::test]
async fn a_pinned_openssl_certificate_is_trusted() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = pinning(&cert);
    assert!(format!("{transport:?}").contains("pinned_certs: 1"));

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_pinned_certificate_alone_is_enough_without_built_in_roots() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = HttpTransport::builder()
        .tls_built_in_root_certs(false)
        .trust_self_signed_certificate(cert.certificate())
        .build()
        .unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status, 202);

    // And only it: a certificate from an authority is not trusted.
    let other =
        TestServer::start_tls(PENDING, &TestCert::issued_by_unknown_ca(&["127.0.0.1"])).await;
    let error = send_error(&transport, &other.uri()).await;
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}

#[tokio::test]
async fn a_pinned_certificate_does_not_make_another_self_signed_server_trusted() {
    let pinned = TestCert::openssl_self_signed("127.0.0.1");
    // Same subject, same names, another key: what a regenerated or forged certificate looks like.
    let other = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &other).await;

    for built_in_roots in [true, false] {
        let transport = HttpTransport::builder()
            .tls_built_in_root_certs(built_in_roots)
            .trust_self_signed_certificate(pinned.certificate())
            .build()
            .unwrap();

        let error = status_error(&server.uri(), transport).await;

        assert_eq!(
            error.to_string(),
            format!(
                "{}certificate of 127.0.0.1 not trusted: it is self-signed, and not the \
                 certificate given to trust_self_signed_certificate (did the server get a new \
                 certificate? trust the new one)",
                not_sent()
            )
        );
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_pinned_ca_certificate_vouches_for_nothing_it_signed() {
    let pinned = TestCert::openssl_self_signed("127.0.0.1");
    let issued = pinned.issue(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &issued).await;
    let transport = pinning(&pinned);

    let error = status_error(&server.uri(), transport).await;

    assert_eq!(
        error.to_string(),
        format!(
            "{}certificate of 127.0.0.1 not trusted: no trusted certificate authority issued it \
             (add that authority with add_root_certificate; for a staging server's self-signed \
             certificate, use trust_self_signed_certificate)",
            not_sent()
        )
    );
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_pinned_certificate_still_checks_the_name() {
    let cert = TestCert::openssl_self_signed("staging.example.invalid");
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = pinning(&cert);

    let error = status_error(&server.uri(), transport).await;

    assert_eq!(error.to_string(), format!("{}{WRONG_NAME}", not_sent()));
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_pinned_certificate_still_checks_the_dates() {
    let cert = TestCert::expired(&["127.0.0.1"]);
    let server = TestServer::start_tls(PENDING, &cert).await;
    let transport = pinning(&cert);

    let error = send_error(&transport, &server.uri()).await;

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(
        error
            .reason()
            .starts_with("certificate of 127.0.0.1 expired at 2001-01-01 00:00:00 UTC"),
        "{}",
        error.reason()
    );
}

#[tokio::test]
async fn a_server_without_the_pinned_key_fails_the_handshake() {
    // The server presents the pinned certificate but signs the handshake with another key.
    let pinned = TestCert::openssl_self_signed("127.0.0.1");
    let impostor = pinned.with_another_key();
    let server = TestServer::start_tls(PENDING, &impostor).await;
    let transport = pinning(&pinned);

    let error = send_error(&transport, &server.uri()).await;

    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(
        error.reason(),
        format!(
            "{} did not prove it holds the private key of its certificate (the handshake \
             signature does not match the certificate's key: a server set up with the wrong \
             key, or an impostor)",
            server.uri().trim_start_matches("https://")
        )
    );
    assert!(server.received().is_empty());
}

#[test]
fn a_pinned_certificate_that_cannot_be_read_fails_at_build() {
    // A DER SEQUENCE that is not a certificate.
    let bad = qosic_http::Certificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
    let error = HttpTransport::builder()
        .trust_self_signed_certificate(bad)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, qosic_http::Error::InvalidCertificate(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn tls_chains_never_repeat_a_line() {
    let cert = TestCert::openssl_self_signed("127.0.0.1");
    let server = TestServer::start_tls(PENDING, &cert).await;

    let error = status_error(&server.uri(), HttpTransport::new().unwrap()).await;

    let lines = chain(&error);
    for (i, line) in lines.iter().enumerate() {
        assert!(!lines[..i].contains(line), "{line:?} repeats: {lines:#?}");
    }
    assert!(lines.len() > 1, "{lines:#?}");
}
