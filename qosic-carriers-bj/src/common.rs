//! What the Benin carriers share: the carrier settings, request bodies and the reading of
//! QosIc's answers.

use std::sync::Arc;

use qosic_core::wire::{excerpt, QosicBody};
use qosic_core::{
    Amount, ApiResponse, ClientId, LookupCall, MobileCarrier, MoneyCall, Msisdn, Operation,
    PollingPolicy, References, Reply, Verdict, WireRequest,
};
use serde::Serialize;

/// Which form of the phone number goes on the wire.
///
/// QosIc's docs only show `229` + 8 digits; no public source shows whether it accepts the
/// 10-digit numbers of 30 November 2024 (`22901…`) or local forms. The default,
/// [`PhoneFormat::AsGiven`], sends the plan the caller wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PhoneFormat {
    /// The calling code and the national number as the caller wrote it: `22997000000` or
    /// `2290197000000`.
    #[default]
    AsGiven,
    /// Always the legacy plan: `229` + 8 digits (drops the `01`).
    Legacy,
    /// Always the 10-digit plan: `229` + `01` + 8 digits.
    TenDigit,
    /// The national number alone, without calling code: `0197000000`.
    Local,
}

impl PhoneFormat {
    pub(crate) fn render(self, phone: &Msisdn) -> String {
        match self {
            PhoneFormat::AsGiven => phone.international(),
            PhoneFormat::Legacy => phone.to_legacy().international(),
            PhoneFormat::TenDigit => phone.to_ten_digit().international(),
            PhoneFormat::Local => phone.national().to_owned(),
        }
    }
}

/// Settings every Benin carrier has.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) client_id: ClientId,
    pub(crate) polling: PollingPolicy,
    pub(crate) phone_format: PhoneFormat,
    pub(crate) references: References,
    pub(crate) max_amount: Option<Amount>,
}

impl Settings {
    pub(crate) fn new(client_id: &str) -> Result<Settings, qosic_core::Error> {
        Ok(Settings {
            client_id: ClientId::new(client_id)?,
            polling: PollingPolicy::default(),
            phone_format: PhoneFormat::default(),
            references: References::default(),
            max_amount: None,
        })
    }
}

#[derive(Serialize)]
struct PaymentBody<'a> {
    msisdn: &'a str,
    amount: &'a str,
    firstname: &'a str,
    lastname: &'a str,
    transref: &'a str,
    clientid: &'a str,
}

#[derive(Serialize)]
struct DepositBody<'a> {
    msisdn: &'a str,
    amount: &'a str,
    transref: &'a str,
    clientid: &'a str,
}

#[derive(Serialize)]
struct LookupBody<'a> {
    transref: &'a str,
    clientid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    specialfield1: Option<&'a str>,
}

fn json(value: &impl Serialize) -> Vec<u8> {
    // Serializing these plain string structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub(crate) fn payment_request(path: &str, settings: &Settings, call: &MoneyCall) -> WireRequest {
    let msisdn = settings.phone_format.render(&call.phone);
    let amount = call.amount.xof().to_string();
    WireRequest {
        path: path.to_owned(),
        body: json(&PaymentBody {
            msisdn: &msisdn,
            amount: &amount,
            firstname: call.first_name.as_str(),
            lastname: call.last_name.as_str(),
            transref: call.reference.as_str(),
            clientid: settings.client_id.as_str(),
        }),
    }
}

pub(crate) fn deposit_request(path: &str, settings: &Settings, call: &MoneyCall) -> WireRequest {
    let msisdn = settings.phone_format.render(&call.phone);
    let amount = call.amount.xof().to_string();
    WireRequest {
        path: path.to_owned(),
        body: json(&DepositBody {
            msisdn: &msisdn,
            amount: &amount,
            transref: call.reference.as_str(),
            clientid: settings.client_id.as_str(),
        }),
    }
}

pub(crate) fn lookup_request(
    path: &str,
    settings: &Settings,
    call: &LookupCall,
    special: bool,
) -> WireRequest {
    WireRequest {
        path: path.to_owned(),
        body: json(&LookupBody {
            transref: call.reference.as_str(),
            clientid: settings.client_id.as_str(),
            specialfield1: special.then(|| call.operator_ref.as_deref().unwrap_or("")),
        }),
    }
}

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

/// Reads an answer the way every QosIc carrier in Benin answers:
///
/// | HTTP | body | verdict |
/// |---|---|---|
/// | 401 | any | `InvalidCredentials` |
/// | 404 | code `-2` | `InvalidClientId` |
/// | 417 | any | `NoAccount` |
/// | 5xx | any | `ServerError` |
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
pub(crate) fn read_answer(operation: Operation, response: &ApiResponse) -> Reply {
    let body = QosicBody::parse(&response.body);
    let is_json = body.is_some();
    let unknown_ref = body
        .as_ref()
        .is_some_and(|b| b.serviceref.as_deref() == Some("0"));
    // The fields move into the reply (no copies: this runs for every answer).
    let (code, message, service_ref, comment, echoed_ref) = match body {
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
    let verdict = match response.status {
        401 => Verdict::InvalidCredentials,
        404 if numeric == Some(-2) => Verdict::InvalidClientId,
        417 => Verdict::NoAccount,
        500..=599 => Verdict::ServerError,
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

/// Implements the parts of [`MobileCarrier`] that only read settings.
macro_rules! settings_accessors {
    () => {
        fn client_id(&self) -> &qosic_core::ClientId {
            &self.settings.client_id
        }

        fn max_amount(&self) -> Option<qosic_core::Amount> {
            self.settings.max_amount
        }

        fn new_reference(&self) -> String {
            self.settings.references.next()
        }
    };
}
pub(crate) use settings_accessors;

/// Consuming setters shared by every Benin carrier.
macro_rules! settings_setters {
    ($carrier:ident) => {
        impl $carrier {
            /// Sends numbers in this form (default [`PhoneFormat::AsGiven`](crate::PhoneFormat::AsGiven)).
            pub fn with_phone_format(mut self, format: $crate::PhoneFormat) -> Self {
                self.settings.phone_format = format;
                self
            }

            /// Makes transaction references with this factory (the Python SDK's
            /// `reference_factory`). The client checks them and refuses repeats.
            pub fn with_references(mut self, references: qosic_core::References) -> Self {
                self.settings.references = references;
                self
            }

            /// Refuses amounts above `max` before any I/O.
            pub fn with_max_amount(mut self, max: qosic_core::Amount) -> Self {
                self.settings.max_amount = Some(max);
                self
            }
        }
    };
}
pub(crate) use settings_setters;

/// A carrier as a shareable trait object.
pub(crate) fn shared(carrier: impl MobileCarrier + 'static) -> Arc<dyn MobileCarrier> {
    Arc::new(carrier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(op: Operation, status: u16, body: &str) -> Reply {
        read_answer(op, &ApiResponse::new(status, body))
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
        assert_eq!(
            read(
                Operation::Status,
                200,
                r#"{"responsecode":"-1","responsemsg":"FAILED"}"#
            )
            .verdict,
            Verdict::Failed
        );
        assert_eq!(
            read(Operation::Status, 200, r#"{"responsecode":"529"}"#).verdict,
            Verdict::Failed
        );
        assert_eq!(
            read(
                Operation::Status,
                200,
                r#"{"responsecode":"02","responsemsg":"FAILED"}"#
            )
            .verdict,
            Verdict::Failed
        );
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
    fn phone_formats() {
        let legacy = Msisdn::parse("22997000100").unwrap();
        let ten = Msisdn::parse("2290197000100").unwrap();
        assert_eq!(PhoneFormat::AsGiven.render(&legacy), "22997000100");
        assert_eq!(PhoneFormat::AsGiven.render(&ten), "2290197000100");
        assert_eq!(PhoneFormat::Legacy.render(&ten), "22997000100");
        assert_eq!(PhoneFormat::TenDigit.render(&legacy), "2290197000100");
        assert_eq!(PhoneFormat::Local.render(&ten), "0197000100");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_answer_is_read_without_panic(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..200), op in 0u8..4) {
            let op = [Operation::Payment, Operation::Status, Operation::Refund, Operation::Deposit][op as usize];
            let _ = read_answer(op, &ApiResponse::new(status, body));
        }

        #[test]
        fn any_json_code_is_read_without_panic(code in "\\PC{0,12}", message in "\\PC{0,30}", status in 100u16..600) {
            let body = serde_json::json!({"responsecode": code, "responsemsg": message, "serviceref": "0"}).to_string();
            let reply = read_answer(Operation::Status, &ApiResponse::new(status, body));
            if (200..300).contains(&status) && code.trim().parse::<i64>().is_err() && !code.is_empty() {
                prop_assert_eq!(reply.verdict, Verdict::Unreadable, "a non-numeric code is never read as a failure");
            }
        }
    }
}
