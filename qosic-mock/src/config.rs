//! The server's fixed settings, from the builder: credentials, client ids, caps and
//! timeouts, admin access, callbacks.

use std::fmt;
use std::time::Duration;

use qosic_core::Secret;

use crate::callback::{Target, DEFAULT_CALLBACK_QUEUE, DEFAULT_CALLBACK_TIMEOUT};
use crate::endpoint::table;
use crate::endpoint::Carrier;
use crate::numbering::PhoneForms;

/// Caps and timeouts, from the builder (its setters say what each is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) journal_capacity: usize,
    pub(crate) max_transactions: usize,
    pub(crate) max_body: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            journal_capacity: crate::journal::DEFAULT_JOURNAL_CAPACITY,
            max_transactions: DEFAULT_MAX_TRANSACTIONS,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Who may use the admin API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AdminAccess {
    /// Anyone who reaches the server (the default: it listens on loopback).
    Open,
    /// Requests with `Authorization: Bearer <token>`.
    Token(Secret),
    /// Nobody: `/__admin/` answers 404.
    Disabled,
}

/// The server's fixed settings (`Debug` shows no secret).
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) login: String,
    pub(crate) password: Secret,
    pub(crate) client_ids: ClientIds,
    pub(crate) phone_forms: PhoneForms,
    pub(crate) refuse_wrong_carrier: bool,
    pub(crate) limits: Limits,
    pub(crate) admin: AdminAccess,
    pub(crate) callbacks: CallbackConfig,
}

/// The client id each carrier's endpoints expect, by carrier, in the carriers' order.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientIds(Vec<(Carrier, String)>);

impl Default for ClientIds {
    /// Every carrier served, with its default client id (`<NAME>_CLIENT`).
    fn default() -> Self {
        let carriers = table().carriers.iter();
        let ids = carriers.map(|c| (c.spec.carrier(), c.default_client_id.clone()));
        ClientIds(ids.collect())
    }
}

impl ClientIds {
    /// The client id of `carrier`, if the server serves it.
    pub(crate) fn get(&self, carrier: Carrier) -> Option<&str> {
        let found = self.0.iter().find(|(c, _)| *c == carrier);
        found.map(|(_, id)| id.as_str())
    }

    /// Sets the client id of `carrier`; `false` when the server does not serve it.
    pub(crate) fn set(&mut self, carrier: Carrier, id: String) -> bool {
        let slot = self.0.iter_mut().find(|(c, _)| *c == carrier);
        slot.map(|(_, slot)| *slot = id).is_some()
    }

    /// Every carrier and its client id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Carrier, &str)> {
        self.0.iter().map(|(c, id)| (*c, id.as_str()))
    }
}

impl fmt::Debug for ClientIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.0.iter().map(|(c, id)| (c.name(), id));
        f.debug_map().entries(entries).finish()
    }
}

/// The callback settings of a server, from its builder (its setters say what each is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackConfig {
    pub(crate) url: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) queue: usize,
    pub(crate) anywhere: bool,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            url: None,
            timeout: DEFAULT_CALLBACK_TIMEOUT,
            queue: DEFAULT_CALLBACK_QUEUE,
            anywhere: false,
        }
    }
}

impl CallbackConfig {
    /// Whether the settings can be used: a valid URL, a timeout, a queue.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.url {
            Target::parse(url)?;
        }
        if self.timeout.is_zero() {
            return Err("callback_timeout must be longer than zero".to_owned());
        }
        if self.queue == 0 {
            return Err("callback_queue must be at least 1".to_owned());
        }
        Ok(())
    }
}

/// The prefix of the admin API.
pub(crate) const ADMIN_PREFIX: &str = "/__admin/";

/// The most subscribers the admin API may program at once.
pub(crate) const MAX_SUBSCRIBERS: usize = 100_000;

/// The most faults, and the most expectations, programmed at once (callback faults too).
pub(crate) const MAX_FAULTS: usize = 1024;

/// The API login the server accepts by default.
pub const DEFAULT_LOGIN: &str = "merchant";
/// The API password the server accepts by default.
pub const DEFAULT_PASSWORD: &str = "secret";
/// MTN's client id by default.
pub const DEFAULT_MTN_CLIENT_ID: &str = "MTN_CLIENT";
/// MOOV's client id by default.
pub const DEFAULT_MOOV_CLIENT_ID: &str = "MOOV_CLIENT";
/// Celtiis's client id by default.
pub const DEFAULT_CELTIIS_CLIENT_ID: &str = "CELTIIS_CLIENT";
/// The base URL of a fake server without an HTTP server ([`crate::MockQosic::in_process`]).
pub const IN_PROCESS_URI: &str = "http://in-process.qosic-mock.invalid";

/// The default of [`crate::MockQosicBuilder::max_transactions`].
pub const DEFAULT_MAX_TRANSACTIONS: usize = 100_000;
/// The default of [`crate::MockQosicBuilder::max_body`]: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// The default of [`crate::MockQosicBuilder::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default of [`crate::MockQosicBuilder::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`crate::MockQosicBuilder::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The default of [`crate::MockQosicBuilder::max_connections`]: half the usual 1,024 descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// A header that marks an admin call as sent on purpose (any value): admin calls that change
/// state need it, a JSON `Content-Type`, or the admin token, which a web page on another site
/// cannot send (see "The admin API").
pub const ADMIN_HEADER: &str = "x-qosic-mock";
