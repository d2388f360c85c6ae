//! Callbacks over loopback HTTP: to a receiver of the test's own, what it answered, the
//! timeouts, the admin API's callback routes, the binary's flag and the loopback rule.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use qosic_mock::{CallbackDelivery, MockQosic};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::support::*;

/// What a receiver got.
#[derive(Debug)]
struct Received {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

/// A callback receiver on a loopback port, answering every POST with `answer`; or, with
/// `answer` 0, never answering.
struct Receiver {
    addr: SocketAddr,
    got: mpsc::Receiver<Received>,
}

impl Receiver {
    async fn start(answer: u16) -> Receiver {
        Receiver::start_with(answer, Bytes::from_static(b"thanks")).await
    }

    /// A receiver answering `answer` with `body`.
    async fn start_with(answer: u16, body: Bytes) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, got) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                let answer_body = body.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        let answer_body = answer_body.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let _ = tx
                                .send(Received {
                                    method: parts.method.to_string(),
                                    path: parts.uri.to_string(),
                                    content_type: parts
                                        .headers
                                        .get("content-type")
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or("")
                                        .to_owned(),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                })
                                .await;
                            if answer == 0 {
                                std::future::pending::<()>().await;
                            }
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(answer)
                                    .body(Full::new(answer_body))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { addr, got }
    }

    fn url(&self) -> String {
        format!("http://{}/qosic/callback?shop=7", self.addr)
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.got.recv())
            .await
            .expect("a callback within 10 s")
            .expect("the receiver runs")
    }
}

#[tokio::test]
async fn callbacks_reach_a_receiver_over_loopback_with_the_documented_payload() {
    let mut receiver = Receiver::start(200).await;
    let mock = MockQosic::builder()
        .callback_url(receiver.url())
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    assert_eq!(
        h.post(MTN_PAY, &pay("22997000100", "2000", "CB-1", "MTN_CLIENT"))
            .await
            .status(),
        202
    );
    assert_eq!(
        h.post(MTN_STATUS, &status("CB-1", "MTN_CLIENT"))
            .await
            .code(),
        "00"
    );
    let got = receiver.next().await;
    assert_eq!(
        (
            got.method.as_str(),
            got.path.as_str(),
            got.content_type.as_str()
        ),
        ("POST", "/qosic/callback?shop=7", "application/json")
    );
    let service_ref = h.mock.transaction("CB-1").unwrap().service_ref;
    assert_eq!(
        got.body,
        format!(
            r#"{{"status":"SUCCESSFUL","transRef":"CB-1","specialfield1":"SUCCESSFUL","amount":"2000","serviceRef":"{service_ref}","code":"200"}}"#
        )
    );
    // The journal (and the sink) say what the receiver answered.
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(sent.url.as_deref(), Some(receiver.url().as_str()));
    assert_eq!(
        sent.delivery,
        CallbackDelivery::Answered {
            status: 200,
            body: "thanks".into()
        }
    );
    assert_eq!(h.mock.callbacks(), vec![sent]);

    // MOOV's synchronous decline, over HTTP too.
    assert_eq!(
        h.post(MOOV_PAY, &pay("22995000190", "10", "CB-2", "MOOV_CLIENT"))
            .await
            .code(),
        "-1"
    );
    let got = receiver.next().await;
    assert!(
        got.body
            .starts_with(r#"{"status":"FAILED","transRef":"CB-2","#),
        "{}",
        got.body
    );
}

#[tokio::test]
async fn the_receivers_answer_is_journaled_and_never_retried() {
    let mut receiver = Receiver::start(500).await;
    let mock = MockQosic::start().await;
    mock.set_callback_url(&receiver.url());
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    receiver.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert!(
        matches!(
            sent.delivery,
            CallbackDelivery::Answered { status: 500, .. }
        ),
        "{sent:?}"
    );
    // One more deposit: its callback is the next the receiver gets (the 500 was not retried).
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    assert!(receiver.next().await.body.contains(r#""transRef":"D-2""#));
}

#[tokio::test]
async fn unreachable_and_silent_receivers_fail_within_the_timeout() {
    // A port with nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let mock = MockQosic::builder()
        .callback_url(&dead)
        .callback_timeout(Duration::from_millis(300))
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    match &sent.delivery {
        CallbackDelivery::Failed { reason } => {
            assert!(
                reason.starts_with("cannot connect to 127.0.0.1:"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(!sent.delivered());

    let mut silent = Receiver::start(0).await;
    h.mock.set_callback_url(&silent.url());
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    silent.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    match &sent.delivery {
        CallbackDelivery::Failed { reason } => assert!(
            reason.contains("within 300ms (the callback timeout)"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_admin_api_sets_the_url_faults_and_forgeries() {
    let mut receiver = Receiver::start(200).await;
    let mock = MockQosic::start().await;
    let m = &mock;
    let none = admin(m, "GET", "/__admin/callbacks/url", &Value::Null);
    assert_eq!(none.json(), json!({"url": null}));
    let a = admin(
        m,
        "PUT",
        "/__admin/callbacks/url",
        &json!({"url": "https://x/"}),
    );
    assert_eq!(a.status(), 400);
    assert!(
        a.json()["detail"]
            .as_str()
            .unwrap()
            .contains("plain HTTP only"),
        "{}",
        a.text()
    );
    let a = admin(
        m,
        "PUT",
        "/__admin/callbacks/url",
        &json!({"url": receiver.url()}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    assert_eq!(m.callback_url(), Some(receiver.url()));

    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/faults",
        &json!({"kind": "forged", "times": 1}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/faults",
        &json!({"kind": "lost"}),
    );
    assert_eq!(a.status(), 400);
    assert!(a.text().contains("expected one of"), "{}", a.text());

    let auth = basic("merchant", "secret");
    let addr = m.address().unwrap();
    let post = |path: &str, body: Value| {
        http_request(addr, "POST", path, Some(&auth), body.to_string().as_bytes())
    };
    assert_eq!(
        post(MTN_PAY, pay("22997000190", "100", "F-1", "MTN_CLIENT")).status(),
        202
    );
    assert_eq!(post(MTN_STATUS, status("F-1", "MTN_CLIENT")).code(), "-1");
    let forged = receiver.next().await;
    assert!(
        forged
            .body
            .starts_with(r#"{"status":"SUCCESSFUL","transRef":"F-1""#),
        "{}",
        forged.body
    );

    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "GHOST"}),
    );
    assert_eq!(a.status(), 400);
    assert!(
        a.text().contains("give the forged callback's amount"),
        "{}",
        a.text()
    );
    // A reference no transref could be (over 64 bytes) is refused, not queued.
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "G".repeat(65), "amount": 5}),
    );
    assert_eq!(a.status(), 400);
    assert!(a.text().contains("at most 64 bytes"), "{}", a.text());
    let a = admin(
        m,
        "POST",
        "/__admin/callbacks/forge",
        &json!({"reference": "GHOST", "amount": 5}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    assert!(receiver.next().await.body.contains(r#""transRef":"GHOST""#));

    // The journal, once both callbacks are answered.
    let mut journal = Value::Null;
    for _ in 0..500 {
        journal = admin(m, "GET", "/__admin/callbacks", &Value::Null).json();
        if journal.as_array().is_some_and(|j| j.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{journal}");
    assert_eq!(entries[0]["reference"], "F-1");
    assert_eq!(entries[0]["fault"], "forged");
    assert_eq!(entries[0]["body"]["status"], "SUCCESSFUL");
    assert_eq!(
        entries[0]["delivery"],
        json!({"outcome": "answered", "status": 200, "body": "thanks"})
    );
    assert_eq!(entries[1]["reference"], "GHOST");

    assert_eq!(
        admin(m, "DELETE", "/__admin/callbacks/faults", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "DELETE", "/__admin/callbacks/url", &Value::Null).status(),
        200
    );
    assert_eq!(m.callback_url(), None);
    assert_eq!(
        admin(m, "POST", "/__admin/reset", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "GET", "/__admin/callbacks", &Value::Null).json(),
        json!([])
    );
    assert_eq!(
        admin(m, "PATCH", "/__admin/callbacks/url", &Value::Null).status(),
        404
    );
}

#[tokio::test]
async fn bad_callback_settings_are_refused() {
    let err = MockQosic::builder()
        .callback_url("https://example.com/hook")
        .try_start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("plain HTTP only"), "{err}");
    let err = MockQosic::builder()
        .callback_timeout(Duration::ZERO)
        .try_start()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "callback_timeout must be longer than zero");
    let panicked = std::panic::catch_unwind(|| {
        let _ = MockQosic::builder().callback_queue(0).build_in_process();
    });
    assert!(panicked.is_err());
}

#[test]
fn the_binary_posts_callbacks_to_its_callback_url() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut receiver = runtime.block_on(Receiver::start(200));
    let url = receiver.url();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_qosic-mock"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("QOSIC_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .args(["--listen", "127.0.0.1:0", "--callback-url", &url])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn qosic-mock");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let child = Kill(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    let answer = http_request(
        addr,
        "POST",
        MTN_DEPOSIT,
        Some(&basic("merchant", "secret")),
        deposit("22997000100", "75", "BIN-1", "MTN_CLIENT")
            .to_string()
            .as_bytes(),
    );
    assert_eq!(answer.status(), 200);
    let got = runtime.block_on(receiver.next());
    assert!(
        got.body.starts_with(r#"{"status":"SUCCESSFUL","transRef":"BIN-1","specialfield1":"SUCCESSFUL","amount":"75","#),
        "{}",
        got.body
    );
    let a = http_request(addr, "GET", "/__admin/callbacks/url", None, b"");
    assert_eq!(a.json()["url"], url);
    drop(child);
}

#[tokio::test]
async fn a_long_answer_is_not_kept() {
    let mut receiver = Receiver::start_with(202, Bytes::from(vec![b'x'; 2048])).await;
    let mock = MockQosic::builder()
        .callback_url(receiver.url())
        .start()
        .await;
    let mut sink = mock.callback_sink();
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
    )
    .await;
    receiver.next().await;
    let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        sent.delivery,
        CallbackDelivery::Answered {
            status: 202,
            body: "(an answer body over 1024 bytes, not kept)".into()
        }
    );
}

/// Callbacks go only to loopback addresses unless the server allows any host: a server
/// reachable from the network cannot be made to post to other machines.
#[tokio::test]
async fn callbacks_go_to_loopback_only_unless_allowed() {
    // 192.0.2.1 is TEST-NET-1: never routed.
    let far = "http://192.0.2.1:9/cb";
    for anywhere in [false, true] {
        let mock = MockQosic::builder()
            .callback_url(far)
            .callbacks_anywhere(anywhere)
            .callback_timeout(Duration::from_millis(300))
            .start()
            .await;
        let mut sink = mock.callback_sink();
        let h = Harness::with(mock, Via::Http);
        h.post(
            MTN_DEPOSIT,
            &deposit("22997000100", "10", "D-1", "MTN_CLIENT"),
        )
        .await;
        let sent = sink.next_within(Duration::from_secs(10)).await.unwrap();
        let CallbackDelivery::Failed { reason } = &sent.delivery else {
            panic!("{:?}", sent.delivery)
        };
        let refused = reason.contains("192.0.2.1:9 is not a loopback address (192.0.2.1)")
            && reason.contains("--callbacks-anywhere");
        assert_eq!(refused, !anywhere, "{reason}");
    }
    // `localhost` resolves to loopback: allowed by default.
    let mut receiver = Receiver::start(200).await;
    let url = receiver.url().replace("127.0.0.1", "localhost");
    let mock = MockQosic::builder().callback_url(&url).start().await;
    let h = Harness::with(mock, Via::Http);
    h.post(
        MTN_DEPOSIT,
        &deposit("22997000100", "10", "D-2", "MTN_CLIENT"),
    )
    .await;
    assert!(receiver.next().await.body.contains(r#""transRef":"D-2""#));
}
