//! [`MockQosic`], the fake server a test starts, programs and verifies, and its builder.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use qosic_core::{Credentials, Secret};

use crate::balance;
use crate::callback::{CallbackFault, CallbackSink, SentCallback};
use crate::card;
use crate::config::{
    AdminAccess, CallbackConfig, ClientIds, Config, Limits, DEFAULT_LOGIN, DEFAULT_PASSWORD,
    IN_PROCESS_URI,
};
use crate::endpoint::{Carrier, Endpoint};
use crate::fault::{Fault, PlannedRequest};
use crate::holder::HolderInfo;
use crate::journal::{self, RecordedRequest};
use crate::model::{Ledger, TransactionKind, TransactionState, TransactionView};
use crate::numbering::PhoneForms;
use crate::reply::lock;
use crate::server::{self, ServerHandle};
use crate::shared::Shared;
use crate::subscriber::Subscriber;
use crate::transport::InProcessTransport;

/// A fake QosIc server: state, subscribers, faults and a journal, reachable over HTTP on
/// loopback ([`MockQosic::uri`]) and in-process ([`MockQosic::transport`]).
///
/// Dropping it stops the HTTP server and checks the expectations set with
/// [`MockQosic::expect_requests`]: when one is not met it panics with a report of every
/// request received (unless the thread is already panicking).
#[must_use = "dropping the MockQosic stops the server at once"]
pub struct MockQosic {
    pub(crate) shared: Arc<Shared>,
    server: Option<ServerHandle>,
}

impl fmt::Debug for MockQosic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockQosic")
            .field("uri", &self.uri())
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl MockQosic {
    /// Starts a server with the default settings on a random port of `127.0.0.1`.
    /// Panics when no loopback port can be bound or no thread spawned; see
    /// [`MockQosicBuilder::try_start`] for the fallible form.
    pub async fn start() -> MockQosic {
        MockQosic::builder().start().await
    }

    /// A fake server with the default settings and no HTTP server: use
    /// [`MockQosic::transport`]. Works under `#[tokio::test(start_paused = true)]`.
    pub fn in_process() -> MockQosic {
        MockQosic::builder().build_in_process()
    }

    /// A builder for other settings.
    pub fn builder() -> MockQosicBuilder {
        MockQosicBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:38219` (no trailing slash); append the wire
    /// paths to it. For a server built with [`MockQosicBuilder::build_in_process`] this is
    /// [`IN_PROCESS_URI`], which only the in-process transport understands.
    pub fn uri(&self) -> String {
        match &self.server {
            Some(server) => format!("http://{}", server.addr),
            None => IN_PROCESS_URI.to_owned(),
        }
    }

    /// The socket address the HTTP server listens on (`None` in-process).
    pub fn address(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(|s| s.addr)
    }

    /// An in-process [`qosic_core::Transport`] sharing this server's state (no sockets).
    pub fn transport(&self) -> InProcessTransport {
        InProcessTransport::new(Arc::clone(&self.shared))
    }

    /// How many TCP connections the HTTP server has accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The credentials the server accepts, for building a client.
    pub fn credentials(&self) -> Credentials {
        let config = &self.shared.config;
        Credentials::new(config.login.clone(), config.password.clone())
    }

    /// The client id the server expects from `carrier`'s endpoints.
    /// Panics when the server does not serve `carrier` (see [`MockQosic::served_carriers`]).
    #[track_caller]
    pub fn client_id(&self, carrier: Carrier) -> &str {
        match self.shared.config.client_ids.get(carrier) {
            Some(id) => id,
            None => panic!("qosic-mock: {}", not_served(carrier)),
        }
    }

    /// Every carrier the server serves, in the order of the carriers' crates: the Benin
    /// carriers (`MTN`, `MOOV`, `CELTIIS`) first.
    pub fn served_carriers(&self) -> Vec<Carrier> {
        let ids = &self.shared.config.client_ids;
        ids.iter().map(|(carrier, _)| carrier).collect()
    }

    /// Programs the subscriber behind `phone` (any form: `22997000001`, `+229 01 97 00 00 01`,
    /// ...; the legacy and the new form of a Benin number are the same subscriber).
    /// Replaces an earlier program and the magic-number behaviour.
    /// Panics when `phone` is not a Benin or Togo number.
    #[track_caller]
    pub fn subscriber(&self, phone: &str, subscriber: Subscriber) {
        or_panic(self.shared.program_subscriber(phone, subscriber));
    }

    /// Injects a fault (see [`Fault`]).
    /// Panics when a status of the fault is not a final HTTP status (200 to 599), or when 1,024
    /// faults are programmed already.
    #[track_caller]
    pub fn fault(&self, fault: Fault) {
        or_panic(self.shared.add_fault(fault));
    }

    /// Decides request by request which fault to inject: `plan` gets every request to a
    /// wire endpoint ([`PlannedRequest`]) and returns the fault for that request alone, if
    /// any, before the faults of [`MockQosic::fault`]. See the crate guide, "Faults".
    pub fn fault_plan(
        &self,
        plan: impl Fn(&PlannedRequest<'_>) -> Option<Fault> + Send + Sync + 'static,
    ) {
        self.shared.set_plan(Arc::new(plan));
    }

    /// Removes every fault, and the fault plan.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Expects exactly `count` requests to `endpoint` by the time the server is dropped
    /// (or [`MockQosic::verify`] is called), counted exactly, apart from the journal.
    /// Panics when 1,024 expectations are set already.
    #[track_caller]
    pub fn expect_requests(&self, endpoint: Endpoint, count: usize) {
        or_panic(self.shared.expect(endpoint, count));
    }

    /// Checks the expectations now.
    /// Panics when one is not met, with a report of every request received.
    #[track_caller]
    pub fn verify(&self) {
        if let Some(report) = self.shared.lock().verification_report() {
            panic!("{report}");
        }
    }

    /// The requests received, oldest first: the last [`MockQosicBuilder::journal_capacity`]
    /// of them ([`crate::DEFAULT_JOURNAL_CAPACITY`] by default). The admin API's requests
    /// are not recorded.
    pub fn journal(&self) -> Vec<RecordedRequest> {
        self.shared.journal()
    }

    /// How many requests the journal dropped (the oldest first) to stay at its capacity.
    pub fn journal_dropped(&self) -> u64 {
        self.shared.lock().journal.dropped()
    }

    /// How many requests `endpoint` received since the start or the last reset: exact,
    /// whatever the journal dropped (this is what [`MockQosic::expect_requests`] checks).
    pub fn request_count(&self, endpoint: Endpoint) -> u64 {
        self.shared.lock().tally.endpoint(endpoint)
    }

    /// The requests received by `endpoint` that are still in the journal, oldest first.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.shared.journal_of(endpoint)
    }

    /// The money that moved so far.
    pub fn ledger(&self) -> Ledger {
        self.shared.lock().ledger()
    }

    /// The transaction recorded under `reference`, if any.
    pub fn transaction(&self, reference: impl AsRef<str>) -> Option<TransactionView> {
        self.shared.transaction(reference.as_ref())
    }

    /// Every transaction recorded, oldest first.
    pub fn transactions(&self) -> Vec<TransactionView> {
        self.shared.transactions()
    }

    /// How many payment requests (any carrier) with the right credentials carried
    /// `reference`, whatever the answer (refused, faulty, ...). Counted apart from the
    /// journal: exact however many journal entries were dropped.
    pub fn payment_requests(&self, reference: impl AsRef<str>) -> usize {
        self.shared.payment_requests(reference.as_ref())
    }

    /// Asserts that the customer was debited exactly once under `reference`: exactly one
    /// payment request carried it, and the payment is confirmed (or confirmed and refunded).
    /// Panics otherwise, with the transaction and every request received.
    #[track_caller]
    pub fn assert_debited_once(&self, reference: impl AsRef<str>) {
        let reference = reference.as_ref();
        let requests = self.payment_requests(reference);
        let tx = self.transaction(reference);
        let debited = tx.as_ref().is_some_and(debited);
        if requests != 1 || !debited {
            panic!(
                "qosic-mock: expected reference {reference:?} to be debited exactly once, \
                 but {requests} payment request(s) carried it and its transaction is {tx:?}\n{}",
                journal::report(&self.shared.lock().journal)
            );
        }
    }

    /// Asserts that no money was taken under `reference` (no confirmed payment).
    /// Panics otherwise, with the transaction and every request received.
    #[track_caller]
    pub fn assert_not_debited(&self, reference: impl AsRef<str>) {
        let reference = reference.as_ref();
        if let Some(tx) = self.transaction(reference).filter(debited) {
            panic!(
                "qosic-mock: expected reference {reference:?} not to be debited, but it is {tx:?}\n{}",
                journal::report(&self.shared.lock().journal)
            );
        }
    }

    /// Forgets every transaction, request, subscriber, fault and expectation, and gives
    /// their memory back. The settings and the connection count stay.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Posts QosIc's callbacks to `url` from now on (`http://HOST:PORT/PATH`), as
    /// [`crate::MockQosicBuilder::callback_url`] does from the start.
    /// Panics when `url` is not an `http://` URL with a host.
    #[track_caller]
    pub fn set_callback_url(&self, url: &str) {
        or_panic(self.shared.callbacks.set_url(Some(url)));
    }

    /// Stops posting callbacks to a URL (a [`CallbackSink`] still gets them).
    pub fn remove_callback_url(&self) {
        let _ = self.shared.callbacks.set_url(None);
    }

    /// The URL callbacks are posted to, if any.
    pub fn callback_url(&self) -> Option<String> {
        self.shared.callbacks.url()
    }

    /// A sink that receives every callback sent from now on (see [`CallbackSink`]). With no
    /// callback URL, callbacks go to the sink only: in-process, on tokio's paused clock.
    /// A new sink replaces the previous one, which then ends.
    pub fn callback_sink(&self) -> CallbackSink {
        self.shared.callbacks.sink()
    }

    /// Injects a fault into the next callbacks (see [`CallbackFault`]).
    /// Panics when 1,024 callback faults are programmed already.
    #[track_caller]
    pub fn callback_fault(&self, fault: CallbackFault) {
        or_panic(self.shared.callbacks.add_fault(fault));
    }

    /// Removes every callback fault.
    pub fn clear_callback_faults(&self) {
        self.shared.callbacks.clear_faults();
    }

    /// Sends a forged callback now: `SUCCESSFUL`, code `200`, for `reference`, whatever the
    /// server knows of it (see the crate guide, "Callbacks"), with the transaction's amount
    /// (`amount` replaces it) and `serviceRef`, or `amount` and `"0"` for an unknown reference.
    /// Panics when the reference is unknown and no amount is given.
    #[track_caller]
    pub fn forge_callback(&self, reference: &str, amount: Option<u64>) {
        or_panic(self.shared.forge_callback(reference, amount));
    }

    /// The callbacks sent (and dropped) so far, oldest first: the last
    /// [`crate::MockQosicBuilder::journal_capacity`] of them.
    pub fn callbacks(&self) -> Vec<SentCallback> {
        self.shared.callbacks.journal()
    }

    /// Programs who holds `phone`'s account, for `getaccountholderinfo(mv)`; numbers not
    /// programmed follow the magic endings (see [`HolderInfo`] and the crate docs).
    /// Panics when `phone` is not a Benin or Togo number, a text is too long, or
    /// 10,000 holders are already programmed.
    pub fn account_holder(&self, phone: &str, info: HolderInfo) {
        or_panic(self.shared.holders.set(phone, info));
    }

    /// Forgets every programmed holder (the magic endings stay).
    pub fn clear_account_holders(&self) {
        self.shared.holders.clear();
    }

    /// What `getavailableamountowithdraw` answers for `carrier` now: its confirmed payments
    /// minus refunds minus confirmed deposits, never below zero.
    pub fn balance(&self, carrier: Carrier) -> u64 {
        let transactions = self.transactions().into_iter();
        balance::of(
            carrier,
            transactions.map(|t| (t.carrier, t.kind, t.state, t.amount)),
        )
    }

    /// The card key (`qosKey`) the fake server accepts from now on (default
    /// [`DEFAULT_CARD_KEY`](crate::DEFAULT_CARD_KEY)).
    pub fn set_card_key(&self, key: impl Into<String>) {
        *lock(&self.shared.cards.key) = key.into();
    }

    /// Answers card status requests in the shape QosIc's WordPress plugin reads
    /// (`{status:"00", data:{status:"SUCCESS"|"PENDIND"}}`) instead of the documented one.
    pub fn card_status_like_plugin(&self, plugin: bool) {
        self.shared
            .cards
            .plugin_shape
            .store(plugin, Ordering::Relaxed);
    }

    /// Acts on the hosted card page of `reference` as a customer would (`approve` with
    /// `card`, `decline` or `abandon`), for tests without a browser. `false` when there is
    /// no such pending card payment.
    pub fn card_page_action(&self, reference: &str, action: &str, card: &str) -> bool {
        let shared = &self.shared;
        card::act(&shared.cards, &shared.callbacks, reference, action, card).is_some()
    }

    /// A card payment's state now: `pending`, `paid`, `declined` or `abandoned`.
    pub fn card_payment_state(&self, reference: &str) -> Option<&'static str> {
        self.shared.cards.state_of(reference)
    }

    /// Whether the customer's browser came back from the card page of `reference` to the
    /// fake's stand-in return page (`GET /card/returned?transref=…`). A program that serves
    /// that page from an embedded fake waits for this before it exits, or the browser finds
    /// the server gone.
    pub fn card_customer_returned(&self, reference: &str) -> bool {
        self.shared.cards.returned(reference)
    }
}

impl Drop for MockQosic {
    fn drop(&mut self) {
        // Stop the server first, so that a panic below leaves no thread behind.
        self.server.take();
        if std::thread::panicking() {
            return;
        }
        self.verify();
    }
}

/// Settings for a [`MockQosic`]; from [`MockQosic::builder`].
///
/// Every setting has a default: the `DEFAULT_*` credentials and client ids, both Benin
/// phone forms accepted, numbers sent to the wrong carrier accepted, a random port on
/// `127.0.0.1`, the `DEFAULT_*` caps and timeouts, and an open admin API.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until started"]
pub struct MockQosicBuilder {
    config: Config,
    addr: SocketAddr,
}

impl Default for MockQosicBuilder {
    fn default() -> Self {
        MockQosicBuilder {
            config: Config {
                login: DEFAULT_LOGIN.to_owned(),
                password: Secret::new(DEFAULT_PASSWORD),
                client_ids: ClientIds::default(),
                phone_forms: PhoneForms::Both,
                refuse_wrong_carrier: false,
                limits: Limits::default(),
                admin: AdminAccess::Open,
                callbacks: CallbackConfig::default(),
            },
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

impl MockQosicBuilder {
    setters! {
        /// The API login accepted in Basic auth (default [`DEFAULT_LOGIN`]).
        fn login(login: impl Into<String>) { config.login = login.into() }
        /// The API password accepted in Basic auth (default [`DEFAULT_PASSWORD`]).
        fn password(password: impl Into<String>) { config.password = Secret::new(password) }
        /// Which Benin number forms `msisdn` may take (default [`PhoneForms::Both`]).
        fn phone_forms(forms: PhoneForms) { config.phone_forms = forms }
        /// Whether a number sent to another carrier's endpoint (by the Benin prefix tables) is
        /// refused with HTTP 400 and code `515` (default `false`: accepted, as the public
        /// record cannot tell).
        fn refuse_wrong_carrier(refuse: bool) { config.refuse_wrong_carrier = refuse }
        /// How many requests the journal keeps (default [`crate::DEFAULT_JOURNAL_CAPACITY`]);
        /// the oldest are dropped first and counted ([`MockQosic::journal_dropped`]). `0`
        /// keeps none. Verification does not read the journal and stays exact.
        fn journal_capacity(capacity: usize) { config.limits.journal_capacity = capacity }
        /// How many transactions the server keeps (default [`crate::DEFAULT_MAX_TRANSACTIONS`]),
        /// and how many references it counts payment requests of; beyond, a payment or deposit
        /// gets HTTP 507 until [`MockQosic::reset`] (see the crate guide, "Limits").
        fn max_transactions(max: usize) { config.limits.max_transactions = max }
        /// The largest request body read, in bytes (default [`crate::DEFAULT_MAX_BODY`], 1 MiB);
        /// larger ones get HTTP 413.
        fn max_body(bytes: usize) { config.limits.max_body = bytes }
        /// How long the HTTP server waits for the rest of a request's headers once its first
        /// byte came (default [`crate::DEFAULT_HEADER_TIMEOUT`]); then it closes the connection.
        fn header_timeout(timeout: Duration) { config.limits.header_timeout = timeout }
        /// How long the HTTP server waits for a request's body once its headers came (default
        /// [`crate::DEFAULT_BODY_TIMEOUT`]); then it answers 408 and closes the connection.
        fn body_timeout(timeout: Duration) { config.limits.body_timeout = timeout }
        /// How long a connection may stay open with no request (or with an answer the client
        /// does not read) before the HTTP server closes it (default
        /// [`crate::DEFAULT_IDLE_TIMEOUT`]).
        fn idle_timeout(timeout: Duration) { config.limits.idle_timeout = timeout }
        /// How many connections the HTTP server serves at once (default
        /// [`crate::DEFAULT_MAX_CONNECTIONS`]); beyond, a new connection gets a 503 and is
        /// closed at once. Keep it below `ulimit -n` (see the crate guide, "Limits").
        fn max_connections(max: usize) { config.limits.max_connections = max }
        /// Turns the admin API off: every `/__admin/` path answers 404.
        fn disable_admin() { config.admin = AdminAccess::Disabled }
        /// Requires `Authorization: Bearer <token>` on the admin API (others get 401).
        fn admin_token(token: impl Into<String>) {
            config.admin = AdminAccess::Token(Secret::new(token))
        }
        /// Posts QosIc's callbacks to `url` (`http://HOST:PORT/PATH`) when a transaction ends
        /// (see the crate guide, "Callbacks"). Checked when the server is built; also
        /// [`MockQosic::set_callback_url`] and `PUT /__admin/callbacks/url`.
        fn callback_url(url: impl Into<String>) { config.callbacks.url = Some(url.into()) }
        /// How long one callback's POST may take, connect, send and answer (default
        /// [`crate::DEFAULT_CALLBACK_TIMEOUT`], 10 s); then it is journaled as failed.
        fn callback_timeout(timeout: Duration) { config.callbacks.timeout = timeout }
        /// How many callbacks may wait to be sent (queued, due later, or in flight; default
        /// [`crate::DEFAULT_CALLBACK_QUEUE`]); beyond, a callback is dropped and journaled.
        fn callback_queue(callbacks: usize) { config.callbacks.queue = callbacks }
        /// Lets callbacks go to any host (default: only to loopback addresses, so that the
        /// admin API cannot make the server post to other machines); a callback to another
        /// host is journaled as failed, with the reason.
        fn callbacks_anywhere(anywhere: bool) { config.callbacks.anywhere = anywhere }
        /// The address to listen on (default `127.0.0.1:0`, a random port).
        fn bind(addr: SocketAddr) { addr = addr }
    }

    /// The client id `carrier`'s endpoints expect (default: the carrier's name followed by
    /// `_CLIENT`, e.g. `MTN_CLIENT`, [`crate::DEFAULT_MTN_CLIENT_ID`]).
    /// Panics when the server does not serve `carrier`.
    #[track_caller]
    pub fn client_id(mut self, carrier: Carrier, id: impl Into<String>) -> Self {
        if !self.config.client_ids.set(carrier, id.into()) {
            panic!("qosic-mock: {}", not_served(carrier));
        }
        self
    }

    /// MTN's client id (default [`crate::DEFAULT_MTN_CLIENT_ID`]); the same as
    /// `client_id(Carrier::Mtn, id)`.
    pub fn mtn_client_id(self, id: impl Into<String>) -> Self {
        self.client_id(Carrier::Mtn, id)
    }

    /// MOOV's client id (default [`crate::DEFAULT_MOOV_CLIENT_ID`]); the same as
    /// `client_id(Carrier::Moov, id)`.
    pub fn moov_client_id(self, id: impl Into<String>) -> Self {
        self.client_id(Carrier::Moov, id)
    }

    /// Celtiis's client id (default [`crate::DEFAULT_CELTIIS_CLIENT_ID`]); the same as
    /// `client_id(Carrier::Celtiis, id)`.
    pub fn celtiis_client_id(self, id: impl Into<String>) -> Self {
        self.client_id(Carrier::Celtiis, id)
    }

    /// Starts the HTTP server on its own thread and tokio runtime.
    /// Panics when the address cannot be bound or no thread spawned.
    pub async fn start(self) -> MockQosic {
        match self.try_start().await {
            Ok(mock) => mock,
            Err(e) => panic!("qosic-mock: cannot start the server: {e}"),
        }
    }

    /// Starts the HTTP server, or says why it could not: the address cannot be bound, or a
    /// setting is out of range (a zero timeout or connection cap, an empty admin token, a
    /// callback URL that is not `http://HOST:PORT/PATH`).
    pub async fn try_start(self) -> std::io::Result<MockQosic> {
        self.check()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let shared = Arc::new(Shared::new(self.config));
        let server = server::spawn(self.addr, Arc::clone(&shared))?;
        *lock(&shared.cards.base) = Some(format!("http://{}", server.addr));
        Ok(MockQosic {
            shared,
            server: Some(server),
        })
    }

    fn check(&self) -> Result<(), String> {
        let limits = &self.config.limits;
        for (name, timeout) in [
            ("header_timeout", limits.header_timeout),
            ("body_timeout", limits.body_timeout),
            ("idle_timeout", limits.idle_timeout),
        ] {
            if timeout.is_zero() {
                return Err(format!("{name} must be longer than zero"));
            }
        }
        if limits.max_connections == 0 {
            return Err("max_connections must be at least 1".to_owned());
        }
        if self.config.admin == AdminAccess::Token(Secret::new("")) {
            return Err("the admin token must not be empty".to_owned());
        }
        self.config.callbacks.check()
    }

    /// Builds the fake server with no HTTP server: reach it with [`MockQosic::transport`].
    /// The connection settings do not apply; the caps on the journal, the transactions and
    /// the body do.
    /// Panics when the callback settings are out of range (see [`MockQosicBuilder::try_start`]).
    pub fn build_in_process(self) -> MockQosic {
        or_panic(self.config.callbacks.check());
        MockQosic {
            shared: Arc::new(Shared::new(self.config)),
            server: None,
        }
    }
}

/// Whether the customer was debited: a payment confirmed (refunded or not).
fn debited(tx: &TransactionView) -> bool {
    tx.kind == TransactionKind::Payment
        && matches!(
            tx.state,
            TransactionState::Confirmed | TransactionState::Refunded
        )
}

/// Panics with the reason of `result`, if it is an error.
#[track_caller]
fn or_panic(result: Result<(), String>) {
    if let Err(e) = result {
        panic!("qosic-mock: {e}");
    }
}

/// Why a carrier cannot be used, with the carriers that can.
fn not_served(carrier: Carrier) -> String {
    format!(
        "the fake server does not serve {carrier} (it serves: {})",
        crate::endpoint::table().carrier_keys()
    )
}
