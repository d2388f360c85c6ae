//! Benin carriers for the QosIc SDK: MTN, MOOV and Celtiis.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod numbering;
