//! Simulated subscribers: what the customer behind a phone number does with a payment
//! (the magic numbers, by the last two digits: see [`Subscriber::magic`]).

use std::time::Duration;

use qosic_core::Carrier;
use serde::Deserialize;

/// What the customer does in the end; the serde names are the admin API's `behaviour`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Approves,
    Declines,
    InsufficientFunds,
    NoAccount,
    NeverAnswers,
    ServerError,
}

/// When the outcome is known to QosIc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// At the n-th status check (0 and 1 both mean: the first check already sees it).
    Checks(u32),
    /// Once this much time (tokio's clock) has passed since the payment was initiated.
    After(Duration),
}

/// The programmed behaviour of one subscriber (a phone number), for
/// [`crate::MockQosic::subscriber`]; see the crate guide, "Subscribers" (MOOV's synchronous
/// payments, deposits) and "The protocol served" (ported numbers).
///
/// ```
/// use std::time::Duration;
/// use qosic_mock::Subscriber;
///
/// let slow = Subscriber::approves_after_checks(3); // pending, pending, then 00
/// let thinking = Subscriber::approves_after(Duration::from_secs(40)); // tokio's clock
/// let grumpy = Subscriber::declines().after_checks(2); // pending, then declined
/// # let _ = (slow, thinking, grumpy);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscriber {
    pub(crate) outcome: Outcome,
    pub(crate) when: When,
    /// The network the number was ported to, if any.
    pub(crate) network: Option<Carrier>,
}

impl Subscriber {
    pub(crate) const fn new(outcome: Outcome) -> Self {
        Subscriber {
            outcome,
            when: When::Checks(1),
            network: None,
        }
    }

    /// Approves; the first status check answers `00` (MOOV: approved at once).
    pub const fn approves() -> Self {
        Subscriber::new(Outcome::Approves)
    }

    /// Approves at the `checks`-th status check; the checks before answer `01` PENDING.
    pub const fn approves_after_checks(checks: u32) -> Self {
        Subscriber::approves().after_checks(checks)
    }

    /// Approves once `delay` has passed since the payment was initiated, on tokio's clock
    /// (`tokio::time::Instant`), so a paused test clock makes it free.
    pub const fn approves_after(delay: Duration) -> Self {
        Subscriber::approves().after(delay)
    }

    /// Declines the payment: status `-1` FAILED "TRANSACTION DECLINED" (magic number `90`).
    pub const fn declines() -> Self {
        Subscriber::new(Outcome::Declines)
    }

    /// Has insufficient funds: status `529` (magic number `91`).
    pub const fn insufficient_funds() -> Self {
        Subscriber::new(Outcome::InsufficientFunds)
    }

    /// Has no mobile-money account: HTTP 417 at initiation, nothing recorded (magic number `92`).
    pub const fn no_account() -> Self {
        Subscriber::new(Outcome::NoAccount)
    }

    /// Never answers the USSD prompt: pending forever (magic number `93`).
    pub const fn never_answers() -> Self {
        Subscriber::new(Outcome::NeverAnswers)
    }

    /// The server fails for this number: HTTP 500 at initiation, nothing recorded
    /// (magic number `94`).
    pub const fn server_error() -> Self {
        Subscriber::new(Outcome::ServerError)
    }

    /// The outcome is seen at the `checks`-th status check instead of the first.
    /// Ignored by subscribers whose outcome comes at initiation.
    #[must_use]
    pub const fn after_checks(mut self, checks: u32) -> Self {
        self.when = When::Checks(checks);
        self
    }

    /// The outcome is seen once `delay` has passed since initiation (tokio's clock).
    /// Ignored by subscribers whose outcome comes at initiation.
    #[must_use]
    pub const fn after(mut self, delay: Duration) -> Self {
        self.when = When::After(delay);
        self
    }

    /// The number was ported to `carrier`'s network: payments and deposits sent to another
    /// carrier's endpoints answer HTTP 400 code `515` and record nothing, whatever
    /// [`crate::MockQosicBuilder::refuse_wrong_carrier`] says.
    ///
    /// ```
    /// use qosic_mock::{Carrier, Subscriber};
    /// // A Benin number with an MTN prefix, now on Moov's network.
    /// let ported = Subscriber::approves().ported_to(Carrier::Moov);
    /// # let _ = ported;
    /// ```
    #[must_use]
    pub const fn ported_to(mut self, carrier: Carrier) -> Self {
        self.network = Some(carrier);
        self
    }

    /// The behaviour of a number that nobody programmed, by its last two digits: `90`
    /// declines, `91` insufficient funds, `92` no account, `93` never answers, `94` server
    /// error, any other approves.
    pub fn magic(last_two_digits: &str) -> Self {
        match last_two_digits {
            "90" => Subscriber::declines(),
            "91" => Subscriber::insufficient_funds(),
            "92" => Subscriber::no_account(),
            "93" => Subscriber::never_answers(),
            "94" => Subscriber::server_error(),
            _ => Subscriber::approves(),
        }
    }
}

impl Default for Subscriber {
    fn default() -> Self {
        Subscriber::approves()
    }
}
