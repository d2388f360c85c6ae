//! Benin carriers for the QosIc SDK: [`Mtn`] (MTN MoMo), [`Moov`] (Moov Money) and
//! [`Celtiis`] (Celtiis Cash).
//!
//! Each carrier implements [`qosic_core::MobileCarrier`]: it knows its endpoints, its request
//! bodies, how to read QosIc's answers and which numbers it serves (the [`numbering`] plan,
//! legacy 8-digit and 10-digit since 30 November 2024). It does no I/O: give it to a
//! [`qosic_core::Client`] with a transport.
//!
//! # Brief overview
//!
//! | carrier | payment | status | refund | deposit |
//! |---|---|---|---|---|
//! | [`Mtn`] | `user/requestpayment`, 202 then polled | `user/gettransactionstatus` (or `V2`) | `user/refund` | `user/deposit` |
//! | [`Moov`] | `user/requestpaymentmv`, synchronous | `user/gettransactionstatus2mv` | not supported | `user/depositmv` |
//! | [`Celtiis`] | `sb/v1/requestpayment`, polled | `sb/v1/gettransactionstatus` | not supported | not supported |
//!
//! Settings shared by all three: [`PhoneFormat`] (which form of the number goes on the wire;
//! default: as the caller wrote it), a reference factory and a maximum amount.
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
mod common;
mod moov;
mod mtn;
pub mod numbering;

use std::sync::Arc;

use qosic_core::{Error, MobileCarrier};

pub use celtiis::Celtiis;
pub use common::PhoneFormat;
pub use moov::Moov;
pub use mtn::{Mtn, StatusEndpoint};

/// The carriers whose client ids are set in the environment: `QOSIC_MTN_CLIENT_ID`,
/// `QOSIC_MOOV_CLIENT_ID`, `QOSIC_CELTIIS_CLIENT_ID` (in that order). Fails when none is set
/// or one is invalid.
pub fn from_env() -> Result<Vec<Arc<dyn MobileCarrier>>, Error> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut carriers = Vec::new();
    if let Some(id) = var("QOSIC_MTN_CLIENT_ID") {
        carriers.push(common::shared(Mtn::new(id.trim())?));
    }
    if let Some(id) = var("QOSIC_MOOV_CLIENT_ID") {
        carriers.push(common::shared(Moov::new(id.trim())?));
    }
    if let Some(id) = var("QOSIC_CELTIIS_CLIENT_ID") {
        carriers.push(common::shared(Celtiis::new(id.trim())?));
    }
    if carriers.is_empty() {
        return Err(Error::config(
            "QOSIC_MTN_CLIENT_ID",
            "at least one of QOSIC_MTN_CLIENT_ID, QOSIC_MOOV_CLIENT_ID or QOSIC_CELTIIS_CLIENT_ID in the environment",
        ));
    }
    Ok(carriers)
}
