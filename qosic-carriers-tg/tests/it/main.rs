//! The Togo carriers' integration tests: one binary.

mod answers;
mod lookups;
mod mock;
mod requests;
mod routing;
