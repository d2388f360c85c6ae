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

use crate::common::{median, sdk_client, workspace_root, Row, AT_ONCE};
use qosic_examples::flows;

/// The version measured, pinned so that runs compare.
const QOSIC_SDK: &str = "qosic-sdk==5.1.0";

const SCRIPT: &str = r#"
import logging, sys, time
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

fn python_flows(
    python: &Path,
    script: &Path,
    base_url: &str,
    flows: usize,
    first: usize,
) -> Result<f64, String> {
    let out = run(Command::new(python)
        .arg(script)
        .arg(base_url)
        .arg(flows.to_string())
        .arg(first.to_string()))?;
    out.lines()
        .last()
        .and_then(|l| l.strip_prefix("flows_per_sec="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("unexpected output from the Python script: {out:?}"))
}

pub(crate) async fn run_bench(base_url: &str, quick: bool, rounds: usize) -> Row {
    const NAME: &str = "vs Python qosic-sdk: sequential flows/s, Rust / Python";
    const GOAL: &str = "report";
    let (py_flows, rust_flows, par_flows) = if quick {
        (100, 300, 2000)
    } else {
        (500, 2000, 10000)
    };
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
    for round in 0..rounds {
        let first = 1_000 + round * 10_000;
        let (python, script, url) = (python.clone(), script.clone(), base_url.to_owned());
        let p = match tokio::task::spawn_blocking(move || {
            python_flows(&python, &script, &url, py_flows, first)
        })
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Row::unavailable(2, NAME, GOAL, &format!("Python SDK: {e}")),
            Err(e) => return Row::unavailable(2, NAME, GOAL, &e.to_string()),
        };
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
    let mut details = vec![format!(
        "sequential: Rust {r:.0} flows/s ({rust_flows} flows), Python {p:.0} flows/s ({py_flows} flows), medians of {rounds} interleaved rounds; ratios {}",
        ratio.iter().map(|x| format!("{x:.1}")).collect::<Vec<_>>().join(" ")
    )];
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
            "{:.1}x sequential; {:.1}x with Rust at concurrency 64",
            median(&ratio),
            par.flows_per_sec() / p
        ),
        goal: GOAL,
        pass: None,
        details,
    }
}
