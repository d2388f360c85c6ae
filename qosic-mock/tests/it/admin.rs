//! The admin HTTP API under /__admin/.

use qosic_mock::{MockQosic, TransactionState};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn program_read_and_reset_through_the_admin_api() {
    let mock = MockQosic::start().await;
    let m = &mock;
    let a = admin(m, "GET", "/__admin/health", &Value::Null);
    assert_eq!(a.status(), 200);
    assert_eq!(a.json()["status"], "ok");

    let a = admin(
        m,
        "POST",
        "/__admin/subscribers",
        &json!({"phone": "22997000001", "behaviour": "approves", "after_checks": 2}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    let a = admin(
        m,
        "POST",
        "/__admin/faults",
        &json!({"kind": "status", "status": 503, "times": 1, "endpoint": "mtn_payment"}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());

    let auth = basic("merchant", "secret");
    let addr = m.address().unwrap();
    let post = |path: &str, body: Value| {
        http_request(addr, "POST", path, Some(&auth), body.to_string().as_bytes())
    };
    assert_eq!(
        post(MTN_PAY, pay("22997000001", "100", "A1", "MTN_CLIENT")).status(),
        503
    );
    assert_eq!(
        post(MTN_PAY, pay("22997000001", "100", "A1", "MTN_CLIENT")).status(),
        202
    );
    assert_eq!(post(MTN_STATUS, status("A1", "MTN_CLIENT")).code(), "01");
    assert_eq!(post(MTN_STATUS, status("A1", "MTN_CLIENT")).code(), "00");

    let tx = admin(m, "GET", "/__admin/transactions/A1", &Value::Null).json();
    assert_eq!(tx["state"], "confirmed");
    assert_eq!(tx["amount"], 100);
    assert_eq!(tx["carrier"], "mtn");
    assert_eq!(
        admin(m, "GET", "/__admin/transactions/NOPE", &Value::Null).status(),
        404
    );
    assert_eq!(
        admin(m, "GET", "/__admin/transactions", &Value::Null)
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let ledger = admin(m, "GET", "/__admin/ledger", &Value::Null).json();
    assert_eq!(
        ledger,
        json!({"collected": 100, "refunded": 0, "paid_out": 0, "pending": 0})
    );
    let journal = admin(m, "GET", "/__admin/journal", &Value::Null).json();
    assert_eq!(journal.as_array().unwrap().len(), 4);
    assert_eq!(journal[0]["endpoint"], "mtn_payment");
    assert_eq!(journal[0]["status"], 503);
    assert_eq!(journal[0]["fault"], "status 503");
    assert_eq!(journal[1]["body"]["transref"], "A1");
    assert_eq!(journal[1]["auth_accepted"], true);

    // Expectations, checked on demand (a binary has no drop to check them).
    admin(
        m,
        "POST",
        "/__admin/expectations",
        &json!({"endpoint": "mtn_refund", "count": 1}),
    );
    let v = admin(m, "GET", "/__admin/verify", &Value::Null);
    assert_eq!(v.status(), 409);
    assert!(v.json()["report"].as_str().unwrap().contains("mtn_refund"));

    assert_eq!(
        admin(m, "POST", "/__admin/reset", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "GET", "/__admin/verify", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(m, "GET", "/__admin/transactions", &Value::Null).json(),
        json!([])
    );
    assert!(m.journal().is_empty());
    assert_eq!(
        m.transaction("A1").map(|t| t.state),
        None::<TransactionState>
    );
}

#[tokio::test]
async fn admin_faults_of_every_kind_and_clearing() {
    let mock = MockQosic::start().await;
    for spec in [
        json!({"kind": "delay", "delay_ms": 1}),
        json!({"kind": "malformed_body", "status": 200}),
        json!({"kind": "empty_body"}),
        json!({"kind": "html_error", "status": 503}),
        json!({"kind": "dropped_connection", "times": 1}),
        json!({"kind": "lost_answer", "endpoint": "moov_payment", "delay_ms": 1}),
        json!({"kind": "status", "status": 500, "after_recording": true}),
    ] {
        let a = admin(&mock, "POST", "/__admin/faults", &spec);
        assert_eq!(a.status(), 200, "{spec} {}", a.text());
    }
    assert_eq!(
        admin(&mock, "DELETE", "/__admin/faults", &Value::Null).status(),
        200
    );
    assert_eq!(
        admin(&mock, "DELETE", "/__admin/subscribers", &Value::Null).status(),
        200
    );
    let addr = mock.address().unwrap();
    let auth = basic("merchant", "secret");
    let a = http_request(
        addr,
        "POST",
        MTN_PAY,
        Some(&auth),
        pay("22997000001", "1", "Z", "MTN_CLIENT")
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status(), 202);
}

#[tokio::test]
async fn admin_refuses_bad_input_with_400() {
    let mock = MockQosic::start().await;
    for (path, body) in [
        (
            "/__admin/subscribers",
            json!({"phone": "123", "behaviour": "approves"}),
        ),
        (
            "/__admin/subscribers",
            json!({"phone": "22997000001", "behaviour": "dances"}),
        ),
        (
            "/__admin/subscribers",
            json!({"phone": "22997000001", "behaviour": "approves", "after_checks": 1, "after_ms": 5}),
        ),
        ("/__admin/subscribers", json!({"phone": "22997000001"})),
        ("/__admin/faults", json!({"kind": "explode"})),
        ("/__admin/faults", json!({"kind": "status"})),
        (
            "/__admin/faults",
            json!({"kind": "status", "status": 500, "endpoint": "nowhere"}),
        ),
        (
            "/__admin/faults",
            json!({"kind": "status", "status": 500, "surprise": 1}),
        ),
        (
            "/__admin/expectations",
            json!({"endpoint": "nowhere", "count": 1}),
        ),
    ] {
        let a = admin(&mock, "POST", path, &body);
        assert_eq!(a.status(), 400, "{path} {body}");
        assert!(a.json()["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let a = http_request(
        mock.address().unwrap(),
        "POST",
        "/__admin/faults",
        None,
        b"\xff{",
    );
    assert_eq!(a.status(), 400);
    assert_eq!(
        admin(&mock, "GET", "/__admin/nothing", &Value::Null).status(),
        404
    );
    // Admin requests are not in the journal.
    assert!(mock.journal().is_empty());
}

#[tokio::test]
async fn admin_faults_take_final_statuses_and_bounded_delays_only() {
    let mock = MockQosic::start().await;
    for (body, says) in [
        (json!({"kind": "status", "status": 101}), "200 to 599"),
        (json!({"kind": "status", "status": 600}), "200 to 599"),
        (json!({"kind": "status", "status": 999}), "200 to 599"),
        (json!({"kind": "html_error", "status": 700}), "200 to 599"),
        (json!({"kind": "delay", "delay_ms": 600_001}), "at most 600000"),
        (json!({"kind": "delay", "delay_ms": u64::MAX}), "at most 600000"),
        (
            json!({"kind": "dropped_connection", "delay_ms": u64::MAX}),
            "at most 600000",
        ),
        (json!({"kind": "status"}), "needs \"status\""),
        (
            json!({"kind": "explode"}),
            "unknown variant `explode`, expected one of `status`, `delay`, `malformed_body`, `empty_body`, `html_error`, `dropped_connection`, `lost_answer`, `wrong_reference`",
        ),
        (
            json!({"kind": "status", "status": 500, "endpoint": "nowhere"}),
            "expected one of `mtn_payment`",
        ),
    ] {
        let a = admin(&mock, "POST", "/__admin/faults", &body);
        assert_eq!(a.status(), 400, "{body}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(says), "{body}: {detail}");
    }
    for (body, says) in [
        (
            json!({"phone": "22997000001", "behaviour": "dances"}),
            "expected one of `approves`, `declines`, `insufficient_funds`, `no_account`, `never_answers`, `server_error`",
        ),
        (
            json!({"phone": "22997000001", "behaviour": "approves", "after_ms": 600_001}),
            "at most 600000",
        ),
    ] {
        let a = admin(&mock, "POST", "/__admin/subscribers", &body);
        assert_eq!(a.status(), 400, "{body}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(says), "{body}: {detail}");
    }
    // The bounds themselves are accepted.
    for body in [
        json!({"kind": "status", "status": 200}),
        json!({"kind": "status", "status": 599}),
        json!({"kind": "delay", "delay_ms": 600_000, "times": 0}),
    ] {
        assert_eq!(
            admin(&mock, "POST", "/__admin/faults", &body).status(),
            200,
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_admin_api_can_be_turned_off() {
    let mock = MockQosic::builder().disable_admin().start().await;
    for (method, path) in [
        ("GET", "/__admin/health"),
        ("GET", "/__admin/journal"),
        ("POST", "/__admin/reset"),
    ] {
        let a = admin(&mock, method, path, &Value::Null);
        assert_eq!(a.status(), 404, "{method} {path}");
        assert!(a.json()["detail"].as_str().unwrap().contains("disabled"));
    }
    let a = admin(
        &mock,
        "POST",
        "/__admin/faults",
        &json!({"kind": "status", "status": 500}),
    );
    assert_eq!(a.status(), 404);
    // The wire endpoints still work, with no fault programmed.
    let auth = basic("merchant", "secret");
    let body = pay("22997000001", "1", "OFF", "MTN_CLIENT").to_string();
    let a = http_request(
        mock.address().unwrap(),
        "POST",
        MTN_PAY,
        Some(&auth),
        body.as_bytes(),
    );
    assert_eq!(a.status(), 202);
}

#[tokio::test]
async fn the_admin_api_can_require_a_token() {
    let mock = MockQosic::builder()
        .admin_token("s3cret-token")
        .password("pass-w0rd")
        .start()
        .await;
    // Neither secret shows in the server's Debug (nor the builder's).
    let shown = format!("{mock:?} {:?}", MockQosic::builder().password("pass-w0rd"));
    assert!(shown.contains("[REDACTED]"), "{shown}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("pass-w0rd"),
        "{shown}"
    );
    let addr = mock.address().unwrap();
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-toke"),
        Some("Basic bWVyY2hhbnQ6c2VjcmV0"),
    ] {
        let a = http_request(addr, "POST", "/__admin/reset", auth, b"");
        assert_eq!(a.status(), 401, "{auth:?}");
        assert!(a.json()["detail"].as_str().unwrap().contains("Bearer"));
    }
    let a = http_request(
        addr,
        "GET",
        "/__admin/health",
        Some("Bearer s3cret-token"),
        b"",
    );
    assert_eq!(a.status(), 200);
    let config = http_request(
        addr,
        "GET",
        "/__admin/config",
        Some("Bearer s3cret-token"),
        b"",
    );
    assert_eq!(config.json()["admin_token"], true);
    assert!(!config.text().contains("s3cret-token"));
}

#[tokio::test]
async fn the_journal_is_paged_and_its_drops_are_counted() {
    let mock = MockQosic::builder().journal_capacity(5).start().await;
    let addr = mock.address().unwrap();
    let auth = basic("merchant", "secret");
    for i in 0..8 {
        let body = status(&format!("P{i}"), "MTN_CLIENT").to_string();
        http_request(addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes());
    }
    let all = admin(&mock, "GET", "/__admin/journal", &Value::Null).json();
    let seqs: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [4, 5, 6, 7, 8]);
    assert_eq!(all[0]["body"]["transref"], "P3");
    let page = admin(
        &mock,
        "GET",
        "/__admin/journal?since=5&limit=2",
        &Value::Null,
    )
    .json();
    let seqs: Vec<u64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [6, 7]);
    let bad = admin(&mock, "GET", "/__admin/journal?limit=many", &Value::Null);
    assert_eq!(bad.status(), 400);
    let health = admin(&mock, "GET", "/__admin/health", &Value::Null).json();
    assert_eq!(health["requests"], 8);
    assert_eq!(
        health["journal"],
        json!({"entries": 5, "capacity": 5, "dropped": 3})
    );
}

#[tokio::test]
async fn a_wrong_reference_fault_through_the_admin_api() {
    let mock = MockQosic::start().await;
    let a = admin(
        &mock,
        "POST",
        "/__admin/faults",
        &json!({"kind": "wrong_reference", "endpoint": "mtn_status", "times": 1}),
    );
    assert_eq!(a.status(), 200, "{}", a.text());
    let addr = mock.address().unwrap();
    let auth = basic("merchant", "secret");
    let post = |path: &str, body: Value| {
        http_request(addr, "POST", path, Some(&auth), body.to_string().as_bytes())
    };
    assert_eq!(
        post(MTN_PAY, pay("22997000001", "1", "MINE", "MTN_CLIENT")).status(),
        202
    );
    let foreign = post(MTN_STATUS, status("MINE", "MTN_CLIENT"));
    assert_eq!(foreign.status(), 200);
    assert_eq!(foreign.json()["transref"], "SOMEONE-ELSE");
    assert_eq!(foreign.code(), "00");
    let own = post(MTN_STATUS, status("MINE", "MTN_CLIENT"));
    assert_eq!(
        (own.json()["transref"].as_str(), own.code().as_str()),
        (Some("MINE"), "00")
    );
}

/// Sends `POST /__admin/reset` with the given extra header lines, as a web page on another
/// site (a form, a plain `fetch`) or a test suite would.
fn reset_with(mock: &MockQosic, headers: &str) -> Answer {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(mock.address().unwrap()).unwrap();
    write!(
        stream,
        "POST /__admin/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

/// Admin calls that change state need a JSON content type, the `x-qosic-mock` header or
/// the token: a cross-site form or plain `fetch` can send none of them.
#[tokio::test]
async fn cross_site_admin_calls_are_refused() {
    let mock = MockQosic::start().await;
    let refused = reset_with(&mock, "");
    assert_eq!(refused.status(), 403, "{}", refused.text());
    assert!(
        refused.text().contains("x-qosic-mock"),
        "{}",
        refused.text()
    );
    let form = reset_with(&mock, "Content-Type: application/x-www-form-urlencoded\r\n");
    assert_eq!(form.status(), 415, "{}", form.text());
    assert!(
        form.text().contains("application/x-www-form-urlencoded"),
        "{}",
        form.text()
    );
    assert_eq!(
        reset_with(&mock, "Content-Type: text/plain\r\n").status(),
        415
    );
    // What a test suite sends.
    for ok in [
        "Content-Type: application/json\r\n",
        "content-type: Application/JSON; charset=utf-8\r\n",
        "X-Qosic-Mock: 1\r\n",
    ] {
        assert_eq!(reset_with(&mock, ok).status(), 200, "{ok}");
    }
    // Reads change nothing: no header needed.
    let health = http_request(mock.address().unwrap(), "GET", "/__admin/health", None, b"");
    assert_eq!(health.status(), 200);

    // Behind a token, the token is the proof (a cross-site request cannot send it).
    let guarded = MockQosic::builder().admin_token("t0k").start().await;
    assert_eq!(reset_with(&guarded, "").status(), 401);
    assert_eq!(
        reset_with(&guarded, "Authorization: Bearer t0k\r\n").status(),
        200
    );
}
