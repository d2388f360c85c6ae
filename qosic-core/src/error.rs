//! The one error type of the SDK, [`Error`].
//!
//! Every variant says, through [`Error::delivery`], whether the request was not sent, may have
//! been sent, or was answered; every error raised after a request may have left carries the
//! transaction reference ([`Error::reference`]), so nothing is lost.

use std::error::Error as StdError;
use std::fmt;

use crate::carrier::Operation;
use crate::server_text::Escaped;
use crate::transport::{Delivery, TransportError};
use crate::types::TransactionRef;

/// Everything that can go wrong in a call to QosIc.
///
/// The first six variants are the Python SDK's errors, kept by name.
/// Messages are lowercase, name the field at fault and never contain a secret or a full phone
/// number.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// QosIc failed (HTTP 5xx), or a proxy in front of it did (a 502 or 504 page). May have
    /// been sent: the server may have acted on the request before it failed, so
    /// [`Error::delivery`] is [`Delivery::MaybeSent`] and the outcome is unknown; check the
    /// status of [`Error::reference`] before anything else.
    ServerError {
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// What was wrong, in a few words: the server's text made safe to show
        /// ([`server_text`](crate::server_text); `Display` escapes it again).
        reason: String,
        /// The transaction reference, when the call had one.
        reference: Option<TransactionRef>,
    },
    /// The number has no mobile-money account (HTTP 417). Answered.
    UserAccountNotFound {
        /// The masked phone number.
        phone: String,
        /// The transaction reference.
        reference: Option<TransactionRef>,
    },
    /// No configured carrier serves the number. Not sent.
    ProviderNotFound {
        /// The masked phone number.
        phone: String,
        /// The configured carriers' names, comma-separated.
        configured: String,
    },
    /// The phone number is not valid. Not sent.
    InvalidPhoneNumber {
        /// The form that was expected.
        expected: String,
    },
    /// QosIc does not know the carrier's client id (HTTP 404, code `-2`). Answered.
    InvalidClientId {
        /// The carrier whose client id was refused.
        carrier: String,
        /// The transaction reference.
        reference: Option<TransactionRef>,
    },
    /// QosIc refused the login and password (HTTP 401). Answered.
    InvalidCredentials {
        /// The transaction reference.
        reference: Option<TransactionRef>,
    },
    /// An argument is not valid. Not sent.
    InvalidArgument {
        /// The argument's name, e.g. `amount` or `reference`.
        field: &'static str,
        /// The form that was expected.
        expected: String,
    },
    /// The carrier has no such operation (MOOV has no refund, for example). Not sent.
    Unsupported {
        /// The carrier's name.
        carrier: String,
        /// The operation asked for.
        operation: Operation,
    },
    /// QosIc refused the request (HTTP 4xx other than 401, 404 with `-2` and 417). Answered.
    Rejected {
        /// The operation.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// QosIc's `responsecode`, when there was one.
        code: Option<String>,
        /// QosIc's message, or the start of the body: the server's text made safe to show
        /// ([`server_text`](crate::server_text); `Display` escapes it again).
        message: String,
        /// The transaction reference.
        reference: Option<TransactionRef>,
    },
    /// No complete answer came back. [`TransportError::delivery`] says whether the request may
    /// have reached QosIc.
    Transport {
        /// The operation.
        operation: Operation,
        /// The transaction reference.
        reference: Option<TransactionRef>,
        /// What the transport reported; its text is part of this error's message, and
        /// [`std::error::Error::source`] skips to its own cause, so a printed chain does not
        /// repeat itself.
        source: TransportError,
    },
    /// The transport could not be set up (a certificate, TLS roots, the HTTP client): a
    /// `qosic_http::Error` converted by `?`. Not sent.
    Setup {
        /// What could not be set up, e.g. `the HTTP transport`.
        what: &'static str,
        /// Why; its text is part of this error's message.
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// The client or a carrier is misconfigured. Not sent.
    Config {
        /// The setting at fault, e.g. `base_url` or `QOSIC_LOGIN`.
        field: &'static str,
        /// The form that was expected.
        expected: String,
    },
    /// QosIc answered an account-holder, balance or card call with something that cannot be
    /// read (not JSON, or without the fields the operation needs). Answered; for a card
    /// checkout, [`Delivery::MaybeSent`]: the card payment may exist, so check
    /// `card_status` of [`Error::reference`].
    Unreadable {
        /// The operation.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// What was missing or wrong, with the start of the body (numbers masked) when it
        /// holds no personal data.
        detail: String,
        /// The card payment's reference, for card calls.
        reference: Option<TransactionRef>,
    },
    /// QosIc does not know the merchant's card key (`qosKey`, code `-2` "INVALID qoskey").
    /// Answered.
    InvalidCardKey {
        /// The card payment's reference.
        reference: Option<TransactionRef>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ServerError {
                status,
                reason,
                reference,
            } => {
                f.write_str("qosic server error")?;
                if let Some(status) = status {
                    write!(f, " (HTTP {status})")?;
                }
                if let Some(reference) = reference {
                    write!(f, " for reference {reference}")?;
                }
                write!(f, ": {}", Escaped(reason))
            }
            Error::UserAccountNotFound { phone, .. } => {
                write!(
                    f,
                    "user account not found: {phone} has no mobile-money account"
                )
            }
            Error::ProviderNotFound { phone, configured } => write!(
                f,
                "provider not found: no configured carrier serves {phone} (configured: \
                 {configured}); name the carrier if the number was ported"
            ),
            Error::InvalidPhoneNumber { expected } => {
                write!(f, "invalid phone number: expected {expected}")
            }
            Error::InvalidClientId { carrier, .. } => write!(
                f,
                "invalid client id for {}: qosic does not know it (check the client id \
                 issued for this carrier)",
                Escaped(carrier)
            ),
            Error::InvalidCredentials { .. } => f.write_str(
                "invalid credentials: qosic refused the api login and password (HTTP 401)",
            ),
            Error::InvalidArgument { field, expected } => {
                write!(f, "invalid {field}: expected {expected}")
            }
            Error::Unsupported { carrier, operation } => {
                write!(f, "{carrier} does not support the {operation} operation")
            }
            Error::Rejected {
                operation,
                status,
                code,
                message,
                ..
            } => {
                write!(f, "qosic refused the {operation} (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", code {}", Escaped(code))?;
                }
                write!(f, "): {}", Escaped(message))
            }
            Error::Transport {
                operation,
                reference,
                source,
            } => {
                write!(f, "{operation} request {}", source.delivery())?;
                if let Some(reference) = reference {
                    write!(f, " (reference {reference})")?;
                }
                write!(f, ": {}", Escaped(&source.reason()))
            }
            Error::Setup { what, source } => write!(f, "could not set up {what}: {source}"),
            Error::Config { field, expected } => {
                write!(f, "invalid configuration of {field}: expected {expected}")
            }
            Error::Unreadable {
                operation,
                status,
                detail,
                ..
            } => write!(
                f,
                "unreadable answer to the {operation} request (HTTP {status}): {detail}"
            ),
            Error::InvalidCardKey { .. } => f.write_str(
                "invalid card key: qosic does not know the qosKey (check QOSIC_CARD_KEY or \
                 the builder's card_key: the key issued with the card checkout, e.g. QCBJ001)",
            ),
        }
    }
}

impl StdError for Error {
    /// The cause below the one this error's message already names: for
    /// [`Error::Transport`], the transport's own source (an I/O, TLS or HTTP library error);
    /// for [`Error::Setup`], the source of the setup error. So `{:#}`-style printing of the
    /// chain (anyhow, eyre) never says the same thing twice.
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport { source, .. } => source.source(),
            Error::Setup { source, .. } => source.source(),
            _ => None,
        }
    }
}

impl Error {
    /// An [`Error::Setup`]: `what` could not be set up because of `source`.
    pub fn setup(what: &'static str, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Error {
        Error::Setup {
            what,
            source: source.into(),
        }
    }

    /// The transport's error, for [`Error::Transport`].
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Error::Transport { source, .. } => Some(source),
            _ => None,
        }
    }

    pub(crate) fn invalid_phone(expected: impl Into<String>) -> Error {
        Error::InvalidPhoneNumber {
            expected: expected.into(),
        }
    }

    pub(crate) fn invalid_argument(field: &'static str, expected: impl Into<String>) -> Error {
        Error::InvalidArgument {
            field,
            expected: expected.into(),
        }
    }

    /// A configuration error for `field`.
    pub fn config(field: &'static str, expected: impl Into<String>) -> Error {
        Error::Config {
            field,
            expected: expected.into(),
        }
    }

    /// Whether the request was not sent, may have been sent, or was answered.
    ///
    /// After [`Delivery::MaybeSent`] the money may have moved: check the status of
    /// [`Error::reference`] before anything else, and never pay again under a new reference.
    /// A server error (HTTP 5xx) counts as may have been sent: it does not say whether the
    /// server acted on the request before failing.
    pub fn delivery(&self) -> Delivery {
        match self {
            Error::ProviderNotFound { .. }
            | Error::InvalidPhoneNumber { .. }
            | Error::InvalidArgument { .. }
            | Error::Unsupported { .. }
            | Error::Setup { .. }
            | Error::Config { .. } => Delivery::NotSent,
            Error::Transport { source, .. } => source.delivery(),
            Error::ServerError { .. } => Delivery::MaybeSent,
            Error::Unreadable {
                operation: Operation::CardCheckout,
                ..
            } => Delivery::MaybeSent,
            Error::Unreadable { .. } | Error::InvalidCardKey { .. } => Delivery::Answered,
            Error::UserAccountNotFound { .. }
            | Error::InvalidClientId { .. }
            | Error::InvalidCredentials { .. }
            | Error::Rejected { .. } => Delivery::Answered,
        }
    }

    /// The transaction reference of the failed call, when it had one.
    pub fn reference(&self) -> Option<&TransactionRef> {
        match self {
            Error::ServerError { reference, .. }
            | Error::UserAccountNotFound { reference, .. }
            | Error::InvalidClientId { reference, .. }
            | Error::InvalidCredentials { reference }
            | Error::Rejected { reference, .. }
            | Error::Unreadable { reference, .. }
            | Error::InvalidCardKey { reference }
            | Error::Transport { reference, .. } => reference.as_ref(),
            _ => None,
        }
    }

    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_timeout())
    }

    /// Whether the request may have reached QosIc without an answer that says what became
    /// of it (a lost answer, a timeout, a server error): the outcome is unknown.
    pub fn is_outcome_unknown(&self) -> bool {
        self.delivery() == Delivery::MaybeSent
    }

    /// Whether the input or configuration was refused before any I/O.
    pub fn is_invalid_input(&self) -> bool {
        self.delivery() == Delivery::NotSent && !matches!(self, Error::Transport { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportErrorKind;

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn transport_errors_keep_reference_and_delivery() {
        let reference = TransactionRef::new("REF-0001").unwrap();
        let err = Error::Transport {
            operation: Operation::Payment,
            reference: Some(reference.clone()),
            source: TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent),
        };
        assert_eq!(err.reference(), Some(&reference));
        assert!(err.is_timeout());
        assert!(err.is_outcome_unknown());
        assert_eq!(
            err.to_string(),
            "payment request may have been sent (reference REF-0001): timed out"
        );
        assert!(err.transport_error().is_some());
    }

    #[test]
    fn the_chain_never_repeats_itself() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "os says refused");
        let err = Error::Transport {
            operation: Operation::Status,
            reference: None,
            source: TransportError::new(TransportErrorKind::Connect, Delivery::NotSent)
                .with_reason("connection refused by 127.0.0.1:9")
                .with_source(io),
        };
        let mut chain = vec![err.to_string()];
        let mut next = StdError::source(&err);
        while let Some(e) = next {
            chain.push(e.to_string());
            next = e.source();
        }
        assert_eq!(
            chain,
            [
                "status request not sent: connection refused by 127.0.0.1:9",
                "os says refused"
            ]
        );
        let setup = Error::setup("the HTTP transport", std::io::Error::other("no roots"));
        assert_eq!(
            setup.to_string(),
            "could not set up the HTTP transport: no roots"
        );
        assert!(StdError::source(&setup).is_none());
        assert_eq!(setup.delivery(), Delivery::NotSent);
    }

    #[test]
    fn messages_name_the_field() {
        let err = Error::invalid_argument("amount", "a positive whole number of XOF");
        assert_eq!(
            err.to_string(),
            "invalid amount: expected a positive whole number of XOF"
        );
        assert_eq!(err.delivery(), Delivery::NotSent);
        assert!(err.is_invalid_input());
    }
}
