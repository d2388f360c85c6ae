//! Property tests of the answer readers, through the whole client: whatever a server answers
//! to a payment (any status, any bytes, any JSON), `pay` never panics, and the result is one
//! of the documented outcomes or errors (the table of `qosic_carriers_bj`'s answer reader,
//! then the client's rules): never a confirmation the answer does not give, never a refusal
//! for a server error, always the payment's own reference, never a full phone number.

use std::time::Duration;

use proptest::prelude::*;
use qosic::mock::fakes::ReplayTransport;
use qosic::{Delivery, Error, PaymentRequest, PollingPolicy, Status};
use serde_json::{json, Map, Value};

const REFERENCE: &str = "PROP-0001";
const PHONE: &str = "22997000100";

/// Runs one MTN payment whose answer is `status` and `body`; status checks answer "unknown
/// reference", which settles nothing (an unknown outcome stays unknown, a pending one
/// pending).
fn pay(status: u16, body: Vec<u8>) -> Result<qosic::Outcome, Error> {
    let mut replay = ReplayTransport::new().answer(status, body);
    for _ in 0..4 {
        replay = replay.answer(
            200,
            r#"{"responsecode":"-1","responsemsg":"FAILED","serviceref":"0"}"#,
        );
    }
    let polling = PollingPolicy::unbounded(Duration::from_secs(1), Duration::from_secs(10))
        .unwrap()
        .max_checks(3);
    let mtn = qosic::benin::Mtn::new(qosic::mock::DEFAULT_MTN_CLIENT_ID)
        .unwrap()
        .with_polling(polling);
    let client = qosic::Client::builder()
        .login("merchant")
        .password("secret")
        .carrier(mtn)
        .transport(replay)
        .build()
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(client.pay(PaymentRequest::new(PHONE, 1000).reference(REFERENCE)))
}

/// What the answer may mean, by the reader's table: the facts a checker needs.
struct Answer {
    status: u16,
    json: Option<Map<String, Value>>,
}

impl Answer {
    fn new(status: u16, body: &[u8]) -> Answer {
        let json = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.as_object().cloned());
        Answer { status, json }
    }

    /// A field as the reader takes it (any case; strings trimmed, numbers and booleans as
    /// text).
    fn field(&self, name: &str) -> Option<String> {
        let map = self.json.as_ref()?;
        let value = map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)?;
        match value {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn code(&self) -> Option<i64> {
        self.field("responsecode")?.parse().ok()
    }

    /// Whether the answer names another transaction.
    fn foreign(&self) -> bool {
        self.field("transref")
            .is_some_and(|r| !r.is_empty() && r != REFERENCE)
    }

    /// Whether the answer can say "confirmed": a 2xx with code 0, or without a code and a
    /// message (or problem detail or title) that says success.
    fn may_confirm(&self) -> bool {
        if !(200..300).contains(&self.status) || self.foreign() {
            return false;
        }
        match (self.field("responsecode"), self.code()) {
            (_, Some(code)) => code == 0,
            (Some(_), None) => false,
            (None, None) => ["responsemsg", "detail", "title", "comment"]
                .iter()
                .find_map(|f| self.field(f))
                .is_some_and(|m| m.to_ascii_lowercase().contains("success")),
        }
    }
}

/// Checks `result` against what `status` and `body` may mean.
fn check(
    status: u16,
    body: &[u8],
    result: Result<qosic::Outcome, Error>,
) -> Result<(), TestCaseError> {
    let answer = Answer::new(status, body);
    match result {
        Ok(outcome) => {
            prop_assert_eq!(outcome.reference().as_str(), REFERENCE);
            prop_assert!(
                !(400..=599).contains(&status),
                "an outcome from a {} answer",
                status
            );
            if outcome.status() == Status::Confirmed {
                prop_assert!(
                    answer.may_confirm(),
                    "confirmed by {} {:?}",
                    status,
                    String::from_utf8_lossy(body)
                );
            }
            if answer.foreign() {
                prop_assert!(
                    matches!(outcome.status(), Status::Unknown | Status::Pending),
                    "an answer about another reference settled the payment: {:?}",
                    outcome.status()
                );
            }
            let shown = format!("{outcome:?}");
            prop_assert!(!shown.contains("97000100"), "{}", shown);
        }
        Err(error) => {
            prop_assert_eq!(
                error.reference().map(|r| r.as_str()),
                Some(REFERENCE),
                "{}",
                error
            );
            let expected = match status {
                401 => matches!(error, Error::InvalidCredentials { .. }),
                417 => matches!(error, Error::UserAccountNotFound { .. }),
                500..=599 => matches!(error, Error::ServerError { .. }),
                404 => matches!(
                    error,
                    Error::InvalidClientId { .. } | Error::Rejected { .. }
                ),
                400..=499 => matches!(error, Error::Rejected { .. }),
                200..=299 => {
                    matches!(error, Error::InvalidClientId { .. }) && answer.code() == Some(-2)
                }
                _ => false,
            };
            prop_assert!(
                expected,
                "{} {:?} gave {:?}",
                status,
                String::from_utf8_lossy(body),
                error
            );
            let delivery = match error {
                Error::ServerError { .. } => Delivery::MaybeSent,
                _ => Delivery::Answered,
            };
            prop_assert_eq!(error.delivery(), delivery);
            let shown = format!("{error} {error:?}");
            prop_assert!(!shown.contains("97000100"), "{}", shown);
        }
    }
    Ok(())
}

/// Statuses servers send, and some they should not.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![200u16, 201, 202, 204, 400, 401, 403, 404, 409, 417, 418, 429, 500, 502, 503, 504]),
        1 => 0u16..1000,
    ]
}

/// A field's value: the codes and texts QosIc sends, numbers, junk, the number echoed.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            "0", "00", "000", "01", "-1", "-2", "02", "529", " 0 ", "0x0", "", "OK"
        ])
        .prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        prop::sample::select(vec![
            "SUCCESS",
            "SUCCESSFUL",
            "PENDING",
            "FAILED",
            "success",
            "WRONG NETWORK: 22997000100 is not a moov number"
        ])
        .prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(json!({"nested": "00"})),
        Just(json!(["00"])),
    ]
}

/// A JSON object with some of the fields QosIc answers with, in any case. `serviceref` is an
/// identifier the SDK keeps as sent (MOOV's status checks send it back), so it gets digits,
/// not texts.
fn object() -> impl Strategy<Value = Vec<u8>> {
    let names = prop::sample::select(vec![
        "responsecode",
        "responseCode",
        "RESPONSECODE",
        "responsemsg",
        "responseMsg",
        "detail",
        "title",
        "comment",
        "other",
    ]);
    let serviceref = prop_oneof![
        Just(None),
        Just(Some(Value::from("0"))),
        "[0-9]{1,10}".prop_map(|r| Some(Value::from(r))),
    ];
    let transref = prop_oneof![
        Just(None),
        Just(Some(Value::from(REFERENCE))),
        Just(Some(Value::from("SOMEONE-ELSE"))),
        Just(Some(Value::from(PHONE))),
        Just(Some(Value::from(""))),
    ];
    (
        prop::collection::btree_map(names, field_value(), 0..6),
        transref,
        serviceref,
    )
        .prop_map(|(fields, transref, serviceref)| {
            let mut map: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some(t) = transref {
                map.insert("transref".to_owned(), t);
            }
            if let Some(r) = serviceref {
                map.insert("serviceref".to_owned(), r);
            }
            Value::Object(map).to_string().into_bytes()
        })
}

proptest! {
    #[test]
    fn any_bytes_give_a_documented_outcome_or_error(status in status(), body in prop::collection::vec(any::<u8>(), 0..200)) {
        let result = pay(status, body.clone());
        check(status, &body, result)?;
    }

    #[test]
    fn any_json_answer_gives_a_documented_outcome_or_error(status in status(), body in object()) {
        let result = pay(status, body.clone());
        check(status, &body, result)?;
    }
}
