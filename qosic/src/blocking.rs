//! A blocking client, for synchronous programs: command-line tools, synchronous web
//! frameworks, scripts. The Python `qosic-sdk` this crate descends from works this way.
//!
//! [`Client`] runs the async [`crate::Client`] on a runtime of its own (one worker thread,
//! started with the client, stopped when the last clone is dropped), as `reqwest::blocking`
//! does, so the calling program needs no async runtime. The promises are the same: a payment
//! is sent once, a closed window is pending, not failed, and so on.
//!
//! # Panics
//!
//! Every call panics when made from inside an async runtime, where blocking a thread would
//! stall other tasks: use the async [`crate::Client`] there (or `tokio::task::spawn_blocking`).
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

use qosic_core::{DepositRequest, Error, Lookup, Outcome, PaymentRequest};

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
    pub fn pay(&self, request: PaymentRequest) -> Result<Outcome, Error> {
        self.block_on("pay", |client| async move { client.pay(request).await })
    }

    /// Starts a payment and returns at once: [`crate::Client::initiate`].
    pub fn initiate(&self, request: PaymentRequest) -> Result<Outcome, Error> {
        self.block_on("initiate", |client| async move {
            client.initiate(request).await
        })
    }

    /// Checks a transaction's status once: [`crate::Client::check_status`].
    pub fn check_status(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.block_on("check_status", |client| async move {
            client.check_status(lookup).await
        })
    }

    /// Waits for a terminal answer on an existing transaction: [`crate::Client::wait`].
    pub fn wait(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.block_on("wait", |client| async move { client.wait(lookup).await })
    }

    /// Refunds a confirmed payment: [`crate::Client::refund`].
    pub fn refund(&self, lookup: Lookup) -> Result<Outcome, Error> {
        self.block_on(
            "refund",
            |client| async move { client.refund(lookup).await },
        )
    }

    /// Pays money out to a subscriber: [`crate::Client::deposit`].
    pub fn deposit(&self, request: DepositRequest) -> Result<Outcome, Error> {
        self.block_on(
            "deposit",
            |client| async move { client.deposit(request).await },
        )
    }

    #[track_caller]
    fn block_on<F, Fut>(&self, operation: &str, call: F) -> Result<Outcome, Error>
    where
        F: FnOnce(crate::Client) -> Fut,
        Fut: Future<Output = Result<Outcome, Error>>,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            panic!(
                "qosic::blocking::Client::{operation} was called from inside an async runtime, \
                 where blocking would stall other tasks: use the async qosic::Client there \
                 (`client.as_async().{operation}(..).await`), or call it in \
                 tokio::task::spawn_blocking"
            );
        }
        let runtime = self
            .inner
            .runtime
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the client"));
        runtime.block_on(call(self.inner.client.clone()))
    }
}
