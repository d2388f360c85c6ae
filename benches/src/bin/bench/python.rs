//! Benchmark 2, against the Python SDK: sequential MTN pay flows per second through the
//! Rust SDK and through the Python `qosic-sdk` (installed from PyPI into a virtual
//! environment under `target/bench-venv`) against the same qosic-mock process; then the
//! Rust SDK at concurrency 64.
//!
//! Fairness: qosic-mock approves these numbers at the first status check. The Python SDK
//! (`polling2.poll`) checks once before its first sleep, so it makes two requests and never
//! sleeps; the Rust SDK is given a step that is always already due ([`AT_ONCE`]), so it
//! makes the same two requests without sleeping either. The Python SDK's logger (DEBUG to
//! stderr by default) is set to WARNING, like the Rust SDK with no tracing subscriber.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{cpu_time, median, sdk_client, workspace_root, Row, AT_ONCE};
use qosic_bench::flows;

/// The version measured, pinned so that runs compare.
const QOSIC_SDK: &str = "qosic-sdk==5.1.0";

const SCRIPT: &str = r#"
import logging, resource, sys, time
from qosic import Client
from qosic.mobile_carriers.bj import MTN

base_url, flows, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
logging.getLogger("qosic.logger").setLevel(logging.WARNING)

def phone(i):
    return "22997%04d%02d" % ((i // 90) % 10000, i % 90)

client = Client(login="merchant", password="secret", base_url=base_url,
                mobile_carriers=[MTN(id="MTN_CLIENT")])
for i in range(50):  # warm-up: connection, imports, caches
    client.pay(phone=phone(first + i), amount=1000, first_name="Ada", last_name="Lovelace")
start = time.perf_counter()
for i in range(flows):
    r = client.pay(phone=phone(first + 50 + i), amount=1000, first_name="Ada", last_name="Lovelace")
    if not r.success:
        sys.exit("flow %d not confirmed: %s" % (i, r.response.text))
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print("cpu_s=%.6f" % (usage.ru_utime + usage.ru_stime))
print("flows_per_sec=%.3f" % (flows / elapsed))
"#;

/// The virtual environment's python, creating it and installing `qosic-sdk` when missing.
fn python() -> Result<PathBuf, String> {
    let venv = workspace_root().join("target").join("bench-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join("qosic-sdk-installed");
    if python.is_file() && marker.is_file() {
        return Ok(python);
    }
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(Command::new(&host).args(["-m", "venv"]).arg(&venv))
        .map_err(|e| format!("{host} -m venv failed: {e}"))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        QOSIC_SDK,
    ]))
    .map_err(|e| format!("pip install {QOSIC_SDK} failed: {e}"))?;
    std::fs::write(&marker, QOSIC_SDK).map_err(|e| e.to_string())?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim().to_owned();
        Err(format!("{} ({last})", out.status))
    }
}

/// One run of the Python script: its flows per second, and the user + system CPU time of the
/// whole process (interpreter start-up, imports and warm-up included), in seconds.
fn python_flows(
    python: &Path,
    script: &Path,
    base_url: &str,
    flows: usize,
    first: usize,
) -> Result<(f64, f64), String> {
    let out = run(Command::new(python)
        .arg(script)
        .arg(base_url)
        .arg(flows.to_string())
        .arg(first.to_string()))?;
    let value = |key: &str| -> Result<f64, String> {
        out.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| format!("unexpected output from the Python script: {out:?}"))
    };
    Ok((value("flows_per_sec=")?, value("cpu_s=")?))
}

/// CPU time of this process (all threads) over `n` Rust SDK flows at `concurrency`, in
/// seconds; `/proc` counts in 10 ms ticks, hence runs of a second or so.
async fn rust_cpu(
    client: &qosic_core::Client,
    n: usize,
    concurrency: usize,
    first: usize,
) -> Result<f64, String> {
    let before = cpu_time("self").ok_or("cannot read /proc/self/stat")?;
    let r = flows::run(client, n, concurrency, first).await;
    if r.failures > 0 {
        return Err(r.first_failure.unwrap_or_default());
    }
    let after = cpu_time("self").ok_or("cannot read /proc/self/stat")?;
    Ok(after.saturating_sub(before).as_secs_f64())
}

/// [`rust_cpu`]'s slope at concurrency 32 on a current-thread runtime of its own (one thread
/// runs the flows and the connections; the bench's multi-thread runtime is idle meanwhile),
/// with a client made on it, so that no connection task lives on the other runtime.
fn current_thread_cpu_us(base_url: &str, small: usize, first: usize) -> Result<f64, String> {
    let base_url = base_url.to_owned();
    // A thread of its own: a runtime cannot be started from a thread that is in one.
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot build a current-thread runtime: {e}"))?;
        runtime.block_on(async {
            let client = sdk_client(&base_url, AT_ONCE, Duration::from_secs(10))?;
            let warm = flows::run(&client, 200, 32, first).await;
            if warm.failures > 0 {
                return Err(warm.first_failure.unwrap_or_default());
            }
            let small_cpu = rust_cpu(&client, small, 32, first + 1_000).await?;
            let large_cpu = rust_cpu(&client, small * 4, 32, first + 10_000).await?;
            Ok(slope_us((small, small_cpu), (small * 4, large_cpu)))
        })
    });
    thread
        .join()
        .map_err(|_| "the current-thread measurement panicked".to_owned())?
}

/// Client CPU per flow, in microseconds: the slope between a small and a large run, so that
/// what does not grow with the flows (start-up, imports, warm-up) cancels.
fn slope_us(small: (usize, f64), large: (usize, f64)) -> f64 {
    (large.1 - small.1) * 1e6 / (large.0 - small.0) as f64
}

pub(crate) async fn run_bench(base_url: &str, quick: bool, rounds: usize) -> Row {
    const NAME: &str =
        "vs Python qosic-sdk: sequential flows/s, Rust / Python; client CPU per flow";
    const GOAL: &str = "CPU: >= 20x less per flow at concurrency 32 than Python at its best";
    let (py_flows, rust_flows, par_flows) = if quick {
        (100, 300, 2000)
    } else {
        (500, 2000, 10000)
    };
    // The small runs of the CPU slopes (the large ones are 4 times bigger): sequential and at
    // concurrency 32.
    let cpu_flows = if quick { (500, 1000) } else { (2500, 5000) };
    let python = match tokio::task::spawn_blocking(python).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Row::unavailable(2, NAME, GOAL, &e),
        Err(e) => return Row::unavailable(2, NAME, GOAL, &e.to_string()),
    };
    let script = workspace_root()
        .join("target")
        .join("bench-venv")
        .join("bench_flows.py");
    if let Err(e) = std::fs::write(&script, SCRIPT) {
        return Row::unavailable(2, NAME, GOAL, &e.to_string());
    }
    let client = match sdk_client(base_url, AT_ONCE, Duration::from_secs(10)) {
        Ok(c) => c,
        Err(e) => return Row::unavailable(2, NAME, GOAL, &e),
    };
    let warm = flows::run(&client, 200, 1, 0).await;
    if warm.failures > 0 {
        return Row::unavailable(2, NAME, GOAL, &warm.first_failure.unwrap_or_default());
    }
    let (mut py, mut rust, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    // Client CPU per flow (µs): Python sequential, Rust sequential, Rust at concurrency 32.
    let (mut py_cpu, mut rust_seq_cpu, mut rust_par_cpu) = (Vec::new(), Vec::new(), Vec::new());
    // The same at concurrency 32 on a current-thread runtime, for comparison.
    let mut rust_ct_cpu = Vec::new();
    for round in 0..rounds {
        let first = 1_000 + round * 100_000;
        let python_run = |flows: usize, first: usize| {
            let (python, script, url) = (python.clone(), script.clone(), base_url.to_owned());
            tokio::task::spawn_blocking(move || python_flows(&python, &script, &url, flows, first))
        };
        let small = python_run(py_flows, first).await;
        let large = python_run(py_flows * 4, first + 10_000).await;
        let (p, small_cpu, large_cpu) = match (small, large) {
            (Ok(Ok((p, small_cpu))), Ok(Ok((_, large_cpu)))) => (p, small_cpu, large_cpu),
            (Ok(Err(e)), _) | (_, Ok(Err(e))) => {
                return Row::unavailable(2, NAME, GOAL, &format!("Python SDK: {e}"))
            }
            (Err(e), _) | (_, Err(e)) => return Row::unavailable(2, NAME, GOAL, &e.to_string()),
        };
        py_cpu.push(slope_us((py_flows, small_cpu), (py_flows * 4, large_cpu)));
        let cpu = |n: usize, concurrency: usize, first: usize| {
            let client = client.clone();
            async move {
                rust_cpu(&client, n, concurrency, first)
                    .await
                    .map(|c| (n, c))
            }
        };
        let measured = async {
            let seq_small = cpu(cpu_flows.0, 1, first + 30_000).await?;
            let seq_large = cpu(cpu_flows.0 * 4, 1, first + 40_000).await?;
            let par_small = cpu(cpu_flows.1, 32, first + 60_000).await?;
            let par_large = cpu(cpu_flows.1 * 4, 32, first + 70_000).await?;
            Ok::<_, String>((
                slope_us(seq_small, seq_large),
                slope_us(par_small, par_large),
            ))
        };
        match measured.await {
            Ok((seq, par)) => {
                rust_seq_cpu.push(seq);
                rust_par_cpu.push(par);
            }
            Err(e) => return Row::unavailable(2, NAME, GOAL, &e),
        }
        let url = base_url.to_owned();
        let small = cpu_flows.1;
        match tokio::task::spawn_blocking(move || {
            current_thread_cpu_us(&url, small, first + 80_000)
        })
        .await
        {
            Ok(Ok(ct)) => rust_ct_cpu.push(ct),
            Ok(Err(e)) => return Row::unavailable(2, NAME, GOAL, &e),
            Err(e) => return Row::unavailable(2, NAME, GOAL, &e.to_string()),
        }
        let r = flows::run(&client, rust_flows, 1, first).await;
        if r.failures > 0 {
            return Row::unavailable(2, NAME, GOAL, &r.first_failure.unwrap_or_default());
        }
        py.push(p);
        rust.push(r.flows_per_sec());
        ratio.push(r.flows_per_sec() / p);
    }
    let par = flows::run(&client, par_flows, 64, 500_000).await;
    let (r, p) = (median(&rust), median(&py));
    // The Python SDK at its best: its lowest CPU per flow of the rounds.
    let py_best = py_cpu.iter().copied().fold(f64::INFINITY, f64::min);
    let (seq_cpu, par_cpu) = (median(&rust_seq_cpu), median(&rust_par_cpu));
    let ct_cpu = median(&rust_ct_cpu);
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut details = vec![format!(
        "sequential: Rust {r:.0} flows/s ({rust_flows} flows), Python {p:.0} flows/s ({py_flows} flows), medians of {rounds} interleaved rounds; ratios {}",
        ratio.iter().map(|x| format!("{x:.1}")).collect::<Vec<_>>().join(" ")
    )];
    details.push(format!(
        "client CPU per flow (user + system time of the client process, slope between {} and {} flows for Python, {} and {} sequential and {} and {} at concurrency 32 for Rust, so that start-up cancels): Python sequential {:.0} us (best of rounds; rounds {}), Rust sequential {seq_cpu:.1} us = {:.1}x less (rounds {}), Rust at concurrency 32 {par_cpu:.1} us = {:.1}x less (rounds {})",
        py_flows,
        py_flows * 4,
        cpu_flows.0,
        cpu_flows.0 * 4,
        cpu_flows.1,
        cpu_flows.1 * 4,
        py_best,
        list(&py_cpu),
        py_best / seq_cpu,
        list(&rust_seq_cpu),
        py_best / par_cpu,
        list(&rust_par_cpu),
    ));
    details.push(format!(
        "Rust at concurrency 32 on a current-thread runtime (a client of its own, the same slope): {ct_cpu:.1} us = {:.1}x less than Python (rounds {}); the goal is judged on the multi-thread runtime above, tokio's default for servers",
        py_best / ct_cpu,
        list(&rust_ct_cpu),
    ));
    if par.failures == 0 {
        details.push(format!(
            "Rust SDK at concurrency 64: {:.0} flows/s ({par_flows} flows) = {:.1}x Python sequential; flow p50 {:.2} ms, p99 {:.2} ms",
            par.flows_per_sec(),
            par.flows_per_sec() / p,
            par.quantile_ms(0.5),
            par.quantile_ms(0.99)
        ));
    } else {
        details.push(format!(
            "Rust SDK at concurrency 64: {} failures ({})",
            par.failures,
            par.first_failure.as_deref().unwrap_or_default()
        ));
    }
    Row {
        number: 2,
        name: NAME,
        figure: format!(
            "{:.1}x sequential; {:.1}x with Rust at concurrency 64; CPU per flow: Python {py_best:.0} us, Rust {seq_cpu:.0} us sequential ({:.1}x less), {par_cpu:.0} us at concurrency 32 ({:.1}x less; {ct_cpu:.0} us, {:.1}x less, on a current-thread runtime)",
            median(&ratio),
            par.flows_per_sec() / p,
            py_best / seq_cpu,
            py_best / par_cpu,
            py_best / ct_cpu
        ),
        goal: GOAL,
        pass: Some(py_best / par_cpu >= 20.0),
        details,
    }
}
