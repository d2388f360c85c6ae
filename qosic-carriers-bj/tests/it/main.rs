//! The Benin carriers' integration tests: one binary.

mod requests;
mod routing;
