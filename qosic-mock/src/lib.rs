//! A fake QosIc server for tests: stateful, with simulated subscribers, a money ledger,
//! faults on demand and verification.
//!
//! Merchants cannot test payment flows against real money, and the QosIc sandbox confirms
//! everything without a USSD push. This crate is where bugs in payment flows get caught
//! instead: a fake that speaks the real wire protocol (`docs/WIRE.md`: the paths, bodies,
//! codes and HTTP statuses QosIc uses) and keeps real state: transactions by reference,
//! refunds only of confirmed payments and only once, deposits, duplicate references
//! refused, and a ledger of the money that moved.
//!
//! It learns from `wiremock` (start it in the test, verify on drop, hyper kept private, a
//! random loopback port on its own thread) and from `stripe-mock` (it speaks the real
//! protocol rather than canned stubs), and adds what both lack: state, subscribers, money
//! and faults. It does not depend on `qosic-http`: any HTTP client, in any language, can
//! use it.
//!
//! # Brief overview
//!
//! There are three ways in, all sharing one state and one handler:
//!
//! 1. [`MockQosic::start`]: an HTTP/1.1 server on a random port of `127.0.0.1`, on its own
//!    thread and tokio runtime; [`MockQosic::uri`] is its base URL. For tests of a real
//!    transport. [`MockQosic::connections`] counts the TCP connections it accepted.
//! 2. [`MockQosic::transport`]: an [`InProcessTransport`] implementing
//!    [`qosic_core::Transport`] with no sockets. [`MockQosic::in_process`] builds a fake
//!    with no HTTP server at all, for thousands of fast tests under tokio's paused clock.
//! 3. The `qosic-mock` binary, for test suites in other languages, with an admin HTTP API
//!    under `/__admin/` (see [The binary](#the-binary) and [The admin API](#the-admin-api)).
//!
//! The HTTP server keeps the real clock of its own runtime, which a paused test clock does
//! not reach: tests that pause tokio's clock use the in-process transport, whose waits are
//! slept on the caller's runtime.
//!
//! The server accepts [`DEFAULT_LOGIN`] / [`DEFAULT_PASSWORD`] in Basic auth and, for each
//! carrier, its name followed by `_CLIENT` as client id ([`DEFAULT_MTN_CLIENT_ID`],
//! [`DEFAULT_MOOV_CLIENT_ID`], [`DEFAULT_CELTIIS_CLIENT_ID`]…), unless
//! [`MockQosic::builder`] says otherwise.
//!
//! It calls back like QosIc when a transaction ends, to a URL or to a sink a test awaits,
//! with faults and forgeries on demand (see [Callbacks](#callbacks)).
//!
//! It can be left running for hours: everything it keeps from the network is capped and
//! every wait on a client is bounded (see [Limits](#limits)).
//!
//! # Quick start
//!
//! A full MTN payment through the in-process transport: 202 PENDING, then `00` at the first
//! status check, then a refund; the ledger and the journal tell what happened.
//!
//! ```
//! use qosic_core::{ApiRequest, Transport};
//! use qosic_mock::{Endpoint, MockQosic};
//! use serde_json::{json, Value};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockQosic::in_process();
//! mock.expect_requests(Endpoint::MtnPayment, 1); // checked when `mock` is dropped
//! let transport = mock.transport();
//! let call = |path: &str, body: Value| {
//!     let url = format!("{}{path}", mock.uri());
//!     transport.send(ApiRequest::new(url, mock.credentials(), body.to_string().into_bytes()))
//! };
//!
//! let answer = call(
//!     "/QosicBridge/user/requestpayment",
//!     json!({"msisdn": "22997000001", "amount": "1500", "firstname": "Ada",
//!            "lastname": "Lovelace", "transref": "ORDER-42", "clientid": "MTN_CLIENT"}),
//! )
//! .await?;
//! assert_eq!(answer.status, 202);
//! let body: Value = serde_json::from_slice(&answer.body)?;
//! assert_eq!(body["responsecode"], "01");
//!
//! let status = call(
//!     "/QosicBridge/user/gettransactionstatus",
//!     json!({"transref": "ORDER-42", "clientid": "MTN_CLIENT"}),
//! )
//! .await?;
//! let body: Value = serde_json::from_slice(&status.body)?;
//! assert_eq!(body["responsecode"], "00");
//!
//! let refund = call(
//!     "/QosicBridge/user/refund",
//!     json!({"transref": "ORDER-42", "clientid": "MTN_CLIENT"}),
//! )
//! .await?;
//! assert_eq!(refund.status, 200);
//!
//! mock.assert_debited_once("ORDER-42");
//! let ledger = mock.ledger();
//! assert_eq!((ledger.collected, ledger.refunded), (1500, 1500));
//! assert_eq!(mock.journal().len(), 3);
//! # Ok(())
//! # }
//! ```
//!
//! With the SDK, [`MockQosic::client`] is a client wired to the server (its credentials,
//! base URL, in-process transport, and [`MockQosic::carriers`]: every carrier it serves, with
//! its client ids). With `qosic-http` (or any HTTP client), start a server and use its
//! `uri()`:
//!
//! ```
//! use std::io::{Read, Write};
//! use qosic_mock::MockQosic;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mock = MockQosic::start().await;
//! assert!(mock.uri().starts_with("http://127.0.0.1:"));
//!
//! // Any HTTP/1.1 client will do; here a bare TcpStream.
//! let body = r#"{"transref":"NOPE","clientid":"MTN_CLIENT"}"#;
//! let mut stream = std::net::TcpStream::connect(mock.address().unwrap())?;
//! write!(
//!     stream,
//!     "POST /QosicBridge/user/gettransactionstatus HTTP/1.1\r\nHost: x\r\n\
//!      Authorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
//!      Connection: close\r\n\r\n{body}",
//!     mock.credentials().authorization().expose(),
//!     body.len(),
//! )?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! assert!(answer.contains(r#""responsecode":"-1""#)); // unknown reference
//! assert_eq!(mock.connections(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # The protocol served
//!
//! Every endpoint of every carrier of [`carrier_specs`] (the SDK's own descriptions; see
//! `docs/WIRE.md`): MTN payment (202 PENDING), status (also `…V2`), refund and deposit; MOOV
//! payment (synchronous, 200 `"0"`), status (`specialfield1` required, may be empty) and
//! deposit (`"0"`); Celtiis payment and status; and so on for each carrier, as its
//! description says. [`Endpoint`] names them and gives their paths. Requests are checked in
//! this order:
//!
//! | check | answer |
//! |---|---|
//! | path is not an endpoint | 404 JSON problem `{"title","status","detail"}` |
//! | method is not `POST` (case-sensitive, as HTTP says: `post` is refused) | 405 JSON problem |
//! | body over [`MockQosicBuilder::max_body`] (1 MiB) | 413 JSON problem |
//! | body not received within [`MockQosicBuilder::body_timeout`] (HTTP only) | 408 JSON problem, connection closed |
//! | Basic auth missing or wrong | 401, plain text `HTTP Status 401: Bad credentials` |
//! | body not a JSON object, `clientid` missing | 400 `{"responsecode":"-1","responsemsg":<what is wrong>}` |
//! | `clientid` not this carrier's | 404 `{"responsecode":"-2","responsemsg":"Invalid Client Id",…}` |
//! | other field missing or malformed | 400 as above (every value must be a JSON string; `amount` a positive whole number of XOF that fits in `u64`; `transref` 1 to 64 characters) |
//! | `msisdn` not in an accepted form | 400 (see [`PhoneForms`]) |
//! | number ported to another carrier ([`Subscriber::ported_to`]), or of another carrier by its prefix when [`MockQosicBuilder::refuse_wrong_carrier`] | 400 `{"responsecode":"515","responsemsg":"WRONG NETWORK: …"}` |
//! | `transref` already used (payments and deposits share one namespace) | 400 `Payment reference already exists` |
//! | subscriber has no account / server error | 417 `ACCOUNTHOLDER_NOT_FOUND` / 500 JSON problem; nothing recorded |
//! | [`MockQosicBuilder::max_transactions`] transactions kept already (a payment or deposit with a new reference) | 507 JSON problem, until a reset |
//!
//! Keys are read in any case, as the SDK reads QosIc's (`TransRef` is `transref`), and a
//! key given twice keeps its last value.
//!
//! Status of an unknown reference (or one made on another carrier's endpoint) answers 200
//! `{"responsecode":"-1","responsemsg":"FAILED","transref":R,"serviceref":"0"}`.
//! A refund needs a confirmed payment made on the same carrier and works once; otherwise 400 with
//! `responsecode` `-1` and the reason (`Transaction not found`,
//! `Transaction not successful, cannot be refunded`, `Transaction already refunded`).
//! A refunded payment's status still answers `00`.
//! The server never panics on a request: whatever the bytes, it answers as above.
//!
//! # Subscribers
//!
//! The customer behind a number decides what happens to a payment. With no setup, the last
//! two digits of the national number decide (the same for `229XXXXXXXX`, `22901XXXXXXXX`
//! and `228XXXXXXXX`):
//!
//! | last digits | polled carriers (MTN, Celtiis…) | synchronous carriers (MOOV) |
//! |---|---|---|
//! | `90` | 202, then status `-1` FAILED `TRANSACTION DECLINED` (the carrier's decline code: `-1` in Benin) | 200 `-1` |
//! | `91` | 202, then status `529` INSUFFICIENT FUNDS | 200 `529` |
//! | `92` | 417 `ACCOUNTHOLDER_NOT_FOUND` at initiation | 417 |
//! | `93` | 202, then `01` PENDING forever | 202 `01` PENDING forever |
//! | `94` | 500 JSON problem at initiation | 500 |
//! | others | 202, then `00` at the first status check | 200 `"0"` at once |
//!
//! [`MockQosic::subscriber`] programs any number with a [`Subscriber`]: approve after N
//! status checks or after a duration, decline, insufficient funds, no account, never answer,
//! server error. Durations follow tokio's clock (`tokio::time::Instant`), so with a paused
//! clock they cost nothing:
//!
//! ```
//! use std::time::Duration;
//! use qosic_mock::{MockQosic, Subscriber, TransactionState};
//!
//! # fn main() {
//! # let rt = tokio::runtime::Builder::new_current_thread()
//! #     .enable_time().start_paused(true).build().unwrap();
//! # rt.block_on(async {
//! let mock = MockQosic::in_process();
//! mock.subscriber("22997000001", Subscriber::approves_after_checks(3));
//! mock.subscriber("+229 01 96 00 00 02", Subscriber::approves_after(Duration::from_secs(90)));
//! mock.subscriber("22995000003", Subscriber::declines().after_checks(2));
//! # use qosic_core::{ApiRequest, Transport};
//! # let pay = |phone: &str, r: &str| ApiRequest::new(
//! #     format!("{}/QosicBridge/user/requestpayment", mock.uri()), mock.credentials(),
//! #     format!(r#"{{"msisdn":"{phone}","amount":"100","transref":"{r}","clientid":"MTN_CLIENT"}}"#).into_bytes());
//! # mock.transport().send(pay("2290196000002", "LATE")).await.unwrap();
//!
//! // ... the code under test initiates payment LATE for 2290196000002, then:
//! tokio::time::sleep(Duration::from_secs(90)).await; // instant with a paused clock
//! assert_eq!(mock.transaction("LATE").unwrap().state, TransactionState::Confirmed);
//! # });
//! # }
//! ```
//!
//! A MOOV payment is synchronous: a subscriber who approves after a duration makes the
//! payment request itself take that long (slept with `tokio::time::sleep`, so free under a
//! paused clock with the in-process transport). Deposits only care about
//! [`Subscriber::no_account`] (417) and [`Subscriber::server_error`] (500).
//!
//! # Account holders, balance, card payments
//!
//! `getaccountholderinfo` (MTN) and `getaccountholderinfomv` (MOOV) answer who holds a
//! number: by the same endings, `92` no account (`ACCOUNTHOLDER_NOT_FOUND`), `94` HTTP 500,
//! `95` a `BLOCKED` account; any other number an `ACTIVE` account of [`DEFAULT_FIRST_NAME`]
//! [`DEFAULT_LAST_NAME`], unless [`MockQosic::account_holder`] (a [`HolderInfo`]) or
//! `POST /__admin/holders` programmed another. `getavailableamountowithdraw` answers, for the
//! carrier whose client id is sent, its confirmed payments minus refunds minus confirmed
//! deposits, never below zero ([`MockQosic::balance`]).
//!
//! Card payments: `POST /public/v1/initTransaction` with the card key
//! ([`DEFAULT_CARD_KEY`], or [`MockQosic::set_card_key`]) returns the URL of a hosted card
//! page (`GET /card/pay/{transref}`: approve, decline, abandon, then back to the return URL);
//! `/QosicBridge/checkout/v1/status` answers in the documented shape, or in QosIc's plugin's
//! after [`MockQosic::card_status_like_plugin`]. On approve:
//!
//! | card number or amount | the card payment |
//! |---|---|
//! | card [`DECLINED_CARD`] (`4000000000000002`), or an amount ending in `90` | declined |
//! | card [`NEVER_FINISHING_CARD`] (`4000000000009995`), or an amount ending in `93` | pending for ever |
//! | any other card ([`APPROVED_CARD`], `4242424242424242`, is the page's suggestion) | paid |
//!
//! A card payment that ends is called back like mobile money. Tests without a browser act on
//! the page with [`MockQosic::card_page_action`]. Card requests are not in the journal.
//!
//! # Faults
//!
//! [`MockQosic::fault`] injects a [`Fault`] into the next matching requests: every wire
//! request unless narrowed with [`Fault::on`], for ever unless limited with [`Fault::times`].
//!
//! | fault | over HTTP | in-process | acted on? |
//! |---|---|---|---|
//! | [`Fault::status`] | that status, with QosIc's body for it | same | no |
//! | [`Fault::delay`] | the normal answer, late | same (`tokio::time::sleep`) | yes |
//! | [`Fault::malformed_body`] | 200, truncated JSON | same | no |
//! | [`Fault::empty_body`] | 200, empty body | same | no |
//! | [`Fault::html_error`] | 502, an nginx HTML page | same | no |
//! | [`Fault::dropped_connection`] | connection closed without an answer | `TransportError` `ConnectionLost`, `Delivery::MaybeSent` | no |
//! | [`Fault::lost_answer`] | connection closed without an answer | same as above | **yes**: the payment is recorded |
//! | [`Fault::wrong_reference`] | the endpoint's success answer (status `00`, MOOV payment `0`, ...) about `"transref":"SOMEONE-ELSE"` | same | no |
//!
//! [`MockQosic::fault_plan`] decides instead, request by request: a function of the endpoint
//! and the `transref` ([`PlannedRequest`]) that returns the fault, if any, for that request.
//! A plan keyed on the reference injects the same faults into the same requests whatever
//! order concurrent flows send them in (the SDK's fault soak, `examples/src/soak.rs`, works
//! that way).
//!
//! [`Fault::after_recording`] makes any fault act on the request first, [`Fault::delayed`]
//! adds a wait before the faulty answer, and [`Fault::with_status`] changes the status of
//! a body fault. Statuses must be final ones, 200 to 599. The journal marks each faulty
//! request.
//!
//! ```
//! use qosic_core::{ApiRequest, Delivery, Transport, TransportErrorKind};
//! use qosic_mock::{Endpoint, Fault, MockQosic, TransactionState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockQosic::in_process();
//! mock.fault(Fault::lost_answer().times(1).on(Endpoint::MtnPayment));
//!
//! let body = r#"{"msisdn":"22997000001","amount":"100","transref":"R-1","clientid":"MTN_CLIENT"}"#;
//! let url = format!("{}/QosicBridge/user/requestpayment", mock.uri());
//! let err = mock
//!     .transport()
//!     .send(ApiRequest::new(url, mock.credentials(), body.into()))
//!     .await
//!     .unwrap_err();
//! assert_eq!(err.kind(), TransportErrorKind::ConnectionLost);
//! assert_eq!(err.delivery(), Delivery::MaybeSent);
//! // QosIc got it all the same: the client must check the status, never pay again.
//! assert_eq!(mock.transaction("R-1").unwrap().state, TransactionState::Pending);
//! # }
//! ```
//!
//! # Callbacks
//!
//! Like QosIc, the fake server posts a callback when a transaction ends: a payment
//! confirmed or failed (declined, insufficient funds), a deposit done; not a refund, and not
//! a payment still pending. The payload is QosIc's (`docs/WIRE.md`), keys in its order:
//!
//! ```text
//! {"status":"SUCCESSFUL","transRef":"T1","specialfield1":"SUCCESSFUL","amount":"100","serviceRef":"10000001","code":"200"}
//! {"status":"FAILED","transRef":"T2","specialfield1":"FAILED","amount":"100","serviceRef":"10000002","code":"-1"}
//! ```
//!
//! A callback goes out when the transaction ends in the server: at the status check that
//! settles it (the magic numbers, [`Subscriber::approves_after_checks`]), at once for MOOV
//! payments and deposits, or when the subscriber's delay is over
//! ([`Subscriber::approves_after`]), whether or not anybody checks the status.
//!
//! - To a URL: [`MockQosicBuilder::callback_url`], [`MockQosic::set_callback_url`], the
//!   binary's `--callback-url`, or `PUT /__admin/callbacks/url`. A `POST` with
//!   `Content-Type: application/json`, over plain HTTP (`http://` URLs only: a receiver of
//!   the test suite), under [`DEFAULT_CALLBACK_TIMEOUT`] (10 s: connect, send, answer;
//!   [`MockQosicBuilder::callback_timeout`]). Whatever the receiver answers, or if it does
//!   not, the callback is not retried, as QosIc documents no retry. Over the HTTP server,
//!   with tokio's real clock.
//! - To a sink: [`MockQosic::callback_sink`] gives a [`CallbackSink`] that receives every
//!   callback sent, with the receiver's answer; with no URL, callbacks go to the sink only,
//!   in-process, so a test on tokio's paused clock awaits them and a subscriber's delay is
//!   free.
//! - [`MockQosic::callbacks`] (or `GET /__admin/callbacks`) is the journal of callbacks: each
//!   callback sent or dropped ([`SentCallback`]), with the receiver's status and answer, or
//!   why it failed or was dropped. It keeps as many as the journal of requests
//!   ([`MockQosicBuilder::journal_capacity`]).
//!
//! Callbacks wait in a bounded queue (queued, due later or in flight:
//! [`DEFAULT_CALLBACK_QUEUE`], [`MockQosicBuilder::callback_queue`]); beyond, a callback is
//! dropped and the drop journaled. They are sent one at a time, in the order the
//! transactions ended.
//!
//! Faults ([`MockQosic::callback_fault`], `POST /__admin/callbacks/faults`) apply to the next
//! callbacks, for ever unless limited with [`CallbackFault::times`]:
//!
//! | fault | admin `kind` | what happens |
//! |---|---|---|
//! | [`CallbackFault::dropped`] | `dropped` | never sent; journaled as dropped |
//! | [`CallbackFault::delayed`] | `delayed` (+ `delay_ms`) | sent that much later (tokio's clock), after the callbacks of transactions that ended in between |
//! | [`CallbackFault::duplicated`] | `duplicated` | sent twice |
//! | [`CallbackFault::out_of_order`] | `out_of_order` | held until the next callback has gone (at most 60 s), then sent |
//! | [`CallbackFault::forged`] | `forged` | a failed payment called back as `SUCCESSFUL`, code `200` (applies to failed payments only) |
//!
//! [`MockQosic::forge_callback`] (`POST /__admin/callbacks/forge`) posts a forged
//! `SUCCESSFUL` callback at once for any reference: a payment still pending, or one the
//! server never saw. A receiver must refuse every forged callback after a status check; the
//! SDK's `Client::verify_callback` does.
//!
//! ```
//! use std::time::Duration;
//! use qosic_core::{DepositRequest, PaymentRequest};
//! use qosic_mock::{CallbackFault, MockQosic, Subscriber};
//!
//! # fn main() {
//! # let rt = tokio::runtime::Builder::new_current_thread()
//! #     .enable_time().start_paused(true).build().unwrap();
//! # rt.block_on(async {
//! let mock = MockQosic::in_process();
//! mock.subscriber("22997000001", Subscriber::approves_after(Duration::from_secs(90)));
//! let mut callbacks = mock.callback_sink();
//! mock.callback_fault(CallbackFault::forged().times(1));
//!
//! let client = mock.client();
//! let late = client.initiate(PaymentRequest::new("22997000001", 500)).await.unwrap();
//! let declined = client.pay(PaymentRequest::new("22997000190", 700)).await.unwrap();
//!
//! // The decline came first, forged as a success; then the approval, 90 s later (free here).
//! let forged = callbacks.next().await.unwrap();
//! assert_eq!(forged.reference, declined.reference().as_str());
//! assert_eq!((forged.json()["status"].as_str(), forged.fault.as_deref()), (Some("SUCCESSFUL"), Some("forged")));
//! let approved = callbacks.next().await.unwrap();
//! assert_eq!(approved.reference, late.reference().as_str());
//! assert_eq!(mock.callbacks().len(), 2);
//! # });
//! # }
//! ```
//!
//! # Verification
//!
//! - [`MockQosic::journal`] lists the requests received ([`RecordedRequest`]: number,
//!   method, path, endpoint, parsed body, whether the auth was accepted, the status
//!   answered, the fault injected); [`MockQosic::requests_to`] filters it by endpoint. It
//!   keeps the last [`DEFAULT_JOURNAL_CAPACITY`] requests (4,096;
//!   [`MockQosicBuilder::journal_capacity`]) and counts the ones it dropped
//!   ([`MockQosic::journal_dropped`]). A body over [`JOURNAL_BODY_LIMIT`] (4 KiB) is kept as
//!   an excerpt with a marker ([`RecordedRequest::body_excerpt`]); a request whose
//!   credentials were refused is kept without its body.
//! - [`MockQosic::expect_requests`] sets an exact count per endpoint. It is checked when the
//!   [`MockQosic`] is dropped (or by [`MockQosic::verify`]), which panics with a report of
//!   the last requests received, unless the thread is already panicking.
//! - [`MockQosic::assert_debited_once`] checks that exactly one payment request carried a
//!   reference and that it was confirmed; [`MockQosic::assert_not_debited`] the opposite;
//!   [`MockQosic::payment_requests`] and [`MockQosic::request_count`] count.
//! - [`MockQosic::ledger`] ([`Ledger`]: collected, refunded, paid out, pending, in XOF),
//!   [`MockQosic::transaction`] and [`MockQosic::transactions`] ([`TransactionView`]).
//!
//! Verification never reads the journal: the counts behind expectations and the debit
//! assertions, and the transactions behind the ledger, are kept apart from it, so they
//! stay exact however many journal entries were dropped.
//!
//! # Transport fakes
//!
//! For tests that need no server, [`fakes`] has [`capture_request`] (see the exact request
//! sent), [`ReplayTransport`] (script raw answers and lost answers) and [`NeverTransport`]
//! (a request that never completes, to test timeouts). They are `qosic_core::test_util`
//! (feature `test-util` of `qosic-core`), re-exported.
//!
//! # Where the sources disagree
//!
//! `PROTOCOL.md` lists open questions; the fake makes them settings:
//!
//! - [`MockQosicBuilder::phone_forms`]: Benin `229` + 8 digits, `229` + `01` + 8 digits, or
//!   both ([`PhoneForms::Both`], the default). Togo `228` + 8 digits is always accepted.
//! - [`MockQosicBuilder::refuse_wrong_carrier`]: whether a number sent to another carrier's
//!   endpoint is refused (default: accepted). Carriers are found with the SDK's own tables,
//!   `qosic_carriers::benin::numbering` (legacy 8-digit and new 10-digit plans differ).
//!
//! # Limits
//!
//! Everything the server keeps from the network has a cap, and every wait on a client has
//! a timeout, so that a suite can leave it running for hours and a misbehaving client
//! cannot take it down:
//!
//! | what | default | setting (builder / binary) | beyond |
//! |---|---|---|---|
//! | journal entries | 4,096 ([`DEFAULT_JOURNAL_CAPACITY`]) | [`MockQosicBuilder::journal_capacity`] / `--journal-capacity` | oldest dropped, counted |
//! | journal body per request | 4 KiB ([`JOURNAL_BODY_LIMIT`]) | - | excerpt with a marker |
//! | transactions, and references whose payment requests are counted | 100,000 ([`DEFAULT_MAX_TRANSACTIONS`]) | [`MockQosicBuilder::max_transactions`] / `--max-transactions` | 507 until a reset |
//! | request body | 1 MiB ([`DEFAULT_MAX_BODY`]) | [`MockQosicBuilder::max_body`] / `--max-body` | 413 |
//! | request bodies held at once (HTTP) | 64 MiB | - | 503 |
//! | request line and headers (HTTP) | 16 KiB | - | 431 |
//! | time for the headers, from their first byte (HTTP) | 10 s ([`DEFAULT_HEADER_TIMEOUT`]) | [`MockQosicBuilder::header_timeout`] / `--header-timeout` | connection closed |
//! | time for the body, from the end of the headers (HTTP) | 30 s ([`DEFAULT_BODY_TIMEOUT`]) | [`MockQosicBuilder::body_timeout`] / `--body-timeout` | 408, connection closed |
//! | time a connection waits for a request, or leaves an answer unread (HTTP) | 60 s ([`DEFAULT_IDLE_TIMEOUT`]) | [`MockQosicBuilder::idle_timeout`] / `--idle-timeout` | connection closed |
//! | connections served at once (HTTP) | 512 ([`DEFAULT_MAX_CONNECTIONS`]) | [`MockQosicBuilder::max_connections`] / `--max-connections` | 503 at once, connection closed |
//! | subscribers / faults / expectations programmed | 100,000 / 1,024 / 1,024 | - | admin: 400; builder: panic |
//! | `delay_ms` and `after_ms` through the admin API | 10 minutes ([`Fault::MAX_ADMIN_DELAY`]) | - | 400 |
//! | callbacks waiting (queued, due later, held, in flight) | 1,024 ([`DEFAULT_CALLBACK_QUEUE`]) | [`MockQosicBuilder::callback_queue`] / `--callback-queue` | dropped, journaled |
//! | one callback's POST (connect, send, answer) | 10 s ([`DEFAULT_CALLBACK_TIMEOUT`]) | [`MockQosicBuilder::callback_timeout`] / `--callback-timeout` | journaled as failed |
//! | a receiver's answer kept | 1 KiB | - | not kept |
//! | callbacks journaled | as the journal (4,096) | [`MockQosicBuilder::journal_capacity`] | oldest dropped |
//! | callbacks a [`CallbackSink`] holds unread | 1,024 ([`CALLBACK_SINK_CAPACITY`]) | - | missed, counted ([`CallbackSink::missed`]) |
//! | callback faults programmed | 1,024 | - | admin: 400; builder: panic |
//!
//! The connection cap stays below the usual file-descriptor limit of 1,024, so that the
//! server keeps a descriptor to refuse connections with; raise both together. The
//! transactions are not dropped like journal entries: a forgotten payment would answer as
//! unknown, which a test would read as a failed payment. [`MockQosic::reset`] (or
//! `POST /__admin/reset`) forgets them and gives their memory back.
//! `docs/RELIABILITY.md` has the server's memory and latency under load and abuse.
//!
//! # The binary
//!
//! ```text
//! cargo run -p qosic-mock --features cli -- --listen 127.0.0.1:0 --login L --password-file pw.txt \
//!     --mtn-client-id M --moov-client-id V [--client-id celtiis=C ...]
//! ```
//!
//! prints `listening on http://127.0.0.1:PORT` as the **first line on stdout**, flushes,
//! and serves until killed. Every flag has a default (`--help` prints them), so
//! `cargo run -p qosic-mock --features cli` alone works (the `cli` feature builds the binary and
//! its argument parser, clap; the library needs neither). Every flag can also be given by an environment
//! variable named after it: `QOSIC_MOCK_` and the flag in capitals, `-` as `_`
//! (`--listen` is `QOSIC_MOCK_LISTEN`, `--no-admin` is `QOSIC_MOCK_NO_ADMIN=true`). The
//! command line wins over `QOSIC_MOCK_*`, which wins over the SDK's own variables
//! (`QOSIC_LOGIN`, `QOSIC_PASSWORD`, and each carrier's `QOSIC_<CARRIER>_CLIENT_ID`:
//! `QOSIC_MTN_CLIENT_ID`…), so one environment can serve a client and the server.
//! Empty variables count as unset. `--help` lists the carriers served, with their variables
//! and default client ids.
//!
//! | flag | variable | default |
//! |---|---|---|
//! | `--listen ADDR` | `QOSIC_MOCK_LISTEN` | `127.0.0.1:0` (a random port) |
//! | `--login LOGIN` | `QOSIC_MOCK_LOGIN`, `QOSIC_LOGIN` | `merchant` |
//! | `--password PASSWORD` | `QOSIC_MOCK_PASSWORD`, `QOSIC_PASSWORD` | `secret` |
//! | `--password-file PATH` | `QOSIC_MOCK_PASSWORD_FILE` | - |
//! | `--mtn-client-id ID` | `QOSIC_MOCK_MTN_CLIENT_ID`, `QOSIC_MTN_CLIENT_ID` | `MTN_CLIENT` |
//! | `--moov-client-id ID` | `QOSIC_MOCK_MOOV_CLIENT_ID`, `QOSIC_MOOV_CLIENT_ID` | `MOOV_CLIENT` |
//! | `--celtiis-client-id ID` | `QOSIC_MOCK_CELTIIS_CLIENT_ID`, `QOSIC_CELTIIS_CLIENT_ID` | `CELTIIS_CLIENT` |
//! | `--client-id CARRIER=ID`, repeatable, any carrier served (`mtn`, `moov`…) | `QOSIC_MOCK_CLIENT_ID` (a comma-separated list: `mtn=M,moov=V`), then `QOSIC_<CARRIER>_CLIENT_ID` | `<CARRIER>_CLIENT` |
//! | `--phone-forms legacy\|new\|both` | `QOSIC_MOCK_PHONE_FORMS` | `both` |
//! | `--refuse-wrong-carrier[=true\|false]` | `QOSIC_MOCK_REFUSE_WRONG_CARRIER` | off |
//! | `--journal-capacity N` | `QOSIC_MOCK_JOURNAL_CAPACITY` | `4096` |
//! | `--max-transactions N` | `QOSIC_MOCK_MAX_TRANSACTIONS` | `100000` |
//! | `--max-body BYTES` | `QOSIC_MOCK_MAX_BODY` | `1048576` |
//! | `--header-timeout SECONDS` | `QOSIC_MOCK_HEADER_TIMEOUT` | `10` (decimals allowed: `0.5`) |
//! | `--body-timeout SECONDS` | `QOSIC_MOCK_BODY_TIMEOUT` | `30` |
//! | `--idle-timeout SECONDS` | `QOSIC_MOCK_IDLE_TIMEOUT` | `60` |
//! | `--max-connections N` | `QOSIC_MOCK_MAX_CONNECTIONS` | `512` |
//! | `--no-admin[=true\|false]` | `QOSIC_MOCK_NO_ADMIN` | off (the admin API is on) |
//! | `--admin-token TOKEN` | `QOSIC_MOCK_ADMIN_TOKEN` | none (the admin API is open) |
//! | `--callback-url URL` | `QOSIC_MOCK_CALLBACK_URL` | none (no callbacks posted) |
//! | `--callback-timeout SECONDS` | `QOSIC_MOCK_CALLBACK_TIMEOUT` | `10` |
//! | `--callback-queue N` | `QOSIC_MOCK_CALLBACK_QUEUE` | `1024` |
//!
//! **A password or token on the command line is visible to every user of the machine**
//! (`ps`, `/proc/PID/cmdline`). Give the password through `QOSIC_MOCK_PASSWORD`,
//! `QOSIC_PASSWORD` or `--password-file` (one trailing newline is dropped), and the admin
//! token through `QOSIC_MOCK_ADMIN_TOKEN`. `--password` and `--password-file` together are
//! an error, and so are their two variables together.
//!
//! Flags also take the `--flag=value` form; `-h`/`--help` and `-V`/`--version` print and
//! exit 0. A bad flag or value exits with status 2 and says which flag or variable is wrong
//! and what it accepts.
//!
//! # The admin API
//!
//! Under the reserved prefix `/__admin/`, served by the HTTP server (of the binary or of
//! [`MockQosic::start`]). JSON in and out, not recorded in the journal. Open by default
//! (the server listens on loopback); with [`MockQosicBuilder::admin_token`] /
//! `--admin-token`, every admin request needs `Authorization: Bearer <token>` (401
//! otherwise); with [`MockQosicBuilder::disable_admin`] / `--no-admin`, every admin path
//! answers 404. Methods are case-sensitive here too.
//!
//! A web page on another site must not be able to drive the server through a browser: a
//! call that changes state (any method but `GET` and `HEAD`) needs `Content-Type:
//! application/json`, the header [`ADMIN_HEADER`] (`x-qosic-mock: 1`), or the admin token,
//! none of which a cross-site form or plain `fetch` can send; without any of them it gets
//! 403, and with another content type (a form's) 415, with a JSON problem saying what to
//! send. The binary refuses to start listening beyond loopback with the admin API open,
//! unless told `--admin-open` (see [The binary](#the-binary)). Callbacks go only to
//! loopback addresses unless [`MockQosicBuilder::callbacks_anywhere`] /
//! `--callbacks-anywhere` allows any host; a callback refused so is journaled as failed,
//! with the reason.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /__admin/health` | `{"status":"ok","connections":N,"open_connections":N,"refused_connections":N,"requests":N,"journal":{"entries":N,"capacity":N,"dropped":N}}`; `requests` counts every request since the start or the last reset |
//! | `GET /__admin/config` | the settings (without the password or the token): each carrier's client id as `<carrier>_client_id` and in `client_ids` (`{"mtn": …}`), and `endpoints` (`[{"name","path"}]`) |
//! | `GET /__admin/ledger` | `{"collected","refunded","paid_out","pending"}` in XOF |
//! | `GET /__admin/journal` | the requests kept, oldest first: `seq`, `method`, `path`, `endpoint`, `body`, `body_len`, `body_excerpt`, `auth_accepted`, `status`, `fault`; `?since=SEQ` keeps those numbered after `SEQ`, `?limit=N` the first `N` of them |
//! | `GET /__admin/transactions` | every transaction: `reference`, `carrier`, `kind`, `msisdn`, `amount`, `state`, `status_checks`, `service_ref` |
//! | `GET /__admin/transactions/{reference}` | one transaction, or 404 |
//! | `POST /__admin/subscribers` | program a number (any form the SDK reads): `{"phone", "behaviour", "after_checks"?, "after_ms"?, "ported_to"?}`; behaviours: `approves`, `declines`, `insufficient_funds`, `no_account`, `never_answers`, `server_error`; `after_ms` at most 600000; `ported_to` a carrier's name ([`Subscriber::ported_to`]) |
//! | `DELETE /__admin/subscribers` | forget programmed numbers (the magic numbers stay) |
//! | `POST /__admin/holders` | program who holds a number's account, for `getaccountholderinfo(mv)`: `{"phone", "first_name", "last_name", "status"}` (`status` default `ACTIVE`; `ACCOUNTHOLDER_NOT_FOUND` for no account) |
//! | `DELETE /__admin/holders` | forget programmed holders (the magic endings stay: `92` none, `94` 500, `95` blocked) |
//! | `POST /__admin/faults` | inject a fault: `{"kind", "status"?, "delay_ms"?, "times"?, "endpoint"?, "after_recording"?}`; kinds: `status`, `delay`, `malformed_body`, `empty_body`, `html_error`, `dropped_connection`, `lost_answer`, `wrong_reference`; `status` from 200 to 599, `delay_ms` at most 600000 |
//! | `DELETE /__admin/faults` | remove every fault |
//! | `POST /__admin/expectations` | `{"endpoint", "count"}`: expect exactly `count` requests |
//! | `GET /__admin/verify` | 200 `{"ok":true}`, or 409 `{"ok":false,"report"}` |
//! | `POST /__admin/reset` | forget transactions, journal, counts, subscribers, faults and expectations, and give their memory back; for callbacks, the journal of callbacks, the callback faults and the callbacks not sent yet (the URL stays) |
//! | `GET /__admin/openapi.json` | the OpenAPI 3.1 document of the admin API and of the QosIc routes served (`docs/qosic-mock.openapi.yaml` in the repository, as JSON) |
//! | `GET /__admin/callbacks` | the callbacks sent or dropped, oldest first: `seq`, `reference`, `status`, `amount`, `body` (the payload), `url`, `delivery` (`{"outcome":"answered","status","body"}`, `{"outcome":"failed","reason"}`, `{"outcome":"dropped","reason"}` or `{"outcome":"in_process"}`), `fault` |
//! | `GET /__admin/callbacks/url` | `{"url": URL or null}` |
//! | `PUT /__admin/callbacks/url` | `{"url": "http://HOST:PORT/PATH"}`: post callbacks there from now on |
//! | `DELETE /__admin/callbacks/url` | stop posting callbacks |
//! | `POST /__admin/callbacks/faults` | `{"kind", "delay_ms"?, "times"?}`; kinds: `dropped`, `delayed` (needs `delay_ms`, at most 600000), `duplicated`, `out_of_order`, `forged` |
//! | `DELETE /__admin/callbacks/faults` | remove every callback fault |
//! | `POST /__admin/callbacks/forge` | `{"reference", "amount"?}`: post a forged `SUCCESSFUL` callback now; `amount` is needed for a reference the server does not know |
//!
//! Endpoint names are the carrier's lowercase name and the operation: `mtn_payment`,
//! `mtn_status`, `mtn_refund`, `mtn_deposit`, `moov_payment`, `moov_status`,
//! `moov_deposit`, `celtiis_payment`, `celtiis_status`, and so on for every carrier served;
//! `GET /__admin/config` lists them with their paths.
//! Bad admin input gets 400 with a JSON problem saying what is wrong and what is accepted,
//! e.g. ``unknown variant `explode`, expected one of `status`, `delay`, ...`` or
//! `fault status 600 is not a final HTTP status: use 200 to 599`. The journal's answer is
//! built away from the server's event loop, so reading a full journal does not stall
//! other requests.
//!
//! ```text
//! $ qosic-mock &                 # listening on http://127.0.0.1:40123
//! $ Q=http://127.0.0.1:40123
//! $ J='Content-Type: application/json'   # calls that change state need it (or x-qosic-mock)
//! $ curl -s -H "$J" -X POST $Q/__admin/subscribers \
//!     -d '{"phone":"22997000001","behaviour":"approves","after_checks":3}'
//! $ curl -s -H "$J" -X POST $Q/__admin/faults \
//!     -d '{"kind":"status","status":503,"times":2,"endpoint":"mtn_payment"}'
//! $ curl -s -H "$J" -X POST $Q/__admin/faults \
//!     -d '{"kind":"wrong_reference","times":1,"endpoint":"mtn_status"}'
//! $ pay() { curl -s -u merchant:secret -H 'Content-Type: application/json' \
//!     $Q/QosicBridge/user/requestpayment \
//!     -d '{"msisdn":"22997000001","amount":"100","transref":"T1","clientid":"MTN_CLIENT"}'; }
//! $ pay; pay                     # 503 twice (the fault), nothing recorded
//! $ pay                          # 202 {"responsecode":"01","responsemsg":"PENDING",...}
//! $ curl -s $Q/__admin/ledger    # {"collected":0,"paid_out":0,"pending":100,"refunded":0}
//! $ curl -s "$Q/__admin/journal?since=1&limit=50"
//! $ curl -s $Q/__admin/health    # ... "journal":{"capacity":4096,"dropped":0,"entries":3}
//! $ curl -s $Q/__admin/transactions/T1
//! $ curl -s -H "$J" -X POST $Q/__admin/expectations -d '{"endpoint":"mtn_refund","count":0}'
//! $ curl -s $Q/__admin/verify
//! $ curl -s -H "$J" -X POST $Q/__admin/reset
//!
//!
//! $ qosic-mock --callback-url http://127.0.0.1:9000/qosic &   # or later:
//! $ curl -s -H "$J" -X PUT $Q/__admin/callbacks/url -d '{"url":"http://127.0.0.1:9000/qosic"}'
//! $ curl -s -H "$J" -X POST $Q/__admin/callbacks/faults -d '{"kind":"duplicated","times":1}'
//! $ curl -s -H "$J" -X POST $Q/__admin/callbacks/faults -d '{"kind":"delayed","delay_ms":5000}'
//! $ curl -s -H "$J" -X POST $Q/__admin/callbacks/forge -d '{"reference":"T1"}'  # a forged SUCCESSFUL
//! $ curl -s $Q/__admin/callbacks
//! [{"seq":1,"reference":"T1","status":"SUCCESSFUL","amount":100,"body":{"amount":"100",...},"url":"http://127.0.0.1:9000/qosic","delivery":{"outcome":"answered","status":200,"body":""},"fault":"forged"}]
//! $ curl -s -H "$J" -X DELETE $Q/__admin/callbacks/faults
//!
//! $ QOSIC_MOCK_ADMIN_TOKEN=t0k qosic-mock &   # the admin API behind a token
//! $ curl -s -H 'Authorization: Bearer t0k' $Q/__admin/health
//! $ curl -s -H 'Authorization: Bearer t0k' -X POST $Q/__admin/faults \
//!     -d '{"kind":"status","status":600}'
//! {"detail":"fault status 600 is not a final HTTP status: use 200 to 599","status":400,"title":"Bad Request"}
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin;
mod balance;
mod callback;
mod callback_admin;
mod card;
mod client;
mod config;
mod endpoint;
pub mod fakes;
mod fault;
mod handler;
mod holder;
mod journal;
mod mock;
mod model;
mod names;
mod numbering;
mod protocol;
mod reply;
mod sender;
mod server;
mod shared;
mod state;
mod subscriber;
mod transport;
mod wire;

pub use callback::{
    CallbackDelivery, CallbackFault, CallbackSink, SentCallback, CALLBACK_SINK_CAPACITY,
    DEFAULT_CALLBACK_QUEUE, DEFAULT_CALLBACK_TIMEOUT,
};
pub use client::TEST_POLLING_STEP;

/// The carriers the fake server serves, as the SDK describes them, in order: the Benin
/// carriers first. Each one's endpoints are served, its client id defaults to its name
/// followed by `_CLIENT` (`MTN_CLIENT`), and its answers follow its description (how
/// payments are answered, the status body, the codes of a deposit done and of a decline,
/// whether answers carry a `serviceref`).
///
/// ```
/// let names: Vec<&str> = qosic_mock::carrier_specs().map(|s| s.name()).collect();
/// assert_eq!(names[..3], ["MTN", "MOOV", "CELTIIS"]);
/// ```
pub fn carrier_specs() -> impl Iterator<Item = &'static qosic_core::carrier::CarrierSpec> {
    crate::endpoint::table().carriers.iter().map(|c| c.spec)
}
pub use card::{APPROVED_CARD, DECLINED_CARD, DEFAULT_CARD_KEY, NEVER_FINISHING_CARD};
pub use endpoint::{Carrier, Endpoint, Operation, UnknownEndpoint};
pub use fakes::{
    capture_request, CaptureHandle, CaptureTransport, NeverTransport, ReplayTransport,
};
pub use fault::{Fault, PlannedRequest};
pub use holder::{HolderInfo, DEFAULT_FIRST_NAME, DEFAULT_LAST_NAME};
pub use journal::{RecordedRequest, DEFAULT_JOURNAL_CAPACITY, JOURNAL_BODY_LIMIT};
pub use mock::{MockQosic, MockQosicBuilder};
pub use model::{Ledger, TransactionKind, TransactionState, TransactionView};
pub use numbering::PhoneForms;
pub use subscriber::Subscriber;
pub use transport::InProcessTransport;

pub use config::{
    ADMIN_HEADER, DEFAULT_BODY_TIMEOUT, DEFAULT_CELTIIS_CLIENT_ID, DEFAULT_HEADER_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_LOGIN, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_TRANSACTIONS, DEFAULT_MOOV_CLIENT_ID, DEFAULT_MTN_CLIENT_ID, DEFAULT_PASSWORD,
    IN_PROCESS_URI,
};
