//! Runnable examples of the QosIc SDK: see `pay.rs`.
