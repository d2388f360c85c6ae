//! How the fake server reads what it is sent (bodies, phone numbers, admin paths and
//! queries, card forms) and the exact bytes of its answers.

use qosic_mock::{MockQosic, PhoneForms, Subscriber};
use serde_json::json;

use crate::support::*;

/// Lenient reading: unknown keys ignored, a key given twice keeps its last value, escaped
/// keys read; each field refused by name when it is missing or not a string.
#[tokio::test]
async fn bodies_are_read_leniently_and_refused_by_name() {
    let h = Harness::new(Via::InProcess).await;
    let raw = |body: &str| h.post_as("merchant", "secret", MTN_PAY, body.as_bytes().to_vec());
    let msg = |a: Answer| a.json()["responsemsg"].as_str().unwrap_or("").to_owned();
    let base = r#""clientid":"MTN_CLIENT","amount":"100","x":[1]"#;
    let a = raw(&format!(r#"{{"transref":"R1","msisdn":null,{base}}}"#)).await;
    assert_eq!(
        (a.status(), msg(a)),
        (400, "missing field msisdn".to_owned())
    );
    let a = raw(&format!(
        r#"{{"transref":"a","transref":"b","msisdn":"22997000001",{base}}}"#
    ));
    let a = a.await;
    assert_eq!(
        (a.status(), a.json()["transref"].clone()),
        (202, json!("b"))
    );
    let a = raw(&format!(
        r#"{{"trans\u0072ef":"e","msisdn":"22997000001",{base}}}"#
    ))
    .await;
    assert_eq!(
        (a.status(), a.json()["transref"].clone()),
        (202, json!("e"))
    );
    for body in ["[1]", "12", "\"x\"", "null"] {
        assert_eq!(
            msg(raw(body).await),
            "the body must be a JSON object",
            "{body}"
        );
    }
    for body in [r#"{"transref":1e400}"#, "", "{", r#"{"a":1} x"#, "\u{ff}"] {
        assert_eq!(msg(raw(body).await), "the body is not valid JSON", "{body}");
    }
}

/// The answers' keys are in alphabetical order: the bytes `json!` prints.
#[tokio::test]
async fn answers_are_the_bytes_json_prints() {
    let h = Harness::new(Via::InProcess).await;
    let text = |a: Answer| a.text();
    let pending = h
        .post(MTN_PAY, &pay("22997000001", "100", "R\"1", "MTN_CLIENT"))
        .await;
    let expected = json!({"responsecode": "01", "responsemsg": "PENDING", "transref": "R\"1",
                          "comment": null});
    assert_eq!(text(pending), expected.to_string());
    let done = h.post(MTN_STATUS, &status("R\"1", "MTN_CLIENT")).await;
    let serviceref = done.json()["serviceref"].clone();
    let expected = json!({"responsecode": "00", "responsemsg": "SUCCESSFUL", "transref": "R\"1",
        "serviceref": serviceref, "comment": "TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"});
    assert_eq!(text(done), expected.to_string());
    let moov = h
        .post(MOOV_PAY, &pay("22995000001", "100", "M1", "MOOV_CLIENT"))
        .await;
    let serviceref = moov.json()["serviceref"].clone();
    let expected = json!({"responsecode": "0", "responsemsg": "SUCCESS", "transref": "M1",
                          "comment": null, "serviceref": serviceref});
    assert_eq!(text(moov), expected.to_string());
    let poor = h
        .post(MTN_PAY, &pay("22997000191", "100", "P1", "MTN_CLIENT"))
        .await;
    assert_eq!(poor.status(), 202);
    assert_eq!(
        text(h.post(MTN_STATUS, &status("P1", "MTN_CLIENT")).await),
        r#"{"responsecode":"529","responsemsg":"INSUFFICIENT FUNDS","transref":"P1"}"#
    );
    assert_eq!(
        text(
            h.post(MTN_STATUS, &json!({"clientid": "MOOV_CLIENT"}))
                .await
        ),
        r#"{"comment":null,"responsecode":"-2","responsemsg":"Invalid Client Id","transref":null}"#
    );
    assert_eq!(
        text(h.post(MTN_STATUS, &status("NOPE", "MTN_CLIENT")).await),
        r#"{"responsecode":"-1","responsemsg":"FAILED","serviceref":"0","transref":"NOPE"}"#
    );
}

/// Only the international form, digits only, of an accepted plan is read on the wire;
/// a test programs a number in any form the SDK reads, and both Benin forms are one person.
#[tokio::test]
async fn phone_numbers_on_the_wire_and_from_tests() {
    let h = Harness::build(
        MockQosic::builder().phone_forms(PhoneForms::Both),
        Via::InProcess,
    );
    let h = h.await;
    for (i, bad) in [
        "",
        "+22997000001",
        "2299700000",
        "229970000011",
        "2290297000001",
        "abc",
        "97000001",
        "0022997000001",
    ]
    .into_iter()
    .enumerate()
    {
        let a = h
            .post(MTN_PAY, &pay(bad, "100", &format!("B{i}"), "MTN_CLIENT"))
            .await;
        assert_eq!(a.status(), 400, "{bad}");
        assert!(
            a.json()["responsemsg"].as_str().unwrap().contains("msisdn"),
            "{bad}"
        );
    }
    for (form, last) in [
        ("00229 01 97 00 00 01", "22997000001"),
        ("(+229) 97 00 00 02", "2290197000002"),
    ] {
        h.mock.subscriber(form, Subscriber::declines());
        let r = format!("S-{last}");
        assert_eq!(
            h.post(MTN_PAY, &pay(last, "100", &r, "MTN_CLIENT"))
                .await
                .status(),
            202
        );
        let a = h.post(MTN_STATUS, &status(&r, "MTN_CLIENT")).await;
        assert_eq!(a.json()["responsemsg"], "FAILED", "{form}");
    }
    // Togo: the last two digits of the national number pick the magic behaviour.
    assert_eq!(
        h.post(MTN_PAY, &pay("22890000190", "100", "TG", "MTN_CLIENT"))
            .await
            .status(),
        202
    );
    assert_eq!(
        h.post(MTN_STATUS, &status("TG", "MTN_CLIENT")).await.code(),
        "-1"
    );
    let mock = MockQosic::start().await;
    let a = admin(
        &mock,
        "POST",
        "/__admin/subscribers",
        &json!({"phone": "12345", "behaviour": "approves"}),
    );
    assert_eq!(a.status(), 400);
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .starts_with("invalid phone number: expected"));
}

#[test]
fn phone_form_names_are_serde_names() {
    for forms in [PhoneForms::Legacy, PhoneForms::New, PhoneForms::Both] {
        assert_eq!(serde_json::to_value(forms).unwrap(), forms.name());
        assert_eq!(PhoneForms::from_name(forms.name()), Some(forms));
    }
    assert_eq!(PhoneForms::from_name("old"), None);
}

/// The journal keeps short methods and paths, cutting long ones on a character boundary;
/// a capacity of 0 keeps nothing but counts; reports say how many requests are not shown.
#[tokio::test]
async fn the_journal_cuts_long_paths_and_reports_what_it_dropped() {
    let h = Harness::build(MockQosic::builder().journal_capacity(3), Via::InProcess).await;
    let long = format!("/{}", "x".repeat(2000));
    h.post(&long, &json!({})).await;
    assert_eq!(h.mock.journal()[0].path, format!("{}…", &long[..1024]));
    for i in 0..9 {
        h.post(MTN_STATUS, &status(&format!("R{i}"), "MTN_CLIENT"))
            .await;
    }
    h.mock.expect_requests(qosic_mock::Endpoint::MtnRefund, 1);
    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.mock.verify()));
    let report = *report.unwrap_err().downcast::<String>().unwrap();
    assert!(
        report.contains("Requests received (10; the last 3 shown, 7 earlier not shown):"),
        "{report}"
    );
    h.mock.reset();
    let none = MockQosic::builder().journal_capacity(0).build_in_process();
    let h = Harness::with(none, Via::InProcess);
    h.post(MTN_STATUS, &status("R", "MTN_CLIENT")).await;
    assert_eq!((h.mock.journal().len(), h.mock.journal_dropped()), (0, 1));
}

/// Admin paths: `{reference}` takes any non-empty value, slashes included; a path served
/// with other methods names them; the journal's query and the bearer token are read as
/// documented.
#[tokio::test]
async fn admin_paths_queries_and_tokens() {
    let mock = MockQosic::builder().admin_token("t0k").start().await;
    let addr = mock.address().unwrap();
    let h = Harness::with(mock, Via::Http);
    assert_eq!(
        h.post(MTN_PAY, &pay("22997000001", "100", "A/B", "MTN_CLIENT"))
            .await
            .status(),
        202
    );
    let get = |path: &'static str, auth: &'static str| {
        tokio::task::spawn_blocking(move || http_request(addr, "GET", path, Some(auth), b""))
    };
    let a = get("/__admin/transactions/A/B", "bearer  t0k ")
        .await
        .unwrap();
    assert_eq!(a.json()["reference"], "A/B");
    let a = get("/__admin/healthz", "Bearer t0k").await.unwrap();
    assert_eq!(a.status(), 404);
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("openapi.json"));
    let a = tokio::task::spawn_blocking(move || {
        http_request(addr, "PATCH", "/__admin/health", Some("Bearer t0k"), b"")
    });
    let detail = a.await.unwrap().json()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("takes GET (Connections, requests"),
        "{detail}"
    );
    let a = get("/__admin/journal?since=x", "Bearer t0k").await.unwrap();
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("whole number"));
    let a = get("/__admin/journal?page=1", "Bearer t0k").await.unwrap();
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("since and limit"));
    for auth in ["Bearer t0", "Basic t0k", "Bearer t0kk"] {
        assert_eq!(
            get("/__admin/health", auth).await.unwrap().status(),
            401,
            "{auth}"
        );
    }
}

/// The hosted card page escapes what it shows and keeps only the digits of the card.
#[tokio::test]
async fn card_pages_escape_and_read_forms() {
    let mock = MockQosic::start().await;
    let addr = mock.address().unwrap();
    let init = move |reference: &str, return_url: &str| init_card(addr, reference, return_url);
    let send = move |path: String, form: &'static str| {
        http_request(addr, "POST", &path, None, form.as_bytes()).text()
    };
    tokio::task::spawn_blocking(move || {
        assert_eq!(
            init("RR-1", "https://shop.example/?q=\"><script>").status(),
            200
        );
        let page = send(
            "/card/pay/RR-1/approve".to_owned(),
            "card=4242+4242%204242&x=1",
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(
            page.contains("&amp;transref=RR-1&amp;status=paid"),
            "{page}"
        );
        assert_eq!(init("RR-2", "https://shop.example/back").status(), 200);
        let page = send(
            "/card/pay/RR-2/approve".to_owned(),
            "card=4000+0000+0000+0002",
        );
        assert!(
            page.contains("?transref=RR-2&amp;status=declined"),
            "{page}"
        );
    })
    .await
    .unwrap();
    assert_eq!(mock.card_payment_state("RR-2"), Some("declined"));
}

/// The stand-in return page notes which card payment's customer came back, so that a
/// program serving it (the `pay` example) can wait for the browser before it exits.
#[tokio::test]
async fn the_stand_in_return_page_notes_the_customer_who_came_back() {
    let mock = MockQosic::start().await;
    let addr = mock.address().unwrap();
    let visit = move |path: &'static str| {
        tokio::task::spawn_blocking(move || http_request(addr, "GET", path, None, b""))
    };
    let return_url = format!("http://{addr}/card/returned");
    let init = tokio::task::spawn_blocking(move || init_card(addr, "RR-3", &return_url));
    assert_eq!(init.await.unwrap().status(), 200);
    assert!(mock.card_page_action("RR-3", "approve", "4242424242424242"));
    assert!(
        !mock.card_customer_returned("RR-3"),
        "not back before the visit"
    );
    // Another payment's visit, or one without a transref, is not this customer's.
    for path in ["/card/returned?transref=RR-4&status=paid", "/card/returned"] {
        assert_eq!(visit(path).await.unwrap().status(), 200, "{path}");
    }
    assert!(!mock.card_customer_returned("RR-3"));
    let page = visit("/card/returned?transref=RR-3&status=paid")
        .await
        .unwrap();
    assert!(page.text().contains("Back at the shop"));
    assert!(mock.card_customer_returned("RR-3"));
    assert!(!mock.card_customer_returned("RR-4"));
}

/// Starts a card payment of 100 XOF with the fake's test card key (a blocking request).
fn init_card(addr: std::net::SocketAddr, reference: &str, return_url: &str) -> Answer {
    let body = json!({"type": "card", "transref": reference, "qosKey": "QCBJ001",
        "returnUrl": return_url, "amountDetails": {"totalAmount": 100, "currency": "XOF"}});
    http_request(
        addr,
        "POST",
        "/public/v1/initTransaction",
        None,
        body.to_string().as_bytes(),
    )
}
