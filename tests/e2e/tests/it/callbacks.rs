//! QosIc's callbacks end to end: the fake server calls back, the SDK reads the raw body
//! (`Callback::parse`) and settles it only by a status check (`Client::verify_callback`).
//!
//! In-process on tokio's paused clock (the mock's callback sink), and over loopback HTTP to
//! a receiver, with the HTTP transport.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use qosic::{Callback, CallbackError, CallbackStatus, Lookup, Outcome, PaymentRequest, Status};
use qosic_mock::{CallbackFault, CallbackSink, Endpoint, MockQosic, Subscriber};

/// What a merchant stores with an order before the customer pays.
struct Order {
    reference: String,
    phone: String,
    amount: u64,
}

impl Order {
    fn of(outcome: &Outcome, amount: u64) -> Order {
        Order {
            reference: outcome.reference().to_string(),
            phone: outcome.phone().international(),
            amount,
        }
    }

    fn lookup(&self) -> Lookup {
        Lookup::parse(&self.reference, &self.phone).unwrap()
    }
}

/// The raw body of the next callback the fake server sent.
async fn next_body(sink: &mut CallbackSink) -> Vec<u8> {
    sink.next().await.expect("a callback").body.into_bytes()
}

/// A fake server whose customer `phone` answers after 30 s (tokio's clock): the callback
/// comes then, whether or not anybody checks the status.
fn mock_with(phone: &str, subscriber: Subscriber) -> MockQosic {
    let mock = MockQosic::in_process();
    mock.subscriber(phone, subscriber);
    mock
}

#[tokio::test(start_paused = true)]
async fn a_genuine_callback_settles_the_order() {
    let mock = mock_with(
        "22997000001",
        Subscriber::approves_after(Duration::from_secs(30)),
    );
    let mut sink = mock.callback_sink();
    let client = mock.client();
    let started = client
        .initiate(PaymentRequest::new("22997000001", 2000))
        .await
        .unwrap();
    assert_eq!(started.status(), Status::Pending);
    let order = Order::of(&started, 2000);

    let callback = Callback::parse(&next_body(&mut sink).await).unwrap();
    assert_eq!(callback.reference(), order.reference);
    let outcome = client
        .verify_callback(&callback, order.lookup(), order.amount)
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);
    assert_eq!(outcome.reference().as_str(), order.reference);
    assert_eq!(outcome.amount().map(|a| a.xof()), Some(2000));
    assert_eq!(
        mock.request_count(Endpoint::MtnStatus),
        1,
        "one status check"
    );
    mock.assert_debited_once(&order.reference);
}

#[tokio::test(start_paused = true)]
async fn every_carrier_and_deposits_settle_the_same_way() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();
    let moov = client
        .pay(PaymentRequest::new("22995000100", 800))
        .await
        .unwrap();
    assert_eq!(moov.carrier(), "MOOV");
    let celtiis = client
        .pay(PaymentRequest::new("2290140000100", 900))
        .await
        .unwrap();
    assert_eq!(celtiis.carrier(), "CELTIIS");
    let payout = client
        .deposit(qosic::DepositRequest::new("22997000100", 1000))
        .await
        .unwrap();
    for (done, amount) in [(&moov, 800), (&celtiis, 900), (&payout, 1000)] {
        let callback = Callback::parse(&next_body(&mut sink).await).unwrap();
        let outcome = client
            .verify_callback(&callback, done.lookup(), amount)
            .await
            .unwrap();
        assert_eq!(outcome.status(), Status::Confirmed, "{}", done.carrier());
    }
}

#[tokio::test(start_paused = true)]
async fn a_genuine_failure_settles_as_failed() {
    let mock = mock_with(
        "22997000002",
        Subscriber::declines().after(Duration::from_secs(30)),
    );
    let mut sink = mock.callback_sink();
    let client = mock.client();
    let started = client
        .initiate(PaymentRequest::new("22997000002", 500))
        .await
        .unwrap();
    let order = Order::of(&started, 500);
    let callback = Callback::parse(&next_body(&mut sink).await).unwrap();
    assert_eq!(callback.status(), &CallbackStatus::Failed);
    let outcome = client
        .verify_callback(&callback, order.lookup(), order.amount)
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Failed);
    assert_eq!(outcome.reason(), Some("TRANSACTION DECLINED"));
}

#[tokio::test(start_paused = true)]
async fn a_forged_callback_is_refused() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::forged().times(1));
    let client = mock.client();

    // A declined payment, called back as SUCCESSFUL.
    let declined = client
        .pay(PaymentRequest::new("22997000190", 1000))
        .await
        .unwrap();
    assert_eq!(declined.status(), Status::Failed);
    let order = Order::of(&declined, 1000);
    let forged = Callback::parse(&next_body(&mut sink).await).unwrap();
    assert_eq!(forged.status(), &CallbackStatus::Successful);
    let err = client
        .verify_callback(&forged, order.lookup(), order.amount)
        .await
        .unwrap_err();
    assert!(err.is_refused());
    assert!(matches!(err, CallbackError::Untrusted { .. }), "{err:?}");
    assert_eq!(err.outcome().map(Outcome::status), Some(Status::Failed));
    assert_eq!(
        err.to_string(),
        format!(
            "untrusted callback: it says SUCCESSFUL for reference {}, but qosic's status says \
             FAILED; the order must not change (the status job settles it)",
            order.reference
        )
    );

    // A payment the customer has not approved yet, called back as SUCCESSFUL by a forger.
    let pending = client
        .initiate(PaymentRequest::new("22997000193", 3000))
        .await
        .unwrap();
    let order = Order::of(&pending, 3000);
    mock.forge_callback(&order.reference, None);
    let forged = Callback::parse(&next_body(&mut sink).await).unwrap();
    let err = client
        .verify_callback(&forged, order.lookup(), order.amount)
        .await
        .unwrap_err();
    assert_eq!(err.outcome().map(Outcome::status), Some(Status::Pending));
    mock.assert_not_debited(&order.reference);
}

#[tokio::test(start_paused = true)]
async fn a_callback_for_an_unknown_reference_is_refused() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();
    // An order whose payment never reached QosIc, and a forged SUCCESSFUL for it.
    let order = Order {
        reference: "ORDER-NEVER-SENT".into(),
        phone: "22997000100".into(),
        amount: 1000,
    };
    mock.forge_callback(&order.reference, Some(order.amount));
    let forged = Callback::parse(&next_body(&mut sink).await).unwrap();
    let err = client
        .verify_callback(&forged, order.lookup(), order.amount)
        .await
        .unwrap_err();
    assert!(matches!(err, CallbackError::Untrusted { .. }), "{err:?}");
    assert_eq!(err.outcome().map(Outcome::status), Some(Status::Unknown));

    // A callback about another reference than the order it is checked against.
    let paid = client
        .pay(PaymentRequest::new("22997000100", 1000))
        .await
        .unwrap();
    let genuine = Callback::parse(&next_body(&mut sink).await).unwrap();
    assert_eq!(genuine.reference(), paid.reference().as_str());
    let checks = mock.request_count(Endpoint::MtnStatus);
    let err = client
        .verify_callback(&genuine, order.lookup(), order.amount)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallbackError::OtherReference { .. }),
        "{err:?}"
    );
    assert!(err.is_refused());
    assert_eq!(mock.request_count(Endpoint::MtnStatus), checks, "no I/O");
}

#[tokio::test(start_paused = true)]
async fn an_amount_mismatch_is_refused() {
    let mock = MockQosic::in_process();
    let mut sink = mock.callback_sink();
    let client = mock.client();
    let paid = client
        .pay(PaymentRequest::new("22997000100", 100))
        .await
        .unwrap();
    assert!(paid.success());
    // The order was for 10,000 XOF; a payment of 100 under its reference must not settle it.
    let order = Order::of(&paid, 10_000);
    let callback = Callback::parse(&next_body(&mut sink).await).unwrap();
    let checks = mock.request_count(Endpoint::MtnStatus);
    let err = client
        .verify_callback(&callback, order.lookup(), order.amount)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallbackError::AmountMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "callback refused: for reference {} it says amount 100, the order is for 10000 XOF",
            order.reference
        )
    );
    assert_eq!(mock.request_count(Endpoint::MtnStatus), checks, "no I/O");
}

#[tokio::test(start_paused = true)]
async fn a_duplicate_changes_nothing() {
    let mock = mock_with(
        "22997000001",
        Subscriber::approves_after(Duration::from_secs(30)),
    );
    let mut sink = mock.callback_sink();
    mock.callback_fault(CallbackFault::duplicated().times(1));
    let client = mock.client();
    let started = client
        .initiate(PaymentRequest::new("22997000001", 2000))
        .await
        .unwrap();
    let order = Order::of(&started, 2000);
    let first = next_body(&mut sink).await;
    let second = next_body(&mut sink).await;
    assert_eq!(first, second);
    let ledger = mock.ledger();
    let mut settled = Vec::new();
    for body in [first, second] {
        let callback = Callback::parse(&body).unwrap();
        let outcome = client
            .verify_callback(&callback, order.lookup(), order.amount)
            .await
            .unwrap();
        settled.push((outcome.status(), outcome.reference().to_string()));
    }
    assert_eq!(settled[0], settled[1]);
    assert_eq!(settled[0].0, Status::Confirmed);
    // Two status checks, nothing else: no payment request, no money moved.
    assert_eq!(mock.request_count(Endpoint::MtnStatus), 2);
    assert_eq!(mock.payment_requests(&order.reference), 1);
    assert_eq!(mock.ledger(), ledger);
    mock.assert_debited_once(&order.reference);
}

/// A callback receiver on a loopback port: every body it gets goes to the channel, and it
/// answers 200.
async fn receiver() -> (String, tokio::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/qosic/callback", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let _ = tx.send(body.to_vec()).await;
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::new())))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn over_loopback_the_callback_arrives_and_is_verified_over_http() {
    let (url, mut bodies) = receiver().await;
    let mock = MockQosic::builder().callback_url(&url).start().await;
    let client = mock
        .client_builder()
        .transport(qosic_http::HttpTransport::new().unwrap())
        .build()
        .unwrap();
    let paid = client
        .pay(PaymentRequest::new("22997000100", 1500))
        .await
        .unwrap();
    assert!(paid.success());
    let body = tokio::time::timeout(Duration::from_secs(10), bodies.recv())
        .await
        .expect("a callback within 10 s")
        .unwrap();
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(
        text.starts_with(&format!(
            r#"{{"status":"SUCCESSFUL","transRef":"{}","specialfield1":"SUCCESSFUL","amount":"1500","serviceRef":""#,
            paid.reference()
        )),
        "{text}"
    );
    let callback = Callback::parse(&body).unwrap();
    let outcome = client
        .verify_callback(&callback, paid.lookup(), 1500)
        .await
        .unwrap();
    assert_eq!(outcome.status(), Status::Confirmed);

    // A forgery posted to the same URL is refused the same way.
    let pending = client
        .initiate(PaymentRequest::new("22997000193", 1500))
        .await
        .unwrap();
    mock.forge_callback(pending.reference().as_str(), None);
    let body = tokio::time::timeout(Duration::from_secs(10), bodies.recv())
        .await
        .expect("a callback within 10 s")
        .unwrap();
    let err = client
        .verify_callback(&Callback::parse(&body).unwrap(), pending.lookup(), 1500)
        .await
        .unwrap_err();
    assert_eq!(err.outcome().map(Outcome::status), Some(Status::Pending));
}
