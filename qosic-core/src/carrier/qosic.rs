//! [`QosicCarrier`]: a working carrier made of a [`CarrierSpec`] and settings.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::answer::read_answer;
use super::phone::PhoneFormat;
use super::spec::{slot, CarrierSpec, StatusRequest, PATHS};
use super::{
    LookupCall, MobileCarrier, MoneyCall, Operation, PollingPolicy, References, Reply, WireRequest,
};
use crate::error::Error;
use crate::transport::ApiResponse;
use crate::types::{Amount, ClientId, Msisdn};

/// A QosIc carrier at work: a [`CarrierSpec`] and the merchant's settings (client id,
/// polling, phone form, references, maximum amount, paths).
///
/// It builds the requests every QosIc carrier sends and reads their answers with
/// [`read_answer`](super::read_answer). Carrier types (`Mtn`, `TMoney`…) wrap one and add
/// their own settings; [`thin_carrier!`](crate::thin_carrier) gives them its setters and
/// its [`MobileCarrier`] implementation.
///
/// | operation | body |
/// |---|---|
/// | payment | `{msisdn, amount, firstname, lastname, transref, clientid}` |
/// | status | `{transref, clientid}`, or with `specialfield1` ([`StatusRequest::WithOperatorRef`]) |
/// | refund | `{transref, clientid}` |
/// | deposit | `{msisdn, amount, transref, clientid}` |
/// | account holder | `{msisdn, clientid}` |
/// | balance | `{clientid}` |
///
/// Every value is a string; operations the spec lacks fail with [`Error::Unsupported`]
/// before any I/O.
#[derive(Clone)]
pub struct QosicCarrier {
    spec: &'static CarrierSpec,
    client_id: ClientId,
    polling: Option<PollingPolicy>,
    phone_format: PhoneFormat,
    references: References,
    max_amount: Option<Amount>,
    paths: [Option<&'static str>; PATHS],
}

impl fmt::Debug for QosicCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QosicCarrier")
            .field("name", &self.spec.name())
            .field("client_id", &self.client_id)
            .field("polling", &self.polling)
            .field("phone_format", &self.phone_format)
            .field("max_amount", &self.max_amount)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl QosicCarrier {
    /// `spec`'s carrier with the merchant's client id and the default settings: the spec's
    /// paths and phone form, [`PollingPolicy::default`] (a check every 10 s for 120 s, also
    /// after a lost answer), the default references, no maximum amount.
    pub fn new(
        spec: &'static CarrierSpec,
        client_id: impl AsRef<str>,
    ) -> Result<QosicCarrier, Error> {
        Ok(QosicCarrier {
            spec,
            client_id: ClientId::new(client_id.as_ref())?,
            polling: Some(PollingPolicy::default()),
            phone_format: spec.phone_format(),
            references: References::default(),
            max_amount: None,
            paths: [
                spec.path(Operation::Payment),
                spec.path(Operation::Status),
                spec.path(Operation::Refund),
                spec.path(Operation::Deposit),
                spec.path(Operation::AccountHolder),
                spec.path(Operation::Balance),
            ],
        })
    }

    /// The description this carrier works from.
    pub fn spec(&self) -> &'static CarrierSpec {
        self.spec
    }

    /// The path `operation` is sent to, if the carrier offers it.
    pub fn path(&self, operation: Operation) -> Option<&'static str> {
        slot(operation).and_then(|i| self.paths[i])
    }

    /// The form of the number on the wire.
    pub fn phone_format(&self) -> PhoneFormat {
        self.phone_format
    }

    /// Checks the status under `policy` when a payment answers pending or its answer is lost.
    pub fn with_polling(mut self, policy: PollingPolicy) -> Self {
        self.polling = Some(policy);
        self
    }

    /// Never checks the status after a payment: a pending or unknown outcome is returned as it
    /// is, with its reference, for the caller to check later.
    pub fn without_polling(mut self) -> Self {
        self.polling = None;
        self
    }

    /// Sends numbers in this form (default: the spec's, [`PhoneFormat::AsGiven`] for every
    /// carrier of the workspace).
    pub fn with_phone_format(mut self, format: PhoneFormat) -> Self {
        self.phone_format = format;
        self
    }

    /// Makes transaction references with this factory (the Python SDK's
    /// `reference_factory`). The client checks them and refuses repeats.
    pub fn with_references(mut self, references: References) -> Self {
        self.references = references;
        self
    }

    /// Refuses amounts above `max` before any I/O.
    pub fn with_max_amount(mut self, max: Amount) -> Self {
        self.max_amount = Some(max);
        self
    }

    /// Sends `operation` to `path` instead of the spec's: a carrier's setting (MTN's status
    /// V2, T-Money's `user` paths). Giving a path to an operation the spec lacks offers it.
    ///
    /// The card operations have no carrier path (they use the client's card settings): a
    /// path given to them is ignored.
    pub fn with_path(mut self, operation: Operation, path: &'static str) -> Self {
        if let Some(i) = slot(operation) {
            self.paths[i] = Some(path);
        }
        self
    }

    fn path_of(&self, operation: Operation) -> Result<&'static str, Error> {
        self.path(operation).ok_or_else(|| Error::Unsupported {
            carrier: self.spec.name().to_owned(),
            operation,
        })
    }

    fn money(&self, operation: Operation, call: &MoneyCall) -> Result<WireRequest, Error> {
        let path = self.path_of(operation)?;
        // Written straight into the body: no string of their own.
        let msisdn = Number(self.phone_format, &call.phone);
        let amount = Xof(call.amount.xof());
        let texts = call.first_name.as_str().len()
            + call.last_name.as_str().len()
            + call.reference.as_str().len()
            + self.client_id.as_str().len();
        let body = if operation == Operation::Payment {
            json(
                &PaymentBody {
                    msisdn,
                    amount,
                    firstname: call.first_name.as_str(),
                    lastname: call.last_name.as_str(),
                    transref: call.reference.as_str(),
                    clientid: self.client_id.as_str(),
                },
                texts,
            )
        } else {
            json(
                &DepositBody {
                    msisdn,
                    amount,
                    transref: call.reference.as_str(),
                    clientid: self.client_id.as_str(),
                },
                texts,
            )
        };
        Ok(WireRequest {
            path: path.to_owned(),
            body,
        })
    }

    fn lookup(&self, operation: Operation, call: &LookupCall) -> Result<WireRequest, Error> {
        let path = self.path_of(operation)?;
        let special = operation == Operation::Status
            && self.spec.status_request() == StatusRequest::WithOperatorRef;
        Ok(WireRequest {
            path: path.to_owned(),
            body: json(
                &LookupBody {
                    transref: call.reference.as_str(),
                    clientid: self.client_id.as_str(),
                    specialfield1: special.then(|| call.operator_ref.as_deref().unwrap_or("")),
                },
                call.reference.as_str().len()
                    + self.client_id.as_str().len()
                    + call.operator_ref.as_deref().map_or(0, str::len),
            ),
        })
    }

    fn holder_request(&self, phone: &Msisdn) -> Result<WireRequest, Error> {
        let path = self.path_of(Operation::AccountHolder)?;
        Ok(WireRequest {
            path: path.to_owned(),
            body: json(
                &HolderBody {
                    msisdn: Number(self.phone_format, phone),
                    clientid: self.client_id.as_str(),
                },
                self.client_id.as_str().len(),
            ),
        })
    }

    fn balance_request(&self) -> Result<WireRequest, Error> {
        let path = self.path_of(Operation::Balance)?;
        Ok(WireRequest {
            path: path.to_owned(),
            body: json(
                &BalanceBody {
                    clientid: self.client_id.as_str(),
                },
                self.client_id.as_str().len(),
            ),
        })
    }

    /// This carrier as a shareable trait object.
    pub fn shared(self) -> Arc<dyn MobileCarrier> {
        Arc::new(self)
    }
}

/// The phone number in the carrier's format, written as a JSON string straight into the body
/// (serde's `collect_str`, which serde_json writes without a `String` of its own).
struct Number<'a>(PhoneFormat, &'a Msisdn);

impl fmt::Display for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(self.1, f)
    }
}

impl Serialize for Number<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An amount, written as a JSON string (`"1000"`) straight into the body.
struct Xof(u64);

impl Serialize for Xof {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct PaymentBody<'a> {
    msisdn: Number<'a>,
    amount: Xof,
    firstname: &'a str,
    lastname: &'a str,
    transref: &'a str,
    clientid: &'a str,
}

#[derive(Serialize)]
struct DepositBody<'a> {
    msisdn: Number<'a>,
    amount: Xof,
    transref: &'a str,
    clientid: &'a str,
}

#[derive(Serialize)]
struct LookupBody<'a> {
    transref: &'a str,
    clientid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    specialfield1: Option<&'a str>,
}

#[derive(Serialize)]
struct HolderBody<'a> {
    msisdn: Number<'a>,
    clientid: &'a str,
}

#[derive(Serialize)]
struct BalanceBody<'a> {
    clientid: &'a str,
}

/// `value` as JSON, in a buffer sized once: `texts` (the length of its strings) plus room for
/// the keys, the punctuation, the number and the amount (so that the body is never copied to a
/// larger buffer unless its strings need escapes).
fn json(value: &impl Serialize, texts: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(texts + 128);
    // Serializing these structs of strings into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut body, value);
    body
}

impl MobileCarrier for QosicCarrier {
    fn name(&self) -> &str {
        self.spec.name()
    }

    fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    fn serves(&self, phone: &Msisdn) -> bool {
        self.spec.serves(phone)
    }

    fn max_amount(&self) -> Option<Amount> {
        self.max_amount
    }

    fn polling(&self) -> Option<PollingPolicy> {
        self.polling
    }

    fn new_reference(&self) -> String {
        self.references.next()
    }

    fn payment(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        self.money(Operation::Payment, call)
    }

    fn status(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        self.lookup(Operation::Status, call)
    }

    fn refund(&self, call: &LookupCall) -> Result<WireRequest, Error> {
        self.lookup(Operation::Refund, call)
    }

    fn deposit(&self, call: &MoneyCall) -> Result<WireRequest, Error> {
        self.money(Operation::Deposit, call)
    }

    fn account_holder(&self, phone: &Msisdn) -> Result<WireRequest, Error> {
        self.holder_request(phone)
    }

    fn balance(&self) -> Result<WireRequest, Error> {
        self.balance_request()
    }

    fn read(&self, operation: Operation, response: &ApiResponse) -> Reply {
        read_answer(self.spec, operation, response)
    }
}

/// The carriers of `specs` whose client id is set in the environment (each spec's
/// [`CarrierSpec::client_id_var`], e.g. `QOSIC_MTN_CLIENT_ID`), in the order given, with the
/// default settings. Empty variables count as unset.
///
/// Fails when none is set, naming every variable, and when one holds an invalid client id,
/// naming that variable.
pub fn from_env(specs: &[&'static CarrierSpec]) -> Result<Vec<Arc<dyn MobileCarrier>>, Error> {
    let mut carriers = Vec::new();
    for spec in specs {
        let Some(id) = std::env::var(spec.client_id_var())
            .ok()
            .filter(|v| !v.trim().is_empty())
        else {
            continue;
        };
        let carrier = QosicCarrier::new(spec, id.trim()).map_err(|_| {
            Error::config(
                spec.client_id_var(),
                "a client id of 1 to 128 printable ASCII characters without spaces, as issued \
                 in the QosIc dashboard",
            )
        })?;
        carriers.push(carrier.shared());
    }
    if carriers.is_empty() {
        let Some(first) = specs.first() else {
            return Err(Error::config(
                "carriers",
                "at least one carrier to read from the environment",
            ));
        };
        let vars: Vec<&str> = specs.iter().map(|s| s.client_id_var()).collect();
        let list = match vars.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => vars.join(""),
        };
        return Err(Error::config(
            first.client_id_var(),
            format!("at least one of {list} in the environment"),
        ));
    }
    Ok(carriers)
}

/// Gives a carrier type that wraps a [`QosicCarrier`] the common setters
/// (`with_polling`, `without_polling`, `with_phone_format`, `with_references`,
/// `with_max_amount`), `spec()` and `qosic()`, and its [`MobileCarrier`] implementation.
///
/// `thin_carrier!(Type, field)`, where `field` is the `QosicCarrier` inside. This is how the
/// carrier crates of the workspace write `Mtn`, `Moov`, `TMoney`…:
///
/// ```
/// use qosic_core::carrier::{CarrierSpec, QosicCarrier};
/// use qosic_core::{Carrier, Country, Error, MobileCarrier, Msisdn};
///
/// /// An example carrier.
/// #[derive(Debug, Clone)]
/// pub struct Example {
///     inner: QosicCarrier,
/// }
///
/// impl Example {
///     /// Its description.
///     pub const SPEC: CarrierSpec = CarrierSpec::new(
///         Carrier::new("EXAMPLE"),
///         Country::Togo,
///         "QOSIC_EXAMPLE_CLIENT_ID",
///         "/QosicBridge/ex/v1/requestpayment",
///         "/QosicBridge/ex/v1/gettransactionstatus",
///         |_| true,
///     );
///
///     /// The carrier with the merchant's client id.
///     pub fn new(client_id: impl AsRef<str>) -> Result<Example, Error> {
///         Ok(Example { inner: QosicCarrier::new(&Self::SPEC, client_id)? })
///     }
/// }
///
/// qosic_core::thin_carrier!(Example, inner);
///
/// let example = Example::new("EX")?.without_polling();
/// assert_eq!((example.name(), example.polling()), ("EXAMPLE", None));
/// # Ok::<(), Error>(())
/// ```
#[macro_export]
macro_rules! thin_carrier {
    ($carrier:ty, $field:ident) => {
        impl $carrier {
            /// Checks the status under this polling policy when a payment answers pending or
            /// its answer is lost (default: a check every 10 s for 120 s).
            pub fn with_polling(mut self, policy: $crate::PollingPolicy) -> Self {
                self.$field = self.$field.with_polling(policy);
                self
            }

            /// Never checks the status after a payment: a pending or unknown outcome is
            /// returned as it is, with its reference, for the caller to check later.
            pub fn without_polling(mut self) -> Self {
                self.$field = self.$field.without_polling();
                self
            }

            /// Sends numbers in this form (default: as the caller wrote them).
            pub fn with_phone_format(mut self, format: $crate::carrier::PhoneFormat) -> Self {
                self.$field = self.$field.with_phone_format(format);
                self
            }

            /// Makes transaction references with this factory (the Python SDK's
            /// `reference_factory`). The client checks them and refuses repeats.
            pub fn with_references(mut self, references: $crate::References) -> Self {
                self.$field = self.$field.with_references(references);
                self
            }

            /// Refuses amounts above `max` before any I/O.
            pub fn with_max_amount(mut self, max: $crate::Amount) -> Self {
                self.$field = self.$field.with_max_amount(max);
                self
            }

            /// The description this carrier works from.
            pub fn spec(&self) -> &'static $crate::carrier::CarrierSpec {
                self.$field.spec()
            }

            /// The QosIc machinery inside, with its settings.
            pub fn qosic(&self) -> &$crate::carrier::QosicCarrier {
                &self.$field
            }
        }

        impl $crate::MobileCarrier for $carrier {
            fn name(&self) -> &str {
                $crate::MobileCarrier::name(&self.$field)
            }

            fn client_id(&self) -> &$crate::ClientId {
                $crate::MobileCarrier::client_id(&self.$field)
            }

            fn serves(&self, phone: &$crate::Msisdn) -> bool {
                $crate::MobileCarrier::serves(&self.$field, phone)
            }

            fn max_amount(&self) -> Option<$crate::Amount> {
                $crate::MobileCarrier::max_amount(&self.$field)
            }

            fn polling(&self) -> Option<$crate::PollingPolicy> {
                $crate::MobileCarrier::polling(&self.$field)
            }

            fn new_reference(&self) -> String {
                $crate::MobileCarrier::new_reference(&self.$field)
            }

            fn payment(
                &self,
                call: &$crate::MoneyCall,
            ) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::payment(&self.$field, call)
            }

            fn status(
                &self,
                call: &$crate::LookupCall,
            ) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::status(&self.$field, call)
            }

            fn refund(
                &self,
                call: &$crate::LookupCall,
            ) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::refund(&self.$field, call)
            }

            fn deposit(
                &self,
                call: &$crate::MoneyCall,
            ) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::deposit(&self.$field, call)
            }

            fn account_holder(
                &self,
                phone: &$crate::Msisdn,
            ) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::account_holder(&self.$field, phone)
            }

            fn balance(&self) -> Result<$crate::WireRequest, $crate::Error> {
                $crate::MobileCarrier::balance(&self.$field)
            }

            fn read(
                &self,
                operation: $crate::Operation,
                response: &$crate::ApiResponse,
            ) -> $crate::Reply {
                $crate::MobileCarrier::read(&self.$field, operation, response)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::Carrier;
    use crate::types::{Country, Name, TransactionRef};

    const SPEC: CarrierSpec = CarrierSpec::new(
        Carrier::new("CORETEST"),
        Country::Benin,
        "QOSIC_CORETEST_CLIENT_ID",
        "/pay",
        "/status",
        |_| true,
    )
    .with_status_request(StatusRequest::WithOperatorRef);
    const OTHER: CarrierSpec = CarrierSpec::new(
        Carrier::new("CORETEST2"),
        Country::Togo,
        "QOSIC_CORETEST2_CLIENT_ID",
        "/pay2",
        "/status2",
        |_| true,
    );

    fn lookup(operator_ref: Option<&str>) -> LookupCall {
        LookupCall {
            reference: TransactionRef::new("REF-1").unwrap(),
            operator_ref: operator_ref.map(str::to_owned),
        }
    }

    #[test]
    fn operations_the_spec_lacks_are_unsupported_unless_given_a_path() {
        let carrier = QosicCarrier::new(&SPEC, "ID").unwrap();
        let err = carrier.refund(&lookup(None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CORETEST does not support the refund operation"
        );
        let call = MoneyCall {
            reference: TransactionRef::new("REF-1").unwrap(),
            phone: Msisdn::parse("22997000100").unwrap(),
            amount: Amount::new(5).unwrap(),
            first_name: Name::default(),
            last_name: Name::default(),
        };
        assert!(matches!(
            carrier.deposit(&call),
            Err(Error::Unsupported {
                operation: Operation::Deposit,
                ..
            })
        ));
        let carrier = carrier.with_path(Operation::Refund, "/refund");
        let wire = carrier.refund(&lookup(Some("OP-9"))).unwrap();
        // Only status requests carry specialfield1.
        assert_eq!(
            (wire.path.as_str(), String::from_utf8(wire.body).unwrap()),
            (
                "/refund",
                r#"{"transref":"REF-1","clientid":"ID"}"#.to_owned()
            )
        );
        let wire = carrier.status(&lookup(Some("OP-9"))).unwrap();
        assert_eq!(
            String::from_utf8(wire.body).unwrap(),
            r#"{"transref":"REF-1","clientid":"ID","specialfield1":"OP-9"}"#
        );
    }

    #[test]
    fn the_country_is_checked_before_the_prefixes() {
        let carrier = QosicCarrier::new(&OTHER, "ID").unwrap();
        assert!(carrier.serves(&Msisdn::parse("22890000000").unwrap()));
        assert!(!carrier.serves(&Msisdn::parse("22997000000").unwrap()));
    }

    #[test]
    // Edition 2024: changing the environment is `unsafe`. No other test of this binary reads
    // or writes the two `QOSIC_CORETEST*` variables.
    #[allow(unsafe_code)]
    fn from_env_reads_each_specs_variable_and_names_them_all() {
        static SPECS: [&CarrierSpec; 2] = [&SPEC, &OTHER];
        let err = from_env(&SPECS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration of QOSIC_CORETEST_CLIENT_ID: expected at least one of \
             QOSIC_CORETEST_CLIENT_ID or QOSIC_CORETEST2_CLIENT_ID in the environment"
        );
        // SAFETY: see above; std's own reads of the environment take its lock.
        unsafe { std::env::set_var("QOSIC_CORETEST2_CLIENT_ID", " TG-ID ") };
        let carriers = from_env(&SPECS).unwrap();
        assert_eq!(carriers.len(), 1);
        assert_eq!(
            (carriers[0].name(), carriers[0].client_id().as_str()),
            ("CORETEST2", "TG-ID")
        );
        // SAFETY: as above.
        unsafe { std::env::set_var("QOSIC_CORETEST_CLIENT_ID", "has space") };
        let err = from_env(&SPECS).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "invalid configuration of QOSIC_CORETEST_CLIENT_ID: expected a client id"
            ),
            "{err}"
        );
        // SAFETY: as above.
        unsafe {
            std::env::remove_var("QOSIC_CORETEST_CLIENT_ID");
            std::env::remove_var("QOSIC_CORETEST2_CLIENT_ID");
        }
        assert!(from_env(&[]).is_err());
    }
}
