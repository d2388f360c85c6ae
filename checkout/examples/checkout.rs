//! The reference checkout: a shop that takes mobile-money payments through QosIc without
//! blocking, follows each one live, survives crashes and restarts, and runs on several servers.
//!
//! ```text
//! cargo run --example checkout                                  # http://127.0.0.1:3000, SQLite under target/
//! cargo run --example checkout -- --listen 127.0.0.1:0          # a free port
//! cargo run --example checkout -- --database postgres://shop:shop@127.0.0.1:5432/shop
//! ```
//!
//! The code is the `qosic-checkout` crate (`checkout/src/`); its docs explain the design.

fn main() -> std::process::ExitCode {
    qosic_checkout::cli::main()
}
