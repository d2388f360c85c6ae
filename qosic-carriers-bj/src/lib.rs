//! Benin carriers for the QosIc SDK: [`Mtn`] (MTN MoMo), [`Moov`] (Moov Money) and
//! [`Celtiis`] (Celtiis Cash).
//!
//! Each carrier is a thin type over `qosic_core`'s QosIc machinery
//! ([`QosicCarrier`](qosic_core::carrier::QosicCarrier)): a
//! [`CarrierSpec`] says what it is on the wire (its
//! endpoints, how it answers, which numbers it serves: the [`numbering`] plan, legacy 8-digit
//! and 10-digit since 30 November 2024), and the machinery builds its requests and reads
//! QosIc's answers. It does no I/O: give it to a [`qosic_core::Client`] with a transport.
//!
//! # Brief overview
//!
//! | carrier | payment | status | refund | deposit |
//! |---|---|---|---|---|
//! | [`Mtn`] | `user/requestpayment`, 202 then polled | `user/gettransactionstatus` (or `V2`) | `user/refund` | `user/deposit` |
//! | [`Moov`] | `user/requestpaymentmv`, synchronous | `user/gettransactionstatus2mv` | not supported | `user/depositmv` |
//! | [`Celtiis`] | `sb/v1/requestpayment`, polled | `sb/v1/gettransactionstatus` | not supported | not supported |
//!
//! Settings shared by all three (and by every QosIc carrier): [`PhoneFormat`] (which form
//! of the number goes on the wire; default: as the caller wrote it), the polling policy, a
//! reference factory and a maximum amount.
//!
//! ```
//! use qosic_carriers_bj::{Moov, Mtn};
//! use qosic_core::{Client, MobileCarrier, Msisdn};
//!
//! let mtn = Mtn::new("MTN_CLIENT_ID")?;
//! assert!(mtn.serves(&Msisdn::parse("2290197000000")?));
//! assert!(!mtn.serves(&Msisdn::parse("22995000000")?));
//! # Ok::<(), qosic_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod celtiis;
mod moov;
mod mtn;
pub mod numbering;

use std::sync::Arc;

use qosic_core::carrier::CarrierSpec;
use qosic_core::{Error, MobileCarrier};

pub use celtiis::Celtiis;
pub use moov::Moov;
pub use mtn::{Mtn, StatusEndpoint};
/// Which form of the number goes on the wire; shared by every QosIc carrier (it lives in
/// `qosic_core::carrier`).
pub use qosic_core::carrier::PhoneFormat;

/// The Benin carriers' descriptions: MTN, MOOV, Celtiis.
pub const SPECS: &[&CarrierSpec] = &[&Mtn::SPEC, &Moov::SPEC, &Celtiis::SPEC];

/// The carriers whose client ids are set in the environment: `QOSIC_MTN_CLIENT_ID`,
/// `QOSIC_MOOV_CLIENT_ID`, `QOSIC_CELTIIS_CLIENT_ID` (in that order). Fails when none is set,
/// naming the three, or when one is invalid, naming it.
pub fn from_env() -> Result<Vec<Arc<dyn MobileCarrier>>, Error> {
    qosic_core::carrier::from_env(SPECS)
}
