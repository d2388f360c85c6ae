//! [`CarrierSpec`]: a QosIc carrier described as data, where carriers differ.

use super::identity::Carrier;
use super::phone::PhoneFormat;
use super::{Operation, Verdict};
use crate::types::{Country, Msisdn};

/// How a carrier answers a payment request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flow {
    /// HTTP 202 and code `01`: accepted; the client then checks the status until the customer
    /// answers (MTN, Celtiis, T-Money, Flooz).
    Polled,
    /// The answer waits for the customer and carries the outcome: HTTP 200 and code `0` when
    /// approved (MOOV Benin).
    Synchronous,
}

/// The body of a status request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusRequest {
    /// `{transref, clientid}`.
    Plain,
    /// `{transref, clientid, specialfield1}`: `specialfield1` is the operator's transaction id
    /// when the lookup has one, empty otherwise (MOOV Benin's `gettransactionstatus2mv`).
    WithOperatorRef,
}

/// A `responsecode` of one carrier, what it means and how the SDK reads it.
///
/// Carriers list the codes they are known to answer beyond QosIc's common ones (`00`, `01`,
/// `0`, `-1`, `-2`…), such as Togo's initiation codes. [`read_answer`](super::read_answer)
/// gives such an answer this verdict, and adds the meaning to its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerCode {
    /// The code, as QosIc sends it (compared as a number when both are numbers: `"0515"` is
    /// `515`).
    pub code: &'static str,
    /// What the answer means for the operation.
    pub verdict: Verdict,
    /// The meaning in plain words, with what to do: added to the message callers see.
    pub meaning: &'static str,
}

/// A QosIc carrier, described by data: its name, country and numbers, an endpoint per
/// operation it offers, how it answers, and the form of the number on the wire.
///
/// A carrier crate declares one `const` spec per carrier; [`QosicCarrier`](super::QosicCarrier)
/// turns it into a working [`MobileCarrier`](super::MobileCarrier), and `qosic-mock` serves
/// it. Built with `const` methods:
///
/// ```
/// use qosic_core::carrier::{CarrierSpec, QosicCarrier};
/// use qosic_core::{Carrier, Country, MobileCarrier, Msisdn};
///
/// fn serves(phone: &Msisdn) -> bool {
///     phone.country() == Country::Togo && phone.national().starts_with('9')
/// }
/// const SPEC: CarrierSpec = CarrierSpec::new(
///     Carrier::new("EXAMPLE"),
///     Country::Togo,
///     "QOSIC_EXAMPLE_CLIENT_ID",
///     "/QosicBridge/ex/v1/requestpayment",
///     "/QosicBridge/ex/v1/gettransactionstatus",
///     serves,
/// )
/// .with_deposit("/QosicBridge/ex/v1/deposit")
/// .with_failed_code("02");
///
/// let carrier = QosicCarrier::new(&SPEC, "EX_CLIENT")?;
/// assert_eq!(carrier.name(), "EXAMPLE");
/// assert!(carrier.serves(&Msisdn::parse("22890000000")?));
/// assert_eq!(SPEC.path(qosic_core::Operation::Refund), None); // refunds: Unsupported
/// # Ok::<(), qosic_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CarrierSpec {
    carrier: Carrier,
    country: Country,
    client_id_var: &'static str,
    paths: [Option<&'static str>; PATHS],
    alternate_paths: &'static [(Operation, &'static str)],
    flow: Flow,
    status_request: StatusRequest,
    deposit_success_code: &'static str,
    failed_code: &'static str,
    pending_message: &'static str,
    service_ref: bool,
    codes: &'static [AnswerCode],
    serves: fn(&Msisdn) -> bool,
    phone_format: PhoneFormat,
}

/// The number of operations a carrier may offer (its table of paths).
pub(crate) const PATHS: usize = 6;

/// The slot of an operation in [`CarrierSpec`]'s table of paths; `None` for the card
/// operations, which belong to the merchant's card key, not to a carrier.
pub(crate) const fn slot(operation: Operation) -> Option<usize> {
    match operation {
        Operation::Payment => Some(0),
        Operation::Status => Some(1),
        Operation::Refund => Some(2),
        Operation::Deposit => Some(3),
        Operation::AccountHolder => Some(4),
        Operation::Balance => Some(5),
        Operation::CardCheckout | Operation::CardStatus => None,
    }
}

impl CarrierSpec {
    /// A carrier with a payment and a status endpoint, no refund or deposit, polled
    /// ([`Flow::Polled`]), plain status requests, deposits confirmed by `00`, declines
    /// answered `-1`, `serviceref` in its answers, no codes of its own, and numbers sent as
    /// given.
    ///
    /// `client_id_var` is the environment variable of its client id
    /// (`QOSIC_<NAME>_CLIENT_ID`); `serves` says which numbers it serves (by prefix: a hint
    /// where numbers are portable).
    pub const fn new(
        carrier: Carrier,
        country: Country,
        client_id_var: &'static str,
        payment: &'static str,
        status: &'static str,
        serves: fn(&Msisdn) -> bool,
    ) -> CarrierSpec {
        CarrierSpec {
            carrier,
            country,
            client_id_var,
            paths: [Some(payment), Some(status), None, None, None, None],
            alternate_paths: &[],
            flow: Flow::Polled,
            status_request: StatusRequest::Plain,
            deposit_success_code: "00",
            failed_code: "-1",
            pending_message: "PENDING",
            service_ref: true,
            codes: &[],
            serves,
            phone_format: PhoneFormat::AsGiven,
        }
    }

    /// Offers refunds of confirmed payments at `path` (body `{transref, clientid}`).
    pub const fn with_refund(mut self, path: &'static str) -> CarrierSpec {
        self.paths[2] = Some(path);
        self
    }

    /// Offers deposits (payouts) at `path` (body `{msisdn, amount, transref, clientid}`).
    pub const fn with_deposit(mut self, path: &'static str) -> CarrierSpec {
        self.paths[3] = Some(path);
        self
    }

    /// Offers account-holder lookups at `path` (body `{msisdn, clientid}`; answer
    /// `{msisdn, firstName, surName, accountholderstatus, responsecode, responsemsg}`).
    pub const fn with_account_holder(mut self, path: &'static str) -> CarrierSpec {
        self.paths[4] = Some(path);
        self
    }

    /// Offers the balance available to withdraw at `path` (body `{clientid}`; answer
    /// `{responsecode, responsemsg, amount}`).
    pub const fn with_balance(mut self, path: &'static str) -> CarrierSpec {
        self.paths[5] = Some(path);
        self
    }

    /// Other paths QosIc serves an operation at (MTN's `gettransactionstatusV2`), which a
    /// carrier setting may pick and the fake server serves too.
    pub const fn with_alternate_paths(
        mut self,
        paths: &'static [(Operation, &'static str)],
    ) -> CarrierSpec {
        self.alternate_paths = paths;
        self
    }

    /// Answers payments synchronously ([`Flow::Synchronous`]).
    pub const fn synchronous(mut self) -> CarrierSpec {
        self.flow = Flow::Synchronous;
        self
    }

    /// Status requests take this body.
    pub const fn with_status_request(mut self, shape: StatusRequest) -> CarrierSpec {
        self.status_request = shape;
        self
    }

    /// A deposit that is done answers this code (default `00`; MOOV Benin: `0`).
    pub const fn with_deposit_success_code(mut self, code: &'static str) -> CarrierSpec {
        self.deposit_success_code = code;
        self
    }

    /// A status check of a declined transaction answers this code (default `-1`; Togo: `02`).
    pub const fn with_failed_code(mut self, code: &'static str) -> CarrierSpec {
        self.failed_code = code;
        self
    }

    /// The `responsemsg` of a pending answer (default `PENDING`; Togo: `demande en cours`).
    pub const fn with_pending_message(mut self, message: &'static str) -> CarrierSpec {
        self.pending_message = message;
        self
    }

    /// Answers carry no `serviceref` (Togo).
    pub const fn without_service_ref(mut self) -> CarrierSpec {
        self.service_ref = false;
        self
    }

    /// The codes this carrier answers beyond QosIc's common ones.
    pub const fn with_codes(mut self, codes: &'static [AnswerCode]) -> CarrierSpec {
        self.codes = codes;
        self
    }

    /// Sends numbers in this form by default (default [`PhoneFormat::AsGiven`]).
    pub const fn with_phone_format(mut self, format: PhoneFormat) -> CarrierSpec {
        self.phone_format = format;
        self
    }

    /// The carrier's identity.
    pub const fn carrier(&self) -> Carrier {
        self.carrier
    }

    /// The carrier's name, e.g. `MTN`.
    pub const fn name(&self) -> &'static str {
        self.carrier.name()
    }

    /// The country whose numbers it serves.
    pub const fn country(&self) -> Country {
        self.country
    }

    /// The environment variable of its client id, e.g. `QOSIC_MTN_CLIENT_ID`.
    pub const fn client_id_var(&self) -> &'static str {
        self.client_id_var
    }

    /// The path of `operation`, or `None` when the carrier does not offer it.
    pub const fn path(&self, operation: Operation) -> Option<&'static str> {
        match slot(operation) {
            Some(i) => self.paths[i],
            None => None,
        }
    }

    /// Whether the carrier offers `operation`.
    pub const fn offers(&self, operation: Operation) -> bool {
        self.path(operation).is_some()
    }

    /// Other paths of its operations ([`CarrierSpec::with_alternate_paths`]).
    pub const fn alternate_paths(&self) -> &'static [(Operation, &'static str)] {
        self.alternate_paths
    }

    /// How it answers payments.
    pub const fn flow(&self) -> Flow {
        self.flow
    }

    /// The body of its status requests.
    pub const fn status_request(&self) -> StatusRequest {
        self.status_request
    }

    /// The code of a deposit that is done.
    pub const fn deposit_success_code(&self) -> &'static str {
        self.deposit_success_code
    }

    /// The code of a declined transaction's status.
    pub const fn failed_code(&self) -> &'static str {
        self.failed_code
    }

    /// The message of a pending answer.
    pub const fn pending_message(&self) -> &'static str {
        self.pending_message
    }

    /// Whether its answers carry a `serviceref`.
    pub const fn has_service_ref(&self) -> bool {
        self.service_ref
    }

    /// Its own codes.
    pub const fn codes(&self) -> &'static [AnswerCode] {
        self.codes
    }

    /// Whether it serves `phone`: the right country, and its prefixes.
    pub fn serves(&self, phone: &Msisdn) -> bool {
        phone.country() == self.country && (self.serves)(phone)
    }

    /// The form of the number it sends by default.
    pub const fn phone_format(&self) -> PhoneFormat {
        self.phone_format
    }

    /// The code of `code` in [`CarrierSpec::codes`], if listed.
    pub fn code(&self, code: &str) -> Option<&'static AnswerCode> {
        let code = code.trim();
        let number = code.parse::<i64>().ok();
        self.codes.iter().find(|known| {
            known.code == code || (number.is_some() && known.code.parse::<i64>().ok() == number)
        })
    }
}
