//! The Togo carriers' integration tests: one binary.

mod answers;
mod mock;
mod requests;
mod routing;
