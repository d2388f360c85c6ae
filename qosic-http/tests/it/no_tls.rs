//! Without a TLS feature: plain HTTP only, and TLS settings fail at build.

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::{Certificate, Error, HttpTransport};

use crate::support::payment_request;

#[test]
fn tls_settings_fail_at_build() {
    let root = Certificate::from_pem(include_bytes!("data/example-root.pem")).unwrap();
    for builder in [
        HttpTransport::builder().add_root_certificate(root),
        HttpTransport::builder().danger_accept_invalid_certs(true),
    ] {
        assert!(matches!(builder.build(), Err(Error::TlsUnavailable)));
    }
    assert!(HttpTransport::builder()
        .tls_built_in_root_certs(false)
        .build()
        .is_ok());
}

#[tokio::test]
async fn https_urls_are_refused_before_io() {
    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request("https://127.0.0.1:9"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
    assert_eq!(error.delivery(), Delivery::NotSent);
    let source = std::error::Error::source(&error).unwrap();
    assert!(matches!(
        source.downcast_ref::<Error>(),
        Some(Error::TlsUnavailable)
    ));
}
