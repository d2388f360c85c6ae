//! A hostile server's text over real HTTP: a gzip bomb served with `Content-Encoding: gzip`
//! (reqwest is built without its gzip feature, so the compressed bytes arrive as the body) and
//! a decline message that tries to print a line of its own. What the SDK shows and logs of it
//! is escaped and bounded; the bytes stay available in the outcome's raw response.

use qosic_core::carrier::{CarrierSpec, QosicCarrier};
use qosic_core::server_text::{LOG_MAX_BYTES, REASON_MAX_CHARS};
use qosic_core::{Carrier, Client, Country, PaymentRequest, Status};
use qosic_http::HttpTransport;

use crate::support::{capture_logs, Reply, TestServer, LOGIN, PASSWORD};

/// 8 MiB of JSON (a decline message with a newline and an escape code, then spaces),
/// compressed to 8 KiB with gzip.
const BOMB: &[u8] = include_bytes!("data/bomb.json.gz");

static SPEC: CarrierSpec = CarrierSpec::new(
    Carrier::new("HOSTILE"),
    Country::Benin,
    "QOSIC_HOSTILE_CLIENT_ID",
    "/pay",
    "/status",
    |_| true,
);

fn client(base: &str) -> Client {
    Client::builder()
        .login(LOGIN)
        .password(PASSWORD)
        .base_url(base)
        .carrier(QosicCarrier::new(&SPEC, "HOSTILE_CLIENT").unwrap())
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap()
}

/// Nothing a terminal or a log reader would act on.
fn assert_inert(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "control character in {text:?}"
    );
    assert!(!text.contains("status: CONFIRMED"), "{text}");
}

#[tokio::test]
async fn a_gzip_bomb_comes_out_escaped_and_bounded() {
    let server = TestServer::start(Reply::Encoded {
        status: 200,
        encoding: "gzip",
        body: BOMB,
    })
    .await;
    let (logs, guard) = capture_logs();
    let outcome = client(&server.uri())
        .initiate(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    drop(guard);

    // Not JSON: unreadable, so unknown; its reason quotes the start of the body, escaped.
    assert_eq!(outcome.status(), Status::Unknown);
    let reason = outcome.reason().expect("the body's start is the reason");
    assert_inert(reason);
    assert!(reason.chars().count() <= REASON_MAX_CHARS + 40, "{reason}");
    assert!(
        reason.contains(r"\u{1f}"),
        "gzip's magic bytes, escaped: {reason}"
    );
    for shown in [outcome.to_string(), format!("{outcome:?}")] {
        assert_inert(&shown);
        assert!(shown.len() < 2 * LOG_MAX_BYTES, "{} bytes", shown.len());
    }
    // The bytes as they came, for the caller who asks.
    assert_eq!(outcome.raw_response().unwrap().bytes(), BOMB);

    let text = logs.text();
    let line = text
        .lines()
        .find(|line| line.contains("qosic-http: response body"))
        .unwrap_or_else(|| panic!("the body is logged at TRACE: {text}"));
    assert_inert(line);
    assert!(line.len() < LOG_MAX_BYTES + 400, "{} bytes", line.len());
    assert!(
        line.contains(&format!("…[cut: {} bytes in all]", BOMB.len())),
        "{line}"
    );
}

#[tokio::test]
async fn a_gzip_server_error_is_shown_escaped_and_bounded() {
    let server = TestServer::start(Reply::Encoded {
        status: 500,
        encoding: "gzip",
        body: BOMB,
    })
    .await;
    let err = client(&server.uri())
        .initiate(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap_err();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert_inert(&shown);
        assert!(shown.len() < 2 * LOG_MAX_BYTES, "{} bytes", shown.len());
    }
    assert!(err.to_string().starts_with("qosic server error (HTTP 500)"));
}

#[tokio::test]
async fn a_decline_message_cannot_print_a_confirmed_line() {
    let server = TestServer::start(Reply::Fixed {
        status: 200,
        body: "{\"responsecode\":\"529\",\"responsemsg\":\"FAILED\",\
               \"comment\":\"DECLINED\\nstatus: CONFIRMED\\r\\u001b[1A\\u001b[2K\\u0000\"}",
    })
    .await;
    let outcome = client(&server.uri())
        .initiate(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Failed);
    assert_eq!(
        outcome.reason(),
        Some(r"DECLINED\nstatus: CONFIRMED\r\u{1b}[1A\u{1b}[2K\0")
    );
    for shown in [outcome.to_string(), format!("{outcome:?}")] {
        assert!(
            !shown
                .lines()
                .any(|l| l.trim_start().starts_with("status: CONFIRMED")),
            "{shown}"
        );
        assert!(!shown.contains(['\n', '\r', '\u{1b}', '\0']), "{shown}");
    }
}
