//! The benchmarks of qosic-rs: `cargo xtask bench [-- FLAGS]` runs this program in release.
//!
//! ```text
//! cargo xtask bench                    # all six, then the table (about 3 minutes)
//! cargo xtask bench --only 1,4 --quick # some of them, with smaller runs
//! ```
//!
//! Each figure is a ratio or a distribution measured within one run, with the baseline and
//! the subject interleaved over several rounds (medians reported), so that it holds on a
//! noisy machine. `docs/BENCHMARKS.md` explains each one and keeps the latest results.
//!
//! 1. SDK overhead: SDK pay flows/s ÷ the same two requests with bare reqwest (goal ≥ 0.9
//!    sequentially and at concurrency 32), and CPU per flow (goal ≤ 1.25× at concurrency 32).
//! 2. The Python `qosic-sdk` (from PyPI, in `target/bench-venv`): sequential flows/s ratio,
//!    the Rust SDK at concurrency 64, and client CPU per flow (goal: ≥ 20× less at
//!    concurrency 32 than Python's).
//! 3. 100,000 payments pending at once over HTTP: memory per payment (<= 2 KiB), CPU, the
//!    mock's memory, and the lateness of status checks (p99 < 50 ms).
//! 4. qosic-mock's status requests/s ÷ a minimal hyper server's (goal ≥ 0.75), and its
//!    resident set after each round (flat); `--other-mock PATH` measures a second build of
//!    the mock in the same rounds.
//! 5. 1,000 flows with a 2-minute window on the paused clock, in-process (goal < 1 s).
//! 6. The testing anchor: 1,000 flows against qosic-mock in-process (paused clock), over
//!    loopback HTTP, and against wiremock-rs stubs; wall times and ratios.
//!
//! Benchmarks 1 to 4 run against the `qosic-mock` binary as a child process (built with
//! `cargo build --release -p qosic-mock --features cli` unless `--mock-bin` or `QOSIC_MOCK_BIN` names one),
//! so that this process's memory and CPU are the SDK's alone. Everything is on loopback,
//! bounded in count and time, and stops by itself.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

mod anchor;
mod common;
mod mockload;
mod overhead;
mod python;
mod scale;
mod suite;

use clap::Parser;
use common::Row;

/// The benchmarks of qosic-rs (docs/BENCHMARKS.md): 1 SDK overhead against bare reqwest,
/// 2 against the Python SDK, 3 payments pending at once, 4 the fake server under load,
/// 5 test-suite speed on a paused clock, 6 against the testing anchor (wiremock).
/// Prints a Markdown table of the results.
#[derive(Debug, Parser)]
#[command(name = "bench", bin_name = "cargo xtask bench", version)]
struct Args {
    /// Which benchmarks, numbers from 1 to 6 separated by commas, e.g. 1,3,5
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        value_parser = clap::value_parser!(u8).range(1..=6),
        default_value = "1,2,3,4,5,6"
    )]
    only: Vec<u8>,
    /// Smaller runs (a smoke test; figures are noisier)
    #[arg(long)]
    quick: bool,
    /// Interleaved rounds per ratio, a positive whole number
    #[arg(
        long,
        value_name = "N",
        default_value = "5",
        value_parser = positive,
        allow_negative_numbers = true,
    )]
    rounds: usize,
    /// Payments pending at once in benchmark 3, a positive whole number
    #[arg(
        long,
        value_name = "N",
        default_value = "100000",
        value_parser = positive,
        allow_negative_numbers = true,
    )]
    payments: usize,
    /// The qosic-mock binary [default: $QOSIC_MOCK_BIN, or build it with cargo]
    #[arg(long, value_name = "PATH")]
    mock_bin: Option<PathBuf>,
    /// A second qosic-mock binary (another build or branch), measured beside the first in
    /// benchmark 4's rounds
    #[arg(long, value_name = "PATH")]
    other_mock: Option<PathBuf>,
}

fn positive(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a positive whole number".to_owned()),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB RAM", kib / 1048576.0))
        })
        .unwrap_or_else(|| "unknown RAM".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{date}; {cores} cores, {cpu}, {memory}")
}

fn print_table(rows: &[Row]) {
    println!("\n| # | benchmark | figure | goal | result |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let result = match r.pass {
            Some(true) => "pass",
            Some(false) => "MISS",
            None => "-",
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            r.number, r.name, r.figure, r.goal, result
        );
    }
    println!();
    for r in rows {
        for d in &r.details {
            println!("- {}: {d}", r.number);
        }
    }
}

fn run(args: &Args) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let wants = |n: u8| args.only.contains(&n);
    let rounds = if args.quick {
        args.rounds.min(3)
    } else {
        args.rounds
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build a runtime: {e}"))?;
    let mock_bin = if (1..=4).any(wants) {
        Some(common::mock_binary(args.mock_bin.as_deref())?)
    } else {
        None
    };
    if let Some(bin) = &mock_bin {
        if wants(1) || wants(2) {
            // Benchmark 2's CPU slopes run over 100,000 flows: room for all of them.
            let mock = common::Server::spawn(bin, &["--max-transactions=1000000"])?;
            if wants(1) {
                eprintln!("bench 1: SDK overhead against bare reqwest…");
                rows.push(runtime.block_on(overhead::run(&mock.url, args.quick, rounds)));
            }
            if wants(2) {
                eprintln!("bench 2: against the Python SDK…");
                rows.push(runtime.block_on(python::run_bench(
                    &mock.url,
                    args.quick,
                    rounds.min(3),
                )));
            }
        }
        if wants(3) {
            eprintln!("bench 3: {} payments pending at once…", args.payments);
            let payments = if args.quick {
                args.payments.min(2000)
            } else {
                args.payments
            };
            // Room for the payments and the warm-up's (qosic-mock keeps 100,000 by default).
            let room = format!("--max-transactions={}", payments + 10_000);
            let mock = common::Server::spawn(bin, &[&room])?;
            let scale = scale::Scale {
                payments,
                step: scale::step_for(payments),
                checks: 4,
            };
            rows.push(runtime.block_on(scale::run(&mock.url, mock.pid(), scale)));
        }
        if wants(4) {
            eprintln!("bench 4: the mock under load…");
            rows.push(runtime.block_on(mockload::run(
                bin,
                args.other_mock.as_deref(),
                args.quick,
                rounds,
            )));
        }
    }
    drop(runtime);
    if wants(5) {
        eprintln!("bench 5: test-suite speed…");
        rows.push(suite::run(rounds.min(3)));
    }
    if wants(6) {
        eprintln!("bench 6: against the testing anchor (wiremock)…");
        rows.push(anchor::run(rounds.min(3), args.quick));
    }
    Ok(rows)
}

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.first().is_some_and(|a| a == "__minimal-server") {
        // Benchmark 4's baseline server, run as a child process (not a flag for people).
        let body = raw.get(1).map(|b| b.to_string_lossy().into_owned());
        return match mockload::minimal_server(body.unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // --help and --version exit 0, bad arguments exit 2 (clap's convention).
    let args = Args::parse();
    // reqwest is built with `rustls-no-provider` (qosic-http's choice); the bare clients of
    // the benchmarks need a process-wide provider (they only speak plain HTTP on loopback).
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!("machine: {}", machine());
    let command = raw
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "command: {}",
        format!("cargo xtask bench {command}").trim_end()
    );
    match run(&args) {
        Ok(mut rows) => {
            rows.sort_by_key(|r| r.number);
            print_table(&rows);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn flags_and_defaults() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.only, [1, 2, 3, 4, 5, 6]);
        assert_eq!((a.quick, a.rounds, a.payments), (false, 5, 100_000));
        assert!(a.mock_bin.is_none() && a.other_mock.is_none());
        let a = parse(&["--only", "1,4", "--quick", "--rounds=2", "--mock-bin", "m"]).unwrap();
        assert_eq!(
            (a.only.as_slice(), a.quick, a.rounds),
            (&[1, 4][..], true, 2)
        );
        assert_eq!(a.mock_bin, Some(PathBuf::from("m")));
        let a = parse(&["--other-mock", "/tmp/mock-b"]).unwrap();
        assert_eq!(a.other_mock, Some(PathBuf::from("/tmp/mock-b")));
        for (bad, flag) in [
            (&["--only", "1,7"][..], "--only"),
            (&["--only", "x"], "--only"),
            (&["--rounds", "0"], "--rounds"),
            (&["--payments", "-3"], "--payments"),
            (&["--fast"], "--fast"),
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.to_string().contains(flag), "{bad:?}: {err}");
        }
        let help = Args::command().render_long_help().to_string();
        for shown in [
            "[default: 1,2,3,4,5,6]",
            "[default: 5]",
            "[default: 100000]",
            "QOSIC_MOCK_BIN",
        ] {
            assert!(help.contains(shown), "{shown} missing from:\n{help}");
        }
    }
}
