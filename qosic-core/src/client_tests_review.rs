//! Unit tests of the client flow, continued: the findings of the outside reviews (issues 14
//! and 27), each failing before its fix, and a hostile server's text as outcomes, errors and
//! logs show it. The helpers are the parent module's (`client_tests.rs`).

use super::*;

// Findings of the outside reliability review (issue 14): each test failed before its fix.

/// Reads every answer by its HTTP status (200 confirmed, 202 pending) and echoes the
/// reference the body names, as the carriers do.
fn echoing(op: Operation, response: &ApiResponse) -> Reply {
    let mut r = by_status(op, response);
    let body = String::from_utf8_lossy(&response.body);
    r.echoed_ref = body.strip_prefix("ref:").map(str::to_owned);
    r
}

#[tokio::test(start_paused = true)]
async fn an_answer_about_another_reference_never_settles_ours() {
    // The payment answer and the first two status checks name another transaction.
    let t = ReplayTransport::new()
        .answer(200, "ref:SOMEONE-ELSE")
        .answer(200, "ref:SOMEONE-ELSE")
        .answer(200, "ref:SOMEONE-ELSE")
        .answer(200, "ref:ORDER-1");
    let client = client(carrier(policy(10, 120), echoing), t.clone());
    let outcome = client
        .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-1"))
        .await
        .unwrap();
    assert_eq!(paths(&t), pay_then_checks(3));
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(
        outcome.status_checks(),
        3,
        "two answers about another reference were ignored"
    );
}

#[tokio::test(start_paused = true)]
async fn a_synchronous_answer_about_another_reference_is_unknown_then_checked() {
    // MOOV-like: the payment answer is final (confirmed), but names another transaction; so
    // do the six status checks of the window (pending).
    let t = (0..6).fold(
        ReplayTransport::new().answer(200, "ref:SOMEONE-ELSE"),
        |t, _| t.answer(202, "ref:SOMEONE-ELSE"),
    );
    let client = client(carrier(policy(10, 60), echoing), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(
        outcome.status(),
        Status::Unknown,
        "never confirmed by another's answer"
    );
    assert_eq!(outcome.status_checks(), 6);
    assert!(outcome.message().unwrap().contains("another reference"));
    assert_eq!(paths(&t), pay_then_checks(6));
}

#[tokio::test(start_paused = true)]
async fn the_window_is_a_deadline_for_the_whole_wait() {
    // Every status check runs into an 80 s transport timeout: without the deadline, the last
    // check, started just before the window closes, would run 80 s past it.
    #[derive(Debug)]
    struct SlowStatus;
    #[async_trait::async_trait]
    impl Transport for SlowStatus {
        async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
            if request.path() != STATUS_PATH {
                return Ok(ApiResponse::new(202, "{}"));
            }
            tokio::time::sleep(Duration::from_secs(80)).await;
            Err(TransportError::new(
                TransportErrorKind::Timeout,
                Delivery::MaybeSent,
            ))
        }
    }
    let client = client(carrier(policy(10, 120), by_status), SlowStatus);
    pays_and_ends_pending_within_the_window(&client).await;
}

#[tokio::test(start_paused = true)]
async fn the_window_is_a_deadline_for_a_transport_that_times_requests_out_itself() {
    // A transport that honours `ApiRequest::timeout` (as `HttpTransport` does): the client
    // runs no timer of its own around the checks, and gives each check the time left in the
    // window plus the grace instead. This one stalls every check until that timeout (or 80 s,
    // its own whole-call timeout, for a request without one).
    #[derive(Debug, Default)]
    struct TimesOut {
        timeouts: Mutex<Vec<Option<Duration>>>,
    }
    #[async_trait::async_trait]
    impl Transport for TimesOut {
        async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
            if request.path() != STATUS_PATH {
                return Ok(ApiResponse::new(202, "{}"));
            }
            self.timeouts.lock().unwrap().push(request.timeout());
            let limit = request.timeout().unwrap_or(Duration::from_secs(80));
            tokio::time::sleep(limit.min(Duration::from_secs(80))).await;
            Err(TransportError::new(
                TransportErrorKind::Timeout,
                Delivery::MaybeSent,
            ))
        }
        fn honours_request_timeout(&self) -> bool {
            true
        }
    }
    let transport = Arc::new(TimesOut::default());
    let client = client(carrier(policy(10, 120), by_status), Arc::clone(&transport));
    pays_and_ends_pending_within_the_window(&client).await;
    let timeouts = transport.timeouts.lock().unwrap();
    assert!(!timeouts.is_empty());
    for timeout in timeouts.iter() {
        let timeout = timeout.expect("every status check carries the time left in the window");
        assert!(
            timeout <= Duration::from_secs(120) + WINDOW_GRACE,
            "{timeout:?}"
        );
    }
}

#[tokio::test]
async fn a_reference_not_sent_can_be_sent_again() {
    let t = ReplayTransport::new()
        .fail(TransportErrorKind::Connect, Delivery::NotSent)
        .fail(TransportErrorKind::Timeout, Delivery::MaybeSent);
    let client = client(carrier(None, by_status), t.clone());
    let order = || PaymentRequest::new(PHONE, 1000).reference("ORDER-1");
    let first = client.initiate(order()).await.unwrap_err();
    assert_eq!(first.delivery(), Delivery::NotSent);
    // Not sent: the same order id may go out again.
    let second = client.initiate(order()).await.unwrap();
    assert_eq!(second.status(), Status::Unknown);
    // May have been sent: never again.
    let third = client.initiate(order()).await.unwrap_err();
    assert!(third.to_string().contains("reference"), "{third}");
    assert_eq!(third.delivery(), Delivery::NotSent);
    assert_eq!(paths(&t), [PAY_PATH, PAY_PATH]);
}

#[tokio::test]
async fn a_reference_is_not_burnt_by_a_request_that_cannot_be_built() {
    let t = ReplayTransport::new().answer(202, "{}");
    let client = client(carrier(None, by_status), t.clone());
    // The test carrier has no deposit (the trait's default): refused before I/O, and ORDER-7
    // stays free.
    let err = client
        .deposit(DepositRequest::new(PHONE, 1000).reference("ORDER-7"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }));
    client
        .initiate(PaymentRequest::new(PHONE, 1000).reference("ORDER-7"))
        .await
        .unwrap();
    assert_eq!(paths(&t), [PAY_PATH]);
}

#[tokio::test]
async fn numbers_in_server_text_are_masked_everywhere() {
    let body =
        r#"{"responsecode":"-1","responsemsg":"WRONG NETWORK: 22997000100 is not a moov number"}"#;
    let t = ReplayTransport::new().answer(400, body);
    let read = |_: Operation, r: &ApiResponse| {
        let mut reply = reply(Verdict::Rejected);
        reply.message = crate::wire::QosicBody::parse(&r.body).and_then(|b| b.message);
        reply
    };
    let client = client(carrier(None, read), t);
    let err = client
        .initiate(PaymentRequest::new(PHONE, 1000))
        .await
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("22997000100"), "{text}");
        assert!(text.contains("22997****00"), "{text}");
    }
    let creds = Credentials::new("merchant", "pw");
    let request = ApiRequest::new("http://h/p", creds, br#"{"msisdn":"22997000100"}"#.to_vec());
    let wire = WireRequest {
        path: "/p".into(),
        body: br#"{"msisdn":"2290197000100"}"#.to_vec(),
    };
    let response = ApiResponse::new(200, body);
    for text in [
        format!("{request:?}"),
        format!("{wire:?}"),
        format!("{response:?}"),
    ] {
        assert!(!text.contains("97000100"), "{text}");
    }
}

/// Found by the property tests of the answer readers (`tests/e2e/tests/it/properties.rs`): a
/// server text in `responsecode` reached the error's `Display` and `Debug`, and the debug log,
/// unmasked, while messages and comments were masked.
#[tokio::test]
async fn a_number_echoed_in_the_code_is_masked_too() {
    let echo = "WRONG NETWORK: 22997000100";
    for status in [403, 200] {
        let t = ReplayTransport::new().answer(status, "{}");
        let read = move |_: Operation, _: &ApiResponse| {
            let mut reply = reply(if status == 200 {
                Verdict::Failed
            } else {
                Verdict::Rejected
            });
            reply.code = Some(echo.to_owned());
            reply.message = Some(echo.to_owned());
            reply
        };
        let client = client(carrier(None, read), t);
        let shown = match client.pay(PaymentRequest::new(PHONE, 1000)).await {
            Ok(outcome) => {
                assert_eq!(outcome.code(), Some("WRONG NETWORK: 22997****00"));
                format!("{outcome:?}")
            }
            Err(err) => format!("{err} {err:?}"),
        };
        assert!(!shown.contains("97000100"), "{status}: {shown}");
        assert!(shown.contains("22997****00"), "{status}: {shown}");
    }
}

/// Pays through `client`, whose carrier polls for 120 s, and checks that the wait ends pending
/// within that window plus [`WINDOW_GRACE`].
async fn pays_and_ends_pending_within_the_window(client: &Client) {
    let started = Instant::now();
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    let took = started.elapsed();
    assert_eq!(outcome.status(), Status::Pending);
    assert!(
        took <= Duration::from_secs(120) + WINDOW_GRACE,
        "the wait took {took:?}, past its window of 120 s plus {WINDOW_GRACE:?} of grace"
    );
}

#[tokio::test(start_paused = true)]
async fn no_answer_says_what_happened_and_what_to_do() {
    let t = ReplayTransport::new().fail(TransportErrorKind::Timeout, Delivery::MaybeSent);
    let first = client(carrier(policy(10, 60), by_status), t.clone());
    let outcome = first
        .initiate(PaymentRequest::new(PHONE, 1000))
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(
        outcome.reason(),
        Some(
            "no answer to the payment request (timed out); the payment may still complete: \
             check its status"
        )
    );

    // Every status check unanswered too: the reason says so, after the whole window.
    let t = (0..7).fold(ReplayTransport::new(), |t, _| {
        t.fail(TransportErrorKind::Timeout, Delivery::MaybeSent)
    });
    let client = client(carrier(policy(10, 60), by_status), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(
        outcome.reason(),
        Some(
            "status check 6 got no answer (timed out); the payment may still complete: check \
             its status"
        )
    );
}

/// Reads a 500 as QosIc's server error with the message "FAILED", anything else as pending.
fn failed_500(op: Operation, response: &ApiResponse) -> Reply {
    if response.status == 500 {
        let mut reply = reply(Verdict::ServerError);
        reply.message = Some("FAILED".to_owned());
        reply
    } else {
        by_status(op, response)
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_error_names_the_reference_and_an_unknown_outcome_never_says_failed() {
    let t = ReplayTransport::new().answer(500, "{}");
    let first = client(carrier(policy(10, 60), failed_500), t.clone());
    let err = first
        .pay(PaymentRequest::new(PHONE, 1000))
        .await
        .unwrap_err();
    let reference = err.reference().unwrap().to_string();
    assert_eq!(
        err.to_string(),
        format!("qosic server error (HTTP 500) for reference {reference}: FAILED")
    );
    assert_eq!(err.delivery(), Delivery::MaybeSent);

    // The payment's answer lost, then every status check a 500 saying "FAILED": the payment
    // is unknown, and its reason does not say it failed.
    let t = (0..6).fold(ReplayTransport::new().lose_answer(), |t, _| {
        t.answer(500, "{}")
    });
    let client = client(carrier(policy(10, 60), failed_500), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Unknown);
    let reason = outcome.reason().unwrap();
    assert!(!reason.to_uppercase().contains("FAIL"), "{reason}");
    assert_eq!(
        reason,
        "status check 6 got a server error (HTTP 500); the payment may still complete: check \
         its status"
    );
}

/// The answers read as a real QosIc carrier reads them (`read_answer`).
fn qosic_read(op: Operation, response: &ApiResponse) -> Reply {
    static SPEC: crate::carrier::CarrierSpec = crate::carrier::CarrierSpec::new(
        crate::Carrier::new("HOSTILE"),
        crate::Country::Benin,
        "QOSIC_HOSTILE_CLIENT_ID",
        "/pay",
        "/status",
        |_| true,
    );
    crate::carrier::read_answer(&SPEC, op, response)
}

/// The outcome (`Ok`) or error (`Err`) of a payment request answered with `status` and `body`,
/// as its `Display` and `Debug` show it.
async fn shown(status: u16, body: &[u8]) -> (Result<Outcome, Error>, Vec<String>) {
    let t = ReplayTransport::new().answer(status, body.to_vec());
    let client = client(carrier(None, qosic_read), t);
    let result = client.initiate(PaymentRequest::new(PHONE, 1000)).await;
    let texts = match &result {
        Ok(outcome) => vec![outcome.to_string(), format!("{outcome:?}")],
        Err(err) => vec![err.to_string(), format!("{err:?}")],
    };
    (result, texts)
}

/// No control character (newline, carriage return, ESC, NUL, C1, bidirectional) survives.
fn assert_inert(text: &str) {
    assert!(
        !text.contains(|c: char| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
        "a control character reached {text:?}"
    );
}

/// Issue 27: a decline message holding a newline and escape codes made the `pay` example
/// print a line reading `status: CONFIRMED`. Outcomes and errors show it escaped.
#[tokio::test]
async fn a_decline_message_cannot_print_a_confirmed_line() {
    let lure = r#"DECLINED\nstatus: CONFIRMED\r\u001b[1A\u001b[2K\u009b0m\u202e"#;
    for (status, body) in [
        // A failed payment: the lure in the comment, which is the outcome's reason.
        (
            200,
            format!(r#"{{"responsecode":"529","responsemsg":"FAILED","comment":"{lure}"}}"#),
        ),
        // A refusal and a server error: the lure in the message and the code.
        (
            400,
            format!(r#"{{"responsecode":"{lure}","responsemsg":"{lure}"}}"#),
        ),
        (
            500,
            format!(r#"{{"responsecode":"{lure}","responsemsg":"{lure}"}}"#),
        ),
        // Not JSON: the start of the body is shown.
        (500, "DECLINED\nstatus: CONFIRMED\x1b[2K".to_owned()),
    ] {
        let (result, texts) = shown(status, body.as_bytes()).await;
        if let Ok(outcome) = &result {
            assert_eq!(outcome.status(), Status::Failed);
            assert_eq!(
                outcome.reason(),
                Some(r"DECLINED\nstatus: CONFIRMED\r\u{1b}[1A\u{1b}[2K\u{9b}0m\u{202e}")
            );
            assert_inert(outcome.reason().unwrap());
            assert_inert(outcome.code().unwrap());
        }
        for text in &texts {
            assert_inert(text);
            assert!(
                !text
                    .lines()
                    .any(|line| line.trim_start().starts_with("status: CONFIRMED")),
                "{status}: {text}"
            );
        }
        {
            let text = &texts[0];
            // `Display`: escaped, or (the start of a body that is not JSON) on one line.
            assert!(
                text.contains(r"DECLINED\nstatus: CONFIRMED")
                    || text.contains("DECLINED status: CONFIRMED"),
                "{status}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn each_hostile_shape_is_shown_escaped() {
    for (sent, shown_as) in [
        (r"\n", r"\n"),
        (r"\r", r"\r"),
        (r"\u001b[31m", r"\u{1b}[31m"),
        (r"\u0000", r"\0"),
    ] {
        let body =
            format!(r#"{{"responsecode":"-1","responsemsg":"FAILED","comment":"A{sent}B"}}"#);
        let (result, texts) = shown(200, body.as_bytes()).await;
        let outcome = result.unwrap();
        assert_eq!(outcome.reason(), Some(format!("A{shown_as}B").as_str()));
        // The raw answer keeps the server's text as it came.
        assert_eq!(outcome.raw_response().unwrap().bytes(), body.as_bytes());
        for text in texts {
            assert_inert(&text);
        }
        let (result, texts) = shown(403, body.replace("comment", "x").as_bytes()).await;
        assert!(matches!(result, Err(Error::Rejected { .. })));
        for text in texts {
            assert_inert(&text);
        }
    }
}

#[tokio::test]
async fn invalid_utf8_is_replaced_and_kept_raw() {
    let body = b"\xff\xfeFAILED \xc3(\x1b]0;owned\x07";
    let (result, texts) = shown(200, body).await;
    let outcome = result.unwrap();
    // Not JSON: unknown, the start of the body as its reason.
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(outcome.reason(), Some(r"��FAILED �(\u{1b}]0;owned\u{7}"));
    assert_eq!(outcome.raw_response().unwrap().bytes(), body);
    for text in texts {
        assert_inert(&text);
    }
    let (result, texts) = shown(502, body).await;
    assert!(matches!(result, Err(Error::ServerError { .. })));
    for text in texts {
        assert_inert(&text);
        assert!(text.contains('\u{fffd}'), "{text}");
    }
}

#[tokio::test]
async fn a_megabyte_message_is_cut_with_a_marker() {
    use crate::server_text::{LOG_MAX_BYTES, REASON_MAX_CHARS};
    let huge = "X".repeat(1 << 20);
    let body = format!(r#"{{"responsecode":"-1","responsemsg":"FAILED","comment":"{huge}"}}"#);
    let (result, texts) = shown(200, body.as_bytes()).await;
    let outcome = result.unwrap();
    let reason = outcome.reason().unwrap();
    assert_eq!(
        reason,
        format!(
            "{}…[cut: 1048576 bytes in all]",
            "X".repeat(REASON_MAX_CHARS)
        )
    );
    // `Debug` shows the raw answer too, cut after 4 KiB; the bytes are all there.
    assert_eq!(outcome.raw_response().unwrap().bytes().len(), body.len());
    for text in &texts {
        assert!(
            text.len() < REASON_MAX_CHARS + 2 * LOG_MAX_BYTES,
            "{} bytes",
            text.len()
        );
    }
    let (result, texts) = shown(400, body.replace("comment", "responsemsg").as_bytes()).await;
    assert!(matches!(result, Err(Error::Rejected { .. })));
    for text in &texts {
        assert!(text.len() < 2 * REASON_MAX_CHARS, "{} bytes", text.len());
        assert!(text.contains("…[cut: 1048576 bytes in all]"), "{text}");
    }
}
