//! A blocking client, for synchronous programs: command-line tools, synchronous web
//! frameworks, scripts. The Python `qosic-sdk` this crate descends from works this way.
//!
//! [`Client`] runs the async [`crate::Client`] on a runtime of its own (one worker thread,
//! started with the client, stopped when the last clone is dropped), as `reqwest::blocking`
//! does, so the calling program needs no async runtime. The promises are the same: a payment
//! is sent once, a closed window is pending, not failed, and so on.
//!
//! # Where it may be called
//!
//! Anywhere, including `tokio::task::spawn_blocking` and other threads of an async program:
//! each call runs on the client's own runtime thread and the calling thread waits on a
//! channel, so no runtime is entered on the caller's side. Called from an async task itself
//! it works too, but blocks that task's thread for the whole call (a payment waits up to two
//! minutes for the customer): in async code, use the async [`crate::Client`]
//! (`client.as_async()`), or move the call into `spawn_blocking`.
//!
//! # Panics
//!
//! A call panics only when the operation itself panicked on the client's runtime thread (a
//! bug in a custom carrier or transport); the panic then points at the line of the call.
//!
//! # Example
//!
//! ```
//! fn main() -> Result<(), qosic::Error> {
//! #   #[cfg(feature = "mock")] {
//!     // Against the fake server here; in production: qosic::blocking::Client::from_env()?
//!     let mock = qosic::mock::MockQosic::in_process();
//!     let client = qosic::blocking::Client::new(mock.client())?;
//!
//!     let outcome = client.pay(qosic::PaymentRequest::new("22997000100", 1000))?;
//!     assert!(outcome.success());
//!     println!("paid {} XOF, reference {}", 1000, outcome.reference());
//! #   }
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use qosic_core::{AccountHolder, Balance, CardCheckout, CardPayment, CardSession};
use qosic_core::{Callback, CallbackError, DepositRequest, Error, Lookup, Outcome, PaymentRequest};

/// A blocking QosIc client. Cheap to clone; clones share one runtime thread.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    client: crate::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping a runtime inside another one panics; shutting it down in the background
        // never blocks, wherever the last clone is dropped.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client")
            .field("client", &self.inner.client)
            .finish()
    }
}

impl Client {
    /// Runs `client` behind a blocking interface, on a runtime thread of its own.
    ///
    /// Fails with [`Error::Setup`] when the runtime thread cannot be started.
    pub fn new(client: crate::Client) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("qosic-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::setup("the blocking client's runtime", e))?;
        Ok(Client {
            inner: Arc::new(Inner {
                client,
                runtime: Some(runtime),
            }),
        })
    }

    /// A blocking client from the environment: [`crate::from_env`].
    #[cfg(feature = "benin")]
    pub fn from_env() -> Result<Client, Error> {
        Client::new(crate::from_env()?)
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner.client
    }

    /// Takes a payment and waits for the customer's answer: [`crate::Client::pay`].
    #[track_caller]
    pub fn pay(&self, request: PaymentRequest) -> Result<Outcome, Error> {
        self.run("pay", |client| async move { client.pay(request).await })
    }

    /// Starts a payment and returns at once: [`crate::Client::initiate`].
    #[track_caller]
    pub fn initiate(&self, request: PaymentRequest) -> Result<Outcome, Error> {
        self.run("initiate", |client| async move {
            client.initiate(request).await
        })
    }

    /// Checks a transaction's status once: [`crate::Client::check_status`].
    #[track_caller]
    pub fn check_status(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.run("check_status", |client| async move {
            client.check_status(lookup).await
        })
    }

    /// Waits for a terminal answer on an existing transaction: [`crate::Client::wait`].
    #[track_caller]
    pub fn wait(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.run("wait", |client| async move { client.wait(lookup).await })
    }

    /// Refunds a confirmed payment: [`crate::Client::refund`].
    #[track_caller]
    pub fn refund(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.run(
            "refund",
            |client| async move { client.refund(lookup).await },
        )
    }

    /// Pays money out to a subscriber: [`crate::Client::deposit`].
    #[track_caller]
    pub fn deposit(&self, request: DepositRequest) -> Result<Outcome, Error> {
        self.run(
            "deposit",
            |client| async move { client.deposit(request).await },
        )
    }

    /// Who holds the account of `phone`: [`crate::Client::account_holder`].
    #[track_caller]
    pub fn account_holder(&self, phone: &str) -> Result<AccountHolder, Error> {
        let phone = phone.to_owned();
        self.run("account_holder", |client| async move {
            client.account_holder(&phone).await
        })
    }

    /// Who holds the account of `phone` with the named carrier:
    /// [`crate::Client::account_holder_on`].
    #[track_caller]
    pub fn account_holder_on(&self, carrier: &str, phone: &str) -> Result<AccountHolder, Error> {
        let (carrier, phone) = (carrier.to_owned(), phone.to_owned());
        self.run("account_holder_on", |client| async move {
            client.account_holder_on(&carrier, &phone).await
        })
    }

    /// The amount available to withdraw with `carrier`: [`crate::Client::balance`].
    #[track_caller]
    pub fn balance(&self, carrier: &str) -> Result<Balance, Error> {
        let carrier = carrier.to_owned();
        self.run(
            "balance",
            |client| async move { client.balance(&carrier).await },
        )
    }

    /// Starts a card payment: [`crate::Client::card_checkout`].
    #[track_caller]
    pub fn card_checkout(&self, checkout: CardCheckout) -> Result<CardSession, Error> {
        self.run("card_checkout", |client| async move {
            client.card_checkout(checkout).await
        })
    }

    /// Checks a card payment's status once: [`crate::Client::card_status`].
    #[track_caller]
    pub fn card_status(&self, reference: &str) -> Result<CardPayment, Error> {
        let reference = reference.to_owned();
        self.run("card_status", |client| async move {
            client.card_status(&reference).await
        })
    }

    /// Settles a QosIc callback by a status check of the stored order:
    /// [`crate::Client::verify_callback`], for synchronous web frameworks.
    #[track_caller]
    pub fn verify_callback(
        &self,
        callback: &Callback,
        lookup: Lookup,
        amount: u64,
    ) -> Result<Outcome, CallbackError> {
        let callback = callback.clone();
        self.run("verify_callback", move |client| async move {
            client.verify_callback(&callback, lookup, amount).await
        })
    }

    /// Runs `call` on the client's runtime thread and waits for its result on a channel: the
    /// calling thread never enters a runtime, so this works on any thread, `spawn_blocking`'s
    /// included.
    #[track_caller]
    fn run<F, Fut, T>(&self, operation: &str, call: F) -> T
    where
        F: FnOnce(crate::Client) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let handle = self
            .inner
            .runtime
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the client"))
            .handle();
        let (done, result) = std::sync::mpsc::sync_channel(1);
        let task = handle.spawn(call(self.inner.client.clone()));
        handle.spawn(async move {
            // The receiver waits until this is sent; nothing to do if it is gone.
            let _ = done.send(task.await);
        });
        match result.recv() {
            Ok(Ok(value)) => value,
            Ok(Err(join)) => {
                let why = match join.try_into_panic() {
                    Ok(payload) => payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "a panic without a message".to_owned()),
                    Err(_) => "it was cancelled".to_owned(),
                };
                panic!(
                    "qosic::blocking::Client::{operation} failed on the client's runtime thread: \
                     {why} (a bug in a carrier or transport; the async qosic::Client shows where)"
                )
            }
            Err(_) => panic!(
                "qosic::blocking::Client::{operation}: the client's runtime thread stopped \
                 before answering"
            ),
        }
    }
}
