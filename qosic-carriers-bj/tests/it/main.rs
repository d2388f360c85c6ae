//! The Benin carriers' integration tests: one binary.

mod lookups;
mod requests;
mod routing;
