//! Togo carriers for the QosIc SDK: [`TMoney`] (T-Money of Togocel, now Yas) and [`Flooz`]
//! (Moov Africa Togo).
//!
//! Like every QosIc carrier, each is a thin type over `qosic_core`'s machinery
//! ([`QosicCarrier`](qosic_core::carrier::QosicCarrier)) and a [`CarrierSpec`]: its
//! endpoints, how it answers, which numbers it serves ([`numbering`]). It does no I/O: give
//! it to a [`qosic_core::Client`] with a transport.
//!
//! # Brief overview
//!
//! | carrier | payment | status | refund | deposit |
//! |---|---|---|---|---|
//! | [`TMoney`] | `tm/v1/requestpayment` (or `user/…`: [`TMoneyPaths`]), 202 then polled | `tm/v1/gettransactionstatus` | not supported | `tm/v1/deposit` |
//! | [`Flooz`] | `tg/v1/requestpayment`, 202 then polled | `tg/v1/gettransactionstatus` | not supported | `tg/v1/deposit` |
//!
//! Both answer 202 and code `01` at initiation and are polled like MTN; a status answers
//! `00` when approved and `02` when failed; their answers carry no `serviceref`. Numbers
//! are `228` + 8 digits, sent as given (`22890000100`; see `PhoneFormat` for the local
//! form). Refunds are not offered by the public record for Togo: the client answers
//! [`Error::Unsupported`] before any I/O.
//!
//! **Number portability.** Togo has had it since 2024, so routing by prefix (Togocel 70,
//! 71, 72, 73, 90–93, 97; Moov Africa 78, 79, 96, 98, 99) is a hint. Name the carrier of a
//! ported number: `PaymentRequest::new(phone, amount).carrier("FLOOZ")`. A payment sent to
//! the wrong carrier gets code `515`, read as an error that says so.
//!
//! ```
//! use qosic_carriers_tg::{Flooz, TMoney};
//! use qosic_core::{MobileCarrier, Msisdn};
//!
//! let (tmoney, flooz) = (TMoney::new("TMONEY_CLIENT_ID")?, Flooz::new("FLOOZ_CLIENT_ID")?);
//! let phone = Msisdn::parse("+228 90 00 01 00")?;
//! assert!(tmoney.serves(&phone) && !flooz.serves(&phone));
//! # Ok::<(), qosic_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod flooz;
pub mod numbering;
mod tmoney;

use std::sync::Arc;

use qosic_core::carrier::{AnswerCode, CarrierSpec};
use qosic_core::{Error, MobileCarrier, Verdict};

pub use flooz::Flooz;
pub use tmoney::{TMoney, TMoneyPaths};

/// The Togo carriers' descriptions: T-Money, Flooz.
pub const SPECS: &[&CarrierSpec] = &[&TMoney::SPEC, &Flooz::SPEC];

/// The codes Togo's carriers answer at initiation beyond QosIc's common ones, and how they
/// are read (PROTOCOL.md, section 3):
///
/// | code | meaning | read as | what the caller gets |
/// |---|---|---|---|
/// | `515` | wrong network for the number | `Rejected` | `Error::Rejected`: name the number's carrier (it may be ported) |
/// | `527` | network issue | `ServerError` | `Error::ServerError`, with the reference: check its status before paying again |
/// | `580` | receiver limit exceeded | `Failed` | a failed outcome (nothing moved) |
/// | `682` | internal error | `ServerError` | `Error::ServerError`, with the reference: check its status before paying again |
/// | `849` | validation failed | `Rejected` | `Error::Rejected` |
/// | `401` | authentication failed | `InvalidCredentials` | `Error::InvalidCredentials` |
///
/// The meaning is added to the message QosIc sent, so an error says why in plain words.
pub const CODES: &[AnswerCode] = &[
    AnswerCode {
        code: "515",
        verdict: Verdict::Rejected,
        meaning: "wrong network for the number: it may have been ported to another carrier; \
                  name its carrier",
    },
    AnswerCode {
        code: "527",
        verdict: Verdict::ServerError,
        meaning: "network issue at the operator: check the status of this reference before \
                  paying again",
    },
    AnswerCode {
        code: "580",
        verdict: Verdict::Failed,
        meaning: "the receiver's limit is exceeded",
    },
    AnswerCode {
        code: "682",
        verdict: Verdict::ServerError,
        meaning: "internal error at the operator: check the status of this reference before \
                  paying again",
    },
    AnswerCode {
        code: "849",
        verdict: Verdict::Rejected,
        meaning: "the operator's validation of the request failed",
    },
    AnswerCode {
        code: "401",
        verdict: Verdict::InvalidCredentials,
        meaning: "authentication failed",
    },
];

/// The carriers whose client ids are set in the environment: `QOSIC_TMONEY_CLIENT_ID`,
/// `QOSIC_FLOOZ_CLIENT_ID` (in that order). Fails when none is set, naming both, or when one
/// is invalid, naming it.
pub fn from_env() -> Result<Vec<Arc<dyn MobileCarrier>>, Error> {
    qosic_core::carrier::from_env(SPECS)
}
