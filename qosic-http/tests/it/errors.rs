//! Errors say whether the request may have been sent.

use qosic_core::{ApiRequest, Credentials, Delivery, Transport, TransportErrorKind};
use qosic_http::HttpTransport;

use crate::support::{closed_port, payment_request, trace_init, Reply, TestServer, PASSWORD};

#[tokio::test]
async fn a_dropped_connection_may_have_been_sent() {
    trace_init();
    let server = TestServer::start(Reply::DropConnection).await;

    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(
        error.kind(),
        TransportErrorKind::ConnectionLost,
        "{error:?}"
    );
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert!(
        std::error::Error::source(&error).is_some(),
        "reqwest's error is chained"
    );
}

#[tokio::test]
async fn a_connection_lost_mid_body_may_have_been_sent() {
    let server = TestServer::start(Reply::TruncatedBody).await;

    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(
        error.kind(),
        TransportErrorKind::ConnectionLost,
        "{error:?}"
    );
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn a_refused_connection_was_not_sent() {
    let base = format!("http://127.0.0.1:{}", closed_port());

    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&base))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn a_bad_url_is_refused_before_io() {
    for url in ["not a url", "ftp://127.0.0.1/x", "http://"] {
        let request = ApiRequest::new(url, Credentials::new("m", "p"), Vec::new());
        let error = HttpTransport::new()
            .unwrap()
            .send(request)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::InvalidRequest, "{url}");
        assert_eq!(error.delivery(), Delivery::NotSent);
    }
}

fn shown(error: &qosic_core::TransportError) -> String {
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        shown.push_str(&format!(" {e} {e:?}"));
        source = e.source();
    }
    shown
}

#[tokio::test]
async fn errors_never_show_the_password() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&base))
        .await
        .unwrap_err();

    let shown = shown(&error);
    assert!(shown.contains("refused"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn credentials_in_the_url_are_refused_before_io() {
    let request = ApiRequest::new(
        format!("http://user:url-secret@127.0.0.1:{}/x", closed_port()),
        Credentials::new("merchant", PASSWORD),
        Vec::new(),
    );
    let error = HttpTransport::new()
        .unwrap()
        .send(request)
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(!shown(&error).contains("url-secret"), "{}", shown(&error));
}
