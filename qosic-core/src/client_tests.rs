//! Unit tests of the client flow: a test carrier that keeps the `MobileCarrier` defaults,
//! the transport fakes of `crate::test_util` (scripted answers, every request recorded), and
//! mockall's `MockTransport` where a test expects the transport never to be called.

use std::sync::Arc;
use std::time::Duration;

use super::builder::is_loopback;
use super::*;
use crate::carrier::References;
use crate::carrier::{Reply, Verdict};
use crate::test_util::ReplayTransport;
use crate::transport::{ApiRequest, ApiResponse};
use crate::transport::{MockTransport, TransportError, TransportErrorKind};
use crate::types::ClientId;
use crate::PollingPolicy;
use tokio::time::Instant;

const PAY_PATH: &str = "/pay";
const STATUS_PATH: &str = "/status";
const REFUND_PATH: &str = "/refund";

type Read = dyn Fn(Operation, &ApiResponse) -> Reply + Send + Sync;

/// A carrier for the flow tests: serves every number up to 500,000 XOF, sends the reference
/// as the body of its payment and status requests, refunds, and reads answers with `read`.
/// Deposits keep the trait's default (unsupported, before any I/O).
#[derive(Clone)]
struct TestCarrier {
    client_id: ClientId,
    polling: Option<PollingPolicy>,
    references: References,
    read: Arc<Read>,
}

impl fmt::Debug for TestCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCarrier")
            .field("polling", &self.polling)
            .finish_non_exhaustive()
    }
}

impl MobileCarrier for TestCarrier {
    fn name(&self) -> &str {
        "MTN"
    }
    fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    fn serves(&self, _phone: &Msisdn) -> bool {
        true
    }
    fn max_amount(&self) -> Option<Amount> {
        Amount::new(500_000).ok()
    }
    fn polling(&self) -> Option<PollingPolicy> {
        self.polling
    }
    fn new_reference(&self) -> String {
        self.references.next()
    }
    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(WireRequest {
            path: PAY_PATH.into(),
            body: call.reference.as_str().as_bytes().to_vec(),
        })
    }
    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(WireRequest {
            path: STATUS_PATH.into(),
            body: call.reference.as_str().as_bytes().to_vec(),
        })
    }
    fn refund(&self, _call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(WireRequest {
            path: REFUND_PATH.into(),
            body: Vec::new(),
        })
    }
    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply {
        (self.read)(operation, response)
    }
}

/// A [`TestCarrier`] polling under `polling`, reading answers with `read`, with the default
/// reference factory.
fn carrier(
    polling: Option<PollingPolicy>,
    read: impl Fn(Operation, &ApiResponse) -> Reply + Send + Sync + 'static,
) -> TestCarrier {
    TestCarrier {
        client_id: ClientId::new("CID").unwrap(),
        polling,
        references: References::default(),
        read: Arc::new(read),
    }
}

/// A carrier with only what the trait requires: refund, deposit, references and the amount
/// limit are the trait's defaults.
#[derive(Debug)]
struct Minimal(ClientId);

impl MobileCarrier for Minimal {
    fn name(&self) -> &str {
        "MOOV"
    }
    fn client_id(&self) -> &ClientId {
        &self.0
    }
    fn serves(&self, _phone: &Msisdn) -> bool {
        true
    }
    fn polling(&self) -> Option<PollingPolicy> {
        None
    }
    fn payment(&self, _call: &MoneyCall) -> Result<WireRequest, Error> {
        Ok(WireRequest {
            path: PAY_PATH.into(),
            body: Vec::new(),
        })
    }
    fn status(&self, _call: &LookupCall) -> Result<WireRequest, Error> {
        Ok(WireRequest {
            path: STATUS_PATH.into(),
            body: Vec::new(),
        })
    }
    fn read(&self, _operation: Operation, _response: &ApiResponse) -> Reply {
        Reply::new(Verdict::Confirmed)
    }
}

fn reply(verdict: Verdict) -> Reply {
    Reply::new(verdict)
}

/// Reads the payment as pending and status checks by the answer's HTTP status:
/// 200 confirmed, 201 failed, anything else pending.
fn by_status(op: Operation, response: &ApiResponse) -> Reply {
    match (op, response.status) {
        (Operation::Payment, _) => reply(Verdict::Pending),
        (_, 200) => reply(Verdict::Confirmed),
        (_, 201) => reply(Verdict::Failed),
        _ => reply(Verdict::Pending),
    }
}

/// A transport that answers the payment request with 202, then each status check with the
/// next of `statuses` (read by [`by_status`]: 200 confirmed, 201 failed, else pending).
fn replay(statuses: impl IntoIterator<Item = u16>) -> ReplayTransport {
    statuses
        .into_iter()
        .fold(ReplayTransport::new().answer(202, "{}"), |t, status| {
            t.answer(status, "{}")
        })
}

/// The paths of the requests `t` received, oldest first; each carried the client's password.
fn paths(t: &ReplayTransport) -> Vec<String> {
    t.requests()
        .iter()
        .map(|request| {
            assert_eq!(request.credentials().password().expose(), "pw");
            request.path().to_owned()
        })
        .collect()
}

/// `PAY_PATH` then `checks` times `STATUS_PATH`.
fn pay_then_checks(checks: usize) -> Vec<String> {
    std::iter::once(PAY_PATH)
        .chain(std::iter::repeat_n(STATUS_PATH, checks))
        .map(str::to_owned)
        .collect()
}

fn client(carrier: impl MobileCarrier + 'static, transport: impl Transport + 'static) -> Client {
    Client::builder()
        .login("merchant")
        .password("pw")
        .base_url("http://127.0.0.1:1/")
        .carrier(carrier)
        .transport(transport)
        .build()
        .unwrap()
}

fn policy(step: u64, window: u64) -> Option<PollingPolicy> {
    Some(PollingPolicy::new(Duration::from_secs(step), Duration::from_secs(window)).unwrap())
}

const PHONE: &str = "22997000100";

#[tokio::test(start_paused = true)]
async fn pay_polls_until_confirmed() {
    let t = replay([202, 202, 200]);
    let client = client(carrier(policy(10, 120), by_status), t.clone());
    let started = Instant::now();
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert!(outcome.success());
    assert_eq!(outcome.status_checks(), 3);
    assert_eq!(outcome.operation(), Operation::Payment);
    assert_eq!(outcome.amount(), Some(Amount::new(1000).unwrap()));
    assert_eq!(paths(&t), pay_then_checks(3));
    t.assert_used_up();
    // Three steps of the paused clock.
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn a_failed_status_stops_polling_at_once() {
    let t = replay([201]);
    let client = client(carrier(policy(5, 180), by_status), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Failed);
    assert_eq!(paths(&t), pay_then_checks(1));
}

#[tokio::test(start_paused = true)]
async fn a_closed_window_is_pending_not_failed() {
    let t = replay([202; 12]);
    let client = client(carrier(policy(10, 120), by_status), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Pending);
    assert!(!outcome.success());
    assert_eq!(outcome.status_checks(), 12);
    assert_eq!(paths(&t), pay_then_checks(12));
}

/// Found by the fault soak (`benches/src/soak.rs`): a status check refused (401, 404 `-2`,
/// 417, another 4xx) after QosIc accepted the payment made `pay` fail with that refusal and
/// `Delivery::Answered`, which reads as "the payment was refused", though it was pending and
/// often confirmed: a merchant could charge the customer twice. The refusal is about the
/// status check: `pay` ends with the outcome known so far, and `wait` (a lookup) still fails.
#[tokio::test(start_paused = true)]
async fn a_refused_status_check_does_not_make_an_accepted_payment_fail() {
    for refusal in [
        Verdict::InvalidCredentials,
        Verdict::InvalidClientId,
        Verdict::NoAccount,
        Verdict::Rejected,
    ] {
        let t = ReplayTransport::new()
            .answer(202, "{}")
            .answer(409, "{}")
            .answer(409, "{}");
        let read = move |op: Operation, response: &ApiResponse| match (op, response.status) {
            (Operation::Payment, _) => reply(Verdict::Pending),
            _ => reply(refusal),
        };
        let client = client(carrier(policy(10, 120), read), t.clone());
        let outcome = client
            .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-409"))
            .await
            .unwrap_or_else(|e| panic!("{refusal:?}: pay failed with {e}"));
        assert_eq!(outcome.status(), Status::Pending, "{refusal:?}");
        assert_eq!(outcome.reference().as_str(), "ORDER-409");
        assert_eq!(outcome.status_checks(), 1, "a refusal ends the wait");

        // A lookup is not a payment: its refusal is the caller's error.
        let err = client.wait(outcome.lookup()).await.unwrap_err();
        assert_eq!(err.delivery(), Delivery::Answered, "{refusal:?}: {err}");
        // One payment request, then one status check per call.
        assert_eq!(
            paths(&t),
            [PAY_PATH, STATUS_PATH, STATUS_PATH],
            "{refusal:?}"
        );
        t.assert_used_up();
    }
}

#[tokio::test(start_paused = true)]
async fn max_checks_ends_the_wait_early() {
    let t = replay([202; 12]);
    let client = client(
        carrier(policy(10, 120).map(|p| p.max_checks(4)), by_status),
        t.clone(),
    );
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Pending);
    assert_eq!(paths(&t), pay_then_checks(4));
}

#[tokio::test(start_paused = true)]
async fn a_lost_payment_answer_is_checked_never_resent() {
    let t = ReplayTransport::new()
        .fail(TransportErrorKind::Timeout, Delivery::MaybeSent)
        .answer(200, "{}");
    let client = client(carrier(policy(10, 120), by_status), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(
        outcome.status(),
        Status::Confirmed,
        "the status check found the payment"
    );
    assert_eq!(paths(&t), pay_then_checks(1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_that_stays_unknown_is_reported_unknown() {
    let t = (0..7).fold(ReplayTransport::new(), |t, _| t.lose_answer());
    let client = client(carrier(policy(10, 60), by_status), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Unknown);
    assert_eq!(outcome.status_checks(), 6);
    assert!(outcome.raw_response().is_none());
    assert_eq!(paths(&t), pay_then_checks(6));
}

#[tokio::test(start_paused = true)]
async fn transient_status_trouble_keeps_polling() {
    let t = ReplayTransport::new()
        .answer(202, "{}")
        .fail(TransportErrorKind::Timeout, Delivery::MaybeSent)
        .answer(503, "")
        .answer(200, "{}");
    let read = |op: Operation, r: &ApiResponse| {
        if r.status == 503 {
            reply(Verdict::ServerError)
        } else {
            by_status(op, r)
        }
    };
    let client = client(carrier(policy(10, 120), read), t.clone());
    let outcome = client.pay(PaymentRequest::new(PHONE, 1000)).await.unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(outcome.status_checks(), 3);
    t.assert_used_up();
}

#[tokio::test]
async fn a_connect_failure_is_an_error_with_the_reference() {
    let t = ReplayTransport::new().fail(TransportErrorKind::Connect, Delivery::NotSent);
    let client = client(carrier(policy(10, 120), by_status), t.clone());
    let err = client
        .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-1"))
        .await
        .unwrap_err();
    assert_eq!(err.delivery(), Delivery::NotSent);
    assert_eq!(err.reference().map(|r| r.as_str()), Some("ORDER-1"));
    assert!(matches!(err, Error::Transport { .. }));
    assert_eq!(paths(&t), pay_then_checks(0), "sent once, never again");
}

#[tokio::test]
async fn refusals_map_to_the_seed_errors_and_keep_the_reference() {
    for (verdict, check) in [
        (
            Verdict::InvalidCredentials,
            (|e: &Error| matches!(e, Error::InvalidCredentials { .. })) as fn(&Error) -> bool,
        ),
        (Verdict::InvalidClientId, |e| {
            matches!(e, Error::InvalidClientId { .. })
        }),
        (Verdict::NoAccount, |e| {
            matches!(e, Error::UserAccountNotFound { .. })
        }),
        (Verdict::ServerError, |e| {
            matches!(
                e,
                Error::ServerError {
                    status: Some(202),
                    ..
                }
            )
        }),
        (Verdict::Rejected, |e| {
            matches!(e, Error::Rejected { status: 202, .. })
        }),
    ] {
        let t = replay([]);
        let client = client(
            carrier(policy(10, 120), move |_, _| reply(verdict)),
            t.clone(),
        );
        let err = client
            .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-7"))
            .await
            .unwrap_err();
        assert!(check(&err), "{verdict:?} gave {err:?}");
        assert_eq!(err.reference().map(|r| r.as_str()), Some("ORDER-7"));
        // A server error does not say whether the payment was made (see the next test).
        let delivery = match verdict {
            Verdict::ServerError => Delivery::MaybeSent,
            _ => Delivery::Answered,
        };
        assert_eq!(err.delivery(), delivery, "{verdict:?}");
        assert!(!err.to_string().contains("97000100"), "{err}");
        assert_eq!(
            paths(&t),
            pay_then_checks(0),
            "no status check after a refusal"
        );
    }
}

/// Found by the fault soak (`benches/src/soak.rs`): a 502 or 504 from a proxy in front of
/// QosIc, or a 500 from QosIc itself, may come after the payment (or refund, or deposit) was
/// made. The error used to say `Delivery::Answered`, which reads as "nothing happened", so a
/// merchant could pay again under a new reference: the outcome is unknown instead.
#[tokio::test]
async fn a_server_error_leaves_the_outcome_unknown() {
    for status in [500, 502, 503, 504] {
        let t = ReplayTransport::new().answer(status, "<html>502 Bad Gateway</html>");
        let client = client(
            carrier(policy(10, 120), |_, _| reply(Verdict::ServerError)),
            t.clone(),
        );
        let err = client
            .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-5XX"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ServerError { .. }), "{err:?}");
        assert_eq!(err.delivery(), Delivery::MaybeSent, "{status}");
        assert!(err.is_outcome_unknown(), "{status}");
        assert_eq!(err.reference().map(|r| r.as_str()), Some("ORDER-5XX"));
        // The reference stays claimed: the payment may exist.
        let again = client
            .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-5XX"))
            .await
            .unwrap_err();
        assert!(again.is_invalid_input(), "{again}");
        assert_eq!(paths(&t), [PAY_PATH], "{status}: sent once, never again");
    }
}

#[tokio::test]
async fn bad_input_is_refused_before_any_io() {
    let mut t = MockTransport::new();
    t.expect_send().never();
    let client = client(carrier(policy(10, 120), by_status), t);
    let cases = [
        (PaymentRequest::new("12345", 1000), "invalid phone number"),
        (PaymentRequest::new(PHONE, 0), "invalid amount"),
        (
            PaymentRequest::new(PHONE, 500_001),
            "invalid amount: expected at most 500000 XOF for MTN",
        ),
        (
            PaymentRequest::new(PHONE, 10).first_name("x".repeat(51)),
            "invalid first_name",
        ),
        (
            PaymentRequest::new(PHONE, 10).last_name("a\u{7}b"),
            "invalid last_name",
        ),
        (
            PaymentRequest::new(PHONE, 10).reference("no spaces please"),
            "invalid reference",
        ),
        (
            PaymentRequest::new(PHONE, 10).carrier("ORANGE"),
            "invalid carrier: expected one of the configured carriers: MTN",
        ),
    ];
    for (request, message) in cases {
        let err = client.pay(request).await.unwrap_err();
        assert!(err.to_string().starts_with(message), "{err}");
        assert_eq!(err.delivery(), Delivery::NotSent);
        assert!(err.reference().is_none());
    }
    let err = client
        .deposit(DepositRequest::new(PHONE, 10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                operation: Operation::Deposit,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_reference_never_serves_two_payments() {
    let t = ReplayTransport::new().answer(200, "{}");
    let client = client(carrier(None, |_, _| reply(Verdict::Confirmed)), t.clone());
    client
        .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-9"))
        .await
        .unwrap();
    let err = client
        .pay(PaymentRequest::new(PHONE, 1000).reference("ORDER-9"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid reference: expected a reference not used before"),
        "{err}"
    );
    assert_eq!(
        paths(&t),
        pay_then_checks(0),
        "the second was refused before I/O"
    );
}

#[tokio::test]
async fn a_repeating_reference_factory_is_refused() {
    let t = ReplayTransport::new().answer(200, "{}");
    let c = TestCarrier {
        references: References::from_fn(|| "SAME-REF".to_owned()),
        ..carrier(None, |_, _| reply(Verdict::Confirmed))
    };
    let client = client(c, t.clone());
    assert!(client
        .pay(PaymentRequest::new(PHONE, 1000))
        .await
        .unwrap()
        .success());
    let err = client
        .pay(PaymentRequest::new(PHONE, 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "reference factory",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(paths(&t), pay_then_checks(0));
}

#[tokio::test(start_paused = true)]
async fn check_status_wait_and_refund_use_the_lookup() {
    // One check, a wait of two checks, a refund.
    let t = ReplayTransport::new()
        .answer(202, "{}")
        .answer(202, "{}")
        .answer(200, "{}")
        .answer(200, "{}");
    let client = client(carrier(policy(5, 60), by_status), t.clone());
    let lookup = Lookup::parse("ORDER-42", PHONE).unwrap();
    let once = client.check_status(lookup.clone()).await.unwrap();
    assert_eq!(
        (once.status(), once.operation()),
        (Status::Pending, Operation::Status)
    );
    let waited = client.wait(lookup.clone()).await.unwrap();
    assert_eq!(
        (waited.status(), waited.status_checks()),
        (Status::Confirmed, 2)
    );
    let refund = client.refund(lookup.carrier("mtn")).await.unwrap();
    assert_eq!(
        (refund.status(), refund.operation()),
        (Status::Confirmed, Operation::Refund)
    );
    assert_eq!(refund.reference().as_str(), "ORDER-42");
    assert_eq!(
        paths(&t),
        [STATUS_PATH, STATUS_PATH, STATUS_PATH, REFUND_PATH]
    );
    let bodies: Vec<Vec<u8>> = t.requests().iter().map(|r| r.body().to_vec()).collect();
    assert!(bodies[..3].iter().all(|b| b == b"ORDER-42"), "{bodies:?}");
}

#[tokio::test]
async fn the_trait_defaults_refuse_refunds_and_deposits_before_io() {
    let mut t = MockTransport::new();
    t.expect_send().never();
    let client = client(Minimal(ClientId::new("CID").unwrap()), t);
    let err = client
        .refund(Lookup::parse("ORDER-1", PHONE).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "MOOV does not support the refund operation"
    );
    assert_eq!(err.delivery(), Delivery::NotSent);
    let err = client
        .deposit(DepositRequest::new(PHONE, 1_000_000))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "MOOV does not support the deposit operation"
    );
}

#[test]
fn a_base_url_with_a_query_or_fragment_is_refused_at_build() {
    for url in [
        "https://api.qosic.net?key=k",
        "https://api.qosic.net/?key=k",
        "https://gateway.example/qosic#x",
    ] {
        let err = Client::builder()
            .login("l")
            .password("p")
            .base_url(url)
            .carrier(carrier(None, |_, _| Reply::new(Verdict::Confirmed)))
            .transport(crate::test_util::NeverTransport::new())
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    field: "base_url",
                    ..
                }
            ),
            "{url}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "invalid configuration of base_url: expected a base URL without a query string (?) \
             or fragment (#): the SDK appends the API's paths to it, such as \
             https://api.qosic.net; put a gateway's key in a header of your own transport instead",
            "{url}"
        );
    }
}

#[tokio::test]
async fn requests_carry_the_base_url_parsed_once_and_their_path() {
    let (transport, seen) = crate::test_util::capture_request(None);
    let client = Client::builder()
        .login("l")
        .password("p")
        .base_url(" http://127.0.0.1:1/gw/ ")
        .carrier(carrier(None, |_, _| Reply::new(Verdict::Confirmed)))
        .transport(transport)
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:1/gw");
    client
        .pay(
            PaymentRequest::new(PHONE, 1000)
                .first_name("A")
                .last_name("B"),
        )
        .await
        .unwrap();
    let request = seen.expect_request();
    assert_eq!(request.path(), PAY_PATH);
    assert_eq!(request.base().prefix(), "/gw");
    assert_eq!(request.url(), "http://127.0.0.1:1/gw/pay");
}

#[test]
fn builder_names_what_is_missing() {
    let err = Client::builder().password("pw").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration of login: expected the QosIc API login"
    );
    let err = Client::builder()
        .login("l")
        .password("p")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid configuration of base_url"),
        "{err}"
    );
    let err = Client::builder()
        .login("l")
        .password("p")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration of carriers: expected at least one carrier, such as \
         qosic::benin::Mtn"
    );
    let err = Client::builder()
        .login("l")
        .password("p")
        .carrier(carrier(None, by_status))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("such as qosic::http::HttpTransport"),
        "{err}"
    );
    let mut t = MockTransport::new();
    t.expect_send().never();
    let err = Client::builder()
        .login("l")
        .password("p")
        .carrier(carrier(None, by_status))
        .carrier(carrier(None, by_status))
        .transport(t)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("MTN is added twice"), "{err}");
}

#[test]
fn client_debug_hides_the_password() {
    let mut t = MockTransport::new();
    t.expect_send().never();
    let client = Client::builder()
        .login("merchant")
        .password("hunter2-very-secret")
        .carrier(carrier(None, by_status))
        .transport(t)
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("merchant") && shown.contains("MTN"),
        "{shown}"
    );
}

#[test]
fn loopback_detection() {
    assert!(is_loopback("127.0.0.1:8080"));
    assert!(is_loopback("localhost"));
    assert!(is_loopback("[::1]:80/x"));
    assert!(!is_loopback("api.qosic.net"));
    assert!(!is_loopback("127.example.com:80"));
    assert!(!is_loopback("localhost.example.com"));
}

// The findings of the outside reviews (issues 14 and 27), and the server's text as shown.
#[path = "client_tests_review.rs"]
mod review;
