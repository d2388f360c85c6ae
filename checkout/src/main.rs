//! The checkout as a binary, `qosic-checkout` (the tests start it to kill it); the same
//! program as `cargo run --example checkout`. See the crate docs.

fn main() -> std::process::ExitCode {
    qosic_checkout::cli::main()
}
