//! Errors say why: the text of `qosic_core::Error` for each cause, through a `Client`, and a
//! chain of causes that never repeats itself.

use std::time::Duration;

use qosic_core::{ApiRequest, Credentials, Delivery, Lookup, Transport, TransportErrorKind};
use qosic_http::HttpTransport;

use crate::support::{
    chain, closed_port, send_error, status_error, trace_init, Reply, TestServer, PASSWORD,
    REFERENCE,
};

#[tokio::test]
async fn a_refused_connection_names_the_host_and_port() {
    trace_init();
    let port = closed_port();

    let error = status_error(
        &format!("http://127.0.0.1:{port}"),
        HttpTransport::new().unwrap(),
    )
    .await;

    assert_eq!(
        error.to_string(),
        format!(
            "status request not sent (reference {REFERENCE}): connection refused by \
             127.0.0.1:{port} (is the server running, and is the base URL right?)"
        )
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
}

/// `.invalid` never resolves (RFC 6761): the local resolver answers at once that the name does
/// not exist, and nothing else leaves the machine.
#[tokio::test]
async fn an_unknown_host_name_is_named() {
    let error = status_error(
        "http://qosic-staging.invalid",
        HttpTransport::new().unwrap(),
    )
    .await;

    assert_eq!(
        error.to_string(),
        format!(
            "status request not sent (reference {REFERENCE}): could not resolve the host name \
             qosic-staging.invalid (is the base URL right, and does this machine's DNS work?)"
        )
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn a_request_timeout_says_which_timeout_and_to_check_the_status() {
    let server = TestServer::start(Reply::Stall).await;
    let transport = HttpTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = status_error(&server.uri(), transport).await;

    assert_eq!(
        error.to_string(),
        format!(
            "status request may have been sent (reference {REFERENCE}): timed out waiting for \
             the answer from {} after 300ms (the request timeout): the server may have received \
             the request, so check its status before paying again; \
             HttpTransportBuilder::timeout raises the limit",
            server.uri().trim_start_matches("http://")
        )
    );
    assert!(error.is_timeout());
}

/// What a call on tokio's paused clock fails with, after `request to {host:port} not sent: `.
const PAUSED: &str = "tokio's clock is paused (tokio::time::pause or #[tokio::test(start_paused \
                      = true)]), and the HTTP transport needs the real clock; with a paused \
                      clock, use qosic-mock's in-process transport (MockQosic::transport())";

#[tokio::test(start_paused = true)]
async fn a_paused_clock_is_refused_before_sending() {
    let server = TestServer::start(Reply::Fixed {
        status: 200,
        body: "{}",
    })
    .await;
    let transport = HttpTransport::new().unwrap();

    // Every call, the first one included: tokio's paused clock would make any timeout fire at
    // once, so nothing is sent.
    for _ in 0..2 {
        let error = send_error(&transport, &server.uri()).await;
        assert_eq!(error.kind(), TransportErrorKind::Other, "{error:?}");
        assert_eq!(error.delivery(), Delivery::NotSent);
        assert_eq!(
            error.reason(),
            format!(
                "request to {} not sent: {PAUSED}",
                server.uri().trim_start_matches("http://")
            )
        );
    }
    assert!(server.received().is_empty());
}

#[tokio::test(start_paused = true)]
async fn on_a_paused_clock_pay_and_status_checks_are_errors_not_outcomes() {
    let mock = qosic_mock::MockQosic::start().await;
    let client = mock
        .client_builder()
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap();
    let host = mock.uri().trim_start_matches("http://").to_owned();

    let error = client
        .pay(qosic_core::PaymentRequest::new("22997000100", 1000))
        .await
        .expect_err("a paused clock must fail the payment, not give an outcome");
    let text = error.to_string();
    assert!(
        text.starts_with("payment request not sent (reference "),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("request to {host} not sent: {PAUSED}")),
        "{text}"
    );

    let error = client
        .check_status(Lookup::parse(REFERENCE, "22997000100").unwrap())
        .await
        .expect_err("a paused clock must fail the status check");
    assert!(
        error
            .to_string()
            .ends_with(&format!("request to {host} not sent: {PAUSED}")),
        "{error}"
    );
    assert_eq!(mock.journal().len(), 0, "nothing reached the server");
}

#[tokio::test]
async fn an_answer_too_large_gives_its_size_the_limit_and_the_setting() {
    let server = TestServer::start(Reply::Large {
        size: 10 * 1024 * 1024,
        content_length: true,
    })
    .await;

    let error = status_error(&server.uri(), HttpTransport::new().unwrap()).await;

    assert_eq!(
        error.to_string(),
        format!(
            "status request may have been sent (reference {REFERENCE}): answer from {} too \
             large: 10485760 bytes announced, over the limit of 1048576 bytes \
             (HttpTransportBuilder::max_response_size raises the limit)",
            server.uri().trim_start_matches("http://")
        )
    );
}

#[tokio::test]
async fn an_answer_cut_while_read_says_how_far_it_got() {
    let server = TestServer::start(Reply::Large {
        size: 10 * 1024 * 1024,
        content_length: false,
    })
    .await;

    let error = send_error(&HttpTransport::new().unwrap(), &server.uri()).await;

    assert_eq!(
        error.reason(),
        format!(
            "answer from {} too large: more than the limit of 1048576 bytes \
             (HttpTransportBuilder::max_response_size raises the limit)",
            server.uri().trim_start_matches("http://")
        )
    );
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_says_to_check_the_status() {
    let server = TestServer::start(Reply::DropConnection).await;

    let error = status_error(&server.uri(), HttpTransport::new().unwrap()).await;

    assert_eq!(
        error.to_string(),
        format!(
            "status request may have been sent (reference {REFERENCE}): connection closed by {} \
             before the answer: the server may have received the request, so check its status \
             before paying again",
            server.uri().trim_start_matches("http://")
        )
    );
}

#[tokio::test]
async fn a_connection_closed_mid_answer_says_so() {
    let server = TestServer::start(Reply::TruncatedBody).await;

    let error = send_error(&HttpTransport::new().unwrap(), &server.uri()).await;

    assert_eq!(
        error.reason(),
        format!(
            "connection closed by {} in the middle of the answer: the server may have received \
             the request, so check its status before paying again",
            server.uri().trim_start_matches("http://")
        )
    );
}

#[tokio::test]
async fn invalid_urls_say_what_is_wrong_without_showing_them() {
    let transport = HttpTransport::new().unwrap();
    let cases = [
        (
            "not a url",
            "the URL has no host: check the client's base URL, which must be http:// or \
             https:// and a host, such as https://api.qosic.net",
        ),
        (
            "http://qosic example/x",
            "invalid URL (invalid international domain name): check the client's base URL, \
             which must be http:// or https:// and a host, such as https://api.qosic.net",
        ),
        (
            "/QosicBridge/user/requestpayment",
            "the URL has no host: check the client's base URL, which must be http:// or \
             https:// and a host, such as https://api.qosic.net",
        ),
        (
            "ftp://127.0.0.1/x",
            "unsupported URL scheme ftp: the base URL must start with https:// (or http:// for \
             a local test server)",
        ),
        (
            "http://merchant:url-secret@127.0.0.1:9/x?token=query-secret",
            "the URL carries a user name or password (user:password@): remove them from the \
             base URL; the login and password go in the client's credentials",
        ),
    ];
    for (url, reason) in cases {
        let request = ApiRequest::new(url, Credentials::new("m", "p"), Vec::new());
        let error = transport.send(request).await.unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::InvalidRequest);
        assert_eq!(error.reason(), reason, "{url}");
        let shown = chain(&error).join("\n");
        assert!(!shown.contains("secret"), "{shown}");
    }
}

#[tokio::test]
async fn a_printed_chain_never_repeats_a_line_nor_shows_a_secret() {
    let refused = format!("http://127.0.0.1:{}", closed_port());
    let closed = TestServer::start(Reply::DropConnection).await;
    let large = TestServer::start(Reply::Large {
        size: 2 * 1024 * 1024,
        content_length: true,
    })
    .await;
    for base in [refused, closed.uri(), large.uri()] {
        let error = status_error(&base, HttpTransport::new().unwrap()).await;
        let lines = chain(&error);
        for (i, line) in lines.iter().enumerate() {
            assert!(!lines[..i].contains(line), "{line:?} repeats: {lines:#?}");
            assert!(!line.contains(PASSWORD), "{lines:#?}");
        }
        // The reason is said once, in the first line; the causes below add what the libraries
        // saw.
        assert!(lines.len() > 1, "{lines:#?}");
    }
}

#[test]
fn build_errors_convert_into_qosic_core_errors_with_question_mark() {
    fn transport(timeout: Duration) -> Result<HttpTransport, qosic_core::Error> {
        let transport = HttpTransport::builder().timeout(timeout).build()?;
        Ok(transport)
    }
    fn default_transport() -> Result<HttpTransport, qosic_core::Error> {
        Ok(HttpTransport::new()?)
    }

    assert!(default_transport().is_ok());
    let error = transport(Duration::ZERO).unwrap_err();
    assert!(
        matches!(error, qosic_core::Error::Setup { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "could not set up the HTTP transport: invalid setting: timeout must be greater than zero"
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn a_query_string_never_shows_in_a_failure() {
    let closed = TestServer::start(Reply::DropConnection).await;
    let bases = [
        format!("http://127.0.0.1:{}", closed_port()),
        closed.uri(),
        "http://qosic-staging.invalid".to_owned(),
    ];
    for base in bases {
        let request = ApiRequest::new(
            format!("{base}/QosicBridge/user/requestpayment?token=query-secret"),
            Credentials::new("merchant", PASSWORD),
            Vec::new(),
        );
        let error = HttpTransport::new()
            .unwrap()
            .send(request)
            .await
            .unwrap_err();
        let shown = format!("{}\n{error:?}", chain(&error).join("\n"));
        assert!(!shown.contains("query-secret"), "{shown}");
        assert!(!shown.contains("requestpayment"), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
}
