//! What goes on the wire: method, headers, Basic auth, body; every status is an answer.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qosic_core::Transport;
use qosic_http::{HttpTransport, DEFAULT_USER_AGENT};

use crate::support::{payment_request, trace_init, Reply, TestServer, PAYMENT_BODY, PAYMENT_PATH};

#[tokio::test]
async fn sends_a_json_post_with_basic_auth() {
    trace_init();
    let body = r#"{"responsecode":"01","responsemsg":"PENDING","transref":"ref-1","comment":null}"#;
    let server = TestServer::start(Reply::Fixed { status: 202, body }).await;
    let transport = HttpTransport::new().unwrap();

    let response = transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();

    assert_eq!(response.status, 202);
    assert_eq!(response.text(), body);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, PAYMENT_PATH);
    assert_eq!(request.body, PAYMENT_BODY.as_bytes());
    let header = |name: &str| request.headers.get(name).unwrap().to_str().unwrap();
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("accept"), "application/json");
    assert_eq!(header("user-agent"), DEFAULT_USER_AGENT);
    // Basic auth (RFC 7617) with the login and password encoded here, not by the SDK.
    let login_password = format!("{}:{}", crate::support::LOGIN, crate::support::PASSWORD);
    assert_eq!(
        header("authorization"),
        format!("Basic {}", STANDARD.encode(login_password))
    );
}

#[tokio::test]
async fn error_statuses_are_answers_not_errors() {
    for (status, body) in [
        (401, "HTTP Status 401: Bad credentials"),
        (
            404,
            r#"{"responsecode":"-2","responsemsg":"Invalid Client Id"}"#,
        ),
        (
            417,
            r#"{"responsecode":"-1","responsemsg":"ACCOUNTHOLDER_NOT_FOUND"}"#,
        ),
        (500, r#"{"title":"Internal Server Error","status":500}"#),
        (200, ""),
    ] {
        let server = TestServer::start(Reply::Fixed { status, body }).await;
        let response = HttpTransport::new()
            .unwrap()
            .send(payment_request(&server.uri()))
            .await
            .unwrap();
        assert_eq!(response.status, status);
        assert_eq!(response.text(), body);
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = TestServer::start(Reply::Redirect).await;
    let response = HttpTransport::new()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status, 302);
    assert_eq!(
        server.received().len(),
        1,
        "the payment must not be sent twice"
    );
}

#[tokio::test]
async fn user_agent_is_settable() {
    let server = TestServer::start(Reply::Fixed {
        status: 200,
        body: "{}",
    })
    .await;
    let transport = HttpTransport::builder()
        .user_agent("my-shop/1.0")
        .build()
        .unwrap();
    transport
        .send(payment_request(&server.uri()))
        .await
        .unwrap();
    assert_eq!(
        server.received()[0].headers.get("user-agent").unwrap(),
        "my-shop/1.0"
    );
}

#[test]
fn defaults_are_documented_values() {
    let transport = HttpTransport::new().unwrap();
    assert_eq!(transport.timeout(), qosic_http::DEFAULT_TIMEOUT);
    assert_eq!(transport.timeout().as_secs(), 80);
    assert_eq!(
        transport.connect_timeout(),
        Some(qosic_http::DEFAULT_CONNECT_TIMEOUT)
    );
    assert_eq!(transport.max_response_size(), 1024 * 1024);
    assert_eq!(
        transport.max_response_size(),
        qosic_http::DEFAULT_MAX_RESPONSE_SIZE
    );
}

#[tokio::test]
async fn requests_go_to_their_path_under_the_base_url_and_its_prefix() {
    trace_init();
    let body = r#"{"responsecode":"01"}"#;
    let server = TestServer::start(Reply::Fixed { status: 202, body }).await;
    let transport = HttpTransport::new().unwrap();
    let credentials = qosic_core::Credentials::new("m", "p");
    for (base, expected) in [
        (server.uri(), PAYMENT_PATH.to_owned()),
        (
            format!("{}/gw/qosic/", server.uri()),
            format!("/gw/qosic{PAYMENT_PATH}"),
        ),
    ] {
        // One base URL for two requests: the transport's parsed form of it is made once and
        // shared (BaseUrl::derived), and each request only sets its path.
        let base = qosic_core::BaseUrl::parse(&base).unwrap();
        for _ in 0..2 {
            let request = qosic_core::ApiRequest::to(
                &base,
                PAYMENT_PATH,
                credentials.clone(),
                PAYMENT_BODY.as_bytes().to_vec(),
            );
            assert_eq!(transport.send(request).await.unwrap().status, 202);
        }
        let received = server.received();
        assert_eq!(
            received.last().map(|r| r.path.as_str()),
            Some(expected.as_str())
        );
        assert_eq!(received[received.len() - 2].path, expected);
    }
    assert_eq!(server.received().len(), 4);
}
