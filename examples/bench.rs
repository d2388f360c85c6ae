//! The benchmarks of qosic-rs: `cargo xtask bench [-- FLAGS]` runs this program in release.
//!
//! ```text
//! cargo xtask bench                    # all five, then the table (a few minutes)
//! cargo xtask bench --only 1,4 --quick # some of them, with smaller runs
//! ```
//!
//! Each figure is a ratio or a distribution measured within one run, with the baseline and
//! the subject interleaved over several rounds (medians reported), so that it holds on a
//! noisy machine. `docs/BENCHMARKS.md` explains each one and keeps the latest results.
//!
//! 1. SDK overhead: SDK pay flows/s ÷ the same two requests with bare reqwest (goal ≥ 0.9).
//! 2. The Python `qosic-sdk` (from PyPI, in `target/bench-venv`): sequential flows/s ratio,
//!    and the Rust SDK at concurrency 64.
//! 3. 10,000 payments pending at once over HTTP: memory per payment (< 16 KiB), CPU, and the
//!    lateness of status checks (p99 < 50 ms).
//! 4. qosic-mock's status requests/s ÷ a minimal hyper server's (goal ≥ 0.7).
//! 5. 1,000 flows with a 2-minute window on the paused clock, in-process (goal < 1 s).
//!
//! Benchmarks 1 to 4 run against the `qosic-mock` binary as a child process (built with
//! `cargo build --release -p qosic-mock` unless `--mock-bin` or `QOSIC_MOCK_BIN` names one),
//! so that this process's memory and CPU are the SDK's alone. Everything is on loopback,
//! bounded in count and time, and stops by itself.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[path = "bench/common.rs"]
mod common;
#[path = "bench/flows.rs"]
mod flows;
#[path = "bench/mockload.rs"]
mod mockload;
#[path = "bench/overhead.rs"]
mod overhead;
#[path = "bench/python.rs"]
mod python;
#[path = "bench/scale.rs"]
mod scale;
#[path = "bench/suite.rs"]
mod suite;

use common::Row;

const USAGE: &str = "\
usage: cargo xtask bench [--only LIST] [--quick] [--rounds N] [--payments N] [--mock-bin PATH]

  --only LIST     which benchmarks, e.g. 1,3,5 (default: all five)
  --quick         smaller runs (a smoke test; figures are noisier)
  --rounds N      interleaved rounds per ratio, a positive whole number (default 5)
  --payments N    payments pending at once in benchmark 3 (default 10000)
  --mock-bin PATH the qosic-mock binary (default: QOSIC_MOCK_BIN, or build it)";

#[derive(Debug)]
struct Args {
    only: Vec<u8>,
    quick: bool,
    rounds: usize,
    payments: usize,
    mock_bin: Option<PathBuf>,
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        only: vec![1, 2, 3, 4, 5],
        quick: false,
        rounds: 5,
        payments: 10_000,
        mock_bin: None,
    };
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| raw.next())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        let count = |flag: &str, v: String| match v.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{flag}: expected a positive whole number, got {v:?}"
            )),
        };
        match flag.as_str() {
            "--only" => {
                let v = value("a list like 1,3,5")?;
                args.only = v
                    .split(',')
                    .map(|s| match s.trim().parse::<u8>() {
                        Ok(n @ 1..=5) => Ok(n),
                        _ => Err(format!(
                            "--only: expected numbers from 1 to 5 separated by commas, got {v:?}"
                        )),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--quick" => args.quick = true,
            "--rounds" => args.rounds = count("--rounds", value("a number")?)?,
            "--payments" => args.payments = count("--payments", value("a number")?)?,
            "--mock-bin" => args.mock_bin = Some(PathBuf::from(value("a path")?)),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
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
            let mock = common::Server::spawn(bin, &[])?;
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
            let mock = common::Server::spawn(bin, &[])?;
            let payments = if args.quick {
                args.payments.min(2000)
            } else {
                args.payments
            };
            let scale = scale::Scale {
                payments,
                step: Duration::from_secs(1),
                checks: 4,
            };
            rows.push(runtime.block_on(scale::run(&mock.url, mock.pid(), scale)));
        }
        if wants(4) {
            eprintln!("bench 4: the mock under load…");
            rows.push(runtime.block_on(mockload::run(bin, args.quick, rounds)));
        }
    }
    drop(runtime);
    if wants(5) {
        eprintln!("bench 5: test-suite speed…");
        rows.push(suite::run(rounds.min(3)));
    }
    Ok(rows)
}

fn main() -> ExitCode {
    let mut raw = std::env::args().skip(1);
    let first = raw.next();
    if first.as_deref() == Some("__minimal-server") {
        // Benchmark 4's baseline server, run as a child process.
        return match mockload::minimal_server(raw.next().unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match parse_args(first.into_iter().chain(raw)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // reqwest is built with `rustls-no-provider` (qosic-http's choice); the bare clients of
    // the benchmarks need a process-wide provider (they only speak plain HTTP on loopback).
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!("machine: {}", machine());
    let command = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
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
