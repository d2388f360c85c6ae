//! Logging: method, path, status, sizes at DEBUG; never the credentials.

use qosic_core::Transport;
use qosic_http::HttpTransport;

use crate::support::{capture_logs, payment_request, Reply, TestServer, PASSWORD, PAYMENT_PATH};

#[tokio::test]
async fn calls_are_logged_without_secrets() {
    let server = TestServer::start(Reply::Fixed {
        status: 202,
        body: r#"{"responsecode":"01","responsemsg":"PENDING"}"#,
    })
    .await;
    let request = payment_request(&server.uri());
    let authorization = request.credentials().authorization().expose().to_owned();
    let (logs, guard) = capture_logs();

    HttpTransport::new().unwrap().send(request).await.unwrap();
    drop(guard);

    let text = logs.text();
    assert!(text.contains("DEBUG"), "{text}");
    assert!(text.contains(PAYMENT_PATH), "{text}");
    assert!(text.contains("status=202"), "{text}");
    assert!(
        text.contains("PENDING"),
        "the body is logged at TRACE: {text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    let encoded = authorization.trim_start_matches("Basic ");
    assert!(!text.contains(encoded), "{text}");
    assert!(
        !text.contains("22951010200"),
        "the request body is never logged: {text}"
    );
}
