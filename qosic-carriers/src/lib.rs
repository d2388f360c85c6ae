//! Every country's QosIc carriers in one place: a module and a feature per country.
//!
//! | feature | module | carriers |
//! |---|---|---|
//! | `benin` (default) | [`benin`] (`qosic-carriers-bj`) | MTN MoMo, Moov Money, Celtiis Cash |
//! | `togo` (default) | [`togo`] (`qosic-carriers-tg`) | T-Money (Togocel, Yas), Flooz (Moov Africa) |
//!
//! [`specs`] lists the carriers of the countries built in, as the SDK describes them
//! ([`CarrierSpec`]): the `qosic` facade configures them from the environment, and the fake
//! server (`qosic-mock`) serves exactly these. Most applications add the `qosic` crate, which
//! re-exports [`countries`] under the same names and features.
//!
//! ```
//! let names: Vec<&str> = qosic_carriers::specs().map(|s| s.name()).collect();
//! # #[cfg(all(feature = "benin", feature = "togo"))]
//! assert_eq!(names, ["MTN", "MOOV", "CELTIIS", "TMONEY", "FLOOZ"]);
//! ```
//!
//! # Adding a country
//!
//! Its crate, `qosic-carriers-<cc>`, exports its carriers and their `SPECS`; here it is an
//! optional dependency, a feature of the country's name that the default feature enables,
//! and a line in [`countries`] and in `COUNTRIES` below; the `qosic` facade gets the same
//! feature. Nothing else names a country crate (`cargo xtask tidy` checks it): the fake
//! server and the facade's `from_env` follow [`specs`].
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use qosic_core::carrier::CarrierSpec;

// Empty in a build without any country feature.
#[allow(unused_imports, unreachable_pub)]
pub use countries::*;

/// The countries built in, one module each; the `qosic` facade re-exports them all with
/// `pub use qosic_carriers::countries::*`.
pub mod countries {
    #[cfg(feature = "benin")]
    #[cfg_attr(docsrs, doc(cfg(feature = "benin")))]
    #[doc(inline)]
    pub use qosic_carriers_bj as benin;

    #[cfg(feature = "togo")]
    #[cfg_attr(docsrs, doc(cfg(feature = "togo")))]
    #[doc(inline)]
    pub use qosic_carriers_tg as togo;
}

/// The carriers of each country built in, in order.
const COUNTRIES: &[&[&CarrierSpec]] = &[
    #[cfg(feature = "benin")]
    qosic_carriers_bj::SPECS,
    #[cfg(feature = "togo")]
    qosic_carriers_tg::SPECS,
];

/// The carriers of the countries built in (this crate's features), country by country.
///
/// ```
/// # #[cfg(feature = "togo")]
/// assert!(qosic_carriers::specs().any(|s| s.client_id_var() == "QOSIC_FLOOZ_CLIENT_ID"));
/// ```
pub fn specs() -> impl Iterator<Item = &'static CarrierSpec> + Clone {
    COUNTRIES.iter().flat_map(|specs| specs.iter().copied())
}
