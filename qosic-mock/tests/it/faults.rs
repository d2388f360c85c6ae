//! Faults on demand, through HTTP and in-process.

use std::time::Duration;

use qosic_mock::{Endpoint, Fault, MockQosic, TransactionState};

use crate::support::*;

#[tokio::test]
async fn a_status_fault_hits_the_next_n_requests_of_one_endpoint() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock
            .fault(Fault::status(503).times(2).on(Endpoint::MtnPayment));
        // Other endpoints are not affected.
        assert_eq!(
            h.post(MTN_STATUS, &status("X", "MTN_CLIENT"))
                .await
                .status(),
            200
        );
        for _ in 0..2 {
            let a = h
                .post(MTN_PAY, &pay("22997000001", "100", "F1", "MTN_CLIENT"))
                .await;
            assert_eq!(a.status(), 503, "{via:?}");
            let body = a.json();
            assert_eq!(
                (body["title"].as_str(), body["status"].as_u64()),
                (Some("Service Unavailable"), Some(503))
            );
        }
        // Not acted on: the same reference still works afterwards.
        assert!(h.mock.transaction("F1").is_none());
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "F1", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 202);
        let faults: Vec<_> = h.mock.journal().iter().map(|r| r.fault.clone()).collect();
        assert_eq!(faults[1].as_deref(), Some("status 503"));
        assert_eq!(faults[3], None);
    }
}

#[tokio::test]
async fn status_faults_carry_the_bodies_qosic_sends() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.fault(Fault::status(401).times(1));
        h.mock.fault(Fault::status(404).times(1));
        h.mock.fault(Fault::status(417).times(1));
        h.mock.fault(Fault::status(500).times(1));
        let body = pay("22997000001", "100", "F", "MTN_CLIENT");
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(
            (a.status(), a.text()),
            (401, "HTTP Status 401: Bad credentials".to_owned())
        );
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!((a.status(), a.code()), (404, "-2".to_owned()));
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(
            (a.status(), a.json()["responsemsg"].as_str()),
            (417, Some("ACCOUNTHOLDER_NOT_FOUND"))
        );
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(
            (a.status(), a.json()["title"].as_str()),
            (500, Some("Internal Server Error"))
        );
        assert_eq!(h.post(MTN_PAY, &body).await.status(), 202);
    }
}

#[tokio::test]
async fn body_faults_malformed_empty_and_html() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.fault(Fault::malformed_body().times(1));
        h.mock.fault(Fault::empty_body().with_status(500).times(1));
        h.mock.fault(Fault::html_error().times(1));
        let body = pay("22997000001", "100", "B", "MTN_CLIENT");
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(a.status(), 200);
        assert!(serde_json::from_str::<serde_json::Value>(&a.text()).is_err());
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!((a.status(), a.text()), (500, String::new()));
        let a = h.post(MTN_PAY, &body).await;
        assert_eq!(a.status(), 502);
        assert!(
            a.text().contains("<h1>502 Bad Gateway</h1>"),
            "{}",
            a.text()
        );
        assert!(h.mock.transaction("B").is_none());
    }
}

#[tokio::test]
async fn a_spoiled_answer_after_recording_keeps_the_payment() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.fault(
            Fault::malformed_body()
                .after_recording()
                .times(1)
                .on(Endpoint::MtnPayment),
        );
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "SPOILT", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 200);
        assert_eq!(
            h.mock.transaction("SPOILT").unwrap().state,
            TransactionState::Pending
        );
    }
}

#[tokio::test]
async fn a_dropped_connection_is_not_acted_on() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.fault(
            Fault::dropped_connection()
                .times(1)
                .on(Endpoint::MtnPayment),
        );
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "DROP", "MTN_CLIENT"))
            .await;
        assert_eq!(a, Answer::Dropped, "{via:?}");
        assert!(h.mock.transaction("DROP").is_none());
        assert_eq!(h.mock.journal()[0].status, None);
        assert_eq!(
            h.mock.journal()[0].fault.as_deref(),
            Some("dropped connection")
        );
        // Retrying the same reference is then safe.
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "DROP", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 202);
    }
}

#[tokio::test]
async fn a_lost_answer_records_the_payment() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock
            .fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "LOST", "MTN_CLIENT"))
            .await;
        assert_eq!(a, Answer::Dropped, "{via:?}");
        assert_eq!(
            h.mock.transaction("LOST").unwrap().state,
            TransactionState::Pending
        );
        // A client that re-sends the payment is refused; one that checks the status finds it.
        let again = h
            .post(MTN_PAY, &pay("22997000001", "100", "LOST", "MTN_CLIENT"))
            .await;
        assert_eq!(again.status(), 400);
        assert_eq!(
            h.post(MTN_STATUS, &status("LOST", "MTN_CLIENT"))
                .await
                .code(),
            "00"
        );
        assert_eq!(h.mock.journal()[0].fault.as_deref(), Some("lost answer"));
        assert_eq!(h.mock.payment_requests("LOST"), 2);
    }
}

#[tokio::test]
async fn a_lost_moov_answer_still_debits() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.mock.fault(Fault::lost_answer().on(Endpoint::MoovPayment));
        let a = h
            .post(
                MOOV_PAY,
                &pay("22995000001", "100", "LOSTMV", "MOOV_CLIENT"),
            )
            .await;
        assert_eq!(a, Answer::Dropped);
        assert_eq!(h.mock.ledger().collected, 100);
        h.mock.assert_debited_once("LOSTMV");
    }
}

#[tokio::test(start_paused = true)]
async fn a_delay_costs_nothing_on_the_paused_clock() {
    let h = Harness::new(Via::InProcess).await;
    h.mock
        .fault(Fault::delay(Duration::from_secs(3600)).on(Endpoint::MtnStatus));
    h.post(MTN_PAY, &pay("22997000001", "100", "D", "MTN_CLIENT"))
        .await;
    let a = h.post(MTN_STATUS, &status("D", "MTN_CLIENT")).await;
    assert_eq!(a.code(), "00");
    // A client-side timeout shorter than the delay fires; the request was still acted on.
    let h2 = Harness::new(Via::InProcess).await;
    h2.mock
        .fault(Fault::delay(Duration::from_secs(60)).on(Endpoint::MtnPayment));
    let slow = tokio::time::timeout(
        Duration::from_secs(30),
        h2.post(MTN_PAY, &pay("22997000001", "100", "SLOW", "MTN_CLIENT")),
    )
    .await;
    assert!(slow.is_err());
    assert!(h2.mock.transaction("SLOW").is_some());
}

#[tokio::test]
async fn a_delay_over_http_then_the_normal_answer() {
    let h = Harness::new(Via::Http).await;
    h.mock
        .fault(Fault::delay(Duration::from_millis(20)).times(1));
    let a = h
        .post(MTN_PAY, &pay("22997000001", "100", "D", "MTN_CLIENT"))
        .await;
    assert_eq!(a.status(), 202);
    assert_eq!(h.mock.journal()[0].fault.as_deref(), Some("delay 20ms"));
}

#[tokio::test]
async fn faults_can_be_cleared_and_reset() {
    let h = Harness::new(Via::InProcess).await;
    h.mock.fault(Fault::status(500));
    let body = pay("22997000001", "100", "C", "MTN_CLIENT");
    assert_eq!(h.post(MTN_PAY, &body).await.status(), 500);
    assert_eq!(h.post(MTN_PAY, &body).await.status(), 500);
    h.mock.clear_faults();
    assert_eq!(h.post(MTN_PAY, &body).await.status(), 202);
    h.mock.fault(Fault::status(500));
    h.mock.reset();
    assert!(h.mock.journal().is_empty());
    assert!(h.mock.transactions().is_empty());
    assert_eq!(h.post(MTN_PAY, &body).await.status(), 202);
}

#[tokio::test]
async fn the_server_counts_accepted_connections() {
    let mock = MockQosic::start().await;
    assert_eq!(mock.connections(), 0);
    let addr = mock.address().unwrap();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        // Two requests on one keep-alive connection count once.
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let auth = basic("merchant", "secret");
        for close in [false, true] {
            let body = status("X", "MTN_CLIENT").to_string();
            let connection = if close { "close" } else { "keep-alive" };
            write!(
                stream,
                "POST {MTN_STATUS} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            if !close {
                // Read exactly one response before sending the next request.
                let mut buf = Vec::new();
                let mut byte = [0u8; 1];
                while !buf.ends_with(b"\r\n\r\n") {
                    stream.read_exact(&mut byte).unwrap();
                    buf.push(byte[0]);
                }
                let head = String::from_utf8(buf).unwrap();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                    .unwrap();
                let mut body = vec![0u8; len];
                stream.read_exact(&mut body).unwrap();
            }
        }
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(parse_response(&rest).status() == 200);
        http_request(addr, "POST", MTN_STATUS, None, b"{}");
    })
    .await
    .unwrap();
    assert_eq!(mock.connections(), 2);
    assert_eq!(mock.journal().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_delayed_drop_waits_before_closing() {
    let h = Harness::new(Via::InProcess).await;
    h.mock.fault(
        Fault::html_error()
            .with_status(503)
            .delayed(Duration::from_secs(5))
            .times(1),
    );
    h.mock
        .fault(Fault::dropped_connection().delayed(Duration::from_secs(120)));
    let body = pay("22997000001", "100", "DD", "MTN_CLIENT");
    let a = h.post(MTN_PAY, &body).await;
    assert_eq!(a.status(), 503);
    assert!(a.text().contains("503 Service Unavailable"));
    // The client gives up before the connection is dropped.
    let waited = tokio::time::timeout(Duration::from_secs(60), h.post(MTN_PAY, &body)).await;
    assert!(waited.is_err());
    // Without a client timeout, the drop comes in the end.
    assert_eq!(h.post(MTN_PAY, &body).await, Answer::Dropped);
    assert!(h.mock.transaction("DD").is_none());
}

#[tokio::test]
async fn a_wrong_reference_answer_carries_another_transref_and_settles_nothing() {
    for via in BOTH {
        let h = Harness::new(via).await;
        h.post(MTN_PAY, &pay("22997000001", "100", "OURS", "MTN_CLIENT"))
            .await;
        h.mock
            .fault(Fault::wrong_reference().times(1).on(Endpoint::MtnStatus));
        let a = h.post(MTN_STATUS, &status("OURS", "MTN_CLIENT")).await;
        assert_eq!((a.status(), a.code()), (200, "00".to_owned()), "{via:?}");
        assert_eq!(a.json()["transref"], Fault::FOREIGN_REFERENCE);
        assert_eq!(a.json()["transref"], "SOMEONE-ELSE");
        // Not acted on: our payment saw no status check and is still pending.
        let tx = h.mock.transaction("OURS").unwrap();
        assert_eq!((tx.state, tx.status_checks), (TransactionState::Pending, 0));
        assert_eq!(
            h.mock.journal()[1].fault.as_deref(),
            Some("wrong reference")
        );

        // A synchronous MOOV payment: a success about someone else, nothing recorded.
        h.mock
            .fault(Fault::wrong_reference().times(1).on(Endpoint::MoovPayment));
        let a = h
            .post(MOOV_PAY, &pay("22995000001", "100", "MV", "MOOV_CLIENT"))
            .await;
        assert_eq!((a.status(), a.code()), (200, "0".to_owned()));
        assert_eq!(a.json()["transref"], "SOMEONE-ELSE");
        assert!(h.mock.transaction("MV").is_none());
        assert_eq!(h.mock.ledger().collected, 0);

        // Refunds and deposits answer the same way.
        h.mock.fault(Fault::wrong_reference().times(2));
        let a = h.post(MTN_REFUND, &status("OURS", "MTN_CLIENT")).await;
        assert_eq!(
            (a.code(), a.json()["transref"].as_str()),
            ("00".to_owned(), Some("SOMEONE-ELSE"))
        );
        let a = h
            .post(
                MOOV_DEPOSIT,
                &deposit("22995000001", "5", "DEP", "MOOV_CLIENT"),
            )
            .await;
        assert_eq!(
            (a.code(), a.json()["transref"].as_str()),
            ("0".to_owned(), Some("SOMEONE-ELSE"))
        );
        assert_eq!(h.mock.ledger().paid_out, 0);
    }
}

#[tokio::test]
async fn a_fault_with_a_status_that_is_not_final_is_refused() {
    let mock = MockQosic::in_process();
    for fault in [
        Fault::status(101),
        Fault::status(600),
        Fault::html_error().with_status(999),
    ] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mock.fault(fault)))
            .unwrap_err();
        let message = err.downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(message.contains("use 200 to 599"), "{message}");
    }
    mock.fault(Fault::status(599));
}

#[tokio::test]
async fn a_fault_plan_picks_each_request_s_fault_and_comes_before_programmed_faults() {
    use std::sync::{Arc, Mutex};

    for via in BOTH {
        let h = Harness::new(via).await;
        // A programmed fault: used only by a request the plan leaves alone.
        h.mock.fault(Fault::status(503).times(1));
        /// The requests the plan saw: endpoint and reference.
        type Seen = Vec<(Endpoint, Option<String>)>;
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let log = Arc::clone(&seen);
        h.mock.fault_plan(move |request| {
            let transref = request.transref.map(str::to_owned);
            log.lock().unwrap().push((request.endpoint, transref));
            match request.transref {
                Some("LOST") => Some(Fault::lost_answer()),
                Some("BAD") => Some(Fault::status(600)),
                _ => None,
            }
        });

        // The plan's fault applies to its request alone, acted on as the fault says.
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "LOST", "MTN_CLIENT"))
            .await;
        assert_eq!(a, Answer::Dropped, "{via:?}");
        assert_eq!(
            h.mock.transaction("LOST").unwrap().state,
            TransactionState::Pending
        );
        // The plan said nothing: the programmed fault applies, then nothing.
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "P2", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 503);
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "P2", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 202);
        // An invalid fault from a plan is answered 500, saying so; nothing is recorded.
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "BAD", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 500);
        assert!(a.text().contains("fault plan"), "{}", a.text());
        assert!(h.mock.transaction("BAD").is_none());
        // The plan sees every wire request (with its reference when the credentials are
        // accepted), and no admin request.
        h.post_as("merchant", "wrong", MTN_STATUS, b"{}".to_vec())
            .await;
        let seen_now = seen.lock().unwrap().clone();
        assert_eq!(
            seen_now,
            [
                (Endpoint::MtnPayment, Some("LOST".to_owned())),
                (Endpoint::MtnPayment, Some("P2".to_owned())),
                (Endpoint::MtnPayment, Some("P2".to_owned())),
                (Endpoint::MtnPayment, Some("BAD".to_owned())),
                (Endpoint::MtnStatus, None),
            ]
        );
        let faults: Vec<_> = h.mock.journal().iter().map(|r| r.fault.clone()).collect();
        assert_eq!(faults[0].as_deref(), Some("lost answer"));
        assert_eq!(faults[1].as_deref(), Some("status 503"));

        // clear_faults removes the plan too.
        h.mock.clear_faults();
        let a = h
            .post(MTN_PAY, &pay("22997000001", "100", "BAD", "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 202);
        assert_eq!(seen.lock().unwrap().len(), 5);
    }
}

#[tokio::test]
async fn a_fault_plan_may_read_the_mock_and_a_reset_removes_it() {
    use std::sync::{Arc, Weak};

    let mock = Arc::new(MockQosic::in_process());
    let weak: Weak<MockQosic> = Arc::downgrade(&mock);
    // A plan that reads the server's state (no deadlock: it runs without the lock) and
    // spoils the answer of a reference's second payment request.
    mock.fault_plan(move |request| {
        let mock = weak.upgrade()?;
        let again = request
            .transref
            .is_some_and(|r| mock.transaction(r).is_some());
        again.then(Fault::empty_body)
    });
    let send = |body: &serde_json::Value| {
        let url = format!("{}{MTN_PAY}", mock.uri());
        let request =
            qosic_core::ApiRequest::new(url, mock.credentials(), body.to_string().into_bytes());
        let transport = mock.transport();
        async move {
            qosic_core::Transport::send(&transport, request)
                .await
                .unwrap()
        }
    };
    let body = pay("22997000001", "100", "TWICE", "MTN_CLIENT");
    assert_eq!(send(&body).await.status, 202);
    let again = send(&body).await;
    assert_eq!((again.status, again.body), (200, Vec::new()));
    mock.reset();
    assert_eq!(send(&body).await.status, 202);
}
