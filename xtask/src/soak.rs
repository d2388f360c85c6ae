//! `cargo xtask soak`: the SDK's fault soak at full size, in release mode.
//!
//! Runs the `soak` program of `qosic-bench` (`benches/src/bin/soak.rs`, on `qosic_bench::soak`):
//! payments, refunds and deposits through the SDK and its HTTP transport against the fake
//! server, with faults on a share of the requests, then the SDK's promises checked against the
//! server's books. The program prints the seed first and the figures last, and exits non-zero
//! when a promise broke.

use crate::cmd;
use crate::flags::SoakFlags;
use crate::Result;

/// The cargo arguments that run the soak with `flags`.
pub(crate) fn cargo_args(flags: &SoakFlags) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--release",
        "-p",
        "qosic-bench",
        "--bin",
        "soak",
        "--",
    ]
    .map(str::to_owned)
    .to_vec();
    for (flag, value) in [
        ("--seed", flags.seed),
        ("--payments", flags.payments),
        ("--concurrency", flags.concurrency),
    ] {
        if let Some(value) = value {
            args.push(flag.to_owned());
            args.push(value.to_string());
        }
    }
    args
}

/// Runs the soak from `root`, the workspace.
pub(crate) fn run(root: &std::path::Path, flags: &SoakFlags) -> Result<()> {
    let sh = cmd::shell(root)?;
    cmd::run(cmd::cargo(&sh).args(cargo_args(flags)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_flags_given_are_passed() {
        let none = SoakFlags {
            seed: None,
            payments: None,
            concurrency: None,
        };
        assert_eq!(
            cargo_args(&none).join(" "),
            "run --release -p qosic-bench --bin soak --"
        );
        let all = SoakFlags {
            seed: Some(42),
            payments: Some(50_000),
            concurrency: Some(128),
        };
        assert!(cargo_args(&all)
            .join(" ")
            .ends_with("soak -- --seed 42 --payments 50000 --concurrency 128"));
    }
}
