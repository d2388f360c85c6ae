//! [`read_answer`]: how every QosIc carrier's answers are read.

use super::spec::CarrierSpec;
use super::{Operation, Reply, Verdict};
use crate::transport::ApiResponse;
use crate::wire::{excerpt, QosicBody};

/// Reads a `responsemsg` when there is no usable code.
fn verdict_from_message(message: &str) -> Option<Verdict> {
    let m = message.to_ascii_lowercase();
    if m.contains("pending") || m.contains("en cours") {
        Some(Verdict::Pending)
    } else if m == "success" || m == "successful" || m.contains("successfully") {
        Some(Verdict::Confirmed)
    } else if m == "failed" || m.contains("fail") {
        Some(Verdict::Failed)
    } else {
        None
    }
}

/// Reads an answer of `spec`'s carrier to `operation`, the way QosIc answers:
///
/// | HTTP | body | verdict |
/// |---|---|---|
/// | 401 | any | `InvalidCredentials` |
/// | 404 | code `-2` | `InvalidClientId` |
/// | 417 | any | `NoAccount` |
/// | 5xx | any | `ServerError` |
/// | 2xx or 4xx | a code of the carrier's own ([`CarrierSpec::codes`]) | that code's verdict, its meaning added to the message |
/// | 2xx | code `0`, `00`, `000`… | `Confirmed` |
/// | 2xx | code `01` (whatever the message: "PENDING", "Succesfull", "demande en cours") | `Pending` |
/// | 2xx | code `-2` | `InvalidClientId` |
/// | 2xx | status call, code `-1` with `serviceref` `"0"` | `UnknownReference` |
/// | 2xx | any other numeric code (`-1`, `02`, `529`, `96`…) | `Failed` |
/// | 2xx | no code: message `SUCCESS(FUL)` / `PENDING` / `FAILED` | by the message |
/// | 2xx | not JSON, empty, non-numeric code | `Unreadable` |
/// | other 4xx | refund | `Failed` (refund refused) |
/// | other 4xx | anything else | `Rejected` |
/// | anything else | any | `Unreadable` |
///
/// Never panics, whatever the answer.
///
/// ```
/// use qosic_core::carrier::{read_answer, CarrierSpec};
/// use qosic_core::{ApiResponse, Carrier, Country, Operation, Verdict};
/// const SPEC: CarrierSpec = CarrierSpec::new(Carrier::new("X"), Country::Benin, "QOSIC_X_CLIENT_ID", "/p", "/s", |_| true);
/// let pending = read_answer(&SPEC, Operation::Payment, &ApiResponse::new(202, r#"{"responsecode":"01","transref":"R-1"}"#));
/// assert_eq!(pending.verdict, Verdict::Pending);
/// assert_eq!(pending.echoed_ref.as_deref(), Some("R-1"));
/// ```
pub fn read_answer(spec: &CarrierSpec, operation: Operation, response: &ApiResponse) -> Reply {
    let body = QosicBody::parse(&response.body);
    let is_json = body.is_some();
    let unknown_ref = body
        .as_ref()
        .is_some_and(|b| b.serviceref.as_deref() == Some("0"));
    // The fields move into the reply (no copies: this runs for every answer).
    let (code, mut message, service_ref, comment, echoed_ref) = match body {
        Some(b) => {
            let message = b.message.or_else(|| b.comment.clone());
            (b.code, message, b.serviceref, b.comment, b.transref)
        }
        None => (
            None,
            (!response.body.is_empty()).then(|| excerpt(&response.body, 200)),
            None,
            None,
            None,
        ),
    };
    let numeric = code.as_deref().and_then(|c| c.trim().parse::<i64>().ok());
    let own = code.as_deref().and_then(|c| spec.code(c));
    let verdict = match response.status {
        401 => Verdict::InvalidCredentials,
        404 if numeric == Some(-2) => Verdict::InvalidClientId,
        417 => Verdict::NoAccount,
        500..=599 => Verdict::ServerError,
        200..=299 | 400..=499 if own.is_some() => {
            let known = own.map_or(Verdict::Unreadable, |k| k.verdict);
            if let Some(known) = own {
                message = Some(match message.take().filter(|m| !m.is_empty()) {
                    Some(m) => format!("{m} ({})", known.meaning),
                    None => known.meaning.to_owned(),
                });
            }
            known
        }
        200..=299 => match (numeric, is_json) {
            (Some(0), _) => Verdict::Confirmed,
            (Some(1), _) => Verdict::Pending,
            (Some(-2), _) => Verdict::InvalidClientId,
            (Some(-1), true) if operation == Operation::Status && unknown_ref => {
                Verdict::UnknownReference
            }
            (Some(_), _) => Verdict::Failed,
            (None, true) if code.is_none() => message
                .as_deref()
                .and_then(verdict_from_message)
                .unwrap_or(Verdict::Unreadable),
            (None, _) => Verdict::Unreadable,
        },
        400..=499 if operation == Operation::Refund => Verdict::Failed,
        400..=499 => Verdict::Rejected,
        _ => Verdict::Unreadable,
    };
    Reply {
        verdict,
        code,
        message,
        service_ref: service_ref.filter(|s| !s.is_empty()),
        comment: comment.filter(|c| !c.is_empty()),
        echoed_ref: echoed_ref.filter(|r| !r.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::AnswerCode;
    use crate::types::Country;
    use crate::Carrier;

    const PLAIN: CarrierSpec = CarrierSpec::new(
        Carrier::new("PLAIN"),
        Country::Benin,
        "QOSIC_PLAIN_CLIENT_ID",
        "/p",
        "/s",
        |_| true,
    );

    const OWN: &[AnswerCode] = &[
        AnswerCode {
            code: "515",
            verdict: Verdict::Rejected,
            meaning: "wrong network",
        },
        AnswerCode {
            code: "580",
            verdict: Verdict::Failed,
            meaning: "limit exceeded",
        },
    ];
    const CODED: CarrierSpec = PLAIN.with_codes(OWN);

    fn read(op: Operation, status: u16, body: &str) -> Reply {
        read_answer(&PLAIN, op, &ApiResponse::new(status, body))
    }

    #[test]
    fn golden_answers_from_protocol_md() {
        let pending = read(
            Operation::Payment,
            202,
            r#"{"responsecode":"01","responsemsg":"PENDING","transref":"1234567","comment":null}"#,
        );
        assert_eq!(pending.verdict, Verdict::Pending);
        let typo = read(
            Operation::Payment,
            202,
            r#"{"responsecode":"01","responsemsg":"Succesfull","transref":"1","serviceref":"9"}"#,
        );
        assert_eq!(typo.verdict, Verdict::Pending);
        assert_eq!(typo.service_ref.as_deref(), Some("9"));
        let ok = read(
            Operation::Status,
            200,
            r#"{"responsecode":"00","responsemsg":"SUCCESSFUL","transref":"1","comment":"TRANSACTION APPROVED AND PROCESSED SUCCESSFULLY"}"#,
        );
        assert_eq!(ok.verdict, Verdict::Confirmed);
        assert_eq!(
            read(Operation::Payment, 200, r#"{"responsecode":"0"}"#).verdict,
            Verdict::Confirmed
        );
        assert_eq!(
            read(Operation::Payment, 200, r#"{"responsecode":0}"#).verdict,
            Verdict::Confirmed
        );
        let bad_client = read(
            Operation::Payment,
            404,
            r#"{"responsecode":"-2","responsemsg":"Invalid Client Id","transref":"1","comment":null}"#,
        );
        assert_eq!(bad_client.verdict, Verdict::InvalidClientId);
        let unknown = read(
            Operation::Status,
            200,
            r#"{"responsecode":"-1","responsemsg":"FAILED","transref":"x","serviceref":"0"}"#,
        );
        assert_eq!(unknown.verdict, Verdict::UnknownReference);
        for (status, body, verdict) in [
            (
                200,
                r#"{"responsecode":"-1","responsemsg":"FAILED"}"#,
                Verdict::Failed,
            ),
            (200, r#"{"responsecode":"529"}"#, Verdict::Failed),
            (
                200,
                r#"{"responsecode":"02","responsemsg":"FAILED"}"#,
                Verdict::Failed,
            ),
        ] {
            assert_eq!(
                read(Operation::Status, status, body).verdict,
                verdict,
                "{body}"
            );
        }
        assert_eq!(
            read(
                Operation::Refund,
                200,
                r#"{"responsecode":"00","responsemsg":"OPERATION SUCCESSFUL"}"#
            )
            .verdict,
            Verdict::Confirmed
        );
        assert_eq!(
            read(Operation::Refund, 400, r#"{"responsecode":"-1"}"#).verdict,
            Verdict::Failed
        );
        assert_eq!(read(Operation::Refund, 404, "").verdict, Verdict::Failed);
    }

    #[test]
    fn http_errors() {
        let r = read(Operation::Payment, 401, "HTTP Status 401: Bad credentials");
        assert_eq!(r.verdict, Verdict::InvalidCredentials);
        assert_eq!(
            r.message.as_deref(),
            Some("HTTP Status 401: Bad credentials")
        );
        assert_eq!(
            read(Operation::Payment, 417, "").verdict,
            Verdict::NoAccount
        );
        let r = read(
            Operation::Payment,
            500,
            r#"{"title":"Internal Server Error","status":500,"detail":"boom"}"#,
        );
        assert_eq!(
            (r.verdict, r.message.as_deref()),
            (Verdict::ServerError, Some("boom"))
        );
        assert_eq!(
            read(Operation::Payment, 502, "<html>Bad gateway</html>").verdict,
            Verdict::ServerError
        );
        assert_eq!(
            read(
                Operation::Payment,
                400,
                r#"{"responsemsg":"Payment reference already exists"}"#
            )
            .verdict,
            Verdict::Rejected
        );
        assert_eq!(read(Operation::Payment, 403, "").verdict, Verdict::Rejected);
    }

    #[test]
    fn junk_is_unreadable_never_a_failure() {
        for body in [
            "",
            "<html><body>Gateway</body></html>",
            "null",
            "[]",
            r#"{"responsecode":"OK?"}"#,
            "{\"respon",
        ] {
            assert_eq!(
                read(Operation::Payment, 200, body).verdict,
                Verdict::Unreadable,
                "{body}"
            );
        }
        assert_eq!(
            read(Operation::Status, 302, "").verdict,
            Verdict::Unreadable
        );
        assert_eq!(
            read(Operation::Payment, 200, r#"{"responsemsg":"SUCCESS"}"#).verdict,
            Verdict::Confirmed
        );
        assert_eq!(
            read(
                Operation::Payment,
                200,
                r#"{"responsemsg":"demande en cours"}"#
            )
            .verdict,
            Verdict::Pending
        );
    }

    #[test]
    fn a_carriers_own_codes_win_and_explain_themselves() {
        let r = read_answer(
            &CODED,
            Operation::Payment,
            &ApiResponse::new(
                200,
                r#"{"responsecode":"515","responsemsg":"WRONG NETWORK"}"#,
            ),
        );
        assert_eq!(r.verdict, Verdict::Rejected);
        assert_eq!(r.message.as_deref(), Some("WRONG NETWORK (wrong network)"));
        let r = read_answer(
            &CODED,
            Operation::Payment,
            &ApiResponse::new(400, r#"{"responsecode":580}"#),
        );
        assert_eq!(
            (r.verdict, r.message.as_deref()),
            (Verdict::Failed, Some("limit exceeded"))
        );
        // HTTP statuses that say more come first.
        let r = read_answer(
            &CODED,
            Operation::Payment,
            &ApiResponse::new(500, r#"{"responsecode":"580"}"#),
        );
        assert_eq!(r.verdict, Verdict::ServerError);
        // Without the table, the same codes are read as QosIc's common ones.
        assert_eq!(
            read(Operation::Payment, 200, r#"{"responsecode":"515"}"#).verdict,
            Verdict::Failed
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::types::Country;
    use crate::Carrier;
    use proptest::prelude::*;

    const SPEC: CarrierSpec = CarrierSpec::new(
        Carrier::new("ANY"),
        Country::Togo,
        "QOSIC_ANY_CLIENT_ID",
        "/p",
        "/s",
        |_| true,
    );

    proptest! {
        #[test]
        fn any_answer_is_read_without_panic(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..200), op in 0u8..4) {
            let op = [Operation::Payment, Operation::Status, Operation::Refund, Operation::Deposit][op as usize];
            let _ = read_answer(&SPEC, op, &ApiResponse::new(status, body));
        }

        #[test]
        fn any_json_code_is_read_without_panic(code in "\\PC{0,12}", message in "\\PC{0,30}", status in 100u16..600) {
            let body = serde_json::json!({"responsecode": code, "responsemsg": message, "serviceref": "0"}).to_string();
            let reply = read_answer(&SPEC, Operation::Status, &ApiResponse::new(status, body));
            if (200..300).contains(&status) && code.trim().parse::<i64>().is_err() && !code.is_empty() {
                prop_assert_eq!(reply.verdict, Verdict::Unreadable, "a non-numeric code is never read as a failure");
            }
        }
    }
}
