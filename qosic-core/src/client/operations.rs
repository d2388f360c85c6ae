//! The merchant's other operations: who holds a number ([`Client::account_holder`]), the
//! balance available to withdraw ([`Client::balance`]), and card payments
//! ([`Client::card_checkout`], [`Client::card_status`]).
//!
//! None of them moves money by itself, so none is ever retried or polled here: each sends one
//! request and reads one answer. The account-holder and balance requests are rows of the
//! carrier's spec (`MobileCarrier::account_holder`, `MobileCarrier::balance`): a carrier
//! without the route refuses with [`Error::Unsupported`] before any I/O.

use std::sync::Arc;

use tracing::Instrument;

use super::Client;
use crate::account::{
    read_balance, read_holder, AccountHolder, Balance, BalanceReading, Holder, HolderReading,
};
use crate::card::{self, CardCheckout, CardPayment, CardSession, InitReading, CARD_INIT_PATH};
use crate::carrier::{MobileCarrier, Operation, Verdict};
use crate::error::Error;
use crate::outcome::RawResponse;
use crate::transport::{ApiRequest, ApiResponse, BaseUrl};
use crate::types::{Amount, TransactionRef};
use crate::wire::excerpt;

impl Client {
    /// Who holds the account of `phone`: first name, last name and account status, or
    /// [`AccountHolder::NotFound`] when the number has no mobile-money account (an answer,
    /// not an error).
    ///
    /// The carrier is the first configured one that serves the number (MTN's
    /// `getaccountholderinfo`, MOOV's `getaccountholderinfomv`); [`Client::account_holder_on`]
    /// names it, for ported numbers. Check a number you have never paid before a deposit to
    /// it: compare the name with the one your customer gave.
    ///
    /// Errors as for payments: a wrong login or client id, a server error, another refusal,
    /// or an unreadable answer ([`Error::Unreadable`]), each saying why; [`Error::Unsupported`]
    /// for a carrier without the lookup (Celtiis, Togo's carriers).
    pub async fn account_holder(&self, phone: &str) -> Result<AccountHolder, Error> {
        self.holder_lookup(None, phone).await
    }

    /// [`Client::account_holder`] with the carrier named (`"MTN"`, `"MOOV"`).
    pub async fn account_holder_on(
        &self,
        carrier: &str,
        phone: &str,
    ) -> Result<AccountHolder, Error> {
        self.holder_lookup(Some(carrier), phone).await
    }

    async fn holder_lookup(
        &self,
        carrier: Option<&str>,
        phone: &str,
    ) -> Result<AccountHolder, Error> {
        let phone = self.parse_phone(phone)?;
        let carrier = self.find_carrier(carrier, &phone)?;
        let wire = carrier.account_holder(&phone)?;
        let span = tracing::info_span!("qosic", op = "account_holder", carrier = carrier.name(), phone = %phone.masked());
        async {
            let base = self.inner.base_url.clone();
            let response = self
                .exchange(Operation::AccountHolder, &base, wire.path, wire.body, None)
                .await?;
            if !(200..300).contains(&response.status) {
                if response.status == 417 {
                    return Ok(AccountHolder::NotFound { phone });
                }
                return Err(carrier_refusal(
                    &carrier,
                    Operation::AccountHolder,
                    &response,
                ));
            }
            let status = response.status;
            match read_holder(&response.body) {
                HolderReading::Found {
                    first_name,
                    last_name,
                    status,
                } => Ok(AccountHolder::Found(Holder::new(
                    phone, first_name, last_name, status,
                ))),
                HolderReading::NotFound => Ok(AccountHolder::NotFound { phone }),
                HolderReading::InvalidClientId => Err(Error::InvalidClientId {
                    carrier: carrier.name().to_owned(),
                    reference: None,
                }),
                HolderReading::Refused { code, message } => Err(Error::Rejected {
                    operation: Operation::AccountHolder,
                    status,
                    code,
                    message,
                    reference: None,
                }),
                // The body may hold names: only why it was unreadable is shown.
                HolderReading::Unreadable(why) => Err(Error::Unreadable {
                    operation: Operation::AccountHolder,
                    status,
                    detail: why.to_owned(),
                    reference: None,
                }),
            }
        }
        .instrument(span)
        .await
    }

    /// The amount available to withdraw on the merchant's account with `carrier` (its name:
    /// `"MTN"`, `"MOOV"`), sent with that carrier's client id.
    ///
    /// Errors as for payments; [`Error::Unsupported`] for a carrier without the route.
    pub async fn balance(&self, carrier: &str) -> Result<Balance, Error> {
        let carrier = self.named_carrier(carrier)?;
        let wire = carrier.balance()?;
        let span = tracing::info_span!("qosic", op = "balance", carrier = carrier.name());
        async {
            let base = self.inner.base_url.clone();
            let response = self
                .exchange(Operation::Balance, &base, wire.path, wire.body, None)
                .await?;
            if !(200..300).contains(&response.status) {
                return Err(carrier_refusal(&carrier, Operation::Balance, &response));
            }
            let status = response.status;
            match read_balance(&response.body) {
                BalanceReading::Amount { xof, code, message } => Ok(Balance {
                    carrier: carrier.name().to_owned(),
                    xof,
                    code,
                    message,
                }),
                BalanceReading::InvalidClientId => Err(Error::InvalidClientId {
                    carrier: carrier.name().to_owned(),
                    reference: None,
                }),
                BalanceReading::Refused { code, message } => Err(Error::Rejected {
                    operation: Operation::Balance,
                    status,
                    code,
                    message,
                    reference: None,
                }),
                BalanceReading::Unreadable(detail) => Err(Error::Unreadable {
                    operation: Operation::Balance,
                    status,
                    detail,
                    reference: None,
                }),
            }
        }
        .instrument(span)
        .await
    }

    /// Starts a card payment on QosIc's hosted card page and returns where to send the
    /// customer ([`CardSession::url`]) and the payment's reference.
    ///
    /// Needs the merchant's card key (`ClientBuilder::card_key`, or `QOSIC_CARD_KEY` with
    /// `qosic::from_env()`). Sent once, never retried: after [`Error::delivery`] says the
    /// request may have been sent, check [`Client::card_status`] of [`Error::reference`].
    pub async fn card_checkout(&self, checkout: CardCheckout) -> Result<CardSession, Error> {
        let settings = self.card_settings()?;
        let amount = Amount::new(checkout.amount)?;
        let return_url = checkout.return_url.trim();
        if BaseUrl::parse(return_url.split(['?', '#']).next().unwrap_or("")).is_err() {
            return Err(Error::invalid_argument(
                "return_url",
                "an absolute http:// or https:// URL of your site, the page the customer \
                 comes back to",
            ));
        }
        let reference = match checkout.reference.clone() {
            Some(given) => TransactionRef::new(given)?,
            None => TransactionRef::new(crate::carrier::References::default().next())?,
        };
        let body = card::init_body(&checkout, &reference, &settings.key);
        let span = tracing::info_span!("qosic", op = "card_checkout", reference = %reference, amount = amount.xof());
        async {
            let response = self
                .exchange(
                    Operation::CardCheckout,
                    &settings.base_url,
                    CARD_INIT_PATH.to_owned(),
                    body,
                    Some(&reference),
                )
                .await?;
            let status = response.status;
            if !(200..300).contains(&response.status) {
                return Err(card_refusal(Operation::CardCheckout, &response, &reference));
            }
            match card::read_init(&response.body) {
                InitReading::Started { url, status } => Ok(CardSession {
                    url,
                    reference: reference.clone(),
                    status,
                }),
                InitReading::InvalidKey => Err(Error::InvalidCardKey {
                    reference: Some(reference.clone()),
                }),
                InitReading::Unreadable(detail) => Err(Error::Unreadable {
                    operation: Operation::CardCheckout,
                    status,
                    detail,
                    reference: Some(reference.clone()),
                }),
            }
        }
        .instrument(span)
        .await
    }

    /// Checks a card payment's status once (both answer shapes on record are read; any other
    /// answer is [`Status::Unknown`](crate::Status::Unknown) with the body kept).
    pub async fn card_status(&self, reference: &str) -> Result<CardPayment, Error> {
        let settings = self.card_settings()?;
        let reference = TransactionRef::new(reference)?;
        let body = card::status_body(&reference, &settings);
        let span = tracing::info_span!("qosic", op = "card_status", reference = %reference);
        async {
            let base = self.inner.base_url.clone();
            let response = self
                .exchange(
                    Operation::CardStatus,
                    &base,
                    settings.status_path.clone(),
                    body,
                    Some(&reference),
                )
                .await?;
            if !(200..300).contains(&response.status) {
                return Err(card_refusal(Operation::CardStatus, &response, &reference));
            }
            let Some((status, code, message)) = card::read_status(&response.body) else {
                return Err(Error::InvalidCardKey {
                    reference: Some(reference.clone()),
                });
            };
            Ok(CardPayment {
                reference: reference.clone(),
                status,
                code,
                message,
                raw: RawResponse::new(response.status, response.body),
            })
        }
        .instrument(span)
        .await
    }

    fn card_settings(&self) -> Result<card::CardSettings, Error> {
        self.inner.card.clone().ok_or_else(|| {
            Error::config(
                "card key",
                "the merchant's card key (qosKey), from ClientBuilder::card_key or \
                 QOSIC_CARD_KEY with qosic::from_env(), to take card payments",
            )
        })
    }

    fn named_carrier(&self, name: &str) -> Result<Arc<dyn MobileCarrier>, Error> {
        self.inner
            .carriers
            .iter()
            .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
            .cloned()
            .ok_or_else(|| {
                Error::invalid_argument(
                    "carrier",
                    format!("one of the configured carriers: {}", self.carrier_names()),
                )
            })
    }

    /// Sends one request and returns the answer, whatever its HTTP status; a transport
    /// failure is an [`Error::Transport`] saying whether the request may have been sent.
    async fn exchange(
        &self,
        operation: Operation,
        base: &BaseUrl,
        path: String,
        body: Vec<u8>,
        reference: Option<&TransactionRef>,
    ) -> Result<ApiResponse, Error> {
        tracing::debug!(path = %path, "sending {operation} request");
        let request = ApiRequest::to(base, path, self.inner.credentials.clone(), body);
        match (*self.inner.transport).send(request).await {
            Ok(response) => {
                tracing::debug!(http_status = response.status, "{operation} answer");
                Ok(response)
            }
            Err(source) => Err(Error::Transport {
                operation,
                reference: reference.cloned(),
                source,
            }),
        }
    }
}

/// The error of a non-2xx answer to a carrier's lookup, as payments read them.
fn carrier_refusal(
    carrier: &Arc<dyn MobileCarrier>,
    operation: Operation,
    response: &ApiResponse,
) -> Error {
    let reply = carrier.read(operation, response);
    let message = || {
        reply
            .message
            .as_deref()
            .map(|m| crate::wire::mask_numbers(m).into_owned())
            .unwrap_or_else(|| excerpt(&response.body, 200))
    };
    match reply.verdict {
        Verdict::InvalidCredentials => Error::InvalidCredentials { reference: None },
        Verdict::InvalidClientId => Error::InvalidClientId {
            carrier: carrier.name().to_owned(),
            reference: None,
        },
        Verdict::ServerError => Error::ServerError {
            status: Some(response.status),
            reason: message(),
            reference: None,
        },
        Verdict::Unreadable => Error::Unreadable {
            operation,
            status: response.status,
            detail: format!("unexpected HTTP status: {}", excerpt(&response.body, 200)),
            reference: None,
        },
        _ => Error::Rejected {
            operation,
            status: response.status,
            code: reply.code.clone(),
            message: message(),
            reference: None,
        },
    }
}

/// The error of a non-2xx answer to a card call.
fn card_refusal(operation: Operation, response: &ApiResponse, reference: &TransactionRef) -> Error {
    let reference = Some(reference.clone());
    let body = crate::account::object(&response.body);
    let field = |key: &str| body.as_ref().and_then(|m| crate::account::text(m, key));
    let code = field("responsecode").or_else(|| field("status"));
    let message = field("responsemsg")
        .or_else(|| field("detail"))
        .or_else(|| field("message"))
        .map(|m| crate::wire::mask_numbers(&m).into_owned());
    let bad_key = crate::account::numeric(code.as_deref()) == Some(-2)
        || message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("qoskey"));
    match response.status {
        401 => Error::InvalidCredentials { reference },
        500..=599 => Error::ServerError {
            status: Some(response.status),
            reason: message.unwrap_or_else(|| excerpt(&response.body, 200)),
            reference,
        },
        _ if bad_key => Error::InvalidCardKey { reference },
        status => Error::Rejected {
            operation,
            status,
            code,
            message: message.unwrap_or_else(|| excerpt(&response.body, 200)),
            reference,
        },
    }
}

#[cfg(test)]
#[path = "operations_tests.rs"]
mod tests;
