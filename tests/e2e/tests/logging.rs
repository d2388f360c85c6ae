//! Secrets: what the SDK logs and prints never shows the password, the `Authorization` value
//! or a full phone number, on full flows at trace level and in the `Debug` and `Display` of
//! the client, its builder, the credentials, the transport, requests, outcomes and errors of
//! every kind (declined, refused, no account, server error, wrong number, wrong network,
//! transport errors), including server texts that echo numbers.
//!
//! A test binary of its own: the subscriber is the process-wide default, so events from every
//! thread (the transport's, the client's, the fake server's) are captured, with no other test
//! interfering.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use qosic::mock::fakes::ReplayTransport;
use qosic::mock::{Endpoint, Fault, MockQosic};
use qosic::{Credentials, DepositRequest, Lookup, PaymentRequest};
use tracing_subscriber::fmt::MakeWriter;

/// Short real-time polling: the flows here only need a few status checks.
fn polling() -> qosic::PollingPolicy {
    qosic::PollingPolicy::unbounded(Duration::from_millis(20), Duration::from_secs(1))
        .unwrap()
        .max_checks(5)
}

/// The Benin carriers with the fake server's client ids, all polling under `polling`.
fn carriers(polling: qosic::PollingPolicy) -> Vec<Arc<dyn qosic::carrier::MobileCarrier>> {
    use qosic::benin::{Celtiis, Moov, Mtn};
    use qosic::mock::{DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_MOOV_CLIENT_ID, DEFAULT_MTN_CLIENT_ID};
    vec![
        Arc::new(
            Mtn::new(DEFAULT_MTN_CLIENT_ID)
                .unwrap()
                .with_polling(polling),
        ),
        Arc::new(
            Moov::new(DEFAULT_MOOV_CLIENT_ID)
                .unwrap()
                .with_polling(polling),
        ),
        Arc::new(
            Celtiis::new(DEFAULT_CELTIIS_CLIENT_ID)
                .unwrap()
                .with_polling(polling),
        ),
    ]
}

/// A client builder for `mock` (its base URL, login and carriers; the password is set by
/// each caller).
fn builder(mock: &MockQosic, polling: qosic::PollingPolicy) -> qosic::ClientBuilder {
    qosic::Client::builder()
        .base_url(mock.uri())
        .login("merchant")
        .carriers(carriers(polling))
}

/// The password every client and server of this test uses.
const PASSWORD: &str = "pa55-w0rd-S3CRET";

/// The numbers of the flows, each used once; their 8-digit national part must never show
/// (it is part of every form: `229XXXXXXXX`, `22901XXXXXXXX`, `+229 …`).
const PAID: &str = "22997123456";
const DECLINED: &str = "22997123490";
const NO_ACCOUNT: &str = "22997123492";
const SERVER_ERROR: &str = "22997123494";
const WRONG_NETWORK: &str = "22997123457";
const TIMED_OUT: &str = "2290197123458";
const DROPPED: &str = "22995123459";
const DEPOSIT: &str = "22995123461";
const ECHOED: &str = "22997123462";
const UNSERVED: &str = "22890123463";
const REFUSED: &str = "22997123464";
const UNREACHABLE: &str = "22997123465";

const NUMBERS: [&str; 12] = [
    PAID,
    DECLINED,
    NO_ACCOUNT,
    SERVER_ERROR,
    WRONG_NETWORK,
    TIMED_OUT,
    DROPPED,
    DEPOSIT,
    ECHOED,
    UNSERVED,
    REFUSED,
    UNREACHABLE,
];

/// What must never be printed: the password, the `Authorization` value (and its base64 part),
/// and the national part of every number.
fn secrets() -> Vec<String> {
    let authorization = Credentials::new("merchant", PASSWORD)
        .authorization()
        .expose()
        .to_owned();
    let base64 = authorization.trim_start_matches("Basic ").to_owned();
    let mut secrets = vec![PASSWORD.to_owned(), authorization, base64];
    for number in NUMBERS {
        secrets.push(number[number.len() - 8..].to_owned());
    }
    secrets
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    for secret in secrets() {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains(&secret)).collect();
        assert!(
            leaks.is_empty(),
            "{secret:?} leaked into {what}:\n{}",
            leaks.join("\n")
        );
    }
    for header in ["Basic ", "authorization: ", "Authorization: "] {
        assert!(!text.contains(header), "{header:?} in {what}:\n{text}");
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The process-wide trace-level subscriber, installed once, and what it wrote.
fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(capture.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        capture
    })
}

fn logged() -> String {
    String::from_utf8(logs().0.lock().unwrap().clone()).unwrap()
}

/// Everything printed of the values a run produced: `Debug`, `{:#?}` and `Display` (errors,
/// with their source chain).
#[derive(Default)]
struct Printed(Vec<(String, String)>);

impl Printed {
    fn debug(&mut self, what: &str, value: &impl std::fmt::Debug) {
        self.0
            .push((what.to_owned(), format!("{value:?}\n{value:#?}")));
    }

    fn error(&mut self, what: &str, error: &qosic::Error) {
        let mut text = format!("{error}\n{error:?}\n{error:#?}");
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(&format!("\n{cause}\n{cause:?}"));
            source = cause.source();
        }
        self.0.push((what.to_owned(), text));
    }

    fn result(&mut self, what: &str, result: &Result<qosic::Outcome, qosic::Error>) {
        match result {
            Ok(outcome) => self.debug(what, outcome),
            Err(error) => self.error(what, error),
        }
    }

    #[track_caller]
    fn assert_clean(&self) {
        for (what, text) in &self.0 {
            assert_no_secret(what, text);
        }
    }
}

#[test]
fn full_flows_over_http_at_trace_level_leak_nothing() {
    logs();
    let mut printed = Printed::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = MockQosic::builder()
            .password(PASSWORD)
            .refuse_wrong_carrier(true)
            .start()
            .await;
        let transport = qosic::http::HttpTransport::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        printed.debug("the HTTP transport", &transport);
        let client_builder = builder(&mock, polling())
            .password(PASSWORD)
            .transport(transport);
        printed.debug("the client builder", &client_builder);
        let client = client_builder.build().unwrap();
        printed.debug("the client", &client);
        printed.debug("the credentials", &Credentials::new("merchant", PASSWORD));
        tracing::info!(client = ?client, "client");

        // Confirmed, refunded, checked.
        let request = PaymentRequest::new(PAID, 1000)
            .first_name("Ada")
            .last_name("Lovelace");
        printed.debug("a payment request", &request);
        let paid = client.pay(request).await.unwrap();
        printed.debug("a confirmed outcome", &paid);
        printed.debug("its lookup", &paid.lookup());
        printed.result("a refund", &client.refund(paid.lookup()).await);
        let lookup = Lookup::parse(paid.reference().as_str(), PAID).unwrap();
        printed.result("a status check", &client.check_status(lookup).await);

        // Declined, no account, server error.
        printed.result(
            "a declined payment",
            &client.pay(PaymentRequest::new(DECLINED, 1000)).await,
        );
        printed.result(
            "no account",
            &client.pay(PaymentRequest::new(NO_ACCOUNT, 1000)).await,
        );
        printed.result(
            "a server error",
            &client.pay(PaymentRequest::new(SERVER_ERROR, 1000)).await,
        );

        // The server echoes the number: `WRONG NETWORK: 22997123457 is not a MOOV number`.
        let wrong = client
            .pay(PaymentRequest::new(WRONG_NETWORK, 1000).carrier("MOOV"))
            .await;
        let err = wrong.as_ref().unwrap_err();
        assert!(err.to_string().contains("WRONG NETWORK"), "{err}");
        assert!(err.to_string().contains("22997****57"), "{err}");
        printed.result("a wrong network", &wrong);

        // Transport errors: a timeout, a dropped connection, a refused connection.
        mock.fault(
            Fault::delay(Duration::from_secs(2))
                .times(1)
                .on(Endpoint::MtnPayment),
        );
        mock.fault(Fault::dropped_connection().on(Endpoint::MoovPayment));
        mock.fault(Fault::dropped_connection().on(Endpoint::MoovStatus));
        printed.result(
            "a timed-out payment",
            &client.pay(PaymentRequest::new(TIMED_OUT, 1000)).await,
        );
        printed.result(
            "a dropped connection",
            &client.pay(PaymentRequest::new(DROPPED, 1000)).await,
        );
        let err = client
            .check_status(Lookup::parse("LOST-1", DROPPED).unwrap())
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown(), "{err}");
        printed.error("a status check on a dropped connection", &err);
        mock.clear_faults();
        let deposit = DepositRequest::new(DEPOSIT, 5000);
        printed.debug("a deposit request", &deposit);
        printed.result("a deposit", &client.deposit(deposit).await);

        let unreachable = builder(&mock, polling())
            .password(PASSWORD)
            .base_url("http://127.0.0.1:9")
            .transport(qosic::http::HttpTransport::new().unwrap())
            .build()
            .unwrap();
        let err = unreachable
            .pay(PaymentRequest::new(UNREACHABLE, 1000))
            .await
            .unwrap_err();
        assert_eq!(err.delivery(), qosic::Delivery::NotSent, "{err}");
        printed.error("a refused connection", &err);

        // Refused before any I/O.
        printed.result(
            "an unserved number",
            &client.pay(PaymentRequest::new(UNSERVED, 1000)).await,
        );
        let bad = format!("{PAID}9");
        printed.result(
            "a wrong number",
            &client.pay(PaymentRequest::new(bad.as_str(), 1000)).await,
        );
        let wrong_password = builder(&mock, polling())
            .password("not-the-password")
            .transport(qosic::http::HttpTransport::new().unwrap())
            .build()
            .unwrap();
        printed.result(
            "refused credentials",
            &wrong_password.pay(PaymentRequest::new(REFUSED, 1000)).await,
        );
    });
    printed.assert_clean();

    let logs = logged();
    assert!(logs.contains("op=\"pay\""), "{logs}");
    assert!(logs.contains("carrier=\"MTN\""), "{logs}");
    assert!(
        logs.contains("22997****56"),
        "masked numbers appear: {logs}"
    );
    assert!(
        logs.contains("qosic_http"),
        "the transport logs its requests: {logs}"
    );
    assert!(logs.contains("WRONG NETWORK"), "{logs}");
    assert_no_secret("the logs", &logs);
}

#[test]
fn server_texts_that_echo_numbers_are_masked_everywhere() {
    logs();
    let n = ECHOED;
    let ten = "2290197123462";
    // Every text a server sends, echoing the number in its forms.
    let answers: Vec<(u16, String)> = vec![
        (
            200,
            format!(
                r#"{{"responsecode":"-1","responsemsg":"FAILED for {n}","comment":"subscriber {ten} declined","transref":"X"}}"#
            ),
        ),
        (
            200,
            format!(r#"{{"responsecode":"00","responsemsg":"SUCCESSFUL","transref":"{n}"}}"#),
        ),
        (
            400,
            format!(
                r#"{{"responsecode":"515","responsemsg":"WRONG NETWORK: {n} is not a moov number"}}"#
            ),
        ),
        (
            500,
            format!(
                r#"{{"title":"Internal Server Error","status":500,"detail":"no route to +{n}"}}"#
            ),
        ),
        (
            502,
            format!("<html><body>upstream {ten} failed</body></html>"),
        ),
        (417, format!("no account for {n}")),
        (418, format!("teapot {n} {ten}")),
        (200, format!("not json {n}")),
    ];
    let mut printed = Printed::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        for (status, body) in answers {
            let mut replay = ReplayTransport::new().answer(status, body.clone());
            for _ in 0..10 {
                replay = replay.answer(
                    200,
                    format!(r#"{{"responsecode":"01","responsemsg":"PENDING {n}"}}"#),
                );
            }
            let client = qosic::Client::builder()
                .login("merchant")
                .password(PASSWORD)
                .carriers(carriers(polling()))
                .transport(replay)
                .build()
                .unwrap();
            let what = format!("a payment answered {status} {body}");
            let result = client.pay(PaymentRequest::new(n, 1000)).await;
            printed.result(&what, &result);
            if let Ok(outcome) = &result {
                printed.debug(&what, &outcome.raw_response());
                printed.debug(&what, &outcome.message());
                printed.debug(&what, &outcome.reason());
            }
            let lookup = Lookup::parse("ECHO-1", n).unwrap();
            let refund = client.refund(lookup).await;
            printed.result(&format!("a refund, then {what}"), &refund);
        }
    });
    printed.assert_clean();
    assert_no_secret("the logs", &logged());
}

/// The card key and the holders' names: never in the logs (at trace level, the transport's
/// included) nor in the `Debug` of the client, its requests, answers and errors.
#[test]
fn card_key_and_holder_names_leak_nothing() {
    const CARD_KEY: &str = "CARDKEY-SECRET-7731";
    const NAMES: [&str; 2] = ["Zebulon", "Quartermaine"];
    logs();
    let mut printed = Printed::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mock = MockQosic::builder().password(PASSWORD).start().await;
        mock.set_card_key(CARD_KEY);
        mock.account_holder(PAID, qosic::mock::HolderInfo::active(NAMES[0], NAMES[1]));
        let client = builder(&mock, polling())
            .password(PASSWORD)
            .transport(qosic::http::HttpTransport::new().unwrap())
            .card_key(CARD_KEY)
            .card_base_url(mock.uri())
            .build()
            .unwrap();
        printed.debug("the client", &client);
        let holder = client.account_holder(PAID).await.unwrap();
        assert_eq!(holder.holder().unwrap().last_name(), NAMES[1]);
        printed.debug("the holder", &holder);
        printed
            .0
            .push(("the holder shown".into(), holder.to_string()));
        let session = client
            .card_checkout(qosic::CardCheckout::new(4000, "https://shop.example/back"))
            .await
            .unwrap();
        printed.debug("the card session", &session);
        let status = client
            .card_status(session.reference().as_str())
            .await
            .unwrap();
        printed.debug("the card status", &status);
        mock.set_card_key("ANOTHER-KEY");
        let err = client
            .card_status(session.reference().as_str())
            .await
            .unwrap_err();
        printed.error("a refused card key", &err);
    });
    let logs = logged();
    assert!(logs.contains("op=\"card_checkout\""), "{logs}");
    for (what, text) in printed
        .0
        .iter()
        .map(|(w, t)| (w.as_str(), t.as_str()))
        .chain([("the logs", logs.as_str())])
    {
        for secret in [CARD_KEY, NAMES[0], NAMES[1]] {
            assert!(
                !text.contains(secret),
                "{secret:?} leaked into {what}:\n{text}"
            );
        }
    }
    printed.assert_clean();
}
