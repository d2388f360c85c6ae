//! The fault soak (`qosic_bench::soak`): payments, refunds and deposits through the SDK and
//! its HTTP transport against the fake QosIc server, with faults on a share of the requests,
//! then the SDK's promises checked against the server's books.
//!
//! ```text
//! cargo xtask soak                                        # 20,000 jobs, a random seed (printed)
//! cargo xtask soak --seed 42 --payments 50000 --concurrency 128
//! cargo run --release -p qosic-bench --bin soak -- --help
//! ```
//!
//! The first line on stdout names the seed, before anything runs; the report follows.
//! Exit status: 0 when every invariant held, 1 when one broke (the report lists the breaches),
//! 2 on bad arguments, 3 when the soak could not be set up.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qosic_bench::soak::{self, Settings};

/// Runs a fault soak against an embedded fake QosIc server and checks the SDK's promises.
///
/// Exit status: 0 every invariant held, 1 one broke, 2 bad arguments, 3 setup failed.
#[derive(Debug, clap::Parser)]
#[command(name = "soak", version)]
struct Args {
    /// The seed of the plan (jobs and faults); a random one when not given. The same seed
    /// and number of payments replay the same faults on the same requests
    #[arg(long)]
    seed: Option<u64>,
    /// How many jobs (pay, pay then refund, deposit) to run
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    payments: u64,
    /// How many jobs run at once (the fake server serves 512 connections at most)
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=256))]
    concurrency: u64,
    /// The share of requests that get a fault, in percent
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=100))]
    fault_percent: u32,
    /// The HTTP transport's timeout per request, in milliseconds
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    timeout_ms: u64,
    /// The polling window, in milliseconds
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    window_ms: u64,
    /// The time between two status checks, in milliseconds
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    step_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(soak::random_seed);
    let settings = Settings {
        seed,
        payments: usize::try_from(args.payments).unwrap_or(usize::MAX),
        concurrency: usize::try_from(args.concurrency).unwrap_or(1),
        fault_percent: args.fault_percent,
        timeout: Duration::from_millis(args.timeout_ms),
        window: Duration::from_millis(args.window_ms),
        step: Duration::from_millis(args.step_ms),
    };
    println!(
        "fault soak: seed {seed}, {} jobs, {} at once",
        settings.payments, settings.concurrency
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(soak::run(&settings)) {
        Ok(report) => {
            println!("{report}");
            if report.violation_count() == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: {} breach(es) of the SDK's promises with seed {seed}",
                    report.violation_count()
                );
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}
